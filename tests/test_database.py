"""The database owner: opening (and refusing) files, migrations, transactions that never mix, and readers
that never wait for a writer, including another process's."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
import pytest

from bot.database import Database, DatabaseError, open_database
from bot.database.migrations import MIGRATIONS, apply_migrations
from tests.conftest import new_postgres_database


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable even for root (immutable attribute), or by mode for other users."""
    if os.geteuid() != 0:
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(0o755 if path.is_dir() else 0o644)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("running as root on a filesystem without the immutable attribute: cannot make a path unwritable")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_a_new_database_gets_every_migration_and_a_restart_none(db_target: str) -> None:
    db = await open_database(db_target)
    versions = [row[0] for row in await db.fetchall("SELECT version FROM schema_version ORDER BY version")]
    assert versions == [m.version for m in MIGRATIONS]
    await db.close()
    db = await open_database(db_target)
    assert await apply_migrations(db) == []
    await db.close()


async def test_processes_starting_at_once_on_postgresql_migrate_once(postgres_server: object) -> None:
    url = await new_postgres_database(postgres_server)
    databases = await asyncio.gather(*(open_database(url) for _ in range(4)))
    try:
        versions = [row[0] for row in await databases[0].fetchall("SELECT version FROM schema_version")]
        assert sorted(versions) == [m.version for m in MIGRATIONS]  # each step once, whoever ran it
    finally:
        await asyncio.gather(*(db.close() for db in databases))


async def test_an_unreachable_postgresql_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as failed:
        await open_database(f"postgresql://nobody@/glossary?host={tmp_path}&port=1")
    assert str(failed.value).startswith("DATABASE_URL: cannot connect to PostgreSQL") and "\n" not in str(failed.value)


async def test_a_database_from_before_migrations_is_adopted_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:  # the schema as it was released, with a schedule and a miss in it
        old.executescript(
            "\n".join(f"{s};" for s in MIGRATIONS[0].sqlite)
            + """
            CREATE TABLE terms (id INTEGER PRIMARY KEY, name TEXT);
            INSERT INTO term_keys (norm, name) VALUES ('genai', 'Generative AI');
            INSERT INTO lookup_misses VALUES (1, 'quantumvibes', 'quantum vibes', 3, 0);
            INSERT INTO tod_schedules (guild_id, channel_id, post_time, timezone, created_at, updated_at)
                VALUES (7, 8, '09:00', 'UTC', 0, 0);
            INSERT INTO tod_posts VALUES (7, '2026-01-01', 1, 8, 0, 'sent', 99, 'n', 1, 0, 0, 0);
            """
        )
    db = await open_database(path)
    assert (await db.fetchone("SELECT id FROM term_keys WHERE norm = 'genai'"))[0] == 1  # button ids survive
    assert (await db.fetchone("SELECT count FROM lookup_misses"))[0] == 3
    assert (await db.fetchone("SELECT message_id, outcome FROM tod_posts"))[:] == (99, None)
    assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'terms'") is None
    await db.close()


