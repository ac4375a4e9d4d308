"""The gateway: a websocket speaking Discord's gateway protocol (docs: Topics > Gateway).

Each IDENTIFY creates a :class:`GatewaySession` that numbers its dispatches and keeps them in a
buffer, so a RESUME can replay exactly what the client missed (docs: Gateway > Resuming).
Connections are separate from sessions: a session outlives a dropped connection until it is
resumed, invalidated, or closed with 1000/1001. Transport compression follows Discord:
``compress=zlib-stream`` means one zlib context per connection, every payload flushed with
Z_SYNC_FLUSH and sent as a binary frame (docs: Gateway > Transport Compression).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import Emulator

Json = dict[str, Any]

# docs: Topics > Opcodes and Status Codes > Gateway Opcodes
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# docs: Topics > Opcodes and Status Codes > Gateway Close Event Codes
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_SEQ = 4007
CLOSE_RATE_LIMITED = 4008
CLOSE_SESSION_TIMED_OUT = 4009
CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011
CLOSE_INVALID_API_VERSION = 4012
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014
# Codes after which Discord will not let the session be resumed.
NON_RESUMABLE_CLOSE_CODES = frozenset({1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014})

# docs: Topics > Gateway > Gateway Intents
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
ALL_INTENTS = (1 << 26) - 1

# docs: Resources > Application > Application Flags — privileged intent → flags that allow it.
_PRIVILEGED = {
    INTENT_GUILD_PRESENCES: (1 << 12) | (1 << 13),
    INTENT_GUILD_MEMBERS: (1 << 14) | (1 << 15),
    INTENT_MESSAGE_CONTENT: (1 << 18) | (1 << 19),
}

Transform = Callable[["GatewaySession", Json], Json]


def shard_for(guild_id: int, shard_count: int) -> int:
    """docs: Topics > Gateway > Sharding — ``shard_id = (guild_id >> 22) % num_shards``."""
    return (guild_id >> 22) % shard_count


@dataclass
class GatewaySession:
    """An identified session: its sequence counter and every dispatch it was sent."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    identify: Json
    seq: int = 0
    buffer: list[Json] = field(default_factory=list)
    connection: GatewayConnection | None = None
    invalidated: bool = False

    def push(self, event: str, data: Json) -> Json:
        """Number and buffer a dispatch, and send it now if the session has a live connection."""
        self.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.buffer.append(payload)
        conn = self.connection
        if conn is not None and conn.deliverable:
            conn.enqueue(payload)
        return payload

    def covers_guild(self, guild_id: int) -> bool:
        """Whether this session's shard receives the guild's events."""
        return shard_for(guild_id, self.shard_count) == self.shard_id


