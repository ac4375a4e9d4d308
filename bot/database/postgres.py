"""PostgreSQL through asyncpg: a bounded connection pool, retried connections, advisory locks, LISTEN/NOTIFY.

Several bot processes share one PostgreSQL database. Transactions run concurrently (PostgreSQL isolates
them); work that must be done by one process at a time takes an advisory lock (:meth:`exclusive`), and a
process tells the others what changed with NOTIFY, delivered when its transaction commits. A connection lost
to a restart or a network blip is retried briefly; past that, reads raise :class:`DatabaseUnavailable` so
callers can answer from memory.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.database.base import (
    POSTGRES,
    Database,
    DatabaseError,
    DatabaseUnavailable,
    OwnerCheck,
    Row,
    StatementCounter,
    Transaction,
)
from bot.database.migrations import apply_migrations

log = logging.getLogger(__name__)

CLOSE_WAIT_S = 5.0  # a statement still under way when the bot stops gets this long to finish
POOL_MIN, POOL_MAX = 2, 10  # enough for a process's concurrent reads; PostgreSQL's default allows 100 in all
RETRIES = (0.1, 0.3, 1.0)  # seconds between attempts after a lost connection
COMMAND_TIMEOUT = 30.0
CONNECTION_ERRORS = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # "connection is closed", "pool is closing"
    asyncpg.InternalClientError,  # a pooled connection the server terminated, noticed mid-statement
    asyncpg.exceptions.ObjectNotInPrerequisiteStateError,  # "database is not currently accepting connections"
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    ConnectionError,
    OSError,
)
_MARK = re.compile(r"\?")


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1``, ``$2`` … (the SQL is the bot's own: no ``?`` in literals)."""
    counter = iter(range(1, 10_000))
    return _MARK.sub(lambda _: f"${next(counter)}", sql)


def _rowcount(status: str) -> int:
    """The row count at the end of asyncpg's status string ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresTransaction(Transaction):
    """Statements on one pooled connection inside its transaction."""

    dialect = POSTGRES

    def __init__(self, conn: asyncpg.Connection, counter: StatementCounter) -> None:
        self._conn = conn
        self._counter = counter

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._counter.count += 1
        return _rowcount(await self._conn.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = rows if isinstance(rows, list) else list(rows)
        if rows:
            self._counter.count += 1
            await self._conn.executemany(numbered(sql), rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._counter.count += 1
        return list(await self._conn.fetch(numbered(sql), *params))

    async def copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._counter.count += 1
            await self._conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def notify(self, channel: str, payload: str) -> None:
        await self.execute("SELECT pg_notify(?, ?)", (channel, payload))


class PostgresDatabase(Database):
    """A pool of connections to one PostgreSQL database, shared by every process of the bot."""

    dialect = POSTGRES

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url
        self._owners = OwnerCheck()
        self._listeners: list[tuple[str, Callable[[str], Awaitable[None]]]] = []
        self._listener: asyncpg.Connection | None = None
        self._listener_task: asyncio.Task[None] | None = None
        self._callbacks: set[asyncio.Task[None]] = set()
        self.statements = StatementCounter()

    @classmethod
    async def open(cls, url: str) -> PostgresDatabase:
        """Connect, and bring the schema up to date (one process at a time). Raises :class:`DatabaseError`."""
        try:
            pool = await asyncpg.create_pool(url, min_size=POOL_MIN, max_size=POOL_MAX, command_timeout=COMMAND_TIMEOUT)
        except (*CONNECTION_ERRORS, asyncpg.PostgresError) as exc:
            raise DatabaseError(f"DATABASE_URL: cannot connect to PostgreSQL ({_reason(exc)})") from None
        database = cls(pool, url)
        try:
            applied = await apply_migrations(database)
        except BaseException:
            await pool.close()
            raise
        if applied:
            log.info("database: applied migrations %s", applied)
        return database

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of a query on the committed state; a lost connection is retried, then DatabaseUnavailable."""
        self.statements.count += 1
        query = numbered(sql)
        for delay in (*RETRIES, None):
            try:
                async with self._pool.acquire() as conn:
                    return list(await conn.fetch(query, *params))
            except CONNECTION_ERRORS as exc:
                if delay is None:
                    raise DatabaseUnavailable(f"PostgreSQL is not answering ({_reason(exc)})") from exc
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; getting one is retried like a read."""
        for delay in (*RETRIES, None):
            try:
                conn = await self._pool.acquire()
                break
            except CONNECTION_ERRORS as exc:
                if delay is None:
                    raise DatabaseUnavailable(f"PostgreSQL is not answering ({_reason(exc)})") from exc
                await asyncio.sleep(delay)
        try:
            yield conn
        finally:
            await self._pool.release(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One transaction on one connection: commits at the end of the block, rolls back if it raises."""
        task = self._owners.enter()
        try:
            async with self._connection() as conn, conn.transaction():
                yield PostgresTransaction(conn, self.statements)
        except CONNECTION_ERRORS as exc:
            raise DatabaseUnavailable(f"PostgreSQL connection lost during a transaction ({_reason(exc)})") from exc
        finally:
            self._owners.leave(task)

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """An advisory lock named ``name``, held on its own connection for the length of the block."""
        key = zlib.crc32(name.encode())
        async with self._connection() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", key)
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", key)

    async def listen(self, channel: str, callback: Callable[[str], Awaitable[None]]) -> None:
        """Notifications on ``channel``, on a connection of their own that is re-made if it is lost."""
        self._listeners.append((channel, callback))
        if self._listener_task is None:
            ready = asyncio.Event()
            self._listener_task = asyncio.create_task(self._keep_listening(ready), name="postgres-listen")
            await ready.wait()
        else:
            await self._subscribe(channel, callback)

    async def _keep_listening(self, ready: asyncio.Event) -> None:
        again = False
        while True:
            lost = asyncio.Event()
            try:
                self._listener = await asyncpg.connect(self._url)
                self._listener.add_termination_listener(lambda _conn, lost=lost: lost.set())
                for channel, callback in self._listeners:
                    await self._subscribe(channel, callback)
                    if again:  # notifications sent while we were away are lost: "" asks to catch up
                        await callback("")
                ready.set()
                again = True
                await lost.wait()
                log.warning("lost the PostgreSQL notification connection; reconnecting")
            except CONNECTION_ERRORS as exc:
                ready.set()  # the caller must not wait for a database that is away; notifications resume later
                log.warning("cannot listen for PostgreSQL notifications yet (%s); retrying", _reason(exc))
            await asyncio.sleep(RETRIES[-1])

    async def _subscribe(self, channel: str, callback: Callable[[str], Awaitable[None]]) -> None:
        def deliver(_conn: object, _pid: int, _channel: str, payload: str) -> None:
            task = asyncio.create_task(callback(payload), name=f"notification-{channel}")
            self._callbacks.add(task)
            task.add_done_callback(self._callbacks.discard)

        if self._listener is not None:
            await self._listener.add_listener(channel, deliver)

    async def close(self) -> None:
        if self._listener_task is not None:
            self._listener_task.cancel()
            await asyncio.gather(self._listener_task, *self._callbacks, return_exceptions=True)
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()
        try:
            # The pool waits for every connection to come back; one held by a stuck statement must not hang a stop.
            await asyncio.wait_for(self._pool.close(), CLOSE_WAIT_S)
        except TimeoutError:
            log.warning("closing the database with a statement still under way after %.0f s: cut off", CLOSE_WAIT_S)
            self._pool.terminate()


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
