"""INTERACTION_CREATE payloads as Discord builds them, and the ``data`` of component clicks and modal submits.

docs: Interactions > Receiving and Responding > Interaction Object; Message Components.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from ..model import DM, Channel, Guild, Message, Role, User
from .commands import Resolver
from .records import InteractionRecord
from .types import BUTTON, CHANNEL_SELECT, MENTIONABLE_SELECT, ROLE_SELECT, STRING_SELECT, USER_SELECT

if TYPE_CHECKING:
    from ..model import World

Json = dict[str, Any]


def new_token() -> str:
    """Interaction tokens are long opaque strings; a prefix makes them recognisable in logs."""
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)


def _guild_context(guild: Guild, user: User, user_perms: int) -> Json:
    """The keys of an interaction in a guild: guild, member (with permissions), context 0."""
    member = guild.members.get(user.id)
    if member is None:
        raise ValueError(f"{user.username} is not a member of {guild.name}")
    return {
        "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": list(guild.features)},
        "guild_id": str(guild.id),
        "member": member.payload(permissions=user_perms),
        "guild_locale": guild.preferred_locale,
        # docs: Interaction Object > Authorizing Integration Owners — "0" = GUILD_INSTALL.
        "authorizing_integration_owners": {"0": str(guild.id)},
        # docs: Interaction Context Types — 0 = GUILD
        "context": 0,
    }


def _dm_context(channel: Channel, user: User) -> Json:
    """The keys of an interaction in a DM: the user, context 1."""
    if channel.type != DM:
        raise ValueError("an interaction outside a guild must come from a DM channel")
    return {"user": user.payload(), "authorizing_integration_owners": {"0": "0"}, "context": 1}


def interaction_payload(
    world: World,
    *,
    itype: int,
    guild: Guild | None,
    channel: Channel,
    user: User,
    data: Json | None,
    now: float,
    message: Message | None = None,
    locale: str = "en-US",
) -> tuple[InteractionRecord, Json]:
    """A new interaction's record and its INTERACTION_CREATE body."""
    app = world.application
    if app is None:
        raise RuntimeError("no application in the world")
    interaction_id = world.new_id()
    token = new_token()
    user_perms = world.channel_permissions(channel, user.id)
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(app.id),
        "type": itype,
        "token": token,
        "version": 1,
        "channel": channel.payload(permissions=user_perms),
        "channel_id": str(channel.id),
        "app_permissions": str(world.channel_permissions(channel, world.bot.id)),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if data is not None:
        payload["data"] = data
    payload.update(_guild_context(guild, user, user_perms) if guild is not None else _dm_context(channel, user))
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
        created_at=now,
        source_message_id=message.id if message is not None else None,
    )
    return record, payload


def _chosen(component: Json, values: list[Any] | None) -> list[Any]:
    """The picked values, checked against the select's min/max."""
    chosen = list(values or [])
    low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
    if not low <= len(chosen) <= high:
        raise ValueError(f"select {component.get('custom_id')!r} takes {low}..{high} values, got {len(chosen)}")
    return chosen


def _resolve_pick(resolver: Resolver, ctype: int, value: Any, component: Json) -> str:
    """The id a user/role/mentionable/channel select sends for one picked value."""
    if ctype == USER_SELECT or (ctype == MENTIONABLE_SELECT and not isinstance(value, Role)):
        return resolver.add_user(value)
    if ctype in (ROLE_SELECT, MENTIONABLE_SELECT):
        return resolver.add_role(value)
    if ctype == CHANNEL_SELECT:
        return resolver.add_channel(value, component.get("channel_types"))
    raise ValueError(f"component type {ctype} cannot be picked from")


def component_data(
    world: World, guild: Guild | None, user: User, component: Json, values: list[Any] | None = None
) -> Json:
    """``data`` of a MESSAGE_COMPONENT interaction: a button click, or ``values`` picked in a select."""
    ctype = int(component["type"])
    custom_id = component["custom_id"]
    data: Json = {"custom_id": custom_id, "component_type": ctype}
    if ctype == BUTTON:
        if values is not None:
            raise ValueError("buttons take no values")
        return data
    chosen = _chosen(component, values)
    if ctype == STRING_SELECT:
        allowed = [o["value"] for o in component.get("options") or []]
        bad = [v for v in chosen if v not in allowed]
        if bad:
            raise ValueError(f"{bad} are not options of {custom_id!r}: {allowed}")
        data["values"] = chosen
        return data
    resolver = Resolver(world, guild, user)
    data["values"] = [_resolve_pick(resolver, ctype, value, component) for value in chosen]
    data["resolved"] = resolver.data
    return data


def _modal_inputs(modal: Json) -> set[Any]:
    """custom_ids of a modal's inputs, in action rows (1) or labels (18)."""
    return {
        c.get("custom_id")
        for top in modal.get("components") or []
        for c in (top.get("components") or []) + ([top["component"]] if top.get("component") else [])
    }


def _submitted_input(comp: Json, values: dict[str, Any]) -> Json | None:
    """One input as submitted: its value (text input) or values (selects); None for non-inputs."""
    custom_id = comp.get("custom_id")
    if custom_id is None:
        return None
    out: Json = {"type": comp["type"], "custom_id": custom_id}
    value = values.get(custom_id, comp.get("value") or "")
    if comp["type"] == 4:
        if comp.get("required", True) and not value:
            raise ValueError(f"modal input {custom_id!r} is required")
        if len(value) > comp.get("max_length", 4000):  # Discord's client refuses to submit longer text
            raise ValueError(f"modal input {custom_id!r} is longer than its max_length {comp.get('max_length')}")
        out["value"] = value
    else:
        out["values"] = list(value) if isinstance(value, list | tuple) else [value]
    return out


def modal_submit_components(modal: Json, values: dict[str, Any]) -> list[Json]:
    """Echo the modal's inputs with the user's values, keeping rows (1) and labels (18)."""
    unknown = set(values) - _modal_inputs(modal)
    if unknown:
        raise LookupError(f"modal has no inputs {sorted(unknown)}")
    result: list[Json] = []
    for top in modal.get("components") or []:
        if top.get("type") == 1:
            children = [x for x in (_submitted_input(c, values) for c in top.get("components") or []) if x is not None]
            result.append({"type": 1, "components": children})
        elif top.get("type") == 18 and top.get("component"):
            child = _submitted_input(top["component"], values)
            if child is not None:
                result.append({"type": 18, "component": child})
    return result
