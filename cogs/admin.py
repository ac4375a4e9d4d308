"""/glossary: reload the glossary (bot owner), see what people looked for and did not find (Manage Server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import owner_only
from bot.views import respond

if TYPE_CHECKING:
    from bot.client import GlossaryBot


@app_commands.default_permissions(manage_guild=True)
class GlossaryAdmin(commands.GroupCog, group_name="glossary", group_description="Manage the glossary"):
    """Commands for the people who run the bot and the server."""

    def __init__(self, bot: GlossaryBot) -> None:
        self.bot = bot
        self.replies = bot.services.replies
        super().__init__()

    @app_commands.command(name="reload", description="Reload the glossary files (bot owner only)")
    @owner_only("reload the glossary")
    async def reload(self, interaction: discord.Interaction) -> None:
        await respond(interaction, self.replies.reload(), ephemeral=True)

    @app_commands.command(name="misses", description="Terms people looked for here and did not find")
    @app_commands.guild_only()
    @app_commands.checks.has_permissions(manage_guild=True)
    async def misses(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None  # guild_only
        await respond(interaction, self.replies.top_misses(interaction.guild_id), ephemeral=True)


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(GlossaryAdmin(bot))
