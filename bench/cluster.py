"""Term of the day across a shard cluster: several processes on one PostgreSQL database, one minute's servers.

The servers (``bench.tod``'s realistic snowflakes and time zones, all due at 09:00 UTC) are written to a fresh
PostgreSQL database; then ``PROCESSES`` processes (``bench.child tod-shard``), each running its share of the
shards as the bot would (``TermOfDay`` with ``Shards(PROCESSES, {i})``), start their scheduler at the same
instant and tick until nothing is due. The figure is the time from that instant until the last post was handed
to a poster, in any process; the poster only records (no network, no rate limit in it). Statements per tick
are reported at two sizes, to show they do not grow with the number of servers: a tick takes at most a batch of
10,000 servers and writes their outcomes every 1,000, so past one batch per process more servers mean more
ticks, never longer ones.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.tod import DUE_AT, ManualClock, _servers
from bot.database import open_database
from bot.shards import Shards
from bot.tod import store as tod_store
from bot.tod.service import TermOfDay

PROCESSES = 4
START_DELAY_S = 3.0  # time for every process to start and connect before the common start


class StampingPoster:
    """Takes every post; remembers the wall-clock time of the first and the last (comparable across processes)."""

    def __init__(self) -> None:
        self.guilds: set[int] = set()
        self.first = self.last = 0.0

    async def post(self, guild_id: int, channel_id: int, term_id: int, local_date: date, nonce: str) -> int:
        self.last = time.time()
        self.first = self.first or self.last
        self.guilds.add(guild_id)
        await asyncio.sleep(0)  # a real send awaits the network: let the other sends run
        return 1_300_000_000_000_000_000 + len(self.guilds)


async def shard_worker(args: dict[str, Any]) -> dict[str, Any]:
    """One process of the cluster: wait for the common start, then tick until nothing of ours is due."""
    db = await open_database(args["url"])
    try:
        terms = list(range(1, int(args["terms"]) + 1))
        shards = Shards(int(args["count"]), frozenset({int(args["index"])}))
        scheduler = TermOfDay(db, lambda: terms, ManualClock(DUE_AT + timedelta(seconds=2)), shards)
        poster = StampingPoster()
        await asyncio.sleep(max(0.0, float(args["start_at"]) - time.time()))
        ticks = []
        while True:
            report = await scheduler.tick(poster)
            ticks.append({"due": report.due, "handed": report.handed, "statements": report.statements})
            if not report.more:
                break
        return {"handed": len(poster.guilds), "first": poster.first, "last": poster.last, "ticks": ticks}
    finally:
        await db.close()


async def _new_database(admin_url: str) -> str:
    name = f"bench_cluster_{int(time.time() * 1000)}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


async def _seed(url: str, servers: int, seed: int) -> None:
    db = await open_database(url)
    try:
        async with db.transaction() as tx:
            await tod_store.upsert_schedules(tx, _servers(servers, seed), int(DUE_AT.timestamp()) - 86_400)
    finally:
        await db.close()


def _spawn(task_args: dict[str, Any], folder: Path, index: int) -> tuple[subprocess.Popen[bytes], Path]:
    args_path, out_path = folder / f"shard-{index}-args.json", folder / f"shard-{index}-out.json"
    args_path.write_text(json.dumps(task_args), encoding="utf-8")
    command = [sys.executable, "-m", "bench.child", "tod-shard", str(args_path), str(out_path)]
    return subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent), out_path


async def _run(admin_url: str, servers: int, folder: Path, seed: int) -> dict[str, Any]:
    url = await _new_database(admin_url)
    await _seed(url, servers, seed)
    start_at = time.time() + START_DELAY_S
    workers = [
        _spawn({"url": url, "terms": 10_000, "count": PROCESSES, "index": i, "start_at": start_at}, folder, i)
        for i in range(PROCESSES)
    ]
    results = []
    for process, out in workers:
        await asyncio.to_thread(process.wait)
        results.append(json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"error": "no result"})
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        raise RuntimeError(f"a cluster process failed: {failed[0]}")
    db = await open_database(url)
    try:
        rows = await db.fetchall("SELECT count(*), count(DISTINCT guild_id) FROM tod_posts")
    finally:
        await db.close()
    posts, distinct = rows[0][0], rows[0][1]
    ticks = [tick for r in results for tick in r["ticks"] if tick["due"]]
    return {
        "servers": servers,
        "processes": PROCESSES,
        "handed": sum(r["handed"] for r in results),
        "post_rows": posts,
        "distinct_servers": distinct,
        "handoff_s": max(r["last"] for r in results) - start_at,
        "per_process": [r["handed"] for r in results],
        "ticks": len(ticks),
        "statements_per_tick": sorted({t["statements"] for t in ticks}),
        "max_statements_per_tick": max(t["statements"] for t in ticks),
    }


async def measure_cluster(admin_url: str, servers: int, folder: Path, seed: int) -> dict[str, Any]:
    """The full size, and half of it to compare the statements per tick."""
    full = await _run(admin_url, servers, folder, seed)
    small = await _run(admin_url, max(PROCESSES, servers // 2), folder, seed + 1)
    for run in (full, small):
        if not run["handed"] == run["post_rows"] == run["distinct_servers"] == run["servers"]:
            raise RuntimeError(f"expected one post per server, got {run}")
    return {"full": full, "small": small}
