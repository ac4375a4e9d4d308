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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot import limits
from bot.model import IndexRow
from bot.normalize import normalize, singulars
from bot.text import shorten

MIN_FUZZY_SCORE = 70.0
DEFAULT_CHOICES = limits.AUTOCOMPLETE_CHOICES
_WORDS = re.compile(r"[^\W_]+")
_TOP = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class Choice:
    """An autocomplete choice: what the person sees and the value sent back (what ``/define`` looks up)."""

    label: str
    value: str
    term_id: int


def _prefixed(keys: list[str], prefix: str) -> range:
    """Positions in sorted ``keys`` of the keys that start with ``prefix``."""
    lo = bisect_left(keys, prefix)
    return range(lo, bisect_left(keys, prefix + _TOP, lo))


NAME, ALIAS, DERIVED = 0, 1, 2  # how a key belongs to a term, best first
ID_VALUE = "id:"  # a choice value that names a term by id: for names shared by several terms, or too long
_PARENTHESIS = re.compile(r"^(?P<name>.+?)\s*\((?P<inside>[^()\s]{2,15})\)$")


def derived_names(name: str) -> tuple[str, ...]:
    """Names a reader also types for ``name``: "Long Short-Term Memory (LSTM)" → the name without the
    parenthesis, and the acronym in it (only acronym-like text: "Mamba (model)" gives "Mamba" alone)."""
    match = _PARENTHESIS.match(name.strip())
    if match is None:
        return ()
    inside = match["inside"]
    acronym = sum(c.isupper() or c.isdigit() for c in inside) >= 2
    return (match["name"], inside) if acronym else (match["name"],)


Owner = tuple[int, str, int]  # (term id, the text the key came from, NAME/ALIAS/DERIVED)


def _rank_owners(rows: Iterable[IndexRow]) -> dict[str, list[Owner]]:
    owners: dict[str, list[Owner]] = {}
    for row in rows:
        texts = [(row.name, NAME), *((a, ALIAS) for a in row.aliases), *((d, DERIVED) for d in derived_names(row.name))]
        for text, kind in texts:
            key = normalize(text)
            if not key:
                continue
            found = owners.setdefault(key, [])
            if all(term_id != row.term_id for term_id, _, _ in found):
                found.append((row.term_id, text, kind))
    for found in owners.values():
        if len(found) > 1:
            best = min(kind for _, _, kind in found)
            found[:] = [owner for owner in found if owner[2] == best]  # a name beats an alias beats a derived one
    return owners


