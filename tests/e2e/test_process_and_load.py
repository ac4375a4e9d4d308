"""The real `python -m bot` process against the emulator, and a small load test through the in-process bot."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.client import GlossaryBot
from tests.e2e.processes import emulator_settings, finished, start_bot
from tests.emulator import Emulator
from tests.emulator.harness import DefaultWorld


async def test_python_m_bot_serves_define_as_a_real_process(
    emulator: Emulator, default_world: DefaultWorld, tmp_path: Path
) -> None:
    process = await start_bot(tmp_path, LOG_LEVEL="DEBUG", **emulator_settings(emulator, tmp_path))
    reply = None
    try:
        await emulator.wait_for("commands_sync", timeout=30)
        await emulator.wait_for("dispatch", lambda e: e["event"] == "GUILD_CREATE", timeout=30)
        ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "genai"})
        reply = await ix.response()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        log = await finished(process, tmp_path)
        assert reply is not None, log[-3000:]  # the bot's own log says why it did not answer
    assert reply.embed is not None and reply.embed["title"] == "Generative AI"
    assert process.returncode == 0, log[-2000:]  # SIGTERM closes the bot cleanly
    assert "glossary 'Generative AI Glossary' loaded" in log
    assert emulator.token not in log  # the token is never logged, even at DEBUG


async def test_python_m_bot_sync_registers_commands_globally(
    emulator: Emulator, default_world: DefaultWorld, tmp_path: Path
) -> None:
    process = await start_bot(tmp_path, "sync", **emulator_settings(emulator, tmp_path))
    log = await finished(process, tmp_path)
    assert process.returncode == 0, log[-2000:]
    synced = await emulator.wait_for("commands_sync")
    assert synced["scope"] is None  # global, not a guild
    assert {"define", "search", "random", "termofday", "glossary"} <= set(synced["names"])


async def test_no_token_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    process = await start_bot(tmp_path, DISCORD_TOKEN="")
    log = await finished(process, tmp_path)
    assert process.returncode == 2
    lines = log.strip().splitlines()
    assert lines == ["error: DISCORD_TOKEN is not set: put your bot token in .env (see .env.example)."]


async def test_500_defines_50_at_a_time_all_answered_once_in_time(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    index = bot.services.library.index
    names = [index.names[tid] for tid in index.order]
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> str:
        async with gate:
            reply = await emulator.slash(w.guild, w.alice, "define", {"term": names[i % len(names)]}).response()
            return reply.embed["title"] if reply.embed else ""

    titles = await asyncio.gather(*(one(i) for i in range(500)))
    assert titles == [names[i % len(names)] for i in range(500)]
    accepted = emulator.events.select("callback", lambda e: e["accepted"])
    assert len(accepted) == 500
    assert max(e["elapsed"] for e in accepted) < emulator.interaction_timeout
    emulator.assert_no_violations()  # none answered twice, none late
