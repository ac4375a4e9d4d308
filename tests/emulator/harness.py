"""Test harness: the default world, running a discord.py client against the emulator, fixtures.

The bot's e2e tests import from here, e.g. in their conftest::

    from tests.emulator.harness import emulator, default_world  # noqa: F401  (pytest fixtures)

and then::

    async def test_define(emulator, default_world):
        bot = GlossaryBot(...)
        async with run_client(emulator, bot):
            ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "genai"})
            reply = await ix.response()

discord.py is pointed at the emulator through ``discord.http.Route.BASE`` (REST) and
``DiscordWebSocket.DEFAULT_GATEWAY``: discord.py falls back to the latter after an op 9
INVALID_SESSION and for non-sharded clients, so it must not stay on the real gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest_asyncio

from ..clock import ManualClock
from .events import ClientCrashed
from .model import GUILD_ANNOUNCEMENT, Application, Channel, Guild, Role, User
from .permissions import DEFAULT_BOT_PERMISSIONS, Permission
from .server import Emulator

ClientT = TypeVar("ClientT")

__all__ = [
    "ClientCrashed",
    "DefaultWorld",
    "ManualClock",
    "default_world",
    "emulator",
    "point_discord_at",
    "run_client",
    "seed_default_world",
]


@dataclass
class DefaultWorld:
    """Handles to the seeded entities, so tests read ``w.alice`` rather than looking names up."""

    guild: Guild
    everyone: Role
    admin_role: Role
    bot_role: Role
    general: Channel
    announcements: Channel
    alice: User
    admin: User
    owner: User
    bot: User
    application: Application


def seed_default_world(
    emu: Emulator,
    *,
    application_id: int | None = None,
    bot_name: str = "Glossary Bot",
    app_owner: str = "owner",
) -> DefaultWorld:
    """One guild "Test Guild" with @everyone, "Admin" (MANAGE_GUILD), the bot's managed role, #general
    (text) and #announcements (announcement); users alice (no Manage Server), admin (Admin role),
    owner (owns the guild) and the bot. ``app_owner`` ("owner" or "admin") owns the application,
    which is what ``commands.Bot.is_owner`` checks.
    """
    world = emu.world
    owner = world.add_user("owner", global_name="Guild Owner")
    admin = world.add_user("admin", global_name="Admin")
    alice = world.add_user("alice", global_name="Alice")
    bot = world.add_user(bot_name, bot=True)
    app = world.set_application(
        bot=bot, owner=admin if app_owner == "admin" else owner, name=bot_name, application_id=application_id
    )
    guild = world.add_guild("Test Guild", owner=owner)
    guild.features = ["COMMUNITY", "NEWS"]  # announcement channels need a community guild
    admin_role = world.add_role(guild, "Admin", int(Permission.MANAGE_GUILD | Permission.MANAGE_MESSAGES))
    bot_role = world.add_role(guild, bot_name, DEFAULT_BOT_PERMISSIONS, managed=True, tags={"bot_id": str(bot.id)})
    world.add_member(guild, admin, [admin_role])
    world.add_member(guild, alice)
    world.add_member(guild, bot, [bot_role])
    general = world.add_channel(guild, "general", topic="General chat")
    announcements = world.add_channel(guild, "announcements", type=GUILD_ANNOUNCEMENT, topic="News")
    seed = DefaultWorld(
        guild=guild,
        everyone=guild.everyone,
        admin_role=admin_role,
        bot_role=bot_role,
        general=general,
        announcements=announcements,
        alice=alice,
        admin=admin,
        owner=owner,
        bot=bot,
        application=app,
    )
    emu.seed = seed
    return seed


def point_discord_at(emu: Emulator) -> Callable[[], None]:
    """Aim discord.py's REST base and default gateway at ``emu``; returns a function that restores them."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    old_base = Route.BASE
    old_gateway = DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = emu.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)

    def restore() -> None:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore


class _ErrorCapture(logging.Handler):
    """Copies discord.py's ERROR logs (exceptions in handlers/commands/views) into the event stream."""

    def __init__(self, emu: Emulator) -> None:
        super().__init__(level=logging.ERROR)
        self.emu = emu

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        self.emu.client_errors.append(record)
        self.emu.events.record("client_error", logger=record.name, message=record.getMessage(), exception=exc)


