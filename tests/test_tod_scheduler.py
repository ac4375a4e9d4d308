"""The term-of-the-day scheduler end to end on a real SQLite file, with a test clock and a recording poster.

Time never passes by itself here: the test clock (`tests.clock.ManualClock`) is moved by the tests, and the
scheduler only reads it.
:class:`FakePoster` stands in for Discord (the only fake): it keeps messages keyed by (channel, nonce) like
``enforce_nonce`` does, so a resend with the same nonce returns the original message instead of a new one.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time as timer
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.database import Database, open_database
from bot.shards import Shards
from bot.tod import store
from bot.tod.dispatch import Limits
from bot.tod.ports import PermanentPostError, TransientPostError
from bot.tod.rotation import choose_term
from bot.tod.schedule import nonce_for
from bot.tod.service import Options, TermOfDay
from bot.tod.store import Cycle, ScheduleConfig
from tests.clock import ManualClock

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def guild(n: int, shard_count: int = 1) -> int:
    """A snowflake-like guild id; with ``shard_count`` it lands on shard ``n % shard_count``."""
    return ((1_000 * shard_count + n) << 22) | 4_242


# -- fakes ------------------------------------------------------------------------------------------------------
@dataclass
class Call:
    guild_id: int
    channel_id: int
    term_id: int
    local_date: date
    nonce: str
    at: datetime


@dataclass
class FakePoster:
    """Discord as far as the scheduler can tell: messages deduplicated by (channel, nonce)."""

    clock: ManualClock
    messages: dict[tuple[int, str], int] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[int, list[Exception]] = field(default_factory=dict)  # guild -> errors to raise, in order
    gate: asyncio.Event | None = None  # when set to an unset Event, posts wait for it after delivering
    delivered: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0
    max_in_flight: int = 0
    last_call_at: float = 0.0

    async def post(self, guild_id: int, channel_id: int, term_id: int, local_date: date, nonce: str) -> int:
        self.calls.append(Call(guild_id, channel_id, term_id, local_date, nonce, self.clock.now()))
        self.last_call_at = timer.perf_counter()
        errors = self.failures.get(guild_id)
        if errors:
            raise errors.pop(0)
        message_id = self.messages.setdefault((channel_id, nonce), 10_000 + len(self.messages))
        self.delivered.set()
        if self.gate is not None:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await self.gate.wait()
            finally:
                self.in_flight -= 1
        return message_id

    def posts_of(self, guild_id: int) -> list[Call]:
        return [c for c in self.calls if c.guild_id == guild_id]


# -- fixtures ---------------------------------------------------------------------------------------------------
class Processes:
    """Bot processes on one database file: ``start`` opens the database and a TermOfDay on it, ``restart``
    drops the latest one first (what a crash or a deploy does) and starts again."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.databases: list[Database] = []

    async def start(
        self,
        poster: FakePoster,
        terms: Callable[[], Sequence[int]],
        shards: Shards | None = None,
        concurrency: int = 50,
    ) -> TermOfDay:
        db = await open_database(self.target)
        self.databases.append(db)
        return TermOfDay(db, terms, poster.clock, shards, Options(limits=Limits(concurrency=concurrency)))

    async def restart(self, poster: FakePoster, terms: Callable[[], Sequence[int]]) -> TermOfDay:
        await self.databases.pop().close()
        return await self.start(poster, terms)

    @property
    def db(self) -> Database:
        return self.databases[-1]

    async def close(self) -> None:
        for db in self.databases:
            await db.close()


@pytest.fixture
async def procs(db_target: str) -> AsyncIterator[Processes]:
    processes = Processes(db_target)
    yield processes
    await processes.close()


async def drive(tod: TermOfDay, poster: FakePoster, db: Database, until: datetime) -> None:
    """Do what run() does, deterministically: jump to each next slot; one second earlier nothing happens."""
    clock = poster.clock
    while True:
        next_utc = await store.next_due_utc(db, Shards())
        if next_utc is None or datetime.fromtimestamp(next_utc, UTC) > until:
            return
        at = datetime.fromtimestamp(next_utc, UTC)
        if at - timedelta(seconds=1) > clock.now():
            clock.set(at - timedelta(seconds=1))
            assert (await tod.tick(poster)).handed == 0
        clock.set(max(at, clock.now()))
        await tod.tick(poster)


