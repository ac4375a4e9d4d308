"""REST: answering interactions — the callback (one first answer within 3 s) and the token's webhook messages.

The callback is judged in named steps, as Discord does: find the interaction, check it was not
answered already and that the 3 s window is open, check the callback type fits the interaction,
validate the body, then apply it. A rejected attempt is recorded on the interaction (and as a
violation) and leaves the world unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from .. import errors as E
from ..errors import DiscordError
from ..interactions.records import Callback, Followup, InteractionRecord
from ..interactions.types import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    MODAL,
    PONG,
    UPDATE_MESSAGE,
    UPDATES_SOURCE_MESSAGE,
)
from ..limits import ErrorTree, validate_choices, validate_message, validate_modal
from ..model import FLAG_EPHEMERAL, MSG_CHAT_INPUT_COMMAND, MSG_CONTEXT_MENU_COMMAND, MSG_DEFAULT, Attachment, Message
from ..responses import json_response, no_content, truthy
from ..rules import is_empty_message
from .base import Json, Resource, Route

_TOKEN_BASE = "/webhooks/{application_id}/{interaction_token}"
# Callback types whose answer is a message the user sees (created, deferred, or the updated one).
_MESSAGE_CALLBACKS = (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE)


@dataclass
class _Attempt:
    """One POST to the callback endpoint, as sent."""

    type: int | None
    data: Json | None
    files: list[Attachment]
    time: float

    @property
    def body(self) -> Json:
        return self.data or {}


def _response_message_type(record: InteractionRecord) -> int:
    """The message type of an interaction's response (20 slash, 23 context menu, 0 otherwise)."""
    if record.type == APPLICATION_COMMAND:
        ctype = (record.payload.get("data") or {}).get("type", 1)
        return MSG_CHAT_INPUT_COMMAND if ctype == 1 else MSG_CONTEXT_MENU_COMMAND
    return MSG_DEFAULT


