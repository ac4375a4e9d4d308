"""What only the whole glossary can say: ids, names shared between entries, and related terms resolved.

* ``id`` is optional and unique: a second entry with an id already taken is skipped (a warning).
* The same name or alias may belong to several entries (CD = Continuous Delivery and Continuous Deployment;
  one name in two categories): both are served and ``/define`` offers a choice. An entry's own name wins over
  another entry's alias.
* ``related`` names an entry by id, name or alias. What does not resolve is dropped with a warning, except a
  reference to an entry that was itself skipped: one root cause is reported once.
* Every entry gets a stable key, from which the store derives its term id (so buttons survive reloads): its
  id if it has one, else its normalized name, made unique with its category when names are shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.model import Entry
from bot.normalize import normalize
from bot.problems import Problem, warning


class Located(Protocol):
    def line_of(self, key: str) -> int: ...


@dataclass(slots=True)
class Resolved:
    """The entries that will be served, their keys and relations, and what resolving found."""

    entries: tuple[Entry, ...] = ()
    keys: tuple[str, ...] = ()
    relations: tuple[tuple[int, ...], ...] = ()
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class _Names:
    """Who answers to what: ids, names and aliases, each to positions in the served entries."""

    ids: dict[str, int] = field(default_factory=dict)
    names: dict[str, list[int]] = field(default_factory=dict)
    aliases: dict[str, list[int]] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)  # ids and names of entries skipped: not reported again

    def targets(self, text: str) -> list[int]:
        if text in self.ids:
            return [self.ids[text]]
        key = normalize(text)
        return self.names.get(key) or self.aliases.get(key) or []


def resolve(found: Sequence[tuple[str, Entry, Located]]) -> Resolved:
    """Resolve ids, shared names and related terms over every entry found (file, entry, where it is)."""
    out = Resolved()
    names = _Names()
    kept: list[Found] = []
    for file, entry, lines in found:
        if entry.id and entry.id in names.ids:
            first = kept[names.ids[entry.id]]
            out.problems.append(
                warning(
                    file,
                    lines.line_of("id"),
                    "duplicate id",
                    f"id '{entry.id}' is taken by '{first[1].term}' ({first[1].source}): '{entry.term}' skipped",
                )
            )
            names.skipped.update((entry.id, normalize(entry.term)))
            continue
        position = len(kept)
        kept.append((file, entry, lines))
        if entry.id:
            names.ids[entry.id] = position
        names.names.setdefault(normalize(entry.term), []).append(position)
        for alias in entry.aliases:
            key = normalize(alias)
            owners = names.aliases.setdefault(key, []) if key and key != normalize(entry.term) else [position]
            if position not in owners:
                owners.append(position)
    out.problems += _shared_names(kept, names)
    relations = [_relations(position, item, names, out.problems) for position, item in enumerate(kept)]
    out.entries = tuple(entry for _, entry, _ in kept)
    out.keys = _keys(out.entries)
    out.relations = tuple(relations)
    return out


Found = tuple[str, Entry, "Located"]  # (file, entry, where its keys are)


def _at(item: Found, key: str, kind: str, message: str) -> Problem:
    """A warning located at ``key`` of ``item``."""
    file, _, lines = item
    return warning(file, lines.line_of(key), kind, message)


def _shared_names(kept: list[Found], names: _Names) -> list[Problem]:
    """Warn once per name or alias several entries share (they are all served; /define offers a choice)."""
    problems: list[Problem] = []
    for key, owners in names.aliases.items():
        if key in names.names:
            term = kept[names.names[key][0]][1].term
            for position in owners:
                problems.append(
                    _at(
                        kept[position],
                        "aliases",
                        "alias is a name",
                        f"alias of '{kept[position][1].term}' is the name of '{term}': /define shows '{term}'",
                    )
                )
        elif len(owners) > 1:
            others = ", ".join(f"'{kept[p][1].term}'" for p in owners if p != owners[1])
            problems.append(
                _at(
                    kept[owners[1]],
                    "aliases",
                    "shared alias",
                    f"'{kept[owners[1]][1].term}' shares an alias with {others}: /define offers each",
                )
            )
    for owners in names.names.values():
        first = kept[owners[0]][1]
        for position in owners[1:]:
            if kept[position][1].category == first.category:
                problems.append(
                    _at(
                        kept[position],
                        "term",
                        "same name",
                        f"'{first.term}' is also the name of an entry in the same category ({first.source}):"
                        " both are served; give one an id or another category",
                    )
                )
    return problems


def _relations(position: int, item: Found, names: _Names, problems: list[Problem]) -> tuple[int, ...]:
    """The positions of ``item``'s related entries; what cannot be linked is dropped with a warning."""
    term = item[1].term
    out: list[int] = []
    for text in item[1].related:
        targets = names.targets(text)
        if len(targets) > 1:
            problems.append(
                _at(
                    item,
                    "related",
                    "ambiguous related",
                    f"related '{text}' of '{term}' names {len(targets)} entries: dropped (use an id)",
                )
            )
        elif not targets:
            if text not in names.skipped and normalize(text) not in names.skipped:  # else: reported already
                problems.append(
                    _at(
                        item,
                        "related",
                        "dangling related",
                        f"related '{text}' of '{term}' is not in the glossary: dropped",
                    )
                )
        elif targets[0] == position:
            problems.append(_at(item, "related", "self related", f"'{term}' lists itself as related: dropped"))
        elif targets[0] in out:
            problems.append(
                _at(item, "related", "duplicate related", f"'{term}' lists '{text}' twice in related: once is enough")
            )
        else:
            out.append(targets[0])
    return tuple(out)


def _keys(entries: Sequence[Entry]) -> tuple[str, ...]:
    """Stable, unique keys: ``id:<id>``, else the normalized name; a name seen before gets its category
    (then a number), so adding an entry of the same name never changes the key of the one already there."""
    taken: set[str] = set()
    keys: list[str] = []
    for entry in entries:
        key = f"id:{entry.id}" if entry.id else normalize(entry.term)
        if key in taken:
            key = f"{key}@{normalize(entry.category)}"
        unique, n = key, 1
        while unique in taken:
            n += 1
            unique = f"{key}#{n}"
        taken.add(unique)
        keys.append(unique)
    return tuple(keys)