async def die_after_delivering(tod: TermOfDay, poster: FakePoster) -> None:
    """Set up G_UTC for 13:00 and let the 13:00 tick deliver, then "die" before the send is confirmed."""
    await tod.setup(G_UTC, 55, "13:00", "UTC")
    poster.clock.set(utc(2026, 5, 4, 13))
    tick = asyncio.create_task(tod.tick(poster))
    await poster.delivered.wait()
    tick.cancel()
    with pytest.raises(asyncio.CancelledError):
        await tick


# -- posting at the right minute --------------------------------------------------------------------------------
G_UTC, G_BERLIN, G_NY, G_BERLIN_0230, G_NY_0230, G_NY_0130 = (guild(n) for n in range(6))
SETUPS = [
    (G_UTC, "09:00", "UTC"),
    (G_BERLIN, "09:00", "Europe/Berlin"),
    (G_NY, "09:00", "America/New_York"),
    (G_BERLIN_0230, "02:30", "Europe/Berlin"),  # in the gap on 29 Mar, twice on 25 Oct
    (G_NY_0230, "2:30", "America/New_York"),  # in the gap on 8 Mar
    (G_NY_0130, "01:30", "America/New_York"),  # twice on 1 Nov
]
EXPECTED = {  # (guild, local date) -> UTC instant of the post, worked out by hand from the 2026 rules
    (G_BERLIN, date(2026, 3, 28)): utc(2026, 3, 28, 8),
    (G_BERLIN, date(2026, 3, 29)): utc(2026, 3, 29, 7),
    (G_BERLIN, date(2026, 10, 24)): utc(2026, 10, 24, 7),
    (G_BERLIN, date(2026, 10, 25)): utc(2026, 10, 25, 8),
    (G_BERLIN_0230, date(2026, 3, 28)): utc(2026, 3, 28, 1, 30),
    (G_BERLIN_0230, date(2026, 3, 29)): utc(2026, 3, 29, 1, 0),  # 03:00 CEST, the next valid minute
    (G_BERLIN_0230, date(2026, 3, 30)): utc(2026, 3, 30, 0, 30),
    (G_BERLIN_0230, date(2026, 10, 25)): utc(2026, 10, 25, 0, 30),  # first 02:30 (CEST), only once
    (G_BERLIN_0230, date(2026, 10, 26)): utc(2026, 10, 26, 1, 30),
    (G_NY, date(2026, 3, 7)): utc(2026, 3, 7, 14),
    (G_NY, date(2026, 3, 8)): utc(2026, 3, 8, 13),
    (G_NY, date(2026, 10, 31)): utc(2026, 10, 31, 13),
    (G_NY, date(2026, 11, 1)): utc(2026, 11, 1, 14),
    (G_NY_0230, date(2026, 3, 8)): utc(2026, 3, 8, 7),  # 03:00 EDT
    (G_NY_0230, date(2026, 3, 9)): utc(2026, 3, 9, 6, 30),
    (G_NY_0130, date(2026, 11, 1)): utc(2026, 11, 1, 5, 30),  # first 01:30 (EDT), only once
    (G_NY_0130, date(2026, 11, 2)): utc(2026, 11, 2, 6, 30),
    (G_UTC, date(2026, 3, 29)): utc(2026, 3, 29, 9),
}


async def test_posts_at_the_local_minute_across_the_2026_dst_changes(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 3, 5, 12))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: range(1, 51))
    for periods in [(utc(2026, 3, 5, 12), utc(2026, 4, 1)), (utc(2026, 10, 20, 12), utc(2026, 11, 4))]:
        clock.set(periods[0])
        for guild_id, post_time, zone in SETUPS:
            await tod.setup(guild_id, guild_id + 1, post_time, zone)
        await drive(tod, poster, procs.db, periods[1])

    for guild_id, post_time, zone_key in SETUPS:
        zone = ZoneInfo(zone_key)
        calls = poster.posts_of(guild_id)
        days = [c.local_date for c in calls]
        assert len(days) == len(set(days)), f"{zone_key} {post_time}: a day posted twice"
        for period in ([d for d in days if d.month < 6], [d for d in days if d.month > 6]):
            assert period == [period[0] + timedelta(days=i) for i in range(len(period))], "a day was skipped"
        assert len(days) > 35
        for call in calls:
            assert call.at.astimezone(zone).date() == call.local_date
            expected = EXPECTED.get((guild_id, call.local_date))
            if expected is None:  # an ordinary day: exactly the wall time
                expected = datetime.combine(call.local_date, time.fromisoformat(f"{post_time:0>5}"), zone).astimezone(
                    UTC
                )
            assert call.at == expected, (zone_key, post_time, call.local_date)
    for (guild_id, day), instant in EXPECTED.items():
        assert [c.at for c in poster.posts_of(guild_id) if c.local_date == day] == [instant]


