"""Shared fixtures: a real SQLite database per test, the shipped glossary, and a way to write glossary files.

Everything a test reads lives in the repository (the seed page is copied under ``tests/fixtures``).
"""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.database import Database
from bot.library import Library
from bot.misses import MissLog
from bot.replies import Replies

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "genai"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = FIXTURES / "seed-generative-ai.txt"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
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
