"""End-to-end fixtures: the real GlossaryBot, on a real SQLite file, talking to the local Discord emulator."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.client import GlossaryBot
from bot.services import Services
from tests.clock import ManualClock
from tests.conftest import SHIPPED
from tests.emulator import Emulator
from tests.emulator.harness import default_world, emulator, run_client

__all__ = ["default_world", "emulator"]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
def clock() -> ManualClock:
    """The bot's clock (the emulator keeps real time, so its 3 s deadline still measures the bot)."""
    return ManualClock(datetime(2026, 11, 28, 8, 58, tzinfo=UTC))


class ErrorLog(logging.Handler):
    """Collects ERROR records from our code and discord.py: a bot that logs an error has failed the test."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.asynccontextmanager
async def running_bot(
    emu: Emulator, db_path: Path, *, clock: ManualClock | None = None, glossary: Path = SHIPPED
) -> AsyncIterator[GlossaryBot]:
    """Open the database, load the glossary and run the bot until the block ends (a full start and stop).

    Errors the bot logs fail the test unless the test took them out of ``bot.error_log.records``.
    """
    errors = ErrorLog()
    loggers = [logging.getLogger(name) for name in ("bot", "cogs", "discord")]
    for logger in loggers:
        logger.addHandler(errors)
    services = await Services.open(db_path, glossary, clock or ManualClock(datetime.now(UTC)))
    try:
        bot = GlossaryBot(services)
        bot.error_log = errors  # type: ignore[attr-defined]
        async with run_client(emu, bot):
            yield bot
    finally:
        await services.close()
        for logger in loggers:
            logger.removeHandler(errors)
    assert not errors.records, [f"{r.name}: {r.getMessage()}" for r in errors.records]


@pytest.fixture
async def bot(emulator: Emulator, default_world, db_path: Path, clock: ManualClock) -> AsyncIterator[GlossaryBot]:
    async with running_bot(emulator, db_path, clock=clock) as running:
        yield running
