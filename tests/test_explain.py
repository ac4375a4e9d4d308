"""Explain terms: which glossary terms a text names, by the rules of ``bot.explain``, on the shipped glossary and
small made-up ones; and the private answer ``Replies.explain`` builds from them."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import limits, views
from bot.cards import embed_length
from bot.explain import BREAK, TermFinder, message_text, plurals, words
from bot.library import Library
from bot.loader import load_glossary
from bot.model import IndexRow
from bot.normalize import normalize
from bot.replies import MAX_EXPLAINED, Replies
from tests.conftest import SHIPPED


@cache
def shipped() -> tuple[TermFinder, dict[int, str]]:
    """The finder of the glossary in data/ (term ids are positions from 1, as a fresh database gives them)."""
    entries = load_glossary(SHIPPED).entries
    rows = [IndexRow(i, e.term, e.aliases, e.category, not e.definition) for i, e in enumerate(entries, 1)]
    return TermFinder(rows), {row.term_id: row.name for row in rows}


def explained(text: str) -> list[str]:
    finder, names = shipped()
    return [names[term_id] for term_id in finder.find(text)]


def small(*entries: tuple[str, ...]) -> tuple[TermFinder, dict[int, str]]:
    """A finder over ``(name, *aliases)`` entries."""
    rows = [IndexRow(i, name, tuple(aliases)) for i, (name, *aliases) in enumerate(entries, 1)]
    return TermFinder(rows), {row.term_id: row.name for row in rows}


def found_in(finder_names: tuple[TermFinder, dict[int, str]], text: str) -> list[str]:
    finder, names = finder_names
    return [names[term_id] for term_id in finder.find(text)]


def test_the_issue_sentence_is_explained_in_reading_order() -> None:
    text = "we used GRPO on a MoE with a 128k context and a KV cache in FP8"
    assert explained(text) == ["Group Relative Policy Optimization", "Mixture of Experts", "KV Cache", "FP8"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("long-term storage and organ donors", []),  # "RAG" in storage, "GAN" in organ
        ("a GAN, two GANs", ["Generative Adversarial Network"]),
        ("prompts", ["Prompt"]),
        ("the transformers library", ["Transformer"]),
        ("sRAGe xLLM LLMx GPT4", []),
        ("GPT-4o is a GPT", ["GPT"]),  # a hyphen ends a word
    ],
)
def test_whole_words_only(text: str, expected: list[str]) -> None:
    assert explained(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a rag and a Rag", []),
        ("RAG, RAGs and RAGS", ["Retrieval-Augmented Generation"]),
        ("R.A.G. pipelines", ["Retrieval-Augmented Generation"]),
        ("r.a.g. pipelines", []),
        ("moe or Moe", []),
        ("MoE, MOE and MoEs", ["Mixture of Experts"]),
        ("a paper clip", []),
        ("CLIP embeddings", ["CLIP", "Embedding"]),
        ("react to it", []),
        ("a ReAct agent", ["ReAct", "AI Agent"]),
        ("flops on the field", []),
        ("FLOPs per token", ["FLOPs", "Token"]),
        ("a rope", []),
        ("RoPE", ["Rotary Position Embedding"]),
        # Acronyms that are no everyday word are found in any case.
        ("llm and Llm", ["Large Language Model"]),
        ("lora", ["Low-Rank Adaptation"]),
        ("gpu", ["GPU"]),
    ],
)
def test_everyday_word_acronyms_only_in_capitals(text: str, expected: list[str]) -> None:
    assert explained(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LLMs", ["Large Language Model"]),
        ("gen-ai, Gen AI, GenAI, gen ai", ["Generative AI"]),
        ("fine tuning", ["Fine-Tuning"]),
        ("fine-tuning", ["Fine-Tuning"]),
        ("FINETUNING", ["Fine-Tuning"]),
        ("Long Short-Term Memory", ["Long Short-Term Memory"]),
        ("an LSTM", ["Long Short-Term Memory"]),
        ("llama.cpp and vLLM", ["llama.cpp", "vLLM"]),
        ("Humanity’s Last Exam", ["Humanity's Last Exam"]),
        ("mixtures of experts", []),  # only the last word takes a plural, as /define reads it
    ],
)
def test_plurals_and_hyphen_space_variants_as_define_accepts_them(text: str, expected: list[str]) -> None:
    assert explained(text) == expected


def test_plural_spellings_follow_singulars() -> None:
    assert plurals("query") == ("queries",) and plurals("box") == ("boxes",) and plurals("key") == ("keys",)
    assert plurals("llm") == ("llms",) and plurals("c++") == ()
    finder = small(("Query",), ("Box",), ("Batch",))
    assert found_in(finder, "queries, boxes, batches") == ["Query", "Box", "Batch"]


def test_longest_match_first_and_the_words_it_covers_are_not_read_again() -> None:
    assert explained("a large language model") == ["Large Language Model"]
    assert explained("a large language model and a language model") == ["Large Language Model", "Language Model"]
    finder = small(("Cache",), ("KV Cache",), ("Model Card",), ("Card",))
    assert found_in(finder, "the KV cache") == ["KV Cache"]
    assert found_in(finder, "model card, then a card, then the cache") == ["Model Card", "Card", "Cache"]


def test_each_term_once_in_order_of_first_appearance() -> None:
    assert explained("RAG then LLM then RAG then LLMs then Retrieval-Augmented Generation") == [
        "Retrieval-Augmented Generation",
        "Large Language Model",
    ]


def test_a_name_wins_over_another_names_plural() -> None:
    finder = small(("Box",), ("Boxes",))
    assert found_in(finder, "boxes") == ["Boxes"]
    assert found_in(finder, "a box") == ["Box"]


def test_a_name_two_terms_share_in_different_cases() -> None:
    # Both names: "Moe" is found in any case, "MoE" (an everyday-word acronym) only as written.
    finder = small(("MoE",), ("Moe",))
    assert found_in(finder, "moe") == ["Moe"]
    assert sorted(found_in(finder, "MoE")) == ["MoE", "Moe"]


def test_a_shared_name_gives_each_of_its_terms() -> None:
    finder = small(("Attention", "ATT"), ("Attention Span",), ("Transformer Attention", "Attention"))
    # "Attention" is a name of the first and an alias of the third: the name wins, as in /define.
    assert found_in(finder, "attention please") == ["Attention"]
    shared = small(("Alpha", "AB"), ("Beta", "AB"))
    assert found_in(shared, "the AB test") == ["Alpha", "Beta"]


def test_a_one_word_name_is_not_split_by_spaces() -> None:
    finder = small(("Identity and Access Management", "IAM"), ("Backpropagation",), ("Input/Output", "IO"))
    assert found_in(finder, "I am sure, I am") == []
    assert found_in(finder, "back propagation") == []
    assert found_in(finder, "back-propagation and IAM") == ["Backpropagation", "Identity and Access Management"]
    assert found_in(finder, "fast I/O") == ["Input/Output"]


@pytest.mark.parametrize(
    "text",
    [
        "the base. Model sizes",
        "the base\nmodel",
        "the base, model",
        "the base (model)",
        "the base `x` model",
        "the base https://example.com model",
    ],
)
def test_a_name_is_never_read_across_punctuation_or_what_is_ignored(text: str) -> None:
    assert explained(text) == []
    assert explained(text.replace("base", "base model")) == ["Base Model"]


@pytest.mark.parametrize(
    "text",
    [
        "```\nRAG and LLM\n```",
        "```py\nrag = RAG()```",
        "`LLM` and ``RAG``",
        "https://example.com/RAG/LLM",
        "<https://example.com/RAG>",
        "see [the docs](https://example.com/LLM)",
        "www.llm.example",
        "<@123> <@!456> <@&789> <#1011>",
        "<:RAG:123> <a:LLM:456> <t:1700000000:R> </define term:12>",
        "@everyone @here",
    ],
)
def test_code_links_mentions_and_emoji_are_not_read(text: str) -> None:
    assert explained(text) == []


def test_what_surrounds_ignored_parts_is_read() -> None:
    assert explained("RAG ```LLM``` GPU `TPU` https://x.y/FP8 <@1> MoE") == [
        "Retrieval-Augmented Generation",
        "GPU",
        "Mixture of Experts",
    ]
    assert explained("see [LLM](https://example.com/x)") == ["Large Language Model"]  # the link's words are read


def test_zero_width_characters_are_removed_first() -> None:
    assert explained("RA\u200bG and L\u200dL\u2060M\ufeff and fine\u00ad-tuning") == [
        "Retrieval-Augmented Generation",
        "Large Language Model",
        "Fine-Tuning",
    ]
    assert explained("\u200b" * 4000) == []


def test_accents_and_other_scripts() -> None:
    finder = small(("Café Model", "CM"), ("Naïve Bayes",))
    assert found_in(finder, "the cafe model and naive bayes") == ["Café Model", "Naïve Bayes"]
    assert found_in(finder, "the CAFÉ MODEL, the cafe\u0301 model") == ["Café Model"]
    assert explained("日本語のテキスト RAG 😀 LLM — «GPU»") == [
        "Retrieval-Augmented Generation",
        "Large Language Model",
        "GPU",
    ]


def test_one_letter_and_symbol_names_are_not_looked_for() -> None:
    finder = small(("C",), ("R", "RR"), (">>>",), ("C++",), ("C#",))
    assert found_in(finder, "a C and R program >>> in C++ or C# or RR") == ["C++", "C#", "R"]


def test_an_empty_glossary_finds_nothing() -> None:
    empty = TermFinder([])
    assert empty.find("RAG and LLM") == () and empty.find("") == () and empty.keys == 0


def test_every_name_of_the_shipped_glossary_is_found_on_its_own_line() -> None:
    finder, names = shipped()
    assert list(finder.find("\n".join(names.values()))) == list(names)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 4000,
        "A" * 4000,
        "ab " * 1333,
        "RAG" * 1333,
        "-" * 4000,
        ". " * 2000,
        "`" * 4000,
        "```" * 1333,
        "<@" * 2000,
        "@everyone" * 444,
        "\u200b" * 4000,
        "\ud800" * 4000,
        "😀" * 4000,
        "e\u0301" * 2000,
        "#+" * 2000,
    ],
)
def test_adversarial_text_is_read_without_error(text: str) -> None:
    found = explained(text)
    assert len(found) == len(set(found)) <= 1


def test_every_term_concatenated() -> None:
    finder, names = shipped()
    glued = "".join(names.values())  # the words inside each name are still words; nothing spans a glued join
    found = finder.find(glued)
    assert len(found) == len(set(found))
    assert set(found) <= _whole_word_terms(glued)
    spaced = " ".join(names.values())
    assert len(finder.find(spaced)) > 0.9 * len(names)


def test_the_words_the_matcher_reads() -> None:
    assert words("We used gen.ai, e.g. Humanity's Last Exam") == [
        "We", "used", "gen", "ai", BREAK, "e", "g", BREAK, "Humanity", "s", "Last", "Exam",
    ]  # fmt: skip


# -- property: never raises, and every term found is named by whole words of the text ----------------------
@cache
def _keys_by_term() -> dict[int, set[str]]:
    """Every spelling of every shipped term, by the same word splitting and folding (test oracle)."""
    entries = load_glossary(SHIPPED).entries
    out: dict[int, set[str]] = {}
    for term_id, entry in enumerate(entries, 1):
        for text in (entry.term, *entry.aliases):
            key = "".join(normalize(w) for w in words(text) if w != BREAK)
            if len(key) >= 2:
                out.setdefault(term_id, set()).update((key, *plurals(key)))
    return out


def _whole_word_terms(text: str) -> set[int]:
    """Terms some run of whole words of ``text`` spells (any case, ignoring the spacing rule): a superset."""
    folded = [normalize(w) for w in words(text)]  # accents folded too ("AÈ" is "AE")
    runs = {"".join(folded[i:j]) for i in range(len(folded)) for j in range(i + 1, min(len(folded), i + 12) + 1)}
    return {term_id for term_id, keys in _keys_by_term().items() if keys & runs}


PIECES = ["RAG", "rag", "LLM", "large", "language", "model", "MoE", "KV", "cache", "fine", "tuning", "GenAI",
          "storage", "organ", "GAN", "-", " ", "\n", ".", ",", "`", "```", "https://x.y/", "<@1>", "\u200b", "s",
          "é", "😀", "@", "/", "'"]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=60))
def test_never_raises_and_finds_only_whole_words(pieces: list[str]) -> None:
    text = "".join(pieces)
    finder, _ = shipped()
    found = finder.find(text)
    assert len(found) == len(set(found))
    assert set(found) <= _whole_word_terms(text)


# -- where the text comes from ------------------------------------------------------------------------------
def test_message_text_reads_content_and_every_part_of_embeds() -> None:
    first = {"title": "RAG", "description": "about LLM", "fields": [{"name": "GPU", "value": "TPU"}]}
    embeds = [
        first | {"footer": {"text": "FP8"}},
        {"image": {"url": "https://x.y/a.png"}},
        {"fields": [{"name": "KV", "value": "cache"}]},
    ]
    text = message_text("MoE", embeds)
    assert text == "MoE\nRAG\nabout LLM\nGPU\nTPU\nFP8\nKV\ncache"
    assert "KV Cache" not in explained(text)  # a field's name and value are not one phrase
    assert message_text("", []) == ""


# -- the answer ---------------------------------------------------------------------------------------------
async def test_explain_lists_terms_in_order_with_first_sentences_and_buttons(replies: Replies) -> None:
    reply = await replies.explain("we used GRPO on a MoE with a KV cache in FP8 <@123> @everyone")
    assert reply.ephemeral and reply.embed is not None and reply.content == ""
    assert reply.embed["title"] == "4 glossary terms found"
    lines = reply.embed["description"].split("\n")
    assert [line.split("**")[1] for line in lines] == [
        "Group Relative Policy Optimization",
        "Mixture of Experts",
        "KV Cache",
        "FP8",
    ]
    assert lines[1].startswith("**Mixture of Experts** · Mixture of experts (MoE) is a neural network design")
    assert all(line.endswith((".", "…")) for line in lines)
    assert [label for _, label in reply.buttons] == [line.split("**")[1] for line in lines]
    body = views.payload(reply)
    assert body["allowed_mentions"] == {"parse": []} and body["flags"] == 64
    ids = [c["custom_id"] for row in body["components"] for c in row["components"]]
    assert len(ids) == len(set(ids)) == 4 and all(len(i) <= limits.CUSTOM_ID for i in ids)


async def test_explain_shows_ten_and_counts_the_rest_within_discord_limits(replies: Replies, library: Library) -> None:
    names = list(library.index.names.values())
    reply = await replies.explain("\n".join(names[:25]))
    assert reply.embed is not None and reply.embed["title"] == "25 glossary terms found"
    lines = reply.embed["description"].split("\n")
    assert len(lines) == MAX_EXPLAINED + 1 and lines[-1] == "*…and 15 more.*"
    assert [label for _, label in reply.buttons] == names[:MAX_EXPLAINED]
    assert len(reply.embed["description"]) <= limits.EMBED_DESCRIPTION
    assert embed_length(reply.embed) <= limits.EMBED_TOTAL
    rows = views.payload(reply)["components"]
    assert len(rows) == 2 and all(len(row["components"]) <= limits.BUTTONS_PER_ROW for row in rows)


async def test_explain_with_nothing_found_suggests_define(replies: Replies) -> None:
    for text in ("nothing to see here", "", "   ", "```RAG```", "\ud800" * 10, "a rag"):
        reply = await replies.explain(text)
        assert reply.ephemeral and reply.embed is None and not reply.buttons
        assert "`/define`" in reply.content and len(reply.content) <= 200
    single = await replies.explain("an LLM")
    assert single.embed is not None and single.embed["title"] == "1 glossary term found"


async def test_the_finder_is_swapped_with_the_index_on_reload(db, write_yaml) -> None:
    folder = write_yaml("g.yaml", "terms:\n  - term: Alpha Model\n    definition: First.\n")
    library = Library(db, folder)
    await library.load()
    old = library.current
    write_yaml("g.yaml", "terms:\n  - term: Beta Model\n    definition: Second.\n")
    assert (await library.reload()).ok
    new = library.current
    text = "an alpha model and a beta model"
    assert [old.index.names[t] for t in old.finder.find(text)] == ["Alpha Model"]  # a request on the old one
    assert [new.index.names[t] for t in new.finder.find(text)] == ["Beta Model"]
    assert set(new.finder.find(text)) <= set(new.index.names)
