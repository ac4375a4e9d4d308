"""``/define`` through the local Discord emulator: INTERACTION_CREATE sent → interaction callback received.

The real bot (``bot.client.GlossaryBot`` over ``bot.services.Services``, as ``python -m bot`` builds it, with its
cogs, commands synced to the emulator) and the emulator (``tests.emulator``: REST v10 and the gateway on
127.0.0.1) run in this one process and event loop, so the time
includes both sides' JSON, websocket and HTTP work -- what a bot process does per interaction, plus the
emulator's share, which real Discord does on its own machines. The latency of each interaction is the
emulator's own ``elapsed`` on the accepted callback (from creating the interaction to receiving the answer).

Traffic is a fixed mix drawn from the glossary's query set: mostly names and aliases as people type them, and a
share of misspellings that take the did-you-mean path (which also counts the miss, in memory: ``MissLog`` writes
to SQLite in batches, every 30 s, off the answer's path). Waiting for
callbacks uses ``EventLog.wait_for(since=mark)`` rather than ``InteractionHandle.response()``: the latter
rescans the whole event log on every call, which at thousands of interactions would measure the emulator's
bookkeeping instead of the bot.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import random
import time
from pathlib import Path
from typing import Any

from bench.synth import QuerySet, read_queries
from bench.timing import summary

MISSPELLED_SHARE = 0.1
WARMUP = 50
WAIT_S = 10.0


def _traffic(queries: QuerySet, count: int, seed: int) -> list[tuple[str, bool]]:
    """``count`` (term text, expected to be found) pairs: names, aliases and a share of misspellings."""
    rng = random.Random(seed)
    known = queries.names + queries.aliases
    wrong = [m.query for m in queries.misspellings if m.kind != "no-space"]
    return [
        (rng.choice(wrong), False) if rng.random() < MISSPELLED_SHARE else (rng.choice(known), True)
        for _ in range(count)
    ]


async def _one(emu: Any, world: Any, text: str) -> Any:
    """Send one ``/define``; return the accepted callback event."""
    since = emu.events.mark()
    handle = emu.slash(world.guild, world.alice, "define", {"term": text})
    interaction_id = handle.id
    return await emu.events.wait_for(
        "callback",
        lambda e: e.get("interaction_id") == interaction_id and e.get("accepted"),
        timeout=WAIT_S,
        since=since,
    )


async def _series(emu: Any, world: Any, traffic: list[tuple[str, bool]], concurrency: int) -> dict[str, Any]:
    """Run ``traffic`` with ``concurrency`` interactions in flight; latency per interaction and throughput."""
    latencies: list[int] = []
    by_kind: dict[bool, list[int]] = {True: [], False: []}
    cards = 0
    pending = iter(traffic)

    async def worker() -> None:
        nonlocal cards
        for text, known in pending:  # shared iterator: each interaction is sent by exactly one worker
            event = await _one(emu, world, text)
            elapsed_ns = int(event["elapsed"] * 1e9)
            latencies.append(elapsed_ns)
            by_kind[known].append(elapsed_ns)
            callback = event["callback"]
            cards += bool(callback.embeds)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return summary(latencies) | {
        "concurrency": concurrency,
        "seconds": seconds,
        "per_second": len(latencies) / seconds,
        "known": summary(by_kind[True]),
        "misspelled": summary(by_kind[False]),
        "answered_with_card": cards,
    }


async def measure_roundtrip(args: dict[str, Any]) -> dict[str, Any]:
    """Start the emulator and the real bot on the given glossary; measure at concurrency 1 and 50."""
    try:
        from tests.emulator import Emulator
        from tests.emulator.harness import run_client, seed_default_world
    except ImportError as exc:
        return {"not_measured": f"the emulator harness is not importable: {exc}"}

    from bot.client import EXTENSIONS, GlossaryBot
    from bot.services import Services
    from bot.tod.ports import SystemClock

    logging.getLogger("discord").setLevel(logging.WARNING)
    queries = read_queries(Path(args["queries"]))
    sequential, concurrent = (int(n) for n in args["requests"])
    seed = int(args["seed"])
    # Only the cogs that exist: the term-of-the-day cog may not be written yet (it is not on this path).
    extensions = tuple(name for name in EXTENSIONS if importlib.util.find_spec(name) is not None)

    # The bot's own wiring: database, glossary, misses, answers and the term-of-the-day service (whose loop
    # runs in the background, with no server set up it only sleeps).
    services = await Services.open(Path(args["db"]), Path(args["glossary"]), SystemClock())
    try:
        async with Emulator() as emu:
            world = seed_default_world(emu)
            bot = GlossaryBot(services, sync_commands=True, extensions=extensions)
            async with run_client(emu, bot):
                for text, _ in _traffic(queries, WARMUP, seed - 1):
                    await _one(emu, world, text)
                one = await _series(emu, world, _traffic(queries, sequential, seed), 1)
                many = await _series(emu, world, _traffic(queries, concurrent, seed + 1), 50)
            violations = [str(v) for v in emu.violations]
            errors = [getattr(r, "msg", str(r)) for r in emu.client_errors]
        return {
            "terms": len(services.library.index),
            "extensions": list(extensions),
            "mix": f"{1 - MISSPELLED_SHARE:.0%} names/aliases, {MISSPELLED_SHARE:.0%} misspelled",
            "concurrency_1": one,
            "concurrency_50": many,
            "violations": violations[:20],
            "client_errors": [str(e) for e in errors[:20]],
        }
    finally:
        await services.close()