async def _wait_ready(emu: Emulator, client: Any, task: asyncio.Task[Any], since: int, limit: float) -> None:
    async def ready() -> None:
        # discord.py creates the ready Event at the start of login(), before its first request.
        await emu.events.wait_for("request", timeout=limit, since=since)
        await client.wait_until_ready()

    waiter = asyncio.create_task(ready())
    done, _ = await asyncio.wait({task, waiter}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    if waiter in done and waiter.exception() is None:
        return
    waiter.cancel()
    with contextlib.suppress(BaseException):
        await waiter
    if task.done():
        exc = task.exception()
        if exc is not None:
            raise exc
        raise RuntimeError("client.start() returned before the client became ready")
    recent = "\n  ".join(e.brief() for e in emu.events.events[-25:])
    raise TimeoutError(f"client not ready within {limit}s. Recent emulator events:\n  {recent}")


async def _shutdown(client: Any, task: asyncio.Task[Any], limit: float) -> None:
    if not client.is_closed():
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.close(), limit)
    if not task.done():
        try:
            await asyncio.wait_for(asyncio.shield(task), limit)
        except TimeoutError:
            task.cancel()
        except BaseException:  # the task's own failure is re-raised by run_client
            pass
    with contextlib.suppress(BaseException):
        await task


@contextlib.asynccontextmanager
async def run_client(
    emu: Emulator,
    client: ClientT,
    token: str | None = None,
    *,
    ready_timeout: float = 15.0,
    guild_ready_timeout: float | None = 0.1,
    fast_identify: bool = True,
    close_timeout: float = 10.0,
) -> AsyncIterator[ClientT]:
    """Start ``client.start(token)`` against ``emu``, yield once it is ready, then close it.

    Works with any ``discord.Client`` subclass (AutoShardedBot included; its setup_hook runs as
    usual, so cog loading and command sync happen against the emulator). After the block, any
    exception the client task ended with is re-raised; while the block runs, a client crash makes
    pending ``emu.wait_for`` calls fail at once with :class:`ClientCrashed`.

    ``guild_ready_timeout`` overrides discord.py's 2 s wait after the last GUILD_CREATE before
    on_ready; ``fast_identify`` skips the 5 s sleep discord.py's default ``before_identify_hook``
    does before every re-IDENTIFY (only when the client does not override the hook itself).
    """
    import discord

    if not isinstance(client, discord.Client):
        raise TypeError(f"run_client needs a discord.Client, got {type(client).__name__}")
    restore = point_discord_at(emu)
    if guild_ready_timeout is not None:
        client._connection.guild_ready_timeout = guild_ready_timeout
    if fast_identify and type(client).before_identify_hook is discord.Client.before_identify_hook:

        async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
            return None

        client.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    capture = _ErrorCapture(emu)
    discord_logger = logging.getLogger("discord")
    discord_logger.addHandler(capture)
    emu.events.clear_failure()
    since = emu.mark()
    task: asyncio.Task[Any] = asyncio.create_task(client.start(token or emu.token), name="discord-client-under-test")

    def on_done(done: asyncio.Task[Any]) -> None:
        if not done.cancelled() and done.exception() is not None:
            emu.events.fail_waiters(done.exception())  # type: ignore[arg-type]

    task.add_done_callback(on_done)
    try:
        await _wait_ready(emu, client, task, since, ready_timeout)
        yield client
    finally:
        await _shutdown(client, task, close_timeout)
        discord_logger.removeHandler(capture)
        restore()
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]


# ---- pytest fixtures (import them into a conftest to use) ---------------------------------------------


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A started emulator with the default world; fails the test at teardown on rule violations.

    Tests that provoke violations on purpose assert on ``emulator.violations`` and then call
    ``emulator.clear_violations()``.
    """
    async with Emulator() as emu:
        seed_default_world(emu)
        yield emu
        emu.assert_no_violations(include_unanswered=False)


@pytest_asyncio.fixture
async def default_world(emulator: Emulator) -> DefaultWorld:
    """The seeded entities of the ``emulator`` fixture."""
    seed = emulator.seed
    assert isinstance(seed, DefaultWorld)
    return seed
