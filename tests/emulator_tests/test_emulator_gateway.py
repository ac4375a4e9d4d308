"""Gateway resilience through discord.py: resume with replay, invalid sessions, reconnects, zombies."""

from __future__ import annotations

import discord
import pytest

from tests.emulator import ClientCrashed, Emulator
from tests.emulator.harness import DefaultWorld, run_client, seed_default_world
from tests.emulator_tests.tinybot import TinyBot


async def test_resume_replays_events_missed_during_a_drop(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    w = default_world
    identify = await emulator.wait_for("identify")
    mark = emulator.mark()
    async with emulator.gateway_outage():
        assert await emulator.drop_gateway() == 1
        # The session has no connection now: both dispatches are buffered for the resume.
        ix = emulator.slash(w.guild, w.alice, "define", {"term": "llm"})
        said = emulator.user_message(w.general, w.alice, "did you miss me?")
        await emulator.wait_for("gateway_connect", since=mark)  # the client is back, waiting for HELLO
    resume = await emulator.wait_for("resume", since=mark)
    assert resume["ok"] and resume["session_id"] == identify["session_id"]
    assert resume["replayed"] == ["INTERACTION_CREATE", "MESSAGE_CREATE"]
    reply = await ix.response()
    assert reply.embed is not None and reply.embed["title"] == "llm"
    assert emulator.events.select("gateway_connect", since=mark)[0]["path"] == "/resume"  # resume_gateway_url
    assert emulator.events.select("identify", since=mark) == []  # resumed, not re-identified
    await emulator.wait_for("dispatch", lambda e: e["event"] == "RESUMED", since=mark)
    await emulator.settle()  # the client has handled everything replayed
    assert any(m.id == said.id for m in bot.seen_messages)


async def test_invalid_session_makes_the_client_identify_again(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    first = await emulator.wait_for("identify")
    mark = emulator.mark()
    assert emulator.invalidate_session(resumable=False) == 1
    second = await emulator.wait_for("identify", since=mark)
    assert second["ok"] and second["session_id"] != first["session_id"]
    # discord.py goes back to its DEFAULT_GATEWAY after op 9, which the harness points at us.
    assert emulator.events.select("gateway_connect", since=mark)[0]["path"] == "/gateway"
    await emulator.wait_for("dispatch", lambda e: e["event"] == "GUILD_CREATE", since=mark)
    assert emulator.gateway.sessions[first["session_id"]].invalidated
    ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "rag"})
    assert (await ix.response()).embed["title"] == "rag"  # type: ignore[index]


async def test_op7_reconnect_resumes(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    mark = emulator.mark()
    assert emulator.send_reconnect() == 1
    resume = await emulator.wait_for("resume", since=mark)
    assert resume["ok"]
    ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "genai"})
    assert (await ix.response()).type == 4


async def test_resumable_close_code_resumes_and_timed_out_session_reidentifies(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    mark = emulator.mark()
    assert await emulator.close_gateway(4000) == 1
    assert (await emulator.wait_for("resume", since=mark))["ok"]
    await emulator.wait_for("dispatch", lambda e: e["event"] == "RESUMED", since=mark)
    # 4009 (session timed out): discord.py tries to resume, gets op 9, and identifies afresh.
    mark = emulator.mark()
    assert await emulator.close_gateway(4009) == 1
    refused = await emulator.wait_for("resume", since=mark)
    assert not refused["ok"]
    assert (await emulator.wait_for("identify", since=mark))["ok"]


@pytest.mark.parametrize("code", [4007, 4009])
async def test_invalid_seq_and_timed_out_sessions_cannot_be_resumed(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot, code: int
) -> None:
    first = await emulator.wait_for("identify")
    mark = emulator.mark()
    assert await emulator.close_gateway(code) == 1
    assert emulator.gateway.sessions[first["session_id"]].invalidated  # ended with the close, not later
    closed = await emulator.wait_for("gateway_disconnect", since=mark)
    assert closed["code"] == code and closed["by"] == "gateway"
    # discord.py tries to resume (both codes are "reconnect" to it); Discord answers op 9, so it identifies.
    refused = await emulator.wait_for("resume", since=mark)
    assert not refused["ok"] and refused["session_id"] == first["session_id"]
    second = await emulator.wait_for("identify", since=mark)
    assert second["ok"] and second["session_id"] != first["session_id"]
    ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "agent"})
    assert (await ix.response()).embed["title"] == "agent"  # type: ignore[index]


async def test_heartbeat_silence_makes_the_client_reconnect(default_world: DefaultWorld) -> None:
    async with Emulator(heartbeat_interval=0.2) as emu:
        w = seed_default_world(emu)
        bot = TinyBot(heartbeat_timeout=1.0)
        async with run_client(emu, bot):
            await emu.wait_for("heartbeat_ack")
            mark = emu.mark()
            assert emu.silence_heartbeats() == 1
            # A zombied connection delivers nothing: this interaction waits for the resume.
            ix = emu.slash(w.guild, w.alice, "define", {"term": "agent"})
            resume = await emu.wait_for("resume", since=mark)
            assert resume["ok"] and "INTERACTION_CREATE" in resume["replayed"]
            assert (await ix.response()).embed["title"] == "agent"  # type: ignore[index]
            assert emu.events.select("heartbeat_ack", since=mark) != []  # the new connection is ACKed
        emu.assert_no_violations()


async def test_fatal_close_code_ends_the_client(emulator: Emulator, default_world: DefaultWorld) -> None:
    bot = TinyBot()
    with pytest.raises(ClientCrashed) as info:
        async with run_client(emulator, bot):
            await emulator.close_gateway(4004)
            await emulator.wait_for("never-happens", timeout=10)
    cause = info.value.__cause__
    assert isinstance(cause, discord.ConnectionClosed) and cause.code == 4004
