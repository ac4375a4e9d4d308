"""Reading a glossary: one YAML or JSON file, or a folder of them, into entries and what was wrong.

Only what makes a glossary impossible to serve is an error (a file that cannot be read or parsed, an entry
with no name); everything else is a warning that says what was done (a key ignored, a link dropped, a field
cut to fit Discord), and the glossary is served. A file is a list of entries, or a mapping with ``terms``
(the list) and optional ``glossary`` (the name in its cards' footers) and ``attribution`` (a source line
shown there too). Entry keys are listed in ``ENTRY_KEYS``; see the README for each.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot import limits
from bot.cards import overflows
from bot.gcpause import gc_paused
from bot.model import Entry, Faq, Glossary, Link, Section, pickled_by_fields
from bot.problems import GlossaryError, Problem, error, warning
from bot.resolve import resolve
from bot.sources import SyntaxProblem, Unreadable, parse_document, read_sources
from bot.subprocesses import deaf_to_interrupts, spawn_context
from bot.yaml_lines import LineDict

log = logging.getLogger(__name__)
ENTRY_KEYS = (
    "id",
    "term",
    "aliases",
    "category",
    "tags",
    "definition",
    "example",
    "why_it_matters",
    "faq",
    "sections",
    "related",
    "see_also_links",
)
_ENTRY_KEY_SET = frozenset(ENTRY_KEYS)
_SCALARS = (str, int, float)  # what a text field may be written as (not bool, though it is an int)
FILE_KEYS = frozenset({"glossary", "attribution", "terms"})
FAQ_KEYS = frozenset({"q", "a"})
LINK_KEYS = frozenset({"url", "title"})
SECTION_KEYS = frozenset({"title", "text"})
MAX_GLOSSARY_NAME = limits.GLOSSARY_NAME
MAX_ATTRIBUTION = 200
PARALLEL_BYTES = 8 * 1024 * 1024  # below this, starting worker processes costs more than it saves
PARSE_PROCESSES = 2


def line_of(item: Any, key: str | None = None) -> int:
    """Where ``item`` (or its ``key``) is; 1 when the file format did not say (JSON read without lines)."""
    if isinstance(item, LineDict):
        return item.line_of(key) if key else item.line
    return 1


def _item_line(items: Any, number: int, fallback: int) -> int:
    """The line of the ``number``-th item of a list (from YAML), else ``fallback``."""
    lines = getattr(items, "lines", None)
    return lines[number] if lines and number < len(lines) else fallback


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Lines:
    """Where an entry and its keys are, kept after the parsed tree is dropped (it is large)."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@dataclass(slots=True)
class FileResult:
    """One file's entries (with where they are), its glossary name and attribution, and its problems."""

    entries: list[tuple[Entry, Lines]] = field(default_factory=list)
    name: str = ""
    attribution: str = ""
    problems: list[Problem] = field(default_factory=list)
    unknown: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (count, first line)