class InteractionRoutes(Resource):
    """The interaction callback and the interaction token's webhook endpoints."""

    def routes(self) -> list[Route]:
        """(method, path, handler); literal segments come before placeholders."""
        return [
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.interaction_callback),
            ("POST", _TOKEN_BASE, self.execute_followup),
            ("GET", _TOKEN_BASE + "/messages/@original", self.get_webhook_message),
            ("PATCH", _TOKEN_BASE + "/messages/@original", self.edit_webhook_message),
            ("DELETE", _TOKEN_BASE + "/messages/@original", self.delete_webhook_message),
            ("GET", _TOKEN_BASE + "/messages/{message_id}", self.get_webhook_message),
            ("PATCH", _TOKEN_BASE + "/messages/{message_id}", self.edit_webhook_message),
            ("DELETE", _TOKEN_BASE + "/messages/{message_id}", self.delete_webhook_message),
        ]

    # ---- the callback -------------------------------------------------------------------------------------
    async def interaction_callback(self, request: web.Request) -> web.StreamResponse:
        """POST /interactions/{id}/{token}/callback (docs: Receiving and Responding > Create Interaction Response)."""
        body = self.body(request) or {}
        attempt = _Attempt(type=body.get("type"), data=body.get("data"), files=self.files(request), time=self.emu.now())
        record = self._find_record(request)
        self._check_acknowledgement_and_deadline(record, attempt)
        self._check_callback_type(record, attempt)
        self._validate_body(record, attempt)
        message = self._apply(record, attempt)
        self._accept(record, attempt, message)
        if not truthy(request.query.get("with_response")):
            return no_content()
        return json_response(self._callback_response(record, message))

    def _find_record(self, request: web.Request) -> InteractionRecord:
        """The interaction the URL names; 404 10062 if the id is unknown or the token does not match."""
        raw_id = request.match_info["interaction_id"]
        record = self.emu.interactions.get(int(raw_id))
        if record is None or record.token != request.match_info["interaction_token"]:
            self.emu.rules.violation("unknown_interaction", f"callback for unknown interaction {raw_id}")
            raise E.unknown("interaction")
        return record

    def _reject(
        self, record: InteractionRecord, attempt: _Attempt, error: DiscordError, kind: str, detail: str
    ) -> DiscordError:
        """Record a refused attempt on the interaction and as a violation; returns ``error`` to raise."""
        callback = Callback(
            type=attempt.type,
            data=attempt.data,
            status=error.status,
            time=attempt.time,
            accepted=False,
            error=error.body(),
        )
        record.callbacks.append(callback)
        self.emu.rules.violation(kind, detail, interaction_id=record.id)
        self.emu.events.record(
            "callback",
            interaction_id=record.id,
            type=attempt.type,
            accepted=False,
            status=error.status,
            callback=callback,
        )
        return error

    def _check_acknowledgement_and_deadline(self, record: InteractionRecord, attempt: _Attempt) -> None:
        """400 40060 if already answered; 404 10062 if the first answer comes after the 3 s window."""
        if record.acknowledged:
            error = DiscordError(400, E.INTERACTION_ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
            detail = f"interaction {record.id} ({record.name}) answered again with type {attempt.type}"
            raise self._reject(record, attempt, error, "double_response", detail)
        elapsed = attempt.time - record.created_at
        limit = self.emu.interaction_timeout
        if elapsed > limit:
            detail = f"interaction {record.id} ({record.name}) first answered after {elapsed:.2f}s (limit {limit}s)"
            raise self._reject(record, attempt, E.unknown("interaction"), "late_response", detail)

    def _check_callback_type(self, record: InteractionRecord, attempt: _Attempt) -> None:
        """400 50035 unless the callback type is one Discord accepts for this interaction (and its message)."""
        allowed = ALLOWED_CALLBACKS.get(record.type, frozenset())
        needs_message = attempt.type in UPDATES_SOURCE_MESSAGE and record.source_message_id is None
        if attempt.type in allowed and not needs_message:
            return
        tree = ErrorTree()
        tree.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", f"Callback type {attempt.type} is not valid here")
        detail = f"interaction type {record.type} cannot be answered with callback type {attempt.type}"
        raise self._reject(record, attempt, E.invalid_form_body(tree.root), "invalid_callback_type", detail)

    def _validate_body(self, record: InteractionRecord, attempt: _Attempt) -> None:
        """400 50035 for over-limit data; 400 50006 for an empty message."""
        tree = ErrorTree()
        if attempt.type in (CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE):
            validate_message(attempt.body, prefix=("data",), tree=tree)
        elif attempt.type == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            tree = validate_choices(attempt.body)
        elif attempt.type == MODAL:
            tree = validate_modal(attempt.body)
        if tree:
            detail = "callback: " + "; ".join(tree.messages)
            raise self._reject(record, attempt, E.invalid_form_body(tree.root), "invalid_body", detail)
        if attempt.type == CHANNEL_MESSAGE_WITH_SOURCE and is_empty_message(attempt.body, attempt.files):
            error = DiscordError(400, E.EMPTY_MESSAGE, "Cannot send an empty message")
            raise self._reject(record, attempt, error, "invalid_body", "callback: empty message")

    def _apply(self, record: InteractionRecord, attempt: _Attempt) -> Message | None:
        """Make the answer happen: create, defer or update the message, or keep choices / the modal."""
        emu = self.emu
        ctype = attempt.type
        channel = emu.world.channels[record.channel_id]
        flags = int(attempt.body.get("flags") or 0)
        msg_type = _response_message_type(record)
        if ctype == CHANNEL_MESSAGE_WITH_SOURCE:
            message = emu.messages.create(
                channel,
                emu.world.bot,
                attempt.body,
                files=attempt.files,
                interaction=record,
                msg_type=msg_type,
                flags=flags,
            )
        elif ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            message = emu.messages.create(
                channel,
                emu.world.bot,
                {},
                interaction=record,
                msg_type=msg_type,
                flags=flags & FLAG_EPHEMERAL,
                loading=True,
            )
        elif ctype in UPDATES_SOURCE_MESSAGE:
            assert record.source_message_id is not None
            message = emu.world.messages[record.source_message_id]
            if ctype == UPDATE_MESSAGE:
                emu.messages.edit(message, attempt.body, files=attempt.files, interaction=record)
        else:
            if ctype == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
                record.choices = list(attempt.body.get("choices") or [])
            elif ctype == MODAL:
                record.modal = attempt.data
            return None
        record.original_message_id = message.id
        return message

    def _accept(self, record: InteractionRecord, attempt: _Attempt, message: Message | None) -> None:
        """Mark the interaction answered and record the accepted callback."""
        record.response_type = attempt.type
        record.response_time = attempt.time
        callback = Callback(
            type=attempt.type,
            data=attempt.data,
            status=200,
            time=attempt.time,
            accepted=True,
            message_id=message.id if message is not None else None,
        )
        record.callbacks.append(callback)
        self.emu.events.record(
            "callback",
            interaction_id=record.id,
            type=attempt.type,
            accepted=True,
            status=200,
            elapsed=attempt.time - record.created_at,
            callback=callback,
            message_id=callback.message_id,
        )

    @staticmethod
    def _callback_response(record: InteractionRecord, message: Message | None) -> Json:
        """docs: Interactions > Receiving and Responding > Interaction Callback Response Object."""
        ctype = record.response_type
        result: Json = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "activity_instance_id": None,
                "response_message_id": str(record.original_message_id) if message is not None else None,
                "response_message_loading": ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                "response_message_ephemeral": bool(message is not None and message.ephemeral),
            }
        }
        if ctype in _MESSAGE_CALLBACKS:
            assert message is not None
            result["resource"] = {"type": ctype, "message": message.payload()}
        elif ctype != PONG:
            result["resource"] = {"type": ctype}
        return result

    # ---- the token's webhook ---------------------------------------------------------------------------------
    def _record_by_token(self, request: web.Request) -> InteractionRecord:
        """The interaction behind a followup webhook; enforces the 15-minute token lifetime."""
        emu = self.emu
        token = request.match_info["interaction_token"]
        app_id = int(request.match_info["application_id"])
        record = emu.interactions.by_token.get(token)
        if record is None or record.application_id != app_id:
            emu.rules.violation("unknown_webhook", f"{request.method} {request.path}: no interaction with this token")
            raise E.unknown("Webhook")
        age = emu.now() - record.created_at
        if age > emu.token_lifetime:
            detail = f"interaction {record.id} token used {age:.0f}s after creation"
            emu.rules.violation("expired_token", detail, interaction_id=record.id)
            raise DiscordError(401, E.INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        return record

    async def execute_followup(self, request: web.Request) -> web.StreamResponse:
        """POST /webhooks/{app}/{token} — a followup (docs: Receiving and Responding > Create Followup Message)."""
        emu = self.emu
        record = self._record_by_token(request)
        body = self.body(request) or {}
        files = self.files(request)
        if not record.acknowledged:
            detail = f"followup to interaction {record.id} before any callback"
            emu.rules.violation("followup_before_response", detail, interaction_id=record.id)
            raise E.unknown("Webhook")
        emu.rules.check_body(validate_message(body), "followup")
        emu.rules.check_not_empty(body, files, "followup")
        index = len(record.followups)
        original = emu.world.messages.get(record.original_message_id or 0)
        filled = (
            record.response_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE and original is not None and original.loading
        )
        if filled:
            # The first followup after a "thinking" defer replaces the loading message (it keeps the
            # defer's ephemeral state), which is why discord.py tells you to finish a defer with a followup.
            assert original is not None
            message = emu.messages.edit(original, body, files=files, interaction=record, fill=True)
        else:
            channel = emu.world.channels[record.channel_id]
            flags = int(body.get("flags") or 0)
            message = emu.messages.create(
                channel, emu.world.bot, body, files=files, interaction=record, msg_type=MSG_DEFAULT, flags=flags
            )
        record.followups.append(Followup(message_id=message.id, time=emu.now(), filled_deferred=filled))
        emu.events.record(
            "followup",
            interaction_id=record.id,
            message_id=message.id,
            index=index,
            filled_deferred=filled,
            content=message.content,
        )
        if not truthy(request.query.get("wait")):
            return no_content()
        return json_response(message.payload())

    def _webhook_target(self, request: web.Request, record: InteractionRecord) -> Message:
        """@original or one of the interaction's followups; 404 10008 for anything else."""
        raw = request.match_info.get("message_id")
        if raw is None or raw == "@original":
            message_id = record.original_message_id
        else:
            message_id = int(raw)
            if not record.owns_message(message_id):
                raise E.unknown("Message")
        message = self.emu.world.messages.get(message_id or 0)
        if message is None or message.deleted:
            raise E.unknown("Message")
        return message

    async def get_webhook_message(self, request: web.Request) -> web.StreamResponse:
        """GET @original or a followup."""
        record = self._record_by_token(request)
        return json_response(self._webhook_target(request, record).payload())

    async def edit_webhook_message(self, request: web.Request) -> web.StreamResponse:
        """PATCH @original or a followup (fills a deferred "thinking" message)."""
        record = self._record_by_token(request)
        message = self._webhook_target(request, record)
        body = self.body(request) or {}
        self.emu.rules.check_body(validate_message(body), "edit interaction message")
        self.emu.messages.edit(message, body, files=self.files(request), interaction=record, fill=message.loading)
        return json_response(message.payload())

    async def delete_webhook_message(self, request: web.Request) -> web.StreamResponse:
        """DELETE @original or a followup."""
        record = self._record_by_token(request)
        self.emu.messages.delete(self._webhook_target(request, record))
        return no_content()
