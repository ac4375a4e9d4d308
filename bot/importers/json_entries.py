"""JSON glossaries (``.json``): a list of entries, a mapping ``{glossary, attribution, terms}``, one entry, or a
plain ``{term: definition}`` mapping.

Entry keys are our field names or their common synonyms (`common.FIELD_NAMES`, e.g. ``name``/``title`` for the
term, ``description`` for the definition, ``synonyms`` for aliases); ``related`` may name entries by id. Any
other key is reported once with how many entries have it: kept as a section when its value is text, otherwise
dropped (e.g. ``depth``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from bot.importers.common import Draft, Part, Report, Unreadable, apply_field, field_for, header_key, read_text
from bot.importers.prose import paragraphs

LIST_KEYS = ("terms", "entries", "items", "glossary", "words", "definitions")
NAME_KEYS = ("glossary", "name", "title")
ATTRIBUTION_KEYS = ("attribution", "source", "credit", "credits")


def read(path: Path, report: Report) -> Part:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise Unreadable(path, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    part = Part([])
    other = _OtherKeys()
    for number, item in enumerate(_items(path, data, part), 1):
        draft = _draft(f"{path}: entry {number}", item, other, report)
        if draft is not None:
            part.drafts.append(draft)
    other.report(str(path), report)
    return part


class _OtherKeys:
    """Keys that are not glossary fields: text kept as sections, the rest dropped; counted to report once."""

    def __init__(self) -> None:
        self.kept: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()

    def take(self, draft: Draft, key: str, value: Any) -> None:
        if isinstance(value, str) and value.strip():
            draft.sections.append((header_key(key).capitalize(), paragraphs(value.split("\n"), wrapped=False)))
            self.kept[key] += 1
        elif value not in (None, "", [], {}):
            self.dropped[key] += 1

    def report(self, where: str, report: Report) -> None:
        for key, count in self.kept.items():
            report.warn(where, f"key '{key}' ({_entries(count)}) is not a glossary field; kept as a section")
        for key, count in self.dropped.items():
            report.warn(where, f"key '{key}' ({_entries(count)}) is not a glossary field; dropped")


def _draft(where: str, item: Any, other: _OtherKeys, report: Report) -> Draft | None:
    """One JSON entry as a draft, or None (reported) when it is not an object or has no term."""
    if not isinstance(item, dict):
        report.skip(where, f"not an object ({type(item).__name__})")
        return None
    draft = Draft(term="", where=where)
    for key, value in item.items():
        field = field_for(str(key))
        if field:
            apply_field(draft, field, value, where, report)
        else:
            other.take(draft, str(key), value)
    if not draft.term:
        report.skip(where, "no term (a 'term', 'name' or 'title' key)")
        return None
    if not draft.definition:
        report.warn(where, f"'{draft.term}' has no definition; the card will be short")
    draft.where = f"{where} ('{draft.term}')"
    return draft


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _items(path: Path, data: Any, part: Part) -> list[Any]:
    """The entries of ``data``; the glossary's name and attribution go to ``part``."""
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise Unreadable(path, "JSON that is neither a list of entries nor an object")
    for key in LIST_KEYS:
        if isinstance(data.get(key), list | dict) and data[key]:
            part.name = next((str(data[k]).strip() for k in NAME_KEYS if isinstance(data.get(k), str)), "")
            part.attribution = next(
                (str(data[k]).strip() for k in ATTRIBUTION_KEYS if isinstance(data.get(k), str)), ""
            )
            found = data[key]
            return found if isinstance(found, list) else _by_name(found)
    if any(field_for(str(k)) == "term" for k in data):
        return [data]
    return _by_name(data)


def _first_text(data: dict[str, Any], keys: tuple[str, ...]) -> str:
    return next((data[k].strip() for k in keys if isinstance(data.get(k), str)), "")


def _by_name(data: dict[str, Any]) -> list[Any]:
    """``{"API": "An interface …"}`` or ``{"API": {"definition": …}}`` → entries with their term."""
    items: list[Any] = []
    for name, value in data.items():
        if isinstance(value, dict):
            items.append({"term": name, **value})
        else:
            items.append({"term": name, "definition": value} if isinstance(value, str | list) else value)
    return items
