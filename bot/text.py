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
