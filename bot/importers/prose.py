"""Text as glossary pages write it: paragraphs and lists, section headings, questions and answers, and the
names that "Related terms" lines give. Shared by the seed-page and Markdown importers and by table cells."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from bot.normalize import normalize

# Section headings (seed pages and Markdown "## " headings) → our field; matched after `heading_key`.
HEADINGS: dict[str, tuple[str, ...]] = {
    "definition": ("definition", "what it is", "what is it", "overview", "summary", "meaning", "description"),
    "aliases": ("also known as", "aka", "synonyms", "aliases", "other names"),
    "example": ("example", "examples", "for example", "example usage", "usage", "in practice"),
    "why_it_matters": (
        "why it matters",
        "why does it matter",
        "why is it important",
        "why it is important",
        "why it's important",
        "importance",
    ),
    "faq": (
        "faq",
        "faqs",
        "frequently asked questions",
        "questions",
        "common questions",
        "q&a",
        "questions and answers",
    ),
    "related": ("related", "related terms", "related concepts", "related topics", "see also"),
    "links": ("further reading", "learn more", "references", "resources", "external links", "sources", "links"),
}
HEADING_OF = {name: key for key, names in HEADINGS.items() for name in names}
SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
)
_BULLET = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*+•‣▪]|\d{1,3}[.)])[ \t]+(?P<text>\S.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BOLD_QUESTION = re.compile(r"^\s*(?:\*\*|__)(?P<q>[^*_]+\?)(?:\*\*|__)\s*(?P<rest>.*)$")
_QA = re.compile(r"^(?P<kind>q|a|question|answer)\s*[:.)]\s*", re.IGNORECASE)
_DECORATION = re.compile(r"^(?:#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+)|\*\*|__")
_RELATED = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?P<name>.+?)\s*(?:\((?P<alias>[^)]{1,40})\))?\s+(?:is|are|refers to|means)\s",
    re.IGNORECASE,
)
_NAME_ALIAS = re.compile(r"^(?P<name>.+?)\s*\((?P<alias>[^)]{1,40})\)$")
_SPLIT_DESCRIPTION = re.compile(r"\s+[–—-]\s+|:\s+")
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
_UNLIKE = re.compile(r"\b(?:unlike|compared (?:to|with)|versus|vs\.?)\s+(?P<other>[^,.;:]{2,40})", re.IGNORECASE)
_COMPARES = re.compile(r"\b(?:while|whereas|unlike|differ\w*|compared|instead of|rather than)\b", re.IGNORECASE)
_CLAUSE = re.compile(r"\s+(?:that|which|who|where|when|because|in|on|at|by)\s+")
_NOT_A_SUBJECT = frozenset(
    {"a", "an", "the", "it", "its", "this", "that", "these", "those", "they", "there", "here", "while", "when"}
    | {"where", "whereas", "unlike", "in", "on", "for", "if", "both", "each", "some", "many", "most", "other"}
    | {"others", "one", "yes", "no", "so", "but", "and", "or", "because", "although", "however", "what", "how"}
)


def heading_key(line: str) -> str:
    """``## Why it matters?`` → ``why it matters``."""
    text = _DECORATION.sub("", line.strip()).replace("’", "'")
    return " ".join(text.lower().split()).strip(" :?.!")


def heading_field(line: str) -> str:
    """Our field for a section heading, or ""."""
    return HEADING_OF.get(heading_key(line), "")


def split_list(text: str, *, commas: bool) -> list[str]:
    """``a; b | c`` → ``[a, b, c]``; ``,`` separates only when ``commas`` and there is no ``;`` or ``|``."""
    separators = r"[;|\n]" if re.search(r"[;|\n]", text) or not commas else r"[,\n]"
    return [part.strip(" \t-*•") for part in re.split(separators, text) if part.strip(" \t-*•")]


