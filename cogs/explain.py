"""The message context menu "Explain terms" and /explain: the glossary terms in a text, explained privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits
from bot.explain import message_text
from bot.views import respond

if TYPE_CHECKING:
    from bot.client import GlossaryBot

MENU_NAME = "Explain terms"
Text = app_commands.Range[str, 1, limits.EXPLAIN_OPTION]


class Explain(commands.Cog):
    """Bringing the glossary to what people read."""

    def __init__(self, bot: GlossaryBot) -> None:
        self.bot = bot
        self.replies = bot.services.replies
        # A context menu cannot be declared inside a cog: it is made here and added to the tree on load.
        self.menu = app_commands.ContextMenu(name=MENU_NAME, callback=self.explain_message)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def explain_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        # The message comes with the interaction, content and embeds included: no message-content intent needed.
        text = message_text(message.content, [embed.to_dict() for embed in message.embeds])
        await respond(interaction, self.replies.explain(text, interaction.guild_id), ephemeral=True)

    @app_commands.command(name="explain", description="Find the glossary terms in a text and explain them")
    @app_commands.describe(text="The text to read, e.g. a message you pasted (up to 4,000 characters)")
    async def explain(self, interaction: discord.Interaction, text: Text) -> None:
        await respond(interaction, self.replies.explain(text, interaction.guild_id), ephemeral=True)


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(Explain(bot))
