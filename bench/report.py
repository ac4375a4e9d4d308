"""The table ``make bench`` prints, and the targets each line is judged against.

Targets live here, as data, next to the code that reads them out of the results, so "what did we promise" and
"what did we measure" cannot drift apart. A MISS is a finding to act on, not a failure of the run: the exit code
only reflects measurements that could not be made at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PASS, MISS, NOT_MEASURED = "PASS", "MISS", "not measured"


def fmt_us(us: float | None) -> str:
    """A duration given in microseconds, in the unit a person reads fastest."""
    if us is None or (isinstance(us, float) and math.isnan(us)):
        return "—"
    if us < 10:
        return f"{us:.1f} µs"
    if us < 1_000:
        return f"{us:.0f} µs"
    if us < 1_000_000:
        return f"{us / 1_000:.{1 if us < 100_000 else 0}f} ms"
    return f"{us / 1_000_000:.2f} s"


def fmt_s(seconds: float | None) -> str:
    return "—" if seconds is None else fmt_us(seconds * 1e6)


def pct(value: float) -> str:
    return f"{value * 100:.0f}%" if value in (0.0, 1.0) else f"{value * 100:.1f}%"


def _dig(results: dict[str, Any], *path: str | int) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(str(key))
    return node


@dataclass(frozen=True, slots=True)
class Target:
    """One promise from the issue: where its number lives in the results and how it is judged."""

    name: str
    terms: int | None  # the glossary size it applies to (None: not size-specific)
    wanted: str  # as printed, e.g. "p99 ≤ 5 ms"
    value: Callable[[dict[str, Any]], float | None]
    ok: Callable[[float], bool]
    shown: Callable[[float], str]

    def judge(self, results: dict[str, Any]) -> tuple[str, str]:
        """(verdict, value as text) for this target in ``results``."""
        try:
            value = self.value(results)
        except (KeyError, TypeError, ZeroDivisionError):
            value = None
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return NOT_MEASURED, "—"
        return (PASS if self.ok(value) else MISS), self.shown(value)


def _size(n: int, *path: str) -> Callable[[dict[str, Any]], Any]:
    return lambda r: _dig(r, "sizes", n, *path)


def _peak_rss(n: int) -> Callable[[dict[str, Any]], float | None]:
    def value(r: dict[str, Any]) -> float | None:
        peaks = [_dig(r, "sizes", n, "cold", "peak_rss_mb"), _dig(r, "sizes", n, "serve", "warm", "peak_rss_mb")]
        peaks = [p for p in peaks if p is not None]
        return max(peaks) if peaks else None

    return value


def _max_blocking(n: int) -> Callable[[dict[str, Any]], float | None]:
    def value(r: dict[str, Any]) -> float | None:
        calls = [
            _dig(r, "sizes", n, "serve", "matching", "autocomplete", "max_call_us"),
            _dig(r, "sizes", n, "serve", "matching", "suggest", "max_call_us"),
        ]
        calls = [c for c in calls if c is not None]
        return max(calls) if calls else None

    return value


def _roundtrip(r: dict[str, Any], *path: str) -> Any:
    """A round-trip figure, only when it was measured on the 10,000 terms the targets are set for."""
    return _dig(r, "roundtrip", *path) if _dig(r, "roundtrip", "terms") == 10_000 else None


def _throughput_on(r: dict[str, Any], terms: int) -> bool:
    return _dig(r, "throughput", "interactions") is not None and _dig(r, "roundtrip", "terms") in (terms, None)


def _cluster(r: dict[str, Any], *path: str) -> Any:
    return _dig(r, "postgres", "cluster", *path)


def _servers(r: dict[str, Any], *path: str) -> Any:
    """A server-terms figure, only when measured on the 10,000 servers × 100 terms the targets are set for."""
    return _dig(r, "server_terms", *path) if _dig(r, "server_terms", "server_terms") == 1_000_000 else None


def _top3_not_worse(r: dict[str, Any]) -> float | None:
    return _dig(r, "sizes", 100_000, "serve", "matching", "suggest", "versus_difflib", "top3_diff")


def targets(sizes: list[int]) -> list[Target]:
    """Every target of the issue; exact-lookup applies to each measured size, the rest to one size each."""
    match = ("serve", "matching")
    out = [
        Target(
            "did-you-mean p99",
            100_000,
            "≤ 5 ms",
            _size(100_000, *match, "suggest", "ours", "p99_us"),
            lambda v: v <= 5_000,
            fmt_us,
        ),
        Target(
            "did-you-mean vs difflib",
            100_000,
            "≥ 30× faster",
            _size(100_000, *match, "suggest", "versus_difflib", "speedup_p50"),
            lambda v: v >= 30,
            lambda v: f"{v:,.0f}×",
        ),
        Target(
            "did-you-mean top-3 vs difflib",
            100_000,
            "no worse",
            _top3_not_worse,
            lambda v: v >= 0,
            lambda v: f"{v * 100:+.0f} pts",
        ),
        Target(
            "autocomplete p99",
            100_000,
            "≤ 1 ms",
            _size(100_000, *match, "autocomplete", "typed", "p99_us"),
            lambda v: v <= 1_000,
            fmt_us,
        ),
        Target(
            "longest autocomplete/did-you-mean call",
            100_000,
            "≤ 5 ms",
            _max_blocking(100_000),
            lambda v: v <= 5_000,
            fmt_us,
        ),
    ]
    for n in sizes:
        for kind in ("name", "alias"):
            out.append(
                Target(
                    f"exact lookup ({kind}) p99",
                    n,
                    "≤ 50 µs",
                    _size(n, *match, "lookup", kind, "p99_us"),
                    lambda v: v <= 50,
                    fmt_us,
                )
            )
    out.append(
        Target(
            "explain terms: 4,000-character message p99",
            100_000,
            "≤ 2 ms",
            _size(100_000, "serve", "explain", "message", "p99_us"),
            lambda v: v <= 2_000,
            fmt_us,
        )
    )
    out += [
        Target("load cold", 10_000, "≤ 1.5 s", _size(10_000, "cold", "seconds"), lambda v: v <= 1.5, fmt_s),
        Target("load warm", 10_000, "≤ 0.5 s", _size(10_000, "serve", "warm", "seconds"), lambda v: v <= 0.5, fmt_s),
        Target("load cold", 100_000, "≤ 10 s", _size(100_000, "cold", "seconds"), lambda v: v <= 10, fmt_s),
        Target("peak RSS", 100_000, "≤ 400 MB", _peak_rss(100_000), lambda v: v <= 400, lambda v: f"{v:.0f} MB"),
        Target(
            "emulator /define p99, concurrency 1",
            10_000,
            "≤ 5 ms",
            lambda r: _roundtrip(r, "concurrency_1", "p99_us"),
            lambda v: v <= 5_000,
            fmt_us,
        ),
        Target(
            "emulator /define throughput, concurrency 50",
            10_000,
            "≥ 1,000/s",
            lambda r: _roundtrip(r, "concurrency_50", "per_second"),
            lambda v: v >= 1_000,
            lambda v: f"{v:,.0f}/s",
        ),
        Target(
            "bot CPU per /define (bot in its own process)",
            10_000,
            "≤ 0.5 ms",
            lambda r: _dig(r, "throughput", "bot_cpu_ms_per_interaction") * 1000 if _throughput_on(r, 10_000) else None,
            lambda v: v <= 500,
            fmt_us,
        ),
        Target(
            "load cold on PostgreSQL (COPY)",
            100_000,
            "≤ 10 s",
            lambda r: _dig(r, "postgres", "cold", 100_000, "seconds"),
            lambda v: v <= 10,
            fmt_s,
        ),
        Target(
            "term of the day: 100,000 servers, 4 processes, PostgreSQL",
            None,
            "≤ 10 s",
            lambda r: _cluster(r, "full", "handoff_s") if _cluster(r, "full", "servers") == 100_000 else None,
            lambda v: v <= 10,
            fmt_s,
        ),
        Target(
            "… SQL statements per tick, half the servers → all",
            None,
            "no growth",
            lambda r: _cluster(r, "full", "max_statements_per_tick") - _cluster(r, "small", "max_statements_per_tick"),
            lambda v: v <= 0,
            lambda v: f"{v:+.0f}",
        ),
        Target(
            "server terms: lookup p99 (10,000 servers × 100)",
            None,
            "≤ 50 µs",
            lambda r: _servers(r, "lookup", "p99_us"),
            lambda v: v <= 50,
            fmt_us,
        ),
        Target(
            "server terms: autocomplete p99",
            None,
            "≤ 1 ms",
            lambda r: _servers(r, "autocomplete", "p99_us"),
            lambda v: v <= 1_000,
            fmt_us,
        ),
        Target(
            "server terms: overlay build (100 terms) p99",
            None,
            "≤ 5 ms",
            lambda r: _servers(r, "overlays", "build", "p99_us"),
            lambda v: v <= 5_000,
            fmt_us,
        ),
        Target(
            "term of the day: 10,000 due servers handed off",
            None,
            "≤ 5 s",
            lambda r: _dig(r, "tod", "fresh", "handoff_s") if _dig(r, "tod", "fresh", "servers") == 10_000 else None,
            lambda v: v <= 5,
            fmt_s,
        ),
        Target(
            "… with 30 days of history",
            None,
            "≤ 5 s",
            lambda r: (
                _dig(r, "tod", "history", "handoff_s") if _dig(r, "tod", "history", "servers") == 10_000 else None
            ),
            lambda v: v <= 5,
            fmt_s,
        ),
    ]
    return out


# -- the table ----------------------------------------------------------------------------------------------
Row = tuple[str, str, str, str, str, str]  # measurement, terms, p50 or value, p99, max, notes


def _latency_row(label: str, terms: str, stats: dict[str, Any] | None, notes: str = "") -> Row:
    if not stats:
        return (label, terms, "—", "—", "—", notes or "not measured")
    return (label, terms, fmt_us(stats["p50_us"]), fmt_us(stats["p99_us"]), fmt_us(stats["max_us"]), notes)


def _phases(phases: dict[str, float]) -> str:
    short = {
        "read files + hash": "read",
        "parse + validate": "parse",
        "write database": "write",
        "read database": "db read",
        "build index": "index",
    }
    return " · ".join(f"{short.get(k, k)} {fmt_s(v)}" for k, v in phases.items() if v >= 0.0005)


def _load_notes(load: dict[str, Any]) -> str:
    """A load's phases and peak memory, and how much CPU its processes used in all: so the least wall time it
    could take on this machine."""
    notes = f"{_phases(load['phases_s'])} · peak RSS {load['peak_rss_mb']:.0f} MB"
    busy, cpus = load.get("machine_cpu_s"), load.get("cpus")
    if busy is None or not cpus:
        return notes
    return f"{notes} · all processes {busy:.1f} CPU-s on {cpus} CPUs (≥ {busy / cpus:.2f} s here)"


def _size_rows(n: int, data: dict[str, Any]) -> list[Row]:
    terms = f"{n:,}"
    rows: list[Row] = []
    cold, serve = data.get("cold") or {}, data.get("serve") or {}
    for label, part in (("cold", cold), ("warm", serve.get("warm") or {})):
        if "error" in part or not part:
            rows.append((f"load {label}", terms, "ERROR", "", "", str(part.get("error", "not run"))[:90]))
            continue
        notes = _load_notes(part)
        rows.append(
            (f"load {label}" + (" (restart)" if label == "warm" else ""), terms, fmt_s(part["seconds"]), "", "", notes)
        )
    if "error" in serve or "matching" not in serve:
        rows.append(("lookups, cards", terms, "ERROR", "", "", str(serve.get("error", "not run"))[:90]))
        return rows
    m = serve["matching"]
    rows.append(_latency_row("exact lookup: name", terms, m["lookup"]["name"], f"{m['keys']:,} keys"))
    rows.append(_latency_row("exact lookup: alias", terms, m["lookup"]["alias"]))
    ac = m["autocomplete"]
    worst_len = max(ac["by_length"].items(), key=lambda kv: kv[1]["p99_us"])
    rows.append(
        _latency_row(
            "autocomplete: 1–6 chars + fragments",
            terms,
            ac["typed"],
            f"worst: {worst_len[0]} chars p99 {fmt_us(worst_len[1]['p99_us'])}, "
            f"fragments p99 {fmt_us(ac['fragments']['p99_us'])}",
        )
    )
    rows.append(
        _latency_row(
            "autocomplete: adversarial inputs",
            terms,
            ac["adversarial"],
            f"slowest input {ac['adversarial'].get('worst_input', '')!r}",
        )
    )
    sg = m["suggest"]
    ours = sg["ours"]
    rows.append(
        _latency_row(
            "did-you-mean (TermIndex.suggest)",
            terms,
            ours,
            f"top-1 {pct(ours['top1'])}, top-3 {pct(ours['top3'])} of {ours['n']} misspellings",
        )
    )
    vs = sg["versus_difflib"]
    rows.append(
        _latency_row(
            f"  difflib, same {vs['queries']} queries",
            terms,
            vs["difflib"],
            f"top-1 {pct(vs['difflib']['top1'])}, top-3 {pct(vs['difflib']['top3'])}; "
            f"ours top-1 {pct(vs['ours']['top1'])}, top-3 {pct(vs['ours']['top3'])}",
        )
    )
    rows.append(
        (
            "  did-you-mean vs difflib",
            terms,
            f"{vs['speedup_p50']:,.0f}×",
            "",
            "",
            f"faster (p50 ratio; mean {vs['speedup_mean']:,.0f}×); top-1 {vs['top1_diff'] * 100:+.0f} pts, "
            f"top-3 {vs['top3_diff'] * 100:+.0f} pts",
        )
    )
    rows.append(
        (
            "longest single matching call",
            terms,
            fmt_us(max(ac["max_call_us"], sg["max_call_us"])),
            "",
            "",
            f"autocomplete {fmt_us(ac['max_call_us'])}, did-you-mean {fmt_us(sg['max_call_us'])} (incl. adversarial)",
        )
    )
    cards = serve.get("cards") or {}
    if cards:
        rows.append(
            _latency_row(
                "card → payload, from SQLite",
                terms,
                cards["uncached"],
                f"{cards['uncached']['n']:,} distinct terms, {cards['buttons_per_card']:.1f} buttons/card",
            )
        )
        rows.append(_latency_row("card → payload, cached", terms, cards["cached"]))
    return rows + _explain_rows(terms, serve.get("explain"))


def _explain_rows(terms: str, ex: dict[str, Any] | None) -> list[Row]:
    """Explain terms: a message's latency, adversarial inputs, and the finder's build next to the index's."""
    if not ex:
        return []
    message, hard, index, finder = ex["message"], ex["adversarial"], ex["index"], ex["finder"]
    nodes = (finder.get("automaton") or {}).get("nodes_count", 0)
    return [
        _latency_row(
            "explain terms: 4,000-char message",
            terms,
            message,
            f"{message['n']:,} calls, {message['terms_per_message']:.0f} terms found per message",
        ),
        _latency_row("explain terms: adversarial inputs", terms, hard, f"slowest input {hard['worst_input']!r}"),
        (
            "build: explain finder (automaton)",
            terms,
            fmt_s(finder["seconds"]),
            "",
            "",
            f"{finder['mb']:.0f} MB, {finder['keys']:,} keys, {finder['spellings']:,} spellings "
            f"({finder['one_word']:,} one-word in a dict), {nodes:,} automaton nodes",
        ),
        ("build: term index (same rows)", terms, fmt_s(index["seconds"]), "", "", f"{index['mb']:.0f} MB"),
    ]


