"""Interactions: building INTERACTION_CREATE payloads and tracking the bot's answers.

Builders produce what Discord sends (docs: Interactions > Receiving and Responding >
Interaction Object), resolving option types from the *registered* command so a test can only
invoke what the bot actually synced. Every interaction gets an :class:`InteractionRecord`
(server side: token, deadline, response state) and the test gets an :class:`InteractionHandle`
whose awaitables are views over the emulator's event stream.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import (
    DM,
    Attachment,
    Channel,
    Command,
    Guild,
    Message,
    Role,
    User,
)
from .permissions import ALL_PERMISSIONS

if TYPE_CHECKING:
    from .events import Event
    from .server import Emulator

Json = dict[str, Any]

# docs: Interactions > Receiving and Responding > Interaction Type
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# docs: Interactions > Receiving and Responding > Interaction Callback Type
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
MODAL = 9
LAUNCH_ACTIVITY = 12

# Which callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    PING: frozenset({PONG}),
    APPLICATION_COMMAND: frozenset(
        {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, MODAL, LAUNCH_ACTIVITY}
    ),
    MESSAGE_COMPONENT: frozenset(
        {
            CHANNEL_MESSAGE_WITH_SOURCE,
            DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            DEFERRED_UPDATE_MESSAGE,
            UPDATE_MESSAGE,
            MODAL,
        }
    ),
    APPLICATION_COMMAND_AUTOCOMPLETE: frozenset({APPLICATION_COMMAND_AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset(
        {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}
    ),
}

# docs: Interactions > Application Commands > Application Command Option Type
OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_USER = 6
OPT_CHANNEL = 7
OPT_ROLE = 8
OPT_MENTIONABLE = 9
OPT_NUMBER = 10
OPT_ATTACHMENT = 11


class CommandUnavailable(PermissionError):
    """The user could not invoke this command in Discord (missing default_member_permissions)."""


@dataclass
class Callback:
    """One POST to the interaction callback endpoint, accepted or not."""

    type: int | None
    data: Json | None
    status: int
    time: float
    accepted: bool
    message_id: int | None = None
    error: Json | None = None

    @property
    def content(self) -> str | None:
        """``data.content`` of a message response."""
        return (self.data or {}).get("content")

    @property
    def embeds(self) -> list[Json]:
        """``data.embeds`` (empty list if none)."""
        return list((self.data or {}).get("embeds") or [])

    @property
    def embed(self) -> Json | None:
        """The first embed, if any."""
        embeds = self.embeds
        return embeds[0] if embeds else None

    @property
    def components(self) -> list[Json]:
        """``data.components`` (empty list if none)."""
        return list((self.data or {}).get("components") or [])

    @property
    def choices(self) -> list[Json]:
        """Autocomplete choices (type 8)."""
        return list((self.data or {}).get("choices") or [])

    @property
    def flags(self) -> int:
        """``data.flags`` as an int."""
        return int((self.data or {}).get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether the response (or the deferred message) is ephemeral."""
        return bool(self.flags & 64)