def paragraphs(lines: Iterable[str], *, wrapped: bool) -> str:
    """Lines → text for a card: paragraphs joined into one line each, bullets and numbered items one per line.

    ``wrapped`` (Markdown): a line that follows a list item without a blank line continues that item. Without it
    (seed pages, cells), each line is whole: prose lines after an item start a new paragraph. Fenced code stays.
    """
    blocks: list[tuple[str, list[str]]] = []  # ("p" | "li" | "code" | "" for a blank line, pieces)
    for raw in lines:
        line = raw.rstrip()
        if blocks and blocks[-1][0] == "code" and not _closed(blocks[-1][1]):
            blocks[-1][1].append(line)
        elif _FENCE.match(line):
            blocks.append(("code", [line]))
        elif not line.strip():
            blocks.append(("", []))
        elif bullet := _BULLET.match(line):
            depth = min(len(bullet["indent"].expandtabs(4)) // 2, 3)
            marker = bullet["marker"].replace(")", ".") if bullet["marker"][0].isdigit() else "-"
            blocks.append(("li", ["  " * depth + marker, bullet["text"].strip()]))
        elif blocks and (blocks[-1][0] == "p" or (blocks[-1][0] == "li" and wrapped)):
            blocks[-1][1].append(line.strip())
        else:
            blocks.append(("p", [line.strip()]))
    out, last, blank = "", "", False
    for kind, pieces in blocks:
        if not kind:
            blank = True
            continue
        if out:
            tight = kind == "li" and (last == "li" or (last == "p" and not blank))
            out += "\n" if tight else "\n\n"
        out += "\n".join(pieces) if kind == "code" else " ".join(pieces)
        last, blank = kind, False
    return out


def _closed(code: list[str]) -> bool:
    return len(code) > 1 and bool(_FENCE.match(code[-1]))


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
    """The (name, alias) a "Related terms" line gives, or ("", "") when it names none.

    ``A Large Language Model (LLM) is …`` → ("Large Language Model", "LLM"); also a bare name, ``X (Y)``,
    ``X – short description`` and ``X: description``.
    """
    text = _DECORATION.sub("", line.strip()).strip()
    head, _, rest = (text, "", "")
    parts = _SPLIT_DESCRIPTION.split(text, maxsplit=1)
    if len(parts) == 2 and len(parts[0].split()) <= 6 and not re.search(r"\s(?:is|are)\s", parts[0]):
        head, rest = parts
    sentence = _RELATED.match(text)
    if sentence and not rest:
        return title_case(sentence["name"].strip()), (sentence["alias"] or "").strip()
    head = _ARTICLE.sub("", head).strip(" .,;:")
    if not head or len(head.split()) > 6:
        return "", ""
    pair = _NAME_ALIAS.match(head)
    if pair:
        return title_case(pair["name"].strip()), pair["alias"].strip()
    return title_case(head), ""


def question_for(term: str, answer: str) -> str:
    """An English question for an answer that came without one.

    ``Regular AI often classifies …, while Generative AI creates …`` → ``How is Generative AI different from
    regular AI?``; anything that compares nothing nameable → ``What else should I know about X?``.
    """
    if _COMPARES.search(answer):
        other = _compared_with(term, answer)
        if other:
            return f"How is {term} different from {other}?"
    return f"What else should I know about {term}?"


def _compared_with(term: str, answer: str) -> str:
    """What ``answer`` compares ``term`` with: "Unlike X, …", "compared to X", or the name it starts with."""
    match = _UNLIKE.search(answer)
    if match:
        other = _CLAUSE.split(match["other"].strip())[0]
        if _is_other(term, _ARTICLE.sub("", other)):
            return other
    words: list[str] = []
    for word in answer.split()[:5]:
        bare = word.strip(",.;:()")
        if not bare[:1].isupper():
            break
        words.append(bare)
        if bare != word:  # punctuation ends the name
            break
    other = " ".join(words)
    if not _is_other(term, other):
        return ""
    proper = len(words) == 1 or not words[0][1:].islower() or any(w[1:].islower() for w in words[1:])
    return other if proper else other[:1].lower() + other[1:]  # "Regular AI often …" → "regular AI"


def _is_other(term: str, other: str) -> bool:
    """Whether ``other`` reads as the name of something other than ``term``."""
    words = other.split()
    if not 0 < len(words) <= 4 or words[0].lower() in _NOT_A_SUBJECT:
        return False
    return normalize(other) not in normalize(term)


def _qa_kind(line: str) -> str:
    """ "q" for a ``Q:``/``Question:`` line, "a" for ``A:``/``Answer:``, else ""."""
    marker = _QA.match(_DECORATION.sub("", line.strip()).strip())
    return marker["kind"][0].lower() if marker else ""


def faq_item(
    question: str, answer: str, term: str, where: str, warn: Callable[[str, str], None]
) -> list[tuple[str, str]]:
    """The (question, answer) pair, with a question made up for an answer alone; none for a question alone
    (reported at ``where``: a card never says "no answer given")."""
    if answer:
        return [(question or question_for(term, answer), answer)]
    if question:
        warn(where, f"question '{question[:60]}' has no answer; left out")
    return []


def parse_faq(lines: list[tuple[str, str]], term: str, warn: Callable[[str, str], None]) -> list[tuple[str, str]]:
    """(where, line) pairs → (question, answer) pairs.

    A question is a ``Q:`` line, a bold ``**…?**`` (its answer may follow on that line), or (when no line says
    ``Q:``) a line ending in ``?``; the lines after it are its answer (an ``A:`` line after an answer starts
    another). A question without an answer is dropped (with a warning); an answer without a question gets one
    from `question_for`.
    """
    explicit = any(_qa_kind(line) == "q" for _, line in lines)
    pairs: list[tuple[str, str]] = []
    question, asked_at, answer = "", "", []

    def close() -> None:
        pairs.extend(faq_item(question, paragraphs(answer, wrapped=False), term, asked_at, warn))

    for where, line in lines:
        bare = _DECORATION.sub("", line.strip()).strip()
        kind = _qa_kind(line)
        inline = _BOLD_QUESTION.match(line)
        if inline:  # "**Is it big?** No."
            close()
            question, asked_at, answer = inline["q"].strip(), where, [inline["rest"]]
        elif kind == "q" or (not explicit and not kind and bare.endswith("?") and not _BULLET.match(line)):
            close()
            question, asked_at, answer = _QA.sub("", bare).strip(), where, []
        elif kind == "a" and answer:  # a second answer: one that came without its question
            close()
            question, answer = "", [_QA.sub("", bare)]
        else:
            answer.append(_QA.sub("", bare) if kind else line)
    close()
    return pairs
