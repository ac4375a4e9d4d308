"""Text helpers shared by the core: cleaning what people type, cutting text to a limit, quoting it back."""

from __future__ import annotations

import re

ELLIPSIS = "…"
QUOTE_CHARS = 60
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` without lone surrogates (Discord can deliver them; they cannot be stored or sent back)."""
    return _SURROGATES.sub("\ufffd", text)


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else cut at a word with "…" (never longer than limit)."""
    text = text.strip()
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + ELLIPSIS


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """User text made safe to echo: one line, no markdown or code breaking out, at most ``limit`` characters."""
    flat = " ".join(clean(text).replace("`", "'").split())
    return f"`{shorten(flat, limit) or ' '}`"


_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")


def fit(text: str, limit: int, more: str = "") -> str:
    """``text`` cut to ``limit`` characters at a paragraph, else a sentence, else a word, ending with "…" and,
    if given and there is room, ``more`` (e.g. a link to read the rest)."""
    text = text.strip()
    if len(text) <= limit:
        return text
    tail = ELLIPSIS + (f" {more}" if more and len(more) + 2 <= limit // 3 else "")
    room = limit - len(tail)
    if room < 2:
        return shorten(text, limit)
    head = text[:room]
    paragraph = head.rfind("\n\n")
    if paragraph >= room // 2:
        return head[:paragraph].rstrip() + "\n" + tail
    sentences = [m.end() for m in _SENTENCE_END.finditer(head)]
    if sentences and sentences[-1] >= room // 2:
        return head[: sentences[-1]] + " " + tail
    space = head.rfind(" ")
    cut = head[:space] if space > 0 else head
    return cut.rstrip(" ,;:-–—") + tail


def sentence_count(text: str) -> int:
    """How many sentences ``text`` has (ends of sentence followed by space, or the end)."""
    return len(_SENTENCE_END.findall(text.strip() + " "))


def first_sentence(text: str, limit: int) -> str:
    """The first sentence of ``text`` (whole, when it fits in ``limit``; cut at a word otherwise)."""
    text = " ".join(text.split())
    end = _SENTENCE_END.search(text + " ")
    return shorten(text[: end.end()] if end else text, limit)
