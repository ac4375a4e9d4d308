"""Load: YAML → validated → SQLite → in-memory index, cold (empty database) and warm (restart, unchanged glossary).

Each runs in its own fresh process (see ``bench.child``) so the peak RSS is the bot's after a start, not the
leftovers of a larger glossary measured earlier. The load is exactly the bot's start-up call,
``Library(GlossaryStore(await bot.db.connect(path)), glossary).load()``; the phases inside it are timed by
wrapping the functions ``bot.library`` calls, so a slow load says *which* phase is slow without a second run.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bot.library
from bench.timing import memory
from bot.db import connect
from bot.library import Library
from bot.store import GlossaryStore


class PhaseTimer:
    """Accumulates wall time per phase by wrapping the callables ``bot.library`` uses (sync or async)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def _add(self, phase: str, started: float) -> None:
        self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - started

    def sync(self, phase: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self._add(phase, started)

        return timed

    def coro(self, phase: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await func(*args, **kwargs)
            finally:
                self._add(phase, started)

        return timed


@contextlib.contextmanager
def _instrumented(library: Library, timer: PhaseTimer) -> Iterator[None]:
    """Time the phases of ``Library.load`` while inside the block; the originals are restored after it."""
    store = library.store
    module_patches = {
        "read_sources": timer.sync("read files + hash", bot.library.read_sources),
        "parse": timer.sync("parse + validate", bot.library.parse),
        "_index_of": timer.sync("build index", bot.library._index_of),
    }
    originals = {name: getattr(bot.library, name) for name in module_patches}
    for name, patched in module_patches.items():
        setattr(bot.library, name, patched)
    store.write = timer.coro("write SQLite", store.write)  # type: ignore[method-assign]
    store.read = timer.coro("read SQLite", store.read)  # type: ignore[method-assign]
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(bot.library, name, original)
        del store.write, store.read  # back to the class's methods


async def open_library(glossary: Path, db_path: Path) -> Library:
    """A library over a new connection, as the bot builds it at start."""
    return Library(GlossaryStore(await connect(db_path)), glossary)


async def measure_load(glossary: Path, db_path: Path, *, expect_rebuilt: bool) -> tuple[dict[str, Any], Library]:
    """Run one load and report its time, phases and memory; returns the library for further measurements."""
    before = memory()
    library = await open_library(glossary, db_path)
    timer = PhaseTimer()
    with _instrumented(library, timer):
        started = time.perf_counter()
        report = await library.load()
        seconds = time.perf_counter() - started
    after = memory()
    if report.rebuilt != expect_rebuilt:
        raise RuntimeError(f"expected rebuilt={expect_rebuilt}, the load reported {report.summary()}")
    result = {
        "seconds": seconds,
        "terms": report.terms,
        "aliases": report.aliases,
        "rebuilt": report.rebuilt,
        "phases_s": timer.seconds,
        "rss_before_mb": before["rss_mb"],
        "rss_after_mb": after["rss_mb"],
        "peak_rss_mb": after["peak_rss_mb"],
        "db_mb": sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*")) / 1e6,
    }
    return result, library
