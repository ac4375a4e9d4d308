"""Reading and validating a glossary: one YAML file or a folder of them.

Validation runs before anything is loaded and reports *every* problem with its file and line, so an operator
fixes a broken glossary in one pass. A glossary with problems is never loaded: at start the bot exits with the
list; on reload it keeps serving the last good glossary.

File format: a list of entries, or a mapping with ``terms`` (the list) and an optional ``glossary`` (the name
shown in card footers). Entry keys are listed in ``ENTRY_KEYS``.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from bot import limits
from bot.cards import render
from bot.gcpause import gc_paused
from bot.model import Card, Entry, Faq, Glossary, Link, Related
from bot.normalize import normalize
from bot.yaml_lines import LineDict, load

ENTRY_KEYS = frozenset(
    {
        "term",
        "aliases",
        "definition",
        "example",
        "why_it_matters",
        "faq",
        "related",
        "category",
        "see_also_links",
    }
)
FILE_KEYS = frozenset({"glossary", "terms"})
FAQ_KEYS = frozenset({"q", "a"})
LINK_KEYS = frozenset({"url", "title"})
SUFFIXES = (".yaml", ".yml")
MAX_GLOSSARY_NAME = 100
PARALLEL_BYTES = 8 * 1024 * 1024  # below this, starting worker processes costs more than it saves
PARSE_PROCESSES = 2


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with a glossary, located as precisely as YAML allows."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Lines:
    """Where an entry and its keys are, kept after the parsed YAML tree is dropped (it is large)."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class GlossaryError(Exception):
    """A glossary failed validation; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"the glossary has {len(self.problems)} problem(s):\n{shown}{more}")


def glossary_files(path: Path) -> list[Path]:
    """The YAML files that make up the glossary at ``path`` (a file, or a folder searched recursively)."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    return []


def read_sources(path: Path) -> tuple[list[tuple[str, Path]], str]:
    """The glossary's files as (display name, path) pairs, and the content hash of the whole glossary.

    Raises GlossaryError (naming ``path``) when there is no glossary file there. The hash lets a restart with an
    unchanged glossary skip parsing and rebuilding its tables. Files are read here only to hash them and then
    let go: a large glossary is parsed file by file (or by worker processes) without all of it in memory at once.
    """
    files = glossary_files(path)
    if not files:
        raise GlossaryError([Problem(str(path), 0, "no .yaml or .yml files found")])
    root = path if path.is_dir() else path.parent
    digest = hashlib.sha256()
    sources: list[tuple[str, Path]] = []
    for file in files:
        data = file.read_bytes()
        name = file.relative_to(root).as_posix() if path.is_dir() else file.name
        digest.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
        sources.append((name, file))
    return sources, digest.hexdigest()


