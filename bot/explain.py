"""Finding the glossary terms in a piece of text ("Explain terms"): an Aho-Corasick automaton and word lookups.

A :class:`TermFinder` is built with the :class:`~bot.matching.TermIndex` from the same rows and published with
it in one ``Snapshot``, so a reload swaps both at once. The rules, as a reader expects them:

- **What is looked for**: every name, alias and derived name (``Long Short-Term Memory (LSTM)`` → ``LSTM``) of
  every term, in any case, accents folded, and with the simple English plurals ``/define`` accepts (``LLMs``,
  ``queries``, ``boxes``: the last word takes the plural). A name or alias of a single character, or of
  symbols only, is not looked for.
- **Whole words only**: a match starts and ends where words of the text do ("RAG" is not found in "storage",
  nor "GAN" in "organ", nor "GPT" in "GPT4"; it is in "GPT-4"). Words are letters and digits (with a trailing
  ``#``/``+``: ``C#``, ``C++``); hyphens, ``/ ' ’ @ & _ * ~`` and a dot inside a word (``llama.cpp``) join
  words; spaces separate them; a line break and every other punctuation (a full stop ending a sentence, a
  comma, a bracket, a quote, a dash…) ends any name: "the base. Model sizes" does not name "Base Model".
- **Spacing and hyphenation**: a name of several words is found with any of the joiners or spaces between its
  words, or none (``gen-ai``, ``Gen AI`` and ``GenAI`` for the alias "Gen AI"; ``fine tuning``, ``fine-tuning``
  and ``finetuning`` for "Fine-Tuning"). A name written as one word is found as one word of the text, or as a
  whole run of words joined without spaces (``GenAI``, ``gen-ai``, ``I/O``, ``back-propagation``), never split
  by a space: "I am" does not name "IAM", nor "back propagation" "Backpropagation".
- **Acronyms that are everyday words**: a name or alias written as one word with two or more capitals
  (``RAG``, ``CLIP``, ``MoE``, ``ReAct``, ``FLOPs``) whose lower-case form, or its singular, is a common word
  (the list in :mod:`bot.common_words`) is found only where the text writes it exactly so or all in capitals,
  optionally with a plural ``s``/``es``: ``RAG``, ``RAGs``, ``MoE``, ``MOE``, ``MoEs`` are found; ``rag``,
  ``Rag``, ``moe`` are not. Every other name and alias is found in any case (``llm``, ``Transformer``,
  ``lora``).
- **Longest match first**: reading left to right, at each word the longest name starting there wins and the
  words it covers are not read again ("Large Language Model" beats "Language Model"; "KV cache" beats "cache").
- **Each term once**, in the order it first appears. A name several terms share gives each of them, as
  ``/define`` offers each of them; a name beats an alias beats a derived name, as in ``/define``.
- **Not read**: code blocks (```` ``` ```` fences and ``inline code``), links (``scheme://…`` and ``www.…`` up
  to the next space), mentions of people, roles, channels and commands, custom emoji, timestamps,
  ``@everyone``/``@here``. Zero-width characters (and soft hyphens) are removed first, so ``RA\\u200bG``
  reads as ``RAG``.

Cost (``make bench``: 4,000-character messages against 100,000 terms): a few C-speed passes over the text
(translation tables, splits, literal searches), one dict probe per word, one automaton pass, then Python work
only per match found at word boundaries.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, compress, count
from operator import sub
from typing import Any

import ahocorasick

from bot.common_words import COMMON_WORDS
from bot.matching import ALIAS, DERIVED, NAME, derived_names
from bot.model import IndexRow
from bot.normalize import singulars

MIN_KEY = 2  # one-letter names ("C", "R") would be found in every "a" and "I"
_LENGTH_BITS = 8  # an automaton value is group << 8 | key length
_MAX_KEY = (1 << _LENGTH_BITS) - 1
BREAK = "\x00"  # a word of its own between words of different terms; never part of a key

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_CODE = re.compile(r"```.*?```|``.+?``|`[^`]+`", re.S)
# Links are found around a literal "://" or "www." searched for in the lower-cased text (str.find runs at C
# speed; a case-insensitive pattern would step through every character).
_LINK_MARKS = ("://", "www.")
_LINK = re.compile(r"://|www\.", re.I)  # for text that is not ASCII, where lower-casing may move characters
_SPACE = re.compile(r"\s")
_MENTION = re.compile(  # people, roles, channels, commands, custom emoji, timestamps, server guide links
    r"<(?:@[!&]?\d+|#\d+|/[^<>\n]+:\d+|a?:\w+:\d+|t:-?\d+(?::[A-Za-z])?|id:\w+)>|@(?:everyone|here)\b"
)
_SENTENCE_END = re.compile(r"\.(?=\s|$)")
_LOOSE_SYMBOLS = re.compile(r"(?<![^\W_])[#+]+")  # "#"/"+" that end no word ("#rag", "+1") join nothing
_JOINERS = "-/'@&_*~.’\u2010\u2011"  # may join the words of one name: "gen-ai", "I/O", "llama.cpp", "**RAG**"
_ASCII_BREAKS = "".join(chr(c) for c in range(128) if not chr(c).isalnum() and chr(c) not in _JOINERS + " \t#+")
# One character for one (str.translate's fast path): breaks become "\n", then one BREAK word each.
_SPLIT_WORDS = str.maketrans({**dict.fromkeys(map(ord, _ASCII_BREAKS), "\n"), **dict.fromkeys(map(ord, _JOINERS), " ")})
_SPLIT_SPACES = str.maketrans(
    {**dict.fromkeys(map(ord, _ASCII_BREAKS), "\n"), **dict.fromkeys(map(ord, _JOINERS), None)}
)
# In non-ASCII text, any other character that is not a letter, digit, accent, space or joiner is a break.
_OTHER_BREAKS = re.compile(f"[\u2028\u2029\x85]|[^\\w\\s#+\u0300-\u036f{re.escape(_JOINERS)}]")
_KEEP = frozenset("#+")


def _fold(word: str) -> str:
    """A word as keys are compared: lower case, accents folded (as ``bot.normalize`` does)."""
    if word.isascii():
        return word.lower()
    folded = unicodedata.normalize("NFKD", word).casefold()
    return "".join(ch for ch in folded if ch in _KEEP or (ch.isalnum() and not unicodedata.combining(ch)))


def _link_marks(text: str) -> list[tuple[int, int]]:
    """Where each ``://`` or ``www.`` of ``text`` starts and ends, in order."""
    if not text.isascii():
        return [found.span() for found in _LINK.finditer(text)]
    lowered = text.lower()
    marks: list[tuple[int, int]] = []
    for mark in _LINK_MARKS:
        begin = lowered.find(mark)
        while begin >= 0:
            marks.append((begin, begin + len(mark)))
            begin = lowered.find(mark, begin + 1)
    return sorted(marks)


