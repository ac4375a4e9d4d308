"""Term-of-the-day persistence on a real SQLite file: state transitions, batching and query plans."""

from __future__ import annotations

from datetime import date

import aiosqlite
import pytest

from bot.tod_store import _CYCLES_SQL, Cycle, ScheduleConfig, Slot, TodStore

DAY = date(2026, 3, 29)
GUILD = 81_384_788_765_712_384  # a real-looking snowflake: shard (id >> 22) % n is meaningful


def config(guild_id: int, next_post_utc: int = 1_000, *, zone: str = "UTC") -> ScheduleConfig:
    return ScheduleConfig(guild_id, guild_id + 1, "09:00", zone, next_post_utc, DAY)


def slot(guild_id: int, term_id: int, day: date = DAY, cycle: int = 0) -> Slot:
    return Slot(guild_id, day, term_id, guild_id + 1, cycle, f"n{guild_id}-{day:%Y%m%d}")


async def plan_details(db: aiosqlite.Connection, sql: str, params: object) -> list[str]:
    rows = await db.execute_fetchall("EXPLAIN QUERY PLAN " + sql, params)
    return [row[3] for row in rows]


async def test_schedule_round_trip_stop_and_setup_again(db: aiosqlite.Connection) -> None:
    store = TodStore(db)
    await store.upsert_schedules([config(GUILD)], now=10)
    await store.commit()
    schedule = await store.get_schedule(GUILD)
    assert schedule is not None
    assert (schedule.channel_id, schedule.post_time, schedule.timezone, schedule.enabled) == (
        GUILD + 1,
        "09:00",
        "UTC",
        True,
    )
    assert schedule.next_local_date == DAY and schedule.next_post is not None

    assert await store.stop(GUILD, now=11)
    assert not await store.stop(12345, now=11)
    stopped = await store.get_schedule(GUILD)
    assert stopped is not None and not stopped.enabled and stopped.next_post is None
    assert stopped.revision == schedule.revision + 1

    await store.disable([(GUILD, "Channel was deleted", stopped.revision)], now=12)
    status = await store.get_status(GUILD)
    assert status is not None and status.problem == "Channel was deleted"

    await store.upsert_schedules([config(GUILD, 2_000)], now=13)  # setup again re-enables and clears
    status = await store.get_status(GUILD)
    assert status is not None and status.schedule.enabled and status.problem is None
    assert status.schedule.next_post_utc == 2_000
    assert await store.get_status(999) is None


async def test_a_sent_post_is_never_overwritten(db: aiosqlite.Connection) -> None:
    store = TodStore(db)
    await store.plan(slot(GUILD, 7), now=1)
    await store.plan(slot(GUILD, 8), now=1)  # an existing row wins
    planned = await store.post_on(GUILD, DAY)
    assert planned is not None and (planned.status, planned.term_id) == ("planned", 7)

    await store.record([slot(GUILD, 7)], now=2)
    await store.confirm([(GUILD, DAY, 555)], now=3)
    await store.record([slot(GUILD, 9)], now=4)  # a second record for the same date must not take over
    await store.miss([(GUILD, DAY)], now=5)
    post = await store.post_on(GUILD, DAY)
    assert post is not None
    assert (post.status, post.term_id, post.message_id, post.attempts) == ("sent", 7, 555, 1)
    assert (await store.last_sent(GUILD)) == post


async def test_cycles_track_the_current_round_and_ignore_missed(db: aiosqlite.Connection) -> None:
    store = TodStore(db)
    other = GUILD + (1 << 22)
    await store.record([slot(GUILD, 1, date(2026, 1, 1), 0), slot(GUILD, 2, date(2026, 1, 2), 0)], now=1)
    await store.record([slot(GUILD, 1, date(2026, 1, 3), 1), slot(GUILD, 3, date(2026, 1, 4), 1)], now=1)
    await store.miss([(GUILD, date(2026, 1, 4))], now=2)
    await store.record([slot(other, 5, date(2026, 1, 1), 0)], now=1)
    assert await store.cycles([GUILD, other, 42]) == {
        GUILD: Cycle(1, frozenset({1})),
        other: Cycle(0, frozenset({5})),
    }
    assert await store.cycles([]) == {}


async def test_due_filters_enabled_time_and_shards_and_joins_the_post(db: aiosqlite.Connection) -> None:
    store = TodStore(db)
    guilds = [(shard << 22) | 7 for shard in range(4)]  # guild i is on shard i of 4
    await store.upsert_schedules([config(g, 100 + i) for i, g in enumerate(guilds)], now=1)
    await store.upsert_schedules([config(1 << 22 | 9, 5_000)], now=1)  # not due yet
    await store.stop(guilds[3], now=1)
    await store.plan(slot(guilds[1], 42), now=1)
    await store.commit()

    due = await store.due(1_000, shard_count=1, shard_ids=None, limit=100)
    assert [d.schedule.guild_id for d in due] == guilds[:3]  # earliest first; stopped and future excluded
    assert due[0].post is None
    assert due[1].post is not None and (due[1].post.term_id, due[1].post.status) == (42, "planned")

    sharded = await store.due(1_000, shard_count=4, shard_ids={0, 2, 3}, limit=100)
    assert [d.schedule.guild_id for d in sharded] == [guilds[0], guilds[2]]
    assert [d.schedule.guild_id for d in await store.due(1_000, 4, {0, 1, 2, 3}, 100)] == guilds[:3]
    assert len(await store.due(1_000, 1, None, limit=2)) == 2
    assert await store.next_due_utc(4, {2}) == 102
    assert await store.next_due_utc(4, {3}) is None
    with pytest.raises(ValueError):
        await store.due(1_000, 0, None, 10)


