"""Opening the bot's SQLite database.

One connection per process, opened by the entry point and passed to whoever needs it. Every store module owns
its own tables (a ``SCHEMA`` string of idempotent ``CREATE ... IF NOT EXISTS`` statements) so a glossary load
can rebuild glossary tables without ever touching server settings or history.
"""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from bot import store, tod_store


async def connect(path: str | Path) -> aiosqlite.Connection:
    """Open (creating if needed) the database at ``path`` with every table the bot uses."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(path)
    db.row_factory = aiosqlite.Row
    # WAL lets readers (autocomplete, cards) proceed while a reload writes; NORMAL is durable enough with WAL.
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("PRAGMA synchronous=NORMAL")
    await db.execute("PRAGMA foreign_keys=ON")
    await db.executescript(store.SCHEMA)
    await db.executescript(tod_store.SCHEMA)
    await db.commit()
    return db
