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
from bot.client import MALFORMED, RESTARTING, GlossaryBot
from bot.replies import Reply
from tests.clock import ManualClock
from tests.e2e.conftest import running_bot
from tests.emulator import Emulator, Routes
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
                await clock.wait_until_idle()  # the post is recorded before the next day begins

        reloaded, titles, _ = await asyncio.gather(reloads(), lookups(), posts())
        schedules = await services.db.fetchall("SELECT guild_id, enabled FROM tod_schedules")
    assert reloaded >= 1
    assert titles == names  # 0 misses: every term answered with its own card, whatever the reload was doing
    assert [tuple(s) for s in schedules] == [(w.guild.id, 1)]  # 0 lost schedule rows
    assert answers_per_interaction(emulator) == [1] * len(emulator.interactions)
    assert len([m for m in emulator.channel_messages(w.general) if m.embeds and "author" in m.embeds[0]]) == 2
    assert max(len(n) for n in names) <= limits.TERM_OPTION


@pytest.mark.parametrize(
    "answer",
    ["json without retry_after", "html from a proxy", "no Via header", "503 then 429"],
)
async def test_a_rate_limited_first_answer_is_retried_in_time(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot, answer: str
) -> None:
    w = default_world
    if answer == "json without retry_after":
        emulator.rate_limit("POST", Routes.INTERACTION_CALLBACK, body_retry_after=False, header_retry_after=False)
    elif answer == "html from a proxy":
        page = "<html><body>429 Too Many Requests</body></html>"
        emulator.inject("POST", Routes.INTERACTION_CALLBACK, status=429, body=page, content_type="text/html",
                        headers={"Via": "1.1 proxy"})  # fmt: skip
    elif answer == "no Via header":
        emulator.inject("POST", Routes.INTERACTION_CALLBACK, status=429, body={"message": "slow down", "code": 0})
    else:
        emulator.server_error("POST", Routes.INTERACTION_CALLBACK, status=503)
        emulator.rate_limit("POST", Routes.INTERACTION_CALLBACK, body_retry_after=False)
    ix = emulator.slash(w.guild, w.alice, "define", {"term": "llm"})
    reply = await ix.response()
    assert reply.embed["title"] == "Large Language Model"
    accepted = await emulator.wait_for("callback", lambda e: e["interaction_id"] == ix.id and e["accepted"])
    assert accepted["elapsed"] < emulator.interaction_timeout
    emulator.assert_answered_once()


async def test_a_malformed_interaction_gets_an_answer_and_the_bot_stays_up(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world

    def bad_permissions(payload: dict) -> None:
        payload["member"]["permissions"] = "not-a-number"

    broken = await emulator.slash(w.guild, w.alice, "define", {"term": "llm"}, tweak=bad_permissions).response()
    assert broken.ephemeral and broken.content == MALFORMED
    after = await emulator.slash(w.guild, w.alice, "define", {"term": "rag"}).response()
    assert after.embed["title"] == "Retrieval-Augmented Generation"  # the gateway connection survived
    assert [r.getMessage() for r in bot.error_log.records] == []  # a warning, not an error


async def test_a_forged_button_with_a_19_digit_id_is_answered(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    card = await emulator.slash(w.guild, w.alice, "define", {"term": "genai"}).message()
    forged = "gb:t:9999999999999999999"

    def with_forged_button(payload: dict) -> None:
        row = {"type": 1, "components": [{"type": 2, "style": 2, "label": "?", "custom_id": forged}]}
        payload["message"]["components"] = [row]

    ix = emulator.raw_click(card, forged, w.alice, tweak=with_forged_button)
    reply = await ix.response()
    assert reply.ephemeral and reply.content == "That button does not lead to any term. Try `/define`."


async def test_threads_and_channels_the_bot_never_saw_are_answered(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    thread = emulator.add_thread(w.general, "questions")
    unseen = emulator.add_channel(w.guild, "secret", announce=False)
    hidden_thread = emulator.add_thread(w.general, "quiet", announce=False)
    await emulator.settle()
    for channel in (thread, unseen, hidden_thread):
        card = await emulator.slash(w.guild, w.alice, "define", {"term": "moe"}, channel=channel).response()
        assert card.embed["title"] == "Mixture of Experts", channel.name
        miss = await emulator.slash(w.guild, w.alice, "define", {"term": "zzzzqqq"}, channel=channel).response()
        assert miss.ephemeral and miss.content.startswith("No term matches")
    emulator.assert_answered_once()
