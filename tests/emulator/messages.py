"""Messages: storing what the bot and users post, editing and deleting it, and announcing it on the gateway.

MESSAGE_CREATE/UPDATE/DELETE go out with Discord's content rule (without the MESSAGE_CONTENT
intent, others' guild messages arrive blanked unless they mention the bot); ephemeral messages
never reach the gateway or channel history. Nonces are remembered for ``enforce_nonce`` dedupe.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .gateway import INTENT_DIRECT_MESSAGES, INTENT_GUILD_MESSAGES, INTENT_MESSAGE_CONTENT, GatewaySession
from .interactions.types import APPLICATION_COMMAND
from .model import (
    FLAG_EPHEMERAL,
    FLAG_IS_COMPONENTS_V2,
    FLAG_LOADING,
    MSG_DEFAULT,
    MSG_REPLY,
    Attachment,
    Channel,
    Member,
    Message,
    User,
)
from .snowflake import iso_timestamp

if TYPE_CHECKING:
    from .interactions import InteractionRecord
    from .server import Emulator

Json = dict[str, Any]

# Flags a bot may set when creating a message: SUPPRESS_EMBEDS, EPHEMERAL,
# SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2 (docs: Resources > Message > Message Flags).
_CREATE_FLAGS = 4 | FLAG_EPHEMERAL | 4096 | FLAG_IS_COMPONENTS_V2
# Flags an edit may change: SUPPRESS_EMBEDS and IS_COMPONENTS_V2.
_EDIT_FLAGS = 4 | FLAG_IS_COMPONENTS_V2
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


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


def _attachments(body: Json, files: Iterable[Attachment]) -> list[Attachment]:
    """Uploaded files, with the descriptions the body's ``attachments`` gives them."""
    described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
    out = []
    for index, attachment in enumerate(files):
        meta = described.get(str(index))
        if meta and meta.get("description"):
            attachment.description = meta["description"]
        out.append(attachment)
    return out


def interaction_metadata(interaction: InteractionRecord) -> Json:
    """``interaction_metadata`` of a message sent in answer to ``interaction``."""
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
    return metadata


def _reference(referenced: Message) -> Json:
    """``message_reference`` of a reply."""
    return {
        "type": 0,
        "message_id": str(referenced.id),
        "channel_id": str(referenced.channel_id),
        "guild_id": str(referenced.guild_id) if referenced.guild_id else None,
    }


