"""The loader: errors refuse a glossary, warnings say what was done and the glossary is served; every
problem has its file and line, and one root cause is reported once."""

from __future__ import annotations

import codecs
import json
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import limits
from bot.cards import overflows, render
from bot.loader import Abandoned, load_glossary, parse
from bot.model import Card, Entry, Faq, Glossary, Link, Section
from bot.problems import GlossaryError
from bot.sources import read_sources
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


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(GlossaryError) as info:
        load_glossary(folder)
    return [str(p) for p in info.value.errors]


def warnings_of(glossary: Glossary) -> list[str]:
    return [str(w) for w in glossary.warnings]


def related_names(glossary: Glossary, term: str) -> list[str]:
    position = next(i for i, e in enumerate(glossary.entries) if e.term == term)
    return [glossary.entries[r].term for r in glossary.relations[position]]


def test_shipped_glossary_loads_with_no_warning() -> None:
    glossary = load_glossary(SHIPPED)
    assert glossary.name == "Generative AI Glossary"
    assert len(glossary.entries) >= 100 and glossary.warnings == ()


def test_good_file_loads_with_name_and_resolves_aliases(write_yaml) -> None:
    glossary = load_glossary(write_yaml("g.yaml", GOOD))
    assert glossary.name == "Test Glossary" and glossary.warnings == ()
    assert [e.term for e in glossary.entries] == ["Alpha Term", "Beta Term"]
    assert glossary.entries[0].source == "g.yaml:3" and glossary.entries[0].glossary == "Test Glossary"
    assert related_names(glossary, "Beta Term") == ["Alpha Term"]  # by alias
    assert len(glossary.content_hash) == 64


def test_a_plain_list_file_is_accepted_and_named_after_the_folder(write_yaml) -> None:
    glossary = load_glossary(write_yaml("x.yml", "- term: Solo\n  definition: Alone.\n"))
    assert glossary.name == "Glossary" and glossary.entries[0].term == "Solo"


def test_syntax_errors_name_file_and_line(write_yaml) -> None:
    write_yaml("broken.yaml", "terms:\n  - term: A\n    definition: [unclosed\n  - term: B\n")
    folder = write_yaml("broken.json", '[{"term": "A",\n "definition": "x"},\n {"term" "B"}]')
    problems = errors_of(folder)
    assert problems[0].startswith("broken.json:3: JSON syntax error")
    assert problems[1].startswith("broken.yaml:") and "YAML syntax error" in problems[1]


def test_what_makes_a_glossary_unservable_is_an_error(write_yaml) -> None:
    folder = write_yaml(
        "g.yaml", "terms:\n  - term: Fine\n    definition: d\n  - aliases: [X]\n    definition: No name.\n"
    )
    (folder / "latin.yaml").write_bytes(b"terms:\n  - term: caf\xe9\n    definition: d\n")
    (folder / "wide.yaml").write_bytes(codecs.BOM_UTF16_LE + "terms: []\n".encode("utf-16-le"))
    assert errors_of(folder) == [
        "g.yaml:4: an entry has no 'term' (its name)",
        "latin.yaml:1: cannot read the file: the file is not UTF-8 text (byte 21); save it as UTF-8",
        "wide.yaml:1: cannot read the file: the file is UTF-16 text; save it as UTF-8",
    ]


def test_a_byte_order_mark_never_reaches_a_name(write_yaml) -> None:
    folder = write_yaml("ok.yaml", "terms: []\n")
    (folder / "bom.yaml").write_bytes(codecs.BOM_UTF8 + "- term: Café\n  definition: d\n".encode())
    assert load_glossary(folder).entries[0].term == "Café"


def test_warnings_say_what_was_done_and_the_glossary_is_served(write_yaml) -> None:
    folder = write_yaml(
        "g.yaml",
        """
        terms:
          - term: Gen-AI
            id: genai
            definition: One.
            depth: 3
            tags: [ml, text]
            related: [Nowhere, genai, Stub, Stub]
          - term: Stub
            depth: 1
            see_also_links: ["https://example.com/stub", "ftp://nope", {title: no url}]
          - not a mapping
          - term: Odd
            term: Odder
            definition: d
            aliases: {x: 1}
            faq: [just text, {q: Why?}]
            sections: [{title: Problem it addresses, text: Many.}, {title: Empty}]
        """,
    )
    glossary = load_glossary(folder)
    assert [e.term for e in glossary.entries] == ["Gen-AI", "Stub", "Odder"]
    assert related_names(glossary, "Gen-AI") == ["Stub"]
    assert warnings_of(glossary) == [
        "g.yaml:5: unknown key 'depth' ignored (2 entries)",
        "g.yaml:7: 'Gen-AI' lists itself as related: dropped",
        "g.yaml:7: related 'Nowhere' of 'Gen-AI' is not in the glossary: dropped",
        "g.yaml:8: 'Stub' has no definition: served as a short card with its links and related terms",
        "g.yaml:10: 'ftp://nope' is not an http(s) link: dropped",
        "g.yaml:10: a link without a 'url': dropped",
        "g.yaml:11: an entry must be a mapping with at least 'term', found str: skipped",
        "g.yaml:13: key 'term' appears twice in this entry: the last one is used",
        "g.yaml:15: 'aliases' must be a list of text: ignored",
        "g.yaml:16: a faq item must have 'q' and 'a': dropped",
        "g.yaml:16: a faq item without an answer: dropped",
        "g.yaml:17: a section without a title or text: dropped",
    ]
    stub, odder = glossary.entries[1], glossary.entries[2]
    assert stub.definition == "" and stub.see_also_links == (Link("https://example.com/stub"),)
    assert odder.sections == (Section("Problem it addresses", "Many."),) and odder.faq == ()
    assert glossary.entries[0].tags == ("ml", "text")


