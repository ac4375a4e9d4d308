"""Every glossary flow a person in a server sees, through the real bot and the emulated Discord."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import limits, views
from bot.client import GlossaryBot
from bot.library import LoadReport
from tests.e2e.conftest import running_bot
from tests.emulator import Emulator, Routes
from tests.emulator.harness import DefaultWorld


def labels(components: list[dict]) -> list[str]:
    return [button["label"] for row in components for button in row["components"]]


async def test_define_genai_is_a_public_card_with_related_buttons(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "genai"})
    reply = await ix.response()
    assert reply.type == 4 and not reply.ephemeral
    assert reply.embed is not None
    assert reply.embed["title"] == "Generative AI"
    assert reply.embed["description"].startswith("*Also known as: GenAI")
    assert [f["name"] for f in reply.embed["fields"]][:2] == ["Example", "Why it matters"]
    assert labels(reply.components) == [
        "Large Language Model",
        "Diffusion Model",
        "Transformer",
        "Variational Autoencoder",
        "Prompt Engineering",
        "Foundation Model",
        "Discriminative Model",
        "Artificial Intelligence",
    ]
    assert reply.data["allowed_mentions"] == {"parse": []}
    message = await ix.message()
    assert message.embeds[0]["title"] == "Generative AI"


async def test_autocomplete_lists_generative_ai(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    ix = emulator.autocomplete(default_world.guild, default_world.alice, "define", {"term": "gen"})
    choices = await ix.choices()
    assert {"name": "Generative AI", "value": "Generative AI"} in choices
    assert len(choices) <= 25
    empty = await emulator.autocomplete(default_world.guild, default_world.alice, "define", {"term": ""}).choices()
    assert len(empty) == 25 and empty[0]["value"] == "Generative AI"


async def test_unknown_term_gets_an_ephemeral_did_you_mean(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "difusion"})
    reply = await ix.response()
    assert reply.ephemeral and reply.embed is None
    assert reply.content == "No term matches `difusion`. Did you mean:"
    assert labels(reply.components)[0] == "Diffusion Model"
    # Clicking the suggestion turns the private message into the card, in place.
    message = await ix.message()
    click = emulator.click(message, reply.components[0]["components"][0]["custom_id"], default_world.alice)
    update = await click.response()
    assert update.type == 7
    assert update.embed is not None and update.embed["title"] == "Diffusion Model"


async def test_private_define_search_and_random(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    private = await emulator.slash(w.guild, w.alice, "define", {"term": "LLMs", "private": True}).response()
    assert private.ephemeral and private.embed["title"] == "Large Language Model"
    found = await emulator.slash(w.guild, w.alice, "search", {"query": "noise images"}).response()
    assert found.ephemeral and "Diffusion Model" in found.embed["description"]
    assert "Diffusion Model" in labels(found.components)
    random = await emulator.slash(w.guild, w.alice, "random").response()
    assert not random.ephemeral and bot.services.library.index.lookup(random.embed["title"]) is not None


async def test_odd_input_is_answered_clearly(emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot) -> None:
    w = default_world
    # Discord enforces the declared max_length itself: longer text never reaches the bot.
    with pytest.raises(ValueError, match="outside"):
        emulator.slash(w.guild, w.alice, "define", {"term": "x" * (limits.TERM_OPTION + 1)})
    for text in ("😀" * 6000, "@everyone " * 500, "'; DROP TABLE terms; --", "**__~~||" * 700, "\ud800" * 50):
        reply = await emulator.slash(w.guild, w.alice, "define", {"term": text[: limits.TERM_OPTION]}).response()
        assert reply.ephemeral and 0 < len(reply.content) <= 200
        search = await emulator.slash(w.guild, w.alice, "search", {"query": text[: limits.QUERY_OPTION]}).response()
        assert search.ephemeral
    assert await bot.services.library.search("transformer", 10)


async def test_related_button_on_public_card_opens_private_card_then_edits_it(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    ix = emulator.slash(w.guild, w.alice, "define", {"term": "genai"})
    card = await ix.message()
    llm_button = next(b for row in card.components for b in row["components"] if b["label"] == "Large Language Model")
    opened = emulator.click(card, llm_button["custom_id"], w.admin)
    private = await opened.response()
    assert private.type == 4 and private.ephemeral
    assert private.embed["title"] == "Large Language Model"
    # Inside the private card, a related button replaces it in place.
    private_message = await opened.message()
    transformer = next(
        b for row in private_message.components for b in row["components"] if b["label"] == "Transformer"
    )
    edited = await emulator.click(private_message, transformer["custom_id"], w.admin).response()
    assert edited.type == 7 and edited.embed["title"] == "Transformer"
    assert len(emulator.channel_messages(w.general)) == 1  # browsing never flooded the channel


async def test_buttons_work_after_a_restart(emulator: Emulator, default_world: DefaultWorld, db_path: Path) -> None:
    w = default_world
    async with running_bot(emulator, db_path):
        card = await emulator.slash(w.guild, w.alice, "define", {"term": "rag"}).message()
    mark = emulator.mark()
    async with running_bot(emulator, db_path) as second:
        assert not emulator.events.select("commands_sync", since=mark)  # unchanged commands: no re-sync
        button = card.components[0]["components"][0]
        reply = await emulator.click(card, button["custom_id"], w.alice).response()
        assert reply.ephemeral and reply.embed["title"] == button["label"]
        assert second.services.library.index.lookup(button["label"]) is not None


async def test_glossary_reload_owner_only_and_failed_reload_keeps_serving(
    emulator: Emulator, default_world: DefaultWorld, db_path: Path, tmp_path: Path
) -> None:
    w = default_world
    folder = tmp_path / "glossary"
    folder.mkdir()
    good = "terms:\n  - term: Alpha\n    definition: First.\n    related: [Beta]\n  - term: Beta\n    definition: B.\n"
    (folder / "g.yaml").write_text(good)
    async with running_bot(emulator, db_path, glossary=folder) as bot:
        refused = await emulator.slash(w.guild, w.admin, "glossary reload").response()
        assert refused.ephemeral and "Only the bot's owner" in refused.content
        (folder / "g.yaml").write_text(good.replace("[Beta]", "[Gamma]") + "  - term: [unclosed\n")
        ix = emulator.slash(w.guild, w.owner, "glossary reload")
        answer = await ix.message()
        assert answer.content.startswith("Reload refused; still serving the previous glossary. 1 error(s):")
        assert "g.yaml:8: YAML syntax error" in answer.content  # found at the end of the file
        still = await emulator.slash(w.guild, w.alice, "define", {"term": "alpha"}).response()
        assert still.embed["title"] == "Alpha" and labels(still.components) == ["Beta"]
        (folder / "g.yaml").write_text(good.replace("[Beta]", "[Gamma]"))  # a dangling related: only a warning
        warned = await emulator.slash(w.guild, w.owner, "glossary reload").message()
        assert warned.content.startswith("Glossary reloaded: 2 terms") and "1 warning(s)" in warned.content
        assert "• g.yaml:4: related 'Gamma' of 'Alpha' is not in the glossary: dropped" in warned.content
        assert labels((await emulator.slash(w.guild, w.alice, "define", {"term": "alpha"}).response()).components) == []
        (folder / "g.yaml").write_text(good + "  - term: Gamma\n    definition: G.\n")
        ix = emulator.slash(w.guild, w.owner, "glossary reload")
        assert "Glossary reloaded: 3 terms" in (await ix.message()).content
        assert bot.services.library.index.lookup("gamma") is not None


async def test_a_slow_answer_is_deferred_then_fills_the_deferred_message(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = default_world
    release = asyncio.Event()
    reload = bot.services.library.reload

    async def slow_reload() -> LoadReport:
        await release.wait()  # a large glossary: parsing takes longer than Discord's 3 seconds
        return await reload()

    monkeypatch.setattr(bot.services.library, "reload", slow_reload)
    monkeypatch.setattr(views, "DEFER_AFTER_S", 0.05)
    ix = emulator.slash(w.guild, w.owner, "glossary reload")
    deferred = await ix.response()
    assert deferred.type == 5 and deferred.ephemeral
    release.set()
    answer = await ix.message()  # the deferred message itself is edited: no second message
    assert answer.content.startswith("Glossary reloaded:") and answer.id == ix.record.original_message_id
    assert ix.record.followup_ids == []
    assert len(emulator.requests("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/@original")) == 1


async def test_misses_shows_what_people_did_not_find(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    for _ in range(2):
        await emulator.slash(w.guild, w.alice, "define", {"term": "quantum vibes"}).response()
    reply = await emulator.slash(w.guild, w.admin, "glossary misses").response()
    assert reply.ephemeral and "2× `quantum vibes`" in reply.content


async def test_callback_429_and_503_are_retried_within_three_seconds(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    unavailable = emulator.server_error("POST", Routes.INTERACTION_CALLBACK, status=503)
    limited = emulator.rate_limit("POST", Routes.INTERACTION_CALLBACK, retry_after=0.3)
    ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "llm"})
    reply = await ix.response()
    assert reply.embed["title"] == "Large Language Model"
    assert unavailable.hits == 1 and limited.hits == 1
    accepted = await emulator.wait_for("callback", lambda e: e["interaction_id"] == ix.id and e["accepted"])
    assert accepted["elapsed"] < emulator.interaction_timeout


async def test_gateway_drop_resumes_and_answers_what_came_meanwhile(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    identify = await emulator.wait_for("identify")
    mark = emulator.mark()
    async with emulator.gateway_outage():
        assert await emulator.drop_gateway() == 1
        ix = emulator.slash(w.guild, w.alice, "define", {"term": "transformer"})
        await emulator.wait_for("gateway_connect", since=mark)
    resume = await emulator.wait_for("resume", since=mark)
    assert resume["ok"] and resume["session_id"] == identify["session_id"]
    assert (await ix.response()).embed["title"] == "Transformer"


async def test_one_error_path_answers_before_and_after_the_first_response(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot, monkeypatch
) -> None:
    w = default_world

    release = asyncio.Event()

    async def broken(*args: object, **kwargs: object) -> None:
        await release.wait()
        raise RuntimeError("disk on fire")

    # An internal failure (the only way to provoke one on purpose is to break a part of the core).
    monkeypatch.setattr(bot.services.library, "search", broken)
    release.set()
    reply = await emulator.slash(w.guild, w.alice, "search", {"query": "x"}).response()
    assert reply.ephemeral and reply.content.startswith("Something went wrong on our side")
    monkeypatch.setattr(bot.services.library, "reload", broken)
    monkeypatch.setattr(views, "DEFER_AFTER_S", 0.05)
    release.clear()
    ix = emulator.slash(w.guild, w.owner, "glossary reload")
    assert (await ix.response()).type == 5  # deferred first, then failed: the error fills the deferred message
    release.set()
    answer = await ix.message()
    assert answer.content.startswith("Something went wrong on our side") and ix.record.followup_ids == []
    logged = [r for r in bot.error_log.records if r.name == "bot.client"]
    assert len(logged) == 2 and all(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in logged)
    bot.error_log.records.clear()
