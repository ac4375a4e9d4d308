"""Fixtures for the emulator's own tests: the shared emulator fixtures plus a running TinyBot."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

# `tests.emulator` must import however pytest is launched (plain `pytest` does not put the repo
# root on sys.path; `python -m pytest` does).
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.emulator import Emulator  # noqa: E402
from tests.emulator.harness import default_world, emulator, run_client  # noqa: E402
from tests.emulator_tests.tinybot import TinyBot  # noqa: E402

__all__ = ["bot", "default_world", "emulator"]


@pytest_asyncio.fixture
async def bot(emulator: Emulator) -> AsyncIterator[TinyBot]:
    """TinyBot logged in to the emulator and ready (commands synced, guild cached)."""
    client = TinyBot()
    async with run_client(emulator, client):
        yield client
