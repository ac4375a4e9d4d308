"""The one test clock: time that moves only when a test moves it, for the emulator and for the bot alike.

:class:`ManualClock` is both

- the emulator's time source (``Emulator(clock=ManualClock())``): calling it returns float seconds, which
  the emulator uses to judge the 3 s answer deadline, the 15 min token lifetime and the nonce window; and
- the bot's ``bot.tod.Clock`` (``GlossaryBot(clock=...)``): ``now()`` is an aware UTC datetime and
  ``await sleep_until(when, wake)`` returns once the test has moved time to ``when`` (or ``wake`` is set).

``advance()`` and ``set()`` move it forward and wake every sleeper. Real waits elsewhere (discord.py's
retries, rate limits) still take real time: only what reads this clock follows it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that only moves when told to; sleepers wake when it passes the time they wait for."""

    DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._moved = asyncio.Event()
        self._slept = asyncio.Event()
        # How often sleep_until was entered, and what the current sleeper waits for (None: nobody sleeps).
        self.sleeps = 0
        self.sleeping_until: datetime | None = None

    def __call__(self) -> float:
        """The emulator's view: the current instant as POSIX seconds."""
        return self._now.timestamp()

    def now(self) -> datetime:
        """The bot's view: the current instant, timezone-aware (UTC)."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (never backwards) and wake every sleeper to look at the new time."""
        if when < self._now:
            raise ValueError(f"time only moves forward: {when.isoformat()} is before {self._now.isoformat()}")
        self._now = when.astimezone(UTC)
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    def advance(self, delta: timedelta | float) -> None:
        """Move forward by ``delta`` (a timedelta, or seconds as a number)."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        self.set(self._now + step)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return once the clock reaches ``when`` or ``wake`` is set, whichever comes first."""
        self.sleeps += 1
        self.sleeping_until = when
        slept, self._slept = self._slept, asyncio.Event()
        slept.set()
        try:
            while self._now < when and not wake.is_set():
                waiters = [asyncio.ensure_future(self._moved.wait()), asyncio.ensure_future(wake.wait())]
                try:
                    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waiters:
                        waiter.cancel()
        finally:
            self.sleeping_until = None

    async def wait_for_sleeps(self, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109 — a guard, not a wait
        """Until ``sleep_until`` has been entered ``count`` times in total (a scheduler finished its pass)."""
        async with asyncio.timeout(timeout):
            while self.sleeps < count:
                await self._slept.wait()

    async def wait_until_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 — a guard, not a wait
        """Until a scheduler sleeps towards an instant still ahead: it has finished everything that was due (its
        posts sent and recorded), so moving the clock now starts a new pass."""
        async with asyncio.timeout(timeout):
            while self.sleeping_until is None or self.sleeping_until <= self._now:
                await self._slept.wait()
