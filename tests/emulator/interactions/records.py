"""Interaction records: the server-side state of each interaction and every answer the bot sent for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import FLAG_EPHEMERAL, User

Json = dict[str, Any]


@dataclass
class Callback:
    """One POST to the interaction callback endpoint, accepted or not."""

    type: int | None
    data: Json | None
    status: int
    time: float
    accepted: bool
    message_id: int | None = None
    error: Json | None = None

    @property
    def content(self) -> str | None:
        """``data.content`` of a message response."""
        return (self.data or {}).get("content")

    @property
    def embeds(self) -> list[Json]:
        """``data.embeds`` (empty list if none)."""
        return list((self.data or {}).get("embeds") or [])

    @property
    def embed(self) -> Json | None:
        """The first embed, if any."""
        embeds = self.embeds
        return embeds[0] if embeds else None

    @property
    def components(self) -> list[Json]:
        """``data.components`` (empty list if none)."""
        return list((self.data or {}).get("components") or [])

    @property
    def choices(self) -> list[Json]:
        """Autocomplete choices (type 8)."""
        return list((self.data or {}).get("choices") or [])

    @property
    def flags(self) -> int:
        """``data.flags`` as an int."""
        return int((self.data or {}).get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether the response (or the deferred message) is ephemeral."""
        return bool(self.flags & FLAG_EPHEMERAL)


@dataclass
class Followup:
    """One followup message sent with the interaction's token."""

    message_id: int
    time: float
    # True: it replaced the "thinking" message of a deferred response (so it *is* the answer).
    filled_deferred: bool


@dataclass
class InteractionRecord:
    """Server-side state of one interaction."""

    id: int
    token: str
    type: int
    application_id: int
    guild_id: int | None
    channel_id: int
    user: User
    payload: Json
    created_at: float
    name: str | None = None
    source_message_id: int | None = None
    response_type: int | None = None
    response_time: float | None = None
    original_message_id: int | None = None
    followups: list[Followup] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    modal: Json | None = None
    choices: list[Json] | None = None

    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted."""
        return self.response_type is not None

    @property
    def followup_ids(self) -> list[int]:
        """Ids of the followup messages, in order."""
        return [f.message_id for f in self.followups]

    @property
    def responses(self) -> list[Callback]:
        """Accepted callbacks (at most one: Discord refuses a second)."""
        return [c for c in self.callbacks if c.accepted]

    @property
    def refused(self) -> list[Callback]:
        """Callback attempts Discord refused (a second answer, a late one, a bad type or body)."""
        return [c for c in self.callbacks if not c.accepted]

    @property
    def answers(self) -> list[Callback | Followup]:
        """Everything the user was sent in answer, in order: the accepted callback, then each followup."""
        return [*self.responses, *self.followups]

    def owns_message(self, message_id: int) -> bool:
        """Whether the webhook token may edit/delete ``message_id`` (original or one of its followups)."""
        return message_id == self.original_message_id or message_id in self.followup_ids
