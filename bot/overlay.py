"""A server's own terms as a small index beside the shipped one, and lookups that see both.

The shipped glossary has one :class:`~bot.matching.TermIndex` for every server. A server with terms of its
own gets an *overlay*: a second, small TermIndex over its terms, built on first use and kept in a bounded LRU
(dropped when its terms change). Server term ids enter the index negated, so one integer names a term in
either index without collisions: ``-7`` is server term 7, ``7`` is shipped term 7.

A :class:`Scope` answers for one server: the overlay first (a server term wins over a shipped one with the
same name or alias), then the shipped index, whose choices hidden by a server term are left out.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from bot import limits
from bot.explain import TermFinder
from bot.gcpause import gc_paused
from bot.matching import Choice, TermIndex
from bot.model import IndexRow

MAX_OVERLAYS = 512  # servers whose overlays stay in memory: about 0.1 MB each at 100 terms (make bench)


class OverlayIndex(TermIndex):
    """A server's terms: the lookup index, and (built on first use) the finder "Explain terms" reads text with."""

    def __init__(self, rows: Iterable[IndexRow]) -> None:
        self.rows = tuple(rows)
        super().__init__(self.rows)

    @cached_property
    def finder(self) -> TermFinder:
        # Most overlays never explain a text: building the automaton only then keeps the overlay build cheap.
        return TermFinder(self.rows)


EMPTY = OverlayIndex(())


def is_server_term(term_id: int) -> bool:
    """Whether ``term_id`` (as the matching layer sees it) is a server term."""
    return term_id < 0


def build_overlay(rows: list[tuple[int, str, str]]) -> OverlayIndex:
    """The overlay of a server's terms, from (stored id, name, aliases as JSON)."""
    with gc_paused():
        return OverlayIndex(IndexRow(-tid, name, tuple(json.loads(aliases))) for tid, name, aliases in rows)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one server sees: its overlay (possibly empty) over the shipped index."""

    shipped: TermIndex
    overlay: OverlayIndex = EMPTY

    def name(self, term_id: int) -> str | None:
        index = self.overlay if is_server_term(term_id) else self.shipped
        return index.names.get(term_id)

    def has(self, term_id: int) -> bool:
        return self.name(term_id) is not None

    def find(self, text: str) -> tuple[int, ...]:
        """Every term ``text`` names: the server's when it has one by that name or alias, else shipped ones."""
        if len(self.overlay):
            found = self.overlay.find(text)
            if found:
                return found
        return self.shipped.find(text)

    def lookup(self, text: str) -> int | None:
        found = self.find(text)
        return found[0] if len(found) == 1 else None

    def suggest(self, text: str, limit: int) -> list[int]:
        """Did-you-mean over both: the server's close terms first."""
        if not len(self.overlay):
            return self.shipped.suggest(text, limit=limit)
        own = self.overlay.suggest(text, limit=limit)
        return (own + [t for t in self.shipped.suggest(text, limit=limit) if not self._hidden(t)])[:limit]

    def autocomplete(self, text: str, limit: int = limits.AUTOCOMPLETE_CHOICES) -> list[Choice]:
        """The server's choices first, then the shipped ones it does not hide, at most ``limit``."""
        if not len(self.overlay):
            return self.shipped.autocomplete(text, limit=limit)
        own = self.overlay.autocomplete(text, limit=limit)
        shipped = [c for c in self.shipped.autocomplete(text, limit=limit) if not self._hidden(c.term_id)]
        return (own + shipped)[:limit]

    def explain(self, text: str, shipped: TermFinder) -> tuple[int, ...]:
        """The terms ``text`` names: the server's own first, then the shipped ones it does not hide, each group
        in the order they appear."""
        if not len(self.overlay):
            return shipped.find(text)
        own = self.overlay.finder.find(text)
        return own + tuple(t for t in shipped.find(text) if not self._hidden(t))

    def _hidden(self, shipped_id: int) -> bool:
        """A shipped term whose name the server gave to a term of its own: that name now means the server's."""
        name = self.shipped.names.get(shipped_id, "")
        return bool(self.overlay.find(name))

    def random_id(self, rng: random.Random | None = None) -> int | None:
        """A random term with a definition from both, each term equally likely."""
        own, shipped = self.overlay.featured, self.shipped.featured
        total = len(own) + len(shipped)
        if not total:
            return None
        pick = (rng or random).randrange(total)
        return own[pick] if pick < len(own) else shipped[pick - len(own)]


Loader = Callable[[int], Awaitable[list[tuple[int, str, str]]]]


class Overlays:
    """Overlays of the servers that have terms, built lazily and kept in a bounded LRU.

    Only servers in ``with_terms`` are ever loaded, so a lookup in a server without terms of its own costs a
    set lookup and no database query. A build that an edit overtook is not kept (its version is stale).
    """

    def __init__(self, load: Loader, with_terms: set[int], size: int = MAX_OVERLAYS) -> None:
        self.load = load
        self.with_terms = with_terms
        self.size = size
        self._cache: OrderedDict[int, OverlayIndex] = OrderedDict()
        self._versions: dict[int, int] = {}
        self._building: dict[int, asyncio.Task[OverlayIndex]] = {}
        self.builds = 0

    def __len__(self) -> int:
        return len(self._cache)

    async def get(self, guild_id: int | None) -> OverlayIndex:
        """The overlay of ``guild_id`` (EMPTY for a server without terms, or outside a server)."""
        if guild_id is None or guild_id not in self.with_terms:
            return EMPTY
        found = self._cache.get(guild_id)
        if found is not None:
            self._cache.move_to_end(guild_id)
            return found
        task = self._building.get(guild_id)
        if task is None:  # one build per server at a time; concurrent lookups wait for it
            task = asyncio.ensure_future(self._build(guild_id))
            self._building[guild_id] = task
            task.add_done_callback(lambda _t: self._building.pop(guild_id, None))
        return await asyncio.shield(task)

    async def _build(self, guild_id: int) -> OverlayIndex:
        version = self._versions.get(guild_id, 0)
        overlay = build_overlay(await self.load(guild_id))
        self.builds += 1
        if self._versions.get(guild_id, 0) == version:
            self._cache[guild_id] = overlay
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return overlay

    def changed(self, guild_id: int, has_terms: bool) -> None:
        """``guild_id``'s terms changed: drop its overlay (and any build under way) so the next lookup rebuilds."""
        self._versions[guild_id] = self._versions.get(guild_id, 0) + 1
        self._cache.pop(guild_id, None)
        self._building.pop(guild_id, None)
        if has_terms:
            self.with_terms.add(guild_id)
        else:
            self.with_terms.discard(guild_id)

    def clear(self, with_terms: set[int]) -> None:
        """Forget every overlay (notifications may have been missed); ``with_terms`` as the database says."""
        for guild_id in list(self._cache) + list(self._building):
            self._versions[guild_id] = self._versions.get(guild_id, 0) + 1
        self._cache.clear()
        self._building.clear()
        self.with_terms = with_terms
