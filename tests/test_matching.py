"""Finding terms: exact lookups with aliases and plurals, autocomplete, did-you-mean."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import limits
from bot.loader import load_glossary
from bot.matching import TermIndex
from bot.normalize import normalize, singulars
from tests.conftest import SHIPPED


@pytest.fixture(scope="module")
def index() -> TermIndex:
    glossary = load_glossary(SHIPPED)
    return TermIndex((i, e.term, e.aliases) for i, e in enumerate(glossary.entries))


def name(index: TermIndex, text: str) -> str | None:
    found = index.lookup(text)
    return None if found is None else index.names[found]


def test_normalize_ignores_case_spacing_and_punctuation() -> None:
    assert normalize("Gen-AI") == normalize("genai") == normalize(" GEN ai ") == "genai"
    assert normalize("Café") == "cafe"
    assert singulars("queries") == ["query", "querie"] or "query" in singulars("queries")
    assert "llm" in singulars("llms")
    assert singulars("loss") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("genai", "Generative AI"),
        ("Gen-AI", "Generative AI"),
        ("GENERATIVE ai", "Generative AI"),
        ("LLM", "Large Language Model"),
        ("LLMs", "Large Language Model"),
        ("large-language model", "Large Language Model"),
        ("large language models", "Large Language Model"),
        ("Diffusion", "Diffusion Model"),
        ("diffusion models", "Diffusion Model"),
        ("RAG", "Retrieval-Augmented Generation"),
        ("vae", "Variational Autoencoder"),
        ("GANs", "Generative Adversarial Network"),
        ("RLHF", "Reinforcement Learning from Human Feedback"),
        ("transformers", "Transformer"),
        ("embeddings", "Embedding"),
    ],
)
def test_exact_lookup(index: TermIndex, text: str, expected: str) -> None:
    assert name(index, text) == expected


@pytest.mark.parametrize("text", ["", "   ", "???", "zzzzqqq", "'; DROP TABLE terms; --", "😀" * 3000])
def test_unknown_lookups_return_none(index: TermIndex, text: str) -> None:
    assert index.lookup(text) is None


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("difusion", "Diffusion Model"),
        ("trnasformer", "Transformer"),
        ("embeding", "Embedding"),
        ("halucination", "Hallucination"),
        ("temprature", "Temperature"),
        ("generativ ai", "Generative AI"),
        ("fine tunning", "Fine-Tuning"),
    ],
)
def test_did_you_mean_puts_the_right_term_first(index: TermIndex, typo: str, expected: str) -> None:
    suggestions = index.suggest(typo)
    assert suggestions, typo
    assert index.names[suggestions[0]] == expected
    assert len(suggestions) <= 5


def test_did_you_mean_finds_nothing_for_nonsense(index: TermIndex) -> None:
    assert index.suggest("qqqqxxxx") == []
    assert index.suggest("") == []


def test_autocomplete_prefix_and_alias_display(index: TermIndex) -> None:
    labels = [c.label for c in index.autocomplete("gen")]
    assert "Generative AI" in labels
    assert labels.index("Generative AI") < 3
    genai = index.autocomplete("genai")
    assert genai[0].value == "Generative AI"
    llm = [c.label for c in index.autocomplete("llm")]
    assert llm[0] == "Large Language Model"
    assert any(" → " in c.label for c in index.autocomplete("ll"))


def test_autocomplete_alias_label_shows_target(index: TermIndex) -> None:
    choices = index.autocomplete("ra")
    rag = [c for c in choices if c.value == "Retrieval-Augmented Generation"]
    assert rag and rag[0].label == "RAG → Retrieval-Augmented Generation"


def test_autocomplete_substring_then_fuzzy(index: TermIndex) -> None:
    assert "Self-Attention" in [c.value for c in index.autocomplete("attention")]
    assert "Multi-Head Attention" in [c.value for c in index.autocomplete("head att")]
    assert next(c.value for c in index.autocomplete("difusion")) == "Diffusion Model"


def test_autocomplete_default_list_is_full_and_starts_with_foundations(index: TermIndex) -> None:
    choices = index.autocomplete("")
    assert len(choices) == limits.AUTOCOMPLETE_CHOICES
    assert choices[0].value == "Generative AI"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_autocomplete_always_within_discord_limits(text: str) -> None:
    index = _shared_index()
    choices = index.autocomplete(text)
    assert len(choices) <= limits.AUTOCOMPLETE_CHOICES
    assert len({c.term_id for c in choices}) == len(choices)
    for choice in choices:
        assert 1 <= len(choice.label) <= limits.CHOICE_NAME
        assert 1 <= len(choice.value) <= limits.CHOICE_VALUE
        assert index.lookup(choice.value) == choice.term_id


_CACHE: dict[str, TermIndex] = {}


def _shared_index() -> TermIndex:
    if "i" not in _CACHE:
        glossary = load_glossary(SHIPPED)
        _CACHE["i"] = TermIndex((i, e.term, e.aliases) for i, e in enumerate(glossary.entries))
    return _CACHE["i"]


def test_random_id_and_empty_index() -> None:
    assert TermIndex([]).random_id() is None
    assert TermIndex([]).autocomplete("x") == []
    assert TermIndex([(7, "Only", ())]).random_id() == 7
