"""The emulator's world: users, guilds, channels, roles, members, messages, commands.

Plain data plus the serialisers that turn it into Discord's payload shapes. The model never talks
to the network; :class:`tests.emulator.server.Emulator` mutates it and tells the gateway.
Shapes follow docs: Resources > User / Guild / Channel / Message and Interactions > Application
Commands; fields discord.py reads with ``data[...]`` (KeyError if missing) are always present.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .permissions import (
    ALL_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    Permission,
    apply_overwrites,
)
from .snowflake import SnowflakeGenerator, iso_timestamp, snowflake_time

Json = dict[str, Any]
CDN = "https://cdn.discordapp.com"

# docs: Resources > Channel > Channel Types
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
PUBLIC_THREAD = 11

# docs: Resources > Message > Message Flags
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_IS_COMPONENTS_V2 = 1 << 15

# docs: Resources > Message > Message Types
MSG_DEFAULT = 0
MSG_REPLY = 19
MSG_CHAT_INPUT_COMMAND = 20
MSG_CONTEXT_MENU_COMMAND = 23

OVERWRITE_ROLE = 0
OVERWRITE_MEMBER = 1


@dataclass
class User:
    """A Discord user (bot or human)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    def payload(self) -> Json:
        """docs: Resources > User > User Object (the public subset a bot sees)."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }

    @property
    def mention(self) -> str:
        """The ``<@id>`` form, for building message content in tests."""
        return f"<@{self.id}>"


@dataclass
class Role:
    """A guild role; ``id == guild.id`` is @everyone."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False
    tags: Json | None = None

    def payload(self) -> Json:
        """docs: Topics > Permissions > Role Object."""
        data: Json = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.tags is not None:
            data["tags"] = self.tags
        return data


