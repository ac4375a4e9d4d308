"""The term of the day's tables: per-server schedules and the history of daily posts.

* ``tod_schedules``: one row per server (channel, ``HH:MM``, IANA zone, enabled flag, the next slot as UTC unix
  seconds plus its local date, retry attempts, the reason a permanent failure disabled it, and a ``revision``
  bumped by every setup/stop so a send that finishes after the admin changed the settings cannot overwrite
  them). The partial index ``tod_schedules_due (next_post_utc) WHERE enabled = 1`` makes "who is due?" one
  index range scan however many servers exist.
* ``tod_posts``: one row per (server, local date); the primary key is what makes "one post per server per
  local date" hold. ``status`` moves ``planned`` (term chosen, e.g. by ``/termofday today``) -> ``pending``
  (recorded *before* sending, with the nonce) -> ``sent`` (confirmed with the message id); a day that ends
  first leaves ``missed`` (never handed to Discord, or refused) or ``unconfirmed`` (handed over, outcome
  unknown: it may have arrived). ``cycle`` numbers the rotation rounds.

Writes take the caller's transaction and are batched: one ``executemany`` per kind, server-id lists passed as
one JSON parameter, so a batch of 10,000 servers is still a handful of statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, NamedTuple

from bot.database import Queryable, Row, Transaction, ids
from bot.database.base import POSTGRES, SQLITE
from bot.shards import Shards

PostStatus = Literal["planned", "pending", "sent", "missed", "unconfirmed"]
USED = ("planned", "pending", "sent", "unconfirmed")  # statuses whose term counts as used in its rotation round

_SCHEDULE = (
    "s.guild_id, s.channel_id, s.post_time, s.timezone, s.enabled, s.next_post_utc, s.next_local_date,"
    " s.attempts, s.disabled_reason, s.revision, s.updated_at"
)
_POST = (
    "p.guild_id AS p_guild_id, p.local_date AS p_local_date, p.term_id AS p_term_id, p.channel_id AS p_channel_id,"
    " p.cycle AS p_cycle, p.status AS p_status, p.message_id AS p_message_id, p.nonce AS p_nonce,"
    " p.attempts AS p_attempts, p.sent_at AS p_sent_at, p.updated_at AS p_updated_at"
)
# max(cycle) is one seek of tod_posts_cycle; the used terms of that round one range read covered by the index.
CYCLES_SQL = {
    SQLITE: f"""
    WITH g(guild_id, cycle) AS (
        SELECT value, (SELECT max(q.cycle) FROM tod_posts AS q WHERE q.guild_id = value)
        FROM json_each(?)
    )
    SELECT g.guild_id, g.cycle,
           (SELECT group_concat(p.term_id) FROM tod_posts AS p
            WHERE p.guild_id = g.guild_id AND p.cycle = g.cycle AND p.status IN {USED!r}) AS used,
           (SELECT p.term_id FROM tod_posts AS p
            WHERE p.guild_id = g.guild_id AND p.status IN {USED!r} ORDER BY p.local_date DESC LIMIT 1) AS last
    FROM g WHERE g.cycle IS NOT NULL
""",
    POSTGRES: f"""
    WITH g AS (
        SELECT v.id AS guild_id, (SELECT max(q.cycle) FROM tod_posts AS q WHERE q.guild_id = v.id) AS cycle
        FROM unnest(?::bigint[]) AS v(id)
    )
    SELECT g.guild_id, g.cycle,
           (SELECT string_agg(p.term_id::text, ',') FROM tod_posts AS p
            WHERE p.guild_id = g.guild_id AND p.cycle = g.cycle AND p.status IN {USED!r}) AS used,
           (SELECT p.term_id FROM tod_posts AS p
            WHERE p.guild_id = g.guild_id AND p.status IN {USED!r} ORDER BY p.local_date DESC LIMIT 1) AS last
    FROM g WHERE g.cycle IS NOT NULL
