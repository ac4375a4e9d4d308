"""What every REST resource shares: per-request data from the middleware, and Discord's lookups and checks.

Handlers validate like Discord (existence → 404, visibility → 403 50001, permission →
403 50013, body limits → 400 50035) before touching state, so a rejected request leaves the
world unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import errors as E
from ..faults import RequestInfo
from ..model import Attachment, Channel, Guild, Message
from ..permissions import Permission, has

if TYPE_CHECKING:
    from ..server import Emulator

Json = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Route = tuple[str, str, Handler]

# Per-request storage filled by the middleware.
INFO_KEY: web.RequestKey[RequestInfo] = web.RequestKey("emulator_info", RequestInfo)
FILES_KEY: web.RequestKey[list[Attachment]] = web.RequestKey("emulator_files", list)


class Resource:
    """A group of REST routes; ``emu`` holds the world, the records and the rules."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def routes(self) -> list[Route]:
        """(method, path, handler); literal segments come before placeholders."""
        raise NotImplementedError

    # ---- the request -----------------------------------------------------------------------------------
    @staticmethod
    def body(request: web.Request) -> Any:
        """The parsed JSON body (or ``payload_json`` of a multipart upload)."""
        return request[INFO_KEY].json

    @staticmethod
    def files(request: web.Request) -> list[Attachment]:
        """Files uploaded with the request (multipart ``files[n]``)."""
        return request.get(FILES_KEY, [])

    # ---- lookups -----------------------------------------------------------------------------------------
    def channel(self, request: web.Request) -> Channel:
        """The channel in the path; 404 10003 if it does not exist (any more)."""
        channel = self.emu.world.channels.get(int(request.match_info["channel_id"]))
        if channel is None or channel.deleted:
            raise E.unknown("Channel")
        return channel

    def message(self, channel: Channel, message_id: str) -> Message:
        """A live, non-ephemeral message of ``channel``; 404 10008 otherwise."""
        msg = self.emu.world.messages.get(int(message_id))
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
            raise E.unknown("Message")
        return msg

    def guild(self, request: web.Request) -> Guild:
        """The guild in the path; 404 10004 if unknown, 403 50001 if the bot is not in it."""
        guild = self.emu.world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            raise E.unknown("Guild")
        if self.emu.world.bot.id not in guild.members:
            raise E.missing_access()
        return guild

    # ---- permissions ---------------------------------------------------------------------------------------
    def require(self, channel: Channel, *flags: Permission) -> int:
        """403 50001 if the bot cannot see the channel, 403 50013 if it lacks one of ``flags``.

        In a thread, SEND_MESSAGES_IN_THREADS stands in for SEND_MESSAGES, as in Discord.
        """
        perms = self.emu.world.channel_permissions(channel, self.emu.world.bot.id)
        if not has(perms, Permission.VIEW_CHANNEL):
            raise E.missing_access()
        for flag in flags:
            if channel.is_thread and flag == Permission.SEND_MESSAGES:
                flag = Permission.SEND_MESSAGES_IN_THREADS
            if not has(perms, flag):
                raise E.missing_permissions()
        return perms
