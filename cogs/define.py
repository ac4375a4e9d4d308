"""/define, /search and /random, and the persistent term buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits
from bot.views import ServerTermButton, TermButton, respond

if TYPE_CHECKING:
    from bot.client import GlossaryBot

Term = app_commands.Range[str, 1, limits.TERM_OPTION]
Query = app_commands.Range[str, 1, limits.QUERY_OPTION]


class Define(commands.Cog):
    """Looking terms up."""

    def __init__(self, bot: GlossaryBot) -> None:
        self.bot = bot
        self.replies = bot.services.replies

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(TermButton, ServerTermButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(TermButton, ServerTermButton)

    @app_commands.command(name="define", description="Show the definition card of a term")
    @app_commands.describe(
        term="The term, an alias or an acronym (e.g. genai, LLM, RAG)",
        private="Only you see the card (default: everyone in the channel)",
    )
    async def define(self, interaction: discord.Interaction, term: Term, private: bool = False) -> None:
        work = self.replies.define(term, private=private, guild_id=interaction.guild_id)
        await respond(interaction, work, ephemeral=private)

    @define.autocomplete("term")
    async def define_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices = await self.replies.autocomplete(current, interaction.guild_id)
        return [app_commands.Choice(name=c.label, value=c.value) for c in choices]

    @app_commands.command(name="search", description="Search names, aliases and definitions")
    @app_commands.describe(query="Words to look for, e.g. 'images from text' or 'reward'")
    async def search(self, interaction: discord.Interaction, query: Query) -> None:
        await respond(interaction, self.replies.search(query, interaction.guild_id), ephemeral=True)

    @app_commands.command(name="random", description="Show a random term's card")
    async def random(self, interaction: discord.Interaction) -> None:
        await respond(interaction, self.replies.random(interaction.guild_id), ephemeral=False)


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(Define(bot))
