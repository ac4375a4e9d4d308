"""The glossary being served, and how it is loaded and replaced.

A load parses and validates the files in a worker thread (a reload never stalls the event loop; a large
glossary is parsed by two processes, and its index built by a third while the database is written), writes the
result as a new generation beside the one being served, and only then swaps in a new :class:`Snapshot` in
one assignment. A request takes the snapshot once and reads every card from that snapshot's generation, so
it sees the old glossary or the new one, never a mix; a glossary that fails validation changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.database import Database, DatabaseUnavailable
from bot.explain import TermFinder
from bot.gcpause import gc_paused
from bot.index_process import Built, IndexBuild, build
from bot.loader import default_name_for, is_large, parse, source_bytes
from bot.matching import TermIndex
from bot.model import Card, Entry, Glossary, IndexRow
from bot.problems import GlossaryError, Problem
from bot.sources import read_sources
from bot.store import Generation, GlossaryStore, Rows, chunks, index_rows_of

log = logging.getLogger(__name__)
CARD_CACHE_SIZE = 1024
UNAVAILABLE = "*The full card is briefly unavailable (the database is not answering); try again in a moment.*"
WRITERS = 2  # chunks of a new generation written at once
GRACE = timedelta(minutes=10)  # how long a replaced generation stays for requests still on it


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One published glossary as this process serves it: its index, the finder of its terms in any text (built
    from the same rows, so a reload swaps both at once) and the generation its cards come from."""

    name: str
    content_hash: str
    generation: int
    index: TermIndex
    aliases: int
    finder: TermFinder


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a load or reload did, for logs, the CLI and the reload command."""

    ok: bool
    rebuilt: bool  # False when an unchanged glossary was taken from the database as it was
    terms: int
    aliases: int
    seconds: float
    problems: tuple[Problem, ...] = ()  # errors (not loaded) or warnings (loaded, with what was done)

    def summary(self) -> str:
        if not self.ok:
            return f"glossary not loaded: {sum(p.is_error for p in self.problems)} error(s)"
        how = "rebuilt" if self.rebuilt else "unchanged, reused"
        warned = f", {len(self.problems)} warning(s)" if self.problems else ""
        return f"{self.terms} terms, {self.aliases} aliases ({how}, {self.seconds * 1000:.0f} ms{warned})"


def _snapshot(published: Generation, rows: tuple[IndexRow, ...]) -> Snapshot:
    return _snapshot_of_built(published, build(rows), sum(len(row.aliases) for row in rows))


def _snapshot_of_built(published: Generation, built: Built, aliases: int) -> Snapshot:
    index, finder = built
    return Snapshot(published.name, published.content_hash, published.generation, index, aliases, finder)


def _from_memory(snapshot: Snapshot, term_id: int) -> Card:
    """What the index alone knows of a term, while the database is not answering."""
    entry = Entry(
        term=snapshot.index.names[term_id],
        definition=UNAVAILABLE,
        category=snapshot.index.categories.get(term_id, ""),
    )
    return Card(term_id, entry)


class Library:
    """Holds the current glossary; loads it at start and on ``/glossary reload``."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.store = GlossaryStore(db)
        self.path = path
        self._current: Snapshot | None = None
        self._lock = asyncio.Lock()
        self._cards: OrderedDict[tuple[int, int], Card | None] = OrderedDict()

    @property
    def current(self) -> Snapshot:
        """The glossary being served. Take it once per request and pass it along."""
        if self._current is None:
            raise RuntimeError("the glossary has not been loaded yet")
        return self._current

    @property
    def index(self) -> TermIndex:
        return self.current.index

    @property
    def name(self) -> str:
        return self.current.name

    async def load(self, *, force: bool = False) -> LoadReport:
        """Load the glossary at ``self.path``; raises GlossaryError and keeps the current one if it is broken.

        One process at a time loads (several may share a PostgreSQL database): one that finds the same files
        already published serves that generation instead of writing another.
        """
        async with self._lock, self.db.exclusive("glossary-load"):
            started = time.perf_counter()
            sources, digest = await asyncio.to_thread(read_sources, self.path)
            current = self._current
            if not force and current is not None and current.content_hash == digest:
                return LoadReport(True, False, len(current.index), current.aliases, time.perf_counter() - started)
            published = await self.store.published()
            warnings: tuple[Problem, ...] = ()
            rebuilt = force or published is None or published.content_hash != digest
            if rebuilt:
                snapshot, warnings = await self._rebuild(sources, digest)
            else:
                assert published is not None
                snapshot = await self._snapshot_of(published)
            self._swap(snapshot)
            if rebuilt:
                await self._discard_old(snapshot.generation)
            report = LoadReport(True, rebuilt, len(snapshot.index), snapshot.aliases, time.perf_counter() - started,
                                warnings)  # fmt: skip
            log.info("glossary %r loaded from %s: %s", snapshot.name, self.path, report.summary())
            for problem in warnings:
                log.warning("glossary: %s", problem)
            return report

    async def adopt(self, notified: str = "") -> None:
        """Serve the newest published generation if it is newer than ours: another process loaded a glossary
        (``notified`` is its generation, or "" after a lost connection, when notifications may have been missed)."""
        async with self._lock:
            published = await self.store.published()
            current = self._current
            if published is None or (current is not None and published.generation <= current.generation):
                return
            self._swap(await self._snapshot_of(published))
        log.info("glossary %r generation %d, published by another process, now served here",
                 published.name, published.generation)  # fmt: skip

    async def _snapshot_of(self, published: Generation) -> Snapshot:
        rows = await self.store.index_rows(published.generation)
        return await asyncio.to_thread(_snapshot, published, rows)

    def _swap(self, snapshot: Snapshot) -> None:
        self._current = snapshot  # from here on, requests read the new generation
        self._cards.clear()

    async def _rebuild(self, sources: list[tuple[str, Path]], digest: str) -> tuple[Snapshot, tuple[Problem, ...]]:
        """Parse the files, write them as a new generation and publish it; its snapshot, and the warnings.

        A large glossary's index is built by a helper process while the database is written
        (:mod:`bot.index_process`); the collector is paused throughout, as every object made here lives on.
        """
        size = source_bytes(sources)
        log.info("glossary at %s: reading %d file(s), %.1f MB", self.path, len(sources), size / 1e6)
        with gc_paused(), IndexBuild(helper=is_large(size)) as building:
            glossary = await self._parse(sources, digest)
            published, aliases = await self._write(glossary, building)
            warnings = glossary.warnings
            del glossary  # the index and the finder need only the rows: let the entries go before they arrive
            built = await building.result(lambda: self.store.index_rows(published.generation))
        return _snapshot_of_built(published, built, aliases), warnings

    async def _parse(self, sources: list[tuple[str, Path]], digest: str) -> Glossary:
        """``parse`` in a worker thread; cancelled (a stop), it is called off after the files under way."""
        abandon = threading.Event()
        try:
            return await asyncio.to_thread(parse, sources, digest, default_name_for(self.path), abandon)
        except asyncio.CancelledError:
            abandon.set()
            raise

    async def _write(self, glossary: Glossary, building: IndexBuild) -> tuple[Generation, int]:
        """Write ``glossary`` as a new generation, a chunk per transaction, and publish it; the generation and
        its number of aliases. The index rows go to ``building`` as soon as the term ids are known."""
        async with self.db.transaction() as tx:
            generation = await self.store.begin(tx, glossary.name, glossary.content_hash)
            ids = await self.store.term_ids(tx, glossary)
        rows = await asyncio.to_thread(index_rows_of, glossary, ids)
        building.submit(rows)
        await self._write_chunks(chunks(glossary, rows, generation))
        async with self.db.transaction() as tx:
            await self.store.publish(tx, generation)
        return Generation(generation, glossary.name, glossary.content_hash), sum(len(row.aliases) for row in rows)

    async def _write_chunks(self, parts: Iterator[Rows]) -> None:
        """Write each chunk in its own transaction, two writers at a time: while one chunk is written, the next
        one's rows are made (and PostgreSQL, which indexes what it is sent, writes both on two cores)."""
        taking = asyncio.Lock()  # a generator is not to be advanced from two threads at once

        async def writer() -> None:
            while True:
                async with taking:
                    rows = await asyncio.to_thread(next, parts, None)
                if rows is None:
                    return
                async with self.db.transaction() as tx:
                    await self.store.write(tx, rows)

        writers = [asyncio.ensure_future(writer()) for _ in range(WRITERS)]
        try:
            await asyncio.gather(*writers)  # the first failure as it is (a TaskGroup would wrap it in a group)
        except BaseException:
            for task in writers:
                task.cancel()
            await asyncio.gather(*writers, return_exceptions=True)
            raise

    async def _discard_old(self, generation: int) -> None:
        """Drop generations nobody reads any more: superseded more than ``GRACE`` ago (a request, in this
        process or another, may still be answering from the one just replaced)."""
        try:
            async with self.db.transaction() as tx:
                dropped = await self.store.discard_superseded(tx, generation, int(time.time() - GRACE.total_seconds()))
        except Exception:
            log.warning("could not drop old glossary generations; will try at the next load", exc_info=True)
            return
        if dropped:
            log.debug("dropped %d old glossary generation(s)", dropped)

    async def reload(self) -> LoadReport:
        """Load again; on failure return the problems and keep serving the last good glossary."""
        started = time.perf_counter()
        try:
            return await self.load()
        except GlossaryError as exc:
            log.warning("glossary reload refused, still serving the previous one: %s", exc)
            current = self._current
            return LoadReport(
                False,
                False,
                len(current.index) if current else 0,
                current.aliases if current else 0,
                time.perf_counter() - started,
                tuple(exc.problems),
            )

    async def card(self, term_id: int, snapshot: Snapshot | None = None) -> Card | None:
        """The card of ``term_id`` in ``snapshot`` (default: the current one); None if it is not in it."""
        snapshot = snapshot or self.current
        if term_id not in snapshot.index.names:
            return None
        key = (snapshot.generation, term_id)
        if key in self._cards:
            self._cards.move_to_end(key)
            return self._cards[key]
        try:
            card = await self.store.card(snapshot.generation, term_id)
        except DatabaseUnavailable as exc:
            log.warning("serving %r from memory: %s", snapshot.index.names[term_id], exc)
            return _from_memory(snapshot, term_id)
        self._cards[key] = card
        if len(self._cards) > CARD_CACHE_SIZE:
            self._cards.popitem(last=False)
        return card

    async def search(self, query: str, limit: int, snapshot: Snapshot | None = None) -> list[tuple[int, str]]:
        """Full-text search in ``snapshot``'s generation: (term id, name), best first."""
        snapshot = snapshot or self.current
        return await self.store.search(snapshot.generation, query, limit)
