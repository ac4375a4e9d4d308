"""SQLite through aiosqlite: one writer connection behind a lock, one reader connection, WAL.

WAL lets the reader see the last committed state while a write (of this process or another, e.g. an
operator's CLI command) is under way, so reads never wait for a writer. One process per database file.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.database.base import SQLITE, Database, DatabaseError, OwnerCheck, Row, StatementCounter, Transaction
from bot.database.migrations import apply_migrations

log = logging.getLogger(__name__)

WRITE_BUSY_MS = 10_000  # a writer waits this long for another process's write lock before giving up
READ_BUSY_MS = 2_000  # readers rarely wait at all (WAL); this only covers a checkpoint's brief lock
CLOSE_WAIT_S = 5.0  # a write still under way when the bot stops gets this long to finish


class SqliteTransaction(Transaction):
    """Statements on the writer connection, inside its BEGIN IMMEDIATE."""

    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection, counter: StatementCounter) -> None:
        self._conn = conn
        self._counter = counter

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._counter.count += 1
        async with self._conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = rows if isinstance(rows, list) else list(rows)
        if rows:
            self._counter.count += 1
            await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._counter.count += 1
        return list(await self._conn.execute_fetchall(sql, params))


class SqliteDatabase(Database):
    """SQLite through aiosqlite: one writer connection behind a lock, one reader connection."""

    dialect = SQLITE

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection, path: Path) -> None:
        self._writer = writer
        self._reader = reader
        self.path = path
        self._lock = asyncio.Lock()
        self._owners = OwnerCheck()
        self._exclusive: dict[str, asyncio.Lock] = {}
        self.statements = StatementCounter()

    @classmethod
    async def open(cls, path: str | Path) -> SqliteDatabase:
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
            applied = await apply_migrations(database)
            if applied:
                log.info("database %s: applied migrations %s", path, applied)
            return database
        except BaseException as exc:  # a bad file, or a stop during start-up (cancelled)
            for conn in (reader, writer):
                if conn is not None:
                    await asyncio.shield(conn.close())  # its thread would otherwise keep the process alive
            if isinstance(exc, sqlite3.DatabaseError):
                raise DatabaseError(f"DATABASE_PATH {path}: {_explain(exc)}") from None
            raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction, alone: commits at the end of the block, rolls back if it raises."""
        task = self._owners.enter()
        try:
            async with self._lock:
                try:
                    await self._writer.execute_fetchall("BEGIN IMMEDIATE")
                    yield SqliteTransaction(self._writer, self.statements)
                except BaseException:
                    await asyncio.shield(self._writer.rollback())
                    raise
                await self._writer.commit()
        finally:
            self._owners.leave(task)

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """One process serves a SQLite file, so a lock in this process is enough."""
        async with self._exclusive.setdefault(name, asyncio.Lock()):
            yield

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of a query on the committed state, never waiting for a writer."""
        self.statements.count += 1
        return list(await self._reader.execute_fetchall(sql, params))

    async def close(self) -> None:
        """Close both connections. A write still under way gets ``CLOSE_WAIT_S`` to finish; after that its
        connection is closed anyway (SQLite rolls the transaction back), so a stop never hangs on it."""
        await self._reader.close()
        try:
            async with asyncio.timeout(CLOSE_WAIT_S):
                await self._lock.acquire()
        except TimeoutError:
            log.warning("closing the database with a write still under way after %.0f s: it is rolled back",
                        CLOSE_WAIT_S)  # fmt: skip
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
