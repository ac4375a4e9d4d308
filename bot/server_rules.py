"""What a server term may hold: its limits, the checks its text passes, and forms and files read as entries.

A server term is written by people in Discord, so its rules are stricter than the shipped files': whatever
the loader would only warn about and cut (a card that does not fit, a name too long for a button) is refused
here, and so is anything that would ping (``@everyone``, ``@here``, a user or role mention). Files are read
by the same loader as the shipped glossary (:func:`bot.loader.read_file`), so an import reports the same
problems with the same line numbers, plus these rules at the line of the key that breaks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot import limits
from bot.cards import overflows
from bot.loader import FileResult, read_file
from bot.model import Entry, Faq
from bot.normalize import normalize
from bot.problems import Problem, error, warning
from bot.text import clean

MAX_TERMS = 2_000  # per server: enough for a big community's jargon, small enough for its overlay to stay fast
NAME = limits.TERM_NAME
ALIASES_TEXT = 400  # the modal's aliases box: comma-separated
DEFINITION = 2_000
EXAMPLE = 1_000
WHY = 1_000
QUESTION = 200
ANSWER = 1_000
IMPORT_BYTES = 1_000_000  # an exported file of 2,000 full terms is about 600 KB
_PING = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>", re.IGNORECASE)
_SPLIT = re.compile(r"[,\n]")
_NOT_KEPT = ("id", "category", "tags", "sections", "see_also_links")
# What an imported entry keeps of where it came from: nothing (a server term has no file, category or tags).
_BARE = {"category": "", "tags": (), "sections": (), "see_also_links": (), "source": "", "id": "", "glossary": "",
         "attribution": ""}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Form:
    """What was typed in the add/edit modal, as it was typed (kept to reopen the modal after a problem)."""

    term: str = ""
    aliases: str = ""
    definition: str = ""
    example: str = ""
    why: str = ""

    def entry(self, keep: Entry | None = None) -> Entry:
        """The entry this form describes; related terms and FAQ come from ``keep`` (the term being edited)."""
        aliases = tuple(dict.fromkeys(a.strip() for a in _SPLIT.split(clean(self.aliases)) if a.strip()))
        return Entry(
            term=clean(self.term).strip(),
            definition=clean(self.definition).strip(),
            aliases=aliases,
            example=clean(self.example).strip(),
            why_it_matters=clean(self.why).strip(),
            related=keep.related if keep else (),
            faq=keep.faq if keep else (),
        )

    @classmethod
    def of(cls, entry: Entry) -> Form:
        """The form pre-filled with ``entry`` (to edit it)."""
        return cls(entry.term, ", ".join(entry.aliases), entry.definition, entry.example, entry.why_it_matters)


def _too_long(label: str, text: str, limit: int) -> str | None:
    return f"{label} is {len(text)} characters; the most is {limit}." if len(text) > limit else None


def _ping(label: str, text: str) -> str | None:
    found = _PING.search(text)
    return f"{label} contains a mention ({found[0]}); server terms may not ping anyone." if found else None


def _texts(entry: Entry) -> list[tuple[str, str, str, int]]:
    """(key, label, text, limit) for every piece of text in ``entry``."""
    out = [
        ("term", "The name", entry.term, NAME),
        ("definition", "The definition", entry.definition, DEFINITION),
        ("example", "The example", entry.example, EXAMPLE),
        ("why_it_matters", "Why it matters", entry.why_it_matters, WHY),
    ]
    out += [("aliases", f"Alias '{a[:30]}'", a, limits.ALIAS) for a in entry.aliases]
    out += [("related", f"Related '{r[:30]}'", r, limits.TERM_OPTION) for r in entry.related]
    for number, item in enumerate(entry.faq, 1):
        out.append(("faq", f"FAQ {number}'s question", item.q, QUESTION))
        out.append(("faq", f"FAQ {number}'s answer", item.a, ANSWER))
    return out


def check(entry: Entry) -> list[tuple[str, str]]:
    """What breaks the rules in ``entry``: (its key, one sentence), in the order of the entry."""
    problems: list[tuple[str, str]] = []
    if not normalize(entry.term):
        problems.append(("term", "The name is empty (it needs at least one letter or digit)."))
    if not entry.definition:
        problems.append(("definition", "The definition is empty."))
    for key, label, text, limit in _texts(entry):
        problems += [(key, p) for p in (_too_long(label, text, limit), _ping(label, text)) if p]
    for key, count, most in (
        ("aliases", len(entry.aliases), limits.MAX_ALIASES),
        ("related", len(entry.related), limits.MAX_RELATED),
        ("faq", len(entry.faq), limits.MAX_FAQ),
    ):
        if count > most:
            problems.append((key, f"{count} {key} items; the most is {most}."))
    if not problems:
        problems += [(p.key, f"{p.label.capitalize()} does not fit on a card; shorten it.") for p in overflows(entry)]
    return problems


def with_faq(entry: Entry, question: str, answer: str) -> Entry:
    """``entry`` with the FAQ item for ``question`` set to ``answer`` (added, replaced, or removed if empty)."""
    question, answer = clean(question).strip(), clean(answer).strip()
    kept = [f for f in entry.faq if normalize(f.q) != normalize(question)]
    if answer:
        kept.append(Faq(question, answer))
    return replace(entry, faq=tuple(kept))


def with_related(entry: Entry, related: str) -> Entry:
    """``entry`` with its related terms set to the comma-separated names in ``related`` (empty: none)."""
    names = tuple(dict.fromkeys(r.strip() for r in _SPLIT.split(clean(related)) if r.strip()))
    return replace(entry, related=names)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A file read for an import: its entries (if it has no errors) and every problem, by line."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def parse_upload(file: str, data: bytes) -> Parsed:
    """Read an uploaded glossary file with the loader, then hold each entry to the server terms' rules."""
    if len(data) > IMPORT_BYTES:
        too_large = error(file, 1, "too large", f"the file is {len(data):,} bytes; the most is {IMPORT_BYTES:,}")
        return Parsed((), (too_large,))
    result = read_file(file, data)
    problems = [p for p in result.problems if not _cut_warning(p)]
    entries = _checked(file, result, problems)
    return Parsed(tuple(entries), tuple(sorted(problems)))


def _cut_warning(problem: Problem) -> bool:
    """The loader's "cut to fit" warnings: server terms refuse such text instead (:func:`check`)."""
    return problem.kind in ("too long", "too many") and not problem.is_error


def _checked(file: str, result: FileResult, problems: list[Problem]) -> list[Entry]:
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for entry, lines in result.entries:
        for key, message in check(entry):
            problems.append(error(file, lines.line_of(key), "server rule", f"'{entry.term[:40]}': {message}"))
        for key in _NOT_KEPT:
            if getattr(entry, key):
                problems.append(warning(file, lines.line_of(key), "not kept", f"server terms keep no {key}: ignored"))
        norm = normalize(entry.term)
        if norm in seen:
            problems.append(
                error(file, lines.line_of("term"), "duplicate", f"'{entry.term[:40]}' is also at line {seen[norm]}")
            )
        seen.setdefault(norm, lines.line)
        entries.append(replace(entry, **_BARE))
    return entries