@dataclass
class Member:
    """A user's membership of a guild."""

    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_timestamp)

    def payload(self, *, include_user: bool = True, permissions: int | None = None) -> Json:
        """docs: Resources > Guild > Guild Member Object (``permissions`` only inside interactions)."""
        data: Json = {
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if include_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> Json:
        """docs: Resources > Channel > Overwrite Object."""
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Channel:
    """A guild text/announcement/category channel, a public thread under one, or a DM channel."""

    id: int
    type: int
    name: str | None
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    last_message_id: int | None = None
    recipients: list[User] = field(default_factory=list)
    deleted: bool = False
    # Threads only (parent_id is the text channel): who started it, and its thread_metadata.
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: str = field(default_factory=iso_timestamp)

    @property
    def is_thread(self) -> bool:
        """Whether this is a thread (its permissions are its parent's)."""
        return self.type == PUBLIC_THREAD

    @property
    def mention(self) -> str:
        """The ``<#id>`` form."""
        return f"<#{self.id}>"

    def _thread_payload(self) -> Json:
        """docs: Resources > Channel > Channel Object, for a thread (with Thread Metadata)."""
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "parent_id": _opt_str(self.parent_id),
            "owner_id": _opt_str(self.owner_id),
            "name": self.name,
            "last_message_id": _opt_str(self.last_message_id),
            "rate_limit_per_user": self.rate_limit_per_user,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": self.archived,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": self.created_at,
                "locked": self.locked,
                "create_timestamp": self.created_at,
            },
        }

    def payload(self, *, permissions: int | None = None) -> Json:
        """docs: Resources > Channel > Channel Object (``permissions`` only inside interactions)."""
        if self.is_thread:
            data = self._thread_payload()
            if permissions is not None:
                data["permissions"] = str(permissions)
            return data
        if self.type == DM:
            return {
                "id": str(self.id),
                "type": DM,
                "last_message_id": _opt_str(self.last_message_id),
                "recipients": [u.payload() for u in self.recipients],
                "flags": 0,
            }
        data: Json = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites.values()],
            "parent_id": _opt_str(self.parent_id),
            "flags": 0,
        }
        if self.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            data.update(
                {
                    "topic": self.topic,
                    "nsfw": self.nsfw,
                    "last_message_id": _opt_str(self.last_message_id),
                    "rate_limit_per_user": self.rate_limit_per_user,
                    "last_pin_timestamp": None,
                    "default_auto_archive_duration": 1440,
                }
            )
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Guild:
    """A guild with its roles, channels and members (insertion order = display order)."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    preferred_locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=iso_timestamp)

    @property
    def everyone(self) -> Role:
        """The @everyone role, whose id is the guild id."""
        return self.roles[self.id]

    def live_channels(self) -> list[Channel]:
        """Channels (not threads) that have not been deleted."""
        return [c for c in self.channels.values() if not c.deleted and not c.is_thread]

    def active_threads(self) -> list[Channel]:
        """Threads that are neither deleted nor archived (GUILD_CREATE lists them)."""
        return [c for c in self.channels.values() if c.is_thread and not c.deleted and not c.archived]

    def payload(self, *, bot_user_id: int, all_members: bool) -> Json:
        """GUILD_CREATE body: docs: Topics > Gateway Events > Guild Create (guild object + extra fields).

        Discord only sends the full member list for small guilds with the GUILD_MEMBERS intent;
        otherwise the list holds the bot's own member, which discord.py needs for ``guild.me``.
        """
        members = [m.payload() for m in self.members.values() if all_members or m.user.id == bot_user_id]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": list(self.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "max_video_channel_users": 25,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            # Gateway-only GUILD_CREATE extras:
            "joined_at": self.created_at,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": members,
            "channels": [c.payload() for c in self.live_channels()],
            "threads": [t.payload() for t in self.active_threads()],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def rest_payload(self, *, with_counts: bool = False) -> Json:
        """GET /guilds/{id}: the guild object without the gateway-only fields."""
        data = self.payload(bot_user_id=0, all_members=False)
        for key in (
            "joined_at",
            "large",
            "unavailable",
            "member_count",
            "voice_states",
            "members",
            "channels",
            "threads",
            "presences",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
        ):
            data.pop(key)
        if with_counts:
            data["approximate_member_count"] = len(self.members)
            data["approximate_presence_count"] = 0
        return data


@dataclass
class Attachment:
    """A file uploaded with a message (multipart ``files[n]``)."""

    id: int
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    description: str | None = None
    base: str = CDN  # where its URL points: the emulator itself once it keeps the file (World.keep_attachment)

    def payload(self) -> Json:
        """docs: Resources > Message > Attachment Object."""
        url = f"{self.base}/attachments/0/{self.id}/{quote(self.filename)}"
        return {
            "id": str(self.id),
            "filename": self.filename,
            "description": self.description,
            "content_type": self.content_type,
            "size": len(self.content),
            "url": url,
            "proxy_url": url,
        }


@dataclass
class Message:
    """A message with its current content; ``edits`` keeps the previous versions for assertions."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = MSG_DEFAULT
    tts: bool = False
    nonce: str | int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: Json | None = None
    message_reference: Json | None = None
    referenced: Message | None = None
    mentions: list[User] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    pinned: bool = False
    edited_timestamp: str | None = None
    deleted: bool = False
    poll: Json | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    edits: list[Json] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user can see it (never in channel history or on the gateway)."""
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred interaction response still showing "thinking"."""
        return bool(self.flags & FLAG_LOADING)

    @property
    def embed(self) -> Json | None:
        """The first embed, the common case in assertions."""
        return self.embeds[0] if self.embeds else None

    @property
    def timestamp(self) -> str:
        """Creation time derived from the id, as Discord does."""
        return iso_timestamp(snowflake_time(self.id))

    def custom_ids(self) -> list[str]:
        """Every custom_id in the message's components, in order (buttons and selects)."""
        return [c["custom_id"] for c in iter_components(self.components) if "custom_id" in c]

    def find_component(self, custom_id: str) -> Json | None:
        """The component with ``custom_id``, or None."""
        for comp in iter_components(self.components):
            if comp.get("custom_id") == custom_id:
                return comp
        return None

    def payload(self, *, include_reference: bool = True) -> Json:
        """docs: Resources > Message > Message Object."""
        data: Json = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": self.tts,
            "mention_everyone": self.mention_everyone,
            "mentions": [u.payload() for u in self.mentions],
            "mention_roles": [str(r) for r in self.mention_roles],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": copy.deepcopy(self.embeds),
            "components": copy.deepcopy(self.components),
            "reactions": [
                {"emoji": {"id": None, "name": name}, "count": len(users), "me": False}
                for name, users in self.reactions.items()
                if users
            ],
            "pinned": self.pinned,
            "type": self.type,
            "flags": self.flags,
        }
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = copy.deepcopy(self.interaction_metadata)
        if self.message_reference is not None:
            data["message_reference"] = dict(self.message_reference)
            if include_reference:
                ref = self.referenced
                data["referenced_message"] = (
                    ref.payload(include_reference=False) if ref is not None and not ref.deleted else None
                )
        if self.poll is not None:
            data["poll"] = self.poll
        return data