# -- restarts, catch-up, exactly once ---------------------------------------------------------------------------
async def test_no_second_post_after_a_restart_on_the_same_day(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))  # 08:00 in Berlin
    poster = FakePoster(clock)
    terms = lambda: [1, 2, 3]  # noqa: E731
    tod = await procs.start(poster, terms)
    await tod.setup(G_BERLIN, 77, "09:00", "Europe/Berlin")
    clock.set(utc(2026, 5, 4, 7))
    assert (await tod.tick(poster)).sent == 1

    clock.set(utc(2026, 5, 4, 7, 30))
    tod = await procs.restart(poster, terms)
    report = await tod.recover(poster)
    assert report.closed == report.resumed == report.ticks.handed == 0
    assert len(poster.calls) == 1
    today = await tod.today(G_BERLIN)
    assert today.post is not None and today.post.status == "sent" and today.term_id == poster.calls[0].term_id

    clock.set(utc(2026, 5, 5, 7))
    assert (await tod.tick(poster)).sent == 1
    assert [c.local_date for c in poster.calls] == [date(2026, 5, 4), date(2026, 5, 5)]


async def test_catch_up_after_a_restart_past_the_post_time(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    terms = lambda: [1, 2, 3]  # noqa: E731
    tod = await procs.start(poster, terms)
    next_post = await tod.setup(G_BERLIN, 77, "09:00", "Europe/Berlin")
    assert next_post == utc(2026, 5, 4, 7)

    clock.set(utc(2026, 5, 4, 20))  # the bot was down at 09:00; it is 22:00 in Berlin, still 4 May
    tod = await procs.restart(poster, terms)
    report = await tod.recover(poster)
    assert report.ticks.sent == 1
    assert [(c.local_date, c.at) for c in poster.calls] == [(date(2026, 5, 4), utc(2026, 5, 4, 20))]
    status = await tod.status(G_BERLIN)
    assert status is not None and status.next_post == utc(2026, 5, 5, 7)


async def test_no_post_for_days_that_have_ended(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    terms = lambda: [1, 2, 3]  # noqa: E731
    tod = await procs.start(poster, terms)
    await tod.setup(G_BERLIN, 77, "09:00", "Europe/Berlin")

    clock.set(utc(2026, 5, 6, 22, 30))  # down from Mon 08:00 to Thu 00:30 Berlin: Mon..Wed are over
    tod = await procs.restart(poster, terms)
    report = await tod.recover(poster)
    assert poster.calls == [] and report.ticks.missed == 1  # one slot closed, not one per lost day
    status = await tod.status(G_BERLIN)
    assert status is not None and status.next_post == utc(2026, 5, 7, 7)

    clock.set(utc(2026, 5, 7, 10))  # and after a restart past Thursday's time, only Thursday is posted
    tod = await procs.restart(poster, terms)
    await tod.recover(poster)
    assert [c.local_date for c in poster.calls] == [date(2026, 5, 7)]


async def test_crash_between_recorded_and_confirmed_resends_with_the_same_nonce(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 12))
    poster = FakePoster(clock, gate=asyncio.Event())  # delivers, then never returns: the process "dies"
    terms = lambda: [1, 2, 3]  # noqa: E731
    tod = await procs.start(poster, terms)
    await die_after_delivering(tod, poster)
    post = await store.post_on(procs.db, G_UTC, date(2026, 5, 4))
    assert post is not None and post.status == "pending" and post.nonce == nonce_for(G_UTC, date(2026, 5, 4))

    poster.gate = None
    clock.set(utc(2026, 5, 4, 13, 5))
    tod = await procs.restart(poster, terms)
    report = await tod.recover(poster)
    assert report.resumed == 1 and report.ticks.resent == 1
    first, second = poster.calls
    assert (second.nonce, second.channel_id, second.term_id) == (first.nonce, first.channel_id, first.term_id)
    assert len(poster.messages) == 1  # Discord deduplicated the resend
    post = await store.post_on(procs.db, G_UTC, date(2026, 5, 4))
    assert post is not None and post.status == "sent" and post.message_id == next(iter(poster.messages.values()))


async def test_an_unconfirmed_post_of_a_past_day_is_closed_not_sent(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 12))
    poster = FakePoster(clock, gate=asyncio.Event())
    terms = lambda: [1, 2, 3]  # noqa: E731
    tod = await procs.start(poster, terms)
    await die_after_delivering(tod, poster)

    poster.gate = None
    clock.set(utc(2026, 5, 5, 12))  # back the next day, before that day's time
    tod = await procs.restart(poster, terms)
    report = await tod.recover(poster)
    assert report.closed == 1 and report.ticks.handed == 0
    post = await store.post_on(procs.db, G_UTC, date(2026, 5, 4))
    assert post is not None and post.status == "unconfirmed"  # handed to Discord: it may have arrived
    assert len(poster.calls) == 1
    clock.set(utc(2026, 5, 5, 13))
    assert (await tod.tick(poster)).sent == 1


