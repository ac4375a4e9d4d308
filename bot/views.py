"""Turning a ``Reply`` into Discord messages, and the persistent term buttons.

Buttons are ``DynamicItem``s whose custom_id (``gb:t:<term id>``) carries everything needed to answer a click,
so they keep working on messages sent before a restart, with no view state stored anywhere.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.cards import BUTTON_PREFIX
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.client import GlossaryBot

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()


class TermButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.escape(BUTTON_PREFIX) + r"(?P<id>[0-9]{1,19})"
):
    """A button that opens a term's card: in place on an ephemeral message, privately on a public one."""

    def __init__(self, term_id: int, label: str = "?", style: discord.ButtonStyle = discord.ButtonStyle.secondary):
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"{BUTTON_PREFIX}{term_id}"))
        self.term_id = term_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> TermButton:
        return cls(int(match["id"]), item.label or "?", item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: GlossaryBot = interaction.client  # type: ignore[assignment]
        try:
            message = interaction.message
            in_place = message is not None and message.flags.ephemeral
            reply = await bot.replies.open(self.term_id, ephemeral=True)
            if in_place and reply.embed is not None:
                await edit(interaction, reply)
            else:
                await send(interaction, reply)
        except Exception as error:  # one error path for buttons too
            await bot.report_error(interaction, error)


def make_view(reply: Reply) -> discord.ui.View | None:
    """A view with one button per (custom_id, label), five to a row; None when there are no buttons."""
    if not reply.buttons:
        return None
    view = discord.ui.View(timeout=None)
    style = discord.ButtonStyle.primary if reply.primary_buttons else discord.ButtonStyle.secondary
    for custom_id, label in reply.buttons[:25]:
        term_id = int(custom_id.removeprefix(BUTTON_PREFIX))
        view.add_item(TermButton(term_id, label, style))
    return view


def make_embeds(reply: Reply) -> list[discord.Embed]:
    """Every embed of ``reply``: the main one first, then the extras."""
    main = [] if reply.embed is None else [reply.embed]
    return [discord.Embed.from_dict(e) for e in (*main, *reply.extra_embeds)]


def payload(reply: Reply) -> dict[str, Any]:
    """The exact JSON Discord receives for ``reply`` (for ``python -m bot card --json`` and tests)."""
    view = make_view(reply)
    body: dict[str, Any] = {"content": reply.content or None, "allowed_mentions": NO_PINGS.to_dict()}
    body["embeds"] = [embed.to_dict() for embed in make_embeds(reply)]
    body["components"] = view.to_components() if view else []
    if reply.ephemeral:
        body["flags"] = discord.MessageFlags(ephemeral=True).value
    return body


def message_kwargs(reply: Reply) -> dict[str, Any]:
    """discord.py ``send`` arguments for ``reply`` (content, embeds, view), never pinging anyone."""
    kwargs: dict[str, Any] = {
        "content": reply.content or None,
        "allowed_mentions": NO_PINGS,
        "embeds": make_embeds(reply),
    }
    view = make_view(reply)
    if view is not None:
        kwargs["view"] = view
    return kwargs


async def send(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer ``interaction`` with ``reply``: the first response, or a followup if it was already answered."""
    kwargs = message_kwargs(reply) | {"ephemeral": reply.ephemeral}
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def edit(interaction: discord.Interaction, reply: Reply) -> None:
    """Replace the message the component was on with ``reply`` (used to browse inside an ephemeral card)."""
    view = make_view(reply)
    await interaction.response.edit_message(
        content=reply.content or None,
        embeds=make_embeds(reply),
        view=view,
        allowed_mentions=NO_PINGS,
    )
