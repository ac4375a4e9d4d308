"""The Discord side of a ``Reply``: embeds, persistent term buttons, and answering an interaction once.

Buttons are ``DynamicItem``s whose custom_id (``gb:t:<term id>``, or ``gb:s:<id>`` for a server's own term)
carries everything needed to answer a click, so they keep working on messages sent before a restart, with no
view state stored anywhere. This is the only module that knows the term buttons' format; other kinds of button
(:class:`~bot.replies.Action`) are made by the factories registered in :data:`ACTION_ITEMS`.

Answering follows Discord's rules: the first answer within 3 seconds (work that takes longer is deferred
first and then fills in the deferred message), transient failures of the answer itself (a 429, even one
without ``retry_after``, or a 5xx) retried while the deadline allows, and never a ping.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord

from bot import limits
from bot.replies import Action, Replies, Reply

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
TERM_PREFIX = "gb:t:"
SERVER_TERM_PREFIX = "gb:s:"  # a server's own term: its stored id (a term id of -7 is button gb:s:7)
DEFER_AFTER_S = 2.0  # answer by then, or defer: Discord allows 3 s for the first answer
RETRY_WINDOW_S = 2.6  # a failed first answer is retried until this long after the interaction arrived
FOLLOWUP_RETRY_S = 30.0
# Keys in Interaction.extras: the message itself (not just a defer) was sent; the defer was private.
ANSWERED = "glossary_bot_answered"
DEFERRED_PRIVATELY = "glossary_bot_deferred_privately"
ALREADY_ACKNOWLEDGED = 40060  # a retried answer whose first try did arrive


class Host(Protocol):
    """What a button needs of the bot it runs in (``interaction.client``)."""

    @property
    def replies(self) -> Replies: ...

    async def admit(self, interaction: discord.Interaction) -> bool: ...

    async def report_error(self, interaction: discord.Interaction, error: Exception) -> None: ...


class Admitted:
    """What every persistent button does alike: the bot admits the click (none while it stops), :meth:`act`
    answers it, and a failure takes the bot's one error path. Mixed in before ``DynamicItem``."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        bot: Host = interaction.client  # type: ignore[assignment]
        return await bot.admit(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.act(interaction)
        except Exception as error:  # one error path for buttons too
            bot: Host = interaction.client  # type: ignore[assignment]
            await bot.report_error(interaction, error)

    async def act(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def term_custom_id(term_id: int) -> str:
    return f"{SERVER_TERM_PREFIX}{-term_id}" if term_id < 0 else f"{TERM_PREFIX}{term_id}"


class TermButton(
    Admitted,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(TERM_PREFIX) + r"(?P<id>[0-9]{1,20})",
):
    """A button that opens a term's card: in place on a private message, privately on a public one."""

    def __init__(self, term_id: int, label: str = "?", style: discord.ButtonStyle = discord.ButtonStyle.secondary):
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=term_custom_id(term_id)))
        self.term_id = term_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> TermButton:
        return cls(int(match["id"]), item.label or "?", item.style)

    async def act(self, interaction: discord.Interaction) -> None:
        bot: Host = interaction.client  # type: ignore[assignment]
        message = interaction.message
        in_place = message is not None and message.flags.ephemeral
        reply = await bot.replies.open(self.term_id, ephemeral=True, guild_id=interaction.guild_id)
        if in_place and reply.embed is not None:
            await edit(interaction, reply)
        else:
            await send(interaction, reply)


class ServerTermButton(TermButton, template=re.escape(SERVER_TERM_PREFIX) + r"(?P<id>[0-9]{1,20})"):
    """A button that opens one of a server's own terms (only in that server; a removed one says so)."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> TermButton:
        return cls(-int(match["id"]), item.label or "?", item.style)


ACTION_ITEMS: dict[str, Callable[[Action], discord.ui.Item[Any]]] = {}  # Action.kind -> the button for it


def make_view(reply: Reply) -> discord.ui.View | None:
    """A view with the actions, then one button per (term id, label), five to a row; None without buttons."""
    if not reply.buttons and not reply.actions:
        return None
    view = discord.ui.View(timeout=None)
    for action in reply.actions:
        view.add_item(ACTION_ITEMS[action.kind](action))
    style = discord.ButtonStyle.primary if reply.primary_buttons else discord.ButtonStyle.secondary
    room = limits.BUTTONS_PER_ROW * limits.ROWS_PER_MESSAGE - len(reply.actions)
    for term_id, label in reply.buttons[:room]:
        view.add_item(term_button(term_id, label, style))
    return view


def term_button(term_id: int, label: str, style: discord.ButtonStyle) -> TermButton:
    """The button that opens ``term_id``: a shipped term, or (negative) a server's own."""
    return (ServerTermButton if term_id < 0 else TermButton)(term_id, label, style)