@dataclass
class InteractionRecord:
    """Server-side state of one interaction."""

    id: int
    token: str
    type: int
    application_id: int
    guild_id: int | None
    channel_id: int
    user: User
    payload: Json
    created_at: float
    name: str | None = None
    source_message_id: int | None = None
    response_type: int | None = None
    response_time: float | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    modal: Json | None = None
    choices: list[Json] | None = None

    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted."""
        return self.response_type is not None

    def owns_message(self, message_id: int) -> bool:
        """Whether the webhook token may edit/delete ``message_id`` (original or one of its followups)."""
        return message_id == self.original_message_id or message_id in self.followup_ids


class InteractionHandle:
    """What a test holds after sending an interaction: awaitables for the bot's answer(s)."""

    def __init__(self, emu: Emulator, record: InteractionRecord) -> None:
        self.emu = emu
        self.record = record

    def __repr__(self) -> str:
        rec = self.record
        return f"<InteractionHandle id={rec.id} type={rec.type} name={rec.name!r} response={rec.response_type}>"

    @property
    def id(self) -> int:
        """The interaction id."""
        return self.record.id

    @property
    def token(self) -> str:
        """The interaction token (also the followup webhook token)."""
        return self.record.token

    @property
    def payload(self) -> Json:
        """The INTERACTION_CREATE body that was dispatched."""
        return self.record.payload

    @property
    def callbacks(self) -> list[Callback]:
        """Every callback attempt, including rejected ones (double/late answers)."""
        return list(self.record.callbacks)

    def _mine(self, event: Event) -> bool:
        return bool(event.get("interaction_id") == self.record.id)

    async def response(self, timeout: float = 5.0) -> Callback:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """The first accepted callback (its type and data)."""
        event = await self.emu.events.wait_for("callback", lambda e: self._mine(e) and e["accepted"], timeout=timeout)
        callback: Callback = event["callback"]
        return callback

    async def choices(self, timeout: float = 5.0) -> list[Json]:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """Autocomplete choices from a type 8 answer."""
        callback = await self.response(timeout)
        if callback.type != APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            raise AssertionError(f"expected an autocomplete result (8), got callback type {callback.type}")
        return callback.choices

    async def modal(self, timeout: float = 5.0) -> Json:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """The modal the bot opened (callback type 9)."""
        callback = await self.response(timeout)
        if callback.type != MODAL:
            raise AssertionError(f"expected a modal (9), got callback type {callback.type}")
        return callback.data or {}

    async def followups(self, n: int = 1, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """The first ``n`` followup messages (a followup that filled a deferred response counts)."""
        await self.emu.events.wait_for("followup", lambda e: self._mine(e) and e["index"] >= n - 1, timeout=timeout)
        world = self.emu.world
        ids = [e["message_id"] for e in self.emu.events.select("followup", self._mine)]
        return [world.messages[i] for i in ids[:n]]

    async def message(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109 — mirrors asyncio.wait_for
        """What the user ends up seeing as the response, once it is no longer "thinking".

        Type 4 → the created message; 7 → the updated component message; 5 → the deferred
        message after the bot filled it (edit of @original or first followup); 6 → the component
        message after the bot edited it.
        """
        callback = await self.response(timeout)
        world = self.emu.world
        rec = self.record
        if callback.type in (CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE):
            assert rec.original_message_id is not None
            return world.messages[rec.original_message_id]
        if callback.type in (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_UPDATE_MESSAGE):
            target = rec.original_message_id
            await self.emu.events.wait_for(
                "message_update",
                lambda e: e.get("message_id") == target and e.get("by_interaction") == rec.id,
                timeout=timeout,
            )
            assert target is not None
            return world.messages[target]
        raise AssertionError(f"callback type {callback.type} has no message")

    @property
    def original(self) -> Message | None:
        """The current @original message, if any."""
        mid = self.record.original_message_id
        return self.emu.world.messages.get(mid) if mid is not None else None

    @property
    def messages(self) -> list[Message]:
        """The original response (if any) and followups, current versions."""
        world = self.emu.world
        ids = ([self.record.original_message_id] if self.record.original_message_id else []) + self.record.followup_ids
        return [world.messages[i] for i in dict.fromkeys(ids)]


# ---- builders ---------------------------------------------------------------------------------


def new_token() -> str:
    """Interaction tokens are long opaque strings; a prefix makes them recognisable in logs."""
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)


def find_command(emu: Emulator, guild: Guild | None, name: str, ctype: int) -> Command:
    """The registered command (guild first, then global) a user would pick in the client."""
    pools = ([guild.id] if guild is not None else []) + [None]
    for guild_id in pools:
        for command in emu.world.commands_for(guild_id):
            if command.name == name and command.type == ctype:
                return command
    known = sorted(
        f"{'/' if c.type == 1 else ''}{c.name} ({'global' if c.guild_id is None else c.guild_id})"
        for c in emu.world.commands.values()
    )
    raise LookupError(
        f"no registered command {name!r} of type {ctype}; registered: {known or 'none (did the bot sync?)'}"
    )


def check_can_use(emu: Emulator, command: Command, guild: Guild | None, user: User) -> None:
    """Discord hides commands whose default_member_permissions the member lacks (admins see all)."""
    required = command.data.get("default_member_permissions")
    if guild is None or required is None:
        return
    needed = int(required)
    perms = emu.world.base_permissions(guild, user.id)
    if perms == ALL_PERMISSIONS:
        return
    if needed == 0 or (perms & needed) != needed:
        raise CommandUnavailable(
            f"{user.username} cannot use /{command.name}: needs permissions {needed} (has {perms})"
        )


class _Resolver:
    """Builds the ``resolved`` map for user/channel/role/attachment options (docs: Resolved Data Structure)."""

    def __init__(self, emu: Emulator, guild: Guild | None, user: User) -> None:
        self.emu = emu
        self.guild = guild
        self.user = user
        self.data: Json = {}

    def add_user(self, ref: Any) -> str:
        world = self.emu.world
        user = world.user(ref)
        self.data.setdefault("users", {})[str(user.id)] = user.payload()
        if self.guild is not None and user.id in self.guild.members:
            member = self.guild.members[user.id]
            perms = self.emu.world.base_permissions(self.guild, user.id)
            self.data.setdefault("members", {})[str(user.id)] = member.payload(include_user=False, permissions=perms)
        return str(user.id)

    def add_role(self, ref: Any) -> str:
        if self.guild is None:
            raise ValueError("role options need a guild")
        role = self.emu.world.role(self.guild, ref)
        self.data.setdefault("roles", {})[str(role.id)] = role.payload()
        return str(role.id)

    def add_channel(self, ref: Any, channel_types: list[int] | None) -> str:
        world = self.emu.world
        channel = world.channel(ref, self.guild)
        if channel_types and channel.type not in channel_types:
            raise ValueError(f"channel {channel.name!r} (type {channel.type}) is not one of {channel_types}")
        perms = world.channel_permissions(channel, self.user.id)
        body = channel.payload(permissions=perms)
        self.data.setdefault("channels", {})[str(channel.id)] = body
        return str(channel.id)

    def add_attachment(self, value: Any) -> str:
        filename, content = value
        attachment = Attachment(id=self.emu.world.new_id(), filename=filename, content=bytes(content))
        self.data.setdefault("attachments", {})[str(attachment.id)] = attachment.payload()
        return str(attachment.id)


def _convert(option: Json, value: Any, resolver: _Resolver | None) -> Any:
    """Turn a test's Python value into the typed option value Discord would send."""
    otype = option["type"]
    name = option["name"]
    if otype == OPT_STRING:
        if not isinstance(value, str):
            raise TypeError(f"option {name!r} is a string option, got {value!r}")
        low, high = option.get("min_length"), option.get("max_length")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise ValueError(f"option {name!r}: length {len(value)} outside [{low}, {high}]")
    elif otype == OPT_INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"option {name!r} is an integer option, got {value!r}")
    elif otype == OPT_NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"option {name!r} is a number option, got {value!r}")
    elif otype == OPT_BOOLEAN and not isinstance(value, bool):
        raise TypeError(f"option {name!r} is a boolean option, got {value!r}")
    if otype in (OPT_INTEGER, OPT_NUMBER):
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"option {name!r}: {value} outside [{low}, {high}]")
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"option {name!r} must be one of {[c['value'] for c in choices]}, got {value!r}")
    if resolver is None:
        # Autocomplete interactions carry raw ids and no resolved map.
        if otype in (OPT_USER, OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE):
            return str(getattr(value, "id", value))
        return value
    if otype == OPT_USER:
        return resolver.add_user(value)
    if otype == OPT_CHANNEL:
        return resolver.add_channel(value, option.get("channel_types"))
    if otype == OPT_ROLE:
        return resolver.add_role(value)
    if otype == OPT_MENTIONABLE:
        if isinstance(value, Role):
            return resolver.add_role(value)
        try:
            return resolver.add_user(value)
        except KeyError:
            return resolver.add_role(value)
    if otype == OPT_ATTACHMENT:
        return resolver.add_attachment(value)
    return value


