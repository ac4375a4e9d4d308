"""Checks for the slash commands (``app_commands.check`` decorators): who may run them, and where."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.server_terms import NOT_EDITOR
from bot.server_views import actor_of, host
from bot.tod.replies import NEEDED_PERMISSIONS, TodReplies

T = TypeVar("T")


def owner_only(what: str) -> Callable[[T], T]:
    """Only the bot's owner (the application's owner or team) may run the command."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if await interaction.client.is_owner(interaction.user):  # type: ignore[attr-defined]
            return True
        raise app_commands.CheckFailure(f"Only the bot's owner can {what}.")

    return app_commands.check(predicate)


def bot_can_post_in(option: str) -> Callable[[T], T]:
    """The bot can see, post and embed in the channel given as ``option`` (when Discord's data tells)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        chosen: Any = getattr(interaction.namespace, option, None)
        channel = chosen.resolve() if isinstance(chosen, app_commands.AppCommandChannel) else chosen
        guild = interaction.guild
        me = guild.me if guild is not None else None
        if channel is None or me is None or not hasattr(channel, "permissions_for"):
            return True  # unknown here: a post that is refused later disables the schedule with the reason
        perms = channel.permissions_for(me)
        missing = [name for name in NEEDED_PERMISSIONS if not getattr(perms, name)]
        if missing:
            raise app_commands.CheckFailure(TodReplies.cannot_post(channel.id, missing).content)
        return True

    return app_commands.check(predicate)


def server_editor() -> Callable[[T], T]:
    """In a server, by a member with Manage Server or the server's editor role (server terms)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            raise app_commands.CheckFailure("Server terms belong to a server: use this command in one.")
        if await host(interaction).services.server_replies.may_edit(actor_of(interaction)):
            return True
        raise app_commands.CheckFailure(NOT_EDITOR)

    return app_commands.check(predicate)
