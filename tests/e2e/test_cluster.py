"""A shard cluster: several real ``python -m bot`` processes on one PostgreSQL database, against the emulator.

A thousand servers are due in the same minute. Every server gets exactly one term-of-the-day post, whichever
process owns its shard, when two processes are misconfigured to run the same shards, and when a process is
killed (``kill -9``) in the middle of its batch and started again. A reload in one process reaches the other.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.database import open_database
from bot.shards import shard_of
from bot.tod.service import TermOfDay
from tests.clock import ManualClock
from tests.conftest import new_postgres_database
from tests.e2e.processes import finished, start_bot
from tests.emulator import Emulator
from tests.emulator.harness import DefaultWorld, seed_default_world
from tests.emulator.permissions import DEFAULT_BOT_PERMISSIONS

SERVERS = 1_000
SHARDS = 4
GLOSSARY = "terms:\n" + "".join(f"  - {{term: Word {n}, definition: The word number {n}.}}\n" for n in range(40))


@dataclass
class Cluster:
    """The world, the database and the folder the processes share."""

    emulator: Emulator
    world: DefaultWorld
    channels: dict[int, int]  # guild id -> the channel its term of the day goes to
    url: str
    folder: Path

    def env(self) -> dict[str, str]:
        return {
            "DISCORD_TOKEN": self.emulator.token,
            "DISCORD_API_BASE": self.emulator.api_base,
            "DATABASE_URL": self.url,
            "GLOSSARY_PATH": str(self.folder / "glossary.yaml"),
            "SHARD_COUNT": str(SHARDS),
        }

    def posts(self) -> Counter[int]:
        """Term-of-the-day messages per channel, as the emulator stored them."""
        wanted = set(self.channels.values())
        return Counter(
            m.channel_id for m in self.emulator.world.messages.values() if m.channel_id in wanted and not m.ephemeral
        )


def seed_servers(emulator: Emulator) -> tuple[DefaultWorld, dict[int, int]]:
    """``SERVERS`` servers with a #daily channel each, their ids spread evenly over the shards."""
    world = seed_default_world(emulator)
    channels: dict[int, int] = {}
    first_ms = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000) - 1_420_070_400_000
    for n in range(SERVERS):
        guild = emulator.world.add_guild(f"Server {n}", owner=world.owner, guild_id=(first_ms + n) << 22)
        role = emulator.world.add_role(guild, "Glossary Bot", DEFAULT_BOT_PERMISSIONS, managed=True)
        emulator.world.add_member(guild, world.bot, [role])
        channels[guild.id] = emulator.world.add_channel(guild, "daily").id
    return world, channels


def a_zone_at_noon(now: datetime) -> str:
    """A zone where it is about noon, so "due a minute ago" stays today there whenever the test runs."""
    offset = 12 - now.hour  # Etc/GMT-5 is five hours *ahead* of UTC
    return f"Etc/GMT{-offset:+d}"


async def schedule_all_due_now(cluster: Cluster) -> None:
    """Every server's post time is the current minute: all are due when the processes start."""
    now = datetime.now(UTC)
    zone = a_zone_at_noon(now)
    local = now.astimezone(ZoneInfo(zone))
    db = await open_database(cluster.url)
    try:
        tod = TermOfDay(db, list, ManualClock(now - timedelta(minutes=2)))
        for guild_id, channel_id in cluster.channels.items():
            await tod.setup(guild_id, channel_id, local.strftime("%H:%M"), zone)
    finally:
        await db.close()


@pytest.fixture
async def cluster(emulator: Emulator, postgres_server: object, tmp_path: Path) -> Cluster:
    world, channels = seed_servers(emulator)
    folder = tmp_path / "cluster-glossary"  # one glossary folder every process of the cluster reads
    folder.mkdir()
    (folder / "glossary.yaml").write_text(GLOSSARY)
    made = Cluster(emulator, world, channels, await new_postgres_database(postgres_server), folder)
    await schedule_all_due_now(made)
    return made