def build_options(
    command: Command,
    path: list[str],
    values: dict[str, Any],
    resolver: _Resolver | None,
    focused: str | None = None,
) -> list[Json]:
    """Options array for ``/name sub ...`` with ``values``; ``focused`` marks the autocomplete field."""
    defs: list[Json] = list(command.data.get("options") or [])
    label = command.name
    nest: list[tuple[str, int]] = []
    for part in path:
        match = next(
            (o for o in defs if o["name"] == part and o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)), None
        )
        if match is None:
            raise LookupError(f"/{label} has no subcommand {part!r}")
        nest.append((part, match["type"]))
        defs = list(match.get("options") or [])
        label = f"{label} {part}"
    if any(o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in defs):
        raise LookupError(f"/{label} needs a subcommand: {[o['name'] for o in defs]}")
    by_name = {o["name"]: o for o in defs}
    leaf: list[Json] = []
    for name, value in values.items():
        option = by_name.get(name)
        if option is None:
            raise LookupError(f"/{label} has no option {name!r}; options: {list(by_name)}")
        if name == focused:
            if not option.get("autocomplete"):
                raise ValueError(f"option {name!r} of /{label} has no autocomplete")
            leaf.append({"name": name, "type": option["type"], "value": str(value), "focused": True})
        else:
            leaf.append({"name": name, "type": option["type"], "value": _convert(option, value, resolver)})
    if focused is None:
        missing = [o["name"] for o in defs if o.get("required") and o["name"] not in values]
        if missing:
            raise ValueError(f"/{label} is missing required options {missing}")
    elif focused not in values:
        raise ValueError(f"focused option {focused!r} needs a (possibly empty) value in the options")
    options = leaf
    for part, otype in reversed(nest):
        options = [{"name": part, "type": otype, "options": options}]
    return options


