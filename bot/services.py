"""Everything the bot serves from, built and closed in one place: database, glossary, misses, answers, the
term-of-the-day service. The entry point opens it; the bot and the tests receive it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.database import Database, open_database
from bot.library import Library
from bot.misses import MissLog
from bot.replies import Replies
from bot.server_replies import ServerReplies
from bot.server_terms import ServerTerms
from bot.shards import Shards
from bot.store import PUBLISHED
from bot.tod.ports import Clock
from bot.tod.replies import TodReplies
from bot.tod.service import TermOfDay

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Services:
    """The core, wired."""

    db: Database
    library: Library
    misses: MissLog
    replies: Replies
    tod: TermOfDay
    tod_replies: TodReplies
    server_terms: ServerTerms
    server_replies: ServerReplies

    @classmethod
    async def open(cls, database: str | Path, glossary: Path, clock: Clock, shards: Shards | None = None) -> Services:
        """Open the database (a SQLite path or a ``postgresql://`` URL) and load the glossary; raises
        DatabaseError or GlossaryError, closing what it opened."""
        db = await open_database(database)
        try:
            library = Library(db, glossary)
            await library.load()
            await db.listen(PUBLISHED, library.adopt)  # a reload in another process reaches this one
            server_terms = ServerTerms(db, lambda: library.current.index, lambda: clock.now().timestamp())
            await server_terms.start()
        except BaseException:
            await db.close()
            raise
        misses = MissLog(db)
        replies = Replies(library, misses, lambda: clock.now().timestamp(), server_terms)
        tod = TermOfDay(db, lambda: library.current.index.featured, clock, shards, own_terms=server_terms.rotation)
        server_replies = ServerReplies(server_terms, replies)
        return cls(db, library, misses, replies, tod, TodReplies(tod, replies), server_terms, server_replies)

    async def close(self) -> None:
        """Write what is still in memory, then close the database."""
        try:
            await self.misses.flush()
        except Exception as exc:
            log.warning("lookups not found since the last flush could not be recorded: %s", exc)
        await self.db.close()
