"""Converting glossary pages (the format of the seed page the project started from) into glossary YAML.

A page looks like::

    What is Generative AI?
    Also known as: GenAI
    <definition, one or more lines>
    Example
    <lines>
    Why it matters
    <lines>
    Frequently asked questions
    <question lines ending in "?", each followed by its answer lines; an answer may come without a question>
    Related terms
    <one line per related term, each a sentence defining it: "A Large Language Model (LLM) is ...">
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.model import Entry, Faq
from bot.normalize import normalize

SECTIONS = {
    "example": "example",
    "why it matters": "why_it_matters",
    "frequently asked questions": "faq",
    "faq": "faq",
    "related terms": "related",
}
SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
)
_RELATED = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?P<name>.+?)\s*(?:\((?P<alias>[^)]{1,40})\))?\s+(?:is|are|refers to|means)\s",
    re.IGNORECASE,
)
_TITLE = re.compile(r"^(?:what\s+(?:is|are)\s+(?:an?\s+|the\s+)?)?(?P<term>.+?)\??$", re.IGNORECASE)


class ImportError_(ValueError):
    """A page is not in the expected format; the message says what is missing."""


def title_case(name: str) -> str:
    """``prompt engineering`` → ``Prompt Engineering``; words already containing capitals are kept as written."""
    words = name.split()
    out = []
    for i, word in enumerate(words):
        if word != word.lower() or (i and word in SMALL_WORDS):
            out.append(word)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(out)


def related_name(line: str) -> tuple[str, str]:
    """The (name, alias) a "Related terms" line defines, e.g. ("Large Language Model", "LLM")."""
    match = _RELATED.match(line.strip())
    if not match:
        words = line.strip().split()
        return title_case(" ".join(words[:4]).rstrip(".,;:")), ""
    return title_case(match["name"].strip()), (match["alias"] or "").strip()


def question_for(term: str, answer: str) -> str:
    """A sensible question for an answer that came without one."""
    words = answer.split()
    subject: list[str] = []
    for word in words[:5]:
        if word[:1].isupper() or word.isupper():
            subject.append(word.strip(",.;:"))
        else:
            break
    if " while " in answer or "unlike" in answer.lower() or "differ" in answer.lower():
        if subject and normalize(" ".join(subject)) != normalize(term):
            other = " ".join(subject)
            other = other[:1].lower() + other[1:] if not other.split()[0].isupper() else other
            return f"How is {term} different from {other}?"
        return f"How is {term} different from related ideas?"
    return f"What else should I know about {term}?"


def parse_page(text: str, source: str = "page") -> Entry:
    """One page → one entry. Raises ImportError_ if the page has no title or no definition."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ImportError_(f"{source}: the page is empty")
    title = _TITLE.match(lines[0])
    term = title["term"].strip() if title else lines[0].rstrip("?")
    aliases: list[str] = []
    parts: dict[str, list[str]] = {"definition": []}
    current = "definition"
    for line in lines[1:]:
        lowered = line.lower().rstrip(":")
        if lowered.startswith("also known as") and current == "definition" and not parts["definition"]:
            aliases += [a.strip() for a in line.split(":", 1)[-1].split(",") if a.strip()]
            continue
        if lowered in SECTIONS:
            current = SECTIONS[lowered]
            parts.setdefault(current, [])
            continue
        parts.setdefault(current, []).append(line)
    definition = " ".join(parts["definition"])
    if not definition:
        raise ImportError_(f"{source}: no definition after the title line")
    faq: list[Faq] = []
    question = ""
    answer: list[str] = []
    for line in [*parts.get("faq", []), "?end"]:
        if line.endswith("?") or line == "?end":
            if answer:
                joined = " ".join(answer)
                faq.append(Faq(question or question_for(term, joined), joined))
            elif question:
                faq.append(Faq(question, "(no answer given)"))
            question, answer = ("" if line == "?end" else line), []
        else:
            answer.append(line)
    related: list[str] = []
    seen = {normalize(term)}
    for line in parts.get("related", []):
        name, _alias = related_name(line)
        if normalize(name) not in seen:
            seen.add(normalize(name))
            related.append(name)
    return Entry(
        term=term,
        definition=definition,
        aliases=tuple(aliases),
        example=" ".join(parts.get("example", [])),
        why_it_matters=" ".join(parts.get("why_it_matters", [])),
        faq=tuple(faq),
        related=tuple(related),
        source=source,
    )


def entry_to_yaml(entry: Entry) -> dict[str, Any]:
    """The glossary-file mapping of ``entry`` (empty fields left out)."""
    data: dict[str, Any] = {"term": entry.term}
    if entry.aliases:
        data["aliases"] = list(entry.aliases)
    if entry.category:
        data["category"] = entry.category
    data["definition"] = entry.definition
    for key, value in (("example", entry.example), ("why_it_matters", entry.why_it_matters)):
        if value:
            data[key] = value
    if entry.faq:
        data["faq"] = [{"q": f.q, "a": f.a} for f in entry.faq]
    if entry.related:
        data["related"] = list(entry.related)
    return data


def import_pages(paths: list[Path]) -> str:
    """YAML text of a glossary file holding one entry per page."""
    entries = [parse_page(p.read_text(encoding="utf-8"), p.name) for p in paths]
    document = {"terms": [entry_to_yaml(e) for e in entries]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