def _tod_rows(tod: dict[str, Any]) -> list[Row]:
    if not tod or "error" in tod:
        return [("term of the day", "", "ERROR", "", "", str((tod or {}).get("error", "not run"))[:90])]
    rows: list[Row] = []
    for key, label in (("fresh", "first day"), ("history", "30 days of history"), ("small", "first day")):
        s = tod[key]
        rows.append(
            (
                f"ToD: {s['servers']:,} due servers, {label}",
                "",
                fmt_s(s["handoff_s"]),
                "",
                "",
                f"all handed to the poster; whole tick {fmt_s(s['tick_s'])}, of which SQLite {fmt_s(s['db_seconds'])}"
                f" in {s['statements']} statements ({s['store_calls'].get('commit', 0)} commits)",
            )
        )
    return rows


def _server_rows(st: dict[str, Any] | None) -> list[Row]:
    if not st or "not_measured" in st or "error" in st:
        reason = (st or {}).get("not_measured") or (st or {}).get("error", "not run")
        return [("server terms", "", NOT_MEASURED, "", "", str(reason)[:110])]
    terms = f"{st['server_terms']:,}"
    where = f"{st['servers']:,} servers × {st['per_server']}"
    ov = st["overlays"]
    pauses = st.get("full_collections_ms") or []
    gc_note = f"{len(pauses)} full GC pass(es) in the series, longest {max(pauses):.0f} ms" if pauses else "no full GC"
    return [
        _latency_row("server terms: lookup (overlay + shipped)", terms, st["lookup"], f"{where}; active servers"),
        _latency_row("server terms: autocomplete", terms, st["autocomplete"], f"prefixes of 1-6 characters; {gc_note}"),
        _latency_row("server terms: overlay build", str(st["per_server"]), ov["build"], "in memory, one server"),
        _latency_row("server terms: overlay database read", str(st["per_server"]), ov["read"], "SQLite, one server"),
        (
            f"server terms: memory of {ov['active']:,} overlays",
            terms,
            f"{ov['memory_mb']:.1f} MB",
            "",
            "",
            f"{ov['memory_mb'] * 1024 / max(1, ov['active']):.0f} KB each (tracemalloc); "
            f"{st['shipped_terms']:,} shipped terms beside them; written in {st['write_s']:.1f} s",
        ),
    ]


