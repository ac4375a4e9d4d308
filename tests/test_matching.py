"""Finding terms: exact lookups with aliases and plurals, autocomplete, did-you-mean."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import limits
from bot.loader import load_glossary
from bot.matching import TermIndex
from bot.model import IndexRow
from bot.normalize import normalize, singulars
from tests.conftest import SHIPPED


@pytest.fixture(scope="module")
def index() -> TermIndex:
    glossary = load_glossary(SHIPPED)
    return TermIndex(IndexRow(i, e.term, e.aliases, e.category) for i, e in enumerate(glossary.entries))


def name(index: TermIndex, text: str) -> str | None:
    found = index.lookup(text)
    return None if found is None else index.names[found]


def test_normalize_ignores_case_spacing_and_punctuation() -> None:
    assert normalize("Gen-AI") == normalize("genai") == normalize(" GEN ai ") == "genai"
    assert normalize("Café") == "cafe"
    assert singulars("queries") == ["query", "querie"] or "query" in singulars("queries")
    assert "llm" in singulars("llms")
    assert singulars("loss") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_normalize_of_ascii_text_is_its_letters_and_digits_lower_cased(text: str) -> None:
    """ASCII text takes a faster path (bytes); it must give the key the general rule gives."""
    letters = "".join(ch for ch in text.casefold() if ch.isalnum())
    if letters and not set("#+.") & set(text):
        assert normalize(text) == letters
    assert normalize(text) == normalize(text.upper()) == normalize(text.lower())


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
        _CACHE["i"] = TermIndex(IndexRow(i, e.term, e.aliases, e.category) for i, e in enumerate(glossary.entries))
    return _CACHE["i"]


def test_random_id_and_empty_index() -> None:
    assert TermIndex([]).random_id() is None
    assert TermIndex([]).autocomplete("x") == []
    assert TermIndex([IndexRow(7, "Only", ())]).random_id() == 7
    assert TermIndex([IndexRow(7, "Stub", (), stub=True)]).random_id() is None  # stubs are never picked


def index_of(*rows: tuple[str, tuple[str, ...], str]) -> TermIndex:
    return TermIndex(IndexRow(n, name, aliases, category) for n, (name, aliases, category) in enumerate(rows, 1))


def test_shared_names_and_aliases_find_every_term_and_autocomplete_shows_categories() -> None:
    index = index_of(
        ("Continuous Delivery", ("CD",), "Practices"),
        ("Continuous Deployment", ("CD",), "Practices"),
        ("Pipeline", (), "CI"),
        ("Pipeline", (), "Data"),
        ("Stage", ("Pipeline",), "CI"),
        ("Compact Disc", (), ""),
    )
    assert index.find("cd") == (1, 2) and index.lookup("CD") is None
    assert index.find("pipelines") == (3, 4)  # plurals too; the alias of Stage loses to the two names
    assert index.find("stage") == (5,) and index.find("compact disc") == (6,)
    labels = {c.label: c.value for c in index.autocomplete("CD")}
    assert labels == {"CD → Continuous Delivery (Practices)": "Continuous Delivery",
                      "CD → Continuous Deployment (Practices)": "Continuous Deployment"}  # fmt: skip
    pipelines = [c for c in index.autocomplete("pipeline") if c.term_id in (3, 4)]
    assert [(c.label, c.value) for c in pipelines] == [("Pipeline (CI)", "id:3"), ("Pipeline (Data)", "id:4")]
    assert index.find("id:4") == (4,) and index.find("id:99") == ()
    assert index.suggest("pipelin")[:2] == [3, 4]


def test_symbols_that_make_a_word_are_kept_and_acronyms_in_parentheses_are_found() -> None:
    names = ["C", "C#", "C++", "F#", ".NET", ">>>", "...", "Long Short-Term Memory (LSTM)", "Mamba (model)"]
    index = index_of(*((n, (), "") for n in names))
    for number, name in enumerate(names, 1):
        assert index.find(name) == (number,), name
    assert index.find("c#") == (2,) and index.find("c") == (1,) and index.find(".net") == (5,)
    assert index.find("LSTM") == (8,) and index.find("long short-term memory") == (8,)
    assert index.find("mamba") == (9,) and index.find("model") == ()  # only acronym-like parentheses count