""",
}


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

    @classmethod
    def from_row(cls, row: Row) -> Schedule:
        return cls(
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            post_time=row["post_time"],
            timezone=row["timezone"],
            enabled=bool(row["enabled"]),
            next_post_utc=row["next_post_utc"],
            next_local_date=date.fromisoformat(row["next_local_date"]) if row["next_local_date"] else None,
            attempts=row["attempts"],
            disabled_reason=row["disabled_reason"],
            revision=row["revision"],
            updated_at=row["updated_at"],
        )

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

    @classmethod
    def from_row(cls, row: Row) -> Post:
        """A post from columns selected with the ``p_`` prefix (see ``_POST``)."""
        return cls(
            guild_id=row["p_guild_id"],
            local_date=date.fromisoformat(row["p_local_date"]),
            term_id=row["p_term_id"],
            channel_id=row["p_channel_id"],
            cycle=row["p_cycle"],
            status=row["p_status"],
            message_id=row["p_message_id"],
            nonce=row["p_nonce"],
            attempts=row["p_attempts"],
            sent_at=row["p_sent_at"],
            updated_at=row["p_updated_at"],
        )

    @classmethod
    def maybe(cls, row: Row) -> Post | None:
        return None if row["p_guild_id"] is None else cls.from_row(row)


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
    """A server's rotation round, the terms already used in it, and the last term it was given."""

    number: int
    used: frozenset[int]
    last: int | None = None


class Confirm(NamedTuple):
    """A send Discord accepted: mark the post sent with its message id."""

    guild_id: int
    day: date
    message_id: int


class Close(NamedTuple):
    """A post whose day ended without a confirmed send."""

    guild_id: int
    day: date


class Reschedule(NamedTuple):
    """Move a schedule to its next slot (only if its settings are still at ``revision``)."""

    guild_id: int
    next_utc: int
    next_day: date
    revision: int


class Lease(NamedTuple):
    """A claimed schedule is not due again until ``until`` (the send's outcome moves it sooner; a process that
    dies mid-send leaves it to be resent, with its nonce, once the lease runs out)."""

    guild_id: int
    until: int
    revision: int


class Retry(NamedTuple):
    """Try the same slot again at ``next_utc`` after a transient failure (``refused``: Discord said no, so
    the message certainly did not arrive; otherwise, e.g. after a timeout, it may have)."""

    guild_id: int
    day: date
    next_utc: int
    revision: int
    refused: bool


class Disable(NamedTuple):
    """Stop a schedule after a permanent failure, keeping the reason for the admins."""

    guild_id: int
    reason: str
    revision: int


# Reads take a Queryable (the database, or a transaction to see its own writes); writes take the caller's
# transaction.


# -- schedules --------------------------------------------------------------------------------------------------------
async def upsert_schedules(tx: Transaction, configs: Sequence[ScheduleConfig], now: int) -> None:
    """Create or replace schedules; re-enables them, clears any problem and bumps the revision."""
    await tx.executemany(
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
            (c.guild_id, c.channel_id, c.post_time, c.timezone, c.next_post_utc, c.next_local_date.isoformat(),
             now, now)
            for c in configs
        ],
    )  # fmt: skip


async def stop(tx: Transaction, guild_id: int, now: int) -> bool:
    """Disable posting for a server (history stays). Returns whether it had a schedule."""
    changed = await tx.execute(
        "UPDATE tod_schedules SET enabled = 0, attempts = 0, disabled_reason = NULL,"
        " revision = revision + 1, updated_at = ? WHERE guild_id = ?",
        (now, guild_id),
    )
    return changed > 0


async def get_schedule(q: Queryable, guild_id: int) -> Schedule | None:
    row = await q.fetchone(f"SELECT {_SCHEDULE} FROM tod_schedules AS s WHERE s.guild_id = ?", (guild_id,))
    return Schedule.from_row(row) if row else None