def _without_links(text: str) -> str:
    """``text`` with each link (``scheme://…`` or ``www.…`` up to the next space) replaced by a line break."""
    pieces: list[str] = []
    last = 0
    for begin, end in _link_marks(text):
        if begin < last:
            continue  # inside a link already cut
        while begin > last and (text[begin - 1].isalnum() or text[begin - 1] in "+.-"):
            begin -= 1  # back over the scheme ("https"), not over "[text](" before it
        space = _SPACE.search(text, end)
        pieces += (text[last:begin], "\n")
        last = space.start() if space else len(text)
    pieces.append(text[last:])
    return "".join(pieces)


def _prepared(text: str) -> str:
    """``text`` without what is never read, and with a line break wherever words of different terms cannot meet."""
    text = text.translate(_ZERO_WIDTH)
    if "`" in text:
        text = _CODE.sub("\n", text)
    if "://" in text or "www." in text.lower():
        text = _without_links(text)
    if "<" in text or "@" in text:
        text = _MENTION.sub("\n", text)
    text = _SENTENCE_END.sub("\n", text)
    if "#" in text or "+" in text:
        text = _LOOSE_SYMBOLS.sub(" ", text)
    if not text.isascii():
        text = _OTHER_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    return text


def _split(prepared: str, table: dict[int, Any]) -> list[str]:
    return prepared.translate(table).replace("\n", f" {BREAK} ").split()


def words(text: str) -> list[str]:
    """The words of ``text`` as the matcher reads them, as written, with ``BREAK`` between unrelated ones."""
    return _split(_prepared(text), _SPLIT_WORDS)


def plurals(key: str) -> tuple[str, ...]:
    """The plural spellings of ``key`` that ``bot.normalize.singulars`` maps back to it."""
    if not key[-1].isalpha():
        return ()
    if key.endswith("y") and len(key) > 2 and key[-2] not in "aeiou":
        return (key[:-1] + "ies",)
    if key.endswith(("s", "x", "z", "ch", "sh")):
        return (key + "es",)
    return (key + "s",)