# -- rotation and /termofday today -----------------------------------------------------------------------------
async def test_rotation_has_no_repeats_within_a_cycle(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 1, 1))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [10, 20, 30, 40, 50])
    guilds = [guild(n) for n in range(20)]
    for g in guilds:
        await tod.setup(g, g + 1, "09:00", "UTC")
    await drive(tod, poster, procs.db, utc(2026, 1, 10, 23))
    for g in guilds:
        terms = [c.term_id for c in poster.posts_of(g)]
        assert len(terms) == 10
        assert sorted(terms[:5]) == sorted(terms[5:]) == [10, 20, 30, 40, 50]
    sequences = {tuple(c.term_id for c in poster.posts_of(g)) for g in guilds}
    assert len(sequences) > 1  # servers need not get the same term


async def test_new_terms_join_the_rotation_and_removed_terms_are_skipped(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 1, 1))
    poster = FakePoster(clock)
    glossary = [1, 2, 3, 4]
    tod = await procs.start(poster, lambda: glossary)
    await tod.setup(G_UTC, 5, "09:00", "UTC")
    await drive(tod, poster, procs.db, utc(2026, 1, 2, 23))
    first_two = [c.term_id for c in poster.calls]
    unposted = sorted(set(glossary) - set(first_two))
    glossary.remove(unposted[0])  # removed before its turn
    glossary.append(5)  # added mid-cycle
    await drive(tod, poster, procs.db, utc(2026, 1, 4, 23))
    cycle_one = [c.term_id for c in poster.calls]
    assert sorted(cycle_one) == sorted([*first_two, unposted[1], 5])  # 4 posts, all different, then...
    await drive(tod, poster, procs.db, utc(2026, 1, 8, 23))
    cycle_two = [c.term_id for c in poster.calls][4:]
    assert sorted(cycle_two) == sorted(glossary)  # ...a new cycle over the current glossary


