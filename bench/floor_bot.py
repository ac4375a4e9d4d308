"""The least a discord.py bot can cost per ``/define``: the benchmark's reference point for the real bot.

``python -m bench.floor_bot`` is a bot with nothing of Glossary Bot in it: the same discord.py, intents and
caches as ``bot.client.GlossaryBot``, one ``/define`` command that answers every interaction at once with one
fixed card (an embed the size of a typical definition card and :data:`BUTTONS` persistent buttons, the
average a card of the benchmark glossary has). No lookup, no database, no rendering. Its CPU time per
interaction, measured the same way as the real bot's (``bench.throughput``), is what discord.py itself spends
on the gateway event, the interaction, the view and the HTTP answer -- what no change in the bot can save.

It reads ``DISCORD_TOKEN`` and ``DISCORD_API_BASE`` (the emulator's) when started; benchmark use only.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
from typing import Any

import discord
from discord import app_commands

BUTTONS = 4
DESCRIPTION = ("A fixed definition of about the length of the benchmark glossary's, so the card weighs the same. " * 4)[
    :400
]
FIELD = "An example or a reason it matters, as long as one usually is on a definition card of the glossary."
NO_PINGS = discord.AllowedMentions.none()


class FloorButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"floor:(?P<n>[0-9]+)"):
    """A persistent button like the bot's term buttons (never clicked here)."""

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label=f"Related term {n}", custom_id=f"floor:{n}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> FloorButton:
        return cls(int(match["n"]))


def card(term: str) -> tuple[discord.Embed, discord.ui.View]:
    embed = discord.Embed(title=term[:256], description=DESCRIPTION, color=0x5865F2)
    embed.add_field(name="Example", value=FIELD, inline=False)
    embed.add_field(name="Why it matters", value=FIELD, inline=False)
    embed.set_footer(text="Floor Glossary · Category")
    view = discord.ui.View(timeout=None)
    for n in range(BUTTONS):
        view.add_item(FloorButton(n))
    return embed, view


class FloorBot(discord.AutoShardedClient):
    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            intents=intents,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
            chunk_guilds_at_startup=False,
            allowed_mentions=NO_PINGS,
        )
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FloorButton)

        @self.tree.command(name="define", description="Show a fixed card")
        async def define(interaction: discord.Interaction, term: app_commands.Range[str, 1, 100]) -> None:
            embed, view = card(term)
            await interaction.response.send_message(embed=embed, view=view, allowed_mentions=NO_PINGS)

        await self.tree.sync()


async def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    async with FloorBot() as client:
        closing = asyncio.get_running_loop()
        closing.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(client.close()))
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