def _case_forms(parts: Sequence[str]) -> frozenset[str] | None:
    """The spellings an everyday-word acronym must be written in (as written, or all capitals); None for any."""
    compact = "".join(parts)
    if len(parts) != 1 or sum(ch.isupper() for ch in compact) < 2:
        return None
    lower = compact.lower()
    if lower not in COMMON_WORDS and COMMON_WORDS.isdisjoint(singulars(lower)):  # FLOPs: "flops" is "flop"s
        return None
    return frozenset((compact, compact.upper()))


_PLURAL_ENDINGS = ("s", "es", "S", "ES")


def _written_spellings(forms: frozenset[str]) -> set[str]:
    """Every way an everyday-word acronym may be written: its forms, alone or with a plural ending."""
    return {form + ending for form in forms for ending in ("", *_PLURAL_ENDINGS)}


def _spelled(written: str, forms: frozenset[str]) -> bool:
    """Whether ``written`` is one of ``forms``, or one of them with a plural ending."""
    return written in forms or any(written.endswith(e) and written[: -len(e)] in forms for e in _PLURAL_ENDINGS)


Group = tuple[tuple[int, frozenset[str] | None], ...]  # the terms a key names: (term id, spellings or None)


@dataclass(slots=True)
class _Owners:
    """The terms one key names, while building: only the best kind (name, then alias, then derived) stays."""

    kind: int
    terms: dict[int, frozenset[str] | None]
    several: bool = False  # some spelling of it has several words: it may be split by spaces in a text

    def add(self, term_id: int, kind: int, forms: frozenset[str] | None) -> None:
        if kind > self.kind:
            return
        if kind < self.kind:
            self.kind, self.terms = kind, {}
        if term_id in self.terms:
            known = self.terms[term_id]
            # Written freely anywhere, the term is found in any case; else each spelling counts.
            forms = None if known is None or forms is None else known | forms
        self.terms[term_id] = forms


def _sources(row: IndexRow) -> Iterator[tuple[str, int]]:
    yield row.name, NAME
    for alias in row.aliases:
        yield alias, ALIAS
    for derived in derived_names(row.name):
        yield derived, DERIVED


def _name_words(text: str) -> list[str]:
    """The words of a name or alias (as :func:`words` reads them, without breaks)."""
    if text.isascii() and text.replace(" ", "").replace("-", "").isalnum():  # nearly every name: a shortcut
        return text.replace("-", " ").split()
    return [part for part in words(text) if part != BREAK]


Owned = tuple[int, int, frozenset[str] | None, bool]  # the usual key: (kind, term id, spellings, several words)


def _keys(rows: Iterable[IndexRow]) -> dict[str, Owned | _Owners]:
    """Every key (folded words of a name, alias or derived name, joined) and the terms it names."""
    owners: dict[str, Owned | _Owners] = {}
    for row in rows:
        for text, kind in _sources(row):
            parts = _name_words(text)
            key = "".join(parts)
            key = key.lower() if key.isascii() else "".join(map(_fold, parts))
            if not MIN_KEY <= len(key) <= _MAX_KEY - 2:  # room for a plural ending
                continue
            found = owners.get(key)
            if found is None:  # nearly every key names one term: a tuple holds it in a fraction of the memory
                owners[key] = (kind, row.term_id, _case_forms(parts), len(parts) > 1)
                continue
            if isinstance(found, tuple):
                first_kind, term_id, forms, several = found
                owners[key] = found = _Owners(first_kind, {term_id: forms}, several)
            found.add(row.term_id, kind, _case_forms(parts))
            found.several = found.several or len(parts) > 1
    return owners


def _terms_of(found: Owned | _Owners) -> tuple[dict[int, frozenset[str] | None], bool]:
    """The terms a key names (with the spellings each needs, or None) and whether the key has several words."""
    if isinstance(found, tuple):
        _, term_id, forms, several = found
        return {term_id: forms}, several
    return found.terms, found.several


def _positions(pieces: Sequence[str]) -> tuple[list[int], list[int]]:
    """Where each of ``pieces`` starts and ends once they are joined."""
    ends = list(accumulate(map(len, pieces)))
    return [0, *ends[:-1]] if ends else [], ends


