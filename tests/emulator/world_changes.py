"""World changes from the test that Discord announces on the gateway (channels, threads, overwrites, roles, members).

Each change mutates the :class:`~.model.World` and dispatches the event Discord would send
(CHANNEL_CREATE/UPDATE/DELETE, THREAD_CREATE/DELETE, GUILD_ROLE_*, GUILD_MEMBER_*), so the bot's
cache follows. ``announce=False`` on a new channel or thread keeps it from the bot: it exists in
Discord but not in the bot's cache (until a reconnect's GUILD_CREATE lists it).
``register_commands`` is silent too: commands as if the bot had synced them earlier.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .gateway import INTENT_GUILD_MEMBERS, INTENT_GUILDS
from .model import (
    GUILD_TEXT,
    OVERWRITE_MEMBER,
    OVERWRITE_ROLE,
    Channel,
    Command,
    Guild,
    Member,
    Overwrite,
    Role,
    User,
)

if TYPE_CHECKING:
    from .server import Emulator

Json = dict[str, Any]


class WorldChanges:
    """Changes to guilds, channels, roles and members, each followed by its gateway event."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def _announce(self, event: str, data: Json, guild_id: int | None, intent: int | None = INTENT_GUILDS) -> None:
        self.emu.gateway.dispatch(event, data, guild_id=guild_id, intent=intent)

    # ---- channels and overwrites ------------------------------------------------------------------------------
    def _overwrite_target(self, channel: Channel, target: Role | Member | User | int | str) -> tuple[int, int]:
        world = self.emu.world
        guild = world.guild_of(channel)
        if guild is None:
            raise ValueError("DM channels have no overwrites")
        if isinstance(target, Role):
            return target.id, OVERWRITE_ROLE
        if target == "@everyone" or target == guild.id:
            return guild.id, OVERWRITE_ROLE
        if isinstance(target, int) and target in guild.roles:
            return target, OVERWRITE_ROLE
        if isinstance(target, str) and any(r.name == target for r in guild.roles.values()):
            return world.role(guild, target).id, OVERWRITE_ROLE
        return world.user(target).id, OVERWRITE_MEMBER

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
        ch = self.emu.world.channel(channel)
        target_id, target_type = self._overwrite_target(ch, target)
        if allow == 0 and deny == 0:
            ch.overwrites.pop(target_id, None)
            overwrite = None
        else:
            overwrite = Overwrite(id=target_id, type=target_type, allow=int(allow), deny=int(deny))
            ch.overwrites[target_id] = overwrite
        self._announce("CHANNEL_UPDATE", ch.payload(), ch.guild_id)
        return overwrite

    def deny_bot(self, channel: Channel | int | str, *permissions: int) -> Overwrite | None:
        """Shortcut: a member overwrite denying ``permissions`` to the bot in ``channel``."""
        world = self.emu.world
        ch = world.channel(channel)
        current = ch.overwrites.get(world.bot.id)
        deny = current.deny if current else 0
        allow = current.allow if current else 0
        for perm in permissions:
            deny |= int(perm)
            allow &= ~int(perm)
        return self.set_permissions(ch, world.bot, allow=allow, deny=deny)

    def add_channel(
        self,
        guild: Guild | int | str | None,
        name: str,
        *,
        type: int = GUILD_TEXT,
        topic: str | None = None,
        announce: bool = True,
    ) -> Channel:
        """Create a channel and send CHANNEL_CREATE (``announce=False``: the bot is not told)."""
        g = self.emu.world.guild(guild)
        channel = self.emu.world.add_channel(g, name, type=type, topic=topic)
        if announce:
            self._announce("CHANNEL_CREATE", channel.payload(), g.id)
        return channel

    def add_thread(
        self,
        channel: Channel | int | str,
        name: str,
        *,
        owner: User | Member | int | str | None = None,
        announce: bool = True,
    ) -> Channel:
        """Start a public thread (type 11) under ``channel`` and send THREAD_CREATE (``announce=False``: silently)."""
        world = self.emu.world
        parent = world.channel(channel)
        thread = world.add_thread(parent, name, owner=world.user(owner) if owner is not None else None)
        if announce:
            self._announce("THREAD_CREATE", {**thread.payload(), "newly_created": True}, thread.guild_id)
        return thread

    def delete_channel(self, channel: Channel | int | str) -> Channel:
        """Delete a channel or thread (REST on it then 404s with 10003) and send CHANNEL_DELETE / THREAD_DELETE."""
        ch = self.emu.world.channel(channel)
        ch.deleted = True
        if ch.is_thread:
            gone = {"id": str(ch.id), "guild_id": str(ch.guild_id), "parent_id": str(ch.parent_id), "type": ch.type}
            self._announce("THREAD_DELETE", gone, ch.guild_id)
        else:
            self._announce("CHANNEL_DELETE", ch.payload(), ch.guild_id)
        return ch

    # ---- roles and members -----------------------------------------------------------------------------------
    def add_role(self, guild: Guild | int | str | None, name: str, permissions: int = 0) -> Role:
        """Create a role and send GUILD_ROLE_CREATE."""
        g = self.emu.world.guild(guild)
        role = self.emu.world.add_role(g, name, permissions)
        self._announce("GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": role.payload()}, g.id)
        return role

    def update_role(self, guild: Guild | int | str | None, role: Role | int | str, *, permissions: int) -> Role:
        """Change a role's permissions and send GUILD_ROLE_UPDATE."""
        g = self.emu.world.guild(guild)
        r = self.emu.world.role(g, role)
        r.permissions = int(permissions)
        self._announce("GUILD_ROLE_UPDATE", {"guild_id": str(g.id), "role": r.payload()}, g.id)
        return r

    def add_member(
        self, guild: Guild | int | str | None, user: User | str, roles: Iterable[Role | int | str] = ()
    ) -> Member:
        """Add a user (created if given as a new username) to a guild; sends GUILD_MEMBER_ADD."""
        world = self.emu.world
        g = world.guild(guild)
        try:
            u = world.user(user)
        except KeyError:
            if not isinstance(user, str):
                raise
            u = world.add_user(user)
        member = world.add_member(g, u, [world.role(g, r) for r in roles])
        self._announce("GUILD_MEMBER_ADD", {**member.payload(), "guild_id": str(g.id)}, g.id, INTENT_GUILD_MEMBERS)
        return member

    def set_member_roles(
        self, guild: Guild | int | str | None, user: User | Member | int | str, roles: Iterable[Role | int | str]
    ) -> Member:
        """Replace a member's roles; sends GUILD_MEMBER_UPDATE."""
        world = self.emu.world
        g = world.guild(guild)
        member = g.members[world.user(user).id]
        member.roles = [world.role(g, r).id for r in roles]
        intent = None if member.user.id == world.bot.id else INTENT_GUILD_MEMBERS
        self._announce("GUILD_MEMBER_UPDATE", {**member.payload(), "guild_id": str(g.id)}, g.id, intent)
        return member

    # ---- commands (silent) -----------------------------------------------------------------------------------
    def register_commands(self, commands: list[Json], *, guild: Guild | int | str | None = None) -> None:
        """Pre-register commands as if the bot had synced them earlier (for bots that do not sync)."""
        world = self.emu.world
        app = world.application
        assert app is not None
        scope = world.guild(guild).id if guild is not None else None
        for data in commands:
            command = Command(
                id=world.new_id(),
                application_id=app.id,
                guild_id=scope,
                version=world.new_id(),
                data=copy.deepcopy(data),
            )
            world.commands[command.id] = command
