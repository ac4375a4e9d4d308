"""``python -m bot``: run the bot, or one of the operator commands (sync, check, card, import).

This is the only place that reads settings and owns lifetimes: it opens the services (database, glossary,
term of the day), then runs ``async with GlossaryBot(...)``; everything else receives what it needs. A stop
signal (SIGTERM, Ctrl-C) closes the bot in order and exits 0, whatever it was doing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import discord
from dotenv import load_dotenv

from bot import cli, logs
from bot.client import GlossaryBot
from bot.database import DatabaseError
from bot.problems import GlossaryError
from bot.services import Services
from bot.settings import Settings, SettingsError
from bot.tod.ports import SystemClock

log = logging.getLogger("bot")
EXIT_USAGE = 2
TOKEN_REFUSED = "Discord refused the token: check DISCORD_TOKEN in .env (Developer Portal > Bot > Reset Token)."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Glossary Bot for Discord.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (the default)")
    run.add_argument("--shard-count", metavar="N", help="shards in all processes together (SHARD_COUNT)")
    run.add_argument("--shards", metavar="IDS", help="the shards this process runs, e.g. 0-7 (SHARD_IDS)")
    sub.add_parser("sync", help="register the slash commands with Discord (globally, or in DEV_GUILD_ID)")
    check = sub.add_parser("check", help="validate a glossary and print a summary")
    check.add_argument("path", nargs="?", type=Path, help="glossary file or folder (default: GLOSSARY_PATH)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too (for a glossary's own CI)")
    card = sub.add_parser("card", help="print a term's card")
    card.add_argument("term")
    card.add_argument("--glossary", type=Path, help="glossary file or folder (default: GLOSSARY_PATH)")
    card.add_argument("--json", action="store_true", help="print the exact Discord message payload")
    imp = sub.add_parser(
        "import",
        help="convert spreadsheets, JSON, Markdown pages and seed pages into one glossary YAML file",
        description="Convert each FILE (format told by its ending, or its content) into one glossary YAML file; "
        "list what was skipped. Formats: .csv/.tsv (a header row), .md/.markdown (front matter and ## sections; "
        "a folder is searched for them), .json (a list of entries or {glossary, attribution, terms}), .txt (a "
        "page in the seed format).",
    )
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a file, or a folder of Markdown pages")
    imp.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    return parser


class StopSignal:
    """SIGTERM/SIGINT: remember that a stop was asked for, and do what stopping means at that moment: cancel the
    start-up (the glossary load and its worker processes with it), or close the bot in order."""

    def __init__(self) -> None:
        self.requested = False
        self._action: Callable[[], object] = lambda: None
        self._pending: object = None  # what the action started (the bot's close), kept until the loop ends

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._trigger)

    def then(self, action: Callable[[], object]) -> None:
        """From now on, a stop does ``action`` (at once, if the stop has already come)."""
        self._action = action
        if self.requested:
            self._pending = action()

    def _trigger(self) -> None:
        if not self.requested:
            log.info("stop signal received; closing")
            self.requested = True
            self._pending = self._action()

    @staticmethod
    def remove() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def _serve(settings: Settings, *, sync_only: bool = False) -> int:
    discord.http.Route.BASE = settings.api_base  # REST base (and so the gateway URL, learnt from /gateway/bot)
    stop = StopSignal()
    # Before the first load: a large glossary takes seconds, and a stop then must not orphan its parse processes.
    stop.install()
    try:
        opening = asyncio.ensure_future(
            Services.open(settings.database, settings.glossary_path, SystemClock(), settings.shards)
        )
        stop.then(opening.cancel)
        try:
            services = await opening
        except asyncio.CancelledError:
            if not stop.requested:
                raise
            return 0
        except (DatabaseError, GlossaryError) as exc:
            log.error("cannot start: %s", exc)
            return 1
        return await _run(services, settings, stop, sync_only)
    finally:
        stop.remove()


async def _run(services: Services, settings: Settings, stop: StopSignal, sync_only: bool) -> int:
    try:
        if stop.requested:  # it came just as the start-up finished
            return 0
        async with GlossaryBot(services, dev_guild_id=settings.dev_guild_id, sync_commands=not sync_only) as bot:
            stop.then(lambda: asyncio.ensure_future(bot.close()))
            if sync_only:
                await bot.login(settings.token)
                await bot.sync_if_changed(force=True)
            else:
                await bot.start(settings.token)
        return 0
    except Exception as exc:
        if stop.requested:
            log.debug("stopped while %s", type(exc).__name__)
            return 0
        return _failed(exc, settings)
    finally:
        stop.remove()  # a second Ctrl-C may now cut a slow close short
        await services.close()


def _failed(exc: Exception, settings: Settings) -> int:
    """One line for the failures an operator can fix; anything else is a bug and keeps its traceback."""
    if isinstance(exc, discord.LoginFailure) or (isinstance(exc, discord.ConnectionClosed) and exc.code == 4004):
        log.error(TOKEN_REFUSED)
    elif isinstance(exc, discord.PrivilegedIntentsRequired):
        log.error("Discord refused a privileged intent; this bot needs none: check the bot's settings.")
    elif isinstance(exc, aiohttp.ClientConnectorError | discord.GatewayNotFound):
        log.error("cannot reach Discord at %s: %s", settings.api_base, exc)
    else:
        raise exc
    return 1


def _run_async(main: Any) -> int:
    try:
        return asyncio.run(main)
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    load_dotenv()  # .env in the working directory; real environment variables win
    command = args.command or "run"
    needs_token = command in ("run", "sync")
    try:
        settings = Settings.from_env(require_token=needs_token)
        settings = settings.with_shards(getattr(args, "shard_count", None), getattr(args, "shards", None))
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logs.configure(settings.log_level if needs_token else "WARNING", settings.token)
    if command == "check":
        return cli.check(args.path or settings.glossary_path, strict=args.strict)
    if command == "import":
        return cli.import_files(args.files, args.output)
    if command == "card":
        return _run_async(cli.card(args.glossary or settings.glossary_path, args.term, args.json))
    return _run_async(_serve(settings, sync_only=command == "sync"))


if __name__ == "__main__":
    sys.exit(main())