def _roundtrip_rows(rt: dict[str, Any] | None) -> list[Row]:
    if not rt or "not_measured" in rt:
        reason = (rt or {}).get("not_measured", "not run")
        return [("emulator /define round trip", "", NOT_MEASURED, "", "", str(reason)[:110])]
    terms = f"{rt['terms']:,}"
    one, many = rt["concurrency_1"], rt["concurrency_50"]
    return [
        _latency_row(
            "emulator /define, concurrency 1",
            terms,
            one,
            f"{one['n']:,} interactions, {one['per_second']:,.0f}/s",
        ),
        _latency_row(
            "emulator /define, concurrency 50",
            terms,
            many,
            f"{many['n']:,} interactions, {many['per_second']:,.0f}/s",
        ),
    ]


def _throughput_rows(tp: dict[str, Any] | None) -> list[Row]:
    if not tp or "not_measured" in tp or "error" in tp:
        reason = (tp or {}).get("not_measured") or (tp or {}).get("error", "not run")
        return [("/define, bot in its own process", "", NOT_MEASURED, "", "", str(reason)[:110])]
    cpu = tp["bot_cpu_ms_per_interaction"]
    return [
        (
            "/define, bot in its own process, conc. 50",
            "",
            f"{tp['per_second']:,.0f}/s",
            fmt_us(tp["p99_us"]),
            "",
            f"bot CPU {cpu:.2f} ms per interaction ({1000 / cpu:,.0f} per CPU-second); "
            f"the bot used {tp['bot_cpu_share'] * 100:.0f}% of a core, the emulator the rest of the wait",
        ),
        *_floor_rows(tp.get("floor")),
    ]


