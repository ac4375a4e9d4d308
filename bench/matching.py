"""Exact lookup, autocomplete and did-you-mean over ``TermIndex``, and difflib on the same queries.

Every call is timed alone (they run on the event loop in the bot, so one slow call is one stalled loop: the
max matters as much as the p99). Did-you-mean is compared with ``difflib.get_close_matches`` -- what most bots
use -- over the same names and aliases, on the same fixed subset of the misspellings, so the time ratio and the
accuracy difference are like for like.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Sequence
from typing import Any

from bench.synth import Misspelling, QuerySet
from bench.timing import summary, time_calls
from bot.matching import TermIndex
from bot.replies import MAX_SUGGESTIONS

# difflib costs ~1 s a query at 100,000 names; the subset shrinks with size to keep `make bench` in budget.
DIFFLIB_QUERIES = ((1_000, 100), (10_000, 50), (100_000, 20))

# Inputs chosen to be slow, not typical: the max single-call time (event-loop stall) must hold for them too.
ADVERSARIAL_AUTOCOMPLETE = (
    "e",
    "a",
    "s",
    "er",
    "ion",
    "ati",
    "zzz",
    "qxj",
    "xyzzy",
    "tion",
    "ing",
    "x" * 100,
    "e" * 40,
)
ADVERSARIAL_SUGGEST = ("e" * 13, "reinforcementt", "zzzzqqqqxxxxy", "a" * 100, "abcdefghijklmnop", "qwertyuiopasdf")


def difflib_subset_size(terms: int) -> int:
    """How many misspellings go through difflib for a glossary of ``terms`` (the same first N for both)."""
    for limit, count in DIFFLIB_QUERIES:
        if terms <= limit:
            return count
    return DIFFLIB_QUERIES[-1][1]


def _accuracy(found: Sequence[Sequence[int]], expected: Sequence[int | None]) -> dict[str, float]:
    n = len(expected)
    top1 = sum(1 for got, want in zip(found, expected, strict=True) if got[:1] == [want])
    top3 = sum(1 for got, want in zip(found, expected, strict=True) if want in got[:3])
    return {"n": n, "top1": top1 / n if n else 0.0, "top3": top3 / n if n else 0.0}


class DifflibBaseline:
    """The usual bot approach: ``get_close_matches`` over lower-cased names and aliases, mapped back to terms."""

    def __init__(self, rows: Sequence[tuple[int, str, Sequence[str]]]) -> None:
        self.owner: dict[str, int] = {}
        for term_id, name, aliases in rows:
            for text in (name, *aliases):
                self.owner.setdefault(text.lower(), term_id)
        self.choices = list(self.owner)

    def suggest(self, text: str) -> list[int]:
        out: list[int] = []
        for match in difflib.get_close_matches(text.lower(), self.choices, n=MAX_SUGGESTIONS, cutoff=0.6):
            term_id = self.owner[match]
            if term_id not in out:
                out.append(term_id)
        return out


def measure_lookup(index: TermIndex, queries: QuerySet) -> dict[str, Any]:
    """Exact lookups: names (as written and lower-cased), aliases, plurals (the fallback path) and unknowns."""
    out: dict[str, Any] = {}
    for label, texts, must_find in (
        ("name", queries.names, True),
        ("alias", queries.aliases, True),
        ("plural", queries.plurals, False),  # a plural of one name may be another name's key; just time it
        ("unknown", queries.unknown, False),
    ):
        samples, results = time_calls(index.lookup, texts * 3)
        stats: dict[str, Any] = summary(samples)
        stats["found"] = sum(r is not None for r in results) / max(1, len(results))
        if must_find and stats["found"] < 1.0:
            raise RuntimeError(f"exact lookup missed {label}s that are in the glossary")
        out[label] = stats
    return out


def measure_autocomplete(index: TermIndex, queries: QuerySet) -> dict[str, Any]:
    """Autocomplete for 1–6 typed characters of real names, mid-word fragments, and adversarial inputs."""
    out: dict[str, Any] = {"by_length": {}}
    everything: list[int] = []
    for length, texts in sorted(queries.prefixes.items()):
        samples, results = time_calls(index.autocomplete, texts)
        stats = summary(samples)
        stats["empty"] = sum(1 for r in results if not r) / max(1, len(results))
        out["by_length"][str(length)] = stats
        everything += samples
    samples, results = time_calls(index.autocomplete, queries.fragments)
    out["fragments"] = summary(samples) | {"empty": sum(1 for r in results if not r) / max(1, len(results))}
    everything += samples
    out["typed"] = summary(everything)  # the target: prefixes of real names plus fragments
    samples, _ = time_calls(index.autocomplete, list(ADVERSARIAL_AUTOCOMPLETE) * 3)
    out["adversarial"] = summary(samples)
    worst = max(zip(samples, ADVERSARIAL_AUTOCOMPLETE * 3, strict=True))
    out["adversarial"]["worst_input"] = worst[1][:20]
    out["max_call_us"] = max(out["typed"]["max_us"], out["adversarial"]["max_us"])
    return out


def measure_suggest(
    index: TermIndex, misspellings: Sequence[Misspelling], baseline: DifflibBaseline, difflib_n: int
) -> dict[str, Any]:
    """Did-you-mean timing and accuracy, ours on every misspelling and ours vs difflib on the first ``difflib_n``."""
    expected = [index.lookup(m.expected) for m in misspellings]
    if any(e is None for e in expected):
        raise RuntimeError("a misspelling's intended term is not in the index")

    def ours(text: str) -> list[int]:
        return index.suggest(text, limit=MAX_SUGGESTIONS)

    texts = [m.query for m in misspellings]
    samples, found = time_calls(ours, texts)
    out: dict[str, Any] = {"ours": summary(samples) | _accuracy(found, expected)}
    by_kind: dict[str, Any] = {}
    for kind in sorted({m.kind for m in misspellings}):
        picks = [i for i, m in enumerate(misspellings) if m.kind == kind]
        by_kind[kind] = _accuracy([found[i] for i in picks], [expected[i] for i in picks])
    out["ours"]["by_kind"] = by_kind
    adversarial, _ = time_calls(ours, list(ADVERSARIAL_SUGGEST) * 3)
    out["adversarial"] = summary(adversarial)
    out["max_call_us"] = max(out["ours"]["max_us"], out["adversarial"]["max_us"])
    out["misses_sample"] = [
        {"query": m.query, "expected": m.expected, "kind": m.kind, "got": [index.names[t] for t in got[:3]]}
        for m, got, want in zip(misspellings, found, expected, strict=True)
        if want not in got[:3]
    ][:15]

    subset = slice(0, min(difflib_n, len(misspellings)))
    started = time.perf_counter()
    base_samples, base_found = time_calls(baseline.suggest, texts[subset])
    ours_subset = samples[subset]
    ours_stats = summary(ours_subset) | _accuracy(found[subset], expected[subset])
    base_stats = summary(base_samples) | _accuracy(base_found, expected[subset])
    out["versus_difflib"] = {
        "queries": len(base_samples),
        "difflib_seconds_total": time.perf_counter() - started,
        "ours": ours_stats,
        "difflib": base_stats,
        "speedup_p50": base_stats["p50_us"] / ours_stats["p50_us"],
        "speedup_mean": base_stats["mean_us"] / ours_stats["mean_us"],
        "top1_diff": ours_stats["top1"] - base_stats["top1"],
        "top3_diff": ours_stats["top3"] - base_stats["top3"],
    }
    return out


def measure_matching(index: TermIndex, rows: Sequence[tuple[int, str, Sequence[str]]], queries: QuerySet) -> dict:
    """All matching measurements for one glossary."""
    baseline = DifflibBaseline(rows)
    return {
        "keys": len(index.sorted_keys),
        "lookup": measure_lookup(index, queries),
        "autocomplete": measure_autocomplete(index, queries),
        "suggest": measure_suggest(index, queries.misspellings, baseline, difflib_subset_size(len(index))),
    }