async def test_today_chooses_before_the_post_and_the_post_uses_it(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    glossary = list(range(1, 11))
    terms = lambda: glossary  # noqa: E731
    tod = await procs.start(poster, terms)
    assert (await tod.today(G_BERLIN)).term_id is None  # not set up
    await tod.setup(G_BERLIN, 77, "09:00", "Europe/Berlin")

    today = await tod.today(G_BERLIN)
    assert today.local_date == date(2026, 5, 4) and today.post is not None and today.post.status == "planned"
    assert (await tod.today(G_BERLIN)).term_id == today.term_id  # asked again: same term
    assert today.status is not None and today.status.next_post == utc(2026, 5, 4, 7)

    tod = await procs.restart(poster, terms)  # the choice survives a restart
    clock.set(utc(2026, 5, 4, 7))
    await tod.recover(poster)
    assert [c.term_id for c in poster.calls] == [today.term_id]
    after = await tod.today(G_BERLIN)
    assert after.term_id == today.term_id and after.post is not None and after.post.status == "sent"
    assert after.status is not None and after.status.last_post is not None
    assert after.status.last_post.message_id is not None

    # A planned term removed from the glossary before the post is replaced, not posted.
    clock.set(utc(2026, 5, 5, 6))
    planned = await tod.today(G_BERLIN)
    assert planned.term_id is not None
    glossary.remove(planned.term_id)
    clock.set(utc(2026, 5, 5, 7))
    await tod.tick(poster)
    assert poster.calls[-1].term_id in glossary
    assert (await tod.today(G_BERLIN)).term_id == poster.calls[-1].term_id


# -- failures ---------------------------------------------------------------------------------------------------
async def test_permanent_failure_disables_the_schedule_once(procs: Processes, caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [1, 2, 3])
    await tod.setup(G_UTC, 321, "09:00", "UTC")
    reason = "Missing permission to send messages in <#321>"
    poster.failures[G_UTC] = [PermanentPostError(reason)]
    clock.set(utc(2026, 5, 4, 9))
    with caplog.at_level(logging.WARNING, logger="bot.tod"):
        report = await tod.tick(poster)
        assert report.disabled == 1
        for _ in range(3):  # days go by: no retry
            clock.advance(timedelta(days=1))
            assert (await tod.tick(poster)).handed == 0
    assert len(poster.calls) == 1
    assert [r.getMessage() for r in caplog.records].count(f"term of the day: guild {G_UTC} disabled: {reason}") == 1
    status = await tod.status(G_UTC)
    assert status is not None and not status.schedule.enabled and status.problem == reason
    assert status.next_post is None
    post = await store.post_on(procs.db, G_UTC, date(2026, 5, 4))
    assert post is not None and post.status == "missed"

    await tod.setup(G_UTC, 322, "09:00", "UTC")  # fixed by the admin: enabled again, problem cleared
    status = await tod.status(G_UTC)
    assert status is not None and status.schedule.enabled and status.problem is None


async def test_transient_failure_is_retried_with_backoff_then_succeeds(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [1, 2, 3])
    await tod.setup(G_UTC, 321, "09:00", "UTC")
    poster.failures[G_UTC] = [TransientPostError("503 Service Unavailable"), TransientPostError("timeout")]
    await drive(tod, poster, procs.db, utc(2026, 5, 4, 12))
    assert [c.at for c in poster.calls] == [
        utc(2026, 5, 4, 9),
        utc(2026, 5, 4, 9, 0, 30),
        utc(2026, 5, 4, 9, 1, 30),  # +30 s, then +60 s
    ]
    assert len({c.nonce for c in poster.calls}) == 1 and len({c.term_id for c in poster.calls}) == 1
    post = await store.post_on(procs.db, G_UTC, date(2026, 5, 4))
    assert post is not None and post.status == "sent" and post.attempts == 3
    status = await tod.status(G_UTC)
    assert status is not None and status.schedule.attempts == 0 and status.next_post == utc(2026, 5, 5, 9)


async def test_transient_failures_all_day_close_the_slot_as_missed(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [1, 2, 3])
    await tod.setup(G_UTC, 321, "21:00", "UTC")
    poster.failures[G_UTC] = [TransientPostError("502 Bad Gateway")] * 50
    await drive(tod, poster, procs.db, utc(2026, 5, 5, 0, 30))
    gaps = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(poster.calls)]
    assert gaps[:6] == [30, 60, 120, 240, 480, 900] and set(gaps[6:]) == {900}  # capped at 15 min
    assert all(c.local_date == date(2026, 5, 4) for c in poster.calls)
    assert poster.calls[-1].at == utc(2026, 5, 4, 23, 45, 30)
    post = await store.post_on(procs.db, G_UTC, date(2026, 5, 4))
    assert post is not None and post.status == "missed"
    assert post.updated_at == int(utc(2026, 5, 5).timestamp())  # closed at local midnight, not later
    status = await tod.status(G_UTC)
    assert status is not None and status.schedule.enabled and status.next_post == utc(2026, 5, 5, 21)

    poster.failures.clear()
    await drive(tod, poster, procs.db, utc(2026, 5, 5, 23))
    assert poster.calls[-1].local_date == date(2026, 5, 5)


async def test_an_unexpected_poster_error_is_retried_not_fatal(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [1, 2, 3])
    await tod.setup(G_UTC, 321, "09:00", "UTC")
    poster.failures[G_UTC] = [RuntimeError("bug in the poster")]
    await drive(tod, poster, procs.db, utc(2026, 5, 4, 12))
    assert [c.at for c in poster.calls] == [utc(2026, 5, 4, 9), utc(2026, 5, 4, 9, 0, 30)]
    status = await tod.status(G_UTC)
    assert status is not None and status.schedule.enabled and status.last_post is not None


