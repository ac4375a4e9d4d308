"""Channels an interaction may come from: a thread, and channels the bot never received (not in its cache)."""

from __future__ import annotations

import discord
import pytest

from tests.emulator import PUBLIC_THREAD, Emulator, Permission
from tests.emulator.harness import DefaultWorld
from tests.emulator_tests.tinybot import TinyBot


async def test_interaction_from_inside_a_thread(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    thread = emulator.add_thread(w.general, "genai questions", owner=w.alice)
    await emulator.wait_for("dispatch", lambda e: e["event"] == "THREAD_CREATE" and e["data"]["id"] == str(thread.id))
    await emulator.settle()
    cached = bot.get_channel(thread.id)
    assert isinstance(cached, discord.Thread) and cached.parent_id == w.general.id and cached.owner_id == w.alice.id
    ix = emulator.slash(w.guild, w.alice, "where", channel=thread)
    assert ix.payload["channel"]["type"] == PUBLIC_THREAD and ix.payload["channel_id"] == str(thread.id)
    assert ix.payload["channel"]["parent_id"] == str(w.general.id)
    assert (await ix.response()).content == f"Thread {thread.id} parent={w.general.id} cached=True"
    answer = await emulator.slash(w.guild, w.alice, "define", {"term": "rag"}, channel=thread).message()
    assert answer.channel_id == thread.id and emulator.channel_messages(thread) == [answer]
    assert emulator.channel_messages(w.general) == []
    # A thread takes its permissions from its parent, and posting in it needs SEND_MESSAGES_IN_THREADS.
    emulator.deny_bot(w.general, Permission.SEND_MESSAGES)
    assert (await cached.send("still allowed in the thread")).channel.id == thread.id
    emulator.deny_bot(w.general, Permission.SEND_MESSAGES_IN_THREADS)
    with pytest.raises(discord.Forbidden) as info:
        await cached.send("not any more")
    assert info.value.code == 50013
    emulator.delete_channel(thread)
    await emulator.wait_for("dispatch", lambda e: e["event"] == "THREAD_DELETE")
    await emulator.settle()
    assert bot.get_channel(thread.id) is None


async def test_interaction_from_channels_the_bot_never_received(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    w = default_world
    lab = emulator.add_channel(w.guild, "secret-lab", announce=False)
    quiet = emulator.add_thread(w.general, "quiet thread", announce=False)
    await emulator.settle()
    assert bot.get_channel(lab.id) is None and bot.get_channel(quiet.id) is None
    # discord.py builds the channel from the interaction's own channel payload.
    here = await emulator.slash(w.guild, w.alice, "where", channel=lab).response()
    assert here.content == f"TextChannel {lab.id} parent=None cached=False"
    there = await emulator.slash(w.guild, w.alice, "where", channel=quiet).response()
    assert there.content == f"Thread {quiet.id} parent={w.general.id} cached=False"
    answer = await emulator.slash(w.guild, w.alice, "define", {"term": "llm"}, channel=lab).message()
    assert answer.channel_id == lab.id and answer.embed["title"] == "llm"  # type: ignore[index]
    # A new session's GUILD_CREATE lists both, and then the bot has them.
    mark = emulator.mark()
    assert emulator.invalidate_session(resumable=False) == 1
    created = await emulator.wait_for("dispatch", lambda e: e["event"] == "GUILD_CREATE", since=mark)
    assert [t["id"] for t in created["data"]["threads"]] == [str(quiet.id)]
    await emulator.settle()
    assert isinstance(bot.get_channel(lab.id), discord.TextChannel)
    assert isinstance(bot.get_channel(quiet.id), discord.Thread)
