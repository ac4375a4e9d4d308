"""Term-of-the-day persistence on a real SQLite file: state transitions, batching and query plans."""

from __future__ import annotations

from datetime import date

import pytest

from bot.database import Database
from bot.shards import Shards
from bot.tod import store
from bot.tod.store import (
    CYCLES_SQL,
    Close,
    Confirm,
    Cycle,
    Disable,
    Reschedule,
    Retry,
    ScheduleConfig,
    Slot,
    Writes,
)

DAY = date(2026, 3, 29)
GUILD = 81_384_788_765_712_384  # a real-looking snowflake: shard (id >> 22) % n is meaningful


def config(guild_id: int, next_post_utc: int = 1_000, *, zone: str = "UTC") -> ScheduleConfig:
    return ScheduleConfig(guild_id, guild_id + 1, "09:00", zone, next_post_utc, DAY)


def slot(guild_id: int, term_id: int, day: date = DAY, cycle: int = 0) -> Slot:
    return Slot(guild_id, day, term_id, guild_id + 1, cycle, f"n{guild_id}-{day:%Y%m%d}")


async def plan_details(db: Database, sql: str, params: object) -> list[str]:
    rows = await db.fetchall("EXPLAIN QUERY PLAN " + sql, params)  # type: ignore[arg-type]
    return [row[3] for row in rows]


async def write(db: Database, **changes: list) -> None:
    """Apply one batch of writes in one transaction, as the scheduler does."""
    async with db.transaction() as tx:
        await Writes(**changes).apply(tx, now=7)


async def test_schedule_round_trip_stop_and_setup_again(db: Database) -> None:
    async with db.transaction() as tx:
        await store.upsert_schedules(tx, [config(GUILD)], now=10)
    schedule = await store.get_schedule(db, GUILD)
    assert schedule is not None
    assert (schedule.channel_id, schedule.post_time, schedule.timezone, schedule.enabled) == (
        GUILD + 1,
        "09:00",
        "UTC",
        True,
    )
    assert schedule.next_local_date == DAY and schedule.next_post is not None

    async with db.transaction() as tx:
        assert await store.stop(tx, GUILD, now=11)
        assert not await store.stop(tx, 12345, now=11)
    stopped = await store.get_schedule(db, GUILD)
    assert stopped is not None and not stopped.enabled and stopped.next_post is None
    assert stopped.revision == schedule.revision + 1

    await write(db, disable=[Disable(GUILD, "Channel was deleted", stopped.revision)])
    status = await store.get_status(db, GUILD)
    assert status is not None and status.problem == "Channel was deleted"

    async with db.transaction() as tx:
        await store.upsert_schedules(tx, [config(GUILD, 2_000)], now=13)  # setup again re-enables and clears
    status = await store.get_status(db, GUILD)
    assert status is not None and status.schedule.enabled and status.problem is None
    assert status.schedule.next_post_utc == 2_000
    assert await store.get_status(db, 999) is None


async def test_a_sent_post_is_never_overwritten(db: Database) -> None:
    async with db.transaction() as tx:
        await store.plan(tx, slot(GUILD, 7), now=1)
        await store.plan(tx, slot(GUILD, 8), now=1)  # an existing row wins
    planned = await store.post_on(db, GUILD, DAY)
    assert planned is not None and (planned.status, planned.term_id) == ("planned", 7)

    await write(db, record=[slot(GUILD, 7)])
    await write(db, confirm=[Confirm(GUILD, DAY, 555)])
    await write(db, record=[slot(GUILD, 9)])  # a second record for the same date must not take over
    await write(db, close=[Close(GUILD, DAY)], miss=[Close(GUILD, DAY)])
    post = await store.post_on(db, GUILD, DAY)
    assert post is not None
    assert (post.status, post.term_id, post.message_id, post.attempts) == ("sent", 7, 555, 1)
    assert (await store.last_sent(db, GUILD)) == post


