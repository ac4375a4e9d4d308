"""Gateway faults: the test's levers on live connections (close codes, dropped TCP, op 7/9/1, zombies, outages).

Also :meth:`GatewayFaults.settle`, which uses the same op 1 lever to wait until the client has
handled everything sent so far (the way to let a fault play out without sleeping).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from ..events import Event
from ..gateway import OP_HEARTBEAT, OP_INVALID_SESSION, OP_RECONNECT, Gateway

if TYPE_CHECKING:
    from ..events import EventLog


class GatewayFaults:
    """Faults on the gateway's live connections and sessions."""

    def __init__(self, gateway: Gateway, events: EventLog) -> None:
        self.gateway = gateway
        self.events = events

    async def close_gateway(self, code: int = 4000, *, shard_id: int | None = None, reason: str = "") -> int:
        """Close the shard's connection(s) with ``code`` (4000 is resumable; 4004/4010-4014 are fatal).

        4007 and 4009 end the session too: the client's RESUME then gets op 9 and it must IDENTIFY.
        """
        return await self.gateway.close_connections(shard_id, code, reason)

    def refuse_identify(self, times: int = 1) -> None:
        """Refuse the next ``times`` IDENTIFYs with 4004, as Discord does when the token was reset after the
        client logged in over REST: the gateway, not REST, is what says the token is wrong."""
        self.gateway.refused_tokens += times

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

    async def settle(self, *, shard_id: int | None = None, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once the client has handled every gateway frame sent before this call.

        Sends op 1 (heartbeat request) on each live connection and waits for the client's
        heartbeat: discord.py handles frames in order and its parsers update the cache
        synchronously, so after the answering heartbeat the cache reflects all earlier dispatches.
        """
        mark = self.events.mark()
        conns = [c for c in self.gateway.connections_for(shard_id) if c.deliverable]
        for conn in conns:
            conn.enqueue({"op": OP_HEARTBEAT, "d": None, "s": None, "t": None})
        for conn_id in [c.id for c in conns]:

            def answered(event: Event, cid: int = conn_id) -> bool:
                return bool(event["conn"] == cid)

            await self.events.wait_for("heartbeat", answered, timeout=timeout, since=mark)
