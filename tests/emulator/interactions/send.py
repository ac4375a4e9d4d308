"""Sending interactions as users do (slash, autocomplete, context menus, clicks, modal submits), and their records.

Every sender resolves the user, guild and channel like the Discord client would, builds the
payload (:mod:`.payloads`), dispatches INTERACTION_CREATE to the session that owns the guild, and
returns an :class:`~.handle.InteractionHandle`. :class:`Interactions` is also the registry of
every interaction sent, by id (it is a mapping) and by token.

Every sender takes ``tweak``: a function that may change the INTERACTION_CREATE payload in place
(or return a new one) just before it is dispatched, to send what a well-behaved Discord client
would not (a malformed ``member.permissions``, an odd locale, a missing field). The record keeps the
id, token and type it was built with, so the bot's answers are still matched to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..model import DM, GUILD_TEXT, Channel, Guild, Member, Message, User
from .commands import Resolver, build_options, check_can_use, command_data, find_command
from .handle import InteractionHandle
from .payloads import component_data, interaction_payload, modal_submit_components
from .records import InteractionRecord
from .types import APPLICATION_COMMAND, APPLICATION_COMMAND_AUTOCOMPLETE, BUTTON, MESSAGE_COMPONENT, MODAL_SUBMIT

if TYPE_CHECKING:
    from ..server import Emulator

Json = dict[str, Any]
GuildRef = Guild | int | str | None
UserRef = User | Member | int | str
ChannelRef = Channel | int | str
# Changes an INTERACTION_CREATE payload before dispatch: in place (return None) or by returning a new one.
Tweak = Callable[[Json], Json | None]


class Interactions(Mapping[int, InteractionRecord]):
    """The senders a test calls, and every interaction sent so far (``emu.interactions[id]``)."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.records: dict[int, InteractionRecord] = {}
        self.by_token: dict[str, InteractionRecord] = {}

    # ---- the registry ---------------------------------------------------------------------------------------
    def __getitem__(self, interaction_id: int) -> InteractionRecord:
        return self.records[interaction_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def created_since(self, since: int = 0) -> list[InteractionRecord]:
        """Interactions sent from event index ``since`` on (``emu.mark()``), oldest first."""
        events = self.emu.events.select("interaction_create", since=since)
        return [self.records[e["interaction_id"]] for e in events]

    def interaction(self, interaction_id: int) -> InteractionHandle:
        """A handle for an interaction created earlier (e.g. found in the event log)."""
        return InteractionHandle(self.emu, self.records[interaction_id])

    # ---- delivery --------------------------------------------------------------------------------------------
    def _context(
        self, guild: GuildRef, user: UserRef, channel: ChannelRef | None
    ) -> tuple[Guild | None, Channel, User]:
        """Where the user acts: the given channel, or the guild's first text channel."""
        world = self.emu.world
        u = world.user(user)
        if channel is not None:
            ch = world.channel(channel, world.guild(guild) if guild is not None else None)
            if ch.deleted:
                raise ValueError(f"channel {ch.name!r} was deleted")
            return (None if ch.type == DM else world.guild_of(ch)), ch, u
        g = world.guild(guild)
        text = [c for c in g.live_channels() if c.type == GUILD_TEXT]
        if not text:
            raise ValueError(f"{g.name} has no text channel; pass channel=")
        return g, text[0], u

    def _deliver(
        self,
        itype: int,
        guild: Guild | None,
        channel: Channel,
        user: User,
        data: Json | None,
        *,
        name: str | None,
        message: Message | None = None,
        locale: str = "en-US",
        tweak: Tweak | None = None,
    ) -> InteractionHandle:
        """Record the interaction and dispatch INTERACTION_CREATE (after ``tweak``); fail if nobody receives it."""
        emu = self.emu
        record, payload = interaction_payload(
            emu.world,
            itype=itype,
            guild=guild,
            channel=channel,
            user=user,
            data=data,
            now=emu.now(),
            message=message,
            locale=locale,
        )
        record.name = name
        if tweak is not None:
            changed = tweak(payload)
            payload = changed if changed is not None else payload
            record.payload = payload
        self.records[record.id] = record
        self.by_token[record.token] = record
        delivered = emu.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id if guild else None)
        emu.events.record(
            "interaction_create",
            interaction_id=record.id,
            type=itype,
            name=name,
            user_id=user.id,
            channel_id=channel.id,
            delivered=delivered,
        )
        if not delivered:
            raise RuntimeError(
                "no live gateway session would receive this interaction: is the client connected and identified?"
            )
        return InteractionHandle(emu, record)

    # ---- application commands --------------------------------------------------------------------------------
    def slash(
        self,
        guild: GuildRef,
        user: UserRef,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        channel: ChannelRef | None = None,
        locale: str = "en-US",
        check_permissions: bool = True,
        tweak: Tweak | None = None,
    ) -> InteractionHandle:
        """``user`` runs ``/name`` (``"group sub"`` for subcommands) with ``options``.

        ``channel`` defaults to the guild's first text channel; options are typed from the
        registered command, and users/channels/roles are resolved like Discord's ``resolved`` map.
        """
        world = self.emu.world
        g, ch, u = self._context(guild, user, channel)
        top, *path = name.split()
        command = find_command(world, g, top, 1)
        if check_permissions:
            check_can_use(world, command, g, u)
        resolver = Resolver(world, g, u)
        opts = build_options(command, path, options or {}, resolver)
        data = command_data(command, opts, resolver.data)
        return self._deliver(APPLICATION_COMMAND, g, ch, u, data, name=name, locale=locale, tweak=tweak)

    def autocomplete(
        self,
        guild: GuildRef,
        user: UserRef,
        name: str,
        options: dict[str, Any],
        focused: str | None = None,
        *,
        channel: ChannelRef | None = None,
        locale: str = "en-US",
        tweak: Tweak | None = None,
    ) -> InteractionHandle:
        """``user`` is typing in an autocomplete option of ``/name`` (``focused``: default the last option given)."""
        g, ch, u = self._context(guild, user, channel)
        top, *path = name.split()
        command = find_command(self.emu.world, g, top, 1)
        focus = focused if focused is not None else list(options)[-1]
        opts = build_options(command, path, options, None, focused=focus)
        data = command_data(command, opts, None)
        return self._deliver(APPLICATION_COMMAND_AUTOCOMPLETE, g, ch, u, data, name=name, locale=locale, tweak=tweak)

    def message_command(
        self,
        guild: GuildRef,
        user: UserRef,
        name: str,
        target: Message | int,
        *,
        locale: str = "en-US",
        tweak: Tweak | None = None,
    ) -> InteractionHandle:
        """``user`` runs the message context-menu command ``name`` on ``target``."""
        world = self.emu.world
        msg = target if isinstance(target, Message) else world.messages[int(target)]
        g, ch, u = self._context(guild, user, msg.channel_id)
        command = find_command(world, g, name, 3)
        check_can_use(world, command, g, u)
        resolved = {"messages": {str(msg.id): msg.payload()}}
        data = command_data(command, None, resolved, target_id=str(msg.id))
        return self._deliver(APPLICATION_COMMAND, g, ch, u, data, name=name, locale=locale, tweak=tweak)

    def user_command(
        self,
        guild: GuildRef,
        user: UserRef,
        name: str,
        target: UserRef,
        *,
        channel: ChannelRef | None = None,
        locale: str = "en-US",
        tweak: Tweak | None = None,
    ) -> InteractionHandle:
        """``user`` runs the user context-menu command ``name`` on ``target``."""
        world = self.emu.world
        g, ch, u = self._context(guild, user, channel)
        command = find_command(world, g, name, 2)
        check_can_use(world, command, g, u)
        resolver = Resolver(world, g, u)
        target_id = resolver.add_user(target)
        data = command_data(command, None, resolver.data, target_id=target_id)
        return self._deliver(APPLICATION_COMMAND, g, ch, u, data, name=name, locale=locale, tweak=tweak)

    # ---- components and modals -------------------------------------------------------------------------------
    def _live_message(self, message: Message | int) -> Message:
        """The current version of a stored message (ValueError if it was deleted)."""
        messages = self.emu.world.messages
        msg = message if isinstance(message, Message) else messages[int(message)]
        current = messages.get(msg.id, msg)
        if current.deleted:
            raise ValueError("the message was deleted")
        return current

    def _component_interaction(
        self, message: Message, user: UserRef, data: Json, *, locale: str, tweak: Tweak | None
    ) -> InteractionHandle:
        world = self.emu.world
        channel = world.channels[message.channel_id]
        guild = world.guild_of(channel)
        name = str(data["custom_id"])
        return self._deliver(
            MESSAGE_COMPONENT,
            guild,
            channel,
            world.user(user),
            data,
            name=name,
            message=message,
            locale=locale,
            tweak=tweak,
        )

    def click(
        self,
        message: Message | int,
        custom_id: str,
        user: UserRef,
        *,
        values: list[Any] | None = None,
        locale: str = "en-US",
        tweak: Tweak | None = None,
    ) -> InteractionHandle:
        """``user`` clicks the button (or picks ``values`` in the select) ``custom_id`` on a stored message."""
        world = self.emu.world
        current = self._live_message(message)
        component = current.find_component(custom_id)
        if component is None:
            raise LookupError(f"message {current.id} has no component {custom_id!r}; it has {current.custom_ids()}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        guild = world.guild_of(world.channels[current.channel_id])
        data = component_data(world, guild, world.user(user), component, values)
        return self._component_interaction(current, user, data, locale=locale, tweak=tweak)

    def raw_click(
        self,
        message: Message | int,
        custom_id: str,
        user: UserRef,
        *,
        component_type: int = BUTTON,
        values: list[str] | None = None,
        locale: str = "en-US",
        tweak: Tweak | None = None,
    ) -> InteractionHandle:
        """A MESSAGE_COMPONENT interaction for any ``custom_id`` on a stored message, with no checks.

        Unlike :meth:`click`, the component need not be on the message: a stale button from an
        earlier version of it, or a forged custom_id. ``values`` go out as given (no ``resolved``).
        """
        data: Json = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return self._component_interaction(self._live_message(message), user, data, locale=locale, tweak=tweak)

    def select(
        self, message: Message | int, custom_id: str, user: UserRef, values: list[Any], *, tweak: Tweak | None = None
    ) -> InteractionHandle:
        """Alias of :meth:`click` for select menus."""
        return self.click(message, custom_id, user, values=values, tweak=tweak)

    def submit_modal(
        self,
        source: InteractionHandle,
        values: dict[str, Any],
        *,
        user: UserRef | None = None,
        locale: str = "en-US",
        tweak: Tweak | None = None,
    ) -> InteractionHandle:
        """Submit the modal the bot opened in answer to ``source`` with ``values`` by custom_id."""
        world = self.emu.world
        rec = source.record
        modal = rec.modal
        if modal is None:
            raise ValueError("the bot did not answer that interaction with a modal")
        channel = world.channels[rec.channel_id]
        guild = world.guild_of(channel)
        u = world.user(user) if user is not None else rec.user
        data = {"custom_id": modal.get("custom_id"), "components": modal_submit_components(modal, values)}
        message = world.messages.get(rec.source_message_id) if rec.source_message_id else None
        name = str(modal.get("custom_id"))
        return self._deliver(
            MODAL_SUBMIT, guild, channel, u, data, name=name, message=message, locale=locale, tweak=tweak
        )