def test_links_take_a_title_or_stand_bare(write_yaml) -> None:
    folder = write_yaml(
        "g.yaml",
        """
        terms:
          - term: Alpha
            definition: A.
            see_also_links:
              - https://example.com/bare
              - {url: "https://arxiv.org/abs/1706.03762", title: "Attention Is All You Need (2017)", titel: typo}
        """,
    )
    glossary = load_glossary(folder)
    assert glossary.entries[0].see_also_links == (
        Link("https://example.com/bare"),
        Link("https://arxiv.org/abs/1706.03762", "Attention Is All You Need (2017)"),
    )
    assert warnings_of(glossary) == ["g.yaml:6: unknown key 'titel' in see_also_links: ignored"]


def test_text_over_discords_limits_is_served_cut_with_a_warning(write_yaml) -> None:
    long_example = "A sentence of some length here. " * 40
    folder = write_yaml(
        "long.yaml",
        f"terms:\n  - term: {'T' * 81}\n    definition: d\n  - term: Ok\n    definition: d\n"
        f"    example: {long_example}\n",
    )
    glossary = load_glossary(folder)
    assert warnings_of(glossary) == [
        f"long.yaml:2: '{'T' * 40}…' is longer than 80 characters: buttons show it shortened",
        "long.yaml:6: the example of 'Ok' does not fit Discord's limits: cut at a sentence on the card",
    ]
    field = render(Card(1, glossary.entries[1]), "G").embed["fields"][0]
    assert len(field["value"]) <= limits.EMBED_FIELD_VALUE
    assert field["value"].endswith("length here. …") and "  " not in field["value"]


def test_ids_name_entries_and_one_root_cause_is_reported_once(write_yaml) -> None:
    folder = write_yaml(
        "g.yaml",
        """
        - {id: cd-delivery, term: Continuous Delivery, definition: d, related: [cd-deploy, Gone]}
        - {id: cd-deploy, term: Continuous Deployment, definition: d, related: [Continuous Delivery]}
        - {id: cd-deploy, term: Gone, definition: a second entry with a taken id}
        """,
    )
    glossary = load_glossary(folder)
    assert [e.term for e in glossary.entries] == ["Continuous Delivery", "Continuous Deployment"]
    assert related_names(glossary, "Continuous Delivery") == ["Continuous Deployment"]
    assert warnings_of(glossary) == [  # and nothing about the related 'Gone': the skipped entry is the cause
        "g.yaml:3: id 'cd-deploy' is taken by 'Continuous Deployment' (g.yaml:2): 'Gone' skipped"
    ]
    assert glossary.keys == ("id:cd-delivery", "id:cd-deploy")


def test_shared_names_and_aliases_are_served_with_a_note(write_yaml) -> None:
    folder = write_yaml(
        "g.yaml",
        """
        - {term: Continuous Delivery, aliases: [CD], category: Practices, definition: d}
        - {term: Continuous Deployment, aliases: [CD], category: Practices, definition: d, related: [CD]}
        - {term: Pipeline, category: CI, definition: d}
        - {term: Pipeline, category: Data, definition: d}
        - {term: Stage, aliases: [Pipeline], category: CI, definition: d}
        - {term: Token, category: Data, definition: d}
        - {term: Token, category: Data, definition: again}
        """,
    )
    glossary = load_glossary(folder)
    assert len(glossary.entries) == 7
    assert warnings_of(glossary) == [
        "g.yaml:2: 'Continuous Deployment' shares an alias with 'Continuous Delivery': /define offers each",
        "g.yaml:2: related 'CD' of 'Continuous Deployment' names 2 entries: dropped (use an id)",
        "g.yaml:5: alias of 'Stage' is the name of 'Pipeline': /define shows 'Pipeline'",
        "g.yaml:7: 'Token' is also the name of an entry in the same category (g.yaml:6): both are served; give one"
        " an id or another category",
    ]
    assert glossary.keys == (
        "continuousdelivery", "continuousdeployment", "pipeline", "pipeline@data", "stage", "token", "token@data",
    )  # fmt: skip