def _pieces(prepared: str) -> tuple[list[str], list[str], list[str]]:
    """The words of ``prepared`` text as written and folded, and its chunks folded; a piece that folds to nothing
    (accents alone) is dropped."""
    parts = _split(prepared, _SPLIT_WORDS)
    if prepared.isascii():
        lowered = prepared.lower()  # lower() keeps every ASCII character where it was
        return parts, _split(lowered, _SPLIT_WORDS), _split(lowered, _SPLIT_SPACES)
    kept = [(part, folded) for part, folded in zip(parts, map(_fold, parts), strict=True) if folded]
    chunks = [folded for folded in map(_fold, _split(prepared, _SPLIT_SPACES)) if folded]
    return [part for part, _ in kept], [folded for _, folded in kept], chunks


class _Text:
    """One text as it is matched: its words, folded and joined into one stream with where each starts and ends,
    and its chunks (what spaces separate: "gen-ai" and "I/O" are one chunk of two words)."""

    def __init__(self, text: str) -> None:
        self.prepared = _prepared(text)
        self.parts, self.words, self.chunks = _pieces(self.prepared)
        self.stream = "".join(self.words)
        self.word_starts, self.word_ends = _positions(self.words)
        self.starts, self.ends = set(self.word_starts), set(self.word_ends)

    def words_in(self, begin: int, stop: int) -> range:
        """The positions of the words that make up ``begin:stop`` (which starts and ends at words)."""
        return range(bisect_left(self.word_starts, begin), bisect_left(self.word_ends, stop) + 1)

    @cached_property
    def written_chunks(self) -> list[str] | None:
        """The chunks as written, one for each of ``chunks`` (ASCII text; None otherwise, where folding may drop
        some): the case-exact spellings are looked up in them without joining words again."""
        return _split(self.prepared, _SPLIT_SPACES) if self.prepared.isascii() else None

    def written(self, begin: int, stop: int) -> str:
        """The words of a match as the text writes them (joined without what separated them)."""
        span = self.words_in(begin, stop)
        return "".join(self.parts[span.start : span.stop])


Candidate = tuple[int, int, int]  # (start, -length, group): sorted, reading order and longest first


