"""The loader: good and broken glossaries, every problem reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cards import render
from bot.loader import GlossaryError, _may_overflow, load_glossary
from bot.model import Card, Entry, Faq, Link
from tests.conftest import SHIPPED

GOOD = """
glossary: Test Glossary
terms:
  - term: Alpha Term
    aliases: [AT, Alpha]
    definition: Alpha is the first.
    example: An alpha example.
    why_it_matters: It starts things.
    faq:
      - q: Why alpha?
        a: Because.
    related: [Beta Term]
  - term: Beta Term
    definition: Beta is the second.
    related: [alpha]
"""


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(GlossaryError) as info:
        load_glossary(folder)
    return [str(p) for p in info.value.problems]


def test_shipped_glossary_is_valid_and_large() -> None:
    glossary = load_glossary(SHIPPED)
    assert glossary.name == "Generative AI Glossary"
    assert len(glossary.entries) >= 100
    names = {e.term for e in glossary.entries}
    for seed_term in (
        "Generative AI",
        "Large Language Model",
        "Diffusion Model",
        "Transformer",
        "Variational Autoencoder",
        "Prompt Engineering",
    ):
        assert seed_term in names
    for entry in glossary.entries:
        assert entry.example and entry.why_it_matters and entry.faq, entry.term
        assert 2 <= len(entry.related) <= 6, entry.term


def test_seed_content_in_generative_ai_entry() -> None:
    entry = next(e for e in load_glossary(SHIPPED).entries if e.term == "Generative AI")
    assert "GenAI" in entry.aliases
    assert entry.definition.startswith("Generative AI (GenAI) is artificial intelligence that learns patterns")
    assert entry.example.startswith("A user types a prompt like 'a cat astronaut floating in space'")
    assert entry.faq[0].a.startswith("Regular AI often classifies or predicts")
    assert entry.related == (
        "Large Language Model",
        "Diffusion Model",
        "Transformer",
        "Variational Autoencoder",
        "Prompt Engineering",
    )


def test_good_file_loads_with_name_and_resolves_aliases(write_yaml) -> None:
    folder = write_yaml("g.yaml", GOOD)
    glossary = load_glossary(folder)
    assert glossary.name == "Test Glossary"
    assert [e.term for e in glossary.entries] == ["Alpha Term", "Beta Term"]
    assert glossary.entries[0].source == "g.yaml:3"
    assert len(glossary.content_hash) == 64


def test_a_plain_list_file_is_accepted_and_named_after_the_folder(write_yaml) -> None:
    folder = write_yaml("x.yml", "- term: Solo\n  definition: Alone.\n")
    glossary = load_glossary(folder)
    assert glossary.name == "Glossary"
    assert glossary.entries[0].term == "Solo"


def test_yaml_syntax_error_names_file_and_line(write_yaml) -> None:
    folder = write_yaml("broken.yaml", "terms:\n  - term: A\n    definition: [unclosed\n  - term: B\n")
    problems = problems_of(folder)
    assert len(problems) == 1
    assert problems[0].startswith("broken.yaml:")
    assert "YAML syntax error" in problems[0]
    line = int(problems[0].split(":")[1])
    assert 3 <= line <= 5


def test_every_problem_is_reported_with_its_line(write_yaml) -> None:
    folder = write_yaml(
        "bad.yaml",
        """
        terms:
          - term: Gen-AI
            definition: One.
            colour: red
            related: [Nowhere, Gen AI]
          - term: genai
            definition: Two.
          - aliases: [X]
            definition: No term.
          - term: Lonely
          - term: Selfish
            definition: Points at itself.
            related: [selfish]
        """,
    )
    problems = problems_of(folder)
    text = "\n".join(problems)
    assert "bad.yaml:4: unknown key 'colour'" in text
    assert "bad.yaml:5: related term 'Nowhere' of 'Gen-AI' is not in the glossary" in text
    assert "bad.yaml:6: term 'genai' of 'genai' collides with 'Gen-AI' (bad.yaml:2)" in text
    assert "bad.yaml:8: missing required field 'term'" in text
    assert "bad.yaml:10: missing required field 'definition'" in text
    assert "bad.yaml:13: 'Selfish' lists itself as related" in text


def test_duplicate_alias_across_files_compared_loosely(write_yaml) -> None:
    write_yaml("a.yaml", "terms:\n  - term: Retrieval\n    aliases: [R.A.G.]\n    definition: d\n")
    folder = write_yaml("b.yaml", "terms:\n  - term: RAG\n    definition: d\n")
    problems = problems_of(folder)
    assert problems == [
        "b.yaml:2: term 'RAG' of 'RAG' collides with 'Retrieval' (a.yaml:3); "
        "names and aliases must be unique ignoring case and punctuation"
    ]


def test_text_that_cannot_fit_a_card_is_refused(write_yaml) -> None:
    long_example = "word " * 300
    folder = write_yaml(
        "long.yaml",
        f"terms:\n  - term: {'T' * 81}\n    definition: d\n  - term: Ok\n    definition: d\n"
        f"    example: {long_example}\n",
    )
    text = "\n".join(problems_of(folder))
    assert "long.yaml:2: term is over 80 characters" in text
    assert "long.yaml:6: 'example' does not fit Discord's card limits" in text


def test_wrong_types_and_duplicate_keys(write_yaml) -> None:
    folder = write_yaml(
        "types.yaml",
        """
        terms:
          - term: A
            term: B
            definition: d
            aliases: {x: 1}
            faq: [just text]
          - not a mapping
        """,
    )
    text = "\n".join(problems_of(folder))
    assert "types.yaml:3: key 'term' appears twice" in text
    assert "types.yaml:5: 'aliases' must be a list of text" in text
    assert "each 'faq' item must have 'q' and 'a'" in text
    assert "each entry must be a mapping" in text


def test_missing_and_empty_glossary(tmp_path: Path) -> None:
    assert "no such file" in str(problems_of(tmp_path / "nope")[0])
    (tmp_path / "empty").mkdir()
    assert "no .yaml or .yml files found" in problems_of(tmp_path / "empty")[0]


def test_conflicting_glossary_names(write_yaml) -> None:
    write_yaml("a.yaml", "glossary: One\nterms:\n  - term: A\n    definition: d\n")
    folder = write_yaml("b.yaml", "glossary: Two\nterms:\n  - term: B\n    definition: d\n")
    assert "files name the glossary differently" in problems_of(folder)[0]


def test_non_utf8_file(write_yaml, tmp_path: Path) -> None:
    folder = write_yaml("ok.yaml", "terms: []\n")
    (folder / "latin.yaml").write_bytes(b"terms:\n  - term: caf\xe9\n    definition: d\n")
    problems = problems_of(folder)
    assert problems and problems[0].startswith("latin.yaml:")


@settings(max_examples=300, deadline=None)
@given(
    st.builds(
        Entry,
        term=st.text(min_size=1, max_size=80),
        definition=st.text(min_size=1, max_size=5000),
        aliases=st.lists(st.text(max_size=80), max_size=25).map(tuple),
        example=st.text(max_size=1500),
        why_it_matters=st.text(max_size=1500),
        faq=st.lists(st.builds(Faq, q=st.text(max_size=400), a=st.text(max_size=1500)), max_size=10).map(tuple),
        category=st.text(max_size=3000),
        see_also_links=st.lists(st.just(Link("https://example.com/" + "x" * 100)), max_size=12).map(tuple),
    )
)
def test_skipping_the_render_never_hides_a_cut(entry: Entry) -> None:
    """The validator renders only entries that may overflow; any entry that would be cut must be one of them."""
    rendered = render(Card(0, entry, ()), "G" * 100)
    if rendered.cut:
        assert _may_overflow(entry)


def test_parallel_parse_gives_the_same_glossary_and_problems(monkeypatch: pytest.MonkeyPatch, write_yaml) -> None:
    """Large glossaries are parsed by worker processes; the result must not depend on that."""
    from bot import loader

    sequential = load_glossary(SHIPPED)
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 0)
    parallel = load_glossary(SHIPPED)
    assert parallel == sequential
    write_yaml("a.yaml", "terms:\n  - term: A\n    definition: d\n    related: [Nope]\n")
    folder = write_yaml("b.yaml", "terms:\n  - term: B\n    definition: [unclosed\n")
    problems = problems_of(folder)
    assert problems[0].startswith("a.yaml:4: related term 'Nope'")
    assert problems[1].startswith("b.yaml:") and "YAML syntax error" in problems[1]


def test_links_take_a_title_or_stand_bare(write_yaml) -> None:
    folder = write_yaml(
        "g.yaml",
        """
        terms:
          - term: Alpha
            definition: A.
            see_also_links:
              - https://example.com/bare
              - {url: "https://arxiv.org/abs/1706.03762", title: "Attention Is All You Need (2017)"}
          - term: Beta
            definition: B.
            see_also_links: [{title: no url}, "ftp://x", {url: "https://a.b", titel: typo}]
        """,
    )
    with pytest.raises(GlossaryError) as failed:
        load_glossary(folder)
    messages = [p.message for p in failed.value.problems]
    assert "missing required field 'url'" in messages
    assert "'ftp://x' is not an http(s) link" in messages
    assert "unknown key 'titel' in a link (expected url, title)" in messages
    (folder / "g.yaml").write_text((folder / "g.yaml").read_text().split("  - term: Beta")[0])
    (alpha,) = load_glossary(folder).entries
    assert alpha.see_also_links == (
        Link("https://example.com/bare"),
        Link("https://arxiv.org/abs/1706.03762", "Attention Is All You Need (2017)"),
    )