def test_several_glossaries_in_one_folder_keep_their_names(write_yaml) -> None:
    write_yaml(
        "a.yaml", "glossary: Cloud Native\nattribution: CNCF, CC BY 4.0\nterms:\n  - {term: Pod, definition: d}\n"
    )
    folder = write_yaml("b.yaml", "glossary: Machine Learning\nterms:\n  - {term: Epoch, definition: d}\n")
    glossary = load_glossary(folder)
    assert glossary.warnings == () and glossary.name == "Cloud Native"
    pod, epoch = glossary.entries
    assert (pod.glossary, pod.attribution) == ("Cloud Native", "CNCF, CC BY 4.0")
    assert (epoch.glossary, epoch.attribution) == ("Machine Learning", "")


def test_json_files_load_like_yaml(write_yaml) -> None:
    entries = [
        {"id": "b1", "term": "Block", "definition": "A batch of transactions. \U0001f9f1", "tags": ["chain"],
         "related": ["b2"], "depth": 1},
        {"id": "b2", "term": "Hash", "definition": "A digest.", "related": ["b1"], "depth": 2},
    ]  # fmt: skip
    write_yaml("list.json", json.dumps(entries, indent="\t"))  # tabs, and the emoji as a surrogate pair
    folder = write_yaml(
        "mapping.json", json.dumps({"glossary": "Chain", "terms": [{"term": "Node", "definition": "d"}]})
    )
    glossary = load_glossary(folder)
    block, _, node = glossary.entries
    assert block.definition.endswith("\U0001f9f1") and block.tags == ("chain",) and node.glossary == "Chain"
    assert related_names(glossary, "Block") == ["Hash"] and related_names(glossary, "Hash") == ["Block"]
    assert warnings_of(glossary) == ["list.json:12: unknown key 'depth' ignored (2 entries)"]


def test_missing_and_empty_glossary(tmp_path: Path) -> None:
    assert errors_of(tmp_path / "nope") == [f"{tmp_path / 'nope'}:0: no such file or folder"]
    (tmp_path / "empty").mkdir()
    assert errors_of(tmp_path / "empty") == [f"{tmp_path / 'empty'}:0: no .yaml, .yml or .json files found"]


_TEXT = st.text(max_size=1500)


@settings(max_examples=300, deadline=None)
@given(
    st.builds(
        Entry,
        term=st.text(min_size=1, max_size=300),
        definition=st.text(max_size=5000),
        aliases=st.lists(st.text(max_size=80), max_size=25).map(tuple),
        example=_TEXT,
        why_it_matters=_TEXT,
        faq=st.lists(st.builds(Faq, q=st.text(max_size=400), a=_TEXT), max_size=12).map(tuple),
        category=st.text(max_size=300),
        see_also_links=st.lists(st.just(Link("https://example.com/" + "x" * 100)), max_size=12).map(tuple),
        tags=st.lists(st.text(max_size=50), max_size=30).map(tuple),
        sections=st.lists(st.builds(Section, title=st.text(min_size=1, max_size=300), text=_TEXT), max_size=5).map(
            tuple
        ),
    )
)
def test_the_warning_about_cuts_matches_what_the_card_cuts(entry: Entry) -> None:
    """The loader's warning and the card come from the same layout: a cut is never hidden, never invented."""
    cut_on_card = render(Card(0, entry, ()), "G" * 100, "H" * 40).cut
    assert overflows(entry) == list(cut_on_card)


def test_parallel_parse_gives_the_same_glossary_and_problems(monkeypatch: pytest.MonkeyPatch, write_yaml) -> None:
    """Large glossaries are parsed by worker processes; the result must not depend on that."""
    from bot import loader

    sequential = load_glossary(SHIPPED)
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 0)
    assert load_glossary(SHIPPED) == sequential
    write_yaml("a.yaml", "terms:\n  - term: A\n    definition: d\n    related: [Nope]\n")
    folder = write_yaml("b.yaml", "terms:\n  - term: B\n    definition: [unclosed\n")
    with pytest.raises(GlossaryError) as failed:
        load_glossary(folder)
    assert str(failed.value.problems[0]).startswith("a.yaml:4: related 'Nope'")
    assert failed.value.errors[0].file == "b.yaml" and "YAML syntax error" in failed.value.errors[0].message


def test_a_parse_called_off_ends_after_the_file_under_way(write_yaml) -> None:
    """A stop during a long load sets ``abandon``: the parse ends at the next file, and says how far it got."""
    for n in range(3):
        folder = write_yaml(f"part-{n}.yaml", f"terms:\n  - term: Term {n}\n    definition: Number {n}.\n")
    sources, digest = read_sources(folder)
    abandon = threading.Event()
    assert len(parse(sources, digest, "G", abandon).entries) == 3  # not set: the whole glossary
    abandon.set()
    with pytest.raises(Abandoned, match="after 1 of 3 files"):
        parse(sources, digest, "G", abandon)
