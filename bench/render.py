"""Card rendering: ``Replies.card`` (card from SQLite or the library's cache, embed, buttons) → ``views.payload``.

This is the work behind every ``/define`` hit and every related-term button, short of the HTTP call. Two
series: distinct terms (more than the library's 1,024-card cache, so each is read from SQLite on the
database's reader connection, over the aiosqlite thread) and a small hot set (served from the cache), because
a real server mixes both.
"""

from __future__ import annotations

import gc
import random
import time
from typing import Any

from bench.timing import summary
from bot.library import CARD_CACHE_SIZE, Library
from bot.misses import MissLog
from bot.replies import Replies
from bot.views import payload

DISTINCT_CARDS = 2_000
HOT_SET = 50
HOT_CALLS = 2_000


async def measure_cards(library: Library, seed: int) -> dict[str, Any]:
    """p50/p99/max of card → payload for uncached and cached terms; also checks every payload has an embed."""
    replies = Replies(library, MissLog(library.db))  # as ``bot.services`` wires it; a card records no miss
    order = library.index.order
    rng = random.Random(seed)
    distinct = rng.sample(order, min(DISTINCT_CARDS, len(order)))
    hot = distinct[:HOT_SET]
    clock = time.perf_counter_ns

    async def one(term_id: int) -> tuple[int, dict[str, Any]]:
        started = clock()
        reply = await replies.card(term_id)
        if reply is None:
            raise RuntimeError(f"term {term_id} has no card")
        body = payload(reply)
        return clock() - started, body

    for term_id in hot[:10]:  # warm-up: first use imports and builds discord.py's component classes
        await one(term_id)
    gc.collect()
    uncached: list[int] = []
    buttons = 0
    # Start from a cold card cache, as after a restart; more distinct terms than the cache holds.
    library._cards.clear()
    for term_id in distinct:
        elapsed, body = await one(term_id)
        uncached.append(elapsed)
        if not body["embeds"]:
            raise RuntimeError("a card payload without an embed")
        buttons += sum(len(row["components"]) for row in body["components"])
    for term_id in hot:  # into the cache, so the next series measures hits only
        await one(term_id)
    gc.collect()
    cached: list[int] = []
    for i in range(HOT_CALLS):
        elapsed, _ = await one(hot[i % len(hot)])
        cached.append(elapsed)
    return {
        "uncached": summary(uncached) | {"distinct_terms": len(distinct), "cache_size": CARD_CACHE_SIZE},
        "cached": summary(cached),
        "buttons_per_card": buttons / max(1, len(distinct)),
    }
