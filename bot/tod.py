"""The term-of-the-day scheduler: one loop serving every server of this process's shards.

Discord-free: a :class:`Poster` (written on top of discord.py elsewhere) sends a message, a :class:`Clock`
tells the time and sleeps, and :class:`~bot.tod_store.TodStore` persists everything. Tests swap the clock and
the poster; nothing here sleeps on its own.

How a post happens (one *tick*; statements are constant per batch, not per server):

1. one indexed query fetches every due schedule on our shards (with the post row already stored for its date);
2. one query fetches the rotation state of the servers that still need a term chosen;
3. terms are chosen, then one ``executemany`` records the posts as ``pending`` *before* sending, one commit;
4. sends run concurrently behind a semaphore, each with the nonce of (server, local date);
5. results are confirmed in batches: ``sent`` + move to the next date's slot; a transient failure retries
   the same slot (same nonce) with exponential backoff while that local day lasts; a permanent one disables
   the schedule with its reason.

Exactly once: the ``(server, local date)`` primary key allows one post row; a row left ``pending`` by a crash
is resent with the same nonce (Discord's ``enforce_nonce`` returns the existing message instead of posting
twice) while its local date is today, and closed as ``missed`` once that day is over. A server whose post
time passed while the bot was down gets its post on start if it is still that date there; earlier days are
skipped, never flooded.

Public API::

    class PostFailed(Exception): reason: str; permanent: bool     # raised by a Poster
    class PermanentPostError(PostFailed)                          # channel deleted, permission lost...
    class TransientPostError(PostFailed)                          # 5xx, timeout...
    class Poster(Protocol):
        async def post(self, guild_id: int, channel_id: int, term_id: int, local_date: date,
                       nonce: str) -> int                         # returns the message id
    class Clock(Protocol):
        def now(self) -> datetime                                 # aware UTC
        async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None
    class SystemClock
    choose_term(guild_id: int, day: date, terms: Sequence[int], cycle: Cycle) -> tuple[int, int] | None
    class TermOfDay(store, poster, current_term_ids, clock=None, shard_count=1, shard_ids=None,
                    concurrency=50, *, batch_size=10_000, confirm_every=1_000, retry_base=30 s,
                    retry_cap=15 min, idle=60 s, post_timeout=120 s)
        async setup(guild_id, channel_id, post_time: time | str = "09:00",
                    zone: ZoneInfo | str = "UTC") -> datetime      # next post, aware UTC; ValueError
        async stop(guild_id) -> bool
        async status(guild_id) -> ScheduleStatus | None
        async today(guild_id) -> TodayInfo
        async recover() -> RecoverReport
        async tick() -> TickReport
        async run() -> None                                       # forever; cancel to stop
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.schedule import (
    format_time,
    local_date,
    next_slot,
    nonce_for,
    parse_time,
    parse_zone,
    slot_for,
    slot_on_or_after,
)
from bot.tod_store import Cycle, Due, Post, ScheduleConfig, ScheduleStatus, Slot, TodStore

__all__ = [
    "Clock",
    "PermanentPostError",
    "PostFailed",
    "Poster",
    "RecoverReport",
    "SystemClock",
    "TermOfDay",
    "TickReport",
    "TodayInfo",
    "TransientPostError",
    "choose_term",
]

log = logging.getLogger(__name__)

TermIds = Callable[[], Sequence[int] | Awaitable[Sequence[int]]]
_WALK_LIMIT = 32  # rotation: probe this many terms before computing the unused set outright


class PostFailed(Exception):
    """A poster could not send. ``permanent`` failures disable the schedule; others are retried."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class PermanentPostError(PostFailed):
    """Retrying cannot help (channel deleted, bot removed, permission lost): disable and tell the admins."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class TransientPostError(PostFailed):
    """Retrying may help (5xx, timeout, rate limit): try again later the same day with the same nonce."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=False)


