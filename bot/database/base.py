"""What every database backend offers the stores: committed reads, one-owner write transactions, and the
few things that differ between SQLite and PostgreSQL named here instead of spread through the SQL.

Stores never commit. A caller that changes anything opens ``async with db.transaction() as tx`` and passes
``tx`` to the store functions it needs; the transaction commits when the block ends and rolls back if it
raises. Reads that need no transaction go through :meth:`Database.fetchall` and never wait for a writer.
SQL is written once with ``?`` placeholders; the PostgreSQL backend numbers them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Row = Any  # sqlite3.Row / asyncpg.Record: both index by column name and by position, and unpack like tuples
SQLITE, POSTGRES = "sqlite", "postgres"


class DatabaseError(Exception):
    """The database cannot be used; the message is one line an operator can act on."""


class DatabaseUnavailable(DatabaseError):
    """The database did not answer (a lost connection, a restart): callers may serve from memory meanwhile."""


class Queryable(Protocol):
    """Something to read from: the database (committed state) or an open transaction (its own writes too)."""

    dialect: str

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...


class StatementCounter:
    """Statements issued, so tests and benchmarks can check that work stays constant per batch."""

    def __init__(self) -> None:
        self.count = 0


class Reads:
    """``fetchone`` on top of a ``fetchall``."""

    dialect: str

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None


class Transaction(Reads):
    """Statements inside one write transaction (see :meth:`Database.transaction`)."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        raise NotImplementedError

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row (nothing at all for no rows)."""
        raise NotImplementedError

    async def copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert many rows as fast as the backend can (PostgreSQL: COPY)."""
        marks = ", ".join("?" for _ in columns)
        await self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    async def notify(self, channel: str, payload: str) -> None:
        """Tell other processes, when this transaction commits (PostgreSQL); nothing to do in one process."""


class Database(Reads):
    """A backend: committed reads, write transactions, cross-process exclusion and notifications."""

    dialect: str
    statements: StatementCounter

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        raise NotImplementedError

    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """Held by one task in one process at a time, across every process on this database."""
        raise NotImplementedError

    async def listen(self, channel: str, callback: Callable[[str], Awaitable[None]]) -> None:
        """Call ``callback(payload)`` for every notification on ``channel`` from any process (PostgreSQL)."""

    async def close(self) -> None:
        raise NotImplementedError


def ids(q: Queryable, values: Iterable[int]) -> tuple[str, Any]:
    """A SQL subquery listing integer ids and its parameter: ``x IN {sql}`` with ``param`` in its place."""
    if q.dialect == POSTGRES:
        return "(SELECT unnest(?::bigint[]))", list(values)
    return "(SELECT value FROM json_each(?))", json.dumps(list(values))


class OwnerCheck:
    """Refuses a second transaction opened by the task that already holds one (it would wait for itself)."""

    def __init__(self) -> None:
        self.owners: set[asyncio.Task[Any]] = set()

    def enter(self) -> asyncio.Task[Any] | None:
        task = asyncio.current_task()
        if task is not None and task in self.owners:
            raise RuntimeError("a transaction is already open in this task; pass its Transaction along instead")
        if task is not None:
            self.owners.add(task)
        return task

    def leave(self, task: asyncio.Task[Any] | None) -> None:
        self.owners.discard(task)  # type: ignore[arg-type]
