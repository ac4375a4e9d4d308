"""One measurement in a fresh process: ``python -m bench.child TASK ARGS.json OUT.json``.

Fresh processes keep measurements honest: peak RSS is per glossary size (a 100,000-term load would otherwise
set the high-water mark for everything after it), the warm load is a real restart (new process, new
connection, new ``Library`` over the same database file), and one task's garbage or caches cannot speed up or
slow down the next. The parent (``bench.run``) only orchestrates and reports.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import traceback
from pathlib import Path
from typing import Any


async def _cold(args: dict[str, Any]) -> dict[str, Any]:
    from bench.load import measure_load

    target = args["db"] if args["db"].startswith("postgresql://") else Path(args["db"])
    result, library = await measure_load(Path(args["glossary"]), target, expect_rebuilt=True)
    await library.db.close()
    return result


async def _serve(args: dict[str, Any]) -> dict[str, Any]:
    """Warm load (a restart), then everything measured on the loaded glossary, as the running bot has it; last,
    Explain terms (it builds an index and a finder of its own twice, so it comes after the rest)."""
    from bench.load import measure_load, stored_rows

    load, library = await measure_load(Path(args["glossary"]), Path(args["db"]), expect_rebuilt=False)
    from bench.explain import measure_explain
    from bench.matching import measure_matching
    from bench.render import measure_cards
    from bench.synth import read_queries

    try:
        queries = read_queries(Path(args["queries"]))
        rows = await stored_rows(library)
        result: dict[str, Any] = {"warm": load}
        result["matching"] = measure_matching(library.index, rows, queries)
        del rows
        result["cards"] = await measure_cards(library, int(args["seed"]))
        index_rows = await library.store.index_rows(library.current.generation)
        result["explain"] = measure_explain(index_rows, int(args["seed"]))
    finally:
        await library.db.close()
    return result


async def _tod(args: dict[str, Any]) -> dict[str, Any]:
    from bench.tod import measure_tod

    return await measure_tod(Path(args["folder"]), int(args["servers"]), int(args["terms"]), int(args["seed"]))


async def _roundtrip(args: dict[str, Any]) -> dict[str, Any]:
    from bench.roundtrip import measure_roundtrip

    return await measure_roundtrip(args)


async def _throughput(args: dict[str, Any]) -> dict[str, Any]:
    from bench.throughput import measure_throughput

    return await measure_throughput(args)


async def _cluster(args: dict[str, Any]) -> dict[str, Any]:
    from bench.cluster import measure_cluster

    return await measure_cluster(args["postgres"], int(args["servers"]), Path(args["folder"]), int(args["seed"]))


async def _tod_shard(args: dict[str, Any]) -> dict[str, Any]:
    from bench.cluster import shard_worker

    return await shard_worker(args)


async def _server_terms(args: dict[str, Any]) -> dict[str, Any]:
    from bench.server_terms import measure_server_terms

    return await measure_server_terms(
        Path(args["folder"]), int(args["servers"]), int(args["per_server"]), int(args["active"]), int(args["seed"])
    )


TASKS = {"cold": _cold, "serve": _serve, "tod": _tod, "roundtrip": _roundtrip, "throughput": _throughput,
         "cluster": _cluster, "tod-shard": _tod_shard, "server-terms": _server_terms}  # fmt: skip


def main(argv: list[str]) -> int:
    """Run one task; the result (or the error with its traceback) goes to the output file as JSON."""
    task, args_path, out_path = argv
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = json.loads(Path(args_path).read_text(encoding="utf-8"))
    try:
        result = asyncio.run(TASKS[task](args))
        code = 0
    except Exception as exc:  # reported by the parent as an ERROR row, with the traceback
        result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        code = 1
    Path(out_path).write_text(json.dumps(result, default=str), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