class _Reader:
    """Turns one parsed file into entries, noting every problem on the way."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.out = FileResult()

    def warn(self, line: int, kind: str, message: str) -> None:
        self.out.problems.append(warning(self.file, line, kind, message))

    def text(self, item: Any, key: str) -> str:
        value = item.get(key)
        if type(value) is str:  # nearly always: the checks below are for everything else
            return value.strip()
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, _SCALARS):
            self.warn(line_of(item, key), "wrong type", f"'{key}' must be text: ignored")
            return ""
        return str(value).strip()

    def texts(self, item: Any, key: str) -> tuple[str, ...]:
        value = item.get(key)
        if value is None:
            return ()
        if isinstance(value, _SCALARS) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.warn(line_of(item, key), "wrong type", f"'{key}' must be a list of text: ignored")
            return ()
        out = [str(v).strip() for v in value if isinstance(v, _SCALARS) and not isinstance(v, bool)]
        if len(out) < len(value):
            self.warn(line_of(item, key), "wrong type", f"'{key}' has items that are not text: those were ignored")
        return tuple(dict.fromkeys(v for v in out if v))

    def pairs(self, item: Any, key: str, keys: frozenset[str], make: Callable[[Any, int], Any]) -> tuple[Any, ...]:
        """A list of small mappings (faq, sections, links); ``make(element, line)`` builds one or returns None."""
        value = item.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            value = [value]
        out = []
        for number, element in enumerate(value):
            where = _item_line(value, number, line_of(item, key))
            if isinstance(element, dict) and not element.keys() <= keys:
                for unknown in sorted(element.keys() - keys):
                    self.warn(line_of(element, unknown), "unknown key", f"unknown key '{unknown}' in {key}: ignored")
            made = make(element, where)
            if made is not None:
                out.append(made)
        return tuple(out)

    def faq(self, element: Any, where: int) -> Faq | None:
        if not isinstance(element, dict):
            self.warn(where, "wrong type", "a faq item must have 'q' and 'a': dropped")
            return None
        q, a = self.text(element, "q"), self.text(element, "a")
        if not (q and a):
            self.warn(where, "incomplete", "a faq item without " + ("an answer" if q else "a question") + ": dropped")
            return None
        return Faq(q, a)

    def section(self, element: Any, where: int) -> Section | None:
        if not isinstance(element, dict):
            self.warn(where, "wrong type", "a section must have 'title' and 'text': dropped")
            return None
        title, text = self.text(element, "title"), self.text(element, "text")
        if not (title and text):
            self.warn(where, "incomplete", "a section without a title or text: dropped")
            return None
        return Section(title, text)

    def link(self, element: Any, where: int) -> Link | None:
        if isinstance(element, dict):
            url, title = self.text(element, "url"), self.text(element, "title")
        elif isinstance(element, str):
            url, title = element.strip(), ""
        else:
            self.warn(where, "wrong type", "a link must be a URL or a {url, title} mapping: dropped")
            return None
        if not url:
            self.warn(where, "bad link", "a link without a 'url': dropped")
            return None
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or any(c.isspace() for c in url):
            self.warn(where, "bad link", f"'{url:.60}' is not an http(s) link: dropped")
            return None
        return Link(url, title)

    def entry(self, item: Any, fallback_line: int) -> Entry | None:
        if not isinstance(item, dict):
            self.warn(
                line_of(item) if isinstance(item, dict) else fallback_line,
                "not an entry",
                f"an entry must be a mapping with at least 'term', found {type(item).__name__}: skipped",
            )
            return None
        for key, line in getattr(item, "duplicate_keys", ()):
            self.warn(line, "duplicate key", f"key '{key}' appears twice in this entry: the last one is used")
        for key in item.keys() - _ENTRY_KEY_SET:
            count, first = self.out.unknown.get(key, (0, line_of(item, key)))
            self.out.unknown[key] = (count + 1, first)
        term = self.text(item, "term")
        if not term:
            self.out.problems.append(error(self.file, line_of(item), "no name", "an entry has no 'term' (its name)"))
            return None
        entry = self._build(item, term)
        if not entry.definition:
            self.warn(
                line_of(item),
                "no definition",
                f"'{term}' has no definition: served as a short card with its links and related terms",
            )
        return entry

    def _build(self, item: Any, term: str) -> Entry:
        return Entry(
            term=term,
            definition=self.text(item, "definition"),
            aliases=self.texts(item, "aliases"),
            example=self.text(item, "example"),
            why_it_matters=self.text(item, "why_it_matters"),
            faq=self.pairs(item, "faq", FAQ_KEYS, self.faq),
            related=self.texts(item, "related"),
            category=self.text(item, "category"),
            see_also_links=self.pairs(item, "see_also_links", LINK_KEYS, self.link),
            source=f"{self.file}:{line_of(item)}",
            id=self.text(item, "id"),
            tags=self.texts(item, "tags"),
            sections=self.pairs(item, "sections", SECTION_KEYS, self.section),
            glossary=self.out.name,
            attribution=self.out.attribution,
        )

    def document(self, document: Any) -> None:
        items: Any = document
        if isinstance(document, dict):
            for key in sorted(document.keys() - FILE_KEYS):
                self.warn(
                    line_of(document, key),
                    "unknown key",
                    f"unknown top-level key '{key}' (expected glossary, attribution, terms): ignored",
                )
            self.out.name = self.text(document, "glossary")[:MAX_GLOSSARY_NAME]
            self.out.attribution = self.text(document, "attribution")[:MAX_ATTRIBUTION]
            items = document.get("terms")
        if document is None or items is None:
            self.warn(line_of(document), "empty file", "no entries in this file")
            return
        if not isinstance(items, list):
            self.out.problems.append(
                error(
                    self.file,
                    line_of(document),
                    "no entries",
                    "a glossary file must be a list of entries or a mapping with a 'terms' list",
                )
            )
            return
        for number, item in enumerate(items):
            entry = self.entry(item, _item_line(items, number, line_of(document)))
            if entry is not None:
                self.out.entries.append((entry, Lines(line_of(item), getattr(item, "key_lines", {}))))


def parse_file(file: str, path: Path) -> FileResult:
    """One file's entries, name, attribution and problems (its own, and what would not fit on its cards)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _unreadable(file, exc.strerror or str(exc))
    return read_file(file, data)


def read_file(file: str, data: bytes) -> FileResult:
    """:func:`parse_file` for a file's bytes already in memory (an upload): the same checks, the same lines."""
    reader = _Reader(file)
    try:
        with gc_paused():
            document = parse_document(file, data)
    except SyntaxProblem as exc:
        reader.out.problems.append(exc.problem)
        return reader.out
    except Unreadable as exc:
        return _unreadable(file, str(exc))
    reader.document(document)
    for entry, lines in reader.out.entries:
        _fit(reader, entry, lines)  # per entry, so done here, in parallel when files are
    return reader.out


def _unreadable(file: str, reason: str) -> FileResult:
    out = FileResult()
    out.problems.append(error(file, 1, "unreadable", f"cannot read the file: {reason}"))
    return out


