"""Handing a batch of posts to the poster: at most ``concurrency`` at once, each with a timeout, and each
outcome turned into the writes that record it (confirmed, retried with backoff, or disabled)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.tod.planner import Send, ts
from bot.tod.ports import Clock, Poster, PostFailed, TransientPostError
from bot.tod.store import Close, Confirm, Disable, Retry, Writes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    """How sends are paced and retried."""

    concurrency: int = 50
    confirm_every: int = 1_000  # outcomes written per transaction
    post_timeout: timedelta = timedelta(seconds=120)
    retry_base: timedelta = timedelta(seconds=30)
    retry_cap: timedelta = timedelta(minutes=15)


@dataclass(slots=True)
class Tally:
    """What happened to the sends of a batch."""

    sent: int = 0
    retrying: int = 0
    disabled: int = 0


class Dispatcher:
    """Sends a batch through ``poster`` and records every outcome through ``write``."""

    def __init__(self, poster: Poster, clock: Clock, limits: Limits, write: Callable[[Writes], Awaitable[None]]):
        self._poster = poster
        self._clock = clock
        self._limits = limits
        self._write = write

    async def send_all(self, sends: Sequence[Send]) -> Tally:
        """Every send, handed over in order; outcomes written in batches as they come in."""
        tally = Tally()
        outcomes: asyncio.Queue[tuple[Send, int | BaseException] | None] = asyncio.Queue()
        pending = iter(sends)

        async def worker() -> None:
            try:
                for send in pending:  # shared iterator: each send is taken by exactly one worker
                    outcomes.put_nowait((send, await self._post(send)))
            finally:
                outcomes.put_nowait(None)  # so the collector never waits for a worker that died

        workers = [asyncio.create_task(worker()) for _ in range(min(self._limits.concurrency, len(sends)))]
        try:
            await self._collect(outcomes, len(workers), tally)
        finally:
            for task in workers:
                task.cancel()  # only matters when we are cancelled: unsent rows stay pending, resent later
            await asyncio.gather(*workers, return_exceptions=True)
        return tally

    async def _collect(
        self, outcomes: asyncio.Queue[tuple[Send, int | BaseException] | None], running: int, tally: Tally
    ) -> None:
        writes = Writes()
        settled = 0
        try:
            while running:
                item = await outcomes.get()
                if item is None:
                    running -= 1
                    continue
                self.settle(item[0], item[1], self._clock.now(), writes, tally)
                settled += 1
                if settled % self._limits.confirm_every == 0:
                    await self._record(writes)
                    writes = Writes()
        except asyncio.CancelledError:
            # A stop: record what Discord already answered, so only the sends cut short are resent later.
            while not outcomes.empty():
                if (item := outcomes.get_nowait()) is not None:
                    self.settle(item[0], item[1], self._clock.now(), writes, tally)
            await self._record(writes)
            raise
        await self._record(writes)

    async def _record(self, writes: Writes) -> None:
        """Write outcomes even if a stop comes meanwhile: a post Discord confirmed must never be sent again."""
        writing = asyncio.ensure_future(self._write(writes))
        try:
            await asyncio.shield(writing)
        except asyncio.CancelledError:
            await writing
            raise

    async def _post(self, send: Send) -> int | BaseException:
        try:
            async with asyncio.timeout(self._limits.post_timeout.total_seconds()):
                return await self._poster.post(send.guild_id, send.channel_id, send.term_id, send.day, send.nonce)
        except TimeoutError:
            return TransientPostError("Timed out sending the message", refused=False)
        except Exception as exc:
            return exc

    def settle(self, send: Send, result: int | BaseException, now: datetime, writes: Writes, tally: Tally) -> None:
        """Turn one send's result into state changes."""
        if not isinstance(result, BaseException):
            writes.confirm.append(Confirm(send.guild_id, send.day, result))
            writes.reschedule.append(send.then)
            tally.sent += 1
        elif isinstance(result, PostFailed) and result.permanent:
            writes.disable.append(Disable(send.guild_id, result.reason, send.then.revision))
            writes.miss.append(Close(send.guild_id, send.day))
            tally.disabled += 1
            log.warning("term of the day: guild %s disabled: %s", send.guild_id, result.reason)
        else:
            self._retry(send, result, now, writes)
            tally.retrying += 1

    def _retry(self, send: Send, error: BaseException, now: datetime, writes: Writes) -> None:
        # Backoff 30 s, 60 s, 2 min ... capped; never past the end of the local day, when the tick that runs
        # then closes the slot and moves on to the next date's slot.
        delay = min(self._limits.retry_base * (2**send.attempts), self._limits.retry_cap)
        refused = isinstance(error, PostFailed) and error.refused
        writes.retry.append(
            Retry(send.guild_id, send.day, min(ts(now + delay), send.day_end), send.then.revision, refused)
        )
        if isinstance(error, PostFailed):
            log.info(
                "term of the day: guild %s post of %s failed (attempt %d), retrying in %s: %s",
                send.guild_id, send.day, send.attempts + 1, delay, error.reason,
            )  # fmt: skip
        else:  # not a PostFailed: a poster bug or an unexpected error, worth a traceback
            log.warning(
                "term of the day: guild %s post of %s failed unexpectedly (attempt %d), retrying in %s",
                send.guild_id, send.day, send.attempts + 1, delay, exc_info=error,
            )  # fmt: skip