class TermFinder:
    """Every term named in a text, per the rules in the module docstring; built once per glossary load.

    A key written as one word ("RAG", "Backpropagation", "GenAI") is looked up in a dict once per word and once
    per chunk of the text, at C speed; keys of several words ("Large Language Model") are found by the
    automaton, which reads across the spaces between words. One-word keys are most of what an automaton would
    find *inside* words ("rag" in "storage"), each a Python step to reject.
    """

    def __init__(self, rows: Iterable[IndexRow]) -> None:
        owners = _keys(rows)
        self.keys = len(owners)
        # What a key names: one term id (nearly always), or (term id, spellings or None) pairs to check.
        self.groups: list[int | Group] = []
        self._one_word: dict[str, int] = {}  # a one-word key or its plural, folded -> group
        self._cased: dict[str, int] = {}  # an everyday-word acronym as it must be written ("RAG", "RAGs") -> group
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)  # keys of several words and plurals
        added: list[tuple[str, int, bool]] = []
        while owners:  # taken out one by one, so the build never holds two copies of everything
            key, found = owners.popitem()
            terms, several = _terms_of(found)
            if several:
                added.append((key, self._group(terms.items()), True))
                continue
            free = [(term_id, None) for term_id, forms in terms.items() if forms is None]
            if free:
                added.append((key, self._group(free), False))
            self._add_cased(terms)
        for key, group, several in added:
            self._add(key, group, several)
        for key, group, several in added:
            for plural in plurals(key):
                if plural not in self._one_word and plural not in self._automaton:  # a key, or another's plural
                    self._add(plural, group, several)
        self.spellings = len(self._one_word) + len(self._cased) + len(self._automaton)
        if len(self._automaton):
            self._automaton.make_automaton()

    def _group(self, members: Iterable[tuple[int, frozenset[str] | None]]) -> int:
        """A new group of ``members``: held as the bare term id when it is one term named in any spelling."""
        group = tuple(members)
        self.groups.append(group[0][0] if len(group) == 1 and group[0][1] is None else group)
        return len(self.groups) - 1

    def _add_cased(self, terms: dict[int, frozenset[str] | None]) -> None:
        by_spelling: dict[str, list[int]] = {}
        for term_id, forms in terms.items():
            for spelling in _written_spellings(forms) if forms else ():
                by_spelling.setdefault(spelling, []).append(term_id)
        for spelling, term_ids in by_spelling.items():
            if spelling not in self._cased:
                self._cased[spelling] = self._group((term_id, None) for term_id in term_ids)

    def _add(self, spelling: str, group: int, several: bool) -> None:
        if several:
            self._automaton.add_word(spelling, group << _LENGTH_BITS | len(spelling))
        else:
            self._one_word[spelling] = group

    def _word_hits(self, text: _Text) -> list[Candidate]:
        """One-word keys: each word of the text, then each chunk of several words, probed in the dicts (once
        per distinct word: the probes and the candidates they make are C-speed set and map operations)."""
        hits: list[Candidate] = []
        for table, pieces in ((self._one_word, text.words), (self._cased, text.parts)):
            found = table.keys() & set(pieces)
            if found:
                at = list(compress(count(), map(found.__contains__, pieces)))
                begins = list(map(text.word_starts.__getitem__, at))
                lengths = map(sub, begins, map(text.word_ends.__getitem__, at))  # negative: longest first
                hits += zip(begins, lengths, map(table.__getitem__, map(pieces.__getitem__, at)), strict=True)
        if len(text.chunks) != len(text.words):  # some chunk has several words
            hits += self._chunk_hits(text)
        return hits

    def _chunk_hits(self, text: _Text) -> Iterator[Candidate]:
        """Chunks of several words ("gen-ai") that are keys: those with a word starting inside them."""
        chunk_starts, chunk_ends = _positions(text.chunks)
        inside = text.starts.difference(chunk_starts)
        for chunk in {bisect_right(chunk_starts, start) - 1 for start in inside}:
            begin, stop = chunk_starts[chunk], chunk_ends[chunk]
            group = self._one_word.get(text.chunks[chunk])
            if group is None:
                written = text.written_chunks
                group = self._cased.get(written[chunk] if written is not None else text.written(begin, stop))
            if group is not None:
                yield begin, begin - stop, group

    def _automaton_hits(self, text: _Text) -> Iterator[Candidate]:
        if not len(self._automaton):
            return
        starts, ends = text.starts, text.ends
        for last, value in self._automaton.iter(text.stream):
            stop = last + 1
            if stop in ends:
                begin = stop - (value & _MAX_KEY)
                if begin in starts:
                    yield begin, begin - stop, value >> _LENGTH_BITS

    @staticmethod
    def _named(text: _Text, begin: int, stop: int, group: Group) -> list[int]:
        """The terms of ``group`` that the words at ``begin:stop`` name, spelling rules applied."""
        return [term_id for term_id, forms in group if forms is None or _spelled(text.written(begin, stop), forms)]

    def find(self, text: str) -> tuple[int, ...]:
        """The ids of the terms ``text`` names, each once, in the order they first appear."""
        read = _Text(text)
        found: dict[int, None] = {}
        taken = (0, 0)  # the words of the match taken last: those after it are read next
        groups = self.groups
        for candidate in sorted((*self._word_hits(read), *self._automaton_hits(read))):
            begin, stop = candidate[0], candidate[0] - candidate[1]
            if begin < taken[1] and (begin, stop) != taken:  # the same words may name terms of two groups
                continue
            named = groups[candidate[2]]
            if not isinstance(named, int):
                named = self._named(read, begin, stop, named)
                if not named:
                    continue
                found.update(dict.fromkeys(named))
            else:
                found[named] = None
            taken = (begin, stop)
        return tuple(found)

    def stats(self) -> dict[str, Any]:
        """Sizes for the benchmark: keys, spellings (keys, plurals, case-exact forms), one-word ones, the automaton."""
        return {
            "keys": self.keys,
            "spellings": self.spellings,
            "one_word": len(self._one_word),
            "automaton": self._automaton.get_stats() if len(self._automaton) else {},
        }


def message_text(content: str, embeds: Iterable[dict[str, Any]]) -> str:
    """The text of a Discord message as a reader sees it: its content, then each embed's title, description,
    fields (name and value) and footer, one per line (a line break never joins two terms)."""
    pieces = [content]
    for embed in embeds:
        pieces += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields") or ():
            pieces += [field.get("name") or "", field.get("value") or ""]
        pieces.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(piece for piece in pieces if isinstance(piece, str) and piece.strip())
