"""Correct under real traffic, asserted on what reaches Discord: colors, limits, one answer per interaction,
no dead window at start, an orderly stop, a database locked by another process, and reloads under load."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot import limits
from bot.cards import DEFAULT_COLOR, color_for
from bot.client import RESTARTING, GlossaryBot
from bot.replies import Reply
from tests.clock import ManualClock
from tests.e2e.conftest import running_bot
from tests.emulator import Emulator
from tests.emulator.harness import DefaultWorld


def answers_per_interaction(emulator: Emulator) -> list[int]:
    """How many accepted first answers each interaction got (Discord allows exactly one)."""
    return [sum(1 for c in record.callbacks if c.accepted) for record in emulator.interactions.values()]


async def test_cards_and_status_carry_their_color_as_sent(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    card = await emulator.slash(w.guild, w.alice, "define", {"term": "genai"}).response()
    category = card.embed["footer"]["text"].split(" · ")[-1]
    assert card.data["embeds"][0]["color"] == color_for(category)
    await emulator.slash(w.guild, w.admin, "termofday setup", {"channel": w.general.id}).response()
    status = await emulator.slash(w.guild, w.admin, "termofday today").response()
    assert status.data["embeds"][-1]["title"] == "Term of the day: schedule"
    assert status.data["embeds"][-1]["color"] == DEFAULT_COLOR


async def test_no_dead_window_right_after_start(emulator: Emulator, default_world: DefaultWorld, db_path: Path) -> None:
    w = default_world
    async with running_bot(emulator, db_path):
        # The very first commands after the bot comes online are served, not told to wait.
        replies = await asyncio.gather(
            emulator.slash(w.guild, w.alice, "termofday today").response(),
            emulator.slash(w.guild, w.admin, "termofday setup", {"channel": w.general.id}).response(),
        )
    assert [r.content.split(".")[0] for r in replies] == [
        "There is no term of the day here today",
        f"Term of the day will be posted in <#{w.general.id}> every day at 09:00 (UTC)",
    ]


async def test_string_options_declare_their_limits_and_odd_values_get_short_answers(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    (setup,) = [c for c in emulator.world.commands.values() if c.data["name"] == "termofday"]
    options = {o["name"]: o for sub in setup.data["options"] if sub["name"] == "setup" for o in sub["options"]}
    assert (options["time"]["max_length"], options["timezone"]["max_length"]) == (5, 64)
    for name, value in (("time", "12:345"), ("timezone", "Europe/" + "x" * 60)):
        with pytest.raises(ValueError, match="outside"):  # Discord itself refuses longer text
            emulator.slash(w.guild, w.admin, "termofday setup", {"channel": w.general.id, name: value})
    for name, value in (("time", "99:99"), ("time", "`@@`"), ("timezone", "Mars/" + "x" * 59), ("timezone", "@" * 64)):
        reply = emulator.slash(w.guild, w.admin, "termofday setup", {"channel": w.general.id, name: value})
        answer = await reply.response()
        assert answer.ephemeral and len(answer.content) < 300, answer.content
    lower = await emulator.slash(
        w.guild, w.admin, "termofday setup", {"channel": w.general.id, "timezone": "europe/berlin"}
    ).response()
    assert "every day at 09:00 (Europe/Berlin)" in lower.content
    assert answers_per_interaction(emulator) == [1] * len(emulator.interactions)


async def test_term_of_the_day_is_guild_only_and_answers_in_a_dm_anyway(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    (command,) = [c for c in emulator.world.commands.values() if c.data["name"] == "termofday"]
    assert command.data["contexts"] == [0] or command.data["dm_permission"] is False  # Discord hides it in DMs
    dm = emulator.world.dm_channel(w.alice)
    reply = await emulator.slash(None, w.alice, "termofday today", channel=dm).response()
    assert reply.ephemeral and "direct messages" in reply.content


async def test_stop_finishes_what_is_in_flight_and_turns_new_interactions_away(
    emulator: Emulator, default_world: DefaultWorld, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = default_world
    async with running_bot(emulator, db_path) as bot:
        started, release = asyncio.Event(), asyncio.Event()
        define = bot.services.replies.define
        held = 0

        async def slow_define(text: str, **kwargs: object) -> Reply:
            nonlocal held
            held += 1
            if held == 20:
                started.set()
            await release.wait()
            return await define(text, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(bot.services.replies, "define", slow_define)
        in_flight = [emulator.slash(w.guild, w.alice, "define", {"term": "llm"}) for _ in range(20)]
        await started.wait()
        stopping = asyncio.create_task(bot.close())
        await bot.stopping.wait()  # from now on interactions are turned away
        late = emulator.slash(w.guild, w.alice, "define", {"term": "rag"})
        refused = await late.response()
        release.set()
        cards = [await ix.response() for ix in in_flight]
        await stopping
    assert refused.ephemeral and refused.content == RESTARTING
    assert all(card.embed is not None and card.embed["title"] == "Large Language Model" for card in cards)
    assert answers_per_interaction(emulator) == [1] * 21


async def test_a_write_lock_held_by_another_process_never_delays_an_answer(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot, db_path: Path
) -> None:
    w = default_world
    other = sqlite3.connect(db_path, isolation_level=None)  # an operator's CLI command, mid-write
    other.execute("BEGIN IMMEDIATE")
    try:
        found = await emulator.slash(w.guild, w.alice, "define", {"term": "transformer"}).response()
        missed = await emulator.slash(w.guild, w.alice, "define", {"term": "quantum vibes"}).response()
        misses = await emulator.slash(w.guild, w.admin, "glossary misses").response()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert found.embed["title"] == "Transformer"
    assert missed.content.startswith("No term matches `quantum vibes`")
    assert "1× `quantum vibes`" in misses.content  # counted while the database could not be written
    assert await bot.services.misses.flush() == 1  # and written once it can


async def test_reloads_lookups_and_ticks_at_once(
    emulator: Emulator, default_world: DefaultWorld, db_path: Path, clock: ManualClock
) -> None:
    w = default_world
    async with running_bot(emulator, db_path, clock=clock) as bot:
        services = bot.services
        await emulator.slash(w.guild, w.admin, "termofday setup", {"channel": w.general.id}).response()
        index = services.library.index
        names = [index.names[tid] for tid in index.order]
        done = asyncio.Event()

        async def reloads() -> int:
            count = 0
            while not done.is_set():
                report = await services.library.load(force=True)  # a new generation each time
                assert report.ok and report.rebuilt
                count += 1
            return count

        async def lookups() -> list[str]:
            titles = []
            gate = asyncio.Semaphore(10)

            async def one(name: str) -> str:
                async with gate:
                    reply = await emulator.slash(w.guild, w.alice, "define", {"term": name}).response()
                    return reply.embed["title"] if reply.embed else reply.content

            titles = await asyncio.gather(*(one(name) for name in names))
            done.set()
            return list(titles)

        async def posts() -> None:
            for day in range(2):  # two days' posts, each made while the reloads go on
                mark = emulator.mark()
                clock.advance(timedelta(minutes=2) if day == 0 else timedelta(days=1))
                await emulator.wait_for("message_create", lambda e: e["channel_id"] == w.general.id, since=mark)

        reloaded, titles, _ = await asyncio.gather(reloads(), lookups(), posts())
        schedules = await services.db.fetchall("SELECT guild_id, enabled FROM tod_schedules")
    assert reloaded >= 1
    assert titles == names  # 0 misses: every term answered with its own card, whatever the reload was doing
    assert [tuple(s) for s in schedules] == [(w.guild.id, 1)]  # 0 lost schedule rows
    assert answers_per_interaction(emulator) == [1] * len(emulator.interactions)
    assert len([m for m in emulator.channel_messages(w.general) if m.embeds and "author" in m.embeds[0]]) == 2
    assert max(len(n) for n in names) <= limits.TERM_OPTION
