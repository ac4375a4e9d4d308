"""Small, dependency-free timing and memory helpers shared by every measurement.

Percentiles use the nearest-rank method on the raw samples (no interpolation, no outlier trimming): a p99 is a
latency some real call actually had, which is what the targets are about. Samples are kept in nanoseconds from
``time.perf_counter_ns`` so a 1 µs dictionary hit is still resolved.
"""

from __future__ import annotations

import gc
import math
import os
import resource
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def percentile(sorted_samples: list[int] | list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0-100) of already sorted samples."""
    if not sorted_samples:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_samples)))
    return float(sorted_samples[min(rank, len(sorted_samples)) - 1])


def summary(samples_ns: Iterable[int]) -> dict[str, float]:
    """p50/p99/max/mean in microseconds plus the sample count, the shape every latency takes in results.json."""
    ordered = sorted(samples_ns)
    if not ordered:
        return {"n": 0, "p50_us": math.nan, "p99_us": math.nan, "max_us": math.nan, "mean_us": math.nan}
    return {
        "n": len(ordered),
        "p50_us": percentile(ordered, 50) / 1e3,
        "p99_us": percentile(ordered, 99) / 1e3,
        "max_us": ordered[-1] / 1e3,
        "mean_us": sum(ordered) / len(ordered) / 1e3,
    }


def time_calls(func: Callable[[T], Any], inputs: Iterable[T]) -> tuple[list[int], list[Any]]:
    """Call ``func`` once per input, timing each call alone; returns (nanoseconds, results).

    A full collection first, so garbage left by the previous series is not billed to this one; the collector
    stays enabled during the series because it is enabled in the bot.
    """
    gc.collect()
    clock = time.perf_counter_ns
    samples: list[int] = []
    results: list[Any] = []
    for item in inputs:
        started = clock()
        result = func(item)
        samples.append(clock() - started)
        results.append(result)
    return samples, results


def memory() -> dict[str, float]:
    """Current and peak resident memory of this process in MB (Linux ``/proc``; ``ru_maxrss`` elsewhere)."""
    status = Path("/proc/self/status")
    values: dict[str, float] = {}
    if status.exists():
        for line in status.read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024  # kB -> MB
    if "VmHWM" not in values:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        values["VmHWM"] = peak / 1024 if peak < 1 << 40 else peak / 1024 / 1024  # kB on Linux, bytes on macOS
        values.setdefault("VmRSS", values["VmHWM"])
    return {"rss_mb": values["VmRSS"], "peak_rss_mb": values["VmHWM"]}


def machine_busy_s() -> float | None:
    """CPU-seconds every CPU of the machine has spent not idle since boot (Linux ``/proc/stat``); None elsewhere.

    The difference over a measurement is the work of every process in it (the bot, its worker processes, a
    PostgreSQL server), so divided by the CPU count it is the shortest wall time that work could take here.
    """
    stat = Path("/proc/stat")
    if not stat.exists():
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in stat.read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / CLOCK_TICKS  # not idle, waiting for disk, or stolen by a host