def _floor_rows(floor: dict[str, Any] | None) -> list[Row]:
    if not floor or "not_measured" in floor:
        return [("/define, discord.py alone", "", NOT_MEASURED, "", "", str((floor or {}).get("not_measured", "")))]
    cpu = floor["bot_cpu_ms_per_interaction"]
    return [
        (
            "/define, discord.py alone, conc. 50",
            "",
            f"{floor['per_second']:,.0f}/s",
            fmt_us(floor["p99_us"]),
            "",
            f"CPU {cpu:.2f} ms per interaction: a bot answering one fixed card with "
            f"{floor.get('buttons', '?')} buttons (bench.floor_bot), the least any discord.py bot costs here",
        )
    ]


def _postgres_rows(pg: dict[str, Any] | None) -> list[Row]:
    if not pg or "not_measured" in pg:
        return [("PostgreSQL", "", NOT_MEASURED, "", "", str((pg or {}).get("not_measured", "not run"))[:110])]
    rows: list[Row] = []
    for n, cold in sorted((pg.get("cold") or {}).items(), key=lambda kv: int(kv[0])):
        if "error" in cold:
            rows.append(("load cold, PostgreSQL", f"{int(n):,}", "ERROR", "", "", str(cold["error"])[:90]))
            continue
        notes = _load_notes(cold)
        rows.append(("load cold, PostgreSQL (COPY)", f"{int(n):,}", fmt_s(cold["seconds"]), "", "", notes))
    cluster = pg.get("cluster") or {}
    if "error" in cluster:
        return [*rows, ("ToD cluster", "", "ERROR", "", "", str(cluster["error"])[:90])]
    for key in ("full", "small"):
        run = cluster.get(key)
        if run:
            rows.append(
                (
                    f"ToD: {run['servers']:,} servers, {run['processes']} processes, PostgreSQL",
                    "",
                    fmt_s(run["handoff_s"]),
                    "",
                    "",
                    f"one post each ({run['post_rows']:,} rows); {run['ticks']} ticks, statements per tick "
                    f"{'/'.join(str(n) for n in run['statements_per_tick'])}",
                )
            )
    return rows


