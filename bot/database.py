"""The one owner of the database: connections, transactions, migrations, and what goes wrong opening it.

Stores never commit. A caller that changes anything opens ``async with db.transaction() as tx`` and passes
``tx`` to the store methods it needs; the transaction commits when the block ends and rolls back if it
raises. Transactions are serialised by one lock, so a glossary reload and a term-of-the-day batch can never
share or break each other's transaction.

Reads that need no transaction go through :meth:`Database.fetchall` on a connection of their own, which never
waits for a writer: SQLite in WAL mode lets a reader see the last committed state while a write (of this
process or another, e.g. an operator's CLI command) is under way.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from bot.migrations import MIGRATIONS

log = logging.getLogger(__name__)

Row = Any  # sqlite3.Row / asyncpg.Record: both index by column name and by position
WRITE_BUSY_MS = 10_000  # a writer waits this long for another process's write lock before giving up
READ_BUSY_MS = 2_000  # readers rarely wait at all (WAL); this only covers a checkpoint's brief lock


class DatabaseError(Exception):
    """The database cannot be used; the message is one line an operator can act on."""


class Queryable(Protocol):
    """Something to read from: the database (committed state) or an open transaction (its own writes too)."""

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...


class _Reads:
    """``fetchone`` on top of a ``fetchall``."""

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None


class Transaction(_Reads):
    """Statements inside one write transaction (see :meth:`Database.transaction`)."""

    def __init__(self, conn: aiosqlite.Connection, counter: StatementCounter) -> None:
        self._conn = conn
        self._counter = counter

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        self._counter.count += 1
        async with self._conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row (nothing at all for no rows)."""
        rows = rows if isinstance(rows, list) else list(rows)
        if rows:
            self._counter.count += 1
            await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._counter.count += 1
        return list(await self._conn.execute_fetchall(sql, params))


class StatementCounter:
    """Statements issued, so tests and benchmarks can check that work stays constant per batch."""

    def __init__(self) -> None:
        self.count = 0


class Database(_Reads):
    """SQLite through aiosqlite: one writer connection behind a lock, one reader connection."""

    dialect = "sqlite"

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection, path: Path) -> None:
        self._writer = writer
        self._reader = reader
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self.statements = StatementCounter()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date.

        Raises :class:`DatabaseError` with one line naming the path when it cannot be used: a directory, a
        path under a file, a folder the bot may not write to, a file that is not a database, a read-only
        database (the bot records the term of the day's history, so it refuses to start rather than fail later).
        """
        path = Path(path)
        _check_path(path)
        writer = reader = None
        try:
            # Plain sqlite3 first: a file that cannot be used fails here, before any connection thread exists.
            await asyncio.to_thread(_preflight, path)
            writer = await _connect(path, WRITE_BUSY_MS)
            reader = await _connect(path, READ_BUSY_MS)
            database = cls(writer, reader, path)
            await database.migrate()
            return database
        except sqlite3.DatabaseError as exc:
            for conn in (reader, writer):
                if conn is not None:
                    await conn.close()  # its thread would otherwise keep the process alive
            raise DatabaseError(f"DATABASE_PATH {path}: {_explain(exc)}") from None

    async def migrate(self) -> list[int]:
        """Apply the numbered migrations this database has not had yet; returns their numbers."""
        async with self.transaction() as tx:
            await tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = await tx.fetchone("SELECT max(version) FROM schema_version")
            current = (row[0] or 0) if row else 0
            applied = []
            for migration in MIGRATIONS:
                if migration.version > current:
                    for statement in migration.statements(self.dialect):
                        await tx.execute(statement)
                    await tx.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.version,))
                    applied.append(migration.version)
        if applied:
            log.info("database %s: applied migrations %s", self.path, applied)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction, alone: commits at the end of the block, rolls back if it raises."""
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            raise RuntimeError("a transaction is already open in this task; pass its Transaction along instead")
        async with self._lock:
            self._owner = task
            try:
                await self._writer.execute_fetchall("BEGIN IMMEDIATE")
                try:
                    yield Transaction(self._writer, self.statements)
                except BaseException:
                    await asyncio.shield(self._writer.rollback())
                    raise
                await self._writer.commit()
            finally:
                self._owner = None

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of a query on the committed state, never waiting for a writer."""
        self.statements.count += 1
        return list(await self._reader.execute_fetchall(sql, params))

    async def close(self) -> None:
        await self._reader.close()
        async with self._lock:
            await self._writer.close()


async def _connect(path: Path, busy_ms: int) -> aiosqlite.Connection:
    # isolation_level=None: no implicit transactions; the writer says BEGIN and COMMIT itself.
    conn = await aiosqlite.connect(path, isolation_level=None, timeout=busy_ms / 1000)
    try:
        conn.row_factory = aiosqlite.Row
        # execute_fetchall, not execute: an unfinished cursor would hold a read transaction open.
        await conn.execute_fetchall(f"PRAGMA busy_timeout={int(busy_ms)}")
        await conn.execute_fetchall("PRAGMA foreign_keys=ON")
        await conn.execute_fetchall("SELECT count(*) FROM sqlite_master")  # "file is not a database" shows here
    except BaseException:
        await conn.close()
        raise
    return conn


def _preflight(path: Path) -> None:
    """Open the file with plain sqlite3, switch it to WAL (a write) and read it: raises what would go wrong."""
    conn = sqlite3.connect(path, timeout=WRITE_BUSY_MS / 1000)
    try:
        conn.execute("PRAGMA journal_mode=WAL").fetchall()
        conn.execute("PRAGMA synchronous=NORMAL").fetchall()
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    finally:
        conn.close()


def _check_path(path: Path) -> None:
    """Refuse paths SQLite would reject with an unhelpful message, before opening anything."""
    if str(path) == ":memory:":
        return
    if path.is_dir():
        raise DatabaseError(f"DATABASE_PATH {path} is a folder; give a file name, e.g. {path / 'glossary.sqlite3'}")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise DatabaseError(f"DATABASE_PATH {path}: {parent} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"DATABASE_PATH {path}: cannot create its folder ({exc.strerror or exc})") from None


def _explain(exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return "the database is read-only; the bot needs to write to it (term of the day, lookups not found)"
    if "unable to open" in text:
        return "cannot open the file here; check that the bot may write to this folder"
    if "not a database" in text or "malformed" in text:
        return f"{text}: the file is not a usable SQLite database; move it away to start with a new one"
    if "locked" in text:
        return "the database is locked by another process; try again when it is done"
    return text