class Messages:
    """Creates, edits and deletes messages in the world, recording and dispatching each change."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self._nonces: dict[tuple[int, int, str], tuple[Message, float]] = {}

    # ---- reading ------------------------------------------------------------------------------------------
    def payload(self, message: Message) -> Json:
        """A message as REST returns it."""
        return message.payload()

    def channel_messages(self, channel: Channel | int | str, *, include_ephemeral: bool = False) -> list[Message]:
        """Live messages in a channel, oldest first (what a user scrolling the channel sees)."""
        world = self.emu.world
        return world.channel_messages(world.channel(channel).id, include_ephemeral=include_ephemeral)

    # ---- changes --------------------------------------------------------------------------------------------
    def user_message(
        self, channel: Channel | int | str, user: User | Member | int | str, content: str, **extra: Any
    ) -> Message:
        """A human posts in a channel (MESSAGE_CREATE to the bot, e.g. for prefix commands)."""
        world = self.emu.world
        return self.create(world.channel(channel), world.user(user), {"content": content, **extra})

    def create(
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
        world = self.emu.world
        raw_flags = int(body.get("flags") or 0) if flags is None else flags
        message = Message(
            id=world.new_id(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=str(body.get("content") or ""),
            embeds=_normalize_embeds(body.get("embeds")),
            components=copy.deepcopy(body.get("components") or []),
            attachments=_attachments(body, files),
            flags=(raw_flags & _CREATE_FLAGS) | (FLAG_LOADING if loading else 0),
            type=msg_type if msg_type is not None else (MSG_REPLY if referenced else MSG_DEFAULT),
            tts=bool(body.get("tts")),
            nonce=body.get("nonce"),
            poll=body.get("poll"),
        )
        if interaction is not None:
            self._mark_interaction_response(message, interaction)
        if referenced is not None:
            message.referenced = referenced
            message.message_reference = _reference(referenced)
        self._mentions(message)
        world.messages[message.id] = message
        if not message.ephemeral:
            channel.last_message_id = message.id
        self.emu.events.record(
            "message_create",
            message_id=message.id,
            channel_id=channel.id,
            author_id=author.id,
            interaction_id=interaction.id if interaction else None,
            ephemeral=message.ephemeral,
            content=message.content,
            message=message,
        )
        self._dispatch("MESSAGE_CREATE", message)
        return message

    def edit(
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
        self._apply_edit(message, body, list(files))
        if "flags" in body:
            requested = int(body["flags"] or 0)
            message.flags = requested if internal else (message.flags & ~_EDIT_FLAGS) | (requested & _EDIT_FLAGS)
        if fill:
            message.flags &= ~FLAG_LOADING
        elif not internal:
            message.edited_timestamp = iso_timestamp()
        self.emu.events.record(
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
        self._dispatch("MESSAGE_UPDATE", message)
        return message

    def delete(self, message: Message) -> None:
        """Mark deleted, record ``message_delete`` and dispatch MESSAGE_DELETE."""
        message.deleted = True
        self.emu.events.record(
            "message_delete",
            message_id=message.id,
            channel_id=message.channel_id,
            interaction_id=message.interaction_id,
        )
        self._dispatch("MESSAGE_DELETE", message)

    # ---- nonces ---------------------------------------------------------------------------------------------
    def find_nonce(self, channel_id: int, author_id: int, nonce: Any) -> Message | None:
        """The message created with this nonce by this author in this channel within ``nonce_window``."""
        entry = self._nonces.get((channel_id, author_id, str(nonce)))
        if entry is None:
            return None
        message, when = entry
        if self.emu.now() - when > self.emu.nonce_window or message.deleted:
            return None
        return message

    def remember_nonce(self, channel_id: int, author_id: int, nonce: Any, message: Message) -> None:
        """Store a nonce for enforce_nonce dedupe."""
        self._nonces[(channel_id, author_id, str(nonce))] = (message, self.emu.now())

    # ---- helpers ---------------------------------------------------------------------------------------------
    def _mark_interaction_response(self, message: Message, interaction: InteractionRecord) -> None:
        app = self.emu.world.application
        assert app is not None
        message.webhook_id = app.id
        message.application_id = app.id
        message.interaction_id = interaction.id
        message.interaction_metadata = interaction_metadata(interaction)

    def _apply_edit(self, message: Message, body: Json, new_files: list[Attachment]) -> None:
        if "content" in body:
            message.content = str(body["content"] or "")
            self._mentions(message)
        if "embeds" in body:
            message.embeds = _normalize_embeds(body["embeds"])
        if "components" in body:
            message.components = copy.deepcopy(body["components"] or [])
        if "attachments" in body:
            keep = {str(a.get("id")) for a in body["attachments"] or [] if isinstance(a, dict)}
            message.attachments = [a for a in message.attachments if str(a.id) in keep]
        if new_files:
            message.attachments.extend(_attachments(body, new_files))
        if "poll" in body:
            message.poll = body["poll"]

    def _mentions(self, message: Message) -> None:
        users = self.emu.world.users
        message.mentions = [users[int(i)] for i in _USER_MENTION.findall(message.content) if int(i) in users]
        message.mention_roles = [int(i) for i in _ROLE_MENTION.findall(message.content)]
        message.mention_everyone = "@everyone" in message.content or "@here" in message.content

    def _event_body(self, message: Message) -> Json:
        """MESSAGE_CREATE/UPDATE body: the message plus guild_id and the author's member."""
        data = message.payload()
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            guild = self.emu.world.guilds.get(message.guild_id)
            member = guild.members.get(message.author.id) if guild else None
            if member is not None and message.webhook_id is None:
                data["member"] = member.payload(include_user=False)
        return data

    def _content_filter(self, session: GatewaySession, data: Json) -> Json:
        """Without MESSAGE_CONTENT, Discord blanks content of others' guild messages not mentioning the bot."""
        if session.intents & INTENT_MESSAGE_CONTENT or "guild_id" not in data:
            return data
        bot_id = str(self.emu.world.bot.id)
        if data["author"]["id"] == bot_id or any(u["id"] == bot_id for u in data.get("mentions", [])):
            return data
        data.update(content="", embeds=[], attachments=[], components=[])
        data.pop("poll", None)
        return data

    def _dispatch(self, event: str, message: Message) -> None:
        if message.ephemeral:
            return
        gateway = self.emu.gateway
        intent = INTENT_GUILD_MESSAGES if message.guild_id is not None else INTENT_DIRECT_MESSAGES
        if event == "MESSAGE_DELETE":
            data: Json = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            gateway.dispatch(event, data, guild_id=message.guild_id, intent=intent)
            return
        body = self._event_body(message)
        gateway.dispatch(event, body, guild_id=message.guild_id, intent=intent, transform=self._content_filter)
