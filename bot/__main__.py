"""``python -m bot``: run the bot, or one of the operator commands (sync, check, card, import).

This is the only place that reads settings and owns lifetimes: it opens the database, loads the glossary and
then runs ``async with GlossaryBot(...)``; everything else receives what it needs as arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import discord
from dotenv import load_dotenv

from bot import db as database
from bot import logs
from bot.cards import as_text
from bot.client import GlossaryBot
from bot.importer import ImportError_, import_pages
from bot.library import Library
from bot.loader import GlossaryError, load_glossary
from bot.replies import Replies
from bot.settings import Settings, SettingsError
from bot.store import GlossaryStore

log = logging.getLogger("bot")
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Glossary Bot for Discord.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    sub.add_parser("sync", help="register the slash commands with Discord (globally, or in DEV_GUILD_ID)")
    check = sub.add_parser("check", help="validate a glossary and print a summary")
    check.add_argument("path", nargs="?", type=Path, help="glossary file or folder (default: GLOSSARY_PATH)")
    card = sub.add_parser("card", help="print a term's card")
    card.add_argument("term")
    card.add_argument("--json", action="store_true", help="print the exact Discord message payload")
    imp = sub.add_parser("import", help="convert glossary pages (seed format) to glossary YAML")
    imp.add_argument("pages", nargs="+", type=Path)
    imp.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    return parser


def _check(path: Path) -> int:
    try:
        glossary = load_glossary(path)
    except GlossaryError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1
    aliases = sum(len(e.aliases) for e in glossary.entries)
    relations = sum(len(e.related) for e in glossary.entries)
    faqs = sum(len(e.faq) for e in glossary.entries)
    categories = sorted({e.category for e in glossary.entries if e.category})
    print(f"{glossary.name} ({path})")
    print(f"  terms:      {len(glossary.entries)}")
    print(f"  aliases:    {aliases}")
    print(f"  relations:  {relations}")
    print(f"  faq items:  {faqs}")
    print(f"  categories: {', '.join(categories) or '-'}")
    print("  problems:   0")
    return 0


async def _card(settings: Settings, term: str, as_json: bool) -> int:
    db = await database.connect(settings.database_path)
    try:
        library = Library(GlossaryStore(db), settings.glossary_path)
        await library.load()
        replies = Replies(library)
        term_id = library.index.lookup(term)
        if term_id is None:
            reply = await replies.define(term)
            print(reply.content, file=sys.stderr)
            return 1
        if as_json:
            from bot.views import payload  # discord.ui needs no event loop to build a view, but import late

            reply = await replies.card(term_id)
            assert reply is not None
            print(json.dumps(payload(reply), indent=2, ensure_ascii=False))
        else:
            card = await library.card(term_id)
            assert card is not None
            print(as_text(card, library.name))
        return 0
    finally:
        await db.close()


async def _run(settings: Settings, *, sync_only: bool = False) -> int:
    discord.http.Route.BASE = settings.api_base  # REST base (and so the gateway URL, learnt from /gateway/bot)
    db = await database.connect(settings.database_path)
    try:
        library = Library(GlossaryStore(db), settings.glossary_path)
        await library.load()
        async with GlossaryBot(library=library, dev_guild_id=settings.dev_guild_id, sync_commands=not sync_only) as bot:
            if sync_only:
                await bot.login(settings.token)
                await bot.sync_if_changed(force=True)
                return 0
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                # A clean close on `docker stop`/systemd as on Ctrl-C: the scheduler and the database shut down.
                loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
            await bot.start(settings.token)
        return 0
    except GlossaryError as exc:
        log.error("cannot start: %s", exc)
        return 1
    except aiohttp.ClientConnectorError as exc:
        log.error("cannot reach Discord at %s: %s", settings.api_base, exc)
        return 1
    except discord.LoginFailure:
        log.error("Discord refused the token: check DISCORD_TOKEN in .env (Developer Portal > Bot > Reset Token).")
        return 1
    finally:
        await db.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    load_dotenv()  # .env in the working directory; real environment variables win
    command = args.command or "run"
    needs_token = command in ("run", "sync")
    try:
        settings = Settings.from_env(require_token=needs_token)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logs.configure(settings.log_level if needs_token else "WARNING", settings.token)
    if command == "check":
        return _check(args.path or settings.glossary_path)
    if command == "import":
        try:
            text = import_pages(args.pages)
        except (ImportError_, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if args.output:
            args.output.write_text(text, encoding="utf-8")
            print(f"wrote {len(args.pages)} entr{'y' if len(args.pages) == 1 else 'ies'} to {args.output}")
        else:
            print(text, end="")
        return 0
    if command == "card":
        try:
            return asyncio.run(_card(settings, args.term, args.json))
        except GlossaryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    try:
        return asyncio.run(_run(settings, sync_only=command == "sync"))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
