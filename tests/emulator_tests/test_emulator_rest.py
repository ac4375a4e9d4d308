"""REST behaviour through discord.py: faults and retries, nonces, permissions, deleted channels."""

from __future__ import annotations

import asyncio

import discord
import pytest

from tests.emulator import Emulator, Permission, Routes
from tests.emulator.harness import DefaultWorld
from tests.emulator_tests.tinybot import TinyBot


def _text_channel(bot: TinyBot, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_callback_retried_after_503_and_429_within_budget(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    # discord.py's webhook adapter sleeps 1 + 2*attempt after a 5xx, so the 503 comes first
    # (1 s) and the 429 second (retry_after 0.3 s): answered in ~1.3 s, inside Discord's 3 s.
    unavailable = emulator.server_error("POST", Routes.INTERACTION_CALLBACK, status=503)
    limited = emulator.rate_limit("POST", Routes.INTERACTION_CALLBACK, retry_after=0.3)
    ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "llm"})
    reply = await ix.response()
    assert reply.embed is not None and reply.embed["title"] == "llm"
    assert unavailable.hits == 1 and limited.hits == 1
    assert [e["status"] for e in emulator.requests("POST", Routes.INTERACTION_CALLBACK)] == [503, 429, 200]
    accepted = await emulator.wait_for("callback", lambda e: e["interaction_id"] == ix.id and e["accepted"])
    assert accepted["elapsed"] < emulator.interaction_timeout
    emulator.assert_no_violations()


