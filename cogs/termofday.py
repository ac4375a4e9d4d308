"""/termofday: set up, stop and show the daily term-of-the-day post (the scheduler runs in the bot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits
from bot.checks import bot_can_post_in
from bot.views import respond

if TYPE_CHECKING:
    from bot.client import GlossaryBot

Time = app_commands.Range[str, 1, limits.TIME_OPTION]
Zone = app_commands.Range[str, 1, limits.ZONE_OPTION]


@app_commands.guild_only()
class TermOfDayCog(commands.GroupCog, group_name="termofday", group_description="The daily term of the day"):
    """Adapter between the /termofday commands and ``bot.tod``."""

    def __init__(self, bot: GlossaryBot) -> None:
        self.bot = bot
        self.tod = bot.services.tod_replies
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:  # guild-only is Discord's to enforce; this covers a client that does not
            raise app_commands.NoPrivateMessage()
        return True

    @app_commands.command(name="setup", description="Post a term of the day in a channel (Manage Server)")
    @app_commands.describe(
        channel="Where to post (a text or announcement channel)",
        time="Local time of day, HH:MM (24-hour), default 09:00",
        timezone="IANA timezone such as Europe/Berlin or America/New_York, default UTC",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    @bot_can_post_in("channel")
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: Time = "09:00",
        timezone: Zone = "UTC",
    ) -> None:
        assert interaction.guild_id is not None
        await respond(interaction, self.tod.setup(interaction.guild_id, channel.id, time, timezone), ephemeral=True)

    @setup.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in self.tod.zones(current)]

    @app_commands.command(name="stop", description="Stop the daily posts (Manage Server); history is kept")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def stop(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await respond(interaction, self.tod.stop(interaction.guild_id), ephemeral=True)

    @app_commands.command(name="today", description="Today's term of the day in this server")
    async def today(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        manager = interaction.permissions.manage_guild
        await respond(interaction, self.tod.today(interaction.guild_id, manager=manager), ephemeral=True)


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(TermOfDayCog(bot))
