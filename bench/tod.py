"""Term of the day: many servers due in the same minute, one scheduler tick, in process.

The scheduler (``bot.tod.service.TermOfDay``) runs with a controlled clock and a poster that only records what
it is handed, so the time measured is the bot's own work -- the due query, choosing a term per server, recording
the posts before sending, handing every post over, confirming and rescheduling -- with no network and no rate
limit in it. 09:00 in the morning is the popular choice, so "10,000 servers due in one minute" is the real
peak, spread over a dozen time zones whose local times all map to that same UTC minute.

Two scenarios: a fresh database (first day) and one with 30 days of history per server (the rotation must
then avoid 30 used terms per server, and the history query reads 300,000 rows), because the second is what a
bot that has been running a month does every morning.

The SQLite share of the tick is measured by wrapping the functions of ``bot.tod.store`` the tick calls (and the
database's ``transaction``, whose BEGIN and COMMIT are reported as ``commit``), with statements counted by the
database's own counter (``Database.statements``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.database import Database, Transaction, open_database
from bot.tod import store as tod_store
from bot.tod.schedule import local_date, nonce_for
from bot.tod.service import TermOfDay
from bot.tod.store import ScheduleConfig

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
# The functions of ``bot.tod.store`` a tick calls (the writes through ``Writes.apply``); "commit" is added per
# transaction.
STORE_FUNCTIONS = ("due", "cycles", "record", "lease", "confirm", "close", "miss", "reschedule", "retry", "disable")


class ManualClock:
    """A ``bot.tod.ports.Clock`` the benchmark sets; sleeping returns at once (the tick never waits on it)."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        await asyncio.sleep(0)


class RecordingPoster:
    """A ``bot.tod.ports.Poster``: takes every post and answers like Discord would (a message id), recording
    when each was handed over."""

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
    """Statements issued and time spent per ``bot.tod.store`` function during a tick, and per transaction.

    The module's functions are replaced while the timer is active (``with StoreTimer(db):``) and restored after
    it; ``bot.tod.service`` and ``Writes.apply`` look them up on the module at each call, so every call of the
    tick goes through the wrappers. Statements come from the database's own counter, so a batch function called
    with nothing to write (which issues no statement) is not counted. Every transaction counts once as
    ``commit``, with the time of its BEGIN IMMEDIATE and its COMMIT.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.calls: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._originals: dict[str, Any] = {}

    def __enter__(self) -> StoreTimer:
        for name in STORE_FUNCTIONS:
            self._originals[name] = getattr(tod_store, name)
            setattr(tod_store, name, self._wrap(name, self._originals[name]))
        self.db.transaction = self._transaction(self.db.transaction)  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self._originals.items():
            setattr(tod_store, name, original)
        self._originals.clear()
        del self.db.transaction  # back to the class's method

    def _count(self, name: str, statements: int, seconds: float) -> None:
        self.calls[name] = self.calls.get(name, 0) + statements
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def _wrap(self, name: str, function: Any) -> Any:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            before = self.db.statements.count
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                issued = self.db.statements.count - before
                if issued:
                    self._count(name, issued, time.perf_counter() - started)

        return timed

    def _transaction(
        self, transaction: Callable[[], contextlib.AbstractAsyncContextManager[Transaction]]
    ) -> Callable[[], contextlib.AbstractAsyncContextManager[Transaction]]:
        @contextlib.asynccontextmanager
        async def timed() -> AsyncIterator[Transaction]:
            started = time.perf_counter()
            async with transaction() as tx:
                self._count("commit", 1, time.perf_counter() - started)  # BEGIN (and any wait for the lock)
                yield tx
                ending = time.perf_counter()
            self._count("commit", 0, time.perf_counter() - ending)  # COMMIT

        return timed


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


async def _add_history(db: Database, configs: list[ScheduleConfig], term_ids: list[int], seed: int) -> int:
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
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO tod_posts (guild_id, local_date, term_id, channel_id, cycle, status, message_id, nonce,"
            " created_at, updated_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


async def _scenario(db_path: Path, servers: int, term_ids: list[int], seed: int, history: bool) -> dict[str, Any]:
    db = await open_database(db_path)
    try:
        configs = _servers(servers, seed)
        async with db.transaction() as tx:
            await tod_store.upsert_schedules(tx, configs, int(DUE_AT.timestamp()) - 86_400)
        history_rows = await _add_history(db, configs, term_ids, seed) if history else 0
        clock = ManualClock(DUE_AT + timedelta(seconds=2))
        poster = RecordingPoster()
        scheduler = TermOfDay(db, lambda: term_ids, clock)  # the bot's options: batches of 10,000, 50 in flight
        with StoreTimer(db) as timer:
            started = time.perf_counter_ns()
            report = await scheduler.tick(poster)
            ended = time.perf_counter_ns()
            timer_snapshot = (dict(timer.calls), dict(timer.seconds))
        clock.current += timedelta(seconds=60)
        idle_before = db.statements.count
        idle = await scheduler.tick(poster)
        idle_statements = db.statements.count - idle_before
        guilds = {p[0] for p in poster.posts}
        if report.handed != servers or len(guilds) != servers or report.sent != servers:
            raise RuntimeError(f"expected {servers} posts, the tick reported {report}")
        if history:
            used = {}
            for guild_id, terms in await db.fetchall(
                "SELECT guild_id, group_concat(term_id) FROM tod_posts GROUP BY guild_id"
            ):
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