async def test_reschedule_retry_and_disable_respect_the_revision(db: aiosqlite.Connection) -> None:
    store = TodStore(db)
    await store.upsert_schedules([config(GUILD)], now=1)
    first = await store.get_schedule(GUILD)
    assert first is not None
    await store.upsert_schedules([config(GUILD, 7_000)], now=2)  # admin changed settings mid-send
    await store.reschedule([(GUILD, 9_999, date(2026, 3, 30), first.revision)], now=3)
    await store.retry([(GUILD, 9_999, first.revision)], now=3)
    await store.disable([(GUILD, "gone", first.revision)], now=3)
    current = await store.get_schedule(GUILD)
    assert current is not None and current.enabled
    assert (current.next_post_utc, current.next_local_date, current.attempts) == (7_000, DAY, 0)

    await store.retry([(GUILD, 7_030, current.revision)], now=4)
    retried = await store.get_schedule(GUILD)
    assert retried is not None and (retried.next_post_utc, retried.attempts) == (7_030, 1)
    await store.reschedule([(GUILD, 90_000, date(2026, 3, 30), current.revision)], now=5)
    moved = await store.get_schedule(GUILD)
    assert moved is not None and (moved.next_post_utc, moved.attempts) == (90_000, 0)


async def test_open_posts_and_make_due(db: aiosqlite.Connection) -> None:
    store = TodStore(db)
    await store.upsert_schedules([config(GUILD, 5_000, zone="Europe/Berlin")], now=1)
    await store.record([slot(GUILD, 3)], now=1)
    await store.plan(slot(GUILD + 1, 4), now=1)  # a plan whose schedule row does not exist
    await store.record([slot(GUILD + 2, 5)], now=1)
    await store.confirm([(GUILD + 2, DAY, 1)], now=1)
    open_posts = sorted(await store.open_posts(), key=lambda o: o.post.guild_id)
    assert [(o.post.guild_id, o.post.status, o.timezone, o.enabled) for o in open_posts] == [
        (GUILD, "pending", "Europe/Berlin", True),
        (GUILD + 1, "planned", None, False),
    ]
    await store.make_due([GUILD], now=100)
    schedule = await store.get_schedule(GUILD)
    assert schedule is not None and schedule.next_post_utc == 100


async def test_due_query_is_one_indexed_search_with_10000_schedules(db: aiosqlite.Connection) -> None:
    store = TodStore(db)
    await store.upsert_schedules([config((g << 22) | g, 1_000 + g % 1_440) for g in range(10_000)], now=1)
    await store.stop(5 << 22 | 5, now=1)
    await store.commit()

    for shard_count, shard_ids in [(1, None), (16, {0, 3, 7})]:
        sql, params = TodStore._due_sql(1_500, shard_count, shard_ids, 10_001)
        details = await plan_details(db, sql, params)
        assert any(d.startswith("SEARCH s USING INDEX tod_schedules_due (next_post_utc<?)") for d in details), details
        assert not any(d.startswith(("SCAN s", "SCAN p", "SCAN tod_")) for d in details), details
        assert not any("TEMP B-TREE" in d for d in details), details  # ORDER BY comes from the index

    before = store.statements
    due = await store.due(10**9, 1, None, 20_000)
    assert len(due) == 9_999 and store.statements == before + 1
    sharded = await store.due(10**9, 16, {0, 3, 7}, 20_000)
    assert {(d.schedule.guild_id >> 22) % 16 for d in sharded} == {0, 3, 7}

    assert await store.next_due_utc(1, None) == 1_000
    details = await plan_details(
        db,
        "SELECT next_post_utc FROM tod_schedules WHERE enabled = 1 AND next_post_utc IS NOT NULL"
        " ORDER BY next_post_utc LIMIT 1",
        (),
    )
    assert details == ["SEARCH tod_schedules USING INDEX tod_schedules_due (next_post_utc>?)"]


async def test_rotation_history_query_uses_the_cycle_index(db: aiosqlite.Connection) -> None:
    store = TodStore(db)
    guilds = list(range(1, 501))
    await store.record([slot(g, t, date(2026, 1, t), 0) for g in guilds for t in range(1, 21)], now=1)
    await store.commit()
    before = store.statements
    cycles = await store.cycles(guilds)
    assert store.statements == before + 1
    assert cycles[250] == Cycle(0, frozenset(range(1, 21)))
    details = await plan_details(db, _CYCLES_SQL, ("[1]",))
    assert any("USING COVERING INDEX tod_posts_cycle" in d for d in details), details
    assert not any(d.startswith(("SCAN q", "SCAN p")) for d in details), details
