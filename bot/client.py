"""The bot: a thin ``AutoShardedBot`` that wires the glossary core to Discord.

Everything it needs is passed in by the entry point (``bot.__main__``), which owns the lifetimes of the
database and the glossary; the bot only loads the cogs, keeps commands registered, and reports errors.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any

import aiosqlite
import discord
from discord import app_commands
from discord.ext import commands

from bot.library import Library
from bot.replies import Replies, Reply
from bot.tod import Clock, SystemClock
from bot.views import send

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.define", "cogs.admin", "cogs.termofday")


class UserFacingError(app_commands.AppCommandError):
    """An error whose message is meant for the person who ran the command, not for the logs."""


def can_manage(interaction: discord.Interaction) -> bool:
    """Whether the person has Manage Server (or Administrator) where the interaction happened."""
    perms = interaction.permissions
    return perms.manage_guild or perms.administrator


def require_manage_server(interaction: discord.Interaction, why: str) -> None:
    """Refuse with a short ephemeral message (through the error path) unless the person can manage the server."""
    if not can_manage(interaction):
        raise UserFacingError(f"You need the Manage Server permission {why}.")


class GlossaryTree(app_commands.CommandTree["GlossaryBot"]):
    """The command tree with the bot's single error path."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await self.client.report_error(interaction, error)


class GlossaryBot(commands.AutoShardedBot):
    """Glossary Bot. Guilds intent only: slash commands and buttons need nothing more, and no member cache."""

    def __init__(
        self,
        *,
        library: Library,
        clock: Clock | None = None,
        dev_guild_id: int | None = None,
        sync_commands: bool = True,
        extensions: Sequence[str] = EXTENSIONS,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
            chunk_guilds_at_startup=False,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=GlossaryTree,
            **options,
        )
        self.library = library
        self.replies = Replies(library)
        self.clock: Clock = clock or SystemClock()
        self.dev_guild_id = dev_guild_id
        self.sync_commands = sync_commands
        self.extension_names = tuple(extensions)

    @property
    def db(self) -> aiosqlite.Connection:
        """The database connection shared by the stores (owned by the entry point)."""
        return self.library.store.db

    async def setup_hook(self) -> None:
        for name in self.extension_names:
            await self.load_extension(name)
        if self.sync_commands:
            await self.sync_if_changed()

    def _commands_payload(self, guild: discord.abc.Snowflake | None) -> list[dict[str, Any]]:
        return [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]

    async def sync_if_changed(self, *, force: bool = False) -> bool:
        """Register the commands with Discord, only when they differ from the last registration.

        Syncing on every start wastes a rate-limited call; never syncing means new commands never appear.
        With DEV_GUILD_ID set, commands go to that server only, where changes show up at once.
        """
        guild = discord.Object(self.dev_guild_id) if self.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = self._commands_payload(guild)
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"commands_hash:{self.dev_guild_id or 'global'}:{self.application_id}"
        store = self.library.store
        if not force and await store.meta(key) == digest:
            log.info("commands unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await store.set_meta(key, digest)
        where = f"server {self.dev_guild_id}" if guild else "all servers (global; may take up to an hour)"
        log.info("synced %d commands to %s", len(synced), where)
        return True

    async def report_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """The one error path: log unexpected errors with a traceback, and always tell the person something."""
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CheckFailure | UserFacingError):
            text = str(error) or "You can't use this command here."
        elif isinstance(error, app_commands.CommandOnCooldown):
            text = f"Slow down: try again in {error.retry_after:.0f} s."
        elif isinstance(original, discord.NotFound) and getattr(original, "code", 0) == 10062:
            log.warning("interaction %s expired before it could be answered", interaction.id)
            return
        else:
            command = interaction.command.qualified_name if interaction.command else "component"
            log.error("error in %s (interaction %s)", command, interaction.id, exc_info=original)
            text = "Something went wrong on our side. It has been logged; please try again."
        try:
            await send(interaction, Reply(text, ephemeral=True))
        except discord.HTTPException as exc:
            log.warning("could not tell the user about an error: %s", exc)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d server(s), shards %s", self.user, len(self.guilds), self.shard_ids)