async def test_unusable_stored_settings_disable_only_that_server(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [1, 2, 3])
    await tod.setup(G_UTC, 1, "09:00", "UTC")
    await tod.setup(G_BERLIN, 2, "11:00", "Europe/Berlin")
    async with procs.db.transaction() as tx:
        await tx.execute("UPDATE tod_schedules SET timezone = 'Mars/Base' WHERE guild_id = ?", (G_UTC,))
    clock.set(utc(2026, 5, 4, 9))
    report = await tod.tick(poster)
    assert (report.disabled, report.sent) == (1, 1)
    status = await tod.status(G_UTC)
    assert status is not None and not status.schedule.enabled
    assert status.problem is not None and "Mars/Base" in status.problem


# -- settings ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("post_time", "zone", "message"),
    [
        ("25:00", "UTC", "valid time"),
        ("9am", "UTC", "HH:MM"),
        ("09:00", "Mars/Base", "Unknown time zone"),
        ("09:00", "../etc", "not a time zone"),
        ("09:00", "", "give a time zone"),
    ],
)
async def test_setup_rejects_bad_times_and_zones(procs: Processes, post_time: str, zone: str, message: str) -> None:
    clock = ManualClock(utc(2026, 5, 4))
    tod = await procs.start(FakePoster(clock), lambda: [1])
    with pytest.raises(ValueError, match=message):
        await tod.setup(G_UTC, 1, post_time, zone)
    assert await tod.status(G_UTC) is None


async def test_setup_again_changes_the_schedule_and_stop_keeps_history(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [1, 2, 3])
    assert await tod.setup(G_NY, 1, "09:00", "America/New_York") == utc(2026, 5, 4, 13)
    assert await tod.setup(G_NY, 2, "08:15", "america/new_york") == utc(2026, 5, 4, 12, 15)
    clock.set(utc(2026, 5, 4, 12, 15))
    assert (await tod.tick(poster)).sent == 1
    assert poster.calls[-1].channel_id == 2
    # Moving the time later the same day does not post a second time today.
    assert await tod.setup(G_NY, 2, "20:00", "America/New_York") == utc(2026, 5, 6, 0)

    assert await tod.stop(G_NY)
    clock.set(utc(2026, 5, 8))
    assert (await tod.tick(poster)).handed == 0
    status = await tod.status(G_NY)
    assert status is not None and not status.schedule.enabled and status.last_post is not None
    assert not await tod.stop(G_BERLIN)


