"""The index and finder built by a helper process while the database is written: the same as built here, and
built here after all whenever the helper cannot deliver."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from typing import Any

import pytest

from bot import index_process
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
        index, finder = await building.result(_never)
    _same(index, expected_index)
    assert finder.find(TEXT) == expected_finder.find(TEXT) and len(finder.find(TEXT)) >= 4


async def _never() -> tuple[IndexRow, ...]:
    raise AssertionError("the rows were read again, though the helper delivered")


class Reread:
    """A build's ``reread``: the rows again (from the database, in the bot), counting the calls."""

    def __init__(self, rows: tuple[IndexRow, ...]) -> None:
        self.rows = rows
        self.calls = 0

    async def __call__(self) -> tuple[IndexRow, ...]:
        self.calls += 1
        return self.rows


async def test_a_helper_that_dies_is_replaced_by_a_build_here(caplog: pytest.LogCaptureFixture) -> None:
    """The helper does not keep the rows here (they would pin the parsed entries' memory): they are read again."""
    rows = _rows()
    again = Reread(rows)
    with IndexBuild(helper=True) as building:
        building.submit(rows)
        process = building._process
        assert process is not None
        process.kill()
        await asyncio.to_thread(process.join)
        with caplog.at_level(logging.WARNING, logger="bot.index_process"):
            index, finder = await building.result(again)
    _same(index, build(rows)[0])
    assert finder.find(TEXT) and again.calls == 1
    assert "stopped before it was done" in caplog.text


async def test_without_the_helper_the_rows_are_built_here() -> None:
    rows = _rows()
    with IndexBuild(helper=False) as building:
        building.submit(rows)
        index, _ = await building.result(_never)
    _same(index, build(rows)[0])


async def test_closing_a_build_nobody_waits_for_stops_the_helper() -> None:
    building = IndexBuild(helper=True)
    building.submit(_rows())
    process = building._process
    assert process is not None and process.is_alive()
    building.close()
    assert not process.is_alive()
    building.close()  # twice is harmless


async def test_a_helper_that_stops_delivering_is_given_up_after_its_time(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A helper that is alive but makes no progress (stopped here; swapping, wedged in real life) must not hold
    the load, its locks and the paused collector for ever: after its time it is killed and the build done here."""
    monkeypatch.setattr(index_process, "DELIVERY_GRACE_S", 0.5)
    monkeypatch.setattr(index_process, "DELIVERY_S_PER_ROW", 0.0)
    rows = _rows()
    again = Reread(rows)
    with IndexBuild(helper=True) as building:
        process = building._process
        assert process is not None and process.pid is not None
        os.kill(process.pid, signal.SIGSTOP)  # before or while it reads the rows: sending may block too
        building.submit(rows)
        with caplog.at_level(logging.WARNING, logger="bot.index_process"):
            index, finder = await building.result(again)
        assert building._process is None and process.exitcode == -signal.SIGKILL
    _same(index, build(rows)[0])
    assert finder.find(TEXT) and again.calls == 1
    assert "did not deliver in 0 s" in caplog.text


async def test_closing_while_a_thread_waits_on_a_stuck_helper_returns_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cancelled load closes its build while a thread still waits for the helper's answer. Closing the stream
    first would wait for that thread, and so for the helper: for ever, if the helper is stuck."""
    waiting = threading.Event()
    receive = IndexBuild._receive

    def receive_and_tell(stream: Any) -> Any:
        waiting.set()
        return receive(stream)

    monkeypatch.setattr(IndexBuild, "_receive", staticmethod(receive_and_tell))
    building = IndexBuild(helper=True)
    process = building._process
    assert process is not None and process.pid is not None
    try:
        building.submit(_rows())
        assert building._sending is not None and await building._sending  # the helper has every row
        os.kill(process.pid, signal.SIGSTOP)  # it never answers the request for the result now
        result = asyncio.ensure_future(building.result(_never))
        await asyncio.to_thread(waiting.wait)
        result.cancel()
        with pytest.raises(asyncio.CancelledError):
            await result
        closing = threading.Thread(target=building.close)
        closing.start()
        await asyncio.to_thread(closing.join, 30)
        assert not closing.is_alive(), "close() waited for the stuck helper"
        assert process.exitcode == -signal.SIGKILL
    finally:
        if process.is_alive():
            process.kill()


async def test_a_load_with_the_helper_serves_what_a_load_without_it_serves(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large glossaries take the helper route; which route a load takes must not show in what it serves."""
    plain = Library(db, SHIPPED)
    await plain.load()
    monkeypatch.setattr(library_module, "is_large", lambda size: True)
    helped = Library(db, SHIPPED)
    report = await helped.load(force=True)
    assert report.ok and report.rebuilt and report.aliases == plain.current.aliases
    _same(helped.index, plain.index)
    assert helped.current.finder.find(TEXT) == plain.current.finder.find(TEXT)
    card = await helped.card(helped.index.find("RAG")[0])
    assert card is not None and card.entry.term == "Retrieval-Augmented Generation"


async def test_a_load_whose_helper_fails_reads_the_rows_back_and_serves(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    plain = Library(db, SHIPPED)
    await plain.load()
    monkeypatch.setattr(library_module, "is_large", lambda size: True)
    monkeypatch.setattr(IndexBuild, "_receive", staticmethod(lambda stream: None))  # as when the helper died
    helped = Library(db, SHIPPED)
    with caplog.at_level(logging.WARNING, logger="bot.index_process"):
        report = await helped.load(force=True)
    assert report.ok and "stopped before it was done" in caplog.text
    _same(helped.index, plain.index)
    assert helped.current.finder.find(TEXT) == plain.current.finder.find(TEXT)


async def test_a_load_cancelled_while_the_helper_builds_leaves_no_process(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop during a cold load: the load's task is cancelled, and the helper goes with it."""
    monkeypatch.setattr(library_module, "is_large", lambda size: True)
    submitted = asyncio.Event()
    submit = IndexBuild.submit

    def submit_and_tell(self: IndexBuild, rows: tuple[IndexRow, ...]) -> None:
        submit(self, rows)
        submitted.set()

    monkeypatch.setattr(IndexBuild, "submit", submit_and_tell)
    loading = asyncio.ensure_future(Library(sqlite_db, SHIPPED).load())
    await submitted.wait()
    assert [p.name for p in multiprocessing.active_children()] == ["glossary-index"]
    loading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loading
    assert multiprocessing.active_children() == []
