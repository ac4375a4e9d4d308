"""What the term-of-the-day scheduler needs from outside: a clock, and a poster that sends to Discord."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Protocol


class PostFailed(Exception):
    """A poster could not send. ``permanent`` failures disable the schedule; others are retried.

    ``refused`` says Discord answered with an error, so the message certainly did not arrive; a timeout or a
    lost connection leaves that unknown.
    """

    def __init__(self, reason: str, *, permanent: bool, refused: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.refused = refused


class PermanentPostError(PostFailed):
    """Retrying cannot help (channel deleted, bot removed, permission lost): disable and tell the admins."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class TransientPostError(PostFailed):
    """Retrying may help (5xx, timeout, rate limit): try again later the same day with the same nonce."""

    def __init__(self, reason: str, *, refused: bool = True) -> None:
        super().__init__(reason, permanent=False, refused=refused)


class Poster(Protocol):
    """Sends one term-of-the-day message; must pass ``nonce`` with ``enforce_nonce`` to Discord."""

    async def post(self, guild_id: int, channel_id: int, term_id: int, local_date: date, nonce: str) -> int:
        """Send and return the message id; raise :class:`PostFailed` (or a subclass) on failure."""
        ...


class Clock(Protocol):
    """Time source, injectable so tests move time instead of sleeping."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at ``when`` or as soon as ``wake`` is set, whichever comes first."""
        ...


class SystemClock:
    """The real clock. Sleeps at most until ``when``; the scheduler never asks for more than a minute."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        delay = (when - self.now()).total_seconds()
        if delay <= 0 or wake.is_set():
            return
        try:
            async with asyncio.timeout(delay):
                await wake.wait()
        except TimeoutError:
            pass
