"""Login, READY/GUILD_CREATE, the compressed gateway, sync and REST basics against discord.py."""

from __future__ import annotations

import json
import time
import zlib

import aiohttp
import discord
import pytest

from tests.emulator import Emulator
from tests.emulator.harness import DefaultWorld, run_client
from tests.emulator_tests.tinybot import TinyBot


async def test_login_ready_and_guild_create(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    # The REST calls discord.py makes while logging in, in order.
    paths = [(e["method"], e["path"]) for e in emulator.requests()]
    assert paths[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert ("GET", "/gateway/bot") in paths
    identify = await emulator.wait_for("identify")
    assert identify["ok"] and identify["shard"] == 0 and identify["shard_count"] == 1
    assert identify["intents"] == discord.Intents.default().value

    assert bot.user is not None and bot.user.id == w.bot.id and bot.user.bot
    assert bot.application_id == w.application.id
    guild = bot.get_guild(w.guild.id)
    assert guild is not None and guild.name == "Test Guild" and not guild.unavailable
    assert [c.name for c in guild.text_channels] == ["general", "announcements"]
    announcements = guild.get_channel(w.announcements.id)
    assert isinstance(announcements, discord.TextChannel) and announcements.is_news()
    assert {r.name for r in guild.roles} == {"@everyone", "Admin", "Glossary Bot"}
    assert guild.me is not None and guild.me.id == w.bot.id
    me_perms = guild.get_channel(w.general.id).permissions_for(guild.me)  # type: ignore[union-attr]
    assert me_perms.send_messages and me_perms.embed_links and not me_perms.manage_guild
    assert guild.owner_id == w.owner.id
    app = await bot.application_info()
    assert app.owner.id == w.owner.id
    # Every frame discord.py received went through zlib-stream and was sent as a dispatch we logged.
    dispatched = [e["event"] for e in emulator.events.select("dispatch")]
    assert dispatched[:2] == ["READY", "GUILD_CREATE"]


async def test_command_sync_is_stored(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    sync = await emulator.wait_for("commands_sync")
    assert sync["scope"] is None
    assert set(sync["names"]) == {
        "define",
        "lookup",
        "where",
        "perms",
        "counter",
        "slow",
        "draft",
        "wait",
        "twice",
        "big",
        "post",
        "suggest",
        "upload",
        "Quote",
    }
    define = next(c for c in emulator.world.commands_for(None) if c.name == "define")
    assert define.payload()["options"][0]["autocomplete"] is True
    # What discord.py reads back matches what it stored, ids included.
    fetched = await bot.tree.fetch_commands()
    assert {c.name: c.id for c in fetched} == {c.name: c.id for c in emulator.world.commands_for(None)}
    # A second sync keeps the ids of unchanged commands, as Discord does.
    before = {c.name: c.id for c in emulator.world.commands_for(None)}
    await bot.tree.sync()
    assert {c.name: c.id for c in emulator.world.commands_for(None)} == before
    # Guild sync goes to the guild scope.
    bot.tree.copy_global_to(guild=discord.Object(default_world.guild.id))
    await bot.tree.sync(guild=discord.Object(default_world.guild.id))
    assert {c.name for c in emulator.world.commands_for(default_world.guild.id)} == set(before)


async def test_responses_are_exactly_application_json(emulator: Emulator, default_world: DefaultWorld) -> None:
    # discord.py only decodes JSON when Content-Type is exactly "application/json".
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {emulator.token}"}
        async with session.get(emulator.api_base + "/users/@me", headers=headers) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["id"] == str(default_world.bot.id)
        async with session.get(emulator.api_base + "/users/@me") as resp:
            assert resp.status == 401
        async with session.get(emulator.api_base + "/channels/1/nope", headers=headers) as resp:
            assert resp.status == 404
    assert [v.kind for v in emulator.violations] == ["unknown_route"]
    emulator.clear_violations()


async def test_raw_gateway_zlib_stream(emulator: Emulator, default_world: DefaultWorld) -> None:
    """One zlib context per connection, Z_SYNC_FLUSH per message, binary frames (docs: Transport Compression)."""
    inflator = zlib.decompressobj()

    async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict:
        msg = await ws.receive(timeout=5)
        assert msg.type is aiohttp.WSMsgType.BINARY
        assert msg.data.endswith(b"\x00\x00\xff\xff")
        return json.loads(inflator.decompress(msg.data))

    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(emulator.gateway_url + "?v=10&encoding=json&compress=zlib-stream") as ws,
    ):
        hello = await receive(ws)
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250
        await ws.send_json({"op": 1, "d": None})
        assert (await receive(ws))["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": emulator.token, "intents": 1, "properties": {}}})
        ready = await receive(ws)
        assert ready["t"] == "READY" and ready["s"] == 1
        assert ready["d"]["resume_gateway_url"] == emulator.resume_gateway_url
        guild_create = await receive(ws)
        assert guild_create["t"] == "GUILD_CREATE" and guild_create["s"] == 2
        members = guild_create["d"]["members"]
        assert [m["user"]["id"] for m in members] == [str(default_world.bot.id)]  # no GUILD_MEMBERS intent


