"""Profiles behind the benchmark's MISS lines: ``python -m bench.profiling WHAT [--terms N] [--top K]``.

``WHAT`` is ``parse`` (YAML → validated glossary), ``write`` (writing a new generation to SQLite, per statement),
``autocomplete``, ``suggest`` or ``roundtrip`` (``/define`` through the emulator at concurrency 50, by area).
Each runs on the same deterministic data as ``make bench``, so a fix in ``bot/`` can be checked against the
profile that motivated it before running the whole benchmark again.

cProfile only sees the thread it runs in: the loader and the index build run in worker threads inside
``Library.load`` (and the loader parses a large glossary in two processes), so they are profiled here by
calling them directly, in this process; SQL runs in aiosqlite's thread, so the write is broken down by timing
each statement instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import synth


def _print_stats(profile: cProfile.Profile, top: int) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue().replace(str(Path(sys.prefix)) + "/lib/", "").replace(str(Path.cwd()) + "/", "")
    print("\n".join(line for line in text.splitlines() if line.strip()))


async def _index(ds: synth.Dataset, workdir: Path) -> Any:
    from bot.database import open_database
    from bot.library import Library

    db = await open_database(workdir / "profile.sqlite3")
    try:
        library = Library(db, ds.glossary)
        await library.load()
    finally:
        await db.close()
    return library.index


def profile_parse(ds: synth.Dataset, top: int) -> None:
    import bot.loader
    from bot.loader import default_name_for, parse
    from bot.sources import read_sources

    sources, digest = read_sources(ds.glossary)
    profile = cProfile.Profile()
    processes = bot.loader.PARSE_PROCESSES
    bot.loader.PARSE_PROCESSES = 1  # in this process, where the profiler sees it (the bot uses two for big files)
    try:
        started = time.perf_counter()
        profile.runcall(parse, sources, digest, default_name_for(ds.glossary))
    finally:
        bot.loader.PARSE_PROCESSES = processes
    print(
        f"parse + validate in one process, profiled: {time.perf_counter() - started:.2f} s "
        "(the profiler roughly doubles it)"
    )
    _print_stats(profile, top)


async def profile_write(ds: synth.Dataset, workdir: Path) -> None:
    """``Library._write`` (what a cold load does after parsing), broken down by statement."""
    import bot.library
    import bot.store
    from bot.database import open_database
    from bot.database.sqlite import SqliteTransaction
    from bot.index_process import IndexBuild
    from bot.library import Library
    from bot.loader import load_glossary

    glossary = load_glossary(ds.glossary)
    db = await open_database(workdir / "write.sqlite3")
    library = Library(db, ds.glossary)
    spent: dict[str, float] = defaultdict(float)
    calls = 0
    originals: dict[tuple[Any, str], Any] = {}

    def patch(owner: Any, name: str, replacement: Any) -> None:
        originals[(owner, name)] = getattr(owner, name)
        setattr(owner, name, replacement)

    def counting_normalize(text: str) -> str:
        nonlocal calls
        calls += 1
        return normalize(text)

    def timed_statement(method: Any) -> Any:
        async def run(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(self, sql, *args, **kwargs)
            finally:
                spent[" ".join(sql.split())[:48]] += time.perf_counter() - started

        return run

    @contextlib.asynccontextmanager
    async def timed_transaction() -> Any:
        started = time.perf_counter()
        async with transaction() as tx:
            spent["BEGIN IMMEDIATE"] += time.perf_counter() - started
            yield tx
            ending = time.perf_counter()
        spent["COMMIT"] += time.perf_counter() - ending

    def timed_chunks(*args: Any) -> Any:
        parts = build_chunks(*args)  # rows of a chunk are built in a worker thread, between the transactions
        while True:
            started = time.perf_counter()
            rows = next(parts, None)
            spent["(rows of each chunk built, worker thread)"] += time.perf_counter() - started
            if rows is None:
                return
            yield rows

    normalize, transaction = bot.store.normalize, db.transaction
    build_chunks = bot.library.chunks
    patch(bot.store, "normalize", counting_normalize)
    for name in ("execute", "executemany", "fetchall"):
        patch(SqliteTransaction, name, timed_statement(getattr(SqliteTransaction, name)))
    patch(bot.library, "chunks", timed_chunks)
    db.transaction = timed_transaction  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        await library._write(glossary, IndexBuild(helper=False))  # the index is built elsewhere, not timed here
        total = time.perf_counter() - started
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)
        del db.transaction
        await db.close()
    print(
        f"Library._write of {len(glossary.entries):,} terms (a new generation in chunks of {bot.store.WRITE_CHUNK:,}"
        f" terms, then published): {total:.2f} s; normalize() called {calls:,} times"
    )
    print("(executemany times include turning their rows into a list; term_ids builds its rows there)")
    for sql, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.005:
            print(f"  {seconds:6.2f} s  {sql}")
    print(f"  {total - sum(spent.values()):6.2f} s  (the rest: Python on the event loop, thread hops)")


def profile_matching(what: str, ds: synth.Dataset, index: Any, top: int) -> None:
    from bot.replies import MAX_SUGGESTIONS

    queries = ds.load_queries()
    if what == "autocomplete":
        inputs = [t for n in sorted(queries.prefixes) for t in queries.prefixes[n]] + queries.fragments
        call = index.autocomplete
    else:
        inputs = [m.query for m in queries.misspellings]

        def call(text: str) -> Any:
            return index.suggest(text, limit=MAX_SUGGESTIONS)

    slowest: list[tuple[int, str]] = []
    for text in inputs:
        started = time.perf_counter_ns()
        call(text)
        slowest.append((time.perf_counter_ns() - started, text))
    slowest.sort(reverse=True)
    print(f"{what}: {len(inputs)} calls; slowest (unprofiled):")
    for ns, text in slowest[:8]:
        print(f"  {ns / 1e3:8.0f} µs  {text!r}")
    profile = cProfile.Profile()
    profile.enable()
    for text in inputs:
        call(text)
    profile.disable()
    print(f"all {len(inputs)} calls, profiled:")
    _print_stats(profile, top)
    worst = [text for _, text in slowest[: max(1, len(slowest) // 100)]]
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(10):
        for text in worst:
            call(text)
    profile.disable()
    print(f"the slowest 1% ({len(worst)} calls) x10, profiled:")
    _print_stats(profile, top)


async def profile_roundtrip(ds: synth.Dataset, workdir: Path, top: int) -> None:
    import bench.roundtrip as roundtrip

    profile = cProfile.Profile()
    measure = roundtrip._series

    async def profiled(emu: Any, world: Any, traffic: list[tuple[str, bool]], concurrency: int) -> dict[str, Any]:
        if concurrency == 1:
            return await measure(emu, world, traffic, concurrency)
        profile.enable()
        try:
            return await measure(emu, world, traffic, concurrency)
        finally:
            profile.disable()

    roundtrip._series = profiled  # type: ignore[assignment]
    result = await roundtrip.measure_roundtrip(
        {
            "glossary": str(ds.glossary),
            "queries": str(ds.queries),
            "db": str(workdir / "roundtrip.sqlite3"),
            "requests": [50, 3_000],
            "seed": ds.seed,
        }
    )
    if "not_measured" in result:
        print(result["not_measured"])
        return
    print(f"/define at concurrency 50 under the profiler: {result['concurrency_50']['per_second']:.0f}/s")
    areas: dict[str, float] = defaultdict(float)
    stats = pstats.Stats(profile)
    total = 0.0
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        areas[_area(filename, name)] += tottime
    print("own time by area (where the CPU went):")
    for area, seconds in sorted(areas.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {seconds:6.2f} s  {seconds / total:5.1%}  {area}")
    _print_stats(profile, top)


def _area(filename: str, name: str) -> str:
    path = filename.replace("\\", "/")
    for marker, area in (
        ("/tests/emulator/", "emulator (tests/emulator)"),
        ("/bot/", "bot/ (the glossary core)"),
        ("/cogs/", "cogs/"),
        ("/discord/", "discord.py"),
        ("/aiohttp/", "aiohttp"),
        ("/aiosqlite/", "aiosqlite"),
        ("/asyncio/", "asyncio"),
        ("/copy.py", "copy.deepcopy (emulator payload copies)"),
        ("/json/", "json"),
    ):
        if marker in path:
            return area
    return f"builtins: {name[:40]}" if filename == "~" else Path(path).name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("parse", "write", "autocomplete", "suggest", "roundtrip"))
    parser.add_argument("--terms", type=int, default=None, help="glossary size (default 100,000; 10,000 for roundtrip)")
    parser.add_argument("--top", type=int, default=15, help="functions to list")
    args = parser.parse_args(argv)
    terms = args.terms or (10_000 if args.what == "roundtrip" else 100_000)
    ds = synth.ensure(terms)
    with tempfile.TemporaryDirectory(prefix="glossary-profile-") as tmp:
        workdir = Path(tmp)
        if args.what == "parse":
            profile_parse(ds, args.top)
        elif args.what == "write":
            asyncio.run(profile_write(ds, workdir))
        elif args.what == "roundtrip":
            asyncio.run(profile_roundtrip(ds, workdir, args.top))
        else:
            profile_matching(args.what, ds, asyncio.run(_index(ds, workdir)), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