@pytest.mark.parametrize("kind", ["directory", "under a file", "not a database", "unwritable folder", "read-only"])
async def test_an_unusable_path_is_one_clear_error_naming_it(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "bot.sqlite3"
    if kind == "directory":
        path.mkdir()
    elif kind == "under a file":
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "bot.sqlite3"
    elif kind == "not a database":
        path.write_bytes(b"this is no database, just some bytes " * 100)
    folder = tmp_path if kind in ("unwritable folder", "read-only") else None
    if kind == "read-only":
        with sqlite3.connect(path) as existing:  # a database that is there, in a folder nobody may write
            existing.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    if folder is not None:
        with unwritable(folder), pytest.raises(DatabaseError) as failed:
            await open_database(path)
    else:
        with pytest.raises(DatabaseError) as failed:
            await open_database(path)
    message = str(failed.value)
    assert message.startswith(f"DATABASE_PATH {path}") and "\n" not in message
    assert await connection_threads_left() == 0  # nothing left running that would keep the process alive


def connection_threads() -> int:
    """aiosqlite's connection threads (not daemons: one left running keeps the process from exiting)."""
    return sum(1 for t in threading.enumerate() if "_connection_worker_thread" in t.name and t.is_alive())


async def connection_threads_left() -> int:
    """The connection threads still running once every closed one has finished exiting (a closed connection's
    thread ends just after the close returns; one that was never closed never ends, and is counted)."""
    for thread in [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]:
        await asyncio.to_thread(thread.join, 30)
    return connection_threads()


async def test_an_open_cancelled_by_a_stop_leaves_no_connection_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop during start-up cancels the open midway (here: in the migrations, with both connections made)."""
    from bot.database import sqlite as sqlite_module

    migrating, never = asyncio.Event(), asyncio.Event()

    async def stuck(database: Database) -> list[int]:
        migrating.set()
        await never.wait()
        return []

    monkeypatch.setattr(sqlite_module, "apply_migrations", stuck)
    opening = asyncio.ensure_future(open_database(tmp_path / "bot.sqlite3"))
    await migrating.wait()
    assert connection_threads() == 2
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    assert await connection_threads_left() == 0  # nothing left running that would keep the process alive


async def test_transactions_never_mix_and_a_failed_one_leaves_nothing(db: Database) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    seen_by_second: list[str] = []

    async def first() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO meta VALUES ('a', '1')")
            entered.set()
            await release.wait()

    async def second() -> None:
        await entered.wait()
        async with db.transaction() as tx:  # its own transaction: never the first's, never its uncommitted rows
            seen_by_second.extend(row[0] for row in await tx.fetchall("SELECT key FROM meta WHERE key IN ('a', 'b')"))
            await tx.execute("INSERT INTO meta VALUES ('b', '2')")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await entered.wait()
    assert await db.fetchone("SELECT value FROM meta WHERE key = 'a'") is None  # readers see committed state
    release.set()
    await asyncio.gather(*tasks)
    assert seen_by_second in ([], ["a"])  # SQLite runs it after the first commits; PostgreSQL alongside it

    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO meta VALUES ('c', '3')")
            raise RuntimeError("boom")
    assert [r[0] for r in await db.fetchall("SELECT key FROM meta ORDER BY key")] == ["a", "b"]
    with pytest.raises(RuntimeError, match="already open"):
        async with db.transaction(), db.transaction():
            pass


async def test_readers_never_wait_for_another_process_holding_the_write_lock(db: Database, db_target: str) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO meta VALUES ('k', 'v')")
    async with another_writer(db, db_target):
        # Answered while the other writer still holds its lock (it is only released when the block ends).
        assert (await db.fetchone("SELECT value FROM meta WHERE key = 'k'"))[0] == "v"
        assert await db.fetchone("SELECT value FROM meta WHERE key = 'other'") is None
    assert (await db.fetchone("SELECT value FROM meta WHERE key = 'other'"))[0] == "x"


@asynccontextmanager
async def another_writer(db: Database, target: str) -> AsyncIterator[None]:
    """Another process mid-write: SQLite's write lock, or PostgreSQL's exclusive lock on the table."""
    if db.dialect == "sqlite":
        other = sqlite3.connect(target, isolation_level=None)  # an operator's command in another process
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO meta VALUES ('other', 'x')")
        try:
            yield
        finally:
            other.execute("COMMIT")
            other.close()
        return
    conn = await asyncpg.connect(target)
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE meta IN EXCLUSIVE MODE")
            await conn.execute("INSERT INTO meta VALUES ('other', 'x')")
            yield
    finally:
        await conn.close()


async def test_a_lost_postgresql_connection_is_retried(postgres_server: object) -> None:
    url = await new_postgres_database(postgres_server)
    db = await open_database(url)
    try:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO meta VALUES ('k', 'v')")
        await terminate_connections(url)  # a restart or a network blip: every pooled connection is gone
        assert (await db.fetchone("SELECT value FROM meta WHERE key = 'k'"))[0] == "v"
        async with db.transaction() as tx:
            assert await tx.execute("UPDATE meta SET value = 'w' WHERE key = 'k'") == 1
    finally:
        await db.close()


async def terminate_connections(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()


async def test_close_never_hangs_on_a_write_that_does_not_finish(
    db_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop must end: a transaction stuck in its body is cut off after a bound and rolled back."""
    from bot.database import postgres, sqlite

    monkeypatch.setattr(sqlite, "CLOSE_WAIT_S", 0.2)
    monkeypatch.setattr(postgres, "CLOSE_WAIT_S", 0.2)
    db = await open_database(db_target)
    inside, never = asyncio.Event(), asyncio.Event()

    async def stuck() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO meta(key, value) VALUES (?, ?)", ("stuck", "1"))
            inside.set()
            await never.wait()

    task = asyncio.create_task(stuck())
    await inside.wait()
    await asyncio.wait_for(db.close(), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    db = await open_database(db_target)
    try:
        assert await db.fetchall("SELECT value FROM meta WHERE key = ?", ("stuck",)) == []
    finally:
        await db.close()
