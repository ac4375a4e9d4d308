"""What every importer shares: the entry being built, the report of what was skipped, reading text, and the
field names (with their common synonyms) that spreadsheets and JSON files use."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.importers.prose import faq_item, paragraphs, parse_faq, split_list


class Unreadable(Exception):
    """A file that cannot be imported at all (missing, not UTF-8, not the format it claims); one line."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")


@dataclass
class Report:
    """What an import skipped or changed, one line each with ``file:line`` where there is one."""

    lines: list[str] = field(default_factory=list)
    skipped: int = 0

    def skip(self, where: str, why: str) -> None:
        self.skipped += 1
        self.lines.append(f"{where}: skipped: {why}")

    def warn(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")


@dataclass
class Ref:
    """A related entry as the input names it: a name (with an alias it gave), or a link to another page.

    ``optional`` refs (a link in running text) are kept only when they lead to an imported entry.
    """

    name: str
    alias: str = ""
    target: str = ""
    optional: bool = False
    where: str = ""  # file:line of the line that names it, when known


@dataclass
class Draft:
    """One entry on its way to the glossary file; ``where`` is its ``file:line`` for the report."""

    term: str
    where: str
    id: str = ""
    aliases: list[str] = field(default_factory=list)
    category: str = ""
    tags: list[str] = field(default_factory=list)
    definition: str = ""
    example: str = ""
    why_it_matters: str = ""
    faq: list[tuple[str, str]] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)
    related: list[Ref] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (url, title); title may be empty

    def has_text(self) -> bool:
        return any((self.definition, self.example, self.why_it_matters, self.faq, self.sections))

    def add_text(self, key: str, text: str) -> None:
        """Append a paragraph to ``definition``, ``example`` or ``why_it_matters``."""
        if text:
            old = getattr(self, key)
            setattr(self, key, f"{old}\n\n{text}" if old else text)


@dataclass
class Part:
    """What one input (a file, or a folder of pages) gave: entries, and the glossary's name and attribution."""

    drafts: list[Draft]
    name: str = ""
    attribution: str = ""
    files: int = 1


