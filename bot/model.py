"""The glossary's data model: plain, immutable values with no knowledge of YAML, SQLite or Discord."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Faq:
    """One question and its answer."""

    q: str
    a: str


@dataclass(frozen=True, slots=True)
class Link:
    """A "learn more" link: where it goes and the words shown for it (empty: the card shows the address)."""

    url: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One term as written in the glossary. ``related`` holds names or aliases exactly as the author wrote them."""

    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    example: str = ""
    why_it_matters: str = ""
    faq: tuple[Faq, ...] = ()
    related: tuple[str, ...] = ()
    category: str = ""
    see_also_links: tuple[Link, ...] = ()
    source: str = ""  # "file:line" where the entry starts, for messages to the operator


@dataclass(frozen=True, slots=True)
class Glossary:
    """A validated glossary: every related name resolves, no name or alias collides."""

    name: str
    entries: tuple[Entry, ...]
    content_hash: str


@dataclass(frozen=True, slots=True)
class Related:
    """A resolved link from one card to another term."""

    term_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Card:
    """What a definition card shows: an entry with its stable id and its related terms resolved to ids."""

    term_id: int
    entry: Entry
    related: tuple[Related, ...] = field(default=())
