"""REST v10 handlers: the endpoints a discord.py bot calls, with Discord's rules.

Each handler validates like Discord (existence → 404, visibility → 403 50001, permission →
403 50013, body limits → 400 50035) before touching state, so a rejected request leaves the
world unchanged. Responses are built with ``body=bytes`` because discord.py only parses JSON
when Content-Type is exactly ``application/json`` (``text=`` would append a charset).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import errors as E
from .errors import DiscordError
from .faults import RequestInfo
from .interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    PONG,
    UPDATE_MESSAGE,
    Callback,
    InteractionRecord,
)
from .limits import (
    ErrorTree,
    validate_choices,
    validate_command,
    validate_command_list,
    validate_message,
    validate_modal,
)
from .model import (
    DM,
    FLAG_EPHEMERAL,
    GUILD_ANNOUNCEMENT,
    MSG_CHAT_INPUT_COMMAND,
    MSG_CONTEXT_MENU_COMMAND,
    MSG_DEFAULT,
    Attachment,
    Channel,
    Command,
    Guild,
    Message,
)
from .permissions import Permission, has

if TYPE_CHECKING:
    from .server import Emulator

Json = dict[str, Any]
PREFIX = "/api/v10"
# Per-request storage filled by the emulator's middleware.
INFO_KEY: web.RequestKey[RequestInfo] = web.RequestKey("emulator_info", RequestInfo)
FILES_KEY: web.RequestKey[list[Attachment]] = web.RequestKey("emulator_files", list)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``."""
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json", headers=headers)


def no_content() -> web.Response:
    """204, as Discord answers deletes and acks."""
    return web.Response(status=204)


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


