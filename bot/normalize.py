"""How names are compared: the same text in any case, spacing, hyphenation or punctuation is the same key.

``Gen-AI``, ``gen ai`` and ``GENAI`` all become ``genai``. Symbols that make a different word are kept:
``C``, ``C#``, ``C++``, ``F#`` and ``.NET`` are five keys, and a name of symbols only (``>>>``, ``...``) is
its own key. Lookups also try simple English plurals, so ``LLMs`` finds ``LLM`` without anyone writing the
plural as an alias.
"""

from __future__ import annotations

import re
import unicodedata

_KEEP = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# ASCII text (nearly every name) takes a C-speed path: as bytes, drop everything but letters and digits, then
# lower-case (bytes.translate is a table lookup; str.translate looks each character up in a dict: 3x slower).
_ASCII_DROP = bytes(c for c in range(128) if not chr(c).isalnum())
# A word with the "#"/"+" suffix that names a language (c#, c++, k-means++), or ".word" at the very start (.net).
_SYMBOL_WORDS = re.compile(r"(^\.)?([^\W_]+)([#+]*)")


def _letters(text: str) -> str:
    if text.isascii():
        return text.encode().translate(None, _ASCII_DROP).lower().decode()
    folded = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in folded if ch in _KEEP or (ch.isalnum() and not unicodedata.combining(ch)))


def normalize(text: str) -> str:
    """The comparison key of ``text``: lower-case letters and digits (accents folded), plus the symbols that
    make a different word."""
    key = _letters(text)
    if key and "#" not in text and "+" not in text and "." not in text:  # no symbol that makes a different word
        return key
    stripped = text.strip()
    if not key:  # symbols only: ">>>" and "..." are names in their own right
        return "".join(stripped.split())
    words = _SYMBOL_WORDS.findall(unicodedata.normalize("NFKD", stripped).casefold())
    return "".join(dot + _letters(word) + suffix for dot, word, suffix in words)


def singulars(key: str) -> list[str]:
    """Keys a plural ``key`` may stand for, most likely first (``queries`` → ``query``, ``llms`` → ``llm``)."""
    out: list[str] = []
    if len(key) > 4 and key.endswith("ies"):
        out.append(key[:-3] + "y")
    if len(key) > 3 and key.endswith(("ses", "xes", "zes", "ches", "shes")):
        out.append(key[:-2])
    if len(key) > 2 and key.endswith("s") and not key.endswith("ss"):
        out.append(key[:-1])
    return out
