"""The index and finder built by a helper process while the database is written: the same as built here, and
built here after all whenever the helper cannot deliver."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot import library as library_module
from bot.database import Database
from bot.index_process import IndexBuild, build
from bot.library import Library
from bot.loader import load_glossary
from bot.matching import TermIndex
from bot.model import IndexRow
from tests.conftest import SHIPPED

TEXT = "We used RAG with a large language model, LoRA fine-tuning and chain-of-thought prompting."


def _rows() -> tuple[IndexRow, ...]:
    entries = load_glossary(SHIPPED).entries
    return tuple(IndexRow(n + 1, e.term, e.aliases, e.category, not e.definition) for n, e in enumerate(entries))


def _same(index: TermIndex, expected: TermIndex) -> None:
    assert index.names == expected.names and index.order == expected.order and index.featured == expected.featured
    assert index.sorted_keys == expected.sorted_keys and index.key_ids == expected.key_ids
    assert [c.value for c in index.autocomplete("lang")] == [c.value for c in expected.autocomplete("lang")]
    assert index.suggest("transfromer") == expected.suggest("transfromer")


async def test_the_helper_builds_what_this_process_would() -> None:
    rows = _rows()
    expected_index, expected_finder = build(rows)
    with IndexBuild(helper=True) as building:
        building.submit(rows)
        index, finder = await building.result()
    _same(index, expected_index)
    assert finder.find(TEXT) == expected_finder.find(TEXT) and len(finder.find(TEXT)) >= 4


async def test_a_helper_that_dies_is_replaced_by_a_build_here(caplog: pytest.LogCaptureFixture) -> None:
    rows = _rows()
    with IndexBuild(helper=True) as building:
        building.submit(rows)
        process = building._process
        assert process is not None
        process.kill()
        await asyncio.to_thread(process.join)
        with caplog.at_level(logging.WARNING, logger="bot.index_process"):
            index, finder = await building.result()
    _same(index, build(rows)[0])
    assert finder.find(TEXT)
    assert "stopped before it was done" in caplog.text


async def test_closing_a_build_nobody_waits_for_stops_the_helper() -> None:
    building = IndexBuild(helper=True)
    building.submit(_rows())
    process = building._process
    assert process is not None and process.is_alive()
    building.close()
    assert not process.is_alive()
    building.close()  # twice is harmless


async def test_a_load_with_the_helper_serves_what_a_load_without_it_serves(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large glossaries take the helper route; which route a load takes must not show in what it serves."""
    plain = Library(db, SHIPPED)
    await plain.load()
    monkeypatch.setattr(library_module, "is_large", lambda sources: True)
    helped = Library(db, SHIPPED)
    report = await helped.load(force=True)
    assert report.ok and report.rebuilt and report.aliases == plain.current.aliases
    _same(helped.index, plain.index)
    assert helped.current.finder.find(TEXT) == plain.current.finder.find(TEXT)
    card = await helped.card(helped.index.find("RAG")[0])
    assert card is not None and card.entry.term == "Retrieval-Augmented Generation"
