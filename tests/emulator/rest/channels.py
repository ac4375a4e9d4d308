"""REST: channels and their messages (history, create with nonces and replies, edit, delete, publish, reactions)."""

from __future__ import annotations

from aiohttp import web

from .. import errors as E
from ..errors import DiscordError
from ..limits import ErrorTree, validate_message
from ..model import DM, GUILD_ANNOUNCEMENT, Channel, Message
from ..permissions import Permission, has
from ..responses import json_response, no_content
from .base import Json, Resource, Route

_MESSAGE = "/channels/{channel_id}/messages/{message_id}"


class ChannelRoutes(Resource):
    """Channel reads and everything a bot does with messages in a channel."""

    def routes(self) -> list[Route]:
        """(method, path, handler); literal segments come before placeholders."""
        return [
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete),
            ("GET", _MESSAGE, self.get_message),
            ("PATCH", _MESSAGE, self.edit_message),
            ("DELETE", _MESSAGE, self.delete_message),
            ("POST", _MESSAGE + "/crosspost", self.crosspost),
            ("PUT", _MESSAGE + "/reactions/{emoji}/@me", self.add_reaction),
            ("DELETE", _MESSAGE + "/reactions/{emoji}/@me", self.remove_reaction),
            ("POST", "/channels/{channel_id}/typing", self.typing),
        ]

    def _path_message(self, request: web.Request, channel: Channel) -> Message:
        return self.message(channel, request.match_info["message_id"])

    # ---- reading --------------------------------------------------------------------------------------------
    async def get_channel(self, request: web.Request) -> web.StreamResponse:
        """GET /channels/{id}: 404 10003 if deleted, 403 50001 if the bot cannot view it."""
        channel = self.channel(request)
        if channel.type != DM:
            self.require(channel)
        return json_response(channel.payload())

    async def list_messages(self, request: web.Request) -> web.StreamResponse:
        """GET /channels/{id}/messages — newest first; empty without READ_MESSAGE_HISTORY (as documented)."""
        channel = self.channel(request)
        perms = self.require(channel)
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
        return json_response([m.payload() for m in reversed(messages)])

    async def get_message(self, request: web.Request) -> web.StreamResponse:
        """GET /channels/{id}/messages/{id} — needs READ_MESSAGE_HISTORY."""
        channel = self.channel(request)
        self.require(channel, Permission.READ_MESSAGE_HISTORY)
        return json_response(self._path_message(request, channel).payload())

    # ---- writing --------------------------------------------------------------------------------------------
    def _referenced(self, body: Json) -> Message | None:
        """The message a reply points at; 400 50035 if it is gone and ``fail_if_not_exists`` (the default)."""
        ref = body.get("message_reference")
        if not ref or not ref.get("message_id"):
            return None
        referenced = self.emu.world.messages.get(int(ref["message_id"]))
        if referenced is not None and not referenced.deleted:
            return referenced
        if ref.get("fail_if_not_exists", True):
            tree = ErrorTree()
            tree.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
            self.emu.rules.check_body(tree, "create message")
        return None

    async def create_message(self, request: web.Request) -> web.StreamResponse:
        """POST /channels/{id}/messages with nonce/enforce_nonce dedupe (docs: Create Message)."""
        emu = self.emu
        channel = self.channel(request)
        if channel.type != DM:
            self.require(channel, Permission.SEND_MESSAGES)
        body = self.body(request) or {}
        files = self.files(request)
        emu.rules.check_body(validate_message(body), "create message")
        emu.rules.check_not_empty(body, files, "create message")
        bot = emu.world.bot
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            existing = emu.messages.find_nonce(channel.id, bot.id, nonce)
            if existing is not None:
                emu.events.record("nonce_dedupe", channel_id=channel.id, nonce=nonce, message_id=existing.id)
                return json_response(existing.payload())
        referenced = self._referenced(body)
        message = emu.messages.create(channel, bot, body, files=files, referenced=referenced)
        if nonce is not None:
            emu.messages.remember_nonce(channel.id, bot.id, nonce, message)
        return json_response(message.payload())

    async def edit_message(self, request: web.Request) -> web.StreamResponse:
        """PATCH /channels/{id}/messages/{id}: only the author may change content (403 50005)."""
        channel = self.channel(request)
        self.require(channel)
        message = self._path_message(request, channel)
        body = self.body(request) or {}
        if message.author.id != self.emu.world.bot.id:
            if set(body) - {"flags"}:
                raise DiscordError(403, E.CANNOT_EDIT_OTHERS_MESSAGE, "Cannot edit a message authored by another user")
            self.require(channel, Permission.MANAGE_MESSAGES)
        self.emu.rules.check_body(validate_message(body), "edit message")
        self.emu.messages.edit(message, body, files=self.files(request))
        return json_response(message.payload())

    async def delete_message(self, request: web.Request) -> web.StreamResponse:
        """DELETE /channels/{id}/messages/{id}: others' messages need MANAGE_MESSAGES."""
        channel = self.channel(request)
        self.require(channel)
        message = self._path_message(request, channel)
        if message.author.id != self.emu.world.bot.id:
            self.require(channel, Permission.MANAGE_MESSAGES)
        self.emu.messages.delete(message)
        return no_content()

    async def bulk_delete(self, request: web.Request) -> web.StreamResponse:
        """POST /channels/{id}/messages/bulk-delete (2..100 ids, MANAGE_MESSAGES)."""
        channel = self.channel(request)
        self.require(channel, Permission.MANAGE_MESSAGES)
        ids = (self.body(request) or {}).get("messages") or []
        if not 2 <= len(ids) <= 100:
            tree = ErrorTree()
            tree.add(("messages",), "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
            self.emu.rules.check_body(tree, "bulk delete")
        for raw in ids:
            message = self.emu.world.messages.get(int(raw))
            if message is not None and message.channel_id == channel.id and not message.deleted:
                self.emu.messages.delete(message)
        return no_content()

    async def crosspost(self, request: web.Request) -> web.StreamResponse:
        """POST .../crosspost — publish in an announcement channel (sets the CROSSPOSTED flag)."""
        channel = self.channel(request)
        if channel.type != GUILD_ANNOUNCEMENT:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        message = self._path_message(request, channel)
        if message.author.id == self.emu.world.bot.id:
            self.require(channel, Permission.SEND_MESSAGES)
        else:
            self.require(channel, Permission.MANAGE_MESSAGES)
        if message.flags & 1:
            raise DiscordError(400, 40033, "This message has already been crossposted.")
        self.emu.messages.edit(message, {"flags": message.flags | 1}, internal=True)
        self.emu.events.record("crosspost", channel_id=channel.id, message_id=message.id)
        return json_response(message.payload())

    # ---- reactions and typing -------------------------------------------------------------------------------
    async def add_reaction(self, request: web.Request) -> web.StreamResponse:
        """PUT .../reactions/{emoji}/@me — needs READ_MESSAGE_HISTORY and ADD_REACTIONS."""
        channel = self.channel(request)
        self.require(channel, Permission.READ_MESSAGE_HISTORY, Permission.ADD_REACTIONS)
        message = self._path_message(request, channel)
        emoji = request.match_info["emoji"]
        message.reactions.setdefault(emoji, set()).add(self.emu.world.bot.id)
        self.emu.events.record("reaction_add", channel_id=channel.id, message_id=message.id, emoji=emoji)
        return no_content()

    async def remove_reaction(self, request: web.Request) -> web.StreamResponse:
        """DELETE .../reactions/{emoji}/@me."""
        channel = self.channel(request)
        self.require(channel, Permission.READ_MESSAGE_HISTORY)
        message = self._path_message(request, channel)
        message.reactions.get(request.match_info["emoji"], set()).discard(self.emu.world.bot.id)
        return no_content()

    async def typing(self, request: web.Request) -> web.StreamResponse:
        """POST /channels/{id}/typing — needs SEND_MESSAGES."""
        channel = self.channel(request)
        if channel.type != DM:
            self.require(channel, Permission.SEND_MESSAGES)
        return no_content()