@dataclass
class Command:
    """A registered application command (global when ``guild_id`` is None)."""

    id: int
    application_id: int
    guild_id: int | None
    version: int
    data: Json

    @property
    def name(self) -> str:
        """The command's name."""
        return str(self.data["name"])

    @property
    def type(self) -> int:
        """1 chat input, 2 user, 3 message."""
        return int(self.data.get("type", 1))

    def payload(self) -> Json:
        """docs: Interactions > Application Commands > Application Command Object."""
        body = copy.deepcopy(self.data)
        body.setdefault("type", 1)
        body.setdefault("description", "")
        body.setdefault("options", [])
        body.setdefault("default_member_permissions", None)
        body.setdefault("nsfw", False)
        body.setdefault("name_localizations", None)
        body.setdefault("description_localizations", None)
        body.setdefault("dm_permission", True)
        body.setdefault("integration_types", [0])
        body.setdefault("contexts", None)
        body["id"] = str(self.id)
        body["application_id"] = str(self.application_id)
        body["version"] = str(self.version)
        if self.guild_id is not None:
            body["guild_id"] = str(self.guild_id)
        else:
            body.pop("guild_id", None)
        return body


@dataclass
class Application:
    """The bot's application; ``owner`` is what ``commands.Bot.is_owner`` checks."""

    id: int
    name: str
    bot: User
    owner: User
    flags: int = (1 << 13) | (1 << 15) | (1 << 19)  # the *_LIMITED privileged-intent flags
    verify_key: str = field(default_factory=lambda: secrets.token_hex(32))

    def payload(self) -> Json:
        """docs: Resources > Application > Application Object (GET /oauth2/applications/@me)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": self.bot.payload(),
            "terms_of_service_url": None,
            "privacy_policy_url": None,
            "owner": self.owner.payload(),
            "verify_key": self.verify_key,
            "team": None,
            "guild_id": None,
            "primary_sku_id": None,
            "slug": None,
            "cover_image": None,
            "flags": self.flags,
            "approximate_guild_count": 1,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": None,
            "integration_types_config": {"0": {}},
            "custom_install_url": None,
        }


def iter_components(components: list[Json]) -> list[Json]:
    """Flatten nested components (action rows, v2 containers/sections) into one list."""
    out: list[Json] = []
    stack = list(reversed(components))
    while stack:
        comp = stack.pop()
        out.append(comp)
        children = list(comp.get("components") or [])
        accessory = comp.get("accessory")
        if accessory:
            children.append(accessory)
        stack.extend(reversed(children))
    return out


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


class World:
    """All entities, indexed by id, plus lookups by name for readable tests."""

    def __init__(self, snowflakes: SnowflakeGenerator | None = None) -> None:
        self.snowflakes = snowflakes or SnowflakeGenerator()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.commands: dict[int, Command] = {}
        self.application: Application | None = None
        self.attachments: dict[int, Attachment] = {}
        self.cdn_base = CDN  # the emulator sets its own address, so files uploaded to it can be downloaded

    def keep_attachment(self, attachment: Attachment) -> Attachment:
        """Keep an uploaded file so its URL (on the emulator) serves its bytes, as Discord's CDN does."""
        attachment.base = self.cdn_base
        self.attachments[attachment.id] = attachment
        return attachment

    # ---- creation -------------------------------------------------------------------------
    def new_id(self) -> int:
        """A fresh snowflake."""
        return self.snowflakes.next()

    def add_user(self, username: str, *, bot: bool = False, global_name: str | None = None) -> User:
        """Create a user; usernames should be unique so tests can refer to them by name."""
        user = User(id=self.new_id(), username=username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def set_application(self, *, bot: User, owner: User, name: str, application_id: int | None = None) -> Application:
        """Create the application that owns the bot user (its id is the bot id unless given)."""
        self.application = Application(id=application_id or bot.id, name=name, bot=bot, owner=owner)
        return self.application

    @property
    def bot(self) -> User:
        """The bot user the emulated client logs in as."""
        if self.application is None:
            raise RuntimeError(
                "the world has no application/bot yet; call set_application() (or seed the default world)"
            )
        return self.application.bot

    def add_guild(
        self,
        name: str,
        *,
        owner: User,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        guild_id: int | None = None,
    ) -> Guild:
        """Create a guild with its @everyone role and the owner as a member.

        ``guild_id`` lets sharding tests pick ids whose timestamps land on chosen shards.
        """
        gid = guild_id or self.new_id()
        guild = Guild(id=gid, name=name, owner_id=owner.id)
        guild.roles[gid] = Role(id=gid, guild_id=gid, name="@everyone", permissions=everyone_permissions, position=0)
        self.guilds[gid] = guild
        self.add_member(guild, owner)
        return guild

    def add_role(
        self,
        guild: Guild,
        name: str,
        permissions: int = 0,
        *,
        managed: bool = False,
        tags: Json | None = None,
        color: int = 0,
    ) -> Role:
        """Create a role above the existing ones."""
        position = max(r.position for r in guild.roles.values()) + 1
        role = Role(
            id=self.new_id(),
            guild_id=guild.id,
            name=name,
            permissions=int(permissions),
            position=position,
            managed=managed,
            tags=tags,
            color=color,
        )
        guild.roles[role.id] = role
        return role

    def add_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: int = GUILD_TEXT,
        topic: str | None = None,
        parent: Channel | None = None,
    ) -> Channel:
        """Create a guild channel at the end of the list."""
        channel = Channel(
            id=self.new_id(),
            type=type,
            name=name,
            guild_id=guild.id,
            position=len([c for c in guild.channels.values() if not c.is_thread]),
            topic=topic,
            parent_id=parent.id if parent else None,
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_thread(self, parent: Channel, name: str, *, owner: User | None = None) -> Channel:
        """Start a public thread under a text or announcement channel (``owner`` defaults to the bot)."""
        if parent.guild_id is None or parent.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            raise ValueError(f"threads start under a guild text or announcement channel, not {parent.name!r}")
        thread = Channel(
            id=self.new_id(),
            type=PUBLIC_THREAD,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=(owner or self.bot).id,
        )
        self.guilds[parent.guild_id].channels[thread.id] = thread
        self.channels[thread.id] = thread
        return thread

    def add_member(self, guild: Guild, user: User, roles: list[Role] | tuple[Role, ...] = ()) -> Member:
        """Add ``user`` to ``guild`` with ``roles`` (@everyone is implicit, as in Discord)."""
        member = Member(user=user, guild_id=guild.id, roles=[r.id for r in roles])
        guild.members[user.id] = member
        return member

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user`` (created on first use)."""
        for channel in self.channels.values():
            if channel.type == DM and any(r.id == user.id for r in channel.recipients):
                return channel
        channel = Channel(id=self.new_id(), type=DM, name=None, recipients=[user])
        self.channels[channel.id] = channel
        return channel

    # ---- lookups ----------------------------------------------------------------------------
    def user(self, ref: User | Member | int | str) -> User:
        """Resolve a user by object, id or username."""
        if isinstance(ref, User):
            return ref
        if isinstance(ref, Member):
            return ref.user
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return self.users[int(ref)]
        for user in self.users.values():
            if user.username == ref:
                return user
        raise KeyError(f"no user named {ref!r}; known: {sorted(u.username for u in self.users.values())}")

    def guild(self, ref: Guild | int | str | None = None) -> Guild:
        """Resolve a guild by object, id or name; None means "the only guild"."""
        if isinstance(ref, Guild):
            return ref
        if ref is None:
            if len(self.guilds) != 1:
                raise KeyError("several guilds exist; name the one you mean")
            return next(iter(self.guilds.values()))
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return self.guilds[int(ref)]
        for guild in self.guilds.values():
            if guild.name == ref:
                return guild
        raise KeyError(f"no guild named {ref!r}")

    def channel(self, ref: Channel | int | str, guild: Guild | None = None) -> Channel:
        """Resolve a channel by object, id or name (``general`` or ``#general``)."""
        if isinstance(ref, Channel):
            return ref
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return self.channels[int(ref)]
        name = ref.lstrip("#")
        pool = guild.channels.values() if guild else self.channels.values()
        matches = [c for c in pool if c.name == name and not c.deleted]
        if len(matches) > 1:
            raise KeyError(f"several channels are named {ref!r}; pass the Channel or its id")
        if not matches:
            raise KeyError(f"no channel named {ref!r}")
        return matches[0]

    def role(self, guild: Guild, ref: Role | int | str) -> Role:
        """Resolve a role by object, id or name."""
        if isinstance(ref, Role):
            return ref
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return guild.roles[int(ref)]
        for role in guild.roles.values():
            if role.name == ref:
                return role
        raise KeyError(f"no role named {ref!r}")

    def guild_of(self, channel: Channel) -> Guild | None:
        """The guild a channel belongs to (None for DMs)."""
        return self.guilds.get(channel.guild_id) if channel.guild_id is not None else None

    # ---- permissions --------------------------------------------------------------------------
    def base_permissions(self, guild: Guild, user_id: int) -> int:
        """Guild-level permissions (docs: Permissions > Permission Overwrites, compute_base_permissions)."""
        if guild.owner_id == user_id:
            return ALL_PERMISSIONS
        perms = guild.everyone.permissions
        member = guild.members.get(user_id)
        if member is None:
            return 0
        for role_id in member.roles:
            role = guild.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        if perms & Permission.ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def channel_permissions(self, channel: Channel, user_id: int) -> int:
        """Permissions of ``user_id`` in ``channel`` after overwrites (0 if they cannot view it).

        A thread has its parent channel's permissions (docs: Topics > Threads > Permissions).
        """
        if channel.is_thread and channel.parent_id is not None:
            return self.channel_permissions(self.channels[channel.parent_id], user_id)
        if channel.type == DM:
            return int(
                Permission.VIEW_CHANNEL
                | Permission.SEND_MESSAGES
                | Permission.EMBED_LINKS
                | Permission.ATTACH_FILES
                | Permission.READ_MESSAGE_HISTORY
                | Permission.ADD_REACTIONS
            )
        guild = self.guilds[channel.guild_id] if channel.guild_id is not None else None
        if guild is None:
            return 0
        base = self.base_permissions(guild, user_id)
        if base == ALL_PERMISSIONS:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        if member is None:
            return 0
        everyone = channel.overwrites.get(guild.id)
        roles = [
            (ow.allow, ow.deny)
            for rid in member.roles
            if (ow := channel.overwrites.get(rid)) is not None and ow.type == OVERWRITE_ROLE
        ]
        mow = channel.overwrites.get(user_id)
        return apply_overwrites(
            base,
            everyone=(everyone.allow, everyone.deny) if everyone is not None else None,
            roles=roles,
            member=(mow.allow, mow.deny) if mow is not None and mow.type == OVERWRITE_MEMBER else None,
        )

    # ---- messages ------------------------------------------------------------------------------
    def channel_messages(self, channel_id: int, *, include_ephemeral: bool = False) -> list[Message]:
        """Live messages of a channel, oldest first (ephemeral ones are not channel history)."""
        return sorted(
            (
                m
                for m in self.messages.values()
                if m.channel_id == channel_id and not m.deleted and (include_ephemeral or not m.ephemeral)
            ),
            key=lambda m: m.id,
        )

    def commands_for(self, guild_id: int | None) -> list[Command]:
        """Commands registered globally (None) or for one guild, in registration order."""
        return [c for c in self.commands.values() if c.guild_id == guild_id]