def _render(header: tuple[str, ...], rows: list[tuple[str, ...]], right: frozenset[int]) -> list[str]:
    """Fixed-width columns; ``right`` are the columns of numbers, right-aligned so units line up."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    numeric = right

    def line(cells: tuple[str, ...]) -> str:
        parts = [
            str(c).rjust(w) if i in numeric and cells is not header else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


BUSY_LOAD = 0.5  # a 1-minute load average above this on an idle bench means something else was running


def table(results: dict[str, Any]) -> str:
    """The whole report: measurements by size, then term of the day and round trip, then the targets."""
    meta = results["meta"]
    out = [
        f"Glossary Bot benchmark ({meta['mode']}) · {meta['cpus']} CPUs · Python {meta['python']} · "
        f"SQLite {meta['sqlite']} · seed {meta['seed']} · {meta['started']} · git {meta['git']}",
        "p50/p99/max over every call, each call timed alone; load times are one start each, in a fresh process.",
    ]
    load = meta.get("load_average_start")
    if load is not None and load > BUSY_LOAD:
        out.append(
            f"WARNING: load average was {load:.2f} when the run started: other work shares the CPUs, "
            "so latencies (p99 and max above all) may be inflated."
        )
    out.append("")
    rows: list[Row] = []
    for n, data in sorted(results["sizes"].items(), key=lambda kv: int(kv[0])):
        rows += _size_rows(int(n), data)
    rows += _tod_rows(results.get("tod") or {})
    rows += _server_rows(results.get("server_terms"))
    rows += _roundtrip_rows(results.get("roundtrip"))
    rows += _throughput_rows(results.get("throughput"))
    rows += _postgres_rows(results.get("postgres"))
    out += _render(("measurement", "terms", "p50/value", "p99", "max", "notes"), rows, frozenset({1, 2, 3, 4}))
    out += ["", "Targets"]
    judged = [
        (t.name, f"{t.terms:,}" if t.terms else "", t.wanted, value, verdict)
        for t, (verdict, value) in ((t, t.judge(results)) for t in targets([int(n) for n in results["sizes"]]))
    ]
    skipped = 0
    if meta["mode"] == "quick":
        # The quick run measures 1,000 terms; targets set for larger glossaries are for `make bench`.
        shown = [row for row in judged if row[-1] != NOT_MEASURED]
        skipped, judged = len(judged) - len(shown), shown
    out += _render(("target", "terms", "wanted", "measured", "result"), judged, frozenset({1, 3}))
    misses = sum(1 for row in judged if row[-1] == MISS)
    unmeasured = sum(1 for row in judged if row[-1] == NOT_MEASURED)
    later = f" · {skipped} targets for 10,000+ terms: run `make bench`" if skipped else ""
    out += [
        "",
        f"{len(judged) - misses - unmeasured} PASS, {misses} MISS, {unmeasured} not measured{later} · "
        f"wall time {meta.get('wall_s', 0):.0f} s (dataset generation {meta.get('generation_s', 0):.0f} s)",
    ]
    return "\n".join(out)


def judged_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets with verdicts, as stored in results.json."""
    out = []
    for t in targets([int(n) for n in results["sizes"]]):
        verdict, shown = t.judge(results)
        out.append({"target": t.name, "terms": t.terms, "wanted": t.wanted, "measured": shown, "result": verdict})
    return out