async def get_status(q: Queryable, guild_id: int) -> ScheduleStatus | None:
    """Settings plus the last confirmed post; ``None`` if the server never ran setup."""
    schedule = await get_schedule(q, guild_id)
    if schedule is None:
        return None
    return ScheduleStatus(schedule=schedule, last_post=await last_sent(q, guild_id))


def due_sql(q: Queryable, now_utc: int, shards: Shards, limit: int) -> tuple[str, list[Any]]:
    """The due query and its parameters (also read by the query-plan test).

    On PostgreSQL the rows are claimed: locked for the claiming transaction, and skipped by any other process's
    (``FOR UPDATE SKIP LOCKED``), so two processes never take the same server.
    """
    shard_sql, shard_params = shards.sql(q, "s.guild_id")
    claim = "FOR UPDATE OF s SKIP LOCKED" if q.dialect == POSTGRES else ""
    sql = f"""
        SELECT {_SCHEDULE}, {_POST}
        FROM tod_schedules AS s
        LEFT JOIN tod_posts AS p ON p.guild_id = s.guild_id AND p.local_date = s.next_local_date
        WHERE s.enabled = 1 AND s.next_post_utc <= ? {shard_sql}
        ORDER BY s.next_post_utc
        LIMIT ? {claim}
    """
    return sql, [now_utc, *shard_params, limit]


async def due(q: Queryable, now_utc: int, shards: Shards, limit: int) -> list[Due]:
    """Enabled schedules whose next slot is at or before ``now_utc``, earliest first, on our shards.

    One query per tick: a range scan of ``tod_schedules_due`` plus a primary-key lookup of the post row
    for each schedule's ``next_local_date`` (the planned term or the unconfirmed send to resume).
    """
    sql, params = due_sql(q, now_utc, shards, limit)
    return [Due(Schedule.from_row(row), Post.maybe(row)) for row in await q.fetchall(sql, params)]


async def next_due_utc(q: Queryable, shards: Shards) -> int | None:
    """The earliest ``next_post_utc`` on our shards (walks the due index in order; stops at the first)."""
    shard_sql, params = shards.sql(q, "guild_id")
    row = await q.fetchone(
        f"SELECT next_post_utc FROM tod_schedules WHERE enabled = 1 AND next_post_utc IS NOT NULL"
        f" {shard_sql} ORDER BY next_post_utc LIMIT 1",
        params,
    )
    return row[0] if row else None


async def reschedule(tx: Transaction, items: Sequence[Reschedule], now: int) -> None:
    """Move schedules to their next slot and reset attempts; a concurrent ``setup`` (new revision) wins."""
    await tx.executemany(
        "UPDATE tod_schedules SET next_post_utc = ?, next_local_date = ?, attempts = 0, updated_at = ?"
        " WHERE guild_id = ? AND revision = ?",
        [(r.next_utc, r.next_day.isoformat(), now, r.guild_id, r.revision) for r in items],
    )


async def lease(tx: Transaction, items: Sequence[Lease], now: int) -> None:
    """Hold claimed schedules back until their sends are settled (see :class:`Lease`)."""
    await tx.executemany(
        "UPDATE tod_schedules SET next_post_utc = ?, updated_at = ? WHERE guild_id = ? AND revision = ?",
        [(item.until, now, item.guild_id, item.revision) for item in items],
    )


async def retry(tx: Transaction, items: Sequence[Retry], now: int) -> None:
    """After a transient failure: try the same slot again at ``next_utc``, remembering how it failed."""
    await tx.executemany(
        "UPDATE tod_schedules SET next_post_utc = ?, attempts = attempts + 1, updated_at = ?"
        " WHERE guild_id = ? AND revision = ?",
        [(r.next_utc, now, r.guild_id, r.revision) for r in items],
    )
    await tx.executemany(
        "UPDATE tod_posts SET outcome = ? WHERE guild_id = ? AND local_date = ? AND status = 'pending'",
        [("refused" if r.refused else None, r.guild_id, r.day.isoformat()) for r in items],
    )


