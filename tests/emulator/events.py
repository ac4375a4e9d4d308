"""The recorded event stream that tests wait on instead of sleeping.

Everything observable the emulator does is appended here (REST requests, gateway traffic,
interaction callbacks, message changes, violations). Tests await a predicate over the stream;
by default the search includes events recorded *before* the wait started, so an event that
happened between "trigger" and "await" is never missed (pass ``since=emu.mark()`` to only
consider newer events).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Predicate = Callable[["Event"], bool]

# Event kinds recorded by the emulator (see Emulator docstring for their data keys).
EVENT_KINDS = (
    "request",
    "fault",
    "gateway_connect",
    "gateway_disconnect",
    "hello",
    "identify",
    "ready",
    "resume",
    "resumed",
    "heartbeat",
    "heartbeat_ack",
    "dispatch",
    "presence_update",
    "voice_state_update",
    "request_guild_members",
    "interaction_create",
    "callback",
    "followup",
    "message_create",
    "message_update",
    "message_delete",
    "reaction_add",
    "nonce_dedupe",
    "crosspost",
    "commands_sync",
    "violation",
    "client_error",
)


@dataclass(frozen=True)
class Event:
    """One recorded occurrence; ``data`` keys depend on ``kind``."""

    index: int
    kind: str
    time: float
    data: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        """``data.get`` shortcut for predicates."""
        return self.data.get(key, default)

    def brief(self) -> str:
        """One line for timeout diagnostics."""
        keys = ("method", "path", "status", "event", "op", "shard", "interaction_id", "type", "message_id", "detail")
        parts = [f"{k}={self.data[k]!r}" for k in keys if k in self.data]
        return f"#{self.index} {self.kind} " + " ".join(parts)


class WaitTimeout(AssertionError):
    """A wait ran out; the message lists the most recent events to show what did happen."""


class ClientCrashed(RuntimeError):
    """The client task under test died while a test was waiting on the emulator."""


class EventLog:
    """Append-only list of events plus futures for waiters."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.events: list[Event] = []
        self._waiters: list[tuple[Predicate, asyncio.Future[Event]]] = []
        self._failure: BaseException | None = None

    def record(self, kind: str, /, **data: Any) -> Event:
        """Append an event and wake every waiter whose predicate matches it."""
        event = Event(index=len(self.events), kind=kind, time=self._clock(), data=data)
        self.events.append(event)
        still: list[tuple[Predicate, asyncio.Future[Event]]] = []
        for predicate, future in self._waiters:
            if future.done():
                continue
            try:
                matched = predicate(event)
            except Exception as exc:  # a broken predicate is the test's bug: surface it
                future.set_exception(exc)
                continue
            if matched:
                future.set_result(event)
            else:
                still.append((predicate, future))
        self._waiters = still
        return event

    def mark(self) -> int:
        """Index of the next event: pass as ``since`` to ignore everything already recorded."""
        return len(self.events)

    def select(self, kind: str | None = None, predicate: Predicate | None = None, *, since: int = 0) -> list[Event]:
        """Recorded events of ``kind`` (any if None) matching ``predicate``, from index ``since``."""
        return [
            e for e in self.events[since:] if (kind is None or e.kind == kind) and (predicate is None or predicate(e))
        ]

    def fail_waiters(self, exc: BaseException) -> None:
        """Make current and future waits raise ``exc`` (the client under test has died)."""
        crash = exc if isinstance(exc, ClientCrashed) else ClientCrashed(f"the client under test has died: {exc!r}")
        if crash is not exc:
            crash.__cause__ = exc
        self._failure = crash
        for _, future in self._waiters:
            if not future.done():
                future.set_exception(crash)
        self._waiters = []

    def clear_failure(self) -> None:
        """Forget a recorded client failure (a new client is being started)."""
        self._failure = None

    async def wait_for(
        self,
        kind: str | Predicate | None = None,
        predicate: Predicate | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 — same timeout= as asyncio.wait_for, reads naturally in tests
        since: int = 0,
    ) -> Event:
        """Return the first event (from ``since``) of ``kind`` matching ``predicate``, waiting if needed.

        ``kind`` may itself be a predicate: ``wait_for(lambda e: e.kind == "identify")``.
        """
        if callable(kind):
            predicate, kind = kind, None
        kind_filter = kind

        def full(event: Event) -> bool:
            return (kind_filter is None or event.kind == kind_filter) and (predicate is None or predicate(event))

        for event in self.events[since:]:
            if full(event):
                return event
        if self._failure is not None:
            raise self._failure
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._waiters.append((full, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            recent = "\n  ".join(e.brief() for e in self.events[-25:])
            raise WaitTimeout(
                f"no {kind_filter or 'matching'} event within {timeout}s (since #{since}). Recent events:\n  {recent}"
            ) from None