def read_text(path: Path) -> str:
    """The file's text with ``\\n`` line ends; a UTF-8 BOM is dropped. Raises Unreadable for anything else."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Unreadable(path, "no such file or folder") from None
    except OSError as exc:
        raise Unreadable(path, f"cannot read it ({exc.strerror or exc})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise Unreadable(path, "not UTF-8 text (it looks like UTF-16; save it as UTF-8)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def slugify(text: str) -> str:
    """``Cloud Native Tech`` and ``cloud_native_tech`` → ``cloud-native-tech``."""
    return re.sub(r"[^\w]+|_+", "-", text.lower()).strip("-")


# Column headers (spreadsheets) and keys (JSON) → our field; matched after `header_key`.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "slug", "key"),
    "term": ("term", "word", "name", "title", "entry"),
    "aliases": (
        "aliases",
        "alias",
        "synonyms",
        "synonym",
        "aka",
        "also known as",
        "abbreviation",
        "abbreviations",
        "acronym",
        "acronyms",
    ),
    "category": ("category", "categories", "section", "topic", "group"),
    "tags": ("tags", "tag", "keywords", "labels", "label"),
    "definition": ("definition", "meaning", "description", "desc", "explanation"),
    "example": ("example", "examples", "usage"),
    "why_it_matters": ("why it matters", "importance", "relevance"),
    "faq": ("faq", "faqs", "frequently asked questions"),
    "sections": ("sections",),
    "related": ("related", "see also", "related terms"),
    "links": (
        "see also links",
        "links",
        "link",
        "url",
        "urls",
        "source",
        "sources",
        "reference",
        "references",
    ),
}
FIELD_OF = {name: key for key, names in FIELD_NAMES.items() for name in names}
LIST_FIELDS = frozenset({"aliases", "tags", "related"})  # cells that may also be split on ","
_URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")


def header_key(header: str) -> str:
    """``Why_It_Matters:`` → ``why it matters``: lower case, ``_``/``-`` as spaces, trailing ``:?`` dropped."""
    return " ".join(re.sub(r"[_\-]+", " ", header.lower()).split()).strip(" :?")


def field_for(header: str) -> str:
    """Our field for a column header or JSON key, or ""."""
    return FIELD_OF.get(header_key(header), "")


def links_in(value: Any) -> tuple[list[tuple[str, str]], list[str]]:
    """(url, title) pairs from a cell or JSON value, and the pieces that were not links."""
    found: list[tuple[str, str]] = []
    rest: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            url = str(item.get("url") or item.get("href") or item.get("link") or "").strip()
            title = str(item.get("title") or item.get("name") or item.get("label") or "").strip()
            if _URL.fullmatch(url):
                found.append((url, title))
            else:
                rest.append(str(item))
            continue
        text = str(item)
        for match in _MD_LINK.finditer(text):
            found.append((match[2], match[1].strip()))
        text = _MD_LINK.sub(" ", text)
        found.extend((url, "") for url in _URL.findall(text))
        leftover = _URL.sub(" ", text).strip(" \n;|,")
        if leftover:
            rest.append(leftover)
    return found, rest


def _texts(value: Any, *, commas: bool) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if not isinstance(v, dict | list) and str(v).strip()]
    return split_list(str(value), commas=commas)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n\n".join(_text(v) for v in value if _text(v))
    return paragraphs(str(value).split("\n"), wrapped=False)


def apply_field(draft: Draft, key: str, value: Any, where: str, report: Report) -> None:
    """Set ``draft``'s field ``key`` from a spreadsheet cell or a JSON value (text, number, list or mapping)."""
    if value is None or isinstance(value, bool) or value in ("", [], {}):
        return
    if key in ("id", "term", "category"):
        text = _texts(value, commas=False) if key == "category" else [" ".join(str(value).split())]
        setattr(draft, key, text[0] if text else "")
        draft.tags += text[1:]  # more than one category: the others become tags
    elif key in ("definition", "example", "why_it_matters"):
        draft.add_text(key, _text(value))
    elif key in LIST_FIELDS:
        names = _texts(value, commas=True)
        if key == "related":
            draft.related += [Ref(name) for name in names]
        else:
            getattr(draft, key).extend(names)
    elif key == "links":
        found, rest = links_in(value)
        draft.links += found
        for piece in rest:
            report.warn(where, f"'{piece[:60]}' is not an http(s) link; left out")
    elif key == "faq":
        _apply_faq(draft, value, where, report)
    elif key == "sections":
        pairs = (
            value.items()
            if isinstance(value, dict)
            else [_pair(v, ("title", "heading"), ("text", "body")) for v in value]
        )
        draft.sections += [(str(t).strip(), _text(x)) for t, x in pairs if str(t).strip() and _text(x)]


def _pair(item: Any, first: tuple[str, ...], second: tuple[str, ...]) -> tuple[Any, Any]:
    """(q, a) or (title, text) from a mapping with either key name, or a two-item list."""
    if isinstance(item, dict):
        return next((item[k] for k in first if k in item), ""), next((item[k] for k in second if k in item), "")
    if isinstance(item, list | tuple) and len(item) == 2:
        return item[0], item[1]
    return "", item


def _apply_faq(draft: Draft, value: Any, where: str, report: Report) -> None:
    """A cell of ``Q:``/``A:`` lines, a list of ``{q, a}`` (or ``question``/``answer``, or pairs), or ``{q: a}``."""
    if isinstance(value, str):
        draft.faq += parse_faq([(where, line) for line in value.split("\n")], draft.term, report.warn)
        return
    for item in value.items() if isinstance(value, dict) else value:
        q, a = _pair(item, ("q", "question"), ("a", "answer"))
        draft.faq += faq_item(" ".join(str(q).split()), _text(a), draft.term, where, report.warn)
