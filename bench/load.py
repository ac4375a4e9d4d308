"""Load: YAML → validated → database (SQLite; PostgreSQL with COPY) → in-memory index, cold and warm.

Cold is a fresh database; warm is a restart with the glossary unchanged.

Each runs in its own fresh process (see ``bench.child``) so the peak RSS is the bot's after a start, not the
leftovers of a larger glossary measured earlier. The load is exactly the bot's start-up call,
``Library(await open_database(path), glossary).load()``; the phases inside it are timed by wrapping the
functions ``bot.library`` calls, so a slow load says *which* phase is slow without a second run:

- ``read files + hash``: ``bot.library.read_sources``;
- ``parse + validate``: ``bot.library.parse`` (cold only);
- ``write database``: ``Library._write``, the new generation written in chunks and published (cold only);
- ``read database``: ``GlossaryStore.index_rows``, the published generation read back (warm only);
- ``build index``: the ``TermIndex`` and the explain ``TermFinder``. Warm: ``bot.library._snapshot`` over the
  rows read. Cold: ``IndexBuild.result``, what is left of the build once the write is done (a large glossary's
  index is built by a helper process while the database is written; a small one's after the write).

Each phase is timed *exclusive* of any phase nested in it, so the phases never count the same second twice.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bot.library
from bench.timing import machine_busy_s, memory
from bot.database import open_database
from bot.index_process import IndexBuild
from bot.library import Library

PHASES = ("read files + hash", "parse + validate", "write database", "read database", "build index")  # in load order


class PhaseTimer:
    """Accumulates wall time per phase by wrapping the callables ``bot.library`` uses (sync or async).

    Time is exclusive: a phase that runs inside another (the index built inside the write) is taken out of the
    outer one. Phases of one load run one after the other (an awaited worker thread at most), so a running
    total of what was already counted is enough to tell what was nested.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._counted = 0.0  # every second already attributed to some phase

    def _add(self, phase: str, started: float, counted_before: float) -> None:
        elapsed = time.perf_counter() - started
        own = elapsed - (self._counted - counted_before)
        self.seconds[phase] = self.seconds.get(phase, 0.0) + own
        self._counted += own

    def sync(self, phase: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            counted, started = self._counted, time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self._add(phase, started, counted)

        return timed

    def coro(self, phase: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            counted, started = self._counted, time.perf_counter()
            try:
                return await func(*args, **kwargs)
            finally:
                self._add(phase, started, counted)

        return timed


@contextlib.contextmanager
def _instrumented(library: Library, timer: PhaseTimer) -> Iterator[None]:
    """Time the phases of ``Library.load`` while inside the block; the originals are restored after it."""
    store = library.store
    module_patches = {
        "read_sources": timer.sync("read files + hash", bot.library.read_sources),
        "parse": timer.sync("parse + validate", bot.library.parse),
        "_snapshot": timer.sync("build index", bot.library._snapshot),
    }
    originals = {name: getattr(bot.library, name) for name in module_patches}
    for name, patched in module_patches.items():
        setattr(bot.library, name, patched)
    library._write = timer.coro("write database", library._write)  # type: ignore[method-assign]
    store.index_rows = timer.coro("read database", store.index_rows)  # type: ignore[method-assign]
    result = IndexBuild.result
    IndexBuild.result = timer.coro("build index", result)  # type: ignore[method-assign]
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(bot.library, name, original)
        del library._write, store.index_rows  # back to the classes' methods
        IndexBuild.result = result  # type: ignore[method-assign]


async def open_library(glossary: Path, target: str | Path) -> Library:
    """A library over a newly opened database (a SQLite file or a PostgreSQL URL), as the bot builds it."""
    return Library(await open_database(target), glossary)


def _database_mb(target: str | Path) -> float | None:
    if str(target).startswith("postgresql://"):
        return None  # the server's files hold every database: no per-database figure from outside
    path = Path(target)
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


async def measure_load(glossary: Path, target: str | Path, *, expect_rebuilt: bool) -> tuple[dict[str, Any], Library]:
    """Run one load and report its time, phases and memory; returns the library for further measurements.

    The caller closes the library's database (``await library.db.close()``).
    """
    before = memory()
    library = await open_library(glossary, target)
    timer = PhaseTimer()
    try:
        with _instrumented(library, timer):
            started, busy = time.perf_counter(), machine_busy_s()
            report = await library.load()
            seconds, busy_after = time.perf_counter() - started, machine_busy_s()
        if report.rebuilt != expect_rebuilt:
            raise RuntimeError(f"expected rebuilt={expect_rebuilt}, the load reported {report.summary()}")
    except BaseException:
        await library.db.close()
        raise
    after = memory()
    result = {
        "seconds": seconds,
        "terms": report.terms,
        "aliases": report.aliases,
        "rebuilt": report.rebuilt,
        "generation": library.current.generation,
        "phases_s": {phase: timer.seconds[phase] for phase in PHASES if phase in timer.seconds},
        "rss_before_mb": before["rss_mb"],
        "rss_after_mb": after["rss_mb"],
        "peak_rss_mb": after["peak_rss_mb"],
        "db_mb": _database_mb(target),
        "machine_cpu_s": None if busy is None or busy_after is None else busy_after - busy,
        "cpus": os.cpu_count(),
    }
    return result, library


async def stored_rows(library: Library) -> list[tuple[int, str, tuple[str, ...]]]:
    """(term id, name, aliases) of every term of the generation being served, read back from SQLite.

    The difflib baseline of ``bench.matching`` is built from these, so it searches exactly the names and
    aliases the bot's index has.
    """
    rows = await library.store.index_rows(library.current.generation)
    return [(row.term_id, row.name, row.aliases) for row in rows]