async def disable(tx: Transaction, items: Sequence[Disable], now: int) -> None:
    """After a permanent failure: disable and keep the reason for admins."""
    await tx.executemany(
        "UPDATE tod_schedules SET enabled = 0, disabled_reason = ?, attempts = 0, updated_at = ?"
        " WHERE guild_id = ? AND revision = ?",
        [(d.reason, now, d.guild_id, d.revision) for d in items],
    )


async def make_due(tx: Transaction, guild_ids: Sequence[int], now: int) -> None:
    """Bring enabled schedules forward to ``now`` (used on start to resend unconfirmed posts at once)."""
    guilds, param = ids(tx, guild_ids)
    await tx.execute(
        "UPDATE tod_schedules SET next_post_utc = CASE WHEN next_post_utc < ? THEN next_post_utc ELSE ? END,"
        f" updated_at = ? WHERE enabled = 1 AND guild_id IN {guilds}",
        (now, now, now, param),
    )


# -- posts ------------------------------------------------------------------------------------------------------------
async def post_on(q: Queryable, guild_id: int, day: date) -> Post | None:
    row = await q.fetchone(
        f"SELECT {_POST} FROM tod_posts AS p WHERE p.guild_id = ? AND p.local_date = ?",
        (guild_id, day.isoformat()),
    )
    return Post.from_row(row) if row else None


async def last_sent(q: Queryable, guild_id: int) -> Post | None:
    row = await q.fetchone(
        f"SELECT {_POST} FROM tod_posts AS p WHERE p.guild_id = ? AND p.status = 'sent'"
        " ORDER BY p.sent_at DESC LIMIT 1",
        (guild_id,),
    )
    return Post.from_row(row) if row else None


async def cycles(q: Queryable, guild_ids: Sequence[int]) -> dict[int, Cycle]:
    """Current rotation round, its used terms and the last term, for many servers in one statement.

    Servers without history are absent (their round is 0 with nothing used).
    """
    if not guild_ids:
        return {}
    rows = await q.fetchall(CYCLES_SQL[q.dialect], (ids(q, guild_ids)[1],))
    return {
        row["guild_id"]: Cycle(
            row["cycle"], frozenset(map(int, row["used"].split(","))) if row["used"] else frozenset(), row["last"]
        )
        for row in rows
    }


async def plan(tx: Transaction, slot: Slot, now: int) -> None:
    """Store the term chosen ahead of the post (``planned``); an existing row for that date wins."""
    await tx.execute(
        "INSERT INTO tod_posts (guild_id, local_date, term_id, channel_id, cycle, status, nonce, attempts,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'planned', ?, 0, ?, ?)"
        " ON CONFLICT (guild_id, local_date) DO NOTHING",
        (slot.guild_id, slot.local_date.isoformat(), slot.term_id, slot.channel_id, slot.cycle, slot.nonce, now,
         now),
    )  # fmt: skip


async def record(tx: Transaction, slots: Sequence[Slot], now: int) -> None:
    """Record sends about to happen (``pending``) before they happen; counts the attempt.

    A ``sent`` row is never overwritten, which keeps "one post per server per local date" in the database
    itself. A ``missed`` one may be revived: a server whose permanent failure was fixed and set up again the
    same day gets its post.
    """
    await tx.executemany(
        """
        INSERT INTO tod_posts (guild_id, local_date, term_id, channel_id, cycle, status, nonce, attempts,
                               created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, 'pending', ?, 1, ?, ?)
        ON CONFLICT (guild_id, local_date) DO UPDATE SET
            term_id = excluded.term_id, channel_id = excluded.channel_id, cycle = excluded.cycle,
            status = 'pending', nonce = excluded.nonce, attempts = tod_posts.attempts + 1,
            outcome = NULL, updated_at = excluded.updated_at
        WHERE tod_posts.status != 'sent'
        """,
        [(s.guild_id, s.local_date.isoformat(), s.term_id, s.channel_id, s.cycle, s.nonce, now, now) for s in slots],
    )


