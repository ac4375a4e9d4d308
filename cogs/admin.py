"""/glossary: reload the glossary (bot owner), see what people looked for and did not find (Manage Server),
and build the server's own terms (Manage Server or the server's editor role).

The group has no default member permissions: the editor role must be able to see add/edit/remove, and
Discord cannot show part of a group to some members only. Every command checks who may run it instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits, server_rules
from bot.checks import owner_only, server_editor
from bot.replies import Reply, notice
from bot.server_replies import Prefill
from bot.server_rules import Form
from bot.server_views import DYNAMIC_ITEMS, actor_of, answer_modal, open_modal
from bot.views import respond, send

if TYPE_CHECKING:
    from bot.client import GlossaryBot

Term = app_commands.Range[str, 1, limits.TERM_OPTION]
Related = app_commands.Range[str, 0, limits.RELATED_OPTION]
Question = app_commands.Range[str, 1, server_rules.QUESTION]
Answer = app_commands.Range[str, 0, server_rules.ANSWER]


class GlossaryAdmin(commands.GroupCog, group_name="glossary", group_description="Manage the glossary"):
    """Commands for the people who run the bot and the server."""

    def __init__(self, bot: GlossaryBot) -> None:
        self.bot = bot
        self.replies = bot.services.replies
        self.server = bot.services.server_replies
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await answer_modal(interaction)  # the add/edit modal's submissions, before or after a restart

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

    # -- the server's own terms ------------------------------------------------------------------------------
    @app_commands.command(name="add", description="Add a term of this server's own")
    @app_commands.guild_only()
    @server_editor()
    async def add(self, interaction: discord.Interaction) -> None:
        await open_modal(interaction, Prefill(0, Form()))

    @app_commands.command(name="edit", description="Edit one of this server's own terms")
    @app_commands.describe(term="The server term to edit")
    @app_commands.guild_only()
    @server_editor()
    async def edit(self, interaction: discord.Interaction, term: Term) -> None:
        found = await self.server.prefill(actor_of(interaction), term)
        if isinstance(found, Prefill):
            await open_modal(interaction, found)
        else:
            await send(interaction, found)

    @app_commands.command(name="remove", description="Remove one of this server's own terms")
    @app_commands.describe(term="The server term to remove (you confirm with a button)")
    @app_commands.guild_only()
    @server_editor()
    async def remove(self, interaction: discord.Interaction, term: Term) -> None:
        await respond(interaction, self.server.ask_remove(actor_of(interaction), term), ephemeral=True)

    @app_commands.command(name="link", description="Set the related terms of one of this server's terms")
    @app_commands.describe(term="The server term", related="Names of related terms, comma-separated (empty: none)")
    @app_commands.guild_only()
    @server_editor()
    async def link(self, interaction: discord.Interaction, term: Term, related: Related = "") -> None:
        await respond(interaction, self.server.link(actor_of(interaction), term, related), ephemeral=True)

    @app_commands.command(name="faq", description="Add, change or remove a question on one of this server's terms")
    @app_commands.describe(term="The server term", question="The question", answer="The answer (empty: remove it)")
    @app_commands.guild_only()
    @server_editor()
    async def faq(self, interaction: discord.Interaction, term: Term, question: Question, answer: Answer = "") -> None:
        work = self.server.faq(actor_of(interaction), term, question, answer)
        await respond(interaction, work, ephemeral=True)

    @edit.autocomplete("term")
    @remove.autocomplete("term")
    @link.autocomplete("term")
    @faq.autocomplete("term")
    async def own_term_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices = await self.server.own_choices(interaction.guild_id, current)
        return [app_commands.Choice(name=c.label, value=c.value) for c in choices]

    @app_commands.command(name="editors", description="Choose the role whose members may edit this server's terms")
    @app_commands.describe(role="The editor role (leave empty to clear it)")
    @app_commands.guild_only()
    @app_commands.checks.has_permissions(manage_guild=True)
    async def editors(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        work = self.server.editors(actor_of(interaction), role.id if role else None)
        await respond(interaction, work, ephemeral=True)

    @app_commands.command(name="history", description="Who changed this server's terms, and when (last 25)")
    @app_commands.guild_only()
    @server_editor()
    async def history(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None  # guild_only
        await respond(interaction, self.server.history(interaction.guild_id), ephemeral=True)

    @app_commands.command(name="export", description="This server's terms as a glossary YAML file")
    @app_commands.guild_only()
    @server_editor()
    async def export(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None  # guild_only
        await respond(interaction, self.server.export(interaction.guild_id), ephemeral=True)

    @app_commands.command(name="import", description="Replace this server's terms with a glossary YAML file")
    @app_commands.describe(file="A glossary YAML file, e.g. one /glossary export made and you edited")
    @app_commands.guild_only()
    @server_editor()
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        await respond(interaction, self._import(interaction, file), ephemeral=True)

    async def _import(self, interaction: discord.Interaction, file: discord.Attachment) -> Reply:
        if file.size > server_rules.IMPORT_BYTES:  # not downloaded at all
            return notice(f"That file is too large: the most is {server_rules.IMPORT_BYTES:,} bytes.")
        return await self.server.import_file(actor_of(interaction), file.filename, await file.read())


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(GlossaryAdmin(bot))
