"""/termofday: set up, stop and show the daily term-of-the-day post, and run its scheduler."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import zoneinfo
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits
from bot.client import UserFacingError, can_manage, require_manage_server
from bot.poster import DiscordPoster, heading_for
from bot.replies import Reply
from bot.schedule import zone_choices
from bot.tod import TermOfDay
from bot.tod_store import ScheduleStatus, TodStore
from bot.views import send

if TYPE_CHECKING:
    from bot.client import GlossaryBot

log = logging.getLogger(__name__)
NEEDED = ("view_channel", "send_messages", "embed_links")
NEEDED_NAMES = {"view_channel": "View Channel", "send_messages": "Send Messages", "embed_links": "Embed Links"}


def stamp(ts: float, style: str = "F") -> str:
    """A Discord timestamp: every reader sees it in their own timezone."""
    return f"<t:{int(ts)}:{style}>"


def status_embed(status: ScheduleStatus) -> dict[str, Any]:
    """The schedule as an admin needs it: where, when, next and last post, and what disabled it."""
    schedule = status.schedule
    fields = [
        {"name": "Channel", "value": f"<#{schedule.channel_id}>", "inline": True},
        {"name": "Time", "value": f"{schedule.post_time} ({schedule.timezone})", "inline": True},
        {"name": "State", "value": "running" if schedule.enabled else "stopped", "inline": True},
    ]
    if status.next_post is not None:
        ts = status.next_post.timestamp()
        fields.append({"name": "Next post", "value": f"{stamp(ts)} ({stamp(ts, 'R')})", "inline": False})
    last = status.last_post
    if last is not None:
        where = f"https://discord.com/channels/{schedule.guild_id}/{last.channel_id}/{last.message_id}"
        value = f"{last.local_date.isoformat()}: {last.status}" + (f" · [message]({where})" if last.message_id else "")
        fields.append({"name": "Last post", "value": value, "inline": False})
    if status.problem:
        fields.append({"name": "Problem", "value": status.problem[: limits.EMBED_FIELD_VALUE], "inline": False})
    return {"type": "rich", "title": "Term of the day: schedule", "fields": fields, "colour": 0x5865F2}


class TermOfDayCog(commands.GroupCog, group_name="termofday", group_description="The daily term of the day"):
    """Adapter between the /termofday commands and the scheduler in ``bot.tod``."""

    def __init__(self, bot: GlossaryBot) -> None:
        self.bot = bot
        self.store = TodStore(bot.db)
        self.zones = sorted(zoneinfo.available_timezones())
        self.tod: TermOfDay | None = None
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        super().__init__()

    async def cog_load(self) -> None:
        self.task = asyncio.create_task(self._serve(), name="term-of-the-day")

    async def cog_unload(self) -> None:
        if self.task is not None:
            self.task.cancel()

    async def _serve(self) -> None:
        """Start the scheduler once the shards are known: only this process's shards are served."""
        await self.bot.wait_until_ready()
        self.tod = TermOfDay(
            self.store,
            DiscordPoster(self.bot),
            lambda: self.bot.library.index.order,
            clock=self.bot.clock,
            shard_count=self.bot.shard_count or 1,
            shard_ids=self.bot.shard_ids,
        )
        self.ready.set()
        await self.tod.run()

    def _scheduler(self) -> TermOfDay:
        if self.tod is None:
            raise UserFacingError("The bot is still starting; try again in a few seconds.")
        return self.tod

    @app_commands.command(name="setup", description="Post a term of the day in a channel (Manage Server)")
    @app_commands.describe(
        channel="Where to post (a text or announcement channel)",
        time="Local time of day, HH:MM (24-hour), default 09:00",
        timezone="IANA timezone such as Europe/Berlin or America/New_York, default UTC",
    )
    @app_commands.guild_only()
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str = "09:00",
        timezone: str = "UTC",
    ) -> None:
        require_manage_server(interaction, "to change the term of the day")
        tod = self._scheduler()
        guild = interaction.guild
        me = guild.me if guild is not None else None
        if me is not None:
            perms = channel.permissions_for(me)
            missing = [NEEDED_NAMES[p] for p in NEEDED if not getattr(perms, p)]
            if missing:
                raise UserFacingError(f"I can't post in {channel.mention}: I need {', '.join(missing)} there.")
        assert interaction.guild_id is not None
        try:
            slot = await tod.setup(interaction.guild_id, channel.id, time, timezone)
        except ValueError as exc:
            raise UserFacingError(str(exc)) from exc
        status = await tod.status(interaction.guild_id)
        when = status.schedule.post_time if status else time
        zone = status.schedule.timezone if status else timezone
        ts = slot.timestamp()
        await send(
            interaction,
            Reply(
                f"Term of the day will be posted in {channel.mention} every day at {when} ({zone}).\n"
                f"Next post: {stamp(ts)} ({stamp(ts, 'R')}).",
                ephemeral=True,
            ),
        )

    @setup.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(current, self.zones, 25)]

    @app_commands.command(name="stop", description="Stop the daily posts (Manage Server); history is kept")
    @app_commands.guild_only()
    async def stop(self, interaction: discord.Interaction) -> None:
        require_manage_server(interaction, "to change the term of the day")
        assert interaction.guild_id is not None
        stopped = await self._scheduler().stop(interaction.guild_id)
        text = (
            "Term of the day stopped. `/termofday setup` starts it again."
            if stopped
            else ("Term of the day is not set up in this server.")
        )
        await send(interaction, Reply(text, ephemeral=True))

    @app_commands.command(name="today", description="Today's term of the day in this server")
    @app_commands.guild_only()
    async def today(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        info = await self._scheduler().today(interaction.guild_id)
        is_manager = can_manage(interaction)
        card = None
        if info.term_id is not None:
            card = await self.bot.replies.card(info.term_id, ephemeral=True, heading=heading_for(info.local_date))
        if card is None:
            text = "There is no term of the day here today."
            if info.status is None:
                text += " Someone with Manage Server can start one with `/termofday setup`."
            card = Reply(text, ephemeral=True)
        if is_manager and info.status is not None:
            card = dataclasses.replace(card, extra_embeds=(status_embed(info.status),))
        await send(interaction, card)


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(TermOfDayCog(bot))
