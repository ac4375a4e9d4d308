"""The test's handle on one interaction: awaitables for the bot's answer(s), as views over the event stream."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Message
from .records import Callback, Followup, InteractionRecord
from .types import (
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    UPDATE_MESSAGE,
)

if TYPE_CHECKING:
    from ..events import Event
    from ..server import Emulator

Json = dict[str, Any]


class InteractionHandle:
    """What a test holds after sending an interaction: awaitables for the bot's answer(s)."""

    def __init__(self, emu: Emulator, record: InteractionRecord) -> None:
        self.emu = emu
        self.record = record

    def __repr__(self) -> str:
        rec = self.record
        return f"<InteractionHandle id={rec.id} type={rec.type} name={rec.name!r} response={rec.response_type}>"

    @property
    def id(self) -> int:
        """The interaction id."""
        return self.record.id

    @property
    def token(self) -> str:
        """The interaction token (also the followup webhook token)."""
        return self.record.token

    @property
    def payload(self) -> Json:
        """The INTERACTION_CREATE body that was dispatched."""
        return self.record.payload

    @property
    def callbacks(self) -> list[Callback]:
        """Every callback attempt, including rejected ones (double/late answers)."""
        return list(self.record.callbacks)

    @property
    def answers(self) -> list[Callback | Followup]:
        """What the user was sent so far: the accepted callback, then each followup."""
        return self.record.answers

    def _mine(self, event: Event) -> bool:
        return bool(event.get("interaction_id") == self.record.id)

    async def response(self, timeout: float = 5.0) -> Callback:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """The first accepted callback (its type and data)."""
        event = await self.emu.events.wait_for("callback", lambda e: self._mine(e) and e["accepted"], timeout=timeout)
        callback: Callback = event["callback"]
        return callback

    async def choices(self, timeout: float = 5.0) -> list[Json]:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """Autocomplete choices from a type 8 answer."""
        callback = await self.response(timeout)
        if callback.type != APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            raise AssertionError(f"expected an autocomplete result (8), got callback type {callback.type}")
        return callback.choices

    async def modal(self, timeout: float = 5.0) -> Json:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """The modal the bot opened (callback type 9)."""
        callback = await self.response(timeout)
        if callback.type != MODAL:
            raise AssertionError(f"expected a modal (9), got callback type {callback.type}")
        return callback.data or {}

    async def followups(self, n: int = 1, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """The first ``n`` followup messages (a followup that filled a deferred response counts)."""
        await self.emu.events.wait_for("followup", lambda e: self._mine(e) and e["index"] >= n - 1, timeout=timeout)
        world = self.emu.world
        ids = [e["message_id"] for e in self.emu.events.select("followup", self._mine)]
        return [world.messages[i] for i in ids[:n]]

    async def message(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """What the user ends up seeing as the response, once it is no longer "thinking".

        Type 4 → the created message; 7 → the updated component message; 5 → the deferred
        message after the bot filled it (edit of @original or first followup); 6 → the component
        message after the bot edited it.
        """
        callback = await self.response(timeout)
        world = self.emu.world
        rec = self.record
        if callback.type in (CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE):
            assert rec.original_message_id is not None
            return world.messages[rec.original_message_id]
        if callback.type in (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_UPDATE_MESSAGE):
            target = rec.original_message_id
            await self.emu.events.wait_for(
                "message_update",
                lambda e: e.get("message_id") == target and e.get("by_interaction") == rec.id,
                timeout=timeout,
            )
            assert target is not None
            return world.messages[target]
        raise AssertionError(f"callback type {callback.type} has no message")

    @property
    def original(self) -> Message | None:
        """The current @original message, if any."""
        mid = self.record.original_message_id
        return self.emu.world.messages.get(mid) if mid is not None else None

    @property
    def messages(self) -> list[Message]:
        """The original response (if any) and followups, current versions."""
        world = self.emu.world
        ids = ([self.record.original_message_id] if self.record.original_message_id else []) + self.record.followup_ids
        return [world.messages[i] for i in dict.fromkeys(ids)]
