"""The glossary being served, and how it is loaded and replaced.

Parsing and index building run in a worker thread so a reload never stalls the event loop (autocomplete has
3 seconds, and other servers keep typing). A new glossary replaces the old one in a single assignment after it
has been validated and written, so every request sees either the old glossary or the new one, never a mix, and a
glossary that fails validation changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from bot.gcpause import gc_paused
from bot.loader import GlossaryError, Problem, default_name_for, parse, read_sources
from bot.matching import TermIndex
from bot.model import Card
from bot.store import GlossaryStore, StoredGlossary

log = logging.getLogger(__name__)
CARD_CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class Loaded:
    """One loaded glossary: its name, content hash and index."""

    name: str
    content_hash: str
    index: TermIndex
    aliases: int
    generation: int


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a load or reload did, for logs, the CLI and the reload command."""

    ok: bool
    rebuilt: bool  # False when an unchanged glossary was taken from the database as it was
    terms: int
    aliases: int
    seconds: float
    problems: tuple[Problem, ...] = ()

    def summary(self) -> str:
        if not self.ok:
            return f"glossary not loaded: {len(self.problems)} problem(s)"
        how = "rebuilt" if self.rebuilt else "unchanged, reused"
        return f"{self.terms} terms, {self.aliases} aliases ({how}, {self.seconds * 1000:.0f} ms)"


def _index_of(stored: StoredGlossary) -> TermIndex:
    with gc_paused():
        return TermIndex((row.term_id, row.name, row.aliases) for row in stored.rows)


class Library:
    """Holds the current glossary; loads it at start and on ``/glossary reload``."""

    def __init__(self, store: GlossaryStore, path: Path) -> None:
        self.store = store
        self.path = path
        self._loaded: Loaded | None = None
        self._lock = asyncio.Lock()
        self._cards: OrderedDict[int, Card | None] = OrderedDict()

    @property
    def current(self) -> Loaded:
        if self._loaded is None:
            raise RuntimeError("the glossary has not been loaded yet")
        return self._loaded

    @property
    def index(self) -> TermIndex:
        return self.current.index

    @property
    def name(self) -> str:
        return self.current.name

    async def load(self, *, force: bool = False) -> LoadReport:
        """Load the glossary at ``self.path``; raises GlossaryError and keeps the current one if it is broken."""
        async with self._lock:
            started = time.perf_counter()
            if not self.path.exists():
                raise GlossaryError([Problem(str(self.path), 0, "no such file or folder")])
            sources, digest = await asyncio.to_thread(read_sources, self.path)
            stored: StoredGlossary | None = None
            rebuilt = False
            if not force and self._loaded is not None and self._loaded.content_hash == digest:
                loaded = self._loaded
                return LoadReport(True, False, len(loaded.index), loaded.aliases, time.perf_counter() - started)
            if not force and await self.store.meta("glossary_hash") == digest:
                stored = await self.store.read()
            if stored is None:
                glossary = await asyncio.to_thread(parse, sources, digest, default_name_for(self.path))
                stored = await self.store.write(glossary)
                del glossary  # the index needs only names and aliases: let the rest go before building it
                rebuilt = True
            index = await asyncio.to_thread(_index_of, stored)
            aliases = sum(len(row.aliases) for row in stored.rows)
            generation = 1 if self._loaded is None else self._loaded.generation + 1
            self._loaded = Loaded(stored.name, stored.content_hash, index, aliases, generation)
            self._cards.clear()
            report = LoadReport(True, rebuilt, len(index), aliases, time.perf_counter() - started)
            log.info("glossary %r loaded from %s: %s", stored.name, self.path, report.summary())
            return report

    async def reload(self) -> LoadReport:
        """Load again; on failure return the problems and keep serving the last good glossary."""
        started = time.perf_counter()
        try:
            return await self.load()
        except GlossaryError as exc:
            log.warning("glossary reload refused, still serving the previous one: %s", exc)
            current = self._loaded
            return LoadReport(
                False,
                False,
                len(current.index) if current else 0,
                current.aliases if current else 0,
                time.perf_counter() - started,
                tuple(exc.problems),
            )

    async def card(self, term_id: int) -> Card | None:
        """The card of ``term_id`` in the current glossary (cached; None if the term is not in it)."""
        if term_id in self._cards:
            self._cards.move_to_end(term_id)
            return self._cards[term_id]
        generation = self.current.generation
        card = await self.store.card(term_id) if term_id in self.index.names else None
        if self.current.generation == generation:  # a reload meanwhile makes this answer stale
            self._cards[term_id] = card
            if len(self._cards) > CARD_CACHE_SIZE:
                self._cards.popitem(last=False)
        return card
