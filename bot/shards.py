"""Which servers this process serves: Discord's shard formula, in Python and as one SQL fragment."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from bot.database.base import Queryable, ids


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard a server is on (Discord: ``(guild_id >> 22) % shard_count``)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class Shards:
    """``count`` shards in all, of which this process runs ``ids`` (None: all of them)."""

    count: int = 1
    ids: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("shard_count must be at least 1")
        if self.ids is not None and any(not 0 <= i < self.count for i in self.ids):
            raise ValueError(f"shard ids must lie between 0 and {self.count - 1}")

    @classmethod
    def of(cls, count: int | None, ids: Collection[int] | None) -> Shards:
        """From discord.py's ``shard_count``/``shard_ids``; all shards when ``ids`` covers every one."""
        count = count or 1
        if ids is None or set(ids) >= set(range(count)):
            return cls(count)
        return cls(count, frozenset(ids))

    @property
    def everything(self) -> bool:
        return self.ids is None

    def owns(self, guild_id: int) -> bool:
        return self.ids is None or shard_of(guild_id, self.count) in self.ids

    def sql(self, q: Queryable, column: str) -> tuple[str, list[Any]]:
        """``AND <column is on our shards>`` and its parameters; empty when this process runs every shard."""
        if self.ids is None:
            return "", []
        shard_ids, param = ids(q, sorted(self.ids))
        return f"AND (({column} >> 22) % ?) IN {shard_ids}", [self.count, param]