@asynccontextmanager
async def process(cluster: Cluster, name: str, *args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot run ARGS`` in its own folder; stopped with SIGTERM at the end (if still running)."""
    home = cluster.folder.parent / name
    home.mkdir(exist_ok=True)
    running = await start_bot(home, "run", *args, **cluster.env())
    try:
        yield running
    finally:
        if running.returncode is None:
            running.send_signal(signal.SIGTERM)
        log = await finished(running, home)
        assert "Traceback" not in log, log[-3000:]


async def every_channel_posted(cluster: Cluster) -> None:
    """Until every server's channel has its term of the day."""
    wanted, seen = set(cluster.channels.values()), set[int]()

    def all_there(event: object) -> bool:
        seen.add(event["channel_id"])  # type: ignore[index]
        return seen >= wanted

    await cluster.emulator.wait_for("message_create", all_there, timeout=60)


async def every_shard_connected(cluster: Cluster, shards: range | tuple[int, ...] = range(SHARDS)) -> None:
    """Until each of ``shards`` has identified (each process connects its own, one after the other)."""
    seen: set[int] = set()

    def all_identified(event: object) -> bool:
        if event.get("ok") and event.get("shard_count") == SHARDS:  # type: ignore[attr-defined]
            seen.add(event["shard"])  # type: ignore[index]
        return seen >= set(shards)

    await cluster.emulator.wait_for("identify", all_identified, timeout=60)


async def statuses(cluster: Cluster) -> Counter[str]:
    db = await open_database(cluster.url)
    try:
        rows = await db.fetchall("SELECT status, count(*) AS n FROM tod_posts GROUP BY status")
    finally:
        await db.close()
    return Counter({row["status"]: row["n"] for row in rows})


def assert_settled(posts: Counter[str]) -> None:
    """One post row per server, each sent (or, if a stop cut its confirmation short, still to be resent with
    its nonce); none missed, failed or disabled."""
    assert set(posts) <= {"sent", "pending"} and posts.total() == SERVERS, posts
    assert posts["sent"] >= SERVERS - 100, posts


async def test_two_processes_of_two_shards_post_once_to_each_server(cluster: Cluster) -> None:
    async with (
        process(cluster, "first", "--shard-count", str(SHARDS), "--shards", "0-1"),
        process(cluster, "second", "--shards", "2-3"),  # SHARD_COUNT from the environment
    ):
        await every_channel_posted(cluster)
        await every_shard_connected(cluster)
    assert set(cluster.posts().values()) == {1}  # checked after both stopped: a late duplicate is counted
    assert_settled(await statuses(cluster))


async def test_processes_misconfigured_onto_the_same_shards_still_post_once(cluster: Cluster) -> None:
    async with (
        process(cluster, "first", "--shards", "0-3"),
        process(cluster, "second", "--shards", "1-3"),  # shards 1-3 are run twice
    ):
        await every_channel_posted(cluster)
    assert set(cluster.posts().values()) == {1}
    assert_settled(await statuses(cluster))


async def test_a_process_killed_mid_batch_and_restarted_posts_the_rest_once(cluster: Cluster) -> None:
    mine = {guild: ch for guild, ch in cluster.channels.items() if shard_of(guild, SHARDS) in (0, 1)}
    passed = 0

    def after_a_hundred_of_mine(info: object) -> bool:
        nonlocal passed
        if int(info.params.get("channel_id", 0)) not in mine.values():  # type: ignore[attr-defined]
            return False
        passed += 1
        return passed > 100

    held = cluster.emulator.hold("POST", "/channels/{channel_id}/messages", after_a_hundred_of_mine)
    async with process(cluster, "second", "--shards", "2-3"):
        async with process(cluster, "first", "--shards", "0-1") as first:
            await held.reached.wait()  # the first process is in the middle of its batch
            first.kill()
            await first.wait()
        held.release()  # what was in flight reaches Discord after its sender died
        await held.drained()
        unconfirmed = set(mine.values()) - {mine[g] for g in await confirmed(cluster) if g in mine}
        posted = set(cluster.posts()) & set(mine.values())
        assert 100 <= len(posted) < len(mine) and posted <= unconfirmed  # killed in the middle of its batch
        mark = cluster.emulator.mark()
        async with process(cluster, "first", "--shards", "0-1"):
            await every_channel_posted(cluster)
            await answered(cluster, unconfirmed, mark)  # every unconfirmed one sent again, the rest never
    posts = cluster.posts()
    assert len(posts) == SERVERS and set(posts.values()) == {1}, [c for c, n in posts.items() if n > 1][:5]
    resent = cluster.emulator.events.select("nonce_dedupe", since=mark)
    assert {e["channel_id"] for e in resent} <= unconfirmed  # a resend carries its nonce: Discord keeps one
    assert_settled(await statuses(cluster))


async def confirmed(cluster: Cluster) -> list[int]:
    """Servers whose post the database records as sent."""
    db = await open_database(cluster.url)
    try:
        return [row["guild_id"] for row in await db.fetchall("SELECT guild_id FROM tod_posts WHERE status = 'sent'")]
    finally:
        await db.close()


async def answered(cluster: Cluster, channels: set[int], since: int) -> None:
    """Until each of ``channels`` got a post or had one resent (Discord answering with the existing message)."""
    left = set(channels)

    def all_answered(event: object) -> bool:
        left.discard(event["channel_id"])  # type: ignore[index]
        return not left

    await cluster.emulator.wait_for(
        lambda e: e.kind in ("message_create", "nonce_dedupe") and all_answered(e), since=since, timeout=60
    )


async def test_a_reload_in_one_process_is_served_by_the_other_within_a_second(cluster: Cluster) -> None:
    w, emulator = cluster.world, cluster.emulator
    by_shard = {shard_of(g, SHARDS): emulator.world.guilds[g] for g in cluster.channels}
    async with (
        process(cluster, "first", "--shards", "0-1"),
        process(cluster, "second", "--shards", "2-3"),
    ):
        await every_shard_connected(cluster, (0, 2))  # the first shard of each process
        first, second = by_shard[0], by_shard[2]
        before = await emulator.slash(second, w.owner, "define", {"term": "Quasar"}).response()
        assert before.embed is None and "Quasar" in before.content  # not in the glossary yet
        (cluster.folder / "glossary.yaml").write_text(GLOSSARY + "  - {term: Quasar, definition: The newest.}\n")
        reload = emulator.slash(first, w.owner, "glossary reload")
        assert (await reload.message(timeout=30)).content.startswith("Glossary reloaded:")
        reloaded = time.monotonic()
        while True:  # each try waits on the other process's answer, never on a timer
            answer = await emulator.slash(second, w.owner, "define", {"term": "Quasar"}).response()
            if answer.embed is not None and answer.embed.get("title") == "Quasar":
                break
            assert time.monotonic() - reloaded < 1.0, answer.data
        assert answer.embed["description"].startswith("The newest.")