async def test_a_closed_day_is_unconfirmed_when_the_send_may_have_arrived(db: Database) -> None:
    days = [date(2026, 1, d) for d in (1, 2, 3, 4)]
    # 1: handed over, then the process died (outcome unknown); 2: Discord refused the last try;
    # 3: the last try timed out (unknown); 4: planned only, never handed over.
    await write(db, record=[slot(GUILD, t, day) for t, day in enumerate(days[:3], 1)])
    await write(db, retry=[Retry(GUILD, days[1], 9, 1, refused=True), Retry(GUILD, days[2], 9, 1, refused=False)])
    async with db.transaction() as tx:
        await store.plan(tx, slot(GUILD, 4, days[3]), now=1)
    await write(db, close=[Close(GUILD, day) for day in days])
    statuses = [(await store.post_on(db, GUILD, day)).status for day in days]  # type: ignore[union-attr]
    assert statuses == ["unconfirmed", "missed", "unconfirmed", "missed"]
    # What may have arrived counts as used, so its term does not come back in this round.
    assert await store.cycles(db, [GUILD]) == {GUILD: Cycle(0, frozenset({1, 3}), 3)}


async def test_retarget_moves_only_an_unconfirmed_send(db: Database) -> None:
    await write(db, record=[slot(GUILD, 3)])
    async with db.transaction() as tx:
        await store.retarget(tx, GUILD, DAY, 999, "new-nonce", now=2)
    post = await store.post_on(db, GUILD, DAY)
    assert post is not None and (post.channel_id, post.nonce, post.status) == (999, "new-nonce", "pending")
    await write(db, confirm=[Confirm(GUILD, DAY, 1)])
    async with db.transaction() as tx:
        await store.retarget(tx, GUILD, DAY, 1234, "other", now=3)
    sent = await store.post_on(db, GUILD, DAY)
    assert sent is not None and (sent.channel_id, sent.nonce) == (999, "new-nonce")


async def test_cycles_track_the_current_round_and_the_last_term(db: Database) -> None:
    other = GUILD + (1 << 22)
    await write(db, record=[slot(GUILD, 1, date(2026, 1, 1), 0), slot(GUILD, 2, date(2026, 1, 2), 0)])
    await write(db, record=[slot(GUILD, 1, date(2026, 1, 3), 1), slot(GUILD, 3, date(2026, 1, 4), 1)])
    await write(db, miss=[Close(GUILD, date(2026, 1, 4))])
    await write(db, record=[slot(other, 5, date(2026, 1, 1), 0)])
    assert await store.cycles(db, [GUILD, other, 42]) == {
        GUILD: Cycle(1, frozenset({1}), 1),
        other: Cycle(0, frozenset({5}), 5),
    }
    assert await store.cycles(db, []) == {}


async def test_due_filters_enabled_time_and_shards_and_joins_the_post(db: Database) -> None:
    guilds = [(shard << 22) | 7 for shard in range(4)]  # guild i is on shard i of 4
    async with db.transaction() as tx:
        await store.upsert_schedules(tx, [config(g, 100 + i) for i, g in enumerate(guilds)], now=1)
        await store.upsert_schedules(tx, [config(1 << 22 | 9, 5_000)], now=1)  # not due yet
        await store.stop(tx, guilds[3], now=1)
        await store.plan(tx, slot(guilds[1], 42), now=1)

    due = await store.due(db, 1_000, Shards(), limit=100)
    assert [d.schedule.guild_id for d in due] == guilds[:3]  # earliest first; stopped and future excluded
    assert due[0].post is None
    assert due[1].post is not None and (due[1].post.term_id, due[1].post.status) == (42, "planned")

    sharded = await store.due(db, 1_000, Shards(4, frozenset({0, 2, 3})), limit=100)
    assert [d.schedule.guild_id for d in sharded] == [guilds[0], guilds[2]]
    assert [d.schedule.guild_id for d in await store.due(db, 1_000, Shards.of(4, {0, 1, 2, 3}), 100)] == guilds[:3]
    assert len(await store.due(db, 1_000, Shards(), limit=2)) == 2
    assert await store.next_due_utc(db, Shards(4, frozenset({2}))) == 102
    assert await store.next_due_utc(db, Shards(4, frozenset({3}))) is None
    with pytest.raises(ValueError):
        Shards(0)
    with pytest.raises(ValueError):
        Shards(4, frozenset({4}))


