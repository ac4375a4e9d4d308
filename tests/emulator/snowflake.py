"""Snowflake ids and timestamps shaped like Discord's.

discord.py derives ``created_at`` from ids with ``snowflake_time`` (and uses the age of a message
id to pick a delete rate-limit bucket), so ids must encode a real creation time rather than being
small counters.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time

# docs: Reference > Snowflakes — milliseconds since the first second of 2015.
DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeGenerator:
    """Generates unique, increasing snowflakes from the wall clock.

    Discord packs ``(ms since epoch) << 22 | worker << 17 | process << 12 | increment``; we keep
    the increment per process so that many ids made in the same millisecond stay unique and
    ordered (tests create messages in tight loops).
    """

    def __init__(self, worker_id: int = 1, process_id: int = 0) -> None:
        self._worker = worker_id & 0x1F
        self._process = process_id & 0x1F
        self._counter = itertools.count()
        self._lock = threading.Lock()
        self._last = 0

    def next(self, at: float | None = None) -> int:
        """Return a new snowflake for ``at`` (unix seconds, default now), strictly increasing."""
        ms = int((time.time() if at is None else at) * 1000) - DISCORD_EPOCH_MS
        with self._lock:
            value = (ms << 22) | (self._worker << 17) | (self._process << 12) | (next(self._counter) & 0xFFF)
            # Keep ids monotonic even if the increment wraps inside one millisecond.
            if value <= self._last and at is None:
                value = self._last + 1
            self._last = max(self._last, value)
        return value


def snowflake_time(snowflake: int) -> dt.datetime:
    """Decode the creation time of a snowflake (mirror of discord.utils.snowflake_time)."""
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def iso_timestamp(when: dt.datetime | None = None) -> str:
    """ISO8601 timestamp with an explicit UTC offset, the way Discord writes ``timestamp`` fields."""
    return (when or dt.datetime.now(dt.UTC)).isoformat()