# -- scale and sharding -----------------------------------------------------------------------------------------
async def test_only_servers_on_our_shards_are_served(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    guilds = [guild(n, shard_count=4) for n in range(8)]
    assert [(g >> 22) % 4 for g in guilds] == [0, 1, 2, 3, 0, 1, 2, 3]
    odd = await procs.start(poster, lambda: [1, 2], Shards(4, frozenset({1, 3})))
    even = await procs.start(poster, lambda: [1, 2], Shards(4, frozenset({0, 2})))
    for g in guilds:
        await odd.setup(g, g + 1, "09:00", "UTC")
    clock.set(utc(2026, 5, 4, 9))
    assert (await odd.tick(poster)).sent == 4
    assert sorted(c.guild_id for c in poster.calls) == sorted(guilds[1::2])
    assert (await even.tick(poster)).sent == 4
    assert sorted(c.guild_id for c in poster.calls) == sorted(guilds)


async def test_sends_are_concurrent_but_bounded(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock, gate=asyncio.Event())
    tod = await procs.start(poster, lambda: [1, 2, 3], concurrency=10)
    for n in range(40):
        await tod.setup(guild(n), n, "09:00", "UTC")
    clock.set(utc(2026, 5, 4, 9))
    tick = asyncio.create_task(tod.tick(poster))
    async with asyncio.timeout(10):
        while poster.in_flight < 10:
            await poster.delivered.wait()
            poster.delivered.clear()
    assert len(poster.calls) == 10
    assert poster.gate is not None
    poster.gate.set()
    report = await tick
    assert report.sent == 40 and poster.max_in_flight == 10


async def test_10000_servers_due_in_one_minute_are_handed_over_within_5_seconds(procs: Processes) -> None:
    instant = utc(2026, 6, 1, 12)
    clock = ManualClock(instant - timedelta(hours=1))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: range(1, 120))  # the shipped glossary's size
    zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
    configs = []
    for n in range(10_000):
        zone = ZoneInfo(zones[n % len(zones)])
        local = instant.astimezone(zone)
        configs.append(ScheduleConfig(guild(n), n, f"{local:%H:%M}", zone.key, int(instant.timestamp()), local.date()))
    async with procs.db.transaction() as tx:
        await store.upsert_schedules(tx, configs, 0)

    timings = []
    for day in range(2):  # day 2 also reads 10,000 servers' rotation history
        clock.set(instant + timedelta(days=day))
        started = timer.perf_counter()
        report = await tod.tick(poster)
        finished = timer.perf_counter()
        handed = poster.last_call_at - started
        timings.append((handed, finished - started))
        assert (report.due, report.handed, report.sent) == (10_000, 10_000, 10_000)
        assert handed < 5.0, f"handing 10,000 posts to the poster took {handed:.2f} s"
        assert report.statements <= 40, report  # constant per batch: 1 due query, 1 history query, ...
        assert not report.more
    print(
        f"\n10,000-server tick: handed over in {timings[0][0]:.2f} s (whole tick {timings[0][1]:.2f} s); "
        f"day 2 with history {timings[1][0]:.2f} s ({timings[1][1]:.2f} s)"
    )
    assert len(poster.calls) == 20_000
    first = {c.guild_id: c.term_id for c in poster.calls[:10_000]}
    assert all(first[c.guild_id] != c.term_id for c in poster.calls[10_000:])
    rows = await procs.db.fetchall("SELECT count(*) FROM tod_posts WHERE status = 'sent'")
    assert rows[0][0] == 20_000


# -- the loop ---------------------------------------------------------------------------------------------------
async def test_run_sleeps_until_the_next_slot_wakes_on_setup_and_survives_errors(
    procs: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    broken = {"yes": False}

    def terms() -> list[int]:
        if broken["yes"]:
            broken["yes"] = False
            raise RuntimeError("glossary is being reloaded")
        return [1, 2, 3]

    tod = await procs.start(poster, terms)
    await tod.setup(G_UTC, 1, "09:00", "UTC")
    runner = asyncio.create_task(tod.run(poster))
    try:
        await clock.wait_for_sleeps(1)
        assert clock.sleeping_until == utc(2026, 5, 4, 6, 1)  # nothing due within the minute: idle 60 s

        await tod.setup(G_BERLIN, 2, "08:30", "Europe/Berlin")  # due at 06:30 UTC: wakes the loop early
        await clock.wait_for_sleeps(2)
        assert clock.sleeping_until == utc(2026, 5, 4, 6, 1)

        clock.set(utc(2026, 5, 4, 6, 29))
        await clock.wait_for_sleeps(3)
        assert clock.sleeping_until == utc(2026, 5, 4, 6, 30)  # the next slot is sooner than a minute

        broken["yes"] = True  # the tick at 06:30 fails; the loop logs it and carries on
        with caplog.at_level(logging.ERROR, logger="bot.tod"):
            clock.set(utc(2026, 5, 4, 6, 30))
            await clock.wait_for_sleeps(4)
        assert any("scheduler pass failed" in r.getMessage() for r in caplog.records)
        assert poster.calls == [] and clock.sleeping_until == utc(2026, 5, 4, 6, 30, 30)

        clock.set(utc(2026, 5, 4, 6, 30, 30))
        await clock.wait_for_sleeps(5)
        assert [(c.guild_id, c.at) for c in poster.calls] == [(G_BERLIN, utc(2026, 5, 4, 6, 30, 30))]
        assert not runner.done()
    finally:
        runner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await runner


# -- the known edge cases ---------------------------------------------------------------------------------------
async def test_a_send_that_may_have_arrived_keeps_its_term_used(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 12))
    poster = FakePoster(clock, gate=asyncio.Event())  # delivers, then the process dies before confirming
    tod = await procs.start(poster, lambda: [1, 2, 3])
    await die_after_delivering(tod, poster)
    delivered = poster.calls[0].term_id
    poster.gate = None
    clock.set(utc(2026, 5, 5, 12))  # back after midnight: the post is closed, its outcome unknown
    tod = await procs.restart(poster, lambda: [1, 2, 3])
    await tod.recover(poster)
    cycles = await store.cycles(procs.db, [G_UTC])
    assert delivered in cycles[G_UTC].used  # so the rotation does not bring it back this round
    await drive(tod, poster, procs.db, utc(2026, 5, 6, 23))
    assert sorted(c.term_id for c in poster.calls) == [1, 2, 3]


