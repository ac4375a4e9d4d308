"""Finding a term: exact lookup, autocomplete and did-you-mean, over an in-memory index.

Built once per glossary load and never mutated, so lookups need no locks and a reload swaps in a new index in
one assignment. Every query is a handful of dict hits and bisects plus one rapidfuzz pass over a small bucket,
never a Python loop over every name (figures: ``make bench``):

- exact lookup: a dict of normalised names and aliases (``Gen-AI`` = ``genai``), then simple singulars;
- autocomplete: keys that start with what was typed, then keys with a *word* that starts with it
  (``att`` → Multi-Head Attention), both by bisect over sorted lists; fuzzy matches only when little was found;
- did-you-mean: rapidfuzz over the keys of about the same length that share the first or the last letter (a
  typo rarely changes both), plus longer keys that start with the query.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot import limits
from bot.normalize import normalize, singulars
from bot.text import shorten

MIN_FUZZY_SCORE = 70.0
DEFAULT_CHOICES = limits.AUTOCOMPLETE_CHOICES
_WORDS = re.compile(r"[^\W_]+")
_TOP = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class Choice:
    """An autocomplete choice: what the person sees and the value sent back (the term's canonical name)."""

    label: str
    value: str
    term_id: int


def _prefixed(keys: list[str], prefix: str) -> range:
    """Positions in sorted ``keys`` of the keys that start with ``prefix``."""
    lo = bisect_left(keys, prefix)
    return range(lo, bisect_left(keys, prefix + _TOP, lo))


class TermIndex:
    """Names and aliases of one glossary, arranged for fast matching."""

    def __init__(self, rows: Iterable[tuple[int, str, Sequence[str]]]) -> None:
        self.names: dict[int, str] = {}
        self.order: list[int] = []  # term ids in glossary order, for defaults and random picks
        owners: dict[str, tuple[int, str, bool]] = {}  # key -> (term id, text it came from, is an alias)
        for term_id, name, aliases in rows:
            self.names[term_id] = name
            self.order.append(term_id)
            for position, text in enumerate((name, *aliases)):
                key = normalize(text)
                if key and key not in owners:
                    owners[key] = (term_id, text, position > 0)
        self.key_ids: dict[str, int] = {key: owner[0] for key, owner in owners.items()}
        self.sorted_keys: list[str] = sorted(owners)
        self._owner: list[tuple[int, str, bool]] = [owners[key] for key in self.sorted_keys]
        # Word starts inside keys: "Multi-Head Attention" is also found from "head…" and "att…".
        inner: list[tuple[str, int]] = []
        for position, (_, text, _) in enumerate(self._owner):
            # ASCII words found in lower-cased text are already normalised; others take the full path.
            words = _WORDS.findall(text.lower()) if text.isascii() else [normalize(w) for w in _WORDS.findall(text)]
            for start in range(1, len(words)):
                suffix = "".join(words[start:])
                if suffix:
                    inner.append((suffix, position))
        inner.sort()
        self._inner_keys: list[str] = [suffix for suffix, _ in inner]
        self._inner_pos: list[int] = [position for _, position in inner]
        # Did-you-mean buckets: by (length, first letter) and (length, last letter).
        self._by_first: dict[tuple[int, str], list[str]] = {}
        self._by_last: dict[tuple[int, str], list[str]] = {}
        for key in self.sorted_keys:
            self._by_first.setdefault((len(key), key[0]), []).append(key)
            self._by_last.setdefault((len(key), key[-1]), []).append(key)

    def __len__(self) -> int:
        return len(self.names)

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

    def _choice(self, position: int) -> Choice:
        term_id, text, is_alias = self._owner[position]
        name = self.names[term_id]
        return Choice(shorten(f"{text} → {name}" if is_alias else name, limits.CHOICE_NAME), name, term_id)

    def _named(self, term_id: int) -> Choice:
        name = self.names[term_id]
        return Choice(shorten(name, limits.CHOICE_NAME), name, term_id)

    def autocomplete(self, text: str, limit: int = DEFAULT_CHOICES) -> list[Choice]:
        """Up to ``limit`` (≤ 25) choices: exact, then prefix, then word-start matches, then fuzzy."""
        limit = min(limit, limits.AUTOCOMPLETE_CHOICES)
        key = normalize(text)[:100]
        if not key:
            return [self._named(term_id) for term_id in self.order[:limit]]
        out: list[Choice] = []
        seen: set[int] = set()
        exact = self.lookup(text)
        if exact is not None:
            seen.add(exact)
            out.append(self._named(exact))
        for position in self._candidates(key, limit):
            term_id = self._owner[position][0]
            if term_id not in seen:
                seen.add(term_id)
                out.append(self._choice(position))
                if len(out) >= limit:
                    return out
        if len(key) >= 3 and len(out) < 5:
            for term_id in self.suggest(text, limit=limit):
                if term_id not in seen:
                    seen.add(term_id)
                    out.append(self._named(term_id))
                    if len(out) >= limit:
                        break
        return out

    def _candidates(self, key: str, limit: int) -> Iterator[int]:
        """Key positions for autocomplete, best first: among prefix matches, names before aliases, short first."""
        prefix = _prefixed(self.sorted_keys, key)
        head = sorted(prefix[: limit * 4], key=lambda p: (self._owner[p][2], len(self.sorted_keys[p]), p))
        yield from head
        yield from prefix[limit * 4 :]
        for inner in _prefixed(self._inner_keys, key):
            yield self._inner_pos[inner]

    def suggest(self, text: str, limit: int = 5) -> list[int]:
        """Did-you-mean: up to ``limit`` term ids whose name or alias is close to ``text``, best first."""
        key = normalize(text)[:100]
        if not key:
            return []
        spread = 1 if len(key) <= 4 else 2 if len(key) <= 12 else 3
        scores: dict[str, float] = {}
        for length in range(max(1, len(key) - spread), len(key) + spread + 1):
            for bucket in (self._by_first.get((length, key[0])), self._by_last.get((length, key[-1]))):
                if not bucket:
                    continue
                for candidate, score, _ in process.extract(
                    key, bucket, scorer=fuzz.ratio, limit=limit * 2, score_cutoff=MIN_FUZZY_SCORE
                ):
                    # Keys that start like the query are likelier what was meant ("pste" is not "site").
                    scores[candidate] = score + (3 if candidate[0] == key[0] else 0)
        ranked = sorted(scores, key=lambda candidate: (-scores[candidate], candidate))
        if len(key) >= 3:
            # Longer names that start with what was typed ("transformer" → "Transformers Library").
            longer = _prefixed(self.sorted_keys, key)
            ranked += self.sorted_keys[longer.start : min(longer.stop, longer.start + limit)]
        out: list[int] = []
        for candidate in ranked:
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