async def retarget(tx: Transaction, guild_id: int, day: date, channel_id: int, nonce: str, now: int) -> None:
    """Point an unconfirmed post at another channel with a new nonce (the admin moved the post meanwhile)."""
    await tx.execute(
        "UPDATE tod_posts SET channel_id = ?, nonce = ?, updated_at = ?"
        " WHERE guild_id = ? AND local_date = ? AND status = 'pending'",
        (channel_id, nonce, now, guild_id, day.isoformat()),
    )


async def confirm(tx: Transaction, sent: Sequence[Confirm], now: int) -> None:
    """Mark posts as sent (whatever else happened meanwhile, it was sent)."""
    await tx.executemany(
        "UPDATE tod_posts SET status = 'sent', message_id = ?, sent_at = ?, updated_at = ?"
        " WHERE guild_id = ? AND local_date = ? AND status != 'sent'",
        [(c.message_id, now, now, c.guild_id, c.day.isoformat()) for c in sent],
    )


async def close(tx: Transaction, slots: Sequence[Close], now: int) -> None:
    """End open posts whose day is over: ``missed`` when nothing arrived for certain (never sent, or the
    last try was refused), ``unconfirmed`` when a send may have arrived (still counted as used)."""
    await tx.executemany(
        "UPDATE tod_posts SET updated_at = ?, status = CASE"
        " WHEN status = 'pending' AND outcome IS NULL THEN 'unconfirmed' ELSE 'missed' END"
        " WHERE guild_id = ? AND local_date = ? AND status IN ('planned', 'pending')",
        [(now, c.guild_id, c.day.isoformat()) for c in slots],
    )


async def miss(tx: Transaction, slots: Sequence[Close], now: int) -> None:
    """Close open posts that certainly did not arrive (Discord refused them) as ``missed``."""
    await tx.executemany(
        "UPDATE tod_posts SET status = 'missed', updated_at = ?"
        " WHERE guild_id = ? AND local_date = ? AND status IN ('planned', 'pending')",
        [(now, c.guild_id, c.day.isoformat()) for c in slots],
    )


async def open_posts(q: Queryable) -> list[OpenPost]:
    """Every ``planned``/``pending`` post (a handful: only crashes and unused plans leave them)."""
    rows = await q.fetchall(
        f"SELECT {_POST}, s.timezone, s.enabled FROM tod_posts AS p"
        " LEFT JOIN tod_schedules AS s ON s.guild_id = p.guild_id"
        " WHERE p.status IN ('planned', 'pending')",
    )
    return [OpenPost(Post.from_row(row), row["timezone"], bool(row["enabled"])) for row in rows]


@dataclass(slots=True)
class Writes:
    """A batch of state changes, applied with one ``executemany`` per kind in one transaction."""

    record: list[Slot] = field(default_factory=list)
    lease: list[Lease] = field(default_factory=list)
    confirm: list[Confirm] = field(default_factory=list)
    close: list[Close] = field(default_factory=list)
    miss: list[Close] = field(default_factory=list)
    reschedule: list[Reschedule] = field(default_factory=list)
    retry: list[Retry] = field(default_factory=list)
    disable: list[Disable] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(getattr(self, name)) for name in self.__slots__)

    async def apply(self, tx: Transaction, now: int) -> None:
        await record(tx, self.record, now)
        await lease(tx, self.lease, now)
        await confirm(tx, self.confirm, now)
        await close(tx, self.close, now)
        await miss(tx, self.miss, now)
        await reschedule(tx, self.reschedule, now)
        await retry(tx, self.retry, now)
        await disable(tx, self.disable, now)
