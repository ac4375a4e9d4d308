"""The term-of-the-day service: the commands (setup, stop, status, today) and the scheduler loop.

How a post happens (one *tick*; SQL statements are constant per batch, not per server):

1. in one transaction: fetch every due schedule on our shards (with the post row stored for its date), the
   rotation history of those that need a term, then record the chosen posts as ``pending`` *before* sending;
2. sends run concurrently behind a bound, each with the nonce of (server, local date);
3. outcomes are written in batches: ``sent`` + the next date's slot; a transient failure retries the same
   slot (same nonce) with backoff while that local day lasts; a permanent one disables the schedule.

Exactly once: the ``(server, local date)`` primary key allows one post row; a row left ``pending`` by a crash
is resent with the same nonce (Discord's ``enforce_nonce`` returns the existing message instead of posting
twice) while its local date is today, and closed once that day is over. A server whose post time passed while
the bot was down gets its post on start if it is still that date there; earlier days are skipped, never
flooded. A schedule change never brings two posts less than ``min_gap`` apart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.database import Database, Transaction
from bot.shards import Shards
from bot.tod import store
from bot.tod.dispatch import Dispatcher, Limits, Tally
from bot.tod.planner import NO_HISTORY, OwnTerms, Plan, Planner, rotation_of, ts
from bot.tod.ports import Clock, Poster
from bot.tod.rotation import choose_term
from bot.tod.schedule import (
    format_time,
    local_date,
    next_slot,
    nonce_for,
    parse_time,
    parse_zone,
    slot_on_or_after,
)
from bot.tod.store import Close, Due, Lease, Post, ScheduleConfig, ScheduleStatus, Slot, Writes

log = logging.getLogger(__name__)
LEASE_MARGIN = timedelta(seconds=60)  # a claimed server is due again only this long after its send timed out


@dataclass(frozen=True, slots=True)
class Options:
    """How the scheduler batches, paces and waits."""

    limits: Limits = field(default_factory=Limits)
    batch_size: int = 10_000
    idle: timedelta = timedelta(seconds=60)
    min_gap: timedelta = timedelta(hours=20)  # between two posts of a server, when its schedule changes


@dataclass(slots=True)
class TickReport:
    """What one tick (or several, when aggregated) did, for logs, metrics and tests."""

    due: int = 0  # due schedules fetched
    handed: int = 0  # sends handed to the poster
    sent: int = 0  # confirmed
    resent: int = 0  # of the handed ones: resends of a pending post with its original nonce
    retrying: int = 0  # transient failures, retried later
    disabled: int = 0  # permanent failures (or unusable settings), schedule disabled
    missed: int = 0  # slots of days that ended without a confirmed post
    skipped: int = 0  # no term to post (empty glossary)
    more: bool = False  # more is due right now (batch limit hit, or a catch-up slot became due)
    statements: int = 0  # SQL statements issued (includes any a concurrent command issued meanwhile)

    def add(self, other: TickReport) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            setattr(self, f.name, theirs if f.name == "more" else mine + theirs)

    def count(self, plan: Plan, tally: Tally) -> None:
        self.handed += len(plan.sends)
        self.resent += sum(1 for s in plan.sends if s.resend)
        self.missed += plan.missed
        self.disabled += plan.disabled + tally.disabled
        self.skipped += plan.skipped
        self.sent += tally.sent
        self.retrying += tally.retrying
        self.more = self.more or plan.more


@dataclass(slots=True)
class RecoverReport:
    """What :meth:`TermOfDay.recover` did on start."""

    closed: int = 0  # unconfirmed posts of past days closed
    resumed: int = 0  # unconfirmed posts of today made due for a resend with their nonce
    ticks: TickReport = field(default_factory=TickReport)


@dataclass(frozen=True, slots=True)
class TodayInfo:
    """``/termofday today``: the term of this server's local date and, for admins, the schedule status.

    ``term_id`` is ``None`` when nothing is posted or scheduled for today (no schedule, stopped, or today's
    time already passed when it was set up).
    """

    local_date: date
    term_id: int | None
    post: Post | None
    status: ScheduleStatus | None


class TermOfDay:
    """Schedules, chooses and posts every server's term of the day (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        terms: Callable[[], Sequence[int]],
        clock: Clock,
        shards: Shards | None = None,
        options: Options | None = None,
        own_terms: Callable[[Sequence[int]], Awaitable[OwnTerms]] | None = None,
    ) -> None:
        self._db = db
        self._terms = terms
        self._own_terms = own_terms  # servers' own terms join their rotation (bot.server_terms)
        self._clock = clock
        self._shards = shards or Shards()
        self._options = options or Options()
        # Serialises "read state, choose term, write it" between tick/today/setup/stop, so a term shown by
        # /termofday today is the one posted. Not held while sending.
        self._plan_lock = asyncio.Lock()
        self._tick_lock = asyncio.Lock()  # one tick at a time (run loop vs. a manual call)
        self._wake = asyncio.Event()  # set by setup() so run() reschedules its sleep

    @property
    def shards(self) -> Shards:
        return self._shards

    # -- commands ---------------------------------------------------------------------------------------------
    async def setup(self, guild_id: int, channel_id: int, post_time: str = "09:00", zone: str = "UTC") -> datetime:
        """Create or change a server's schedule (re-enables it); returns the next post as aware UTC.

        Raises ``ValueError`` with a user-facing message for a bad time or zone. If today's post already went
        out, the next one is tomorrow's; if today's send is still unconfirmed it is resumed now (re-aimed with
        a new nonce if the channel changed); otherwise today's slot is used if it is still ahead.
        """
        parsed_time, parsed_zone = parse_time(post_time), parse_zone(zone)
        async with self._plan_lock, self._db.transaction() as tx:
            now = self._clock.now()
            day, slot = await self._first_slot(tx, guild_id, channel_id, now, (parsed_zone, parsed_time))
            config = ScheduleConfig(guild_id, channel_id, format_time(parsed_time), parsed_zone.key, ts(slot), day)
            await store.upsert_schedules(tx, [config], ts(now))
        log.info(
            "term of the day: guild %s set up for %s %s in channel %s, next post %s",
            guild_id, config.post_time, config.timezone, channel_id, slot.isoformat(),
        )  # fmt: skip
        self._wake.set()
        return slot

    async def _first_slot(
        self, tx: Transaction, guild_id: int, channel_id: int, now: datetime, settings: tuple[ZoneInfo, time]
    ) -> tuple[date, datetime]:
        zone, post_time = settings
        today = local_date(now, zone)
        todays = await store.post_on(tx, guild_id, today)
        if todays is not None and todays.status == "pending":
            if todays.channel_id != channel_id:
                schedule = await store.get_schedule(tx, guild_id)
                variant = (schedule.revision if schedule else 0) + 1
                nonce = nonce_for(guild_id, today, variant)
                await store.retarget(tx, guild_id, today, channel_id, nonce, ts(now))
            return today, now
        if todays is not None and todays.status == "sent":
            day, slot = slot_on_or_after(today + timedelta(days=1), post_time, zone)
        else:
            day, slot = next_slot(now, post_time, zone)
            if todays is not None and todays.status == "planned" and day != today:
                await store.close(tx, [Close(guild_id, today)], ts(now))
        return await self._after_gap(tx, guild_id, (day, slot), settings)

    async def _after_gap(
        self, tx: Transaction, guild_id: int, first: tuple[date, datetime], settings: tuple[ZoneInfo, time]
    ) -> tuple[date, datetime]:
        """The first slot from ``first`` on that is at least ``min_gap`` after the last post that went out."""
        day, slot = first
        last = await store.last_sent(tx, guild_id)
        if last is None or last.sent_at is None:
            return day, slot
        earliest = datetime.fromtimestamp(last.sent_at, UTC) + self._options.min_gap
        zone, post_time = settings
        while slot < earliest or day <= last.local_date:  # a date at or before the last post's is taken
            day, slot = slot_on_or_after(day + timedelta(days=1), post_time, zone)
        return day, slot

    async def stop(self, guild_id: int) -> bool:
        """Stop posting for a server, keeping its history; returns whether it had a schedule."""
        async with self._plan_lock, self._db.transaction() as tx:
            stopped = await store.stop(tx, guild_id, ts(self._clock.now()))
        if stopped:
            log.info("term of the day: guild %s stopped", guild_id)
        return stopped

    async def status(self, guild_id: int) -> ScheduleStatus | None:
        """Settings, next post, last post and any problem that disabled the schedule."""
        return await store.get_status(self._db, guild_id)

    async def today(self, guild_id: int) -> TodayInfo:
        """Today's term for a server: the one posted today or the one that will be, choosing it if needed.

        Choosing records a ``planned`` post, which the tick then sends, so what this shows is what is posted.
        """
        now = self._clock.now()
        status = await store.get_status(self._db, guild_id)
        zone = _zone_of(status)
        day = local_date(now, zone or ZoneInfo("UTC"))
        if status is None or zone is None:
            return TodayInfo(day, None, None, status)
        post = await store.post_on(self._db, guild_id, day)
        schedule = status.schedule
        if post is None and schedule.enabled and schedule.next_local_date == day:
            post = await self._plan_today(guild_id, day)
        return TodayInfo(day, post.term_id if post else None, post, status)

    async def _plan_today(self, guild_id: int, day: date) -> Post | None:
        async with self._plan_lock, self._db.transaction() as tx:
            schedule = await store.get_schedule(tx, guild_id)
            if schedule is None:
                return None
            terms = rotation_of(guild_id, sorted(set(self._terms())), await self._own([guild_id]))
            cycles = await store.cycles(tx, [guild_id])
            choice = choose_term(guild_id, day, terms, cycles.get(guild_id, NO_HISTORY))
            if choice is not None:
                slot = Slot(guild_id, day, choice[0], schedule.channel_id, choice[1], nonce_for(guild_id, day))
                await store.plan(tx, slot, ts(self._clock.now()))
            return await store.post_on(tx, guild_id, day)

    # -- scheduler --------------------------------------------------------------------------------------------
    async def recover(self, poster: Poster) -> RecoverReport:
        """Call once on start: settle what a crash or downtime left behind, then post what is due.

        Unconfirmed posts of days that are over (in the server's zone) are closed and never sent. Unconfirmed
        posts of today are made due at once, so the ticks that follow resend them with their original nonce
        and channel. Those ticks also post catch-ups whose time passed while the bot was down, if it is still
        that date locally.
        """
        report = RecoverReport()
        async with self._plan_lock, self._db.transaction() as tx:
            now = self._clock.now()
            close, resume = await self._settle_open(tx, now)
            await store.close(tx, close, ts(now))
            if resume:
                await store.make_due(tx, resume, ts(now))
        report.closed, report.resumed = len(close), len(resume)
        if close or resume:
            log.info(
                "term of the day: recovered, %d unconfirmed post(s) of past days closed, %d to resend",
                len(close), len(resume),
            )  # fmt: skip
        for _ in range(100):  # catch-ups may take a second pass; bounded to never spin
            tick = await self.tick(poster)
            report.ticks.add(tick)
            if not tick.more:
                break
        return report

    async def _settle_open(self, tx: Transaction, now: datetime) -> tuple[list[Close], list[int]]:
        close: list[Close] = []
        resume: list[int] = []
        for open_post in await store.open_posts(tx):
            post = open_post.post
            if not self._shards.owns(post.guild_id):
                continue
            try:
                zone = parse_zone(open_post.timezone or "")
            except ValueError:
                close.append(Close(post.guild_id, post.local_date))
                continue
            if post.local_date < local_date(now, zone):
                close.append(Close(post.guild_id, post.local_date))
            elif post.status == "pending" and open_post.enabled:
                resume.append(post.guild_id)
        return close, resume

    async def tick(self, poster: Poster) -> TickReport:
        """Process one batch of due servers: choose, record, send, confirm, reschedule (see module doc)."""
        async with self._tick_lock:
            first_statement = self._db.statements.count
            report = TickReport()
            now = self._clock.now()
            async with self._plan_lock, self._db.transaction() as tx:
                dues = await store.due(tx, ts(now), self._shards, self._options.batch_size + 1)
                report.more = len(dues) > self._options.batch_size
                dues = dues[: self._options.batch_size]
                report.due = len(dues)
                plan = await self._plan(tx, dues, now)
                plan.writes.record = [send.slot for send in plan.sends]
                until = ts(now + self._options.limits.post_timeout + LEASE_MARGIN)
                plan.writes.lease = [Lease(send.guild_id, until, send.then.revision) for send in plan.sends]
                await plan.writes.apply(tx, ts(now))
            tally = await Dispatcher(poster, self._clock, self._options.limits, self._write).send_all(plan.sends)
            report.count(plan, tally)
            report.statements = self._db.statements.count - first_statement
            self._log(report)
            return report

    async def _plan(self, tx: Transaction, dues: Sequence[Due], now: datetime) -> Plan:
        planner = Planner(now)
        plan = planner.triage(dues)
        if plan.waiting:
            terms = sorted(set(self._terms()))
            own = await self._own([w.schedule.guild_id for w in plan.waiting])
            history = planner.history_needed(plan.waiting, frozenset(terms), own) if terms or own else []
            cycles = await store.cycles(tx, history)
            planner.assign(plan, terms, cycles, own)
        return plan

    async def _own(self, guild_ids: Sequence[int]) -> OwnTerms:
        return await self._own_terms(guild_ids) if self._own_terms is not None else {}

    async def _write(self, writes: Writes) -> None:
        if writes:
            async with self._db.transaction() as tx:
                await writes.apply(tx, ts(self._clock.now()))

    @staticmethod
    def _log(report: TickReport) -> None:
        if report.missed or report.retrying:
            log.warning(
                "term of the day: %d post(s) missed (day over), %d failed and will be retried",
                report.missed, report.retrying,
            )  # fmt: skip
        if report.skipped:
            log.warning("term of the day: glossary is empty, %d server(s) skipped today", report.skipped)
        if report.due:
            log.debug("term of the day tick: %s", report)

    async def run(self, poster: Poster) -> None:
        """Serve forever: recover once, then tick and sleep until the next slot (at most ``idle``).

        Wakes early when :meth:`setup` changes a schedule. An exception is logged and the loop goes on (after
        a short pause); cancel the task to stop it.
        """
        recovered = False
        while True:
            self._wake.clear()
            failed = more = False
            next_utc: int | None = None
            try:
                if not recovered:
                    await self.recover(poster)
                    recovered = True
                more = (await self.tick(poster)).more
                next_utc = await store.next_due_utc(self._db, self._shards)
            except Exception:
                log.exception("term of the day: scheduler pass failed; trying again shortly")
                failed = True
            if not more:
                await self._clock.sleep_until(self._wake_at(failed, next_utc), self._wake)

    def _wake_at(self, failed: bool, next_utc: int | None) -> datetime:
        pause = min(self._options.idle, self._options.limits.retry_base) if failed else self._options.idle
        until = self._clock.now() + pause
        if next_utc is not None:
            until = min(until, datetime.fromtimestamp(next_utc, UTC))
        return until


def _zone_of(status: ScheduleStatus | None) -> ZoneInfo | None:
    if status is None:
        return None
    try:
        return parse_zone(status.schedule.timezone)
    except ValueError:
        return None
