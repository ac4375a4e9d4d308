"""Which term a server gets on a date: every term once per round, a different start for every server."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from bot.tod.store import Cycle

WALK_LIMIT = 32  # probe this many terms before computing the unused set outright


def choose_term(guild_id: int, day: date, terms: Sequence[int], cycle: Cycle) -> tuple[int, int] | None:
    """A server's term for a date, as ``(term id, round)``, or ``None`` for an empty glossary.

    ``terms`` must be sorted and unique. A term already used in the current round is never picked; when every
    current term is used the next round starts, and it never starts with the term given last (so no term
    comes twice in a row). Terms added later are simply unused; removed ones are not in ``terms``. The start
    point is a hash of (server, date), so servers get different sequences and the choice is reproducible.
    Cheap early in a round (a few probes); late in a round the unused set is computed at C speed instead.
    """
    n = len(terms)
    if n == 0:
        return None
    digest = hashlib.blake2b(f"{guild_id}:{day.isoformat()}".encode(), digest_size=8).digest()
    start = int.from_bytes(digest, "big")
    used = cycle.used
    for k in range(min(n, WALK_LIMIT)):
        term = terms[(start + k) % n]
        if term not in used:
            return term, cycle.number
    remaining = sorted(set(terms).difference(used))
    if remaining:
        return remaining[start % len(remaining)], cycle.number
    fresh = [t for t in terms if t != cycle.last] or list(terms)
    return fresh[start % len(fresh)], cycle.number + 1