def interaction_payload(
    emu: Emulator,
    *,
    itype: int,
    guild: Guild | None,
    channel: Channel,
    user: User,
    data: Json | None,
    message: Message | None = None,
    locale: str = "en-US",
) -> tuple[InteractionRecord, Json]:
    """The INTERACTION_CREATE body (docs: Interactions > Receiving and Responding > Interaction Object)."""
    world = emu.world
    app = world.application
    if app is None:
        raise RuntimeError("no application in the world")
    interaction_id = world.new_id()
    token = new_token()
    user_perms = world.channel_permissions(channel, user.id)
    app_perms = world.channel_permissions(channel, world.bot.id)
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(app.id),
        "type": itype,
        "token": token,
        "version": 1,
        "channel": channel.payload(permissions=user_perms),
        "channel_id": str(channel.id),
        "app_permissions": str(app_perms),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if data is not None:
        payload["data"] = data
    if guild is not None:
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of {guild.name}")
        payload.update(
            {
                "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": list(guild.features)},
                "guild_id": str(guild.id),
                "member": member.payload(permissions=user_perms),
                "guild_locale": guild.preferred_locale,
                # docs: Interaction Object > Authorizing Integration Owners — "0" = GUILD_INSTALL.
                "authorizing_integration_owners": {"0": str(guild.id)},
                # docs: Interaction Context Types — 0 = GUILD
                "context": 0,
            }
        )
    else:
        if channel.type != DM:
            raise ValueError("an interaction outside a guild must come from a DM channel")
        payload.update({"user": user.payload(), "authorizing_integration_owners": {"0": "0"}, "context": 1})
    if message is not None:
        payload["message"] = message.payload()
    record = InteractionRecord(
        id=interaction_id,
        token=token,
        type=itype,
        application_id=app.id,
        guild_id=guild.id if guild else None,
        channel_id=channel.id,
        user=user,
        payload=payload,
        created_at=emu.now(),
        source_message_id=message.id if message is not None else None,
    )
    return record, payload


def command_data(command: Command, options: list[Json] | None, resolved: Json | None, **extra: Any) -> Json:
    """``data`` of an application command interaction (docs: Application Command Data Structure)."""
    data: Json = {"id": str(command.id), "name": command.name, "type": command.type}
    if options:
        data["options"] = options
    if resolved:
        data["resolved"] = resolved
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    data.update(extra)
    return data


def modal_submit_components(modal: Json, values: dict[str, Any]) -> list[Json]:
    """Echo the modal's inputs with the user's values, keeping rows (1) and labels (18)."""

    def leaf(comp: Json) -> Json | None:
        custom_id = comp.get("custom_id")
        if custom_id is None:
            return None
        out: Json = {"type": comp["type"], "custom_id": custom_id}
        value = values.get(custom_id, comp.get("value") or "")
        if comp["type"] == 4:
            if comp.get("required", True) and not value:
                raise ValueError(f"modal input {custom_id!r} is required")
            out["value"] = value
        else:
            out["values"] = list(value) if isinstance(value, list | tuple) else [value]
        return out

    unknown = set(values) - {
        c.get("custom_id")
        for top in modal.get("components") or []
        for c in (top.get("components") or []) + ([top["component"]] if top.get("component") else [])
    }
    if unknown:
        raise LookupError(f"modal has no inputs {sorted(unknown)}")
    result: list[Json] = []
    for top in modal.get("components") or []:
        if top.get("type") == 1:
            children = [x for x in (leaf(c) for c in top.get("components") or []) if x is not None]
            result.append({"type": 1, "components": children})
        elif top.get("type") == 18 and top.get("component"):
            child = leaf(top["component"])
            if child is not None:
                result.append({"type": 18, "component": child})
    return result
