"""The harness with the shape of the real bot (commands.AutoShardedBot + cogs) and its failure surfacing."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.emulator import ClientCrashed, Emulator, ManualClock
from tests.emulator.harness import DefaultWorld, run_client, seed_default_world
from tests.emulator_tests.tinybot import TinyBot


class GlossaryCog(commands.Cog):
    """A cog with an app command, a prefix command and an owner-only command."""

    def __init__(self, bot: commands.AutoShardedBot) -> None:
        self.bot = bot

    @app_commands.command(description="Define a term")
    async def define(self, interaction: discord.Interaction, term: str) -> None:
        await interaction.response.send_message(embed=discord.Embed(title=term, description="from a cog"))

    @commands.command()
    async def ping(self, ctx: commands.Context[Any]) -> None:
        await ctx.reply("pong")

    @commands.command()
    @commands.is_owner()
    async def shutdown(self, ctx: commands.Context[Any]) -> None:
        await ctx.send("bye, owner")


class CogBot(commands.AutoShardedBot):
    """Shaped like Glossary Bot: setup_hook loads cogs and syncs the tree."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        intents.members = True
        super().__init__(command_prefix="!", intents=intents)

    async def setup_hook(self) -> None:
        await self.add_cog(GlossaryCog(self))
        await self.tree.sync()


async def test_auto_sharded_bot_with_cogs(emulator: Emulator, default_world: DefaultWorld) -> None:
    w = default_world
    bot = CogBot()
    async with run_client(emulator, bot):
        assert [c.name for c in emulator.world.commands_for(None)] == ["define"]
        ix = emulator.slash(w.guild, w.alice, "define", {"term": "moe"})
        assert (await ix.message()).embed["description"] == "from a cog"  # type: ignore[index]
        # Members intent: GUILD_CREATE carried every member (and discord.py chunked through op 8).
        guild = bot.get_guild(w.guild.id)
        assert guild is not None and {m.name for m in guild.members} >= {"alice", "admin", "owner"}
        # Prefix commands work from user messages (message content intent on).
        asked = emulator.user_message(w.general, w.alice, "!ping")
        pong = await emulator.wait_for(
            "message_create", lambda e: e["author_id"] == w.bot.id and e["content"] == "pong"
        )
        assert pong["message"].referenced.id == asked.id
        # is_owner comes from the application's owner.
        emulator.user_message(w.general, w.owner, "!shutdown")
        await emulator.wait_for("message_create", lambda e: e["content"] == "bye, owner")
        assert await bot.is_owner(guild.get_member(w.owner.id))  # type: ignore[arg-type]
        assert not await bot.is_owner(guild.get_member(w.admin.id))  # type: ignore[arg-type]


async def test_guild_rest_endpoints(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    guild = await bot.fetch_guild(w.guild.id)
    assert guild.name == "Test Guild" and guild.approximate_member_count == 4
    channels = await guild.fetch_channels()
    assert {c.name: c.type for c in channels} == {
        "general": discord.ChannelType.text,
        "announcements": discord.ChannelType.news,
    }
    roles = await guild.fetch_roles()
    assert {r.name for r in roles} == {"@everyone", "Admin", "Glossary Bot"}
    admin = await guild.fetch_member(w.admin.id)
    assert [r.name for r in admin.roles if r.name != "@everyone"] == ["Admin"]
    with pytest.raises(discord.NotFound):
        await guild.fetch_member(12345)
    assert (await bot.fetch_user(w.alice.id)).name == "alice"


async def test_client_crash_is_reraised(emulator: Emulator, default_world: DefaultWorld) -> None:
    """A dispatch discord.py cannot parse kills bot.start(); run_client re-raises that exception."""
    with pytest.raises(KeyError):
        async with run_client(emulator, TinyBot()):
            emulator.gateway.dispatch("MESSAGE_CREATE", {"id": "1"}, guild_id=default_world.guild.id)
            # Waiting on the emulator fails fast once the client is dead ...
            with pytest.raises(ClientCrashed):
                await emulator.wait_for("never-happens", timeout=10)
    # ... and run_client then re-raises the client's own exception.


async def test_manual_clock_drives_the_deadlines(default_world: DefaultWorld) -> None:
    clock = ManualClock()
    async with Emulator(clock=clock) as emu:
        w = seed_default_world(emu)
        bot = TinyBot()
        async with run_client(emu, bot):
            ix = emu.slash(w.guild, w.alice, "wait", {"name": "on-time"})
            clock.advance(2.9)
            bot.gate("on-time").set()
            assert (await ix.response()).content == "finally on-time"
            late = emu.slash(w.guild, w.alice, "wait", {"name": "late"})
            clock.advance(3.1)
            bot.gate("late").set()
            await emu.wait_for("violation", lambda e: e["interaction_id"] == late.id)
        assert [v.kind for v in emu.violations] == ["late_response"]


async def test_plain_client_uses_the_default_gateway(emulator: Emulator, default_world: DefaultWorld) -> None:
    """A non-sharded Client never calls /gateway/bot; the harness points DEFAULT_GATEWAY at the emulator."""
    client = discord.Client(intents=discord.Intents.default())
    async with run_client(emulator, client):
        assert client.get_guild(default_world.guild.id) is not None
        identify = await emulator.wait_for("identify")
        assert identify["ok"] and identify["shard"] == 0
    assert emulator.requests("GET", "/gateway/bot") == []
    assert emulator.events.select("gateway_connect")[0]["path"] == "/gateway"
    assert discord.http.Route.BASE == "https://discord.com/api/v10"  # restored afterwards