class _Picked:
    """Choices collected for autocomplete: each term once, at most ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.choices: list[Choice] = []
        self._seen: set[int] = set()

    def wants(self, term_id: int) -> bool:
        return term_id not in self._seen

    def add(self, choice: Choice) -> bool:
        """Add ``choice``; whether the list is now full."""
        self._seen.add(choice.term_id)
        self.choices.append(choice)
        return len(self.choices) >= self.limit


class TermIndex:
    """Names and aliases of one glossary, arranged for fast matching.

    A key (a normalized name or alias) usually belongs to one term; when several terms share it (an acronym
    with two meanings, one name in two categories) all of them answer, and the caller offers a choice.
    """

    def __init__(self, rows: Iterable[IndexRow]) -> None:
        rows = list(rows)
        self.names: dict[int, str] = {row.term_id: row.name for row in rows}
        self.categories: dict[int, str] = {row.term_id: row.category for row in rows if row.category}
        self.order: list[int] = [row.term_id for row in rows]  # glossary order, for defaults
        self.featured: list[int] = [row.term_id for row in rows if not row.stub]  # random picks, term of the day
        owners = _rank_owners(rows)
        self.sorted_keys: list[str] = sorted(owners)
        self._owner: list[Owner] = [owners[key][0] for key in self.sorted_keys]
        self.key_ids: dict[str, int] = {key: owners[key][0][0] for key in self.sorted_keys}
        self._shared: dict[str, tuple[Owner, ...]] = {k: tuple(o) for k, o in owners.items() if len(o) > 1}
        self._shared_names = {normalize(name) for name in self.names.values()} & set(self._shared)
        self._build_inner()
        self._build_buckets()

    def _build_inner(self) -> None:
        """Word starts inside keys: "Multi-Head Attention" is also found from "head…" and "att…"."""
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

    def _build_buckets(self) -> None:
        """Did-you-mean buckets: by (length, first letter) and (length, last letter)."""
        self._by_first: dict[tuple[int, str], list[str]] = {}
        self._by_last: dict[tuple[int, str], list[str]] = {}
        for key in self.sorted_keys:
            self._by_first.setdefault((len(key), key[0]), []).append(key)
            self._by_last.setdefault((len(key), key[-1]), []).append(key)

    def __len__(self) -> int:
        return len(self.names)

    def find(self, text: str) -> tuple[int, ...]:
        """Every term ``text`` names exactly (ignoring case, spacing, punctuation and simple plurals): one
        id, several when terms share the name or alias, none when nothing matches."""
        text = text.strip()
        if text.startswith(ID_VALUE) and text[len(ID_VALUE) :].isdigit():
            term_id = int(text[len(ID_VALUE) :])
            return (term_id,) if term_id in self.names else ()
        key = normalize(text)
        for candidate in (key, *singulars(key)):
            if candidate in self._shared:
                return tuple(term_id for term_id, _, _ in self._shared[candidate])
            found = self.key_ids.get(candidate)
            if found is not None:
                return (found,)
        return ()

    def lookup(self, text: str) -> int | None:
        """The one term ``text`` names, or None (nothing, or several: see :meth:`find`)."""
        found = self.find(text)
        return found[0] if len(found) == 1 else None

    def _owners(self, position: int) -> tuple[Owner, ...]:
        key = self.sorted_keys[position]
        return self._shared.get(key) or (self._owner[position],)

    def _label(self, term_id: int, text: str, kind: int, shared: bool) -> Choice:
        name = self.names[term_id]
        label = f"{text} → {name}" if kind != NAME else name
        if shared and term_id in self.categories:
            label += f" ({self.categories[term_id]})"
        return Choice(shorten(label, limits.CHOICE_NAME), self._value(term_id), term_id)

    def _value(self, term_id: int) -> str:
        name = self.names[term_id]
        unique = normalize(name) not in self._shared_names and len(name) <= limits.CHOICE_VALUE
        return name if unique else f"{ID_VALUE}{term_id}"

    def _exact(self, text: str) -> list[Choice]:
        """Choices for the terms ``text`` names exactly, each labelled by the name or alias it matched."""
        found = self.find(text)
        if len(found) < 2:
            return [self._named(term_id) for term_id in found]
        key = normalize(text)
        owners = next(self._shared[k] for k in (key, *singulars(key)) if k in self._shared)
        return [self._label(term_id, source, kind, True) for term_id, source, kind in owners]

    def _named(self, term_id: int) -> Choice:
        return self._label(term_id, self.names[term_id], NAME, normalize(self.names[term_id]) in self._shared_names)

    def autocomplete(self, text: str, limit: int = DEFAULT_CHOICES) -> list[Choice]:
        """Up to ``limit`` (≤ 25) choices: exact, then prefix, then word-start matches, then fuzzy."""
        limit = min(limit, limits.AUTOCOMPLETE_CHOICES)
        key = normalize(text)[: limits.QUERY_KEY]
        if not key:
            return [self._named(term_id) for term_id in self.order[:limit]]
        out = _Picked(limit)
        for choice in self._exact(text):
            out.add(choice)
        for position in self._candidates(key, limit):
            owners = self._owners(position)
            for term_id, source, kind in owners:
                if out.wants(term_id) and out.add(self._label(term_id, source, kind, len(owners) > 1)):
                    return out.choices
        if len(key) >= 3 and len(out.choices) < 5:  # little found: what it may be a typo of
            for term_id in self.suggest(text, limit=limit):
                if out.wants(term_id) and out.add(self._named(term_id)):
                    break
        return out.choices

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
        key = normalize(text)[: limits.QUERY_KEY]
        if not key:
            return []
        ranked = self._close_keys(key, limit)
        if len(key) >= 3:
            # Longer names that start with what was typed ("transformer" → "Transformers Library").
            longer = _prefixed(self.sorted_keys, key)
            ranked += self.sorted_keys[longer.start : min(longer.stop, longer.start + limit)]
        out: list[int] = []
        for candidate in ranked:
            for term_id, _, _ in self._shared.get(candidate) or ((self.key_ids[candidate], "", NAME),):
                if term_id not in out:
                    out.append(term_id)
                    if len(out) == limit:
                        return out
        return out

    def _close_keys(self, key: str, limit: int) -> list[str]:
        """Keys of about ``key``'s length sharing its first or last letter, closest first (rapidfuzz ratio)."""
        spread = 1 if len(key) <= 4 else 2 if len(key) <= 12 else 3
        scores: dict[str, float] = {}
        for length in range(max(1, len(key) - spread), len(key) + spread + 1):
            for bucket in (self._by_first.get((length, key[0])), self._by_last.get((length, key[-1]))):
                for candidate, score, _ in process.extract(
                    key, bucket or [], scorer=fuzz.ratio, limit=limit * 2, score_cutoff=MIN_FUZZY_SCORE
                ):
                    # Keys that start like the query are likelier what was meant ("pste" is not "site").
                    scores[candidate] = score + (3 if candidate[0] == key[0] else 0)
        return sorted(scores, key=lambda candidate: (-scores[candidate], candidate))

    def random_id(self, rng: random.Random | None = None) -> int | None:
        """A random term with a definition, or None when there is none."""
        if not self.featured:
            return None
        return (rng or random).choice(self.featured)
