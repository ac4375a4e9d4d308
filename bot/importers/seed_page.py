"""Glossary pages in the format of the seed page the project started from (``.txt``).

A page looks like::

    What is Generative AI?
    Also known as: GenAI; Gen-AI
    <definition: one or more lines, "- " bullets kept>
    Example(s)
    <lines>
    Why it matters
    <lines>
    Frequently asked questions (or FAQ, FAQs)
    <a question line ending in "?" (or "Q: …") followed by its answer lines ("A: …"); an answer may come alone>
    Related terms (or Related, See also)
    <one line per related term: "A Large Language Model (LLM) is …", a bare name, "X (Y)", "X – …", "X: …">

A heading is a line that is nothing but a known heading (see `prose.HEADINGS`), with or without ``?`` or ``:``.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.importers.common import Draft, Part, Ref, Report, links_in, read_text
from bot.importers.prose import heading_field, paragraphs, parse_faq, related_name, split_list

_TITLE = re.compile(r"^(?:what\s+(?:is|are)\s+(?:an?\s+|the\s+)?)?(?P<term>.+?)\s*\??$", re.IGNORECASE)
_ALSO_KNOWN = re.compile(r"^(?:also known as|aka|a\.k\.a\.|synonyms?)\s*[:\-–]\s*(?P<names>.+)$", re.IGNORECASE)
SEED_MARKERS = re.compile(
    r"^(?:what\s+(?:is|are)\s.+\?|also known as\s*:.*|frequently asked questions|related terms|why it matters)$",
    re.IGNORECASE | re.MULTILINE,
)


def read(path: Path, report: Report) -> Part:
    """The page's entry, or none (reported) when it has no text."""
    return Part(parse_page(read_text(path), str(path), report))


def parse_page(text: str, source: str = "page", report: Report | None = None) -> list[Draft]:
    """One page's text → its entry (a list of one), or none when it has no title or no text."""
    report = report if report is not None else Report()
    lines = [(n, line.replace("\ufeff", "").strip()) for n, line in enumerate(text.split("\n"), 1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        report.skip(source, "the page is empty")
        return []
    first, title_line = lines[0]
    term = _TITLE.match(title_line)["term"].strip()  # type: ignore[index]  # the pattern matches any line
    draft = Draft(term=term, where=f"{source}:{first}")
    parts = _sections(lines[1:], draft)
    for key in ("definition", "example", "why_it_matters"):
        draft.add_text(key, paragraphs((line for _, line in parts.get(key, [])), wrapped=False))
    for _, line in parts.get("aliases", []):
        draft.aliases += split_list(line, commas=True)
    draft.faq = parse_faq([(f"{source}:{n}", line) for n, line in parts.get("faq", [])], term, report.warn)
    _related(draft, parts.get("related", []), source, report)
    _links(draft, parts.get("links", []), source, report)
    if not draft.has_text():
        report.skip(draft.where, f"'{term}' has no text after its title")
        return []
    if not draft.definition:
        report.warn(draft.where, f"'{term}' has no definition; the card will be short")
    return [draft]


def _sections(lines: list[tuple[int, str]], draft: Draft) -> dict[str, list[tuple[int, str]]]:
    """The page's lines by the field their heading names (``definition`` until the first heading)."""
    parts: dict[str, list[tuple[int, str]]] = {"definition": []}
    current = "definition"
    for number, line in lines:
        also = _ALSO_KNOWN.match(line)
        if also and current in ("definition", "aliases"):
            draft.aliases += split_list(also["names"], commas=True)
            continue
        heading = heading_field(line) if len(line.split()) <= 5 else ""
        if heading:
            current = heading
            parts.setdefault(current, [])
            continue
        parts.setdefault(current, []).append((number, line))
    return parts


def _related(draft: Draft, lines: list[tuple[int, str]], source: str, report: Report) -> None:
    for number, line in lines:
        name, alias = related_name(line)
        if name:
            draft.related.append(Ref(name, alias, where=f"{source}:{number}"))
        else:
            report.warn(f"{source}:{number}", f"related line names no term ('{line[:50]}…'); left out")


def _links(draft: Draft, lines: list[tuple[int, str]], source: str, report: Report) -> None:
    for number, line in lines:
        found, rest = links_in(line)
        draft.links += found
        for piece in rest:
            report.warn(f"{source}:{number}", f"'{piece[:50]}' is not an http(s) link; left out")
