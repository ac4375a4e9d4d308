"""Server terms at scale: many servers with their own terms, stored in SQLite, served through overlays.

``servers`` servers with ``per_server`` terms each are written to a real database (the bot's tables, in one
transaction per 1,000 servers). The bot's :class:`~bot.overlay.Overlays` then loads the overlays of
``active`` servers (the LRU the bot keeps), and what a request in one of them costs is timed alone, call by
call, through the bot's :class:`~bot.overlay.Scope` (overlay first, then the shipped index):

- exact lookup: the server's own names and aliases, and shipped names (half each), in random active servers;
- autocomplete: prefixes of 1 to 6 characters of both kinds;
- overlay build: :func:`~bot.overlay.build_overlay` on one server's rows (and, apart, the database read);
- memory: what ``active`` overlays hold (tracemalloc, after building them all and keeping them);
- the cycle collector's full passes during the timed calls (their length is what the slowest calls took).

Server term names come from a pool of synthetic names shared between servers, as real jargon is.
"""

from __future__ import annotations

import gc
import json
import random
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import synth
from bench.timing import summary, time_calls
from bot.database import open_database
from bot.matching import TermIndex
from bot.model import IndexRow
from bot.normalize import normalize
from bot.overlay import Overlays, Scope, build_overlay
from bot.server_store import ServerTermStore

SHIPPED_TERMS = 10_000
POOL = 20_000
LOOKUPS = 20_000
AUTOCOMPLETES = 5_000
BUILDS = 300
WRITE_BATCH = 1_000  # servers per transaction
GUILD_BASE = 10**15


def _rows(pool: list[synth.SynthTerm], rng: random.Random, per_server: int) -> list[tuple[str, str, str]]:
    """One server's terms as (norm, name, aliases as JSON), names unique within it."""
    picked = rng.sample(pool, per_server)
    return [(normalize(t.name), t.name, json.dumps(t.aliases[:2])) for t in picked]


async def _write(db_path: Path, servers: int, per_server: int, pool: list[synth.SynthTerm], seed: int) -> float:
    rng = random.Random(seed)
    started = time.perf_counter()
    db = await open_database(db_path)
    try:
        for first in range(0, servers, WRITE_BATCH):
            rows = [
                (GUILD_BASE + g, norm, name, aliases, "A definition.", 1, 0)
                for g in range(first, min(servers, first + WRITE_BATCH))
                for norm, name, aliases in _rows(pool, rng, per_server)
            ]
            async with db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO server_terms (guild_id, norm, name, aliases, definition, updated_by, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
    finally:
        await db.close()
    return time.perf_counter() - started


def _queries(
    active: dict[int, Scope], shipped: list[synth.SynthTerm], rng: random.Random
) -> tuple[list[tuple[Scope, str]], list[tuple[Scope, str]]]:
    scopes = list(active.values())
    lookups: list[tuple[Scope, str]] = []
    completions: list[tuple[Scope, str]] = []
    for number in range(max(LOOKUPS, AUTOCOMPLETES)):
        scope = rng.choice(scopes)
        own = list(scope.overlay.key_ids)
        text = rng.choice(own) if number % 2 == 0 else rng.choice(shipped).name
        if number < LOOKUPS:
            lookups.append((scope, text))
        if number < AUTOCOMPLETES:
            completions.append((scope, text[: rng.randint(1, 6)]))
    return lookups, completions


async def _overlays(db_path: Path, servers: int, active: int, seed: int) -> tuple[dict[str, Any], dict[int, Any]]:
    """Load ``active`` overlays through the bot's Overlays; the database read and memory they take."""
    rng = random.Random(seed + 1)
    db = await open_database(db_path)
    try:
        store = ServerTermStore(db)
        read_ns: list[int] = []

        async def timed_load(guild_id: int) -> list[tuple[int, str, str]]:
            started = time.perf_counter_ns()
            rows = await store.index_rows(guild_id)
            read_ns.append(time.perf_counter_ns() - started)
            return rows

        chosen = rng.sample(range(servers), active)
        overlays = Overlays(timed_load, await store.guilds_with_terms(), size=active)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        loaded = {GUILD_BASE + g: await overlays.get(GUILD_BASE + g) for g in chosen}
        held = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        rows = await store.index_rows(GUILD_BASE + chosen[0])
    finally:
        await db.close()
    stats = {"active": len(overlays), "memory_mb": held / 2**20, "read": summary(read_ns)}
    build_ns, _ = time_calls(build_overlay, [rows] * BUILDS)
    stats["build"] = summary(build_ns)
    return stats, loaded


@contextmanager
def full_collections() -> Iterator[list[float]]:
    """The length (ms) of every full (generation 2) collection the cycle collector ran during the block: the
    long calls of a series with many live objects are these, not the calls themselves."""
    pauses: list[float] = []
    started: list[float] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses.append((time.perf_counter() - started.pop()) * 1000)

    gc.callbacks.append(watch)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(watch)


async def measure_server_terms(
    folder: Path, servers: int, per_server: int, active: int, seed: int, shipped_terms: int = SHIPPED_TERMS
) -> dict[str, Any]:
    """Everything above, for ``servers`` × ``per_server`` terms with ``active`` overlays in memory."""
    shipped = synth.generate(shipped_terms, seed)
    pool = synth.generate(POOL, seed + 1)
    index = TermIndex(IndexRow(n, t.name, tuple(t.aliases)) for n, t in enumerate(shipped, 1))
    db_path = folder / "server-terms.sqlite3"
    db_path.unlink(missing_ok=True)
    written = await _write(db_path, servers, per_server, pool, seed)
    overlays, loaded = await _overlays(db_path, servers, active, seed)
    scopes = {guild: Scope(index, overlay) for guild, overlay in loaded.items()}
    lookups, completions = _queries(scopes, shipped, random.Random(seed + 2))
    with full_collections() as pauses:
        lookup_ns, found = time_calls(lambda q: q[0].find(q[1]), lookups)
        complete_ns, _ = time_calls(lambda q: q[0].autocomplete(q[1]), completions)
    return {
        "servers": servers,
        "per_server": per_server,
        "server_terms": servers * per_server,
        "shipped_terms": shipped_terms,
        "write_s": written,
        "overlays": overlays,
        "lookup": {**summary(lookup_ns), "found": sum(bool(f) for f in found) / len(found)},
        "autocomplete": summary(complete_ns),
        "full_collections_ms": pauses,
    }
