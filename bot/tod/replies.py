"""What the /termofday commands answer, decided without Discord (timestamps use Discord's own markup)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from discord.utils import format_dt

from bot import limits
from bot.cards import DEFAULT_COLOR
from bot.replies import Replies, Reply, notice
from bot.text import shorten
from bot.tod.schedule import zone_choices, zone_names
from bot.tod.service import TermOfDay
from bot.tod.store import ScheduleStatus

NEEDED_PERMISSIONS = {"view_channel": "View Channel", "send_messages": "Send Messages", "embed_links": "Embed Links"}


def heading_for(day: date) -> str:
    """The line above a term-of-the-day card, e.g. "Term of the day · 28 November"."""
    return f"Term of the day · {day.day} {day.strftime('%B')}"


def status_embed(status: ScheduleStatus) -> dict[str, Any]:
    """The schedule as an admin needs it: where, when, next and last post, and what disabled it."""
    schedule = status.schedule
    fields = [
        {"name": "Channel", "value": f"<#{schedule.channel_id}>", "inline": True},
        {"name": "Time", "value": f"{schedule.post_time} ({schedule.timezone})", "inline": True},
        {"name": "State", "value": "running" if schedule.enabled else "stopped", "inline": True},
    ]
    if status.next_post is not None:
        when = status.next_post
        fields.append({"name": "Next post", "value": f"{format_dt(when, 'F')} ({format_dt(when, 'R')})"})
    last = status.last_post
    if last is not None:
        where = f"https://discord.com/channels/{schedule.guild_id}/{last.channel_id}/{last.message_id}"
        value = f"{last.local_date.isoformat()}: {last.status}" + (f" · [message]({where})" if last.message_id else "")
        fields.append({"name": "Last post", "value": value})
    if status.problem:
        fields.append({"name": "Problem", "value": shorten(status.problem, limits.EMBED_FIELD_VALUE)})
    return {"type": "rich", "title": "Term of the day: schedule", "fields": fields, "color": DEFAULT_COLOR}


class TodReplies:
    """Answers for /termofday setup, stop and today."""

    def __init__(self, tod: TermOfDay, replies: Replies) -> None:
        self.tod = tod
        self.replies = replies

    async def setup(self, guild_id: int, channel_id: int, post_time: str, zone: str) -> Reply:
        """Set the schedule up; the answer says where and when the next post comes, or what is wrong."""
        try:
            slot = await self.tod.setup(guild_id, channel_id, post_time, zone)
        except ValueError as exc:
            return notice(str(exc))
        status = await self.tod.status(guild_id)
        assert status is not None  # just written
        schedule = status.schedule
        return notice(
            f"Term of the day will be posted in <#{channel_id}> every day at {schedule.post_time}"
            f" ({schedule.timezone}).\nNext post: {format_dt(slot, 'F')} ({format_dt(slot, 'R')})."
        )

    @staticmethod
    def cannot_post(channel_id: int, missing: list[str]) -> Reply:
        """The bot lacks permissions in the chosen channel (``missing``: keys of NEEDED_PERMISSIONS)."""
        names = ", ".join(NEEDED_PERMISSIONS[m] for m in missing)
        return notice(f"I can't post in <#{channel_id}>: I need {names} there.")

    async def stop(self, guild_id: int) -> Reply:
        if await self.tod.stop(guild_id):
            return notice("Term of the day stopped. `/termofday setup` starts it again.")
        return notice("Term of the day is not set up in this server.")

    async def today(self, guild_id: int, *, manager: bool) -> Reply:
        """Today's card (privately); for people who manage the server, the schedule's status below it."""
        info = await self.tod.today(guild_id)
        card = None
        if info.term_id is not None:
            heading = heading_for(info.local_date)
            card = await self.replies.card(info.term_id, ephemeral=True, heading=heading, guild_id=guild_id)
        if card is None:
            text = "There is no term of the day here today."
            if info.status is None:
                text += " Someone with Manage Server can start one with `/termofday setup`."
            card = notice(text)
        if manager and info.status is not None:
            card = dataclasses.replace(card, extra_embeds=(status_embed(info.status),))
        return card

    @staticmethod
    def zones(typed: str) -> list[str]:
        """Time zones for autocomplete."""
        return zone_choices(typed[: limits.ZONE_OPTION], zone_names(), limits.AUTOCOMPLETE_CHOICES)
