"""The bot: a thin ``AutoShardedBot`` that wires the core to Discord.

Everything it serves from is passed in (``Services``, built by the entry point). The bot loads the cogs,
keeps commands registered, runs the background tasks (term of the day, lookups not found) and reports errors
through one path. Stopping is orderly: new interactions get a short "restarting" answer, the ones in flight
finish (within Discord's 3 seconds), background tasks stop, and only then does the connection close.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot import limits
from bot.database import DatabaseUnavailable
from bot.poster import DiscordPoster
from bot.replies import Replies, notice
from bot.services import Services
from bot.views import send

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.define", "cogs.explain", "cogs.admin", "cogs.termofday")
DRAIN_S = 2.5  # how long a stop waits for interactions in flight (Discord allows 3 s for the first answer)
RESTARTING = "The bot is restarting; try again in a few seconds."
MALFORMED = "Discord sent this request in a form the bot could not read; please try again."


class GlossaryTree(app_commands.CommandTree["GlossaryBot"]):
    """The command tree with the bot's single error path and its admission check."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await self.client.admit(interaction)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await self.client.report_error(interaction, error)


class GlossaryBot(commands.AutoShardedBot):
    """Glossary Bot. Guilds intent only: slash commands and buttons need nothing more, and no member cache."""

    def __init__(
        self,
        services: Services,
        *,
        dev_guild_id: int | None = None,
        sync_commands: bool = True,
        extensions: Sequence[str] = EXTENSIONS,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        shards = services.tod.shards
        if shards.count > 1:  # unset: discord.py asks Discord how many shards, and this process runs them all
            options.setdefault("shard_count", shards.count)
        if not shards.everything:
            options.setdefault("shard_ids", sorted(shards.ids or ()))
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
        self.services = services
        self.dev_guild_id = dev_guild_id
        self.sync_commands = sync_commands
        self.extension_names = tuple(extensions)
        self._accepting = True
        self.stopping = asyncio.Event()  # set once a stop has begun: new interactions are turned away
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._stopping: asyncio.Task[None] | None = None

    @property
    def replies(self) -> Replies:
        return self.services.replies

    async def setup_hook(self) -> None:
        self._guard_interaction_parser()
        await self._use_learnt_gateway()
        for name in self.extension_names:
            await self.load_extension(name)
        if self.sync_commands:
            await self.sync_if_changed()
        self.start_background(self.services.tod.run(DiscordPoster(self, self.services.replies)), "term-of-the-day")
        self.start_background(self.services.misses.run(), "lookup-misses")

    # -- lifetimes --------------------------------------------------------------------------------------------
    def start_background(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coro`` until the bot stops; a failure is logged, and the task is awaited on stop."""
        task = asyncio.create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background_done)
        return task

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def admit(self, interaction: discord.Interaction) -> bool:
        """Let an interaction in (and track it) unless the bot is stopping; then answer it briefly instead."""
        if self._accepting:
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            return True
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await send(interaction, notice(RESTARTING))
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            log.debug("could not answer an interaction while stopping: %s", exc)
        return False

    async def close(self) -> None:
        """Stop taking interactions, let those in flight finish, stop background work, then disconnect."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        self._accepting = False
        self.stopping.set()
        current = asyncio.current_task()
        busy = [task for task in self._in_flight if task is not current]
        if busy:
            _, late = await asyncio.wait(busy, timeout=DRAIN_S)
            for task in late:
                task.cancel()
            log.info("stopping: %d interaction(s) finished, %d cut short", len(busy) - len(late), len(late))
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await super().close()

    # -- Discord quirks ---------------------------------------------------------------------------------------
    def _guard_interaction_parser(self) -> None:
        """A malformed INTERACTION_CREATE (e.g. a permissions string that is not a number) makes discord.py's
        parser raise inside the gateway loop, which ends the whole connection. Catch it there and answer."""
        parsers = self._connection.parsers
        parse = parsers["INTERACTION_CREATE"]

        def guarded(data: dict[str, Any]) -> None:
            try:
                parse(data)
            except Exception:
                log.warning("could not read an interaction from Discord; answering it plainly", exc_info=True)
                self.start_background(self._answer_unreadable(data), "unreadable-interaction")

        parsers["INTERACTION_CREATE"] = guarded

    async def _answer_unreadable(self, data: dict[str, Any]) -> None:
        interaction_id, token = data.get("id"), data.get("token")
        if not interaction_id or not token:
            return
        if data.get("type") == discord.InteractionType.autocomplete.value:
            body: dict[str, Any] = {"type": 8, "data": {"choices": []}}
        else:
            body = {"type": 4, "data": {"content": MALFORMED, "flags": 64, "allowed_mentions": {"parse": []}}}
        route = discord.http.Route(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            interaction_id=interaction_id,
            interaction_token=token,
        )
        try:
            await self.http.request(route, json=body)
        except discord.HTTPException as exc:
            log.warning("could not answer an unreadable interaction: %s", exc)

    async def _use_learnt_gateway(self) -> None:
        """discord.py reconnects to its built-in gateway URL after a non-resumable session; keep using the one
        ``GET /gateway/bot`` gives on DISCORD_API_BASE instead (a proxy, or the emulator in tests)."""
        try:
            _, url, _ = await self.http.get_bot_gateway()
        except discord.GatewayNotFound:
            return
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def launch_shard(self, gateway: yarl.URL, shard_id: int, *, initial: bool = False) -> None:
        """Connect one shard, unless the bot is stopping.

        discord.py retries a shard that failed to connect every 5 s, forever, even once the bot is closed: a
        stop while shards were still connecting logged a traceback every 5 s and never exited.
        """
        if self.stopping.is_set():
            return
        launch = asyncio.ensure_future(super().launch_shard(gateway, shard_id, initial=initial))
        stop = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({launch, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not launch.done():
            launch.cancel()
        await asyncio.gather(launch, return_exceptions=True)
        if launch.done() and not launch.cancelled() and launch.exception() is not None:
            raise launch.exception()  # type: ignore[misc]

    # -- commands ---------------------------------------------------------------------------------------------
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
        store = self.services.library.store
        if not force and await store.meta(key) == digest:
            log.info("commands unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        async with self.services.db.transaction() as tx:
            await store.set_meta(tx, key, digest)
        where = f"server {self.dev_guild_id}" if guild else "all servers (global; may take up to an hour)"
        log.info("synced %d commands to %s", len(synced), where)
        return True

    async def report_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """The one error path: log unexpected errors with a traceback, and always tell the person something."""
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CheckFailure):
            text = str(error) or "You can't use this command here."
        elif isinstance(error, app_commands.CommandOnCooldown):
            text = f"Slow down: try again in {error.retry_after:.0f} s."
        elif isinstance(original, discord.NotFound) and original.code == limits.UNKNOWN_INTERACTION:
            log.warning("interaction %s expired before it could be answered", interaction.id)
            return
        elif isinstance(original, DatabaseUnavailable):
            log.warning("could not answer interaction %s: %s", interaction.id, original)
            text = "The database is briefly unavailable; please try again in a moment."
        else:
            command = interaction.command.qualified_name if interaction.command else "component"
            log.error("error in %s (interaction %s)", command, interaction.id, exc_info=original)
            text = "Something went wrong on our side. It has been logged; please try again."
        try:
            await send(interaction, notice(text))
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            log.warning("could not tell the user about an error: %s", exc)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d server(s), shards %s", self.user, len(self.guilds), self.shard_ids)
