"""/glossary: operator and admin tools (reload the glossary, see what people looked for and did not find)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import shorten
from bot.client import UserFacingError, require_manage_server
from bot.replies import Reply, quote
from bot.views import send

if TYPE_CHECKING:
    from bot.client import GlossaryBot

MAX_PROBLEMS_SHOWN = 15


def reload_reply(ok: bool, summary: str, problems: list[str]) -> Reply:
    """What /glossary reload answers: the new size, or the problems (file:line) and that nothing changed."""
    if ok:
        return Reply(f"Glossary reloaded: {summary}.", ephemeral=True)
    shown = "\n".join(f"• {shorten(p, 180)}" for p in problems[:MAX_PROBLEMS_SHOWN])
    more = f"\n… and {len(problems) - MAX_PROBLEMS_SHOWN} more." if len(problems) > MAX_PROBLEMS_SHOWN else ""
    text = f"Reload refused; still serving the previous glossary. {len(problems)} problem(s):\n{shown}{more}"
    return Reply(shorten(text, 2000), ephemeral=True)


@app_commands.default_permissions(manage_guild=True)
class GlossaryAdmin(commands.GroupCog, group_name="glossary", group_description="Manage the glossary"):
    """Commands for the people who run the bot and the server."""

    def __init__(self, bot: GlossaryBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="reload", description="Reload the glossary files (bot owner only)")
    async def reload(self, interaction: discord.Interaction) -> None:
        if not await self.bot.is_owner(interaction.user):
            raise UserFacingError("Only the bot's owner can reload the glossary.")
        # Parsing a large glossary can take longer than the 3 s Discord gives the first answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.library.reload()
        await send(interaction, reload_reply(report.ok, report.summary(), [str(p) for p in report.problems]))

    @app_commands.command(name="misses", description="Terms people looked for here and did not find")
    @app_commands.guild_only()
    async def misses(self, interaction: discord.Interaction) -> None:
        require_manage_server(interaction, "to see this")
        assert interaction.guild_id is not None
        rows = await self.bot.library.store.top_misses(interaction.guild_id)
        if not rows:
            await send(interaction, Reply("Nobody here has looked for a missing term yet.", ephemeral=True))
            return
        lines = [f"{count}× {quote(query)}" for query, count in rows]
        await send(interaction, Reply("Looked for and not found:\n" + "\n".join(lines), ephemeral=True))


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(GlossaryAdmin(bot))