class Poster(Protocol):
    """Sends one term-of-the-day message; must pass ``nonce`` with ``enforce_nonce`` to Discord."""

    async def post(self, guild_id: int, channel_id: int, term_id: int, local_date: date, nonce: str) -> int:
        """Send and return the message id; raise :class:`PostFailed` (or a subclass) on failure."""
        ...


class Clock(Protocol):
    """Time source, injectable so tests move time instead of sleeping."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at ``when`` or as soon as ``wake`` is set, whichever comes first."""
        ...


class SystemClock:
    """The real clock. Sleeps at most until ``when``; the scheduler never asks for more than a minute."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        delay = (when - self.now()).total_seconds()
        if delay <= 0 or wake.is_set():
            return
        try:
            async with asyncio.timeout(delay):
                await wake.wait()
        except TimeoutError:
            pass


@dataclass(slots=True)
class TickReport:
    """What one tick (or several, when aggregated) did, for logs, metrics and tests."""

    due: int = 0  # due schedules fetched
    handed: int = 0  # sends handed to the poster
    sent: int = 0  # confirmed
    resent: int = 0  # of the handed ones: resends of a pending post with its original nonce
    retrying: int = 0  # transient failures, retried later
    disabled: int = 0  # permanent failures (or unusable settings), schedule disabled
    missed: int = 0  # slots of days that ended without a post
    skipped: int = 0  # no term to post (empty glossary)
    more: bool = False  # more is due right now (batch limit hit, or a catch-up slot became due)
    statements: int = 0  # SQL statements issued (includes any a concurrent setup/today issued meanwhile)

    def add(self, other: TickReport) -> None:
        for name in self.__slots__:
            if name == "more":
                self.more = other.more
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class RecoverReport:
    """What :meth:`TermOfDay.recover` did on start."""

    closed: int = 0  # unconfirmed posts of past days closed as missed
    resumed: int = 0  # unconfirmed posts of today made due for a resend with their nonce
    ticks: TickReport = field(default_factory=TickReport)


@dataclass(frozen=True, slots=True)
class TodayInfo:
    """``/termofday today``: the term of this server's local date and, for admins, the schedule status.

    ``term_id`` is ``None`` when nothing is posted or scheduled for today (no schedule, stopped, or today's
    time already passed when it was set up). ``post.status`` says whether it is ``planned``, being sent
    (``pending``), ``sent`` or ``missed``.
    """

    local_date: date
    term_id: int | None
    post: Post | None
    status: ScheduleStatus | None


@dataclass(slots=True)
class _Send:
    """One post to hand to the poster, with what to do after it."""

    guild_id: int
    channel_id: int
    term_id: int
    day: date
    nonce: str
    cycle: int
    revision: int
    attempts: int
    resend: bool
    next_day: date
    next_utc: int
    day_end: int  # first instant of the next local date: retries stop there and the slot is closed


@dataclass(slots=True)
class _Writes:
    """Batched state changes, written with one ``executemany`` each and one commit."""

    record: list[Slot] = field(default_factory=list)
    confirm: list[tuple[int, date, int]] = field(default_factory=list)
    miss: list[tuple[int, date]] = field(default_factory=list)
    reschedule: list[tuple[int, int, date, int]] = field(default_factory=list)
    retry: list[tuple[int, int, int]] = field(default_factory=list)
    disable: list[tuple[int, str, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(map(len, (self.record, self.confirm, self.miss, self.reschedule, self.retry, self.disable)))


def choose_term(guild_id: int, day: date, terms: Sequence[int], cycle: Cycle) -> tuple[int, int] | None:
    """Pick a server's term for a date: ``(term id, cycle number)``, or ``None`` for an empty glossary.

    ``terms`` must be sorted and unique. A term already used in the current cycle is never picked; when every
    current term is used the next cycle starts. Terms added later are simply unused; removed ones are not in
    ``terms``. The start point is a hash of (server, date), so servers get different sequences and the choice
    is reproducible. Cheap early in a cycle (a few probes); late in a cycle the unused set is computed at
    C speed instead of probing.
    """
    n = len(terms)
    if n == 0:
        return None
    digest = hashlib.blake2b(f"{guild_id}:{day.isoformat()}".encode(), digest_size=8).digest()
    start = int.from_bytes(digest, "big")
    used = cycle.used
    for k in range(min(n, _WALK_LIMIT)):
        term = terms[(start + k) % n]
        if term not in used:
            return term, cycle.number
    remaining = sorted(set(terms).difference(used))
    if remaining:
        return remaining[start % len(remaining)], cycle.number
    return terms[start % n], cycle.number + 1


def _ts(instant: datetime) -> int:
    return int(instant.timestamp())


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _day_end(day: date, zone: ZoneInfo) -> int:
    """Unix time at which ``day`` ends in ``zone`` (next local midnight, or the end of a gap at midnight)."""
    return _ts(slot_for(day + timedelta(days=1), time(0, 0), zone))


class _Settings:
    """Per-tick cache of parsed zones and times (10,000 rows share a few dozen distinct values)."""

    def __init__(self) -> None:
        self._zones: dict[str, ZoneInfo] = {}
        self._times: dict[str, time] = {}

    def get(self, zone: str, post_time: str) -> tuple[ZoneInfo, time]:
        parsed_zone = self._zones.get(zone)
        if parsed_zone is None:
            parsed_zone = self._zones[zone] = parse_zone(zone)
        parsed_time = self._times.get(post_time)
        if parsed_time is None:
            parsed_time = self._times[post_time] = parse_time(post_time)
        return parsed_zone, parsed_time


class TermOfDay:
    """Schedules, chooses and posts every server's term of the day (see the module docstring)."""

    def __init__(
        self,
        store: TodStore,
        poster: Poster,
        current_term_ids: TermIds,
        clock: Clock | None = None,
        shard_count: int = 1,
        shard_ids: Collection[int] | None = None,
        concurrency: int = 50,
        *,
        batch_size: int = 10_000,
        confirm_every: int = 1_000,
        retry_base: timedelta = timedelta(seconds=30),
        retry_cap: timedelta = timedelta(minutes=15),
        idle: timedelta = timedelta(seconds=60),
        post_timeout: timedelta = timedelta(seconds=120),
    ) -> None:
        if shard_count < 1 or concurrency < 1 or batch_size < 1 or confirm_every < 1:
            raise ValueError("shard_count, concurrency, batch_size and confirm_every must be positive")
        self._store = store
        self._poster = poster
        self._current_term_ids = current_term_ids
        self._clock: Clock = clock or SystemClock()
        self._shard_count = shard_count
        self._shard_ids = frozenset(shard_ids) if shard_ids is not None else None
        self._concurrency = concurrency
        self._batch_size = batch_size
        self._confirm_every = confirm_every
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._idle = idle
        self._post_timeout = post_timeout.total_seconds()
        # Serialises "read state, choose term, write it" between tick/today/setup/stop, so a term shown by
        # /termofday today is the one posted. Not held while sending.
        self._plan_lock = asyncio.Lock()
        self._tick_lock = asyncio.Lock()  # one tick at a time (run loop vs. a manual call)
        self._wake = asyncio.Event()  # set by setup() so run() reschedules its sleep

    # -- commands ---------------------------------------------------------------------------------------------
    async def setup(
        self,
        guild_id: int,
        channel_id: int,
        post_time: time | str = "09:00",
        zone: ZoneInfo | str = "UTC",
    ) -> datetime:
        """Create or change a server's schedule (re-enables it); returns the next post as aware UTC.

        Raises ``ValueError`` with a user-facing message for a bad time or zone. If today's post already went
        out, the next one is tomorrow's; if today's send is still unconfirmed it is resumed now (same nonce and
        channel, so it cannot post twice); otherwise today's slot is used if it is still ahead.
        """
        if isinstance(post_time, str):
            parsed_time = parse_time(post_time)
        else:
            parsed_time = post_time.replace(second=0, microsecond=0, tzinfo=None)
        # A ZoneInfo is re-parsed from its key: that key is what gets stored (one built from a file has none).
        parsed_zone = parse_zone(zone if isinstance(zone, str) else (zone.key or ""))
        async with self._plan_lock:
            now = self._clock.now()
            today = local_date(now, parsed_zone)
            todays = await self._store.post_on(guild_id, today)
            if todays is not None and todays.status == "pending":
                day, slot = today, now
            elif todays is not None and todays.status == "sent":
                day, slot = slot_on_or_after(today + timedelta(days=1), parsed_time, parsed_zone)
            else:
                day, slot = next_slot(now, parsed_time, parsed_zone)
                if todays is not None and todays.status == "planned" and day != today:
                    await self._store.miss([(guild_id, today)], _ts(now))
            config = ScheduleConfig(guild_id, channel_id, format_time(parsed_time), parsed_zone.key, _ts(slot), day)
            await self._store.upsert_schedules([config], _ts(now))
            await self._store.commit()
        log.info(
            "term of the day: guild %s set up for %s %s in channel %s, next post %s",
            guild_id,
            config.post_time,
            config.timezone,
            channel_id,
            slot.isoformat(),
        )
        self._wake.set()
        return slot

    async def stop(self, guild_id: int) -> bool:
        """Stop posting for a server, keeping its history; returns whether it had a schedule."""
        async with self._plan_lock:
            stopped = await self._store.stop(guild_id, _ts(self._clock.now()))
            await self._store.commit()
        if stopped:
            log.info("term of the day: guild %s stopped", guild_id)
        return stopped

    async def status(self, guild_id: int) -> ScheduleStatus | None:
        """Settings, next post, last post and any problem that disabled the schedule."""
        return await self._store.get_status(guild_id)

    async def today(self, guild_id: int) -> TodayInfo:
        """Today's term for a server: the one posted today or the one that will be, choosing it if needed.

        Choosing records a ``planned`` post, which the tick then sends, so what this shows is what is posted.
        """
        async with self._plan_lock:
            now = self._clock.now()
            status = await self._store.get_status(guild_id)
            if status is None:
                return TodayInfo(local_date(now, ZoneInfo("UTC")), None, None, None)
            schedule = status.schedule
            try:
                zone = parse_zone(schedule.timezone)
            except ValueError:
                return TodayInfo(local_date(now, ZoneInfo("UTC")), None, None, status)
            day = local_date(now, zone)
            post = await self._store.post_on(guild_id, day)
            if post is None and schedule.enabled and schedule.next_local_date == day:
                terms = await self._terms()
                cycles = await self._store.cycles([guild_id])
                choice = choose_term(guild_id, day, terms, cycles.get(guild_id, Cycle(0, frozenset())))
                if choice is not None:
                    slot = Slot(guild_id, day, choice[0], schedule.channel_id, choice[1], nonce_for(guild_id, day))
                    await self._store.plan(slot, _ts(now))
                    await self._store.commit()
                    post = await self._store.post_on(guild_id, day)
        return TodayInfo(day, post.term_id if post else None, post, status)

    # -- scheduler --------------------------------------------------------------------------------------------
    async def recover(self) -> RecoverReport:
        """Call once on start: settle what a crash or downtime left behind, then post what is due.

        Unconfirmed posts of days that are over (in the server's zone) are closed as ``missed`` and never sent.
        Unconfirmed posts of today are made due at once, so the ticks that follow resend them with their
        original nonce and channel. Those ticks also post catch-ups whose time passed while the bot was down,
        if it is still that date locally.
        """
        report = RecoverReport()
        async with self._plan_lock:
            now = self._clock.now()
            close: list[tuple[int, date]] = []
            resume: list[int] = []
            settings = _Settings()
            for open_post in await self._store.open_posts():
                post = open_post.post
                if not self._ours(post.guild_id):
                    continue
                try:
                    zone = settings.get(open_post.timezone or "", "00:00")[0]
                except ValueError:
                    close.append((post.guild_id, post.local_date))
                    continue
                if post.local_date < local_date(now, zone):
                    close.append((post.guild_id, post.local_date))
                elif post.status == "pending" and open_post.enabled:
                    resume.append(post.guild_id)
            if close:
                await self._store.miss(close, _ts(now))
            if resume:
                await self._store.make_due(resume, _ts(now))
            if close or resume:
                await self._store.commit()
        report.closed, report.resumed = len(close), len(resume)
        if close or resume:
            log.info(
                "term of the day: recovered, %d unconfirmed post(s) closed as missed, %d to resend",
                len(close),
                len(resume),
            )
        for _ in range(100):  # catch-ups may take a second pass; bounded to never spin
            tick = await self.tick()
            report.ticks.add(tick)
            if not tick.more:
                break
        return report

    async def tick(self) -> TickReport:
        """Process one batch of due servers: choose, record, send, confirm, reschedule (see module doc)."""
        async with self._tick_lock:
            first_statement = self._store.statements
            report = TickReport()
            now = self._clock.now()
            async with self._plan_lock:
                dues = await self._store.due(_ts(now), self._shard_count, self._shard_ids, self._batch_size + 1)
                report.more = len(dues) > self._batch_size
                dues = dues[: self._batch_size]
                report.due = len(dues)
                sends: list[_Send] = []
                if dues:
                    writes = _Writes()
                    sends = await self._plan(dues, now, writes, report)
                    writes.record = [Slot(s.guild_id, s.day, s.term_id, s.channel_id, s.cycle, s.nonce) for s in sends]
                    await self._write(writes, _ts(now))
            if sends:
                await self._send_all(sends, report)
            report.statements = self._store.statements - first_statement
            if report.missed or report.retrying:
                log.warning(
                    "term of the day: %d post(s) missed (day over), %d failed and will be retried",
                    report.missed,
                    report.retrying,
                )
            if report.due:
                log.debug("term of the day tick: %s", report)
            return report

    async def run(self) -> None:
        """Serve forever: recover once, then tick and sleep until the next slot (at most ``idle``).

        Wakes early when :meth:`setup` changes a schedule. An exception is logged and the loop goes on (after
        a short pause); cancel the task to stop it.
        """
        recovered = False
        while True:
            self._wake.clear()
            failed = False
            more = False
            next_utc: int | None = None
            try:
                if not recovered:
                    await self.recover()
                    recovered = True
                more = (await self.tick()).more
                next_utc = await self._store.next_due_utc(self._shard_count, self._shard_ids)
            except Exception:
                log.exception("term of the day: scheduler pass failed; trying again shortly")
                failed = True
            if more:
                continue
            now = self._clock.now()
            until = now + (min(self._idle, self._retry_base) if failed else self._idle)
            if next_utc is not None:
                until = min(until, _utc(next_utc))
            await self._clock.sleep_until(until, self._wake)

    # -- internals --------------------------------------------------------------------------------------------
    def _ours(self, guild_id: int) -> bool:
        if self._shard_ids is None:
            return True
        return (guild_id >> 22) % self._shard_count in self._shard_ids

    async def _terms(self) -> list[int]:
        result = self._current_term_ids()
        if inspect.isawaitable(result):
            result = await result
        return sorted(set(result))

    async def _plan(self, dues: Sequence[Due], now: datetime, writes: _Writes, report: TickReport) -> list[_Send]:
        """Decide what to do with each due schedule; returns the sends (terms chosen) to record and make."""
        settings = _Settings()
        sends: list[_Send] = []
        to_choose: list[tuple[Due, date, ZoneInfo, time]] = []
        terms: list[int] | None = None
        term_set: frozenset[int] = frozenset()
        for due in dues:
            schedule, post = due.schedule, due.post
            guild_id, revision = schedule.guild_id, schedule.revision
            try:
                zone, post_time = settings.get(schedule.timezone, schedule.post_time)
            except ValueError as exc:
                writes.disable.append((guild_id, f"Invalid schedule settings: {exc}", revision))
                report.disabled += 1
                log.warning("term of the day: guild %s disabled, bad settings: %s", guild_id, exc)
                continue
            today = local_date(now, zone)
            day = schedule.next_local_date or today
            if day < today:
                # The day ended without a post (downtime, or retries ran out): close it, never send late.
                if post is None or post.status in ("planned", "pending"):
                    writes.miss.append((guild_id, day))
                    report.missed += 1
                    log.debug("term of the day: guild %s missed its post of %s", guild_id, day)
                next_day, next_at = slot_on_or_after(today, post_time, zone)
                writes.reschedule.append((guild_id, _ts(next_at), next_day, revision))
                report.more = report.more or next_at <= now
                continue
            if post is not None and post.status == "sent":
                next_day, next_at = slot_on_or_after(day + timedelta(days=1), post_time, zone)
                writes.reschedule.append((guild_id, _ts(next_at), next_day, revision))
                continue
            next_day, next_at = slot_on_or_after(day + timedelta(days=1), post_time, zone)
            day_end = _day_end(day, zone)
            if post is not None and post.status == "pending":
                sends.append(
                    _Send(
                        guild_id,
                        post.channel_id,
                        post.term_id,
                        day,
                        post.nonce,
                        post.cycle,
                        revision,
                        schedule.attempts,
                        True,
                        next_day,
                        _ts(next_at),
                        day_end,
                    )
                )
                continue
            if terms is None:
                terms = await self._terms()
                term_set = frozenset(terms)
            if post is not None and post.term_id in term_set:  # planned by /today (or missed earlier today)
                sends.append(
                    _Send(
                        guild_id,
                        schedule.channel_id,
                        post.term_id,
                        day,
                        nonce_for(guild_id, day),
                        post.cycle,
                        revision,
                        schedule.attempts,
                        False,
                        next_day,
                        _ts(next_at),
                        day_end,
                    )
                )
                continue
            to_choose.append((due, day, zone, post_time))
        if to_choose:
            sends += await self._choose(to_choose, terms or [], now, writes, report)
        return sends

    async def _choose(
        self,
        to_choose: Sequence[tuple[Due, date, ZoneInfo, time]],
        terms: Sequence[int],
        now: datetime,
        writes: _Writes,
        report: TickReport,
    ) -> list[_Send]:
        """Choose terms for many servers with one history query."""
        sends: list[_Send] = []
        cycles = await self._store.cycles([due.schedule.guild_id for due, _, _, _ in to_choose]) if terms else {}
        empty = Cycle(0, frozenset())
        for due, day, zone, post_time in to_choose:
            schedule = due.schedule
            guild_id = schedule.guild_id
            next_day, next_at = slot_on_or_after(day + timedelta(days=1), post_time, zone)
            choice = choose_term(guild_id, day, terms, cycles.get(guild_id, empty))
            if choice is None:
                writes.reschedule.append((guild_id, _ts(next_at), next_day, schedule.revision))
                report.skipped += 1
                continue
            sends.append(
                _Send(
                    guild_id,
                    schedule.channel_id,
                    choice[0],
                    day,
                    nonce_for(guild_id, day),
                    choice[1],
                    schedule.revision,
                    schedule.attempts,
                    False,
                    next_day,
                    _ts(next_at),
                    _day_end(day, zone),
                )
            )
        if report.skipped:
            log.warning("term of the day: glossary is empty, %d server(s) skipped today", report.skipped)
        return sends

    async def _write(self, writes: _Writes, now: int) -> None:
        """Apply a batch of changes in one transaction (one executemany per kind, one commit)."""
        if not writes:
            return
        await self._store.record(writes.record, now)
        await self._store.confirm(writes.confirm, now)
        await self._store.miss(writes.miss, now)
        await self._store.reschedule(writes.reschedule, now)
        await self._store.retry(writes.retry, now)
        await self._store.disable(writes.disable, now)
        await self._store.commit()

    async def _send_all(self, sends: Sequence[_Send], report: TickReport) -> None:
        """Hand every send to the poster with at most ``concurrency`` in flight; confirm in batches."""
        report.handed += len(sends)
        report.resent += sum(1 for s in sends if s.resend)
        outcomes: asyncio.Queue[tuple[_Send, int | BaseException] | None] = asyncio.Queue()
        pending = iter(sends)

        async def worker() -> None:
            try:
                for send in pending:  # shared iterator: each send is taken by exactly one worker
                    outcomes.put_nowait((send, await self._post_one(send)))
            finally:
                outcomes.put_nowait(None)  # so the consumer never waits for a worker that died

        workers = [asyncio.create_task(worker()) for _ in range(min(self._concurrency, len(sends)))]
        try:
            writes = _Writes()
            settled = 0
            running = len(workers)
            while running:
                item = await outcomes.get()
                if item is None:
                    running -= 1
                    continue
                self._settle(item[0], item[1], self._clock.now(), writes, report)
                settled += 1
                if settled % self._confirm_every == 0:
                    await self._write(writes, _ts(self._clock.now()))
                    writes = _Writes()
            await self._write(writes, _ts(self._clock.now()))
        finally:
            for task in workers:
                task.cancel()  # only matters when we are cancelled: unsent rows stay pending, resent later
            await asyncio.gather(*workers, return_exceptions=True)

    async def _post_one(self, send: _Send) -> int | BaseException:
        try:
            async with asyncio.timeout(self._post_timeout):
                return await self._poster.post(send.guild_id, send.channel_id, send.term_id, send.day, send.nonce)
        except TimeoutError:
            return TransientPostError("Timed out sending the message")
        except Exception as exc:
            return exc

    def _settle(
        self, send: _Send, result: int | BaseException, now: datetime, writes: _Writes, report: TickReport
    ) -> None:
        """Turn one send's result into state changes."""
        if not isinstance(result, BaseException):
            writes.confirm.append((send.guild_id, send.day, result))
            writes.reschedule.append((send.guild_id, send.next_utc, send.next_day, send.revision))
            report.sent += 1
            return
        if isinstance(result, PostFailed) and result.permanent:
            writes.disable.append((send.guild_id, result.reason, send.revision))
            writes.miss.append((send.guild_id, send.day))
            report.disabled += 1
            log.warning("term of the day: guild %s disabled: %s", send.guild_id, result.reason)
            return
        # Backoff 30 s, 60 s, 2 min ... capped; never past the end of the local day, when the tick that runs
        # then closes the slot as missed and moves on to the next date's slot.
        delay = min(self._retry_base * (2**send.attempts), self._retry_cap)
        writes.retry.append((send.guild_id, min(_ts(now + delay), send.day_end), send.revision))
        report.retrying += 1
        if isinstance(result, PostFailed):
            log.info(
                "term of the day: guild %s post of %s failed (attempt %d), retrying in %s: %s",
                send.guild_id,
                send.day,
                send.attempts + 1,
                delay,
                result.reason,
            )
        else:  # not a PostFailed: a poster bug or an unexpected error, worth a traceback
            log.warning(
                "term of the day: guild %s post of %s failed unexpectedly (attempt %d), retrying in %s",
                send.guild_id,
                send.day,
                send.attempts + 1,
                delay,
                exc_info=result,
            )
