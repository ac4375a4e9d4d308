"""The Discord side of server terms: who is asking (:class:`Actor`), the add/edit modal, and the buttons that
reopen a refused form (``gb:sr:<token>``) and confirm a removal (``gb:sx:<term id>``).

Both buttons are ``DynamicItem``s: their custom_id carries what they act on, so they work after a restart
(a kept form does not survive one; the button then says so). The modal's custom_id (``gb:sm:<term id>``, 0
for a new term) is all its submission needs too, so submissions are answered from the interaction alone
(:func:`answer_modal`), not by the modal object that opened it: a form left open across a restart is still
saved, and two people adding terms at once never share a modal object.
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
from bot.views import ACTION_ITEMS, Admitted, edit, send

REOPEN_PREFIX = "gb:sr:"
REMOVE_PREFIX = "gb:sx:"
MODAL_PREFIX = "gb:sm:"
_MODAL_ID = re.compile(re.escape(MODAL_PREFIX) + r"(?P<id>[0-9]{1,20})")


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
            timeout=None,
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


async def open_modal(interaction: discord.Interaction, prefill: Prefill) -> None:
    """Answer with the add/edit modal; its submission comes back to :func:`answer_modal`."""
    modal = TermModal(prefill)
    await interaction.response.send_modal(modal)
    modal.stop()  # discord.py would route the submission to this object, which a restart loses


def submitted_form(interaction: discord.Interaction) -> tuple[int, Form] | None:
    """The term id and form of a submitted add/edit modal; None for any other interaction."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    data: dict[str, Any] = dict(interaction.data or {})  # type: ignore[arg-type]
    match = _MODAL_ID.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return None
    values: dict[str, str] = {}
    for top in data.get("components") or []:
        for box in [*(top.get("components") or []), *([top["component"]] if top.get("component") else [])]:
            values[str(box.get("custom_id"))] = str(box.get("value") or "")
    fields = ("term", "aliases", "definition", "example", "why")
    return int(match["id"]), Form(*(values.get(key, "") for key in fields))


async def answer_modal(interaction: discord.Interaction) -> None:
    """Save a submitted add/edit modal and answer it (a refusal keeps the text to reopen); others are ignored."""
    found = submitted_form(interaction)
    if found is None:
        return
    bot = host(interaction)
    if not await bot.admit(interaction):
        return
    try:
        await send(interaction, await bot.services.server_replies.save(actor_of(interaction), *found))
    except Exception as error:  # one error path for modals too
        await bot.report_error(interaction, error)


Button = discord.ui.DynamicItem[discord.ui.Button[Any]]


class ReopenButton(Admitted, Button, template=re.escape(REOPEN_PREFIX) + r"(?P<token>[\w-]{1,40})"):
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

    async def act(self, interaction: discord.Interaction) -> None:
        found = host(interaction).services.server_replies.reopen(self.token, interaction.user.id)
        if isinstance(found, Prefill):
            await open_modal(interaction, found)
        else:
            await send(interaction, found)


class RemoveButton(Admitted, Button, template=re.escape(REMOVE_PREFIX) + r"(?P<id>[0-9]{1,20})"):
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

    async def act(self, interaction: discord.Interaction) -> None:
        reply = await host(interaction).services.server_replies.remove(actor_of(interaction), self.term_id)
        await edit(interaction, reply)


def _reopen(action: Action) -> discord.ui.Item[Any]:
    return ReopenButton(action.key, action.label)


def _remove(action: Action) -> discord.ui.Item[Any]:
    return RemoveButton(int(action.key), shorten(action.label, limits.BUTTON_LABEL))


ACTION_ITEMS.update(reopen=_reopen, remove=_remove)
DYNAMIC_ITEMS = (ReopenButton, RemoveButton)
