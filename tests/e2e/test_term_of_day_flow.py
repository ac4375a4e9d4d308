"""Term of the day through the real bot and the emulated Discord, with the bot's clock under test control."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.client import GlossaryBot
from bot.poster import DiscordPoster
from bot.tod.service import TickReport
from tests.clock import ManualClock
from tests.e2e.conftest import running_bot
from tests.emulator import Emulator, Permission
from tests.emulator.harness import DefaultWorld


async def tick(bot: GlossaryBot) -> TickReport:
    """One scheduler pass now, through the bot's own poster (serialised with the bot's own loop)."""
    return await bot.services.tod.tick(DiscordPoster(bot, bot.services.replies))


def posts(emulator: Emulator, channel: object) -> list:
    return [m for m in emulator.channel_messages(channel) if m.embeds and "author" in m.embeds[0]]


async def setup_at_nine(emulator: Emulator, w: DefaultWorld, **extra: str) -> str:
    options = {"channel": w.general.id, "time": "09:00", **extra}
    reply = await emulator.slash(w.guild, w.admin, "termofday setup", options).response()
    assert reply.ephemeral, reply.content
    return reply.content or ""


@pytest.fixture
async def tod_bot(emulator: Emulator, default_world, db_path: Path, clock: ManualClock) -> AsyncIterator[GlossaryBot]:
    async with running_bot(emulator, db_path, clock=clock) as bot:
        yield bot


async def test_setup_then_the_post_arrives_at_the_minute(
    emulator: Emulator, default_world: DefaultWorld, tod_bot: GlossaryBot, clock: ManualClock
) -> None:
    w = default_world
    text = await setup_at_nine(emulator, w)
    nine = int(clock.now().replace(hour=9, minute=0).timestamp())
    assert text.startswith(f"Term of the day will be posted in <#{w.general.id}> every day at 09:00 (UTC).")
    assert f"<t:{nine}:F>" in text
    assert posts(emulator, w.general) == []
    mark = emulator.mark()
    clock.advance(timedelta(minutes=2))  # 09:00
    created = await emulator.wait_for(
        "message_create", lambda e: e["channel_id"] == w.general.id and not e["interaction_id"], since=mark
    )
    message = created["message"]
    assert message.embeds[0]["author"]["name"] == "Term of the day · 28 November"
    assert tod_bot.services.library.index.lookup(message.embeds[0]["title"]) is not None
    assert message.components  # related-term buttons, as on any card
    request = emulator.requests("POST", "/channels/{channel_id}/messages", since=mark)[0]
    assert request["json"]["nonce"] and request["json"]["enforce_nonce"] is True
    assert request["json"]["allowed_mentions"] == {"parse": []}
    await tick(tod_bot)  # serialised after the pass that posted: its outcome is stored by now
    # Everyone sees today's term; only admins see the schedule.
    today = await emulator.slash(w.guild, w.alice, "termofday today").response()
    assert today.ephemeral and today.embed["title"] == message.embeds[0]["title"]
    assert len(today.embeds) == 1
    admin_view = await emulator.slash(w.guild, w.admin, "termofday today").response()
    assert admin_view.embeds[1]["title"] == "Term of the day: schedule"
    fields = {f["name"]: f["value"] for f in admin_view.embeds[1]["fields"]}
    assert fields["Channel"] == f"<#{w.general.id}>" and fields["Time"] == "09:00 (UTC)"
    assert fields["Last post"].startswith("2026-11-28: sent")


async def test_setup_is_refused_without_manage_server_and_for_bad_input(
    emulator: Emulator, default_world: DefaultWorld, tod_bot: GlossaryBot
) -> None:
    w = default_world
    member = await emulator.slash(w.guild, w.alice, "termofday setup", {"channel": w.general.id}).response()
    assert member.ephemeral and "Manage Server" in member.content
    stop = await emulator.slash(w.guild, w.alice, "termofday stop").response()
    assert stop.ephemeral and "Manage Server" in stop.content
    bad_time = await emulator.slash(
        w.guild, w.admin, "termofday setup", {"channel": w.general.id, "time": "25:00"}
    ).response()
    assert bad_time.ephemeral and "25:00" in bad_time.content
    bad_zone = await emulator.slash(
        w.guild, w.admin, "termofday setup", {"channel": w.general.id, "timezone": "Mars/Base"}
    ).response()
    assert bad_zone.ephemeral and "Mars/Base" in bad_zone.content
    zones = await emulator.autocomplete(
        w.guild, w.admin, "termofday setup", {"channel": w.general.id, "timezone": "Europe/Ber"}, focused="timezone"
    ).choices()
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in zones
    emulator.deny_bot(w.general, Permission.EMBED_LINKS)
    await emulator.settle()
    no_perms = await emulator.slash(w.guild, w.admin, "termofday setup", {"channel": w.general.id}).response()
    assert "I need Embed Links" in no_perms.content
    none_here = await emulator.slash(w.guild, w.alice, "termofday today").response()
    assert "/termofday setup" in none_here.content


async def test_no_second_post_after_a_restart_the_same_day_and_catch_up_after_downtime(
    emulator: Emulator, default_world: DefaultWorld, db_path: Path, clock: ManualClock
) -> None:
    w = default_world
    async with running_bot(emulator, db_path, clock=clock):
        await setup_at_nine(emulator, w)
        mark = emulator.mark()
        clock.advance(timedelta(minutes=2))
        await emulator.wait_for("message_create", lambda e: e["channel_id"] == w.general.id, since=mark)
    assert len(posts(emulator, w.general)) == 1
    clock.advance(timedelta(hours=3))  # restarted at noon, the same day
    async with running_bot(emulator, db_path, clock=clock) as bot:
        report = await bot.services.tod.recover(DiscordPoster(bot, bot.services.replies))  # would post if due
        assert report.ticks.handed == 0
        assert len(posts(emulator, w.general)) == 1
        first = posts(emulator, w.general)[0].embeds[0]["title"]
        today = await emulator.slash(w.guild, w.alice, "termofday today").response()
        assert today.embed["title"] == first
    # Down over the next day's post time: on start it is still that day there, so the post catches up.
    clock.advance(timedelta(hours=24))  # 12:00 the next day
    mark = emulator.mark()
    async with running_bot(emulator, db_path, clock=clock):
        created = await emulator.wait_for("message_create", lambda e: e["channel_id"] == w.general.id, since=mark)
        assert created["message"].embeds[0]["author"]["name"] == "Term of the day · 29 November"
        assert created["message"].embeds[0]["title"] != first  # rotation: no repeat
    assert len(posts(emulator, w.general)) == 2


async def test_lost_permission_disables_the_schedule_with_the_reason(
    emulator: Emulator, default_world: DefaultWorld, tod_bot: GlossaryBot, clock: ManualClock
) -> None:
    w = default_world
    await setup_at_nine(emulator, w)
    emulator.deny_bot(w.general, Permission.SEND_MESSAGES)
    mark = emulator.mark()
    clock.advance(timedelta(minutes=2))
    await emulator.wait_for("request", lambda e: e["status"] == 403, since=mark)
    await tick(tod_bot)  # serialised after the failing pass: its outcome is stored by now
    status = await tod_bot.services.tod.status(w.guild.id)
    assert status is not None and not status.schedule.enabled
    assert "Missing permission" in (status.problem or "")
    admin_view = await emulator.slash(w.guild, w.admin, "termofday today").response()
    fields = {f["name"]: f["value"] for f in admin_view.embeds[-1]["fields"]}
    assert "Missing permission to post" in fields["Problem"]
    # No retry storm: a day later, still exactly one 403.
    clock.advance(timedelta(days=1))
    await tick(tod_bot)
    assert len([e for e in emulator.requests("POST", "/channels/{channel_id}/messages") if e["status"] == 403]) == 1


async def test_deleted_channel_disables_and_stop_keeps_history(
    emulator: Emulator, default_world: DefaultWorld, tod_bot: GlossaryBot, clock: ManualClock
) -> None:
    w = default_world
    await setup_at_nine(emulator, w)
    stopped = await emulator.slash(w.guild, w.admin, "termofday stop").response()
    assert "stopped" in stopped.content
    await setup_at_nine(emulator, w)
    emulator.delete_channel(w.general)
    mark = emulator.mark()
    clock.advance(timedelta(minutes=2))
    await emulator.wait_for("request", lambda e: e["status"] == 404, since=mark)
    await tick(tod_bot)
    status = await tod_bot.services.tod.status(w.guild.id)
    assert status is not None and "deleted" in (status.problem or "")


async def test_announcement_channel_and_timezone(
    emulator: Emulator, default_world: DefaultWorld, tod_bot: GlossaryBot, clock: ManualClock
) -> None:
    w = default_world
    options = {"channel": w.announcements.id, "time": "10:00", "timezone": "Europe/Berlin"}
    reply = await emulator.slash(w.guild, w.admin, "termofday setup", options).response()
    assert "every day at 10:00 (Europe/Berlin)" in reply.content
    ten_berlin = int(clock.now().replace(hour=9, minute=0).timestamp())  # 10:00 CET = 09:00 UTC in November
    assert f"<t:{ten_berlin}:F>" in reply.content
    mark = emulator.mark()
    clock.advance(timedelta(minutes=2))
    created = await emulator.wait_for("message_create", lambda e: e["channel_id"] == w.announcements.id, since=mark)
    assert created["message"].embeds[0]["author"]["name"] == "Term of the day · 28 November"
