"""SQLite persistence for the term of the day: per-server schedules and the history of daily posts.

Two tables, owned by this module and never touched by glossary loads:

* ``tod_schedules``: one row per server (channel, ``HH:MM``, IANA zone, enabled flag, the next slot as UTC unix
  seconds plus its local date, retry attempts, the reason a permanent failure disabled it, and a ``revision``
  bumped by every setup/stop so a send that finishes after the admin changed the settings cannot overwrite
  them). The partial index ``tod_schedules_due (next_post_utc) WHERE enabled = 1`` makes "who is due?" one
  index range scan however many servers exist.
* ``tod_posts``: one row per (server, local date) -- the primary key is what makes "one post per server per
  local date" hold. ``status`` moves ``planned`` (term chosen, e.g. by ``/termofday today``) -> ``pending``
  (recorded *before* sending, with the nonce) -> ``sent`` (confirmed with the message id) or ``missed``.
  ``cycle`` numbers the rotation rounds; the terms of the highest cycle that are not ``missed`` are the ones a
  server has already had in the current round.

Write methods do not commit: the scheduler groups a whole batch into one transaction and calls
:meth:`TodStore.commit`. Batch methods take sequences and use one ``executemany``; server-id lists are passed
as one JSON parameter (``json_each``) so a batch of 10,000 servers is still one statement. Every statement is
parameterised. :attr:`TodStore.statements` counts the statements issued (each is one aiosqlite thread hop), so
callers and tests can check that a tick costs a constant number of them.

Public API (all async unless noted)::

    SCHEMA: str
    TodStore(db: aiosqlite.Connection)
      .statements: int
      .commit() -> None
      .upsert_schedules(configs: Sequence[ScheduleConfig], now: int) -> None
      .stop(guild_id: int, now: int) -> bool
      .get_schedule(guild_id: int) -> Schedule | None
      .get_status(guild_id: int) -> ScheduleStatus | None
      .post_on(guild_id: int, day: date) -> Post | None
      .last_sent(guild_id: int) -> Post | None
      .due(now_utc: int, shard_count: int, shard_ids: Collection[int] | None, limit: int) -> list[Due]
      .next_due_utc(shard_count: int, shard_ids: Collection[int] | None) -> int | None
      .cycles(guild_ids: Sequence[int]) -> dict[int, Cycle]
      .plan(slot: Slot, now: int) -> None
      .record(slots: Sequence[Slot], now: int) -> None
      .confirm(sent: Sequence[tuple[int, date, int]], now: int) -> None        # (guild, date, message id)
      .miss(slots: Sequence[tuple[int, date]], now: int) -> None
      .reschedule(items: Sequence[tuple[int, int, date, int]], now: int) -> None  # (guild, utc, date, revision)
      .retry(items: Sequence[tuple[int, int, int]], now: int) -> None          # (guild, utc, revision)
      .disable(items: Sequence[tuple[int, str, int]], now: int) -> None        # (guild, reason, revision)
      .open_posts() -> list[OpenPost]
      .make_due(guild_ids: Sequence[int], now: int) -> None
    shard_filter(shard_count: int, shard_ids: Collection[int] | None) -> list[int] | None   # plain function

Data classes (frozen): Schedule, Post, Due, ScheduleStatus (.next_post, .problem, .last_post), OpenPost;
named tuples: ScheduleConfig, Slot, Cycle(number, used). Times are unix seconds (INTEGER), dates ISO TEXT.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, NamedTuple

import aiosqlite

__all__ = [
    "SCHEMA",
    "Cycle",
    "Due",
    "OpenPost",
    "Post",
    "PostStatus",
    "Schedule",
    "ScheduleConfig",
    "ScheduleStatus",
    "Slot",
    "TodStore",
    "shard_filter",
]

log = logging.getLogger(__name__)

PostStatus = Literal["planned", "pending", "sent", "missed"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS tod_schedules (
    guild_id        INTEGER PRIMARY KEY,
    channel_id      INTEGER NOT NULL,
    post_time       TEXT    NOT NULL,                  -- 'HH:MM' local wall time
    timezone        TEXT    NOT NULL,                  -- IANA key, e.g. 'Europe/Berlin'
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    next_post_utc   INTEGER,                           -- unix seconds of the next slot (or retry)
    next_local_date TEXT,                              -- ISO local date that slot belongs to
    attempts        INTEGER NOT NULL DEFAULT 0,        -- transient failures for that slot so far
    disabled_reason TEXT,                              -- why a permanent failure disabled it
    revision        INTEGER NOT NULL DEFAULT 1,        -- bumped by setup/stop
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tod_schedules_due ON tod_schedules (next_post_utc) WHERE enabled = 1;

CREATE TABLE IF NOT EXISTS tod_posts (
    guild_id    INTEGER NOT NULL,
    local_date  TEXT    NOT NULL,                      -- ISO date in the server's zone
    term_id     INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    cycle       INTEGER NOT NULL,                      -- rotation round
    status      TEXT    NOT NULL CHECK (status IN ('planned', 'pending', 'sent', 'missed')),
    message_id  INTEGER,
    nonce       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,            -- sends tried
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    PRIMARY KEY (guild_id, local_date)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tod_posts_cycle ON tod_posts (guild_id, cycle, status, term_id);
CREATE INDEX IF NOT EXISTS tod_posts_open ON tod_posts (local_date) WHERE status IN ('planned', 'pending');
"""

