"""What the bot answers, decided in the core: cards, did-you-mean, search, random, gone terms."""

from __future__ import annotations

import pytest

from bot import limits
from bot.library import Library
from bot.misses import MissLog
from bot.replies import Replies
from bot.text import quote


async def test_define_known_term_is_a_public_card_with_related_buttons(replies: Replies) -> None:
    reply = await replies.define("genai")
    assert not reply.ephemeral
    assert reply.embed is not None and reply.embed["title"] == "Generative AI"
    assert [label for _, label in reply.buttons] == [
        "Large Language Model",
        "Diffusion Model",
        "Transformer",
        "Variational Autoencoder",
        "Prompt Engineering",
        "Foundation Model",
        "Discriminative Model",
        "Artificial Intelligence",
    ]
    assert (await replies.define("LLMs", private=True)).ephemeral


async def test_define_unknown_term_suggests_and_records_the_miss(replies: Replies, library: Library) -> None:
    reply = await replies.define("difusion", guild_id=7)
    assert reply.ephemeral and reply.embed is None
    assert reply.content == "No term matches `difusion`. Did you mean:"
    assert reply.buttons[0] == (library.index.lookup("diffusion model"), "Diffusion Model")
    assert reply.primary_buttons
    assert await replies.misses.top(7) == [("difusion", 1)]
    await replies.misses.flush()
    assert await replies.misses.top(7) == [("difusion", 1)]  # the same once written, not counted twice


@pytest.mark.parametrize(
    "text",
    ["", "   ", "qqqqzzzz", "@everyone", "<@123>", "```", "'; DROP TABLE terms; --", "😀" * 6000, "**" * 3000],
)
async def test_define_odd_input_gets_a_short_clear_ephemeral_answer(replies: Replies, text: str) -> None:
    reply = await replies.define(text, guild_id=1)
    assert reply.ephemeral
    assert 0 < len(reply.content) <= 200
    assert "```" not in reply.content


def test_quote_keeps_user_text_inside_one_code_span() -> None:
    assert quote("a`b\nc") == "`a'b c`"
    assert len(quote("x" * 500)) <= 62


async def test_search_lists_results_with_buttons(replies: Replies) -> None:
    reply = await replies.search("noise images")
    assert reply.ephemeral and reply.embed is not None
    assert "Diffusion Model" in reply.embed["description"]
    assert 1 <= len(reply.buttons) <= 10
    assert len(reply.embed["description"]) <= limits.EMBED_DESCRIPTION


async def test_search_with_no_results(replies: Replies) -> None:
    reply = await replies.search("zzzqqqxxx")
    assert reply.ephemeral and reply.embed is None and reply.content.startswith("Nothing in the glossary matches")
    assert (await replies.search("   ")).content.startswith("Type something")


async def test_random_is_a_public_card(replies: Replies, library: Library) -> None:
    reply = await replies.random()
    assert not reply.ephemeral and reply.embed is not None
    assert library.index.lookup(reply.embed["title"]) is not None


async def test_open_a_term_that_left_the_glossary(db, write_yaml) -> None:
    folder = write_yaml(
        "g.yaml", "terms:\n  - term: Transformer\n    definition: d\n  - term: Transformers Lib\n    definition: e\n"
    )
    library = Library(db, folder)
    await library.load()
    replies = Replies(library, MissLog(db))
    old = library.index.lookup("transformer")
    write_yaml("g.yaml", "terms:\n  - term: Transformers Lib\n    definition: e\n")
    await library.reload()
    reply = await replies.open(old)
    assert reply.ephemeral
    assert reply.content.startswith("**Transformer** is no longer in the glossary.")
    assert [label for _, label in reply.buttons] == ["Transformers Lib"]
    unknown = await replies.open(123456)
    assert unknown.content == "That term is no longer in the glossary."


async def test_forged_ids_and_lone_surrogates_get_real_answers(replies: Replies) -> None:
    for forged in (9_999_999_999_999_999_999, 2**63, 0, -5):
        reply = await replies.open(forged)
        assert reply.ephemeral and reply.content == "That button does not lead to any term. Try `/define`."
    # Discord can deliver lone surrogates; SQLite and JSON cannot take them.
    card = await replies.define("\ud800diffusion\udfff", guild_id=3)
    assert card.embed is not None and card.embed["title"] == "Diffusion Model"
    lone = "\ud800quasar vibes\udfff"
    reply = await replies.define(lone, guild_id=3)
    assert reply.ephemeral and "\ud800" not in reply.content and reply.content.startswith("No term matches")
    assert (await replies.search(lone)).ephemeral
    assert isinstance(await replies.autocomplete(lone), list)
    assert await replies.misses.flush() == 1
    assert await replies.misses.top(3) == [("\ufffdquasar vibes\ufffd", 1)]