async def test_reschedule_retry_and_disable_respect_the_revision(db: Database) -> None:
    async with db.transaction() as tx:
        await store.upsert_schedules(tx, [config(GUILD)], now=1)
    first = await store.get_schedule(db, GUILD)
    assert first is not None
    async with db.transaction() as tx:
        await store.upsert_schedules(tx, [config(GUILD, 7_000)], now=2)  # admin changed settings mid-send
    await write(
        db,
        reschedule=[Reschedule(GUILD, 9_999, date(2026, 3, 30), first.revision)],
        retry=[Retry(GUILD, DAY, 9_999, first.revision, refused=True)],
        disable=[Disable(GUILD, "gone", first.revision)],
    )
    current = await store.get_schedule(db, GUILD)
    assert current is not None and current.enabled
    assert (current.next_post_utc, current.next_local_date, current.attempts) == (7_000, DAY, 0)

    await write(db, retry=[Retry(GUILD, DAY, 7_030, current.revision, refused=True)])
    retried = await store.get_schedule(db, GUILD)
    assert retried is not None and (retried.next_post_utc, retried.attempts) == (7_030, 1)
    await write(db, reschedule=[Reschedule(GUILD, 90_000, date(2026, 3, 30), current.revision)])
    moved = await store.get_schedule(db, GUILD)
    assert moved is not None and (moved.next_post_utc, moved.attempts) == (90_000, 0)


async def test_open_posts_and_make_due(db: Database) -> None:
    async with db.transaction() as tx:
        await store.upsert_schedules(tx, [config(GUILD, 5_000, zone="Europe/Berlin")], now=1)
        await store.plan(tx, slot(GUILD + 1, 4), now=1)  # a plan whose schedule row does not exist
    await write(db, record=[slot(GUILD, 3), slot(GUILD + 2, 5)])
    await write(db, confirm=[Confirm(GUILD + 2, DAY, 1)])
    open_posts = sorted(await store.open_posts(db), key=lambda o: o.post.guild_id)
    assert [(o.post.guild_id, o.post.status, o.timezone, o.enabled) for o in open_posts] == [
        (GUILD, "pending", "Europe/Berlin", True),
        (GUILD + 1, "planned", None, False),
    ]
    async with db.transaction() as tx:
        await store.make_due(tx, [GUILD], now=100)
    schedule = await store.get_schedule(db, GUILD)
    assert schedule is not None and schedule.next_post_utc == 100


async def test_due_query_is_one_indexed_search_with_10000_schedules(sqlite_db: Database) -> None:
    db = sqlite_db
    async with db.transaction() as tx:
        await store.upsert_schedules(tx, [config((g << 22) | g, 1_000 + g % 1_440) for g in range(10_000)], now=1)
        await store.stop(tx, 5 << 22 | 5, now=1)

    for shards in (Shards(), Shards(16, frozenset({0, 3, 7}))):
        sql, params = store.due_sql(db, 1_500, shards, 10_001)
        details = await plan_details(db, sql, params)
        assert any(d.startswith("SEARCH s USING INDEX tod_schedules_due (next_post_utc<?)") for d in details), details
        assert not any(d.startswith(("SCAN s", "SCAN p", "SCAN tod_")) for d in details), details
        assert not any("TEMP B-TREE" in d for d in details), details  # ORDER BY comes from the index

    before = db.statements.count
    due = await store.due(db, 10**9, Shards(), 20_000)
    assert len(due) == 9_999 and db.statements.count == before + 1
    sharded = await store.due(db, 10**9, Shards(16, frozenset({0, 3, 7})), 20_000)
    assert {(d.schedule.guild_id >> 22) % 16 for d in sharded} == {0, 3, 7}

    assert await store.next_due_utc(db, Shards()) == 1_000
    details = await plan_details(
        db,
        "SELECT next_post_utc FROM tod_schedules WHERE enabled = 1 AND next_post_utc IS NOT NULL"
        " ORDER BY next_post_utc LIMIT 1",
        (),
    )
    assert details == ["SEARCH tod_schedules USING INDEX tod_schedules_due (next_post_utc>?)"]


async def test_rotation_history_query_uses_the_cycle_index(sqlite_db: Database) -> None:
    db = sqlite_db
    guilds = list(range(1, 501))
    await write(db, record=[slot(g, t, date(2026, 1, t), 0) for g in guilds for t in range(1, 21)])
    before = db.statements.count
    cycles = await store.cycles(db, guilds)
    assert db.statements.count == before + 1
    assert cycles[250] == Cycle(0, frozenset(range(1, 21)), 20)
    details = await plan_details(db, CYCLES_SQL["sqlite"], ("[1]",))
    assert any("USING COVERING INDEX tod_posts_cycle" in d for d in details), details
    assert not any(d.startswith(("SCAN q", "SCAN p")) for d in details), details
