"""Finding a term: exact lookup, autocomplete and did-you-mean, over an in-memory index.

Built once per glossary load and never mutated, so lookups need no locks and a reload swaps in a new index in
one assignment. Costs (see ``make bench``): exact lookup is a dict hit; autocomplete is a bisect over sorted keys
plus ``str.find`` over one joined string (C speed), never a Python loop over every name; did-you-mean compares
only keys of similar length with rapidfuzz.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot import limits
from bot.cards import shorten
from bot.normalize import normalize, singulars

MIN_FUZZY_SCORE = 70.0
DEFAULT_CHOICES = limits.AUTOCOMPLETE_CHOICES


@dataclass(frozen=True, slots=True)
class Choice:
    """An autocomplete choice: what the person sees and the value sent back (the term's canonical name)."""

    label: str
    value: str
    term_id: int


class TermIndex:
    """Names and aliases of one glossary, arranged for fast matching."""

    def __init__(self, rows: Iterable[tuple[int, str, Sequence[str]]]) -> None:
        self.names: dict[int, str] = {}
        self.order: list[int] = []  # term ids in glossary order, for defaults and random picks
        key_owner: dict[str, tuple[int, str]] = {}  # key -> (term id, the text it came from)
        for term_id, name, aliases in rows:
            self.names[term_id] = name
            self.order.append(term_id)
            for text in (name, *aliases):
                key = normalize(text)
                if key and key not in key_owner:
                    key_owner[key] = (term_id, text)
        self.key_ids: dict[str, int] = {k: v[0] for k, v in key_owner.items()}
        self.sorted_keys: list[str] = sorted(key_owner)
        self._key_text: list[str] = [key_owner[k][1] for k in self.sorted_keys]
        self._key_term: list[int] = [key_owner[k][0] for k in self.sorted_keys]
        # All keys joined by newlines: a substring search is one C-level str.find per hit.
        self._blob = "\n".join(self.sorted_keys)
        self._starts: list[int] = []
        pos = 0
        for key in self.sorted_keys:
            self._starts.append(pos)
            pos += len(key) + 1
        # Keys bucketed by length: a typo changes the length by at most an edit or two.
        self._buckets: dict[int, list[str]] = {}
        for key in self.sorted_keys:
            self._buckets.setdefault(len(key), []).append(key)

    def __len__(self) -> int:
        return len(self.names)

    def name(self, term_id: int) -> str | None:
        return self.names.get(term_id)

    def lookup(self, text: str) -> int | None:
        """The term ``text`` names exactly (ignoring case, spacing, punctuation and simple plurals)."""
        key = normalize(text)
        found = self.key_ids.get(key)
        if found is None:
            for singular in singulars(key):
                found = self.key_ids.get(singular)
                if found is not None:
                    break
        return found

    def _label(self, position: int) -> str:
        text, term_id = self._key_text[position], self._key_term[position]
        name = self.names[term_id]
        label = name if normalize(text) == normalize(name) else f"{text} → {name}"
        return shorten(label, limits.CHOICE_NAME)

    def autocomplete(self, text: str, limit: int = DEFAULT_CHOICES) -> list[Choice]:
        """Up to ``limit`` (≤ 25) choices: prefix matches first, then substring, then fuzzy."""
        limit = min(limit, limits.AUTOCOMPLETE_CHOICES)
        key = normalize(text)[:100]
        out: list[Choice] = []
        seen: set[int] = set()

        def add(position: int) -> bool:
            term_id = self._key_term[position]
            if term_id not in seen:
                seen.add(term_id)
                out.append(Choice(self._label(position), self.names[term_id], term_id))
            return len(out) >= limit

        if not key:
            for term_id in self.order[:limit]:
                out.append(
                    Choice(shorten(self.names[term_id], limits.CHOICE_NAME), self.names[term_id], term_id)
                )
            return out
        exact = self.lookup(text)
        if exact is not None:
            seen.add(exact)
            out.append(Choice(shorten(self.names[exact], limits.CHOICE_NAME), self.names[exact], exact))
        lo = bisect_left(self.sorted_keys, key)
        hi = bisect_right(self.sorted_keys, key + "\U0010ffff")
        # Names before aliases among prefix matches: a name is what people expect to see first.
        prefix = range(lo, hi)
        for position in sorted(prefix[: limit * 4], key=self._alias_rank):
            if add(position):
                return out
        for position in prefix[limit * 4 :]:
            if add(position):
                return out
        for position in self._substring_positions(key, limit * 4):
            if ((lo <= position < hi) or add(position)) and len(out) >= limit:
                return out
        if len(key) >= 3 and len(out) < 5:
            for term_id in self.suggest(text, limit=limit):
                if term_id not in seen:
                    seen.add(term_id)
                    name = self.names[term_id]
                    out.append(Choice(shorten(name, limits.CHOICE_NAME), name, term_id))
                    if len(out) >= limit:
                        break
        return out

    def _alias_rank(self, position: int) -> tuple[int, int]:
        is_alias = normalize(self.names[self._key_term[position]]) != self.sorted_keys[position]
        return (int(is_alias), position)

    def _substring_positions(self, key: str, cap: int) -> list[int]:
        """Positions of keys containing ``key`` (not only at the start), in key order, at most ``cap``."""
        found: list[int] = []
        start = self._blob.find(key)
        while start != -1 and len(found) < cap:
            position = bisect_right(self._starts, start) - 1
            found.append(position)
            # Jump to the next key: one hit per key is enough.
            start = self._blob.find(key, self._starts[position] + len(self.sorted_keys[position]) + 1)
        return found

    def suggest(self, text: str, limit: int = 5) -> list[int]:
        """Did-you-mean: up to ``limit`` term ids whose name or alias is close to ``text``, best first."""
        key = normalize(text)[:100]
        if not key:
            return []
        spread = 1 if len(key) <= 4 else 2 if len(key) <= 12 else 3
        scored: list[tuple[float, str]] = []
        for length in range(max(1, len(key) - spread), len(key) + spread + 1):
            bucket = self._buckets.get(length)
            if not bucket:
                continue
            for candidate, score, _ in process.extract(
                key, bucket, scorer=fuzz.ratio, limit=limit * 2, score_cutoff=MIN_FUZZY_SCORE
            ):
                scored.append((score, candidate))
        # Keys that start with the query's first letter are likelier what was meant ("pste" is not "site").
        scored.sort(key=lambda item: (-(item[0] + (3 if item[1][:1] == key[:1] else 0)), item[1]))
        candidates = [candidate for _, candidate in scored]
        if len(key) >= 3:
            # Longer names that start with what was typed ("transformer" → "Transformers Library").
            lo = bisect_left(self.sorted_keys, key)
            candidates += self.sorted_keys[lo : bisect_right(self.sorted_keys, key + "\U0010ffff", lo=lo)][:limit]
        out: list[int] = []
        for candidate in candidates:
            term_id = self.key_ids[candidate]
            if term_id not in out:
                out.append(term_id)
                if len(out) == limit:
                    break
        return out

    def random_id(self, rng: random.Random | None = None) -> int | None:
        """A random term id, or None for an empty glossary."""
        if not self.order:
            return None
        return (rng or random).choice(self.order)
