"""Application command data for interactions: the registered command a user picks, its options typed and resolved.

Options are typed from the *registered* command, so a test can only invoke what the bot actually
synced; users, channels, roles and attachments go into Discord's ``resolved`` map
(docs: Interactions > Receiving and Responding > Resolved Data Structure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Attachment, Command, Guild, Role, User
from ..permissions import ALL_PERMISSIONS
from .types import (
    OPT_ATTACHMENT,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_SUB_COMMAND,
    OPT_SUB_COMMAND_GROUP,
    OPT_USER,
)

if TYPE_CHECKING:
    from ..model import World

Json = dict[str, Any]
_SUBCOMMANDS = (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)
_ID_OPTIONS = (OPT_USER, OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE)


class CommandUnavailable(PermissionError):
    """The user could not invoke this command in Discord (missing default_member_permissions)."""


def find_command(world: World, guild: Guild | None, name: str, ctype: int) -> Command:
    """The registered command (guild first, then global) a user would pick in the client."""
    pools = ([guild.id] if guild is not None else []) + [None]
    for guild_id in pools:
        for command in world.commands_for(guild_id):
            if command.name == name and command.type == ctype:
                return command
    known = sorted(
        f"{'/' if c.type == 1 else ''}{c.name} ({'global' if c.guild_id is None else c.guild_id})"
        for c in world.commands.values()
    )
    raise LookupError(
        f"no registered command {name!r} of type {ctype}; registered: {known or 'none (did the bot sync?)'}"
    )


def check_can_use(world: World, command: Command, guild: Guild | None, user: User) -> None:
    """Discord hides commands whose default_member_permissions the member lacks (admins see all)."""
    required = command.data.get("default_member_permissions")
    if guild is None or required is None:
        return
    needed = int(required)
    perms = world.base_permissions(guild, user.id)
    if perms == ALL_PERMISSIONS:
        return
    if needed == 0 or (perms & needed) != needed:
        raise CommandUnavailable(
            f"{user.username} cannot use /{command.name}: needs permissions {needed} (has {perms})"
        )


class Resolver:
    """Builds the ``resolved`` map for user/channel/role/attachment values (docs: Resolved Data Structure)."""

    def __init__(self, world: World, guild: Guild | None, user: User) -> None:
        self.world = world
        self.guild = guild
        self.user = user
        self.data: Json = {}

    def add_user(self, ref: Any) -> str:
        """Resolve a user (and, in a guild, their member with permissions); returns the id."""
        user = self.world.user(ref)
        self.data.setdefault("users", {})[str(user.id)] = user.payload()
        if self.guild is not None and user.id in self.guild.members:
            member = self.guild.members[user.id]
            perms = self.world.base_permissions(self.guild, user.id)
            self.data.setdefault("members", {})[str(user.id)] = member.payload(include_user=False, permissions=perms)
        return str(user.id)

    def add_role(self, ref: Any) -> str:
        """Resolve a role of the guild; returns the id."""
        if self.guild is None:
            raise ValueError("role options need a guild")
        role = self.world.role(self.guild, ref)
        self.data.setdefault("roles", {})[str(role.id)] = role.payload()
        return str(role.id)

    def add_channel(self, ref: Any, channel_types: list[int] | None) -> str:
        """Resolve a channel (with the invoking user's permissions in it); returns the id."""
        channel = self.world.channel(ref, self.guild)
        if channel_types and channel.type not in channel_types:
            raise ValueError(f"channel {channel.name!r} (type {channel.type}) is not one of {channel_types}")
        perms = self.world.channel_permissions(channel, self.user.id)
        self.data.setdefault("channels", {})[str(channel.id)] = channel.payload(permissions=perms)
        return str(channel.id)

    def add_mentionable(self, ref: Any) -> str:
        """A user if ``ref`` names one, else a role."""
        if isinstance(ref, Role):
            return self.add_role(ref)
        try:
            return self.add_user(ref)
        except KeyError:
            return self.add_role(ref)

    def add_attachment(self, value: Any) -> str:
        """Upload ``(filename, bytes)``; returns the attachment id."""
        filename, content = value
        attachment = self.world.keep_attachment(
            Attachment(id=self.world.new_id(), filename=filename, content=bytes(content))
        )
        self.data.setdefault("attachments", {})[str(attachment.id)] = attachment.payload()
        return str(attachment.id)


def _check_type(option: Json, value: Any) -> None:
    """TypeError unless ``value`` has the option's Python type."""
    otype, name = option["type"], option["name"]
    if otype == OPT_STRING and not isinstance(value, str):
        raise TypeError(f"option {name!r} is a string option, got {value!r}")
    if otype == OPT_INTEGER and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"option {name!r} is an integer option, got {value!r}")
    if otype == OPT_NUMBER and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise TypeError(f"option {name!r} is a number option, got {value!r}")
    if otype == OPT_BOOLEAN and not isinstance(value, bool):
        raise TypeError(f"option {name!r} is a boolean option, got {value!r}")


def _check_bounds(option: Json, value: Any) -> None:
    """ValueError outside the option's length/value bounds or choices (the client would not send it)."""
    otype, name = option["type"], option["name"]
    if otype == OPT_STRING:
        low, high = option.get("min_length"), option.get("max_length")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise ValueError(f"option {name!r}: length {len(value)} outside [{low}, {high}]")
    if otype in (OPT_INTEGER, OPT_NUMBER):
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"option {name!r}: {value} outside [{low}, {high}]")
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"option {name!r} must be one of {[c['value'] for c in choices]}, got {value!r}")


def _convert(option: Json, value: Any, resolver: Resolver | None) -> Any:
    """Turn a test's Python value into the typed option value Discord would send."""
    _check_type(option, value)
    _check_bounds(option, value)
    otype = option["type"]
    if resolver is None:
        # Autocomplete interactions carry raw ids and no resolved map.
        return str(getattr(value, "id", value)) if otype in _ID_OPTIONS else value
    if otype == OPT_USER:
        return resolver.add_user(value)
    if otype == OPT_CHANNEL:
        return resolver.add_channel(value, option.get("channel_types"))
    if otype == OPT_ROLE:
        return resolver.add_role(value)
    if otype == OPT_MENTIONABLE:
        return resolver.add_mentionable(value)
    if otype == OPT_ATTACHMENT:
        return resolver.add_attachment(value)
    return value


def _subcommand_path(command: Command, path: list[str]) -> tuple[list[Json], str, list[tuple[str, int]]]:
    """Walk ``/name group sub``: the leaf's option definitions, its label and the (name, type) nesting."""
    defs: list[Json] = list(command.data.get("options") or [])
    label = command.name
    nest: list[tuple[str, int]] = []
    for part in path:
        match = next((o for o in defs if o["name"] == part and o["type"] in _SUBCOMMANDS), None)
        if match is None:
            raise LookupError(f"/{label} has no subcommand {part!r}")
        nest.append((part, match["type"]))
        defs = list(match.get("options") or [])
        label = f"{label} {part}"
    if any(o["type"] in _SUBCOMMANDS for o in defs):
        raise LookupError(f"/{label} needs a subcommand: {[o['name'] for o in defs]}")
    return defs, label, nest


def build_options(
    command: Command,
    path: list[str],
    values: dict[str, Any],
    resolver: Resolver | None,
    focused: str | None = None,
) -> list[Json]:
    """Options array for ``/name sub ...`` with ``values``; ``focused`` marks the autocomplete field."""
    defs, label, nest = _subcommand_path(command, path)
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
