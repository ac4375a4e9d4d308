"""One glossary from every input's entries: duplicates settled, related entries resolved, YAML written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.importers.common import Draft, Part, Ref, Report, slugify
from bot.normalize import normalize


@dataclass
class Glossary:
    """The imported glossary: what the output file holds, and how many input files went into it."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    name: str = ""
    attribution: str = ""
    files: int = 0


def merge(parts: list[tuple[str, Part]], report: Report) -> Glossary:
    """(input, part) pairs → one glossary; the first name and attribution win (a different one is reported)."""
    glossary = Glossary(files=sum(part.files for _, part in parts))
    for source, part in parts:
        for key, value in (("name", part.name), ("attribution", part.attribution)):
            current = getattr(glossary, key)
            if value and not current:
                setattr(glossary, key, value)
            elif value and value != current:
                report.warn(source, f"its glossary {key} '{value}' differs from '{current}'; kept the first")
    drafts, redirects = _unique([d for _, part in parts for d in part.drafts], report)
    index = _Index(drafts, redirects)
    for draft in drafts:
        glossary.entries.append(_mapping(draft, index.related(draft, report)))
    return glossary


def _unique(drafts: list[Draft], report: Report) -> tuple[list[Draft], dict[str, Draft]]:
    """Entries with distinct terms and ids: a term met again in another category is renamed "Term (Category)";
    otherwise the later entry is skipped, and its id leads to the first (the second result). An alias that
    another entry already has is reported (and kept)."""
    by_term: dict[str, Draft] = {}
    ids: set[str] = set()
    kept: list[Draft] = []
    redirects: dict[str, Draft] = {}
    for draft in drafts:
        first = by_term.get(normalize(draft.term))
        if first and draft.category and draft.category != first.category:
            new = f"{draft.term} ({draft.category})"
            report.warn(draft.where, f"'{draft.term}' is also at {first.where}; renamed '{new}'")
            draft.term = new
        elif first:
            report.skip(draft.where, f"'{draft.term}' again (first at {first.where})")
            redirects.setdefault(draft.id, first)
            continue
        if draft.id and draft.id in ids:
            report.warn(draft.where, f"id '{draft.id}' is taken by an earlier entry; left out")
            draft.id = ""
        ids.add(draft.id)
        by_term[normalize(draft.term)] = draft
        kept.append(draft)
    owners = dict(by_term)
    for draft in kept:
        for alias in draft.aliases:
            owner = owners.setdefault(normalize(alias), draft)
            if owner is not draft:
                report.warn(draft.where, f"alias '{alias}' of '{draft.term}' also names '{owner.term}'")
    redirects.pop("", None)
    return kept, redirects


class _Index:
    """Finds an imported entry by name, alias, id or page address."""

    def __init__(self, drafts: list[Draft], redirects: dict[str, Draft]) -> None:
        self.redirects = redirects
        self.names: dict[str, Draft] = {}
        self.pages: dict[str, Draft] = {}
        for draft in drafts:
            for name in (draft.term, *draft.aliases, draft.id):
                self.names.setdefault(normalize(name), draft)
            for key in (draft.id, slugify(draft.term)):
                self.pages.setdefault(slugify(key), draft)
        self.names.pop("", None)
        self.pages.pop("", None)

    def related(self, draft: Draft, report: Report) -> list[str]:
        """``draft``'s related names, each once: as written when it names an imported entry, the entry's id for a
        link to a page; a name that is not imported is kept (reported), never made into an entry."""
        out: list[str] = []
        seen: set[int] = {id(draft)}
        missing: list[Ref] = []
        for ref in draft.related:
            name, target = self._find(ref)
            if target is not None and id(target) not in seen:
                seen.add(id(target))
                out.append(name)
            elif (
                target is None and not ref.optional and normalize(ref.name) not in {normalize(r.name) for r in missing}
            ):
                missing.append(ref)
        for ref in missing:
            report.warn(
                ref.where or draft.where,
                f"related '{ref.name}' is not among the imported entries; "
                "the loader will drop it unless your glossary has it",
            )
        return out + [ref.name for ref in missing]

    def _find(self, ref: Ref) -> tuple[str, Draft | None]:
        if ref.target and ref.target in self.pages:
            found = self.pages[ref.target]
            return found.id or found.term, found
        for name in (ref.name, ref.alias):
            if name and normalize(name) in self.names:
                return name, self.names[normalize(name)]
        found = self.redirects.get(ref.name)  # the id of an entry skipped as a duplicate
        return (found.id or found.term, found) if found else (ref.name, None)


def _mapping(draft: Draft, related: list[str]) -> dict[str, Any]:
    """The entry as the glossary file writes it: our keys in order, empty ones left out."""
    data: dict[str, Any] = {
        "id": draft.id,
        "term": draft.term,
        "aliases": _distinct(draft.aliases, exclude=draft.term),
        "category": draft.category,
        "tags": _distinct(draft.tags),
        "definition": draft.definition,
        "example": draft.example,
        "why_it_matters": draft.why_it_matters,
        "faq": [{"q": q, "a": a} for q, a in draft.faq],
        "sections": [{"title": t, "text": x} for t, x in draft.sections],
        "related": related,
        "see_also_links": [{"url": u, "title": t} if t and t != u else u for u, t in dict(draft.links).items()],
    }
    return {key: value for key, value in data.items() if value}


def _distinct(names: list[str], exclude: str = "") -> list[str]:
    seen = {normalize(exclude)} if exclude else set()
    out = []
    for name in names:
        if normalize(name) and normalize(name) not in seen:
            seen.add(normalize(name))
            out.append(name)
    return out


FOLD_FROM = 80  # characters


class _Dumper(yaml.SafeDumper):
    """Block scalars (``|``) for text of several lines, lists indented under their key, no anchors."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Several lines: a literal block (``|``); one long line: a folded block (``>``), so it reads as a paragraph."""
    style = "|" if "\n" in value else ">" if len(value) > FOLD_FROM else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(glossary: Glossary) -> str:
    """The glossary file's text: ``glossary``, ``attribution`` (when known), then ``terms``."""
    document: dict[str, Any] = {"glossary": glossary.name, "attribution": glossary.attribution}
    document = {key: value for key, value in document.items() if value}
    document["terms"] = glossary.entries
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
