"""Lookups that found nothing, per server: counted in memory at once, written to the database in batches.

Recording a miss never waits and never fails: ``/define`` must answer within Discord's 3 seconds even while
another process holds the database's write lock. A batch that cannot be written stays in memory for the
next flush (bounded, so a database that stays locked cannot grow it without end).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass

from bot import limits
from bot.database import Database
from bot.normalize import normalize
from bot.text import clean

log = logging.getLogger(__name__)
MAX_PENDING = 10_000  # distinct (server, query) pairs kept while the database cannot be written
QUERY_CHARS = limits.QUERY_KEY


@dataclass(slots=True)
class _Pending:
    query: str
    count: int
    last_seen: int


class MissLog:
    """Counts misses in memory and flushes them in one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: dict[tuple[int, str], _Pending] = {}
        self._flush_lock = asyncio.Lock()
        self.dropped = 0

    def record(self, guild_id: int, query: str, now: int) -> None:
        """Count one miss (no I/O)."""
        query = clean(query).strip()[:QUERY_CHARS]
        norm = normalize(query)[:QUERY_CHARS]
        if not norm:
            return
        key = (guild_id, norm)
        pending = self._pending.get(key)
        if pending is not None:
            pending.count += 1
            pending.query, pending.last_seen = query, now
        elif len(self._pending) < MAX_PENDING:
            self._pending[key] = _Pending(query, 1, now)
        else:
            self.dropped += 1

    async def flush(self) -> int:
        """Write what was counted since the last flush; returns how many rows. Keeps them if it fails."""
        async with self._flush_lock:
            batch, self._pending = self._pending, {}
            if not batch:
                return 0
            try:
                async with self.db.transaction() as tx:
                    await tx.executemany(
                        "INSERT INTO lookup_misses(guild_id, norm, query, count, last_seen) VALUES (?, ?, ?, ?, ?)"
                        " ON CONFLICT(guild_id, norm) DO UPDATE SET count = lookup_misses.count + excluded.count,"
                        " last_seen = excluded.last_seen, query = excluded.query",
                        [(g, n, p.query, p.count, p.last_seen) for (g, n), p in batch.items()],
                    )
            except BaseException:
                self._merge_back(batch)
                raise
            return len(batch)

    def _merge_back(self, batch: dict[tuple[int, str], _Pending]) -> None:
        for key, pending in batch.items():
            newer = self._pending.get(key)
            if newer is None:
                self._pending[key] = pending
            else:
                newer.count += pending.count

    async def top(self, guild_id: int, limit: int = 15) -> list[tuple[str, int]]:
        """The most looked-for unknown terms in a server, most frequent first (unflushed ones included)."""
        rows = await self.db.fetchall(
            "SELECT norm, query, count FROM lookup_misses WHERE guild_id = ? ORDER BY count DESC, last_seen DESC"
            " LIMIT ?",
            (guild_id, limit + len(self._pending)),
        )
        counts: Counter[str] = Counter()
        queries: dict[str, str] = {}
        for norm, query, count in rows:
            counts[norm] += int(count)
            queries[norm] = str(query)
        for (gid, norm), pending in self._pending.items():
            if gid == guild_id:
                counts[norm] += pending.count
                queries[norm] = pending.query
        return [(queries[norm], count) for norm, count in counts.most_common(limit)]

    async def run(self, every: float = 30.0) -> None:
        """Flush every ``every`` seconds until cancelled; a failed flush is logged and retried next time."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.flush()
            except Exception as exc:
                log.warning("could not record lookups not found yet (%s); will retry", exc)
