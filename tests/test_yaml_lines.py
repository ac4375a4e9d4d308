"""The line-remembering YAML loader gives what PyYAML's safe loader gives, plus where each thing was."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.yaml_lines import LineDict, LineList, load

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["yes", "No", "~", "null", "0x1F", "1e3", "2026-12-02", "12:30", ".inf", "@x", "`x", "-", "<<"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from([False, True]))
def test_any_document_loads_as_the_safe_loader_loads_it(document: object, flow: bool) -> None:
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)
    assert load(text) == yaml.safe_load(text)


def test_lines_of_mappings_keys_and_items() -> None:
    data = load("terms:\n  - term: A\n    definition: x\n\n  - term: B\n")
    assert isinstance(data, LineDict) and data.line == 1 and data.line_of("terms") == 1
    items = data["terms"]
    assert isinstance(items, LineList) and items.lines == [2, 5]
    assert items[0].line == 2 and items[0].line_of("definition") == 3 and items[1].line_of("missing") == 5


def test_duplicate_keys_are_recorded_and_the_last_wins() -> None:
    data = load("term: A\ndefinition: first\ndefinition: second\n")
    assert data["definition"] == "second" and data.duplicate_keys == [("definition", 3)]


def test_scalars_resolve_as_yaml_says() -> None:
    data = load("a: 12\nb: true\nc: ~\nd: 2026-12-02\ne: '12'\nf: |\n  block\ng: 1.5\nh: plain text\n")
    assert data == {"a": 12, "b": True, "c": None, "d": dt.date(2026, 12, 2), "e": "12", "f": "block\n", "g": 1.5,
                    "h": "plain text"}  # fmt: skip


def test_anchors_aliases_tags_and_merge_keys() -> None:
    data = load("base: &b {category: Core}\nterm: &t Alpha\nalias: *t\nother: *b\n")
    assert data["alias"] == "Alpha" and data["other"] == {"category": "Core"}
    tagged = load("n: !!str 123\nm: !!int '7'\n")
    assert tagged == {"n": "123", "m": 7} and tagged.line_of("m") == 2
    merged = load("base: &b {category: Core, why: w}\nentry:\n  <<: *b\n  term: A\n")
    assert merged["entry"] == {"category": "Core", "why": "w", "term": "A"} and merged["entry"].line == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [1, 2\n", "expected ',' or ']'"),
        ("a: *nowhere\n", "undefined alias"),
        ("a: 1\n---\nb: 2\n", "expected a single document"),
    ],
)
def test_bad_documents_raise_with_a_mark(text: str, message: str) -> None:
    with pytest.raises(yaml.YAMLError, match=message) as caught:
        load(text)
    assert caught.value.problem_mark is not None  # type: ignore[attr-defined]


def test_empty_documents_are_none() -> None:
    assert load("") is None and load("# only a comment\n") is None