_SCHEDULE_COLUMNS = (
    "s.guild_id, s.channel_id, s.post_time, s.timezone, s.enabled, s.next_post_utc, s.next_local_date,"
    " s.attempts, s.disabled_reason, s.revision, s.updated_at"
)
_POST_COLUMNS = (
    "p.guild_id, p.local_date, p.term_id, p.channel_id, p.cycle, p.status, p.message_id, p.nonce,"
    " p.attempts, p.sent_at, p.updated_at"
)
# Both lookups walk tod_posts_cycle: max(cycle) is one seek, the used terms one range read covered by the index.
_CYCLES_SQL = """
    WITH g(guild_id, cycle) AS (
        SELECT value, (SELECT max(q.cycle) FROM tod_posts AS q WHERE q.guild_id = value)
        FROM json_each(?)
    )
    SELECT g.guild_id, g.cycle,
           (SELECT group_concat(p.term_id) FROM tod_posts AS p
            WHERE p.guild_id = g.guild_id AND p.cycle = g.cycle AND p.status != 'missed')
    FROM g WHERE g.cycle IS NOT NULL
"""
_N_SCHEDULE = 11
_N_POST = 11


@dataclass(frozen=True, slots=True)
class Schedule:
    """A server's term-of-the-day settings and where its scheduler state stands."""

    guild_id: int
    channel_id: int
    post_time: str
    timezone: str
    enabled: bool
    next_post_utc: int | None
    next_local_date: date | None
    attempts: int
    disabled_reason: str | None
    revision: int
    updated_at: int

    @property
    def next_post(self) -> datetime | None:
        """The next slot (or retry) as an aware UTC datetime; ``None`` while disabled."""
        if not self.enabled or self.next_post_utc is None:
            return None
        return datetime.fromtimestamp(self.next_post_utc, UTC)


@dataclass(frozen=True, slots=True)
class Post:
    """One server's term of the day for one local date."""

    guild_id: int
    local_date: date
    term_id: int
    channel_id: int
    cycle: int
    status: PostStatus
    message_id: int | None
    nonce: str
    attempts: int
    sent_at: int | None
    updated_at: int


@dataclass(frozen=True, slots=True)
class Due:
    """A due schedule with the post row (if any) already stored for its ``next_local_date``."""

    schedule: Schedule
    post: Post | None


@dataclass(frozen=True, slots=True)
class ScheduleStatus:
    """What an admin sees in ``/termofday today``: settings, next and last post, and any problem."""

    schedule: Schedule
    last_post: Post | None

    @property
    def next_post(self) -> datetime | None:
        return self.schedule.next_post

    @property
    def problem(self) -> str | None:
        return self.schedule.disabled_reason


@dataclass(frozen=True, slots=True)
class OpenPost:
    """A ``planned``/``pending`` post with its server's zone (``None`` when the schedule row is gone)."""

    post: Post
    timezone: str | None
    enabled: bool


class ScheduleConfig(NamedTuple):
    """Settings written by ``/termofday setup`` with the first slot they lead to."""

    guild_id: int
    channel_id: int
    post_time: str
    timezone: str
    next_post_utc: int
    next_local_date: date


class Slot(NamedTuple):
    """A post to plan or record: which term goes where on which local date, with its nonce."""

    guild_id: int
    local_date: date
    term_id: int
    channel_id: int
    cycle: int
    nonce: str


class Cycle(NamedTuple):
    """A server's current rotation round and the terms it has already had (or has pending) in it."""

    number: int
    used: frozenset[int]


