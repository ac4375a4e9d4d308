"""The one owner of the database: SQLite (one process, the default) or PostgreSQL (any number of processes)."""

from __future__ import annotations

from pathlib import Path

from bot.database.base import (
    POSTGRES,
    SQLITE,
    Database,
    DatabaseError,
    DatabaseUnavailable,
    Queryable,
    Row,
    Transaction,
    ids,
)

__all__ = [
    "POSTGRES",
    "SQLITE",
    "Database",
    "DatabaseError",
    "DatabaseUnavailable",
    "Queryable",
    "Row",
    "Transaction",
    "ids",
    "open_database",
]


async def open_database(target: str | Path) -> Database:
    """A ``postgresql://`` URL opens PostgreSQL; anything else is the path of a SQLite file."""
    if str(target).startswith(("postgresql://", "postgres://")):
        from bot.database.postgres import PostgresDatabase  # asyncpg is only needed for PostgreSQL

        return await PostgresDatabase.open(str(target))
    from bot.database.sqlite import SqliteDatabase

    return await SqliteDatabase.open(target)