class _Checker:
    """Collects problems while turning parsed YAML into entries."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def text(self, file: str, item: LineDict, key: str, *, required: bool = False) -> str:
        value = item.get(key)
        line = item.line_of(key)
        if value is None:
            if required:
                self.add(file, item.line, f"missing required field '{key}'")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(file, line, f"'{key}' must be text")
            return ""
        text = str(value).strip()
        if required and not text:
            self.add(file, line, f"'{key}' is empty")
        return text

    def texts(self, file: str, item: LineDict, key: str) -> tuple[str, ...]:
        value = item.get(key)
        if value is None:
            return ()
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.add(file, item.line_of(key), f"'{key}' must be a list of text")
            return ()
        out: list[str] = []
        for element in value:
            if isinstance(element, bool) or not isinstance(element, str | int | float):
                self.add(file, item.line_of(key), f"'{key}' must contain only text, found {element!r:.40}")
            elif str(element).strip():
                out.append(str(element).strip())
        return tuple(out)

    def links(self, file: str, item: LineDict) -> tuple[Link, ...]:
        """``see_also_links``: each a bare URL or a ``{url, title}`` mapping."""
        value = item.get("see_also_links")
        if value is None:
            return ()
        if not isinstance(value, list):
            value = [value]
        out: list[Link] = []
        for element in value:
            line = element.line if isinstance(element, LineDict) else item.line_of("see_also_links")
            if isinstance(element, LineDict):
                for key in element.keys() - LINK_KEYS:
                    self.add(file, element.line_of(key), f"unknown key '{key}' in a link (expected url, title)")
                url = self.text(file, element, "url", required=True)
                title = self.text(file, element, "title")
            elif isinstance(element, str):
                url, title = element.strip(), ""
            else:
                self.add(file, line, "each 'see_also_links' item must be a URL or a {url, title} mapping")
                continue
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc or any(c.isspace() for c in url):
                self.add(file, line, f"'{url:.60}' is not an http(s) link")
                continue
            out.append(Link(url, title))
        return tuple(out)

    def faq(self, file: str, item: LineDict) -> tuple[Faq, ...]:
        value = item.get("faq")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.add(file, item.line_of("faq"), "'faq' must be a list of {q, a} pairs")
            return ()
        out: list[Faq] = []
        for pair in value:
            if not isinstance(pair, LineDict):
                self.add(file, item.line_of("faq"), "each 'faq' item must have 'q' and 'a'")
                continue
            for key in pair.keys() - FAQ_KEYS:
                self.add(file, pair.line_of(key), f"unknown key '{key}' in faq (expected q, a)")
            q = self.text(file, pair, "q", required=True)
            a = self.text(file, pair, "a", required=True)
            if q and a:
                out.append(Faq(q=q, a=a))
        return tuple(out)

    def entry(self, file: str, item: Any, fallback_line: int) -> Entry | None:
        if not isinstance(item, LineDict):
            self.add(file, fallback_line, "each entry must be a mapping with at least 'term' and 'definition'")
            return None
        for key, line in item.duplicate_keys:
            self.add(file, line, f"key '{key}' appears twice in this entry")
        for key in sorted(item.keys() - ENTRY_KEYS):
            self.add(file, item.line_of(key), f"unknown key '{key}' (allowed: {', '.join(sorted(ENTRY_KEYS))})")
        term = self.text(file, item, "term", required=True)
        definition = self.text(file, item, "definition", required=True)
        links = self.links(file, item)
        entry = Entry(
            term=term,
            definition=definition,
            aliases=self.texts(file, item, "aliases"),
            example=self.text(file, item, "example"),
            why_it_matters=self.text(file, item, "why_it_matters"),
            faq=self.faq(file, item),
            related=self.texts(file, item, "related"),
            category=self.text(file, item, "category"),
            see_also_links=links,
            source=f"{file}:{item.line}",
        )
        return entry if term and definition else None


def _entries_of(checker: _Checker, file: str, document: Any) -> tuple[list[tuple[Entry, LineDict]], str]:
    """Entries of one parsed file and the glossary name it declares (or "")."""
    name = ""
    items: Any = document
    if isinstance(document, LineDict):
        for key in sorted(document.keys() - FILE_KEYS):
            checker.add(file, document.line_of(key), f"unknown top-level key '{key}' (expected glossary, terms)")
        raw_name = document.get("glossary")
        if raw_name is not None:
            name = checker.text(file, document, "glossary")
            if len(name) > MAX_GLOSSARY_NAME:
                checker.add(file, document.line_of("glossary"), f"glossary name is over {MAX_GLOSSARY_NAME} chars")
        items = document.get("terms")
        if items is None:
            checker.add(file, document.line, "no 'terms' list in this file")
            return [], name
    if document is None:
        return [], name
    if not isinstance(items, list):
        checker.add(file, 1, "a glossary file must be a list of entries or a mapping with a 'terms' list")
        return [], name
    out: list[tuple[Entry, LineDict]] = []
    for item in items:
        entry = checker.entry(file, item, getattr(items, "line", 1))
        if entry is not None:
            out.append((entry, item))
    return out, name


def _may_overflow(entry: Entry) -> bool:
    """Whether any text could reach a card limit; most entries are far below, and rendering each one is slow.

    Conservative: a True only means "render it and see"; every False is certain to fit (headroom covers the
    footer's glossary name, the "Also known as" line's markup, field titles and the ellipsis).
    """
    aliases = sum(len(a) + 2 for a in entry.aliases)
    links = sum(len(link.url) + len(link.title) + 5 for link in entry.see_also_links)
    faq = sum(len(f.q) + len(f.a) + 6 for f in entry.faq)
    total = len(entry.term) + len(entry.definition) + aliases + faq + len(entry.example) + len(entry.why_it_matters)
    total += links + len(entry.category) + 60
    value = max(len(entry.example), len(entry.why_it_matters), links, *(len(f.a) for f in entry.faq), 0)
    question = max((len(f.q) + 6 for f in entry.faq), default=0)
    return (
        total > limits.EMBED_TOTAL - 200
        or value > limits.EMBED_FIELD_VALUE - 2
        or question > limits.EMBED_FIELD_NAME - 2
        or len(entry.definition) + aliases + 30 > limits.EMBED_DESCRIPTION
        or len(entry.category) > 500
    )


def _check_limits(checker: _Checker, file: str, entry: Entry, item: Lines) -> None:
    """Refuse text that could not be shown whole on a card, a button or an autocomplete choice."""
    checks: Iterable[tuple[bool, str, str]] = (
        (len(entry.term) > limits.TERM_NAME, "term", f"term is over {limits.TERM_NAME} characters"),
        (len(entry.aliases) > limits.MAX_ALIASES, "aliases", f"more than {limits.MAX_ALIASES} aliases"),
        (len(entry.faq) > limits.MAX_FAQ, "faq", f"more than {limits.MAX_FAQ} faq items"),
        (len(entry.related) > limits.MAX_RELATED, "related", f"more than {limits.MAX_RELATED} related terms"),
        *(
            (len(alias) > limits.ALIAS, "aliases", f"alias '{alias[:30]}…' is over {limits.ALIAS} characters")
            for alias in entry.aliases
        ),
    )
    for failed, key, message in checks:
        if failed:
            checker.add(file, item.line_of(key), message)
    if not _may_overflow(entry):
        return
    # Rendered under the longest glossary name allowed, so it fits whatever the footer says.
    rendered = render(Card(0, entry, tuple(Related(0, r) for r in entry.related)), "G" * MAX_GLOSSARY_NAME)
    for part in rendered.cut:
        if part == "related":
            continue  # reported above with the count
        checker.add(
            file,
            item.line_of(part.split(" ")[0]),
            f"'{part}' does not fit Discord's card limits (field 1024, description 4096, 6000 in all); shorten it",
        )


def parse(sources: list[tuple[str, Path]], content_hash: str, default_name: str) -> Glossary:
    """Parse and validate ``sources``; return the glossary or raise GlossaryError listing every problem."""
    with gc_paused():
        return _parse(sources, content_hash, default_name)


def _parse_file(file: str, path: Path) -> tuple[list[tuple[Entry, Lines]], str, list[Problem]]:
    """One file's entries (with where they are), the glossary name it declares, and its own problems."""
    checker = _Checker()
    try:
        with gc_paused():
            document = load(path.read_bytes())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        checker.add(file, line, f"YAML syntax error: {reason}")
        return [], "", checker.problems
    except UnicodeDecodeError:
        checker.add(file, 1, "file is not UTF-8 text")
        return [], "", checker.problems
    except OSError as exc:
        checker.add(file, 1, f"cannot read the file: {exc.strerror or exc}")
        return [], "", checker.problems
    entries, name = _entries_of(checker, file, document)
    # Only the line numbers are kept: the YAML tree is several times the size of the entries.
    found = [(entry, Lines(item.line, item.key_lines)) for entry, item in entries]
    for entry, lines in found:
        _check_limits(checker, file, entry, lines)  # per entry, so done here, in parallel when files are
    return found, name, checker.problems