async def test_rate_limits_on_channel_messages(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    channel = _text_channel(bot, default_world.general.id)
    rule = emulator.rate_limit("POST", Routes.MESSAGES, retry_after=0.2)
    sent = await channel.send("after a 429")
    assert rule.hits == 1 and sent.content == "after a 429"
    statuses = [e["status"] for e in emulator.requests("POST", Routes.MESSAGES)]
    assert statuses == [429, 200]
    # Without the Via header discord.py takes a 429 for a Cloudflare ban and gives up.
    emulator.inject("POST", Routes.MESSAGES, status=429, body={"message": "banned", "retry_after": 1, "global": False})
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("blocked")
    assert info.value.status == 429


async def test_html_429_from_a_proxy_is_text_not_json(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    channel = _text_channel(bot, default_world.general.id)
    page = "<html><head><title>429 Too Many Requests</title></head><body>slow down</body></html>"
    proxy = emulator.inject("POST", Routes.MESSAGES, status=429, body=page, content_type="text/html")
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("through a proxy")
    # discord.py got text, not JSON: no Discord error code, the page as the error text.
    assert info.value.status == 429 and info.value.code == 0 and info.value.text == page
    logged = emulator.requests("POST", Routes.MESSAGES)[-1]
    assert logged["content_type"] == "text/html" and logged["response"] == page
    assert proxy.hits == 1 and emulator.channel_messages(default_world.general) == []
    # The same page with Discord's Via header: still text, still refused rather than retried.
    emulator.inject(
        "POST", Routes.MESSAGES, status=429, body=page.encode(), content_type="text/html", headers={"Via": "1.1 google"}
    )
    with pytest.raises(discord.HTTPException) as again:
        await channel.send("through a proxy, again")
    assert again.value.text == page


async def test_429_without_retry_after(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    channel = _text_channel(bot, default_world.general.id)
    # No Retry-After header: discord.py reads the body's retry_after, waits and retries.
    headerless = emulator.rate_limit("POST", Routes.MESSAGES, retry_after=0.1, header_retry_after=False)
    sent = await channel.send("after a header-less 429")
    assert headerless.hits == 1 and sent.content == "after a header-less 429"
    assert "Retry-After" not in headerless.headers and headerless.headers["Via"]
    limited = emulator.requests("POST", Routes.MESSAGES)[0]
    assert limited["status"] == 429 and limited["response"]["retry_after"] == 0.1
    # No retry_after in the body: discord.py indexes data["retry_after"] and fails with a bare KeyError
    # (not an HTTPException), which a bot catching only discord.HTTPException would not expect.
    bodyless = emulator.rate_limit("POST", Routes.MESSAGES, body_retry_after=False, header_retry_after=False)
    with pytest.raises(KeyError, match="retry_after"):
        await channel.send("after a bare 429")
    bare = emulator.requests("POST", Routes.MESSAGES)[-1]
    assert bodyless.hits == 1 and bare["status"] == 429 and "retry_after" not in bare["response"]
    assert [m.content for m in emulator.channel_messages(default_world.general)] == ["after a header-less 429"]


async def test_injected_403_and_404_for_chosen_routes(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    channel = _text_channel(bot, default_world.general.id)
    emulator.forbid("POST", Routes.MESSAGES, times=1)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("first try")
    assert forbidden.value.code == 50013
    await channel.send("second try")
    emulator.not_found(predicate=lambda r: r.method == "GET" and r.path == f"/channels/{channel.id}", times=2)
    for _ in range(2):
        with pytest.raises(discord.NotFound):
            await bot.fetch_channel(channel.id)
    assert (await bot.fetch_channel(channel.id)).id == channel.id
    assert [m.content for m in emulator.channel_messages(channel.id)] == ["second try"]


async def test_nonce_and_enforce_nonce_dedupe(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    channel = _text_channel(bot, default_world.general.id)
    first = await channel.send("hello", nonce=1234)
    again = await channel.send("hello (retry)", nonce=1234)
    assert again.id == first.id and again.content == "hello"
    other = await channel.send("different nonce", nonce=99)
    assert other.id != first.id
    dedupes = emulator.events.select("nonce_dedupe")
    assert len(dedupes) == 1 and dedupes[0]["message_id"] == first.id
    # Outside the window the nonce no longer matches.
    emulator.advance(emulator.nonce_window + 1)
    later = await channel.send("hello much later", nonce=1234)
    assert later.id != first.id
    # The real case: the response is lost (500 after the message was created), discord.py retries the
    # same body, nonce included, and Discord returns the existing message instead of a duplicate.
    emulator.server_error("POST", Routes.MESSAGES, status=500, after=True)
    retried = await channel.send("exactly once")
    contents = [m.content for m in emulator.channel_messages(channel.id)]
    assert contents.count("exactly once") == 1 and retried.content == "exactly once"
    assert [e["status"] for e in emulator.requests("POST", Routes.MESSAGES)][-2:] == [500, 200]


async def test_permissions_removed_give_403(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    channel = _text_channel(bot, w.general.id)
    emulator.deny_bot(w.general, Permission.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as no_send:
        await channel.send("nope")
    assert no_send.value.code == 50013 and no_send.value.text == "Missing Permissions"
    # The bot learns about the overwrite through CHANNEL_UPDATE and can still read the channel.
    await emulator.wait_for("dispatch", lambda e: e["event"] == "CHANNEL_UPDATE")
    assert (await bot.fetch_channel(w.general.id)).id == w.general.id
    # Through a command: interaction responses need no channel permission, channel.send does.
    ix = emulator.slash(w.guild, w.admin, "post", {"channel": "general", "text": "hi"})
    assert (await ix.response()).content == "cannot post: 50013"

    emulator.deny_bot(w.general, Permission.VIEW_CHANNEL)
    with pytest.raises(discord.Forbidden) as no_view:
        await channel.send("nope")
    assert no_view.value.code == 50001 and no_view.value.text == "Missing Access"
    with pytest.raises(discord.Forbidden):
        await bot.fetch_channel(w.general.id)

    # Overwrite order: @everyone deny, then the bot's role allow wins.
    emulator.set_permissions(w.general, w.bot)  # remove the member overwrite
    emulator.set_permissions(w.general, "@everyone", deny=int(Permission.SEND_MESSAGES))
    with pytest.raises(discord.Forbidden):
        await channel.send("still no")
    emulator.set_permissions(w.general, w.bot_role, allow=int(Permission.SEND_MESSAGES))
    assert (await channel.send("allowed by role")).content == "allowed by role"


async def test_deleted_channel_gives_404(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    channel = _text_channel(bot, w.announcements.id)
    emulator.delete_channel(w.announcements)
    with pytest.raises(discord.NotFound) as info:
        await channel.send("into the void")
    assert info.value.code == 10003 and info.value.text == "Unknown Channel"
    await emulator.wait_for("dispatch", lambda e: e["event"] == "CHANNEL_DELETE")
    with pytest.raises(discord.NotFound):
        await bot.fetch_channel(w.announcements.id)


async def test_history_edit_delete_publish(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    general = _text_channel(bot, w.general.id)
    theirs = emulator.user_message(w.general, w.alice, "first!")
    mine = await general.send("second")
    history = [m.id async for m in general.history(limit=10)]
    assert history == [mine.id, theirs.id]
    edited = await mine.edit(content="second (edited)")
    assert edited.edited_at is not None and emulator.world.messages[mine.id].content == "second (edited)"
    with pytest.raises(discord.Forbidden) as info:
        await general.get_partial_message(theirs.id).edit(content="hacked")
    assert info.value.code == 50005
    await mine.delete()
    await emulator.wait_for("dispatch", lambda e: e["event"] == "MESSAGE_DELETE")
    assert emulator.channel_messages(w.general) == [theirs]

    news = _text_channel(bot, w.announcements.id)
    post = await news.send("Term of the day: RAG")
    await post.publish()
    assert emulator.world.messages[post.id].flags & 1  # CROSSPOSTED

    logged = emulator.requests("PATCH", Routes.MESSAGE)[0]
    assert logged["json"]["content"] == "second (edited)" and logged["status"] == 200
    assert logged["path"] == f"/channels/{w.general.id}/messages/{mine.id}"


async def test_world_changes_reach_the_bot(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    mark = emulator.mark()
    glossary = emulator.add_channel(w.guild, "glossary", topic="Terms")
    helpers = emulator.add_role(w.guild, "Helpers", int(Permission.MANAGE_MESSAGES))
    emulator.update_role(w.guild, w.bot_role, permissions=w.bot_role.permissions | int(Permission.MANAGE_MESSAGES))
    emulator.set_member_roles(w.guild, w.bot, [w.bot_role, helpers])
    await emulator.settle()
    events = [e["event"] for e in emulator.events.select("dispatch", since=mark)]
    assert events == ["CHANNEL_CREATE", "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_MEMBER_UPDATE"]
    guild = bot.get_guild(w.guild.id)
    assert guild is not None
    cached = guild.get_channel(glossary.id)
    assert isinstance(cached, discord.TextChannel) and cached.topic == "Terms"
    assert guild.me.guild_permissions.manage_messages
    assert {r.name for r in guild.me.roles} >= {"Helpers", "Glossary Bot"}


async def test_a_held_request_waits_until_released(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    channel = _text_channel(bot, default_world.general.id)
    held = emulator.hold("POST", Routes.MESSAGES)
    sending = asyncio.create_task(channel.send("slow Discord"))
    await held.reached.wait()
    assert not sending.done() and emulator.channel_messages(default_world.general) == []
    held.release()
    sent = await sending
    assert sent.content == "slow Discord"
    assert (await channel.send("no longer held")).content == "no longer held"
