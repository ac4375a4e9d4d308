"""Running the real ``python -m bot`` as a child process against the emulator, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import ROOT, SHIPPED
from tests.emulator import Emulator


def start_bot(tmp_path: Path, *args: str, **settings: str) -> asyncio.Future[asyncio.subprocess.Process]:
    """``python -m bot ARGS`` in a clean folder (no stray .env), with ``settings`` as its environment.

    Its log goes to ``tmp_path/stderr.log`` rather than a pipe, which would block the bot once full.
    """
    env = {**os.environ, "DEV_GUILD_ID": "", "PYTHONPATH": str(ROOT), **settings}
    log = (tmp_path / "stderr.log").open("wb")
    return asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, cwd=tmp_path, env=env, stdout=log, stderr=log,
        )
    )  # fmt: skip


async def finished(process: asyncio.subprocess.Process, tmp_path: Path) -> str:
    """Wait for the process to end; its log."""
    await asyncio.wait_for(process.wait(), 30)
    return (tmp_path / "stderr.log").read_text()


def emulator_settings(emulator: Emulator, tmp_path: Path) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": emulator.token,
        "DISCORD_API_BASE": emulator.api_base,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "GLOSSARY_PATH": str(SHIPPED),
    }