def make_files(reply: Reply) -> list[discord.File]:
    return [discord.File(io.BytesIO(data), filename=name) for name, data in reply.files]


def make_embeds(reply: Reply) -> list[discord.Embed]:
    """Every embed of ``reply``: the main one first, then the extras."""
    main = [] if reply.embed is None else [reply.embed]
    return [discord.Embed.from_dict(e) for e in (*main, *reply.extra_embeds)]


def payload(reply: Reply) -> dict[str, Any]:
    """The JSON Discord receives for ``reply`` (for ``python -m bot card --json``)."""
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
    if reply.files:
        kwargs["files"] = make_files(reply)
    return kwargs


async def respond(interaction: discord.Interaction, work: Awaitable[Reply], *, ephemeral: bool) -> None:
    """Answer with the reply ``work`` produces; if it is slow, defer first (``ephemeral``: who sees it)."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait((task,), timeout=DEFER_AFTER_S)  # the work goes on past the timeout
    if not done:
        interaction.extras[DEFERRED_PRIVATELY] = ephemeral
        await _retrying(lambda: interaction.response.defer(ephemeral=ephemeral, thinking=True), RETRY_WINDOW_S)
    await send(interaction, await task)


async def send(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer ``interaction`` with ``reply``: the first answer, the deferred one, or a followup."""
    kwargs = message_kwargs(reply)
    response = interaction.response
    if not response.is_done():
        await _retrying(lambda: response.send_message(**kwargs, ephemeral=reply.ephemeral), RETRY_WINDOW_S)
    elif response.type is discord.InteractionResponseType.deferred_channel_message and not _answered(interaction):
        if reply.ephemeral and not _deferred_privately(interaction):
            # A public "thinking…" cannot turn private: replace it with a private followup.
            await _retrying(interaction.delete_original_response, FOLLOWUP_RETRY_S)
            await _retrying(lambda: interaction.followup.send(**kwargs, ephemeral=True), FOLLOWUP_RETRY_S)
        else:
            kwargs.setdefault("view", None)
            if "files" in kwargs:  # editing a message takes its files as attachments
                kwargs["attachments"] = kwargs.pop("files")
            await _retrying(lambda: interaction.edit_original_response(**kwargs), FOLLOWUP_RETRY_S)
    else:
        await _retrying(lambda: interaction.followup.send(**kwargs, ephemeral=reply.ephemeral), FOLLOWUP_RETRY_S)
    interaction.extras[ANSWERED] = True


async def edit(interaction: discord.Interaction, reply: Reply) -> None:
    """Replace the message the component was on with ``reply`` (used to browse inside a private card)."""
    view = make_view(reply)
    await _retrying(
        lambda: interaction.response.edit_message(
            content=reply.content or None, embeds=make_embeds(reply), view=view, allowed_mentions=NO_PINGS
        ),
        RETRY_WINDOW_S,
    )
    interaction.extras[ANSWERED] = True


def _answered(interaction: discord.Interaction) -> bool:
    return bool(interaction.extras.get(ANSWERED))


def _deferred_privately(interaction: discord.Interaction) -> bool:
    return bool(interaction.extras.get(DEFERRED_PRIVATELY, False))


async def _retrying(call: Callable[[], Awaitable[Any]], window: float) -> Any:
    """``call()``, retried after transient failures while ``window`` seconds have not passed."""
    started = time.monotonic()
    delay = 0.25
    retried = False
    while True:
        try:
            return await call()
        except discord.HTTPException as exc:
            if retried and exc.code == ALREADY_ACKNOWLEDGED:
                return None  # the earlier try arrived; only its response was lost
            if exc.status != 429 and exc.status < 500:
                raise
            error: Exception = exc
        except (KeyError, TypeError) as exc:
            # discord.py reads retry_after from every 429 body: a JSON one without it raises KeyError, a proxy's
            # HTML one TypeError. Either way it was a 429.
            error = exc
        if time.monotonic() - started + delay > window:
            raise error
        log.info("Discord answered %s; trying again in %.2f s", _describe(error), delay)
        await asyncio.sleep(delay)
        delay *= 2
        retried = True


def _describe(error: Exception) -> str:
    if isinstance(error, discord.HTTPException):
        return f"{error.status}"
    return "429 without retry_after"
