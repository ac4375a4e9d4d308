"""The Emulator: one aiohttp server on 127.0.0.1 serving REST under /api/v10 and the gateway — the facade tests use.

Tests drive it from the "Discord side": seed a world, send interactions as users, inject faults,
and await recorded events. Everything runs in the test's event loop; nothing leaves loopback.
The work is done by one object per area (``emu.interactions``, ``emu.messages``, ``emu.changes``,
``emu.faults``, ``emu.gateway_faults``, ``emu.rules``, ``emu.rest``, ``emu.gateway``); the
Emulator owns them and exposes their public methods under its own name (see :class:`delegate`).

Recorded event kinds (``emu.events`` / ``emu.wait_for``) and their main data keys:

- ``request``: method, path, route, query, json, files, status, content_type, response (JSON or text), fault
- ``fault``: method, path, status, rule
- ``gateway_connect`` (conn, path, query, compress), ``hello`` (conn), ``gateway_disconnect``
  (conn, code: the gateway's if it closed, else the client's; by: "gateway"/"client"; shard)
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
- ``cdn`` (attachment_id, filename): an uploaded file downloaded from its URL (the emulator serves them)
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from aiohttp import web

from .events import Event, EventLog, Predicate
from .faults import FaultInjector, GatewayFaults
from .gateway import Gateway, GatewaySession
from .interactions import Interactions
from .messages import Messages
from .model import World
from .rest import RestApi, RestMiddleware
from .routes import PREFIX, Routes, normalize_route
from .rules import Rules, Violation
from .world_changes import WorldChanges

__all__ = ["Emulator", "Routes", "Violation"]

P = ParamSpec("P")
R = TypeVar("R")


class delegate(Generic[P, R]):
    """A facade method that is ``area.method``: same signature and docstring, looked up on the area object.

    ``slash = delegate("interactions", Interactions.slash)`` makes ``emu.slash(...)`` call
    ``emu.interactions.slash(...)``; on the class, ``Emulator.slash`` is the area's function itself.
    """

    def __init__(self, area: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self.area = area
        self.method = method
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Callable[Concatenate[Any, P], R]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> Callable[P, R]: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            return self.method
        return getattr(getattr(obj, self.area), self.method.__name__)


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
        # Injectable time source (e.g. tests.clock.ManualClock) for the 3 s / 15 min / nonce rules;
        # ``advance()`` adds an offset on top of it.
        self.clock = clock
        self._clock_offset = 0.0
        self.interaction_timeout = interaction_timeout
        self.token_lifetime = token_lifetime
        self.nonce_window = nonce_window
        self.host = host
        self.port = 0
        self._runner: web.AppRunner | None = None
        # Set by harness.seed_default_world (a DefaultWorld) for fixtures to hand out.
        self.seed: Any = None
        # The areas.
        self.world = World()
        self.events = EventLog(self.now)
        self.rules = Rules(self)
        self.faults = FaultInjector()
        self.gateway = Gateway(self)
        self.gateway_faults = GatewayFaults(self.gateway, self.events)
        self.messages = Messages(self)
        self.changes = WorldChanges(self)
        self.interactions = Interactions(self)
        self.rest = RestApi(self)

    # ---- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> Emulator:
        """Bind an ephemeral port on loopback and start serving."""
        middleware = RestMiddleware(self)
        app = web.Application(middlewares=[middleware.handle], client_max_size=64 * 1024 * 1024)
        for method, path, handler in self.rest.routes():
            app.router.add_route(method, PREFIX + path, handler)
        for path in ("/", "/gateway", "/resume"):
            app.router.add_get(path, self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self.world.cdn_base = self.base_url
        return self

    async def _attachment(self, request: web.Request) -> web.Response:
        """The CDN: an uploaded file's bytes at its URL (no token needed, as on Discord's CDN)."""
        attachment_id = request.match_info["attachment_id"]
        found = self.world.attachments.get(int(attachment_id)) if attachment_id.isdigit() else None
        if found is None or found.filename != request.match_info["filename"]:
            raise web.HTTPNotFound()
        self.events.record("cdn", attachment_id=found.id, filename=found.filename)
        return web.Response(body=found.content, content_type=found.content_type)

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

    # ---- the event stream ------------------------------------------------------------------------------------
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

    # ---- rules (emu.rules) --------------------------------------------------------------------------------------
    @property
    def violations(self) -> list[Violation]:
        """Every Discord rule the bot broke so far."""
        return self.rules.violations

    @property
    def client_errors(self) -> list[Any]:
        """discord.py ERROR log records captured by ``run_client``."""
        return self.rules.client_errors

    violation = delegate("rules", Rules.violation)
    unanswered = delegate("rules", Rules.unanswered)
    assert_no_violations = delegate("rules", Rules.assert_no_violations)
    assert_no_client_errors = delegate("rules", Rules.assert_no_client_errors)
    assert_answered_once = delegate("rules", Rules.assert_answered_once)
    clear_violations = delegate("rules", Rules.clear_violations)

    # ---- REST faults (emu.faults) -------------------------------------------------------------------------------
    inject = delegate("faults", FaultInjector.inject)
    rate_limit = delegate("faults", FaultInjector.rate_limit)
    server_error = delegate("faults", FaultInjector.server_error)
    forbid = delegate("faults", FaultInjector.forbid)
    not_found = delegate("faults", FaultInjector.not_found)
    hold = delegate("faults", FaultInjector.hold)

    # ---- gateway faults (emu.gateway_faults) ------------------------------------------------------------------
    close_gateway = delegate("gateway_faults", GatewayFaults.close_gateway)
    drop_gateway = delegate("gateway_faults", GatewayFaults.drop_gateway)
    refuse_identify = delegate("gateway_faults", GatewayFaults.refuse_identify)
    send_reconnect = delegate("gateway_faults", GatewayFaults.send_reconnect)
    invalidate_session = delegate("gateway_faults", GatewayFaults.invalidate_session)
    request_heartbeat = delegate("gateway_faults", GatewayFaults.request_heartbeat)
    silence_heartbeats = delegate("gateway_faults", GatewayFaults.silence_heartbeats)
    gateway_outage = delegate("gateway_faults", GatewayFaults.gateway_outage)
    settle = delegate("gateway_faults", GatewayFaults.settle)

    @property
    def sessions(self) -> list[GatewaySession]:
        """Live gateway sessions."""
        return self.gateway.live_sessions()

    # ---- messages (emu.messages) -----------------------------------------------------------------------------
    message_payload = delegate("messages", Messages.payload)
    create_message = delegate("messages", Messages.create)
    edit_message = delegate("messages", Messages.edit)
    delete_message = delegate("messages", Messages.delete)
    find_nonce = delegate("messages", Messages.find_nonce)
    remember_nonce = delegate("messages", Messages.remember_nonce)
    channel_messages = delegate("messages", Messages.channel_messages)
    user_message = delegate("messages", Messages.user_message)

    # ---- world changes announced on the gateway (emu.changes) ------------------------------------------------
    set_permissions = delegate("changes", WorldChanges.set_permissions)
    deny_bot = delegate("changes", WorldChanges.deny_bot)
    add_channel = delegate("changes", WorldChanges.add_channel)
    add_thread = delegate("changes", WorldChanges.add_thread)
    delete_channel = delegate("changes", WorldChanges.delete_channel)
    add_role = delegate("changes", WorldChanges.add_role)
    update_role = delegate("changes", WorldChanges.update_role)
    add_member = delegate("changes", WorldChanges.add_member)
    set_member_roles = delegate("changes", WorldChanges.set_member_roles)
    register_commands = delegate("changes", WorldChanges.register_commands)

    # ---- interactions (emu.interactions) ---------------------------------------------------------------------
    slash = delegate("interactions", Interactions.slash)
    autocomplete = delegate("interactions", Interactions.autocomplete)
    message_command = delegate("interactions", Interactions.message_command)
    user_command = delegate("interactions", Interactions.user_command)
    click = delegate("interactions", Interactions.click)
    raw_click = delegate("interactions", Interactions.raw_click)
    select = delegate("interactions", Interactions.select)
    submit_modal = delegate("interactions", Interactions.submit_modal)
    interaction = delegate("interactions", Interactions.interaction)
