"""Term of the day: many servers due in the same minute, one scheduler tick, in process.

The scheduler (``bot.tod.TermOfDay``) runs with a controlled clock and a poster that only records what it is
handed, so the time measured is the bot's own work -- the due query, choosing a term per server, recording
the posts before sending, handing every post over, confirming and rescheduling -- with no network and no rate
limit in it. 09:00 in the morning is the popular choice, so "10,000 servers due in one minute" is the real
peak, spread over a dozen time zones whose local times all map to that same UTC minute.

Two scenarios: a fresh database (first day) and one with 30 days of history per server (the rotation must
then avoid 30 used terms per server, and the history query reads 300,000 rows), because the second is what a
bot that has been running a month does every morning.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.db import connect
from bot.schedule import local_date, nonce_for
from bot.tod import TermOfDay
from bot.tod_store import ScheduleConfig, TodStore

ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
DUE_AT = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday; every server's slot is this minute
HISTORY_DAYS = 30
STORE_METHODS = ("due", "cycles", "record", "confirm", "miss", "reschedule", "retry", "disable", "commit")


class ManualClock:
    """A clock the benchmark sets; sleeping returns at once (the scheduler never waits on it here)."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        await asyncio.sleep(0)


class RecordingPoster:
    """Takes every post and answers like Discord would (a message id), recording when each was handed over."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, int, int, date, str]] = []
        self.first_ns = 0
        self.last_ns = 0

    async def post(self, guild_id: int, channel_id: int, term_id: int, local_date: date, nonce: str) -> int:
        now = time.perf_counter_ns()
        self.first_ns = self.first_ns or now
        self.last_ns = now
        self.posts.append((guild_id, channel_id, term_id, local_date, nonce))
        await asyncio.sleep(0)  # a real send awaits the network: let the other workers run
        return 1_300_000_000_000_000_000 + len(self.posts)


class StoreTimer:
    """Statements issued and time spent per ``TodStore`` method during a tick (patched on the one instance).

    Statements come from the store's own counter, so a batch method called with nothing to write (which
    issues no statement) is not counted.
    """

    def __init__(self, store: TodStore) -> None:
        self.store = store
        self.calls: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        for name in STORE_METHODS:
            setattr(store, name, self._wrap(name, getattr(store, name)))

    def _wrap(self, name: str, method: Any) -> Any:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            before = self.store.statements
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                issued = self.store.statements - before
                if issued:
                    self.calls[name] = self.calls.get(name, 0) + issued
                    self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

        return timed

    def reset(self) -> None:
        self.calls.clear()
        self.seconds.clear()


def _servers(count: int, seed: int) -> list[ScheduleConfig]:
    """``count`` schedules due at ``DUE_AT``, with realistic snowflake ids and the local time of that minute."""
    rng = random.Random(seed)
    epoch_ms = int(DUE_AT.timestamp() * 1000) - 1_420_070_400_000 - 400 * 86_400_000
    ids = sorted({(rng.randrange(epoch_ms) << 22) | rng.randrange(1 << 22) for _ in range(count * 2)})
    rng.shuffle(ids)
    configs = []
    for i, guild_id in enumerate(ids[:count]):
        zone = ZoneInfo(ZONES[i % len(ZONES)])
        local = DUE_AT.astimezone(zone)
        configs.append(
            ScheduleConfig(
                guild_id=guild_id,
                channel_id=guild_id + 1,
                post_time=f"{local.hour:02d}:{local.minute:02d}",
                timezone=zone.key,
                next_post_utc=int(DUE_AT.timestamp()),
                next_local_date=local_date(DUE_AT, zone),
            )
        )
    return configs


async def _add_history(db: Any, configs: list[ScheduleConfig], term_ids: list[int], seed: int) -> int:
    """Up to ``HISTORY_DAYS`` sent posts per server before today, all in rotation cycle 0, in one transaction."""
    rng = random.Random(seed + 1)
    days = min(HISTORY_DAYS, len(term_ids) - 1)  # leave at least one unused term for today
    rows = []
    for config in configs:
        for term_id, back in zip(rng.sample(term_ids, days), range(days, 0, -1), strict=True):
            day = config.next_local_date - timedelta(days=back)
            stamp = int(DUE_AT.timestamp()) - back * 86_400
            rows.append(
                (
                    config.guild_id,
                    day.isoformat(),
                    term_id,
                    config.channel_id,
                    0,
                    "sent",
                    1,
                    nonce_for(config.guild_id, day),
                    stamp,
                    stamp,
                    stamp,
                )
            )
    await db.executemany(
        "INSERT INTO tod_posts (guild_id, local_date, term_id, channel_id, cycle, status, message_id, nonce,"
        " created_at, updated_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    await db.commit()
    return len(rows)


async def _scenario(db_path: Path, servers: int, term_ids: list[int], seed: int, history: bool) -> dict[str, Any]:
    db = await connect(db_path)
    try:
        store = TodStore(db)
        configs = _servers(servers, seed)
        await store.upsert_schedules(configs, int(DUE_AT.timestamp()) - 86_400)
        await store.commit()
        history_rows = await _add_history(db, configs, term_ids, seed) if history else 0
        clock = ManualClock(DUE_AT + timedelta(seconds=2))
        poster = RecordingPoster()
        scheduler = TermOfDay(store, poster, lambda: term_ids, clock)
        timer = StoreTimer(store)
        started = time.perf_counter_ns()
        report = await scheduler.tick()
        ended = time.perf_counter_ns()
        clock.current += timedelta(seconds=60)
        timer_snapshot = (dict(timer.calls), dict(timer.seconds))
        timer.reset()
        idle_before = store.statements
        idle = await scheduler.tick()
        idle_statements = store.statements - idle_before
        guilds = {p[0] for p in poster.posts}
        if report.handed != servers or len(guilds) != servers or report.sent != servers:
            raise RuntimeError(f"expected {servers} posts, the tick reported {report}")
        if history:
            used = {}
            async with db.execute("SELECT guild_id, group_concat(term_id) FROM tod_posts GROUP BY guild_id") as cur:
                for guild_id, terms in await cur.fetchall():
                    used[guild_id] = terms.split(",")
            if any(len(set(v)) != len(v) for v in used.values()):
                raise RuntimeError("a server got a term it already had in this rotation")
        return {
            "servers": servers,
            "history_rows": history_rows,
            "handoff_s": (poster.last_ns - started) / 1e9,
            "first_post_s": (poster.first_ns - started) / 1e9,
            "tick_s": (ended - started) / 1e9,
            "handed": report.handed,
            "sent": report.sent,
            "statements": report.statements,
            "store_calls": timer_snapshot[0],
            "store_seconds": timer_snapshot[1],
            "db_seconds": sum(timer_snapshot[1].values()),
            "idle_tick_statements": idle_statements,
            "idle_tick_due": idle.due,
        }
    finally:
        await db.close()


async def measure_tod(folder: Path, servers: int, terms: int, seed: int) -> dict[str, Any]:
    """Both scenarios, each on its own database file, plus a smaller run to show statements do not grow."""
    term_ids = list(range(1, terms + 1))
    return {
        "fresh": await _scenario(folder / "tod-fresh.sqlite3", servers, term_ids, seed, history=False),
        "history": await _scenario(folder / "tod-history.sqlite3", servers, term_ids, seed, history=True),
        "small": await _scenario(folder / "tod-small.sqlite3", max(1, servers // 10), term_ids, seed, history=False),
    }