class RestApi:
    """Route table and handlers; ``emu`` holds the world and the interaction records."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    # Routes that authenticate with the interaction token in the URL, not the bot token.
    TOKEN_ROUTES = ("/interactions/", "/webhooks/")

    def routes(self) -> list[tuple[str, str, Any]]:
        """(method, path, handler); literal segments are registered before placeholders."""
        r = self
        return [
            ("GET", "/gateway", r.get_gateway),
            ("GET", "/gateway/bot", r.get_gateway_bot),
            ("GET", "/users/@me", r.get_me),
            ("PATCH", "/users/@me", r.patch_me),
            ("POST", "/users/@me/channels", r.create_dm),
            ("GET", "/users/{user_id}", r.get_user),
            ("GET", "/oauth2/applications/@me", r.get_application),
            ("GET", "/applications/@me", r.get_application),
            # application commands
            ("GET", "/applications/{application_id}/commands", r.list_commands),
            ("PUT", "/applications/{application_id}/commands", r.put_commands),
            ("POST", "/applications/{application_id}/commands", r.post_command),
            ("GET", "/applications/{application_id}/commands/{command_id}", r.get_command),
            ("PATCH", "/applications/{application_id}/commands/{command_id}", r.patch_command),
            ("DELETE", "/applications/{application_id}/commands/{command_id}", r.delete_command),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions", r.command_permissions),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", r.list_commands),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", r.put_commands),
            ("POST", "/applications/{application_id}/guilds/{guild_id}/commands", r.post_command),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", r.get_command),
            ("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", r.patch_command),
            ("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", r.delete_command),
            # interactions
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", r.interaction_callback),
            ("POST", "/webhooks/{application_id}/{interaction_token}", r.execute_followup),
            ("GET", "/webhooks/{application_id}/{interaction_token}/messages/@original", r.get_webhook_message),
            ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/@original", r.edit_webhook_message),
            ("DELETE", "/webhooks/{application_id}/{interaction_token}/messages/@original", r.delete_webhook_message),
            ("GET", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", r.get_webhook_message),
            ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", r.edit_webhook_message),
            (
                "DELETE",
                "/webhooks/{application_id}/{interaction_token}/messages/{message_id}",
                r.delete_webhook_message,
            ),
            # channels and messages
            ("GET", "/channels/{channel_id}", r.get_channel),
            ("GET", "/channels/{channel_id}/messages", r.list_messages),
            ("POST", "/channels/{channel_id}/messages", r.create_message),
            ("POST", "/channels/{channel_id}/messages/bulk-delete", r.bulk_delete),
            ("GET", "/channels/{channel_id}/messages/{message_id}", r.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", r.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", r.delete_message),
            ("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", r.crosspost),
            ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", r.add_reaction),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", r.remove_reaction),
            ("POST", "/channels/{channel_id}/typing", r.typing),
            # guilds
            ("GET", "/guilds/{guild_id}", r.get_guild),
            ("GET", "/guilds/{guild_id}/channels", r.guild_channels),
            ("GET", "/guilds/{guild_id}/roles", r.guild_roles),
            ("GET", "/guilds/{guild_id}/members", r.guild_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", r.guild_member),
        ]

    # ---- helpers -------------------------------------------------------------------------------
    def _json(self, request: web.Request) -> Any:
        return request[INFO_KEY].json

    def _channel(self, request: web.Request) -> Channel:
        channel = self.emu.world.channels.get(int(request.match_info["channel_id"]))
        if channel is None or channel.deleted:
            raise E.unknown("Channel")
        return channel

    def _bot_perms(self, channel: Channel) -> int:
        return self.emu.world.channel_permissions(channel, self.emu.world.bot.id)

    def _require(self, channel: Channel, *flags: Permission) -> int:
        """403 50001 if the bot cannot see the channel, 403 50013 if it lacks one of ``flags``."""
        perms = self._bot_perms(channel)
        if not has(perms, Permission.VIEW_CHANNEL):
            raise E.missing_access()
        for flag in flags:
            if not has(perms, flag):
                raise E.missing_permissions()
        return perms

    def _message(self, channel: Channel, message_id: str) -> Message:
        msg = self.emu.world.messages.get(int(message_id))
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
            raise E.unknown("Message")
        return msg

    def _guild(self, request: web.Request) -> Guild:
        guild = self.emu.world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            raise E.unknown("Guild")
        if self.emu.world.bot.id not in guild.members:
            raise E.missing_access()
        return guild

    def _check_body(self, tree: ErrorTree, where: str) -> None:
        if tree:
            self.emu.violation("invalid_body", f"{where}: " + "; ".join(tree.messages))
            raise E.invalid_form_body(tree.root)

    def _check_not_empty(self, body: Json, files: list[Attachment], where: str) -> None:
        if not (
            body.get("content")
            or body.get("embeds")
            or body.get("components")
            or files
            or body.get("sticker_ids")
            or body.get("poll")
        ):
            self.emu.violation("invalid_body", f"{where}: empty message")
            raise DiscordError(400, E.EMPTY_MESSAGE, "Cannot send an empty message")

    # ---- gateway / identity -----------------------------------------------------------------------
    async def get_gateway(self, request: web.Request) -> web.StreamResponse:
        """docs: Topics > Gateway > Get Gateway."""
        return json_response({"url": self.emu.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        """docs: Topics > Gateway > Get Gateway Bot (discord.py's AutoShardedClient reads shards + url)."""
        return json_response(
            {
                "url": self.emu.gateway_url,
                "shards": self.emu.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def get_me(self, request: web.Request) -> web.StreamResponse:
        """GET /users/@me — the bot user, as a logged-in user sees itself."""
        bot = self.emu.world.bot
        return json_response(
            {**bot.payload(), "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}
        )

    async def patch_me(self, request: web.Request) -> web.StreamResponse:
        """PATCH /users/@me — only ``username`` is emulated."""
        body = self._json(request) or {}
        bot = self.emu.world.bot
        if "username" in body:
            bot.username = str(body["username"])
        return await self.get_me(request)

    async def get_user(self, request: web.Request) -> web.StreamResponse:
        """GET /users/{id}."""
        user = self.emu.world.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise E.unknown("User")
        return json_response(user.payload())

    async def create_dm(self, request: web.Request) -> web.StreamResponse:
        """POST /users/@me/channels — open (or reuse) the DM channel with a user."""
        body = self._json(request) or {}
        user = self.emu.world.users.get(int(body.get("recipient_id") or 0))
        if user is None:
            raise E.unknown("User")
        return json_response(self.emu.world.dm_channel(user).payload())

    async def get_application(self, request: web.Request) -> web.StreamResponse:
        """GET /oauth2/applications/@me — discord.py reads the owner for ``is_owner``."""
        app = self.emu.world.application
        assert app is not None
        return json_response(app.payload())

    # ---- application commands ------------------------------------------------------------------------
    def _scope(self, request: web.Request) -> int | None:
        app = self.emu.world.application
        assert app is not None
        if int(request.match_info["application_id"]) != app.id:
            raise DiscordError(403, E.MISSING_ACCESS, "Missing Access")
        if "guild_id" in request.match_info:
            return self._guild(request).id
        return None

    def _store_command(self, guild_id: int | None, data: Json, existing: Command | None) -> Command:
        world = self.emu.world
        app = world.application
        assert app is not None
        body = {k: v for k, v in data.items() if k not in ("id", "application_id", "version", "guild_id")}
        if existing is not None:
            if existing.data != body:
                existing.data = body
                existing.version = world.new_id()
            return existing
        command = Command(
            id=world.new_id(), application_id=app.id, guild_id=guild_id, version=world.new_id(), data=body
        )
        world.commands[command.id] = command
        return command

    def _find_existing(self, guild_id: int | None, data: Json) -> Command | None:
        key = (int(data.get("type", 1)), data.get("name"))
        for command in self.emu.world.commands_for(guild_id):
            if (command.type, command.name) == key:
                return command
        return None

    async def list_commands(self, request: web.Request) -> web.StreamResponse:
        """GET .../commands."""
        scope = self._scope(request)
        return json_response([c.payload() for c in self.emu.world.commands_for(scope)])

    async def put_commands(self, request: web.Request) -> web.StreamResponse:
        """PUT .../commands — bulk overwrite; unchanged (type, name) pairs keep their ids, like Discord."""
        scope = self._scope(request)
        body = self._json(request)
        self._check_body(validate_command_list(body), "bulk overwrite commands")
        kept: list[Command] = []
        for data in body:
            kept.append(self._store_command(scope, data, self._find_existing(scope, data)))
        keep_ids = {c.id for c in kept}
        for command in self.emu.world.commands_for(scope):
            if command.id not in keep_ids:
                del self.emu.world.commands[command.id]
        payloads = [c.payload() for c in kept]
        self.emu.events.record("commands_sync", scope=scope, names=[c.name for c in kept], commands=payloads)
        return json_response(payloads)

    async def post_command(self, request: web.Request) -> web.StreamResponse:
        """POST .../commands — upsert one command (201 when new)."""
        scope = self._scope(request)
        data = self._json(request) or {}
        tree = ErrorTree()
        validate_command(tree, (), data)
        self._check_body(tree, "create command")
        existing = self._find_existing(scope, data)
        command = self._store_command(scope, data, existing)
        self.emu.events.record(
            "commands_sync", scope=scope, names=[command.name], commands=[command.payload()], upsert=True
        )
        return json_response(command.payload(), status=200 if existing else 201)

    def _command(self, request: web.Request, scope: int | None) -> Command:
        command = self.emu.world.commands.get(int(request.match_info["command_id"]))
        if command is None or command.guild_id != scope:
            raise E.unknown("application command")
        return command

    async def get_command(self, request: web.Request) -> web.StreamResponse:
        """GET .../commands/{id}."""
        return json_response(self._command(request, self._scope(request)).payload())

    async def patch_command(self, request: web.Request) -> web.StreamResponse:
        """PATCH .../commands/{id} — partial update."""
        scope = self._scope(request)
        command = self._command(request, scope)
        merged = {**command.data, **(self._json(request) or {})}
        tree = ErrorTree()
        validate_command(tree, (), merged)
        self._check_body(tree, "edit command")
        self._store_command(scope, merged, command)
        return json_response(command.payload())

    async def delete_command(self, request: web.Request) -> web.StreamResponse:
        """DELETE .../commands/{id}."""
        command = self._command(request, self._scope(request))
        del self.emu.world.commands[command.id]
        return no_content()

    async def command_permissions(self, request: web.Request) -> web.StreamResponse:
        """GET .../guilds/{id}/commands/permissions — no overrides are emulated."""
        self._scope(request)
        return json_response([])

    # ---- interactions ------------------------------------------------------------------------------
    def _interaction_by_token(self, request: web.Request) -> InteractionRecord:
        """The interaction behind a followup webhook; enforces the 15-minute token lifetime."""
        emu = self.emu
        token = request.match_info["interaction_token"]
        app_id = int(request.match_info["application_id"])
        record = emu.interactions_by_token.get(token)
        if record is None or record.application_id != app_id:
            emu.violation("unknown_webhook", f"{request.method} {request.path}: no interaction with this token")
            raise E.unknown("Webhook")
        age = emu.now() - record.created_at
        if age > emu.token_lifetime:
            emu.violation(
                "expired_token",
                f"interaction {record.id} token used {age:.0f}s after creation",
                interaction_id=record.id,
            )
            raise DiscordError(401, E.INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        return record

    async def interaction_callback(self, request: web.Request) -> web.StreamResponse:
        """POST /interactions/{id}/{token}/callback (docs: Receiving and Responding > Create Interaction Response)."""
        emu = self.emu
        body = self._json(request) or {}
        now = emu.now()
        record = emu.interactions.get(int(request.match_info["interaction_id"]))
        if record is None or record.token != request.match_info["interaction_token"]:
            emu.violation(
                "unknown_interaction", f"callback for unknown interaction {request.match_info['interaction_id']}"
            )
            raise E.unknown("interaction")
        ctype = body.get("type")
        data = body.get("data")

        def reject(error: DiscordError, kind: str, detail: str) -> DiscordError:
            callback = Callback(
                type=ctype, data=data, status=error.status, time=now, accepted=False, error=error.body()
            )
            record.callbacks.append(callback)
            emu.violation(kind, detail, interaction_id=record.id)
            emu.events.record(
                "callback", interaction_id=record.id, type=ctype, accepted=False, status=error.status, callback=callback
            )
            return error

        if record.acknowledged:
            raise reject(
                DiscordError(400, E.INTERACTION_ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."),
                "double_response",
                f"interaction {record.id} ({record.name}) answered again with type {ctype}",
            )
        elapsed = now - record.created_at
        if elapsed > emu.interaction_timeout:
            raise reject(
                E.unknown("interaction"),
                "late_response",
                f"interaction {record.id} ({record.name}) first answered after {elapsed:.2f}s"
                f" (limit {emu.interaction_timeout}s)",
            )
        allowed = ALLOWED_CALLBACKS.get(record.type, frozenset())
        needs_message = ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE) and record.source_message_id is None
        if ctype not in allowed or needs_message:
            tree = ErrorTree()
            tree.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", f"Callback type {ctype} is not valid here")
            raise reject(
                E.invalid_form_body(tree.root),
                "invalid_callback_type",
                f"interaction type {record.type} cannot be answered with callback type {ctype}",
            )
        files: list[Attachment] = request.get(FILES_KEY, [])
        tree = ErrorTree()
        if ctype in (CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE):
            validate_message(data or {}, prefix=("data",), tree=tree)
        elif ctype == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            tree = validate_choices(data or {})
        elif ctype == MODAL:
            tree = validate_modal(data or {})
        if tree:
            raise reject(E.invalid_form_body(tree.root), "invalid_body", "callback: " + "; ".join(tree.messages))
        if ctype == CHANNEL_MESSAGE_WITH_SOURCE and not (
            (data or {}).get("content")
            or (data or {}).get("embeds")
            or (data or {}).get("components")
            or files
            or (data or {}).get("poll")
        ):
            raise reject(
                DiscordError(400, E.EMPTY_MESSAGE, "Cannot send an empty message"),
                "invalid_body",
                "callback: empty message",
            )

        channel = emu.world.channels[record.channel_id]
        bot = emu.world.bot
        message: Message | None = None
        flags = int((data or {}).get("flags") or 0)
        if ctype == CHANNEL_MESSAGE_WITH_SOURCE:
            message = emu.create_message(
                channel,
                bot,
                data or {},
                files=files,
                interaction=record,
                msg_type=self._response_type(record),
                flags=flags,
            )
            record.original_message_id = message.id
        elif ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            message = emu.create_message(
                channel,
                bot,
                {},
                interaction=record,
                msg_type=self._response_type(record),
                flags=flags & FLAG_EPHEMERAL,
                loading=True,
            )
            record.original_message_id = message.id
        elif ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            record.original_message_id = record.source_message_id
            assert record.source_message_id is not None
            message = emu.world.messages[record.source_message_id]
            if ctype == UPDATE_MESSAGE:
                emu.edit_message(message, data or {}, files=files, interaction=record)
        elif ctype == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            record.choices = list((data or {}).get("choices") or [])
        elif ctype == MODAL:
            record.modal = data

        record.response_type = ctype
        record.response_time = now
        callback = Callback(
            type=ctype,
            data=data,
            status=200,
            time=now,
            accepted=True,
            message_id=message.id if message is not None else None,
        )
        record.callbacks.append(callback)
        emu.events.record(
            "callback",
            interaction_id=record.id,
            type=ctype,
            accepted=True,
            status=200,
            elapsed=elapsed,
            callback=callback,
            message_id=callback.message_id,
        )
        if not _truthy(request.query.get("with_response")):
            return no_content()
        # docs: Interactions > Receiving and Responding > Interaction Callback Response Object
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
        if ctype in (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE):
            assert message is not None
            result["resource"] = {"type": ctype, "message": emu.message_payload(message)}
        elif ctype != PONG:
            result["resource"] = {"type": ctype}
        return json_response(result)

    @staticmethod
    def _response_type(record: InteractionRecord) -> int:
        if record.type == APPLICATION_COMMAND:
            ctype = (record.payload.get("data") or {}).get("type", 1)
            return MSG_CHAT_INPUT_COMMAND if ctype == 1 else MSG_CONTEXT_MENU_COMMAND
        return MSG_DEFAULT

    async def execute_followup(self, request: web.Request) -> web.StreamResponse:
        """POST /webhooks/{app}/{token} — a followup (docs: Receiving and Responding > Create Followup Message)."""
        emu = self.emu
        record = self._interaction_by_token(request)
        body = self._json(request) or {}
        files: list[Attachment] = request.get(FILES_KEY, [])
        if not record.acknowledged:
            emu.violation(
                "followup_before_response",
                f"followup to interaction {record.id} before any callback",
                interaction_id=record.id,
            )
            raise E.unknown("Webhook")
        self._check_body(validate_message(body), "followup")
        self._check_not_empty(body, files, "followup")
        original = emu.world.messages.get(record.original_message_id or 0)
        index = len(emu.events.select("followup", lambda e: e.get("interaction_id") == record.id))
        if record.response_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE and original is not None and original.loading:
            # The first followup after a "thinking" defer replaces the loading message (it keeps the
            # defer's ephemeral state), which is why discord.py tells you to finish a defer with a followup.
            emu.edit_message(original, body, files=files, interaction=record, fill=True)
            message = original
            filled = True
        else:
            channel = emu.world.channels[record.channel_id]
            message = emu.create_message(
                channel,
                emu.world.bot,
                body,
                files=files,
                interaction=record,
                msg_type=MSG_DEFAULT,
                flags=int(body.get("flags") or 0),
            )
            filled = False
        record.followup_ids.append(message.id)
        emu.events.record(
            "followup",
            interaction_id=record.id,
            message_id=message.id,
            index=index,
            filled_deferred=filled,
            content=message.content,
        )
        if not _truthy(request.query.get("wait")):
            return no_content()
        return json_response(emu.message_payload(message))

    def _webhook_target(self, request: web.Request, record: InteractionRecord) -> Message:
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
        record = self._interaction_by_token(request)
        return json_response(self.emu.message_payload(self._webhook_target(request, record)))

    async def edit_webhook_message(self, request: web.Request) -> web.StreamResponse:
        """PATCH @original or a followup (fills a deferred "thinking" message)."""
        record = self._interaction_by_token(request)
        message = self._webhook_target(request, record)
        body = self._json(request) or {}
        self._check_body(validate_message(body), "edit interaction message")
        files: list[Attachment] = request.get(FILES_KEY, [])
        self.emu.edit_message(message, body, files=files, interaction=record, fill=message.loading)
        return json_response(self.emu.message_payload(message))

    async def delete_webhook_message(self, request: web.Request) -> web.StreamResponse:
        """DELETE @original or a followup."""
        record = self._interaction_by_token(request)
        self.emu.delete_message(self._webhook_target(request, record))
        return no_content()

    # ---- channels and messages --------------------------------------------------------------------------
    async def get_channel(self, request: web.Request) -> web.StreamResponse:
        """GET /channels/{id}: 404 10003 if deleted, 403 50001 if the bot cannot view it."""
        channel = self._channel(request)
        if channel.type != DM:
            self._require(channel)
        return json_response(channel.payload())

    async def list_messages(self, request: web.Request) -> web.StreamResponse:
        """GET /channels/{id}/messages — newest first; empty without READ_MESSAGE_HISTORY (as documented)."""
        channel = self._channel(request)
        perms = self._require(channel)
        if not has(perms, Permission.READ_MESSAGE_HISTORY):
            return json_response([])
        query = request.query
        limit = max(1, min(100, int(query.get("limit", 50))))
        messages = self.emu.world.channel_messages(channel.id)
        if "before" in query:
            messages = [m for m in messages if m.id < int(query["before"])]
        if "after" in query:
            messages = [m for m in messages if m.id > int(query["after"])]
            messages = messages[:limit]
        if "around" in query:
            around = int(query["around"])
            older = [m for m in messages if m.id <= around][-((limit + 1) // 2) :]
            newer = [m for m in messages if m.id > around][: limit // 2]
            messages = older + newer
        messages = messages[-limit:]
        return json_response([self.emu.message_payload(m) for m in reversed(messages)])

    async def get_message(self, request: web.Request) -> web.StreamResponse:
        """GET /channels/{id}/messages/{id} — needs READ_MESSAGE_HISTORY."""
        channel = self._channel(request)
        self._require(channel, Permission.READ_MESSAGE_HISTORY)
        return json_response(self.emu.message_payload(self._message(channel, request.match_info["message_id"])))

    async def create_message(self, request: web.Request) -> web.StreamResponse:
        """POST /channels/{id}/messages with nonce/enforce_nonce dedupe (docs: Create Message)."""
        emu = self.emu
        channel = self._channel(request)
        if channel.type != DM:
            self._require(channel, Permission.SEND_MESSAGES)
        body = self._json(request) or {}
        files: list[Attachment] = request.get(FILES_KEY, [])
        self._check_body(validate_message(body), "create message")
        self._check_not_empty(body, files, "create message")
        bot = emu.world.bot
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            existing = emu.find_nonce(channel.id, bot.id, nonce)
            if existing is not None:
                emu.events.record("nonce_dedupe", channel_id=channel.id, nonce=nonce, message_id=existing.id)
                return json_response(emu.message_payload(existing))
        referenced: Message | None = None
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            referenced = emu.world.messages.get(int(ref["message_id"]))
            if referenced is None or referenced.deleted:
                if ref.get("fail_if_not_exists", True):
                    tree = ErrorTree()
                    tree.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                    self._check_body(tree, "create message")
                referenced = None
        message = emu.create_message(channel, bot, body, files=files, referenced=referenced)
        if nonce is not None:
            emu.remember_nonce(channel.id, bot.id, nonce, message)
        return json_response(emu.message_payload(message))

    async def edit_message(self, request: web.Request) -> web.StreamResponse:
        """PATCH /channels/{id}/messages/{id}: only the author may change content (403 50005)."""
        channel = self._channel(request)
        self._require(channel)
        message = self._message(channel, request.match_info["message_id"])
        body = self._json(request) or {}
        if message.author.id != self.emu.world.bot.id:
            if set(body) - {"flags"}:
                raise DiscordError(403, E.CANNOT_EDIT_OTHERS_MESSAGE, "Cannot edit a message authored by another user")
            self._require(channel, Permission.MANAGE_MESSAGES)
        self._check_body(validate_message(body), "edit message")
        self.emu.edit_message(message, body, files=request.get(FILES_KEY, []))
        return json_response(self.emu.message_payload(message))

    async def delete_message(self, request: web.Request) -> web.StreamResponse:
        """DELETE /channels/{id}/messages/{id}: others' messages need MANAGE_MESSAGES."""
        channel = self._channel(request)
        self._require(channel)
        message = self._message(channel, request.match_info["message_id"])
        if message.author.id != self.emu.world.bot.id:
            self._require(channel, Permission.MANAGE_MESSAGES)
        self.emu.delete_message(message)
        return no_content()

    async def bulk_delete(self, request: web.Request) -> web.StreamResponse:
        """POST /channels/{id}/messages/bulk-delete (2..100 ids, MANAGE_MESSAGES)."""
        channel = self._channel(request)
        self._require(channel, Permission.MANAGE_MESSAGES)
        ids = (self._json(request) or {}).get("messages") or []
        if not 2 <= len(ids) <= 100:
            tree = ErrorTree()
            tree.add(("messages",), "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
            self._check_body(tree, "bulk delete")
        for raw in ids:
            message = self.emu.world.messages.get(int(raw))
            if message is not None and message.channel_id == channel.id and not message.deleted:
                self.emu.delete_message(message)
        return no_content()

    async def crosspost(self, request: web.Request) -> web.StreamResponse:
        """POST .../crosspost — publish in an announcement channel (sets the CROSSPOSTED flag)."""
        channel = self._channel(request)
        if channel.type != GUILD_ANNOUNCEMENT:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        message = self._message(channel, request.match_info["message_id"])
        if message.author.id == self.emu.world.bot.id:
            self._require(channel, Permission.SEND_MESSAGES)
        else:
            self._require(channel, Permission.MANAGE_MESSAGES)
        if message.flags & 1:
            raise DiscordError(400, 40033, "This message has already been crossposted.")
        self.emu.edit_message(message, {"flags": message.flags | 1}, internal=True)
        self.emu.events.record("crosspost", channel_id=channel.id, message_id=message.id)
        return json_response(self.emu.message_payload(message))

    async def add_reaction(self, request: web.Request) -> web.StreamResponse:
        """PUT .../reactions/{emoji}/@me — needs READ_MESSAGE_HISTORY and ADD_REACTIONS."""
        channel = self._channel(request)
        self._require(channel, Permission.READ_MESSAGE_HISTORY, Permission.ADD_REACTIONS)
        message = self._message(channel, request.match_info["message_id"])
        emoji = request.match_info["emoji"]
        message.reactions.setdefault(emoji, set()).add(self.emu.world.bot.id)
        self.emu.events.record("reaction_add", channel_id=channel.id, message_id=message.id, emoji=emoji)
        return no_content()

    async def remove_reaction(self, request: web.Request) -> web.StreamResponse:
        """DELETE .../reactions/{emoji}/@me."""
        channel = self._channel(request)
        self._require(channel, Permission.READ_MESSAGE_HISTORY)
        message = self._message(channel, request.match_info["message_id"])
        message.reactions.get(request.match_info["emoji"], set()).discard(self.emu.world.bot.id)
        return no_content()

    async def typing(self, request: web.Request) -> web.StreamResponse:
        """POST /channels/{id}/typing — needs SEND_MESSAGES."""
        channel = self._channel(request)
        if channel.type != DM:
            self._require(channel, Permission.SEND_MESSAGES)
        return no_content()

    # ---- guilds -----------------------------------------------------------------------------------------------
    async def get_guild(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}."""
        guild = self._guild(request)
        return json_response(guild.rest_payload(with_counts=_truthy(request.query.get("with_counts"))))

    async def guild_channels(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}/channels — every live channel (visibility is not filtered, as in Discord)."""
        guild = self._guild(request)
        return json_response([c.payload() for c in guild.live_channels()])

    async def guild_roles(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}/roles."""
        guild = self._guild(request)
        return json_response([r.payload() for r in guild.roles.values()])

    async def guild_members(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}/members?limit&after — ordered by user id."""
        guild = self._guild(request)
        limit = max(1, min(1000, int(request.query.get("limit", 1))))
        after = int(request.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return json_response([m.payload() for m in members[:limit]])

    async def guild_member(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}/members/{user_id}."""
        guild = self._guild(request)
        member = guild.members.get(int(request.match_info["user_id"]))
        if member is None:
            raise E.unknown("Member")
        return json_response(member.payload())