def test_a_new_round_never_starts_with_the_term_given_last() -> None:
    terms = [10, 20, 30]
    finished = Cycle(4, frozenset(terms), last=20)
    picks = {choose_term(g, date(2026, 1, 1) + timedelta(days=d), terms, finished) for g in range(50) for d in range(9)}
    assert {pick for pick, _ in picks} == {10, 30} and {number for _, number in picks} == {5}
    assert choose_term(1, date(2026, 1, 1), [20], finished) == (20, 5)  # one term: it has to repeat


async def test_a_new_time_zone_never_brings_a_second_post_within_a_day(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [1, 2, 3])
    await tod.setup(G_BERLIN, 7, "09:00", "Europe/Berlin")
    clock.set(utc(2026, 5, 4, 7))  # 09:00 in Berlin: posted
    assert (await tod.tick(poster)).sent == 1
    # 09:00 in Honolulu is 19:00 UTC the same day, and Honolulu's date is still 4 May: not today, then.
    next_post = await tod.setup(G_BERLIN, 7, "09:00", "Pacific/Honolulu")
    assert next_post == utc(2026, 5, 5, 19)
    await drive(tod, poster, procs.db, utc(2026, 5, 6, 0))
    assert [c.at for c in poster.calls] == [utc(2026, 5, 4, 7), utc(2026, 5, 5, 19)]
    # Moving the time earlier for tomorrow is fine when the posts stay 20 hours apart.
    assert await tod.setup(G_BERLIN, 7, "06:00", "Pacific/Honolulu") == utc(2026, 5, 6, 16)


async def test_setup_on_another_channel_during_a_retry_moves_the_post_there(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 6))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [1, 2, 3])
    await tod.setup(G_UTC, 100, "09:00", "UTC")
    poster.failures[G_UTC] = [TransientPostError("503 Service Unavailable")]
    clock.set(utc(2026, 5, 4, 9))
    assert (await tod.tick(poster)).retrying == 1
    clock.set(utc(2026, 5, 4, 9, 0, 10))  # the admin moves the post to a channel that works
    assert await tod.setup(G_UTC, 200, "09:00", "UTC") == utc(2026, 5, 4, 9, 0, 10)
    assert (await tod.tick(poster)).sent == 1
    first, second = poster.calls
    assert (first.channel_id, second.channel_id) == (100, 200)
    assert second.nonce != first.nonce and second.term_id == first.term_id  # a new message, the same term
    post = await store.post_on(procs.db, G_UTC, date(2026, 5, 4))
    assert post is not None and (post.status, post.channel_id) == ("sent", 200)


async def test_a_stop_after_discord_answered_records_the_posts_so_none_is_sent_again(procs: Processes) -> None:
    clock = ManualClock(utc(2026, 5, 4, 12))
    poster = FakePoster(clock)
    tod = await procs.start(poster, lambda: [1, 2, 3])
    servers = [guild(n) for n in range(20)]
    for n, server in enumerate(servers):
        await tod.setup(server, 100 + n, "13:00", "UTC")
    clock.set(utc(2026, 5, 4, 13))
    writing, finish = asyncio.Event(), asyncio.Event()
    write = tod._write  # the one place outcomes are written: held open to stop in the middle of it

    async def slow_write(writes: store.Writes) -> None:
        writing.set()
        await finish.wait()
        await write(writes)

    tod._write = slow_write  # type: ignore[method-assign]
    tick = asyncio.create_task(tod.tick(poster))
    await writing.wait()  # every post answered; their confirmation is being written
    tick.cancel()  # SIGTERM now
    finish.set()
    with pytest.raises(asyncio.CancelledError):
        await tick
    tod = await procs.restart(poster, lambda: [1, 2, 3])
    assert (await tod.recover(poster)).resumed == 0
    assert len(poster.calls) == len(servers)  # nothing resent: every confirmation was kept
