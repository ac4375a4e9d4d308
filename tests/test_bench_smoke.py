"""The benchmark still runs: generator validity and determinism, and each measurement's result shape.

Timings are never asserted (they depend on the machine); this only guards ``make bench`` from silently
breaking when ``bot/`` changes, in a few seconds, on glossaries of a few hundred terms.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `bench` is not an installed package; plain `pytest` may not see the repo root
    sys.path.insert(0, str(ROOT))

from bench import report, synth  # noqa: E402
from bench.explain import MESSAGE_CHARS, measure_explain, messages  # noqa: E402
from bench.load import measure_load, stored_rows  # noqa: E402
from bench.matching import measure_matching  # noqa: E402
from bench.render import measure_cards  # noqa: E402
from bench.tod import STORE_FUNCTIONS, measure_tod  # noqa: E402
from bot.loader import load_glossary  # noqa: E402
from bot.normalize import normalize  # noqa: E402
from bot.tod import store as tod_store  # noqa: E402

SIZE = 300


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> synth.Dataset:
    return synth.ensure(SIZE, cache_dir=tmp_path_factory.mktemp("bench-cache"))


def test_generator_is_deterministic_and_valid_for_the_loader(tmp_path: Path) -> None:
    first, again = synth.generate(SIZE, seed=7), synth.generate(SIZE, seed=7)
    assert [t.name for t in first] == [t.name for t in again]
    assert [t.definition for t in first] == [t.definition for t in again]
    assert [t.name for t in synth.generate(SIZE, seed=8)] != [t.name for t in first]
    synth.write_glossary(first, tmp_path / "g", "Smoke")
    glossary = load_glossary(tmp_path / "g")  # raises GlossaryError with file:line if anything is invalid
    assert len(glossary.entries) == SIZE
    keys = [normalize(t.name) for t in first]
    assert len(set(keys)) == SIZE
    assert all(len(t.name) <= 80 and 1 <= len(t.name.replace("-", " ").split()) <= 5 for t in first)
    assert all(len(t.aliases) <= 3 for t in first)
    assert any(t.related for t in first) and any(t.aliases for t in first)


def test_dataset_cache_and_queries(dataset: synth.Dataset) -> None:
    assert (dataset.glossary / "part-0001.yaml").exists()
    again = synth.ensure(SIZE, cache_dir=dataset.glossary.parent.parent)
    assert again.generated_s == 0.0 and again.glossary == dataset.glossary
    queries = dataset.load_queries()
    assert sorted(queries.prefixes) == [1, 2, 3, 4, 5, 6]
    assert queries.names and queries.aliases and queries.fragments
    kinds = {m.kind for m in queries.misspellings}
    assert kinds == set(synth.MISSPELLING_KINDS)


@pytest.fixture
async def measured(dataset: synth.Dataset, tmp_path: Path) -> dict[str, Any]:
    """Cold then warm load in this process, then the per-size measurements, as ``bench.child`` runs them."""
    cold, library = await measure_load(dataset.glossary, tmp_path / "g.sqlite3", expect_rebuilt=True)
    await library.db.close()
    warm, library = await measure_load(dataset.glossary, tmp_path / "g.sqlite3", expect_rebuilt=False)
    try:
        rows = await stored_rows(library)
        assert len(rows) == SIZE
        matching = measure_matching(library.index, rows, dataset.load_queries())
        cards = await measure_cards(library, seed=1)
        explain = measure_explain(await library.store.index_rows(library.current.generation), seed=1)
    finally:
        await library.db.close()
    return {"cold": cold, "serve": {"warm": warm, "matching": matching, "cards": cards, "explain": explain}}


async def test_measurements_have_the_reported_shape(measured: dict[str, Any]) -> None:
    cold, serve = measured["cold"], measured["serve"]
    assert cold["rebuilt"] and not serve["warm"]["rebuilt"] and cold["terms"] == SIZE
    assert {"read files + hash", "parse + validate", "write database", "build index"} <= cold["phases_s"].keys()
    assert {"read files + hash", "read database", "build index"} <= serve["warm"]["phases_s"].keys()
    assert "read database" not in cold["phases_s"] and "write database" not in serve["warm"]["phases_s"]
    assert all(seconds >= 0 for seconds in (*cold["phases_s"].values(), *serve["warm"]["phases_s"].values()))
    assert sum(cold["phases_s"].values()) <= cold["seconds"] and cold["peak_rss_mb"] > 0
    assert cold["cpus"] >= 1 and cold["machine_cpu_s"] > 0  # every process's CPU time during the load (Linux)
    matching = serve["matching"]
    assert matching["lookup"]["name"]["found"] == 1.0 and matching["lookup"]["alias"]["found"] == 1.0
    assert set(matching["autocomplete"]["by_length"]) == {"1", "2", "3", "4", "5", "6"}
    for stats in (matching["autocomplete"]["typed"], matching["suggest"]["ours"], serve["cards"]["uncached"]):
        assert stats["n"] > 0 and stats["p50_us"] <= stats["p99_us"] <= stats["max_us"]
    versus = matching["suggest"]["versus_difflib"]
    assert versus["queries"] > 0 and 0 <= versus["difflib"]["top3"] <= 1 and versus["speedup_p50"] > 0
    assert 0 <= matching["suggest"]["ours"]["top1"] <= matching["suggest"]["ours"]["top3"] <= 1


async def test_explain_measures_messages_and_both_builds(measured: dict[str, Any]) -> None:
    explain = measured["serve"]["explain"]
    message = explain["message"]
    assert message["n"] > 0 and message["p50_us"] <= message["p99_us"] <= message["max_us"] <= explain["max_call_us"]
    assert message["chars"] == MESSAGE_CHARS and message["terms_per_message"] > 1
    assert explain["adversarial"]["n"] > 0 and explain["adversarial"]["worst_input"]
    for built in (explain["index"], explain["finder"]):
        assert built["seconds"] > 0 and built["mb"] > 0
    assert explain["finder"]["keys"] >= SIZE and explain["finder"]["automaton"]["nodes_count"] > 0


def test_explain_messages_are_deterministic_and_full_length() -> None:
    from bot.model import IndexRow

    rows = [IndexRow(i, f"Sparse Cache {i}", (f"SC{i}",)) for i in range(1, 50)]
    first = messages(rows, seed=3, count=5)
    assert first == messages(rows, seed=3, count=5) != messages(rows, seed=4, count=5)
    assert all(len(text) == MESSAGE_CHARS for text in first)


async def test_term_of_the_day_hands_every_post_over(tmp_path: Path) -> None:
    functions = {name: getattr(tod_store, name) for name in STORE_FUNCTIONS}
    result = await measure_tod(tmp_path, servers=40, terms=100, seed=3)
    assert functions == {name: getattr(tod_store, name) for name in STORE_FUNCTIONS}  # the timer put them back
    for scenario in ("fresh", "history"):
        assert result[scenario]["handed"] == result[scenario]["sent"] == 40
        assert result[scenario]["statements"] > 0 and result[scenario]["idle_tick_due"] == 0
        calls = result[scenario]["store_calls"]
        assert {"due", "record", "confirm", "reschedule"} <= calls.keys() and calls["commit"] >= 2
        assert sum(n for name, n in calls.items() if name != "commit") == result[scenario]["statements"]
    assert result["history"]["history_rows"] == 40 * 30


async def test_report_table_judges_targets(measured: dict[str, Any], tmp_path: Path) -> None:
    results = {
        "meta": {"mode": "quick", "cpus": 2, "python": "3", "sqlite": "3", "seed": 1, "started": "now", "git": "x"},
        "sizes": {str(SIZE): measured},
        "tod": await measure_tod(tmp_path, servers=10, terms=20, seed=3),
        "roundtrip": {"not_measured": "not in the smoke test"},
    }
    text = report.table(results)
    assert "Targets" in text and "not measured" in text and "exact lookup (name) p99" in text
    assert "explain terms: 4,000-char message" in text and "build: explain finder (automaton)" in text
    assert f"CPU-s on {measured['cold']['cpus']} CPUs" in text
    judged = report.judged_targets(results)
    assert {row["result"] for row in judged} <= {report.PASS, report.MISS, report.NOT_MEASURED}


async def test_cluster_posts_once_per_server_across_four_processes(postgres_server: Any, tmp_path: Path) -> None:
    from bench.cluster import measure_cluster

    result = await measure_cluster(postgres_server.get_uri(), 80, tmp_path, seed=3)
    for run in (result["full"], result["small"]):
        assert run["handed"] == run["post_rows"] == run["distinct_servers"] == run["servers"]
        assert run["processes"] == 4 and sum(run["per_process"]) == run["servers"]
        assert run["max_statements_per_tick"] > 0 and run["handoff_s"] > 0


async def test_throughput_measures_the_bot_process(dataset: synth.Dataset, tmp_path: Path) -> None:
    from bench.throughput import measure_throughput

    args = {"glossary": str(dataset.glossary), "queries": str(dataset.queries), "db": str(tmp_path / "t.sqlite3")}
    result = await measure_throughput({**args, "requests": 60, "seed": 3})
    assert result["interactions"] == 60 and result["exit_code"] == 0
    assert result["bot_cpu_ms_per_interaction"] > 0 and result["per_second"] > 0
    floor = result["floor"]  # the same series against a discord.py bot that only answers a fixed card
    assert floor["interactions"] == 60 and floor["exit_code"] == 0 and floor["buttons"] == 4
    assert floor["bot_cpu_ms_per_interaction"] > 0
    meta = {"mode": "quick", "cpus": 2, "python": "3", "sqlite": "3", "seed": 1, "started": "now", "git": "x"}
    text = report.table({"meta": meta, "sizes": {}, "throughput": result})
    assert "/define, discord.py alone" in text and "4 buttons (bench.floor_bot)" in text


async def test_server_terms_measure_overlays_beside_the_shipped_index(tmp_path: Path) -> None:
    from bench.server_terms import measure_server_terms

    result = await measure_server_terms(tmp_path, servers=30, per_server=20, active=10, seed=3, shipped_terms=SIZE)
    assert result["server_terms"] == 600 and result["overlays"]["active"] == 10
    assert result["lookup"]["found"] == 1.0  # every query names a server term or a shipped one
    overlays = result["overlays"]
    for stats in (result["lookup"], result["autocomplete"], overlays["build"], overlays["read"]):
        assert stats["n"] > 0 and stats["p50_us"] <= stats["p99_us"] <= stats["max_us"]
    assert overlays["memory_mb"] > 0 and isinstance(result["full_collections_ms"], list)
    results = {
        "meta": {"mode": "quick", "cpus": 2, "python": "3", "sqlite": "3", "seed": 1, "started": "now", "git": "x"},
        "sizes": {},
        "server_terms": result,
    }
    assert "server terms: memory of 10 overlays" in report.table(results)
    judged = {row["target"]: row["result"] for row in report.judged_targets(results)}
    assert judged["server terms: lookup p99 (10,000 servers × 100)"] == report.NOT_MEASURED  # set for 1,000,000
