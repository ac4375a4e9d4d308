"""The glossary's data model: plain, immutable values with no knowledge of YAML, SQLite or Discord."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar

from bot.problems import Problem

T = TypeVar("T")


def pickled_by_fields(cls: type[T]) -> type[T]:
    """Pickle instances as their class and field values. Parsed entries cross from the parse processes, and the
    dataclass default for a frozen class with slots (a ``__setstate__`` in Python that looks the fields up again
    for every object) took about a second per 100,000 entries each way."""
    values: Callable[[Any], tuple[Any, ...]] = attrgetter(*(f.name for f in fields(cls)))  # type: ignore[arg-type]

    def __reduce__(self: T) -> tuple[type[T], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment, method-assign]
    return cls


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Faq:
    """One question and its answer."""

    q: str
    a: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Link:
    """A "learn more" link: where it goes and the words shown for it (empty: the card shows the address)."""

    url: str
    title: str = ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of an entry beyond the usual ones (e.g. "Problem it addresses")."""

    title: str
    text: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Entry:
    """One term as written in the glossary (an empty definition makes it a short card of links and related).

    ``related`` holds the names, aliases or ids the author wrote, resolved to other entries when loaded.
    ``glossary`` and ``attribution`` come from the entry's file: several glossaries may share a folder.
    """

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
    id: str = ""  # the author's stable id, if any
    tags: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    glossary: str = ""
    attribution: str = ""


@dataclass(frozen=True, slots=True)
class Glossary:
    """A glossary that can be served: its entries, their related entries resolved, and the warnings about
    what loading did."""

    name: str
    entries: tuple[Entry, ...]
    content_hash: str
    keys: tuple[str, ...] = ()  # each entry's stable key (its id, or its name made unique), for term ids
    relations: tuple[tuple[int, ...], ...] = ()  # each entry's related entries, as positions in ``entries``
    warnings: tuple[Problem, ...] = ()


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


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class IndexRow:
    """What the in-memory index needs of one term: no definitions, so memory stays small."""

    term_id: int
    name: str
    aliases: tuple[str, ...]
    category: str = ""
    stub: bool = False  # no definition: findable, but never a term of the day