def _fit(reader: _Reader, entry: Entry, lines: Lines) -> None:
    """Warn about text Discord cannot show whole: it is cut at a paragraph or sentence on the card."""
    if len(entry.term) > limits.TERM_NAME:
        reader.warn(
            lines.line_of("term"),
            "too long",
            f"'{entry.term[:40]}…' is longer than {limits.TERM_NAME} characters: buttons show it shortened",
        )
    if len(entry.related) > limits.MAX_RELATED:
        reader.warn(
            lines.line_of("related"),
            "too many",
            f"more than {limits.MAX_RELATED} related terms: buttons for the first {limits.MAX_RELATED}",
        )
    for part in overflows(entry):
        reader.warn(
            lines.line_of(part.key),
            "too long",
            f"{part.label} of '{entry.term}' does not fit Discord's limits: cut at a sentence on the card",
        )


def source_bytes(sources: list[tuple[str, Path]]) -> int:
    """The size of a glossary's files together."""
    return sum(path.stat().st_size for _, path in sources)


def is_large(size: int) -> bool:
    """Whether a glossary of ``size`` bytes is large enough for work in other processes to pay for starting them
    (and the machine has the cores for it)."""
    return (os.cpu_count() or 1) > 1 and size >= PARALLEL_BYTES


class Abandoned(Exception):
    """The parse was called off (``abandon`` was set): nobody waits for its result any more."""


def _parse_files(sources: list[tuple[str, Path]], abandon: threading.Event) -> list[FileResult]:
    """Parse every file; a large glossary of several files is parsed by two processes at once.

    YAML parsing is most of a cold load (about 5 s per 80 MB even with libyaml); on two cores, two processes
    nearly halve it, and the parsed trees never enter this process's memory. Between files, ``abandon`` is looked
    at: a stop during a long parse ends it after the files under way, not after all of them.
    """
    workers = min(PARSE_PROCESSES, len(sources), os.cpu_count() or 1)
    if workers < 2 or not is_large(source_bytes(sources)):
        total = len(sources)
        return [_unless(abandon, parse_file(file, path), done, total) for done, (file, path) in enumerate(sources)]
    log.debug("parsing %d files in %d processes", len(sources), workers)
    with deaf_to_interrupts(), ProcessPoolExecutor(max_workers=workers, mp_context=spawn_context()) as pool:
        files, paths = zip(*sources, strict=True)
        parsed = pool.map(parse_file, files, paths, chunksize=max(1, len(sources) // (workers * 32)))
        try:
            return [_unless(abandon, result, done, len(sources)) for done, result in enumerate(parsed)]
        except Abandoned as exc:
            pool.shutdown(wait=True, cancel_futures=True)  # the files not started are dropped
            log.info("%s", exc)
            raise


def _unless(abandon: threading.Event, result: FileResult, done: int, total: int) -> FileResult:
    if abandon.is_set():
        raise Abandoned(f"glossary parse called off after {done + 1} of {total} files")
    return result


def parse(
    sources: list[tuple[str, Path]], content_hash: str, default_name: str, abandon: threading.Event | None = None
) -> Glossary:
    """Parse and resolve ``sources``; the glossary with its warnings, or GlossaryError when it has errors.
    Raises :class:`Abandoned` if ``abandon`` is set before the files are parsed."""
    with gc_paused():
        abandon = abandon or threading.Event()
        results = _parse_files(sources, abandon)
        if abandon.is_set():  # before resolving, a second or two for a large glossary
            raise Abandoned(f"glossary parse called off after its {len(sources)} files")
        problems = [p for result in results for p in result.problems]
        problems += _unknown_keys(sources, results)
        names = [result.name for result in results if result.name]
        found = [
            (file, entry, lines)
            for (file, _), result in zip(sources, results, strict=True)
            for entry, lines in result.entries
        ]
        resolved = resolve(found)
        problems += resolved.problems
        if any(p.is_error for p in problems):
            raise GlossaryError(problems)
        return Glossary(
            name=names[0] if names else default_name,
            entries=resolved.entries,
            content_hash=content_hash,
            keys=resolved.keys,
            relations=resolved.relations,
            warnings=tuple(sorted(problems)),
        )


def _unknown_keys(sources: list[tuple[str, Path]], results: list[FileResult]) -> list[Problem]:
    """One warning per unknown key, at its first occurrence, with how many entries had it."""
    totals: dict[str, tuple[int, str, int]] = {}
    for (file, _), result in zip(sources, results, strict=True):
        for key, (count, line) in result.unknown.items():
            total, first_file, first_line = totals.get(key, (0, file, line))
            totals[key] = (total + count, first_file, first_line)
    return [
        warning(file, line, "unknown key", f"unknown key '{key}' ignored ({count} entr{'y' if count == 1 else 'ies'})")
        for key, (count, file, line) in sorted(totals.items())
    ]


def default_name_for(path: Path) -> str:
    """A footer name for a glossary that does not declare one: its folder or file name, titled."""
    stem = path.stem if path.is_file() else path.name
    return stem.replace("_", " ").replace("-", " ").strip().title() or "Glossary"


def load_glossary(path: Path) -> Glossary:
    """Read, parse and resolve the glossary at ``path`` (raises GlossaryError)."""
    sources, digest = read_sources(path)
    return parse(sources, digest, default_name_for(path))
