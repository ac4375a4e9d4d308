"""The Discord side of server terms: who is asking (:class:`Actor`), the add/edit modal, and the buttons that
reopen a refused form (``gb:sr:<token>``) and confirm a removal (``gb:sx:<term id>``).

Both buttons are ``DynamicItem``s: their custom_id carries what they act on, so they work after a restart
(a kept form does not survive one; the button then says so).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

from bot import limits, server_rules
from bot.replies import Action
from bot.server_replies import Prefill, ServerReplies
from bot.server_rules import Form
from bot.server_terms import Actor
from bot.text import shorten
from bot.views import ACTION_ITEMS, edit, send

REOPEN_PREFIX = "gb:sr:"
REMOVE_PREFIX = "gb:sx:"
MODAL_PREFIX = "gb:sm:"
MODAL_TIMEOUT_S = 30 * 60.0


class Services(Protocol):
    @property
    def server_replies(self) -> ServerReplies: ...


class Host(Protocol):
    """What the server-term views need of the bot they run in (``interaction.client``)."""

    @property
    def services(self) -> Services: ...

    async def admit(self, interaction: discord.Interaction) -> bool: ...

    async def report_error(self, interaction: discord.Interaction, error: Exception) -> None: ...


def host(interaction: discord.Interaction) -> Host:
    return interaction.client  # type: ignore[return-value]


def actor_of(interaction: discord.Interaction) -> Actor:
    """Who is asking, in which server, with the permissions and roles Discord sent along."""
    user = interaction.user
    roles = frozenset(role.id for role in getattr(user, "roles", ()))
    guild = interaction.guild
    return Actor(
        guild_id=interaction.guild_id or 0,
        user_id=user.id,
        manage_guild=interaction.permissions.manage_guild,
        role_ids=roles,
        guild_name=guild.name if guild is not None and guild.name else "",
    )


def _input(key: str, label: str, value: str, limit: int, *, long: bool = False) -> discord.ui.TextInput[Any]:
    """A text box: ``key`` is its custom_id; its value shown pre-filled within its limit (Discord refuses more)."""
    style = discord.TextStyle.paragraph if long else discord.TextStyle.short
    return discord.ui.TextInput(
        label=label,
        custom_id=key,
        style=style,
        default=value[:limit] or None,
        max_length=limit,
        required=key == "term",  # the rest is checked by the rules, so a missing definition keeps the text typed
    )


class TermModal(discord.ui.Modal):
    """Add (term id 0) or edit a server term: five boxes, each with its limit as the box's max length."""

    def __init__(self, prefill: Prefill) -> None:
        form = prefill.form
        title = f"Edit {form.term}" if prefill.term_id else "Add a server term"
        super().__init__(
            title=shorten(title, limits.MODAL_TITLE),
            timeout=MODAL_TIMEOUT_S,
            custom_id=f"{MODAL_PREFIX}{prefill.term_id}",
        )
        self.term_id = prefill.term_id
        self.term = _input("term", "Term", form.term, server_rules.NAME)
        self.aliases = _input("aliases", "Aliases (comma-separated)", form.aliases, server_rules.ALIASES_TEXT)
        self.definition = _input("definition", "Definition", form.definition, server_rules.DEFINITION, long=True)
        self.example = _input("example", "Example", form.example, server_rules.EXAMPLE, long=True)
        self.why = _input("why", "Why it matters", form.why, server_rules.WHY, long=True)
        for item in (self.term, self.aliases, self.definition, self.example, self.why):
            self.add_item(item)

    def form(self) -> Form:
        return Form(self.term.value, self.aliases.value, self.definition.value, self.example.value, self.why.value)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await host(interaction).admit(interaction)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        replies = host(interaction).services.server_replies
        await send(interaction, await replies.save(actor_of(interaction), self.term_id, self.form()))

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await host(interaction).report_error(interaction, error)


Button = discord.ui.DynamicItem[discord.ui.Button[Any]]


class ReopenButton(Button, template=re.escape(REOPEN_PREFIX) + r"(?P<token>[\w-]{1,40})"):
    """Reopens the modal with the text that was refused, as it was typed."""

    def __init__(self, token: str, label: str = "Edit and try again") -> None:
        button = discord.ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=f"{REOPEN_PREFIX}{token}")
        super().__init__(button)
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> ReopenButton:
        return cls(match["token"], item.label or "Edit and try again")

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await host(interaction).admit(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            found = host(interaction).services.server_replies.reopen(self.token, interaction.user.id)
            if isinstance(found, Prefill):
                await interaction.response.send_modal(TermModal(found))
            else:
                await send(interaction, found)
        except Exception as error:
            await host(interaction).report_error(interaction, error)


class RemoveButton(Button, template=re.escape(REMOVE_PREFIX) + r"(?P<id>[0-9]{1,20})"):
    """Confirms removing a server term; the confirmation is replaced by what happened."""

    def __init__(self, term_id: int, label: str = "Remove") -> None:
        button = discord.ui.Button(label=label, style=discord.ButtonStyle.danger, custom_id=f"{REMOVE_PREFIX}{term_id}")
        super().__init__(button)
        self.term_id = term_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> RemoveButton:
        return cls(int(match["id"]), item.label or "Remove")

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await host(interaction).admit(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            reply = await host(interaction).services.server_replies.remove(actor_of(interaction), self.term_id)
            await edit(interaction, reply)
        except Exception as error:
            await host(interaction).report_error(interaction, error)


def _reopen(action: Action) -> discord.ui.Item[Any]:
    return ReopenButton(action.key, action.label)


def _remove(action: Action) -> discord.ui.Item[Any]:
    return RemoveButton(int(action.key), shorten(action.label, limits.BUTTON_LABEL))


ACTION_ITEMS.update(reopen=_reopen, remove=_remove)
DYNAMIC_ITEMS = (ReopenButton, RemoveButton)