def _schedule(row: Sequence[Any]) -> Schedule:
    return Schedule(
        guild_id=row[0],
        channel_id=row[1],
        post_time=row[2],
        timezone=row[3],
        enabled=bool(row[4]),
        next_post_utc=row[5],
        next_local_date=date.fromisoformat(row[6]) if row[6] else None,
        attempts=row[7],
        disabled_reason=row[8],
        revision=row[9],
        updated_at=row[10],
    )


def _post(row: Sequence[Any]) -> Post:
    return Post(
        guild_id=row[0],
        local_date=date.fromisoformat(row[1]),
        term_id=row[2],
        channel_id=row[3],
        cycle=row[4],
        status=row[5],
        message_id=row[6],
        nonce=row[7],
        attempts=row[8],
        sent_at=row[9],
        updated_at=row[10],
    )


def shard_filter(shard_count: int, shard_ids: Collection[int] | None) -> list[int] | None:
    """The shard ids to filter on, or ``None`` when this process serves every shard (no filter needed)."""
    if shard_count < 1:
        raise ValueError("shard_count must be at least 1")
    if shard_ids is None:
        return None
    wanted = sorted({s for s in shard_ids if 0 <= s < shard_count})
    return None if len(wanted) == shard_count else wanted


class TodStore:
    """Async access to the term-of-the-day tables over the bot's single aiosqlite connection."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self.statements = 0

    # -- plumbing ---------------------------------------------------------------------------------------------
    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        self.statements += 1
        return list(await self._db.execute_fetchall(sql, params))

    async def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any] | None:
        rows = await self._fetchall(sql, params)
        return rows[0] if rows else None

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.statements += 1
        cursor = await self._db.execute(sql, params)
        return cursor.rowcount

    async def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.statements += 1
            await self._db.executemany(sql, rows)

    async def commit(self) -> None:
        self.statements += 1
        await self._db.commit()

    # -- schedules --------------------------------------------------------------------------------------------
    async def upsert_schedules(self, configs: Sequence[ScheduleConfig], now: int) -> None:
        """Create or replace schedules; re-enables them, clears any problem and bumps the revision."""
        await self._executemany(
            """
            INSERT INTO tod_schedules (guild_id, channel_id, post_time, timezone, enabled, next_post_utc,
                                       next_local_date, attempts, disabled_reason, revision, created_at,
                                       updated_at)
            VALUES (?, ?, ?, ?, 1, ?, ?, 0, NULL, 1, ?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET
                channel_id = excluded.channel_id, post_time = excluded.post_time,
                timezone = excluded.timezone, enabled = 1, next_post_utc = excluded.next_post_utc,
                next_local_date = excluded.next_local_date, attempts = 0, disabled_reason = NULL,
                revision = tod_schedules.revision + 1, updated_at = excluded.updated_at
            """,
            [
                (
                    c.guild_id,
                    c.channel_id,
                    c.post_time,
                    c.timezone,
                    c.next_post_utc,
                    c.next_local_date.isoformat(),
                    now,
                    now,
                )
                for c in configs
            ],
        )

    async def stop(self, guild_id: int, now: int) -> bool:
        """Disable posting for a server (history stays). Returns whether it had a schedule."""
        changed = await self._execute(
            "UPDATE tod_schedules SET enabled = 0, attempts = 0, disabled_reason = NULL,"
            " revision = revision + 1, updated_at = ? WHERE guild_id = ?",
            (now, guild_id),
        )
        return changed > 0

    async def get_schedule(self, guild_id: int) -> Schedule | None:
        row = await self._fetchone(
            f"SELECT {_SCHEDULE_COLUMNS} FROM tod_schedules AS s WHERE s.guild_id = ?", (guild_id,)
        )
        return _schedule(row) if row else None

    async def get_status(self, guild_id: int) -> ScheduleStatus | None:
        """Settings plus the last confirmed post; ``None`` if the server never ran setup."""
        schedule = await self.get_schedule(guild_id)
        if schedule is None:
            return None
        return ScheduleStatus(schedule=schedule, last_post=await self.last_sent(guild_id))

    async def due(self, now_utc: int, shard_count: int, shard_ids: Collection[int] | None, limit: int) -> list[Due]:
        """Enabled schedules whose next slot is at or before ``now_utc``, earliest first, on our shards.

        The single query per tick: a range scan of ``tod_schedules_due`` plus a primary-key lookup of the post
        row for each schedule's ``next_local_date`` (the planned term or the unconfirmed send to resume).
        """
        sql, params = self._due_sql(now_utc, shard_count, shard_ids, limit)
        rows = await self._fetchall(sql, params)
        result = []
        for row in rows:
            post = _post(row[_N_SCHEDULE:]) if row[_N_SCHEDULE] is not None else None
            result.append(Due(schedule=_schedule(row[:_N_SCHEDULE]), post=post))
        return result

    @staticmethod
    def _due_sql(
        now_utc: int, shard_count: int, shard_ids: Collection[int] | None, limit: int
    ) -> tuple[str, list[Any]]:
        """The due query and its parameters (exposed for the EXPLAIN QUERY PLAN test)."""
        shards = shard_filter(shard_count, shard_ids)
        params: list[Any] = [now_utc]
        shard_sql = ""
        if shards is not None:
            shard_sql = "AND ((s.guild_id >> 22) % ?) IN (SELECT value FROM json_each(?))"
            params += [shard_count, json.dumps(shards)]
        params.append(limit)
        sql = f"""
            SELECT {_SCHEDULE_COLUMNS}, {_POST_COLUMNS}
            FROM tod_schedules AS s
            LEFT JOIN tod_posts AS p ON p.guild_id = s.guild_id AND p.local_date = s.next_local_date
            WHERE s.enabled = 1 AND s.next_post_utc <= ? {shard_sql}
            ORDER BY s.next_post_utc
            LIMIT ?
        """
        return sql, params

    async def next_due_utc(self, shard_count: int, shard_ids: Collection[int] | None) -> int | None:
        """The earliest ``next_post_utc`` on our shards (walks the due index in order; stops at the first)."""
        shards = shard_filter(shard_count, shard_ids)
        params: list[Any] = []
        shard_sql = ""
        if shards is not None:
            shard_sql = "AND ((guild_id >> 22) % ?) IN (SELECT value FROM json_each(?))"
            params = [shard_count, json.dumps(shards)]
        row = await self._fetchone(
            f"SELECT next_post_utc FROM tod_schedules WHERE enabled = 1 AND next_post_utc IS NOT NULL"
            f" {shard_sql} ORDER BY next_post_utc LIMIT 1",
            params,
        )
        return row[0] if row else None

    async def reschedule(self, items: Sequence[tuple[int, int, date, int]], now: int) -> None:
        """Move schedules to their next slot ``(guild, utc, local date, revision)``; resets attempts.

        Only rows still at ``revision`` change, so a concurrent ``setup`` wins over a send that finishes late.
        """
        await self._executemany(
            "UPDATE tod_schedules SET next_post_utc = ?, next_local_date = ?, attempts = 0, updated_at = ?"
            " WHERE guild_id = ? AND revision = ?",
            [(utc, day.isoformat(), now, guild_id, revision) for guild_id, utc, day, revision in items],
        )

    async def retry(self, items: Sequence[tuple[int, int, int]], now: int) -> None:
        """After a transient failure: try the same slot again at ``utc`` ``(guild, utc, revision)``."""
        await self._executemany(
            "UPDATE tod_schedules SET next_post_utc = ?, attempts = attempts + 1, updated_at = ?"
            " WHERE guild_id = ? AND revision = ?",
            [(utc, now, guild_id, revision) for guild_id, utc, revision in items],
        )

    async def disable(self, items: Sequence[tuple[int, str, int]], now: int) -> None:
        """After a permanent failure: disable ``(guild, reason, revision)`` and keep the reason for admins."""
        await self._executemany(
            "UPDATE tod_schedules SET enabled = 0, disabled_reason = ?, attempts = 0, updated_at = ?"
            " WHERE guild_id = ? AND revision = ?",
            [(reason, now, guild_id, revision) for guild_id, reason, revision in items],
        )

    async def make_due(self, guild_ids: Sequence[int], now: int) -> None:
        """Bring enabled schedules forward to ``now`` (used on start to resend unconfirmed posts at once)."""
        await self._execute(
            "UPDATE tod_schedules SET next_post_utc = min(next_post_utc, ?), updated_at = ?"
            " WHERE enabled = 1 AND guild_id IN (SELECT value FROM json_each(?))",
            (now, now, json.dumps(list(guild_ids))),
        )

    # -- posts ------------------------------------------------------------------------------------------------
    async def post_on(self, guild_id: int, day: date) -> Post | None:
        row = await self._fetchone(
            f"SELECT {_POST_COLUMNS} FROM tod_posts AS p WHERE p.guild_id = ? AND p.local_date = ?",
            (guild_id, day.isoformat()),
        )
        return _post(row) if row else None

    async def last_sent(self, guild_id: int) -> Post | None:
        row = await self._fetchone(
            f"SELECT {_POST_COLUMNS} FROM tod_posts AS p WHERE p.guild_id = ? AND p.status = 'sent'"
            " ORDER BY p.local_date DESC LIMIT 1",
            (guild_id,),
        )
        return _post(row) if row else None

    async def cycles(self, guild_ids: Sequence[int]) -> dict[int, Cycle]:
        """Current rotation round and its used terms for many servers, in one statement.

        Servers without history are absent (their round is 0 with nothing used). Terms are aggregated per
        server with ``group_concat`` so the result is one row per server, not one per past post.
        """
        if not guild_ids:
            return {}
        rows = await self._fetchall(_CYCLES_SQL, (json.dumps(list(guild_ids)),))
        return {
            guild_id: Cycle(cycle, frozenset(map(int, terms.split(","))) if terms else frozenset())
            for guild_id, cycle, terms in rows
        }

    async def plan(self, slot: Slot, now: int) -> None:
        """Store the term chosen ahead of the post (``planned``); an existing row for that date wins."""
        await self._execute(
            "INSERT INTO tod_posts (guild_id, local_date, term_id, channel_id, cycle, status, nonce, attempts,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'planned', ?, 0, ?, ?)"
            " ON CONFLICT (guild_id, local_date) DO NOTHING",
            (
                slot.guild_id,
                slot.local_date.isoformat(),
                slot.term_id,
                slot.channel_id,
                slot.cycle,
                slot.nonce,
                now,
                now,
            ),
        )

    async def record(self, slots: Sequence[Slot], now: int) -> None:
        """Record sends about to happen (``pending``) before they happen; counts the attempt.

        A ``sent`` row is never overwritten, which keeps "one post per server per local date" in the database
        itself. ``missed`` may be revived: a server whose permanent failure was fixed and set up again the same
        day gets its post.
        """
        await self._executemany(
            """
            INSERT INTO tod_posts (guild_id, local_date, term_id, channel_id, cycle, status, nonce, attempts,
                                   created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, 'pending', ?, 1, ?, ?)
            ON CONFLICT (guild_id, local_date) DO UPDATE SET
                term_id = excluded.term_id, channel_id = excluded.channel_id, cycle = excluded.cycle,
                status = 'pending', nonce = excluded.nonce, attempts = tod_posts.attempts + 1,
                updated_at = excluded.updated_at
            WHERE tod_posts.status != 'sent'
            """,
            [
                (s.guild_id, s.local_date.isoformat(), s.term_id, s.channel_id, s.cycle, s.nonce, now, now)
                for s in slots
            ],
        )

    async def confirm(self, sent: Sequence[tuple[int, date, int]], now: int) -> None:
        """Mark ``(guild, date, message id)`` posts as sent (whatever else happened meanwhile, it was sent)."""
        await self._executemany(
            "UPDATE tod_posts SET status = 'sent', message_id = ?, sent_at = ?, updated_at = ?"
            " WHERE guild_id = ? AND local_date = ? AND status != 'sent'",
            [(message_id, now, now, guild_id, day.isoformat()) for guild_id, day, message_id in sent],
        )

    async def miss(self, slots: Sequence[tuple[int, date]], now: int) -> None:
        """Close unconfirmed ``(guild, date)`` posts as missed."""
        await self._executemany(
            "UPDATE tod_posts SET status = 'missed', updated_at = ?"
            " WHERE guild_id = ? AND local_date = ? AND status IN ('planned', 'pending')",
            [(now, guild_id, day.isoformat()) for guild_id, day in slots],
        )

    async def open_posts(self) -> list[OpenPost]:
        """Every ``planned``/``pending`` post (a handful: only crashes and unused plans leave them)."""
        rows = await self._fetchall(
            f"SELECT {_POST_COLUMNS}, s.timezone, s.enabled FROM tod_posts AS p"
            " LEFT JOIN tod_schedules AS s ON s.guild_id = p.guild_id"
            " WHERE p.status IN ('planned', 'pending')",
        )
        return [
            OpenPost(post=_post(row[:_N_POST]), timezone=row[_N_POST], enabled=bool(row[_N_POST + 1])) for row in rows
        ]