def _parse_files(sources: list[tuple[str, Path]]) -> list[tuple[list[tuple[Entry, Lines]], str, list[Problem]]]:
    """Parse every file; a large glossary of several files is parsed by two processes at once.

    YAML parsing is most of a cold load (about 5 s per 80 MB even with libyaml); on two cores, two processes
    nearly halve it, and the parsed trees never enter this process's memory.
    """
    size = sum(path.stat().st_size for _, path in sources)
    workers = min(PARSE_PROCESSES, len(sources), os.cpu_count() or 1)
    if size < PARALLEL_BYTES or workers < 2:
        return [_parse_file(file, path) for file, path in sources]
    context = multiprocessing.get_context("spawn")  # never fork a process that runs threads and an event loop
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        files, paths = zip(*sources, strict=True)
        return list(pool.map(_parse_file, files, paths, chunksize=max(1, len(sources) // (workers * 4))))


def _parse(sources: list[tuple[str, Path]], content_hash: str, default_name: str) -> Glossary:
    checker = _Checker()
    found: list[tuple[str, Entry, Lines]] = []
    names: list[tuple[str, str]] = []
    for (file, _), (entries, name, problems) in zip(sources, _parse_files(sources), strict=True):
        checker.problems.extend(problems)
        if name:
            names.append((file, name))
        found.extend((file, entry, lines) for entry, lines in entries)

    owners: dict[str, tuple[str, str, int, str]] = {}  # key -> (term, file, line, the term's own key)
    term_keys: list[str] = []
    for file, entry, item in found:
        own: set[str] = set()
        term_key = normalize(entry.term)
        term_keys.append(term_key)
        for label, text, key in (
            ("term", entry.term, "term"),
            *(("alias", a, "aliases") for a in entry.aliases),
        ):
            norm = term_key if key == "term" else normalize(text)
            line = item.line_of(key)
            if not norm:
                checker.add(file, line, f"{label} '{text}' has no letters or digits")
                continue
            if norm in own:
                continue  # an alias that repeats its own term, harmless
            own.add(norm)
            if norm in owners:
                other_term, other_file, other_line, _ = owners[norm]
                checker.add(
                    file,
                    line,
                    f"{label} '{text}' of '{entry.term}' collides with '{other_term}' "
                    f"({other_file}:{other_line}); names and aliases must be unique ignoring case and punctuation",
                )
            else:
                owners[norm] = (entry.term, file, line, term_key)

    for (file, entry, item), own_key in zip(found, term_keys, strict=True):
        resolved: set[str] = set()
        for name in entry.related:
            target = owners.get(normalize(name))
            line = item.line_of("related")
            if target is None:
                checker.add(file, line, f"related term '{name}' of '{entry.term}' is not in the glossary")
            elif target[3] == own_key:
                checker.add(file, line, f"'{entry.term}' lists itself as related (via '{name}')")
            elif target[3] in resolved:
                checker.add(file, line, f"'{entry.term}' lists '{target[0]}' twice in related")
            else:
                resolved.add(target[3])

    distinct = {name for _, name in names}
    if len(distinct) > 1:
        listed = ", ".join(f"'{n}' ({f})" for f, n in names)
        checker.add(names[1][0], 1, f"files name the glossary differently: {listed}")
    if checker.problems:
        raise GlossaryError(checker.problems)
    glossary_name = names[0][1] if names else default_name
    return Glossary(name=glossary_name, entries=tuple(e for _, e, _ in found), content_hash=content_hash)


def default_name_for(path: Path) -> str:
    """A footer name for a glossary that does not declare one: its folder or file name, titled."""
    stem = path.stem if path.is_file() else path.name
    return stem.replace("_", " ").replace("-", " ").strip().title() or "Glossary"


def load_glossary(path: Path) -> Glossary:
    """Read, parse and validate the glossary at ``path`` (raises GlossaryError)."""
    if not path.exists():
        raise GlossaryError([Problem(str(path), 0, "no such file or folder")])
    sources, digest = read_sources(path)
    return parse(sources, digest, default_name_for(path))
