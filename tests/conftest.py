"""Shared fixtures: a real SQLite file per test, the shipped glossary, and a way to write glossary files."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiosqlite
import pytest

from bot.db import connect
from bot.library import Library
from bot.store import GlossaryStore

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "genai"
SEED = ROOT.parent / "shared" / "seeds" / "000_fb50349292418b06.txt"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    conn = await connect(tmp_path / "bot.sqlite3")
    yield conn
    await conn.close()


@pytest.fixture
async def library(db: aiosqlite.Connection) -> Library:
    lib = Library(GlossaryStore(db), SHIPPED)
    await lib.load()
    return lib


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented YAML file under tmp_path/glossary and return the folder."""
    folder = tmp_path / "glossary"
    folder.mkdir(exist_ok=True)

    def write(name: str, text: str) -> Path:
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return folder

    return write