class GatewayConnection:
    """One websocket; its writer task serialises (and compresses) payloads in order."""

    _ids = itertools.count(1)

    def __init__(self, gateway: Gateway, ws: web.WebSocketResponse, request: web.Request, compress: bool) -> None:
        self.id = next(self._ids)
        self.gateway = gateway
        self.ws = ws
        self.request = request
        self.compress = compress
        # One compression context for the whole connection, as Discord does.
        self._compressor = zlib.compressobj() if compress else None
        self.session: GatewaySession | None = None
        self.zombie = False
        self.closing = False
        self.gateway_initiated_close = False
        # The close code the gateway sent, if it closed the connection (the client only echoes it).
        self.sent_close_code: int | None = None
        self.frames_sent = 0
        self._queue: asyncio.Queue[Json] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name=f"emulator-gateway-writer-{self.id}")

    @property
    def deliverable(self) -> bool:
        """Whether payloads put on this connection will reach the client."""
        return not self.closing and not self.zombie and not self.ws.closed

    def enqueue(self, payload: Json) -> None:
        """Queue a payload; the writer sends queued payloads strictly in order."""
        if not self.closing:
            self._queue.put_nowait(payload)

    def encode(self, payload: Json) -> bytes | str:
        """JSON-encode, then zlib-stream compress with a sync flush when compression is on."""
        text = json.dumps(payload, separators=(",", ":"))
        if self._compressor is None:
            return text
        return self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)

    async def _write_loop(self) -> None:
        emu = self.gateway.emu
        while True:
            payload = await self._queue.get()
            frame = self.encode(payload)
            try:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return
            self.frames_sent += 1
            if payload.get("op") == OP_DISPATCH:
                emu.events.record(
                    "dispatch",
                    event=payload["t"],
                    seq=payload["s"],
                    conn=self.id,
                    shard=self.session.shard_id if self.session else None,
                    data=payload["d"],
                )

    def detach(self) -> None:
        """Stop delivering: the session (if any) now buffers until resumed."""
        self.closing = True
        if self.session is not None and self.session.connection is self:
            self.session.connection = None
        self._writer.cancel()

    async def close(self, code: int, message: str = "") -> None:
        """Close with a close frame carrying ``code`` (the client sees it as ``close_code``)."""
        self.sent_close_code = code
        self.detach()
        if not self.ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(code=code, message=message.encode()), 5)

    def abort(self) -> None:
        """Kill the TCP connection without a close frame (what a network failure looks like)."""
        self.detach()
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class Gateway:
    """Accepts websocket connections and routes dispatches to sessions by shard and intents."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.open = asyncio.Event()
        self.open.set()
        self.refused_tokens = 0  # IDENTIFYs still to refuse with 4004 whatever their token

    # ---- routing --------------------------------------------------------------------------
    def live_sessions(self) -> list[GatewaySession]:
        """Sessions that still receive dispatches (connected or awaiting a resume)."""
        return [s for s in self.sessions.values() if not s.invalidated]

    def dispatch(
        self,
        event: str,
        data: Json,
        *,
        guild_id: int | None = None,
        intent: int | None = None,
        transform: Transform | None = None,
    ) -> int:
        """Send ``event`` to every live session that should get it; returns how many did.

        Guild events go to the shard owning the guild; other events (DMs, user updates) go to
        shard 0, as Discord does. ``intent`` filters sessions that did not subscribe.
        """
        delivered = 0
        for session in self.live_sessions():
            if guild_id is not None and not session.covers_guild(guild_id):
                continue
            if guild_id is None and session.shard_id != 0:
                continue
            if intent is not None and not session.intents & intent:
                continue
            body = copy.deepcopy(data)
            if transform is not None:
                body = transform(session, body)
            session.push(event, body)
            delivered += 1
        return delivered

    def sessions_for(self, shard_id: int | None) -> list[GatewaySession]:
        """Live sessions of one shard (all shards if None)."""
        return [s for s in self.live_sessions() if shard_id is None or s.shard_id == shard_id]

    def connections_for(self, shard_id: int | None) -> list[GatewayConnection]:
        """Open, identified connections of one shard (all if None)."""
        return [
            c
            for c in self.connections
            if not c.closing and c.session is not None and (shard_id is None or c.session.shard_id == shard_id)
        ]

    # ---- the websocket handler ------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one gateway connection from HELLO to close."""
        emu = self.emu
        ws = web.WebSocketResponse(max_msg_size=0, timeout=5.0)
        await ws.prepare(request)
        compress_mode = request.query.get("compress")
        version = request.query.get("v", "10")
        encoding = request.query.get("encoding", "json")
        conn = GatewayConnection(self, ws, request, compress=compress_mode == "zlib-stream")
        self.connections.append(conn)
        emu.events.record(
            "gateway_connect",
            conn=conn.id,
            path=request.path,
            query=dict(request.query),
            compress=compress_mode,
        )
        try:
            if version not in ("9", "10"):
                await conn.close(CLOSE_INVALID_API_VERSION, "Invalid API version.")
                return ws
            if encoding != "json" or compress_mode not in (None, "zlib-stream"):
                emu.rules.violation(
                    "gateway_unsupported", f"encoding={encoding!r} compress={compress_mode!r} is not emulated"
                )
                await conn.close(CLOSE_DECODE_ERROR, "Unsupported encoding or compression.")
                return ws
            # An "outage" holds new connections here, before HELLO (see Emulator.gateway_outage).
            await self.open.wait()
            if conn.closing:
                return ws
            conn.enqueue(
                {"op": OP_HELLO, "d": {"heartbeat_interval": int(emu.heartbeat_interval * 1000)}, "s": None, "t": None}
            )
            emu.events.record("hello", conn=conn.id)
            await self._read_loop(conn)
        finally:
            conn.detach()
            session = conn.session
            by_gateway = conn.sent_close_code is not None
            code = conn.sent_close_code if by_gateway else ws.close_code
            if session is not None and code in (1000, 1001) and not by_gateway and not conn.gateway_initiated_close:
                # docs: Gateway > Disconnecting — a client closing with 1000/1001 ends its session.
                session.invalidated = True
            emu.events.record(
                "gateway_disconnect",
                conn=conn.id,
                code=code,
                by="gateway" if by_gateway else "client",
                shard=session.shard_id if session else None,
                session_id=session.session_id if session else None,
            )
        return ws

    async def _read_loop(self, conn: GatewayConnection) -> None:
        ws = conn.ws
        while True:
            msg = await ws.receive()
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return
            if conn.closing:
                continue  # a detached connection's late messages are ignored
            if msg.type is not WSMsgType.TEXT:
                await conn.close(CLOSE_DECODE_ERROR, "Decode error.")
                return
            try:
                payload = json.loads(msg.data)
                op = payload["op"]
            except (ValueError, KeyError, TypeError):
                await conn.close(CLOSE_DECODE_ERROR, "Decode error.")
                return
            await self._handle_op(conn, op, payload.get("d"))
            if conn.closing:
                return

    async def _handle_op(self, conn: GatewayConnection, op: Any, d: Any) -> None:
        emu = self.emu
        if op == OP_HEARTBEAT:
            emu.events.record("heartbeat", conn=conn.id, seq=d, shard=conn.session.shard_id if conn.session else None)
            if not conn.zombie:
                conn.enqueue({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
                emu.events.record("heartbeat_ack", conn=conn.id)
            return
        if op == OP_IDENTIFY:
            await self._identify(conn, d or {})
            return
        if op == OP_RESUME:
            await self._resume(conn, d or {})
            return
        if conn.session is None:
            await conn.close(CLOSE_NOT_AUTHENTICATED, "Not authenticated.")
            return
        if op == OP_PRESENCE_UPDATE:
            emu.events.record("presence_update", conn=conn.id, shard=conn.session.shard_id, presence=d)
        elif op == OP_VOICE_STATE_UPDATE:
            emu.events.record("voice_state_update", conn=conn.id, data=d)
        elif op == OP_REQUEST_GUILD_MEMBERS:
            self._request_guild_members(conn.session, d or {})
        else:
            await conn.close(CLOSE_UNKNOWN_OPCODE, "Unknown opcode.")

    def _identify_refusal(self, d: Json) -> tuple[int, str, Json] | None:
        """Why Discord would refuse this IDENTIFY: (close code, message, event data), or None if it is fine."""
        emu = self.emu
        if self.refused_tokens or d.get("token") != emu.token:
            self.refused_tokens = max(0, self.refused_tokens - 1)
            return CLOSE_AUTHENTICATION_FAILED, "Authentication failed.", {"reason": "authentication failed"}
        shard = d.get("shard") or [0, 1]
        try:
            shard_id, shard_count = int(shard[0]), int(shard[1])
        except (TypeError, ValueError, IndexError):
            shard_id, shard_count = -1, 0
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            return CLOSE_INVALID_SHARD, "Invalid shard.", {"reason": "invalid shard", "shard": shard}
        if shard_count < emu.min_shard_count:
            return CLOSE_SHARDING_REQUIRED, "Sharding required.", {"reason": "sharding required"}
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~ALL_INTENTS:
            return CLOSE_INVALID_INTENTS, "Invalid intent(s).", {"reason": "invalid intents", "intents": intents}
        app = emu.world.application
        flags = app.flags if app is not None else 0
        if any(intents & intent and not flags & allowing for intent, allowing in _PRIVILEGED.items()):
            return (
                CLOSE_DISALLOWED_INTENTS,
                "Disallowed intent(s).",
                {"reason": "disallowed intents", "intents": intents},
            )
        return None

    async def _identify(self, conn: GatewayConnection, d: Json) -> None:
        emu = self.emu
        if conn.session is not None:
            await conn.close(CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        refusal = self._identify_refusal(d)
        if refusal is not None:
            code, message, data = refusal
            emu.events.record("identify", conn=conn.id, ok=False, **data)
            await conn.close(code, message)
            return
        shard = d.get("shard") or [0, 1]
        shard_id, shard_count = int(shard[0]), int(shard[1])
        session = GatewaySession(
            session_id=secrets.token_hex(16),
            shard_id=shard_id,
            shard_count=shard_count,
            intents=d["intents"],
            identify={k: v for k, v in d.items() if k != "token"},
        )
        self.sessions[session.session_id] = session
        conn.session = session
        session.connection = conn
        emu.events.record(
            "identify",
            conn=conn.id,
            ok=True,
            shard=shard_id,
            shard_count=shard_count,
            intents=session.intents,
            session_id=session.session_id,
            properties=d.get("properties"),
            presence=d.get("presence"),
        )
        self._send_ready(conn, session, with_shard="shard" in d)

    def _send_ready(self, conn: GatewayConnection, session: GatewaySession, *, with_shard: bool) -> None:
        """READY, then a GUILD_CREATE per guild of the session's shard (docs: Topics > Gateway Events > Ready)."""
        emu = self.emu
        world = emu.world
        app = world.application
        bot = world.bot
        guilds = [g for g in world.guilds.values() if session.covers_guild(g.id)]
        ready: Json = {
            "v": 10,
            "user": {**bot.payload(), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": emu.resume_gateway_url,
            "application": {"id": str(app.id if app else bot.id), "flags": app.flags if app else 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "_trace": ['["emulator"]'],
        }
        if with_shard:
            ready["shard"] = [session.shard_id, session.shard_count]
        session.push("READY", ready)
        emu.events.record(
            "ready", conn=conn.id, shard=session.shard_id, session_id=session.session_id, guilds=[g.id for g in guilds]
        )
        if not session.intents & INTENT_GUILDS:
            return
        all_members = bool(session.intents & INTENT_GUILD_MEMBERS)
        for guild in guilds:
            session.push("GUILD_CREATE", guild.payload(bot_user_id=bot.id, all_members=all_members))

    async def _resume(self, conn: GatewayConnection, d: Json) -> None:
        emu = self.emu
        if d.get("token") != emu.token:
            emu.events.record("resume", conn=conn.id, ok=False, reason="authentication failed")
            await conn.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        session = self.sessions.get(str(d.get("session_id")))
        seq = d.get("seq")
        if session is None or session.invalidated or (isinstance(seq, int) and seq > session.seq):
            emu.events.record(
                "resume", conn=conn.id, ok=False, reason="invalid session", session_id=d.get("session_id")
            )
            # docs: Gateway > Resuming — an unresumable session gets op 9 with d=false.
            conn.enqueue({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        old = session.connection
        if old is not None and old is not conn:
            old.gateway_initiated_close = True
            await old.close(CLOSE_UNKNOWN_ERROR, "Session resumed elsewhere.")
        last = seq if isinstance(seq, int) else 0
        missed = [p for p in session.buffer if p["s"] > last]
        conn.session = session
        emu.events.record(
            "resume",
            conn=conn.id,
            ok=True,
            shard=session.shard_id,
            session_id=session.session_id,
            seq=seq,
            replayed=[p["t"] for p in missed],
        )
        # docs: Gateway > Resuming — missed events are replayed in order, then RESUMED.
        for payload in missed:
            conn.enqueue(payload)
        session.connection = conn
        session.push("RESUMED", {})
        emu.events.record("resumed", conn=conn.id, shard=session.shard_id, session_id=session.session_id)

    def _request_guild_members(self, session: GatewaySession, d: Json) -> None:
        """Answer op 8 with one GUILD_MEMBERS_CHUNK (docs: Gateway Events > Request Guild Members)."""
        emu = self.emu
        emu.events.record("request_guild_members", shard=session.shard_id, request=d)
        guild = emu.world.guilds.get(int(d.get("guild_id") or 0))
        if guild is None:
            return
        members = list(guild.members.values())
        query = d.get("query")
        user_ids = {int(u) for u in d.get("user_ids") or []}
        if user_ids:
            members = [m for m in members if m.user.id in user_ids]
        elif query:
            members = [m for m in members if m.user.username.lower().startswith(str(query).lower())]
        limit = int(d.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: Json = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("presences"):
            chunk["presences"] = []
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        session.push("GUILD_MEMBERS_CHUNK", chunk)

    # ---- fault injection --------------------------------------------------------------------------
    async def close_connections(self, shard_id: int | None, code: int, message: str = "") -> int:
        """Close the shard's connections with ``code``; non-resumable codes also end the session."""
        conns = self.connections_for(shard_id)
        for conn in conns:
            conn.gateway_initiated_close = True
            if code in NON_RESUMABLE_CLOSE_CODES and conn.session is not None:
                conn.session.invalidated = True
            conn.detach()
        await asyncio.gather(*(c.close(code, message) for c in conns))
        return len(conns)

    def drop_connections(self, shard_id: int | None) -> int:
        """Abort the shard's TCP connections with no close frame; sessions stay resumable."""
        conns = self.connections_for(shard_id)
        for conn in conns:
            conn.gateway_initiated_close = True
            conn.abort()
        return len(conns)

    def send_op(self, shard_id: int | None, op: int, d: Any) -> int:
        """Send a raw opcode (7 reconnect, 9 invalid session, 1 heartbeat request)."""
        conns = self.connections_for(shard_id)
        for conn in conns:
            if op == OP_INVALID_SESSION and not d and conn.session is not None:
                conn.session.invalidated = True
            conn.enqueue({"op": op, "d": d, "s": None, "t": None})
        return len(conns)

    def silence(self, shard_id: int | None, silent: bool = True) -> int:
        """Zombie the shard's connections: no heartbeat ACKs, no dispatches (buffered for a resume)."""
        conns = self.connections_for(shard_id)
        for conn in conns:
            conn.zombie = silent
        return len(conns)

    async def shutdown(self) -> None:
        """Close everything (emulator exit): 1001 going away."""
        self.open.set()
        conns = [c for c in self.connections if not c.ws.closed]
        for conn in conns:
            conn.gateway_initiated_close = True
        await asyncio.gather(*(c.close(1001, "Emulator shutting down.") for c in conns), return_exceptions=True)
