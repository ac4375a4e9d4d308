"""Explain terms: ``TermFinder.find`` on 4,000-character messages, and what building the finder costs next to
the ``TermIndex`` built from the same rows.

Messages are chat-like and deterministic (one seeded generator): everyday words (the very words that make some
acronyms case-sensitive), the synthetic definitions' phrases, and about one glossary name or alias in ten
words, written as people write them (lower case, plural, hyphenated), with punctuation, inline code, links and
mentions. Adversarial inputs are timed as well; each call is timed alone, as the bot makes it on the event loop.

Build time is measured with the collector paused, as ``bot.index_process.build`` builds both; memory is what
``tracemalloc`` sees allocated by a second build (the automaton allocates through Python's allocator, so it is
included), because a resident-size difference in a process that already holds one glossary is mostly noise.
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

from bench import words
from bench.timing import summary, time_calls
from bot.common_words import COMMON_WORDS
from bot.explain import TermFinder
from bot.gcpause import gc_paused
from bot.matching import TermIndex
from bot.model import IndexRow

MESSAGE_CHARS = 4_000
MESSAGES = 200
REPEATS = 3


def _built(build: Callable[[Sequence[IndexRow]], Any], rows: Sequence[IndexRow]) -> dict[str, float]:
    """Seconds to build (collector paused) and MB the built structure holds (a second, traced build)."""
    gc.collect()
    with gc_paused():
        started = time.perf_counter()
        built = build(rows)
        seconds = time.perf_counter() - started
    del built
    gc.collect()
    tracemalloc.start()
    try:
        with gc_paused():
            built = build(rows)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del built
    return {"seconds": seconds, "mb": held / 1e6}


def _spoken(rng: random.Random, row: IndexRow) -> str:
    """A name or alias as someone types it in chat."""
    text = rng.choice((row.name, *row.aliases))
    shape = rng.random()
    if shape < 0.35:
        return text.lower()
    if shape < 0.5:
        return text + "s"
    if shape < 0.6:
        return text.replace(" ", "-")
    return text


def messages(rows: Sequence[IndexRow], seed: int, count: int = MESSAGES, chars: int = MESSAGE_CHARS) -> list[str]:
    """``count`` chat-like messages of ``chars`` characters, each naming glossary terms among ordinary words."""
    rng = random.Random(seed)
    everyday = sorted(COMMON_WORDS)
    extras = ("`x = 1`", "https://example.com/a/b", "<@123456789012345678>", "RAG", "moe", "LLMs")
    out = []
    for _ in range(count):
        pieces: list[str] = []
        size = 0
        while size < chars:
            roll = rng.random()
            if roll < 0.1:
                piece = _spoken(rng, rng.choice(rows))
            elif roll < 0.2:
                piece = rng.choice(words.OBJECTS) + rng.choice((".", ",", ""))
            elif roll < 0.23:
                piece = rng.choice(extras)
            else:
                piece = rng.choice(everyday) + rng.choice((".", ",", "", "", "", "", "?"))
            pieces.append(piece)
            size += len(piece) + 1
        out.append(" ".join(pieces)[:chars])
    return out


def adversarial(rows: Sequence[IndexRow], chars: int = MESSAGE_CHARS) -> dict[str, str]:
    """Inputs chosen to be slow, not typical (the longest call matters: it stalls the event loop)."""
    names = [row.name for row in rows[:2_000]]
    aliases = [alias for row in rows[:4_000] for alias in row.aliases if len(alias) <= 5]
    return {
        "one letter": "a" * chars,
        "names glued": "".join(names)[:chars],
        "names spaced": " ".join(names)[:chars],
        "names, one a line": "\n".join(names)[:chars],
        "short aliases": " ".join(aliases)[:chars],
        "short aliases, lower case": " ".join(aliases).lower()[:chars],
        "zero-width inside names": "\u200b".join(" ".join(names))[:chars],
        "code, links, mentions": ("`RAG` https://x.y/LLM <@1> ```a``` " * chars)[:chars],
        "hyphens": "-".join(names)[:chars],
    }


def measure_explain(rows: Sequence[IndexRow], seed: int) -> dict[str, Any]:
    """Build costs of the index and the finder, then ``find`` on messages and adversarial inputs."""
    rows = list(rows)
    out: dict[str, Any] = {"index": _built(TermIndex, rows), "finder": _built(TermFinder, rows)}
    with gc_paused():
        finder = TermFinder(rows)
    out["finder"] |= finder.stats()
    texts = messages(rows, seed)
    samples, found = time_calls(finder.find, texts * REPEATS)
    out["message"] = summary(samples) | {
        "chars": MESSAGE_CHARS,
        "terms_per_message": sum(map(len, found)) / max(1, len(found)),
    }
    hard = adversarial(rows)
    labels = [label for label in hard for _ in range(REPEATS)]
    samples, _ = time_calls(finder.find, [hard[label] for label in labels])
    out["adversarial"] = summary(samples) | {"worst_input": max(zip(samples, labels, strict=True))[1]}
    out["max_call_us"] = max(out["message"]["max_us"], out["adversarial"]["max_us"])
    return out