async def test_raw_gateway_plain_and_close_codes(emulator: Emulator, default_world: DefaultWorld) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(emulator.gateway_url + "?v=10&encoding=json") as ws:
            hello = await ws.receive(timeout=5)
            assert hello.type is aiohttp.WSMsgType.TEXT and json.loads(hello.data)["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
            closed = await ws.receive(timeout=5)
            assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4004
        async with session.ws_connect(emulator.gateway_url + "?v=10&encoding=json") as ws:
            await ws.receive(timeout=5)
            await ws.send_json({"op": 3, "d": {}})  # presence before identify
            closed = await ws.receive(timeout=5)
            assert closed.data == 4003
        async with session.ws_connect(emulator.gateway_url + "?v=10&encoding=json") as ws:
            await ws.receive(timeout=5)
            await ws.send_json({"op": 2, "d": {"token": emulator.token, "intents": 1, "shard": [2, 2]}})
            closed = await ws.receive(timeout=5)
            assert closed.data == 4010
        emulator.world.application.flags = 0  # type: ignore[union-attr]
        async with session.ws_connect(emulator.gateway_url + "?v=10&encoding=json") as ws:
            await ws.receive(timeout=5)
            await ws.send_json({"op": 2, "d": {"token": emulator.token, "intents": 1 << 15}})
            closed = await ws.receive(timeout=5)
            assert closed.data == 4014


async def test_refuse_identify_closes_the_next_identify_with_4004_once(emulator: Emulator, default_world) -> None:
    emulator.refuse_identify()
    identify = {"op": 2, "d": {"token": emulator.token, "intents": 1, "properties": {}}}
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(emulator.gateway_url + "?v=10&encoding=json") as ws:
            await ws.receive(timeout=5)  # HELLO
            await ws.send_json(identify)
            closed = await ws.receive(timeout=5)
            assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4004
        async with session.ws_connect(emulator.gateway_url + "?v=10&encoding=json") as ws:
            await ws.receive(timeout=5)
            await ws.send_json(identify)
            ready = json.loads((await ws.receive(timeout=5)).data)
            assert ready["t"] == "READY"  # only the next one was refused


async def test_bad_token_fails_login(emulator: Emulator, default_world: DefaultWorld) -> None:
    with pytest.raises(discord.LoginFailure):
        async with run_client(emulator, TinyBot(), token="not-the-token"):
            pass


async def test_sharded_guild_routing(default_world: DefaultWorld) -> None:
    """With shard_count 2 from /gateway/bot, each guild's GUILD_CREATE goes to (id >> 22) % 2."""
    async with Emulator(shard_count=2) as emu:
        from tests.emulator.harness import seed_default_world

        seed = seed_default_world(emu)
        # Guild ids made in the same millisecond share a shard; spread their timestamps.
        now = time.time()
        extra = [
            emu.world.add_guild(f"Guild {i}", owner=seed.owner, guild_id=emu.world.snowflakes.next(at=now - i / 1000))
            for i in range(6)
        ]
        for guild in extra:
            emu.world.add_member(guild, seed.bot)
            emu.world.add_channel(guild, "general")
        bot = TinyBot()
        async with run_client(emu, bot):
            assert bot.shard_count == 2 and len(bot.guilds) == 7
            for cached in bot.guilds:
                assert cached.shard_id == (cached.id >> 22) % 2
            identifies = emu.events.select("identify")
            assert sorted(e["shard"] for e in identifies) == [0, 1]
            routed = {
                e["data"]["id"]: e["shard"]
                for e in emu.events.select("dispatch", lambda e: e["event"] == "GUILD_CREATE")
            }
            assert all(shard == (int(gid) >> 22) % 2 for gid, shard in routed.items())
            # An interaction in a guild on shard 1 reaches the bot through shard 1.
            target = next(g for g in extra if (g.id >> 22) % 2 == 1)
            ix = emu.slash(target, seed.owner, "define", {"term": "llm"})
            assert (await ix.response()).embed["title"] == "llm"  # type: ignore[index]
            dispatch = await emu.wait_for("dispatch", lambda e: e["event"] == "INTERACTION_CREATE")
            assert dispatch["shard"] == 1
        emu.assert_no_violations()
