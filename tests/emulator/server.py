"""The Emulator: one aiohttp server on 127.0.0.1 serving REST under /api/v10 and the gateway.

Tests drive it from the "Discord side": seed a world, send interactions as users, inject faults,
and await recorded events. Everything runs in the test's event loop; nothing leaves loopback.

Recorded event kinds (``emu.events`` / ``emu.wait_for``) and their main data keys:

- ``request``: method, path, route, query, json, files, status, response, fault
- ``fault``: method, path, status, rule
- ``gateway_connect`` (conn, path, query, compress), ``hello`` (conn), ``gateway_disconnect`` (conn, code, shard)
- ``identify`` (ok, shard, shard_count, intents, session_id), ``ready`` (shard, session_id, guilds)
- ``resume`` (ok, session_id, seq, replayed), ``resumed``
- ``heartbeat`` (seq), ``heartbeat_ack``, ``dispatch`` (event, seq, shard, data) — each frame actually sent
- ``presence_update``, ``request_guild_members``
- ``interaction_create`` (interaction_id, type, name, user_id, channel_id, delivered)
- ``callback`` (interaction_id, type, accepted, status, callback, message_id)
- ``followup`` (interaction_id, message_id, index, filled_deferred)
- ``message_create`` / ``message_update`` / ``message_delete`` (message_id, channel_id, author_id,
  interaction_id, by_interaction, ephemeral, content, message)
- ``nonce_dedupe``, ``crosspost``, ``reaction_add``, ``commands_sync`` (scope, names, commands)
- ``violation`` (kind, detail, interaction_id, violation)
- ``client_error`` (logger, message, exception): discord.py ERROR logs captured by ``run_client``
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from .errors import DiscordError
from .events import Event, EventLog, Predicate
from .faults import FaultInjector, FaultRule, RequestInfo, normalize_route, rate_limit_response
from .gateway import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    OP_HEARTBEAT,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    Gateway,
    GatewaySession,
)
from .interactions import (
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionHandle,
    InteractionRecord,
    _Resolver,
    build_options,
    check_can_use,
    command_data,
    find_command,
    interaction_payload,
    modal_submit_components,
)
from .model import (
    DM,
    FLAG_EPHEMERAL,
    FLAG_IS_COMPONENTS_V2,
    FLAG_LOADING,
    GUILD_TEXT,
    MSG_DEFAULT,
    MSG_REPLY,
    OVERWRITE_MEMBER,
    OVERWRITE_ROLE,
    Attachment,
    Channel,
    Command,
    Guild,
    Member,
    Message,
    Overwrite,
    Role,
    User,
    World,
)
from .rest import FILES_KEY, INFO_KEY, PREFIX, RestApi, json_response
from .snowflake import iso_timestamp

Json = dict[str, Any]

# Flags a bot may set when creating a message: SUPPRESS_EMBEDS, EPHEMERAL,
# SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2 (docs: Resources > Message > Message Flags).
_CREATE_FLAGS = 4 | FLAG_EPHEMERAL | 4096 | FLAG_IS_COMPONENTS_V2
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class Routes:
    """Route templates for fault injection (placeholder names do not matter when matching)."""

    INTERACTION_CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
    FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"
    ORIGINAL = "/webhooks/{application_id}/{interaction_token}/messages/@original"
    WEBHOOK_MESSAGE = "/webhooks/{application_id}/{interaction_token}/messages/{message_id}"
    CHANNEL = "/channels/{channel_id}"
    MESSAGES = "/channels/{channel_id}/messages"
    MESSAGE = "/channels/{channel_id}/messages/{message_id}"
    GLOBAL_COMMANDS = "/applications/{application_id}/commands"
    GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
    USERS_ME = "/users/@me"
    APPLICATION_ME = "/oauth2/applications/@me"
    GATEWAY_BOT = "/gateway/bot"
    GUILD = "/guilds/{guild_id}"


@dataclass
class Violation:
    """A Discord rule the bot broke (double/late answer, over-limit body, expired token, ...)."""

    kind: str
    detail: str
    time: float
    interaction_id: int | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.detail}"


def _normalize_embeds(embeds: Any) -> list[Json]:
    """Discord echoes embeds with ``type: "rich"`` and fields with ``inline`` set."""
    out: list[Json] = []
    for embed in embeds or []:
        item = copy.deepcopy(embed)
        item.setdefault("type", "rich")
        for fld in item.get("fields") or []:
            fld.setdefault("inline", False)
        out.append(item)
    return out


class Emulator:
    """A local Discord: REST v10 + gateway + a mutable world + rule enforcement.

    Use as ``async with Emulator() as emu:``; ``emu.api_base`` is what ``discord.http.Route.BASE``
    must be set to (see :func:`tests.emulator.harness.run_client`).
    """

    def __init__(
        self,
        *,
        token: str = "emulator-bot-token",
        shard_count: int = 1,
        heartbeat_interval: float = 41.25,
        clock: Callable[[], float] = time.monotonic,
        interaction_timeout: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        nonce_window: float = 5 * 60.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.shard_count = shard_count
        self.min_shard_count = 1
        self.heartbeat_interval = heartbeat_interval
        # Injectable time source for the 3 s / 15 min / nonce rules; ``advance()`` adds an offset.
        self.clock = clock
        self._clock_offset = 0.0
        self.interaction_timeout = interaction_timeout
        self.token_lifetime = token_lifetime
        self.nonce_window = nonce_window
        self.host = host
        self.world = World()
        self.events = EventLog(self.now)
        self.faults = FaultInjector()
        self.gateway = Gateway(self)
        self.rest = RestApi(self)
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.violations: list[Violation] = []
        self._nonces: dict[tuple[int, int, str], tuple[Message, float]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Set by harness.seed_default_world (a DefaultWorld) for fixtures to hand out.
        self.seed: Any = None
        # discord.py ERROR log records captured by harness.run_client (exceptions in handlers).
        self.client_errors: list[Any] = []

    # ---- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> Emulator:
        """Bind an ephemeral port on loopback and start serving."""
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        for method, path, handler in self.rest.routes():
            app.router.add_route(method, PREFIX + path, handler)
        for path in ("/", "/gateway", "/resume"):
            app.router.add_get(path, self.gateway.handle)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self

    async def close(self) -> None:
        """Close gateway connections and stop the server."""
        await self.gateway.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return self.base_url + PREFIX

    @property
    def gateway_url(self) -> str:
        """What /gateway/bot returns (discord.py appends ``?v=10&encoding=json&compress=...``)."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """READY's resume_gateway_url; a distinct path shows that resumes use it."""
        return f"ws://{self.host}:{self.port}/resume"

    # ---- time ---------------------------------------------------------------------------------------------
    def now(self) -> float:
        """Current emulator time: ``clock()`` plus whatever ``advance()`` added."""
        return self.clock() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Jump the emulator's clock forward (e.g. past the 3 s or 15 min limits) without sleeping."""
        self._clock_offset += seconds

    # ---- events and violations ---------------------------------------------------------------------------
    async def wait_for(
        self,
        kind: str | Predicate | None = None,
        predicate: Predicate | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 — same timeout= as asyncio.wait_for, reads naturally in tests
        since: int = 0,
    ) -> Event:
        """Await a recorded event (see the module docstring for kinds); searches history from ``since``."""
        return await self.events.wait_for(kind, predicate, timeout=timeout, since=since)

    def mark(self) -> int:
        """An index to pass as ``since`` so only later events match."""
        return self.events.mark()

    def requests(self, method: str | None = None, route: str | None = None, *, since: int = 0) -> list[Event]:
        """Logged REST requests, optionally filtered by method and route template."""
        return self.events.select(
            "request",
            lambda e: (
                (method is None or e["method"] == method.upper())
                and (route is None or normalize_route(e["route"]) == normalize_route(route))
            ),
            since=since,
        )

    def violation(self, kind: str, detail: str, *, interaction_id: int | None = None) -> Violation:
        """Record a broken Discord rule; tests fail on it via :meth:`assert_no_violations`."""
        item = Violation(kind=kind, detail=detail, time=self.now(), interaction_id=interaction_id)
        self.violations.append(item)
        self.events.record("violation", kind=kind, detail=detail, interaction_id=interaction_id, violation=item)
        return item

    def unanswered(self) -> list[InteractionRecord]:
        """Interactions whose 3 s window has passed without an accepted callback."""
        now = self.now()
        return [
            r
            for r in self.interactions.values()
            if not r.acknowledged and now - r.created_at > self.interaction_timeout
        ]

    def assert_no_violations(self, *, include_unanswered: bool = True, ignore: Iterable[str] = ()) -> None:
        """Fail with every recorded violation (and, by default, interactions never answered in time)."""
        skipped = set(ignore)
        problems = [str(v) for v in self.violations if v.kind not in skipped]
        if include_unanswered and "unanswered" not in skipped:
            problems += [f"[unanswered] interaction {r.id} ({r.name}) was never answered" for r in self.unanswered()]
        if problems:
            raise AssertionError("Discord rule violations:\n  " + "\n  ".join(problems))

    def assert_no_client_errors(self) -> None:
        """Fail if discord.py logged errors (e.g. an exception inside a command) while run_client ran."""
        if self.client_errors:
            lines = [
                f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
                for r in self.client_errors
            ]
            raise AssertionError("the client logged errors:\n  " + "\n  ".join(lines))

    def clear_violations(self) -> None:
        """Forget violations recorded so far (after a test asserted on them deliberately)."""
        self.violations.clear()

    # ---- HTTP plumbing --------------------------------------------------------------------------------------
    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(PREFIX):
            return await handler(request)
        path = request.path[len(PREFIX) :]
        resource = getattr(request.match_info.route, "resource", None)
        canonical = resource.canonical if resource is not None else request.path
        route = canonical[len(PREFIX) :] if canonical.startswith(PREFIX) else path
        body, files = await self._read_body(request)
        info = RequestInfo(
            method=request.method,
            path=path,
            route=route,
            query=dict(request.query),
            json=body,
            params=dict(request.match_info),
        )
        request[INFO_KEY] = info
        request[FILES_KEY] = files
        fault = self.faults.take(info)
        response: web.StreamResponse
        if fault is not None and not fault.after:
            response = self._fault_response(fault)
        elif not self._authorized(request, path):
            response = json_response({"message": "401: Unauthorized", "code": 0}, 401)
        else:
            try:
                response = await handler(request)
            except DiscordError as exc:
                response = json_response(exc.body(), exc.status)
            except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
                self.violation("unknown_route", f"{request.method} {path} is not emulated")
                response = json_response({"message": "404: Not Found", "code": 0}, 404)
            if fault is not None:
                response = self._fault_response(fault)
        if fault is not None:
            self.events.record(
                "fault",
                method=request.method,
                path=path,
                route=route,
                status=fault.status,
                after=fault.after,
                rule=fault,
            )
        payload: Any = None
        if (
            isinstance(response, web.Response)
            and response.body is not None
            and response.content_type == "application/json"
        ):
            raw = response.body
            payload = json.loads(bytes(raw)) if isinstance(raw, bytes | bytearray) else None
        self.events.record(
            "request",
            method=request.method,
            path=path,
            route=route,
            query=dict(request.query),
            json=body,
            files=[f.filename for f in files],
            status=response.status,
            response=payload,
            fault=fault is not None,
        )
        return response

    def _authorized(self, request: web.Request, path: str) -> bool:
        if path.startswith(RestApi.TOKEN_ROUTES):
            return True
        return request.headers.get("Authorization") == f"Bot {self.token}"

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Attachment]]:
        """JSON bodies, and multipart (``payload_json`` + ``files[n]``) as discord.py sends uploads."""
        if not request.body_exists:
            return None, []
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: list[Attachment] = []
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                name = part.name
                if name == "payload_json":
                    payload = json.loads(await part.text())
                elif name and name.startswith("files["):
                    content = await part.read(decode=False)
                    files.append(
                        Attachment(
                            id=self.world.new_id(),
                            filename=part.filename or "file",
                            content=bytes(content),
                            content_type=part.headers.get("Content-Type", "application/octet-stream"),
                        )
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        if request.content_type == "application/json":
            return json.loads(raw), []
        return raw.decode(errors="replace"), []

    def _fault_response(self, rule: FaultRule) -> web.Response:
        body = rule.body
        headers = dict(rule.headers)
        if body is None:
            if rule.status == 429:
                body, defaults = rate_limit_response(0.1)
                headers = {**defaults, **headers}
            elif rule.status >= 500:
                body = {"message": "Service Unavailable" if rule.status == 503 else "Internal Server Error", "code": 0}
            else:
                body = {"message": f"{rule.status}: injected", "code": 0}
        return json_response(body, rule.status, headers=headers or None)

    # ---- fault injection (REST) ---------------------------------------------------------------------------
    def inject(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        status: int,
        code: int = 0,
        message: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int | None = 1,
        predicate: Callable[[RequestInfo], bool] | None = None,
        after: bool = False,
    ) -> FaultRule:
        """Answer matching requests with ``status`` (body ``{"message", "code"}`` unless ``body``).

        ``after=True`` lets the request take effect first and only replaces the response, i.e. the
        response was lost on the way back (how a retried request creates duplicates without nonces).
        """
        if body is None and message is not None:
            body = {"message": message, "code": code}
        rule = FaultRule(
            status=status,
            method=method,
            route=route,
            predicate=predicate,
            body=body,
            headers=headers or {},
            times=times,
            name=f"{status} {method or '*'} {route or '*'}",
            after=after,
        )
        return self.faults.add(rule)

    def rate_limit(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        retry_after: float = 0.25,
        times: int | None = 1,
        is_global: bool = False,
        predicate: Callable[[RequestInfo], bool] | None = None,
    ) -> FaultRule:
        """A Discord 429 with ``retry_after``, X-RateLimit-* headers and ``Via`` (so discord.py retries)."""
        body, headers = rate_limit_response(retry_after, is_global=is_global)
        return self.inject(method, route, status=429, body=body, headers=headers, times=times, predicate=predicate)

    def server_error(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        status: int = 503,
        times: int | None = 1,
        predicate: Callable[[RequestInfo], bool] | None = None,
        after: bool = False,
    ) -> FaultRule:
        """A 5xx (503 by default) for matching requests (``after``: see :meth:`inject`)."""
        return self.inject(method, route, status=status, times=times, predicate=predicate, after=after)

    def forbid(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        times: int | None = None,
        code: int = 50013,
        predicate: Callable[[RequestInfo], bool] | None = None,
    ) -> FaultRule:
        """403 Missing Permissions (or ``code``) for matching requests; forever by default."""
        message = "Missing Access" if code == 50001 else "Missing Permissions"
        return self.inject(method, route, status=403, code=code, message=message, times=times, predicate=predicate)

    def not_found(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        times: int | None = None,
        code: int = 10003,
        message: str = "Unknown Channel",
        predicate: Callable[[RequestInfo], bool] | None = None,
    ) -> FaultRule:
        """404 (Unknown Channel by default) for matching requests; forever by default."""
        return self.inject(method, route, status=404, code=code, message=message, times=times, predicate=predicate)

    # ---- fault injection (gateway) --------------------------------------------------------------------------
    async def close_gateway(self, code: int = 4000, *, shard_id: int | None = None, reason: str = "") -> int:
        """Close the shard's connection(s) with ``code`` (4000 is resumable; 4004/4010-4014 are fatal)."""
        return await self.gateway.close_connections(shard_id, code, reason)

    async def drop_gateway(self, *, shard_id: int | None = None) -> int:
        """Abort the TCP connection(s) without a close frame; the session stays resumable.

        The session is detached before this returns, so anything dispatched afterwards is
        buffered and must come back through RESUME's replay.
        """
        return self.gateway.drop_connections(shard_id)

    def send_reconnect(self, *, shard_id: int | None = None) -> int:
        """Send op 7 RECONNECT: the client should reconnect and resume."""
        return self.gateway.send_op(shard_id, OP_RECONNECT, None)

    def invalidate_session(self, *, shard_id: int | None = None, resumable: bool = False) -> int:
        """Send op 9 INVALID_SESSION (``d`` = resumable); with False the client must IDENTIFY again."""
        return self.gateway.send_op(shard_id, OP_INVALID_SESSION, resumable)

    def request_heartbeat(self, *, shard_id: int | None = None) -> int:
        """Send op 1: the client must heartbeat immediately."""
        return self.gateway.send_op(shard_id, OP_HEARTBEAT, None)

    async def settle(self, *, shard_id: int | None = None, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once the client has handled every gateway frame sent before this call.

        Sends op 1 (heartbeat request) on each live connection and waits for the client's
        heartbeat: discord.py handles frames in order and its parsers update the cache
        synchronously, so after the answering heartbeat the cache reflects all earlier dispatches.
        """
        mark = self.mark()
        conns = [c for c in self.gateway.connections_for(shard_id) if c.deliverable]
        for conn in conns:
            conn.enqueue({"op": OP_HEARTBEAT, "d": None, "s": None, "t": None})
        for conn_id in [c.id for c in conns]:

            def answered(event: Event, cid: int = conn_id) -> bool:
                return bool(event["conn"] == cid)

            await self.events.wait_for("heartbeat", answered, timeout=timeout, since=mark)

    def silence_heartbeats(self, *, shard_id: int | None = None, silent: bool = True) -> int:
        """Stop ACKing heartbeats (and sending anything) on current connections: a zombied connection."""
        return self.gateway.silence(shard_id, silent)

    @contextlib.asynccontextmanager
    async def gateway_outage(self) -> AsyncIterator[None]:
        """While inside, new gateway connections are accepted but get no HELLO (the gateway is "down")."""
        self.gateway.open.clear()
        try:
            yield
        finally:
            self.gateway.open.set()

    @property
    def sessions(self) -> list[GatewaySession]:
        """Live gateway sessions."""
        return self.gateway.live_sessions()

    # ---- messages -----------------------------------------------------------------------------------------------
    def message_payload(self, message: Message) -> Json:
        """A message as REST returns it."""
        return message.payload()

    def _message_event(self, message: Message) -> Json:
        """MESSAGE_CREATE/UPDATE body: the message plus guild_id and the author's member."""
        data = message.payload()
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            guild = self.world.guilds.get(message.guild_id)
            member = guild.members.get(message.author.id) if guild else None
            if member is not None and message.webhook_id is None:
                data["member"] = member.payload(include_user=False)
        return data

    def _content_filter(self, session: GatewaySession, data: Json) -> Json:
        """Without MESSAGE_CONTENT, Discord blanks content of others' guild messages not mentioning the bot."""
        if session.intents & INTENT_MESSAGE_CONTENT or "guild_id" not in data:
            return data
        bot_id = str(self.world.bot.id)
        if data["author"]["id"] == bot_id or any(u["id"] == bot_id for u in data.get("mentions", [])):
            return data
        data.update(content="", embeds=[], attachments=[], components=[])
        data.pop("poll", None)
        return data

    def _dispatch_message(self, event: str, message: Message) -> None:
        if message.ephemeral:
            return
        intent = INTENT_GUILD_MESSAGES if message.guild_id is not None else INTENT_DIRECT_MESSAGES
        if event == "MESSAGE_DELETE":
            data: Json = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            self.gateway.dispatch(event, data, guild_id=message.guild_id, intent=intent)
            return
        self.gateway.dispatch(
            event,
            self._message_event(message),
            guild_id=message.guild_id,
            intent=intent,
            transform=self._content_filter,
        )

    def _mentions(self, message: Message) -> None:
        world = self.world
        message.mentions = [
            world.users[int(i)] for i in _USER_MENTION.findall(message.content) if int(i) in world.users
        ]
        message.mention_roles = [int(i) for i in _ROLE_MENTION.findall(message.content)]
        message.mention_everyone = "@everyone" in message.content or "@here" in message.content

    def _attachments(self, body: Json, files: Iterable[Attachment]) -> list[Attachment]:
        described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
        out = []
        for index, attachment in enumerate(files):
            meta = described.get(str(index))
            if meta and meta.get("description"):
                attachment.description = meta["description"]
            out.append(attachment)
        return out

    def create_message(
        self,
        channel: Channel,
        author: User,
        body: Json,
        *,
        files: Iterable[Attachment] = (),
        interaction: InteractionRecord | None = None,
        msg_type: int | None = None,
        flags: int | None = None,
        referenced: Message | None = None,
        loading: bool = False,
    ) -> Message:
        """Store a new message, record ``message_create`` and dispatch MESSAGE_CREATE (unless ephemeral).

        ``loading`` makes the "thinking" placeholder of a deferred interaction response.
        """
        world = self.world
        raw_flags = int(body.get("flags") or 0) if flags is None else flags
        message = Message(
            id=world.new_id(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=str(body.get("content") or ""),
            embeds=_normalize_embeds(body.get("embeds")),
            components=copy.deepcopy(body.get("components") or []),
            attachments=self._attachments(body, files),
            flags=raw_flags & _CREATE_FLAGS,
            type=msg_type if msg_type is not None else (MSG_REPLY if referenced else MSG_DEFAULT),
            tts=bool(body.get("tts")),
            nonce=body.get("nonce"),
            poll=body.get("poll"),
        )
        if loading:
            message.flags |= FLAG_LOADING
        if interaction is not None:
            app = world.application
            assert app is not None
            message.webhook_id = app.id
            message.application_id = app.id
            message.interaction_id = interaction.id
            metadata: Json = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.payload(),
                "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
            }
            data = interaction.payload.get("data") or {}
            if interaction.type == APPLICATION_COMMAND:
                metadata["name"] = data.get("name")
                metadata["command_type"] = data.get("type", 1)
                if data.get("target_id") and data.get("type") == 3:
                    metadata["target_message_id"] = data["target_id"]
            if interaction.source_message_id is not None:
                metadata["interacted_message_id"] = str(interaction.source_message_id)
            if interaction.original_message_id is not None:
                metadata["original_response_message_id"] = str(interaction.original_message_id)
            message.interaction_metadata = metadata
        if referenced is not None:
            message.referenced = referenced
            message.message_reference = {
                "type": 0,
                "message_id": str(referenced.id),
                "channel_id": str(referenced.channel_id),
                "guild_id": str(referenced.guild_id) if referenced.guild_id else None,
            }
        self._mentions(message)
        world.messages[message.id] = message
        if not message.ephemeral:
            channel.last_message_id = message.id
        self.events.record(
            "message_create",
            message_id=message.id,
            channel_id=channel.id,
            author_id=author.id,
            interaction_id=interaction.id if interaction else None,
            ephemeral=message.ephemeral,
            content=message.content,
            message=message,
        )
        self._dispatch_message("MESSAGE_CREATE", message)
        return message

    def edit_message(
        self,
        message: Message,
        body: Json,
        *,
        files: Iterable[Attachment] = (),
        interaction: InteractionRecord | None = None,
        fill: bool = False,
        internal: bool = False,
    ) -> Message:
        """Apply a partial edit (only keys present change); ``fill`` completes a deferred message."""
        message.edits.append(message.payload(include_reference=False))
        if "content" in body:
            message.content = str(body["content"] or "")
            self._mentions(message)
        if "embeds" in body:
            message.embeds = _normalize_embeds(body["embeds"])
        if "components" in body:
            message.components = copy.deepcopy(body["components"] or [])
        new_files = list(files)
        if "attachments" in body:
            keep = {str(a.get("id")) for a in body["attachments"] or [] if isinstance(a, dict)}
            message.attachments = [a for a in message.attachments if str(a.id) in keep]
        if new_files:
            message.attachments.extend(self._attachments(body, new_files))
        if "poll" in body:
            message.poll = body["poll"]
        if "flags" in body:
            requested = int(body["flags"] or 0)
            if internal:
                message.flags = requested
            else:
                # Only SUPPRESS_EMBEDS (4) and IS_COMPONENTS_V2 may be changed by an edit.
                mutable = 4 | FLAG_IS_COMPONENTS_V2
                message.flags = (message.flags & ~mutable) | (requested & mutable)
        if fill:
            message.flags &= ~FLAG_LOADING
        elif not internal:
            message.edited_timestamp = iso_timestamp()
        self.events.record(
            "message_update",
            message_id=message.id,
            channel_id=message.channel_id,
            author_id=message.author.id,
            interaction_id=message.interaction_id,
            by_interaction=interaction.id if interaction else None,
            ephemeral=message.ephemeral,
            content=message.content,
            filled=fill,
            message=message,
        )
        self._dispatch_message("MESSAGE_UPDATE", message)
        return message

    def delete_message(self, message: Message) -> None:
        """Mark deleted, record ``message_delete`` and dispatch MESSAGE_DELETE."""
        message.deleted = True
        self.events.record(
            "message_delete",
            message_id=message.id,
            channel_id=message.channel_id,
            interaction_id=message.interaction_id,
        )
        self._dispatch_message("MESSAGE_DELETE", message)

    def find_nonce(self, channel_id: int, author_id: int, nonce: Any) -> Message | None:
        """The message created with this nonce by this author in this channel within ``nonce_window``."""
        entry = self._nonces.get((channel_id, author_id, str(nonce)))
        if entry is None:
            return None
        message, when = entry
        if self.now() - when > self.nonce_window or message.deleted:
            return None
        return message

    def remember_nonce(self, channel_id: int, author_id: int, nonce: Any, message: Message) -> None:
        """Store a nonce for enforce_nonce dedupe."""
        self._nonces[(channel_id, author_id, str(nonce))] = (message, self.now())

    def channel_messages(self, channel: Channel | int | str, *, include_ephemeral: bool = False) -> list[Message]:
        """Live messages in a channel, oldest first (what a user scrolling the channel sees)."""
        return self.world.channel_messages(self.world.channel(channel).id, include_ephemeral=include_ephemeral)

    def user_message(
        self, channel: Channel | int | str, user: User | Member | int | str, content: str, **extra: Any
    ) -> Message:
        """A human posts in a channel (MESSAGE_CREATE to the bot, e.g. for prefix commands)."""
        ch = self.world.channel(channel)
        return self.create_message(ch, self.world.user(user), {"content": content, **extra})

    # ---- world changes that Discord would announce on the gateway ----------------------------------------------
    def _overwrite_target(self, channel: Channel, target: Role | Member | User | int | str) -> tuple[int, int]:
        guild = self.world.guild_of(channel)
        if guild is None:
            raise ValueError("DM channels have no overwrites")
        if isinstance(target, Role):
            return target.id, OVERWRITE_ROLE
        if target == "@everyone" or target == guild.id:
            return guild.id, OVERWRITE_ROLE
        if isinstance(target, int) and target in guild.roles:
            return target, OVERWRITE_ROLE
        if isinstance(target, str) and any(r.name == target for r in guild.roles.values()):
            return self.world.role(guild, target).id, OVERWRITE_ROLE
        return self.world.user(target).id, OVERWRITE_MEMBER

    def set_permissions(
        self,
        channel: Channel | int | str,
        target: Role | Member | User | int | str,
        *,
        allow: int = 0,
        deny: int = 0,
    ) -> Overwrite | None:
        """Set (replace) a channel overwrite for a role/member and send CHANNEL_UPDATE.

        ``target`` may be a Role, a user/member, "@everyone", a role name or a username; with
        ``allow == deny == 0`` the overwrite is removed.
        """
        ch = self.world.channel(channel)
        target_id, target_type = self._overwrite_target(ch, target)
        if allow == 0 and deny == 0:
            ch.overwrites.pop(target_id, None)
            overwrite = None
        else:
            overwrite = Overwrite(id=target_id, type=target_type, allow=int(allow), deny=int(deny))
            ch.overwrites[target_id] = overwrite
        self.gateway.dispatch("CHANNEL_UPDATE", ch.payload(), guild_id=ch.guild_id, intent=INTENT_GUILDS)
        return overwrite

    def deny_bot(self, channel: Channel | int | str, *permissions: int) -> Overwrite | None:
        """Shortcut: a member overwrite denying ``permissions`` to the bot in ``channel``."""
        ch = self.world.channel(channel)
        bot = self.world.bot
        current = ch.overwrites.get(bot.id)
        deny = current.deny if current else 0
        allow = current.allow if current else 0
        for perm in permissions:
            deny |= int(perm)
            allow &= ~int(perm)
        return self.set_permissions(ch, bot, allow=allow, deny=deny)

    def add_channel(
        self, guild: Guild | int | str | None, name: str, *, type: int = GUILD_TEXT, topic: str | None = None
    ) -> Channel:
        """Create a channel and send CHANNEL_CREATE."""
        g = self.world.guild(guild)
        channel = self.world.add_channel(g, name, type=type, topic=topic)
        self.gateway.dispatch("CHANNEL_CREATE", channel.payload(), guild_id=g.id, intent=INTENT_GUILDS)
        return channel

    def delete_channel(self, channel: Channel | int | str) -> Channel:
        """Delete a channel (REST on it then 404s with 10003) and send CHANNEL_DELETE."""
        ch = self.world.channel(channel)
        ch.deleted = True
        self.gateway.dispatch("CHANNEL_DELETE", ch.payload(), guild_id=ch.guild_id, intent=INTENT_GUILDS)
        return ch

    def add_role(self, guild: Guild | int | str | None, name: str, permissions: int = 0) -> Role:
        """Create a role and send GUILD_ROLE_CREATE."""
        g = self.world.guild(guild)
        role = self.world.add_role(g, name, permissions)
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": role.payload()}, guild_id=g.id, intent=INTENT_GUILDS
        )
        return role

    def update_role(self, guild: Guild | int | str | None, role: Role | int | str, *, permissions: int) -> Role:
        """Change a role's permissions and send GUILD_ROLE_UPDATE."""
        g = self.world.guild(guild)
        r = self.world.role(g, role)
        r.permissions = int(permissions)
        self.gateway.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(g.id), "role": r.payload()}, guild_id=g.id, intent=INTENT_GUILDS
        )
        return r

    def add_member(
        self, guild: Guild | int | str | None, user: User | str, roles: Iterable[Role | int | str] = ()
    ) -> Member:
        """Add a user (created if given as a new username) to a guild; sends GUILD_MEMBER_ADD."""
        g = self.world.guild(guild)
        try:
            u = self.world.user(user)
        except KeyError:
            if not isinstance(user, str):
                raise
            u = self.world.add_user(user)
        member = self.world.add_member(g, u, [self.world.role(g, r) for r in roles])
        self.gateway.dispatch(
            "GUILD_MEMBER_ADD", {**member.payload(), "guild_id": str(g.id)}, guild_id=g.id, intent=INTENT_GUILD_MEMBERS
        )
        return member

    def set_member_roles(
        self, guild: Guild | int | str | None, user: User | Member | int | str, roles: Iterable[Role | int | str]
    ) -> Member:
        """Replace a member's roles; sends GUILD_MEMBER_UPDATE."""
        g = self.world.guild(guild)
        member = g.members[self.world.user(user).id]
        member.roles = [self.world.role(g, r).id for r in roles]
        intent = None if member.user.id == self.world.bot.id else INTENT_GUILD_MEMBERS
        self.gateway.dispatch(
            "GUILD_MEMBER_UPDATE", {**member.payload(), "guild_id": str(g.id)}, guild_id=g.id, intent=intent
        )
        return member

    def register_commands(self, commands: list[Json], *, guild: Guild | int | str | None = None) -> None:
        """Pre-register commands as if the bot had synced them earlier (for bots that do not sync)."""
        app = self.world.application
        assert app is not None
        scope = self.world.guild(guild).id if guild is not None else None
        for data in commands:
            command = Command(
                id=self.world.new_id(),
                application_id=app.id,
                guild_id=scope,
                version=self.world.new_id(),
                data=copy.deepcopy(data),
            )
            self.world.commands[command.id] = command

    # ---- interactions ------------------------------------------------------------------------------------------
    def _context(
        self,
        guild: Guild | int | str | None,
        user: User | Member | int | str,
        channel: Channel | int | str | None,
    ) -> tuple[Guild | None, Channel, User]:
        world = self.world
        u = world.user(user)
        if channel is not None:
            g_hint = world.guild(guild) if guild is not None else None
            ch = world.channel(channel, g_hint)
            if ch.deleted:
                raise ValueError(f"channel {ch.name!r} was deleted")
            if ch.type == DM:
                return None, ch, u
            return world.guilds[ch.guild_id] if ch.guild_id is not None else None, ch, u
        g = world.guild(guild)
        text = [c for c in g.live_channels() if c.type == GUILD_TEXT]
        if not text:
            raise ValueError(f"{g.name} has no text channel; pass channel=")
        return g, text[0], u

    def _deliver(
        self,
        itype: int,
        guild: Guild | None,
        channel: Channel,
        user: User,
        data: Json | None,
        *,
        name: str | None,
        message: Message | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        record, payload = interaction_payload(
            self, itype=itype, guild=guild, channel=channel, user=user, data=data, message=message, locale=locale
        )
        record.name = name
        self.interactions[record.id] = record
        self.interactions_by_token[record.token] = record
        delivered = self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id if guild else None)
        self.events.record(
            "interaction_create",
            interaction_id=record.id,
            type=itype,
            name=name,
            user_id=user.id,
            channel_id=channel.id,
            delivered=delivered,
        )
        if not delivered:
            raise RuntimeError(
                "no live gateway session would receive this interaction: is the client connected and identified?"
            )
        return InteractionHandle(self, record)

    def slash(
        self,
        guild: Guild | int | str | None,
        user: User | Member | int | str,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        channel: Channel | int | str | None = None,
        locale: str = "en-US",
        check_permissions: bool = True,
    ) -> InteractionHandle:
        """``user`` runs ``/name`` (``"group sub"`` for subcommands) with ``options``.

        ``channel`` defaults to the guild's first text channel; options are typed from the
        registered command, and users/channels/roles are resolved like Discord's ``resolved`` map.
        """
        g, ch, u = self._context(guild, user, channel)
        top, *path = name.split()
        command = find_command(self, g, top, 1)
        if check_permissions:
            check_can_use(self, command, g, u)
        resolver = _Resolver(self, g, u)
        opts = build_options(command, path, options or {}, resolver)
        return self._deliver(
            APPLICATION_COMMAND, g, ch, u, command_data(command, opts, resolver.data), name=name, locale=locale
        )

    def autocomplete(
        self,
        guild: Guild | int | str | None,
        user: User | Member | int | str,
        name: str,
        options: dict[str, Any],
        focused: str | None = None,
        *,
        channel: Channel | int | str | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """``user`` is typing in an autocomplete option of ``/name`` (``focused``: default the last option given)."""
        g, ch, u = self._context(guild, user, channel)
        top, *path = name.split()
        command = find_command(self, g, top, 1)
        focus = focused if focused is not None else list(options)[-1]
        opts = build_options(command, path, options, None, focused=focus)
        return self._deliver(
            APPLICATION_COMMAND_AUTOCOMPLETE, g, ch, u, command_data(command, opts, None), name=name, locale=locale
        )

    def click(
        self,
        message: Message | int,
        custom_id: str,
        user: User | Member | int | str,
        *,
        values: list[Any] | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """``user`` clicks the button (or picks ``values`` in the select) ``custom_id`` on a stored message."""
        msg = message if isinstance(message, Message) else self.world.messages[int(message)]
        current = self.world.messages.get(msg.id, msg)
        if current.deleted:
            raise ValueError("the message was deleted")
        component = current.find_component(custom_id)
        if component is None:
            raise LookupError(f"message {current.id} has no component {custom_id!r}; it has {current.custom_ids()}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        ctype = int(component["type"])
        data: Json = {"custom_id": custom_id, "component_type": ctype}
        channel = self.world.channels[current.channel_id]
        guild = self.world.guild_of(channel)
        u = self.world.user(user)
        if ctype == 2:
            if values is not None:
                raise ValueError("buttons take no values")
        else:
            chosen = list(values or [])
            low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
            if not low <= len(chosen) <= high:
                raise ValueError(f"select {custom_id!r} takes {low}..{high} values, got {len(chosen)}")
            if ctype == 3:
                allowed = [o["value"] for o in component.get("options") or []]
                bad = [v for v in chosen if v not in allowed]
                if bad:
                    raise ValueError(f"{bad} are not options of {custom_id!r}: {allowed}")
                data["values"] = chosen
            else:
                resolver = _Resolver(self, guild, u)
                ids = []
                for value in chosen:
                    if ctype == 5 or (ctype == 7 and not isinstance(value, Role)):
                        ids.append(resolver.add_user(value))
                    elif ctype in (6, 7):
                        ids.append(resolver.add_role(value))
                    else:
                        ids.append(resolver.add_channel(value, component.get("channel_types")))
                data["values"] = ids
                data["resolved"] = resolver.data
        return self._deliver(MESSAGE_COMPONENT, guild, channel, u, data, name=custom_id, message=current, locale=locale)

    def select(
        self, message: Message | int, custom_id: str, user: User | Member | int | str, values: list[Any]
    ) -> InteractionHandle:
        """Alias of :meth:`click` for select menus."""
        return self.click(message, custom_id, user, values=values)

    def message_command(
        self,
        guild: Guild | int | str | None,
        user: User | Member | int | str,
        name: str,
        target: Message | int,
        *,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """``user`` runs the message context-menu command ``name`` on ``target``."""
        msg = target if isinstance(target, Message) else self.world.messages[int(target)]
        g, ch, u = self._context(guild, user, msg.channel_id)
        command = find_command(self, g, name, 3)
        check_can_use(self, command, g, u)
        resolved = {"messages": {str(msg.id): msg.payload()}}
        data = command_data(command, None, resolved, target_id=str(msg.id))
        return self._deliver(APPLICATION_COMMAND, g, ch, u, data, name=name, locale=locale)

    def user_command(
        self,
        guild: Guild | int | str | None,
        user: User | Member | int | str,
        name: str,
        target: User | Member | int | str,
        *,
        channel: Channel | int | str | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """``user`` runs the user context-menu command ``name`` on ``target``."""
        g, ch, u = self._context(guild, user, channel)
        command = find_command(self, g, name, 2)
        check_can_use(self, command, g, u)
        resolver = _Resolver(self, g, u)
        target_id = resolver.add_user(target)
        data = command_data(command, None, resolver.data, target_id=target_id)
        return self._deliver(APPLICATION_COMMAND, g, ch, u, data, name=name, locale=locale)

    def submit_modal(
        self,
        source: InteractionHandle,
        values: dict[str, Any],
        *,
        user: User | Member | int | str | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Submit the modal the bot opened in answer to ``source`` with ``values`` by custom_id."""
        modal = source.record.modal
        if modal is None:
            raise ValueError("the bot did not answer that interaction with a modal")
        rec = source.record
        channel = self.world.channels[rec.channel_id]
        guild = self.world.guild_of(channel)
        u = self.world.user(user) if user is not None else rec.user
        data = {"custom_id": modal.get("custom_id"), "components": modal_submit_components(modal, values)}
        message = self.world.messages.get(rec.source_message_id) if rec.source_message_id else None
        return self._deliver(
            MODAL_SUBMIT, guild, channel, u, data, name=str(modal.get("custom_id")), message=message, locale=locale
        )

    def interaction(self, interaction_id: int) -> InteractionHandle:
        """A handle for an interaction created earlier (e.g. found in the event log)."""
        return InteractionHandle(self, self.interactions[interaction_id])
