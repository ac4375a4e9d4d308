"""A local Discord emulator (REST v10 + gateway) for end-to-end tests of discord.py bots.

See :mod:`tests.emulator.server` for the Emulator (the facade over its areas) and its event kinds, and
:mod:`tests.emulator.harness` for ``run_client``, the default world and pytest fixtures.
"""

from ..clock import ManualClock
from .events import ClientCrashed, Event, EventLog, WaitTimeout
from .faults import FaultRule, RequestInfo
from .gateway import GatewaySession
from .interactions import Callback, CommandUnavailable, Followup, InteractionHandle, InteractionRecord
from .model import (
    DM,
    GUILD_ANNOUNCEMENT,
    GUILD_TEXT,
    PUBLIC_THREAD,
    Application,
    Attachment,
    Channel,
    Command,
    Guild,
    Member,
    Message,
    Overwrite,
    Role,
    User,
    World,
)
from .permissions import ALL_PERMISSIONS, Permission
from .routes import Routes
from .rules import Violation
from .server import Emulator

__all__ = [
    "ALL_PERMISSIONS",
    "DM",
    "GUILD_ANNOUNCEMENT",
    "GUILD_TEXT",
    "PUBLIC_THREAD",
    "Application",
    "Attachment",
    "Callback",
    "Channel",
    "ClientCrashed",
    "Command",
    "CommandUnavailable",
    "Emulator",
    "Event",
    "EventLog",
    "FaultRule",
    "Followup",
    "GatewaySession",
    "Guild",
    "InteractionHandle",
    "InteractionRecord",
    "ManualClock",
    "Member",
    "Message",
    "Overwrite",
    "Permission",
    "RequestInfo",
    "Role",
    "Routes",
    "User",
    "Violation",
    "WaitTimeout",
    "World",
]
