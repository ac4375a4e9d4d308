"""Permission bits and the channel permission algorithm.

The emulator must answer 403 exactly when Discord would, so the computation follows
docs: Topics > Permissions > "Permission Hierarchy" and "Permission Overwrites":
owner → everything; base = @everyone | member roles; ADMINISTRATOR → everything; then the
channel's @everyone overwrite, the union of role overwrites, and the member overwrite, each as
"deny then allow". A channel the member cannot view yields no permissions at all.
"""

from __future__ import annotations

from enum import IntFlag


class Permission(IntFlag):
    """The permission bits the emulator checks or seeds (docs: Topics > Permissions > Bitwise Permission Flags)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40


# Every bit Discord currently defines (through 1 << 50); "all permissions" for owners/admins.
ALL_PERMISSIONS = (1 << 51) - 1

# What a freshly created guild gives @everyone (close to Discord's default set).
DEFAULT_EVERYONE_PERMISSIONS = int(
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.STREAM
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.MENTION_EVERYONE
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.SEND_MESSAGES_IN_THREADS
)

# What the bot's managed role grants: what a glossary bot would request when invited (no admin,
# so tests can take single permissions away with overwrites).
DEFAULT_BOT_PERMISSIONS = int(
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.SEND_MESSAGES_IN_THREADS
)

# Permissions that stop meaning anything without SEND_MESSAGES (docs: Permissions > "Implicit Permissions").
_NEEDS_SEND = int(
    Permission.SEND_TTS_MESSAGES | Permission.MENTION_EVERYONE | Permission.ATTACH_FILES | Permission.EMBED_LINKS
)


def apply_overwrites(
    base: int,
    *,
    everyone: tuple[int, int] | None,
    roles: list[tuple[int, int]],
    member: tuple[int, int] | None,
) -> int:
    """Apply (allow, deny) overwrites in Discord's order and the implicit-permission rules."""
    perms = base
    if everyone is not None:
        allow, deny = everyone
        perms = (perms & ~deny) | allow
    role_allow = 0
    role_deny = 0
    for allow, deny in roles:
        role_allow |= allow
        role_deny |= deny
    perms = (perms & ~role_deny) | role_allow
    if member is not None:
        allow, deny = member
        perms = (perms & ~deny) | allow
    if not perms & Permission.VIEW_CHANNEL:
        return 0
    if not perms & Permission.SEND_MESSAGES:
        perms &= ~_NEEDS_SEND
    return perms


def has(perms: int, flag: Permission) -> bool:
    """True when ``perms`` contains every bit of ``flag``."""
    return (perms & flag) == flag
