"""The database schema as numbered migrations, applied in order at start, on SQLite and PostgreSQL alike.

A database records the highest migration it has had in ``schema_version``; a later release only adds
migrations, so a database in use gains new tables without losing anything. Migration 1 is the schema as it
was before migrations existed (``IF NOT EXISTS`` throughout), which adopts such databases unchanged. Several
processes starting at once on PostgreSQL take turns (an advisory lock), so each step runs exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.database.base import POSTGRES

if TYPE_CHECKING:
    from bot.database.base import Database

MIGRATION_LOCK = 0x676C6F7373617279  # "glossary": the advisory lock key the migrating process holds


@dataclass(frozen=True, slots=True)
class Migration:
    """One step: its number, what it does, and its statements for each backend."""

    version: int
    name: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]

    def statements(self, dialect: str) -> tuple[str, ...]:
        return self.postgres if dialect == POSTGRES else self.sqlite


async def apply_migrations(db: Database) -> list[int]:
    """Apply the migrations ``db`` has not had yet, in one transaction; returns their numbers."""
    async with db.transaction() as tx:
        if db.dialect == POSTGRES:
            await tx.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        await tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = await tx.fetchone("SELECT max(version) FROM schema_version")
        current = (row[0] or 0) if row else 0
        applied = []
        for migration in MIGRATIONS:
            if migration.version > current:
                for statement in migration.statements(db.dialect):
                    await tx.execute(statement)
                await tx.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.version,))
                applied.append(migration.version)
    return applied


_BASE = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS term_keys (
        id   INTEGER PRIMARY KEY AUTOINCREMENT,
        norm TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS lookup_misses (
        guild_id  INTEGER NOT NULL,
        norm      TEXT NOT NULL,
        query     TEXT NOT NULL,
        count     INTEGER NOT NULL DEFAULT 1,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (guild_id, norm)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS tod_schedules (
        guild_id        INTEGER PRIMARY KEY,
        channel_id      INTEGER NOT NULL,
        post_time       TEXT    NOT NULL,
        timezone        TEXT    NOT NULL,
        enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        next_post_utc   INTEGER,
        next_local_date TEXT,
        attempts        INTEGER NOT NULL DEFAULT 0,
        disabled_reason TEXT,
        revision        INTEGER NOT NULL DEFAULT 1,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS tod_schedules_due ON tod_schedules (next_post_utc) WHERE enabled = 1",
    """CREATE TABLE IF NOT EXISTS tod_posts (
        guild_id    INTEGER NOT NULL,
        local_date  TEXT    NOT NULL,
        term_id     INTEGER NOT NULL,
        channel_id  INTEGER NOT NULL,
        cycle       INTEGER NOT NULL,
        status      TEXT    NOT NULL CHECK (status IN ('planned', 'pending', 'sent', 'missed')),
        message_id  INTEGER,
        nonce       TEXT    NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        sent_at     INTEGER,
        PRIMARY KEY (guild_id, local_date)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS tod_posts_cycle ON tod_posts (guild_id, cycle, status, term_id)",
    "CREATE INDEX IF NOT EXISTS tod_posts_open ON tod_posts (local_date) WHERE status IN ('planned', 'pending')",
)

# Glossaries as generations: a reload writes the next generation beside the one being served and readers
# switch in one step, so nobody ever reads a half-written glossary. Definitions are stored once; the
# full-text index takes its text from glossary_terms (external content).
_GENERATIONS = (
    "DROP TABLE IF EXISTS terms_fts",
    "DROP TABLE IF EXISTS terms",
    "DROP TABLE IF EXISTS aliases",
    "DROP TABLE IF EXISTS faqs",
    "DROP TABLE IF EXISTS relations",
    "DELETE FROM meta WHERE key IN ('glossary_hash', 'glossary_schema', 'glossary_name', 'glossary_loaded_at')",
    """CREATE TABLE glossary_generations (
        generation   INTEGER PRIMARY KEY,
        name         TEXT    NOT NULL,
        content_hash TEXT    NOT NULL,
        created_at   INTEGER NOT NULL,
        complete     INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE glossary_terms (
        row        INTEGER PRIMARY KEY,
        generation INTEGER NOT NULL,
        id         INTEGER NOT NULL,
        position   INTEGER NOT NULL,
        name       TEXT NOT NULL,
        aliases    TEXT NOT NULL DEFAULT '',
        definition TEXT NOT NULL,
        example    TEXT NOT NULL DEFAULT '',
        why        TEXT NOT NULL DEFAULT '',
        category   TEXT NOT NULL DEFAULT '',
        links      TEXT NOT NULL DEFAULT '[]',
        source     TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE UNIQUE INDEX glossary_terms_id ON glossary_terms (generation, id)",
    """CREATE TABLE glossary_aliases (
        generation INTEGER NOT NULL,
        term_id    INTEGER NOT NULL,
        position   INTEGER NOT NULL,
        alias      TEXT NOT NULL,
        PRIMARY KEY (generation, term_id, position)
    ) WITHOUT ROWID""",
    """CREATE TABLE glossary_faqs (
        generation INTEGER NOT NULL,
        term_id    INTEGER NOT NULL,
        position   INTEGER NOT NULL,
        question   TEXT NOT NULL,
        answer     TEXT NOT NULL,
        PRIMARY KEY (generation, term_id, position)
    ) WITHOUT ROWID""",
    """CREATE TABLE glossary_relations (
        generation INTEGER NOT NULL,
        term_id    INTEGER NOT NULL,
        position   INTEGER NOT NULL,
        related_id INTEGER NOT NULL,
        PRIMARY KEY (generation, term_id, position)
    ) WITHOUT ROWID""",
    """CREATE VIRTUAL TABLE glossary_fts USING fts5(
        name, aliases, definition, content = 'glossary_terms', content_rowid = 'row',
        tokenize = 'porter unicode61 remove_diacritics 2'
    )""",
)

# A post handed to Discord whose day ended unconfirmed is "unconfirmed", not "missed": it may have arrived.
# "outcome" tells the two apart: whether the last try was refused by Discord (certainly not delivered).
_UNCONFIRMED = (
    """CREATE TABLE tod_posts_v3 (
        guild_id    INTEGER NOT NULL,
        local_date  TEXT    NOT NULL,
        term_id     INTEGER NOT NULL,
        channel_id  INTEGER NOT NULL,
        cycle       INTEGER NOT NULL,
        status      TEXT    NOT NULL
                    CHECK (status IN ('planned', 'pending', 'sent', 'missed', 'unconfirmed')),
        message_id  INTEGER,
        nonce       TEXT    NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        sent_at     INTEGER,
        outcome     TEXT,                                  -- 'refused' after a try Discord refused; NULL: unknown
        PRIMARY KEY (guild_id, local_date)
    ) WITHOUT ROWID""",
    "INSERT INTO tod_posts_v3 SELECT *, NULL FROM tod_posts",
    "DROP TABLE tod_posts",
    "ALTER TABLE tod_posts_v3 RENAME TO tod_posts",
    "CREATE INDEX tod_posts_cycle ON tod_posts (guild_id, cycle, status, term_id)",
    "CREATE INDEX tod_posts_open ON tod_posts (local_date) WHERE status IN ('planned', 'pending')",
)

# Richer entries (an author's id, tags, free sections, a glossary name and attribution per file) and tags in
# the full-text index. Stored glossaries are rebuilt from their files at the next start.
_RICHER_ENTRIES = (
    "DROP TABLE glossary_fts",
    "DELETE FROM glossary_terms",
    "DELETE FROM glossary_aliases",
    "DELETE FROM glossary_faqs",
    "DELETE FROM glossary_relations",
    "DELETE FROM glossary_generations",
    "ALTER TABLE glossary_terms ADD COLUMN ident TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE glossary_terms ADD COLUMN tags TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE glossary_terms ADD COLUMN sections TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE glossary_terms ADD COLUMN glossary TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE glossary_terms ADD COLUMN attribution TEXT NOT NULL DEFAULT ''",
    """CREATE VIRTUAL TABLE glossary_fts USING fts5(
        name, aliases, definition, tags, content = 'glossary_terms', content_rowid = 'row',
        tokenize = 'porter unicode61 remove_diacritics 2'
    )""",
)

# PostgreSQL starts from the same numbered steps, written in its own terms (no legacy tables to adopt).
_PG_BASE = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS term_keys (
        id   BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        norm TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS lookup_misses (
        guild_id  BIGINT NOT NULL,
        norm      TEXT NOT NULL,
        query     TEXT NOT NULL,
        count     INTEGER NOT NULL DEFAULT 1,
        last_seen BIGINT NOT NULL,
        PRIMARY KEY (guild_id, norm)
    )""",
    """CREATE TABLE IF NOT EXISTS tod_schedules (
        guild_id        BIGINT PRIMARY KEY,
        channel_id      BIGINT  NOT NULL,
        post_time       TEXT    NOT NULL,
        timezone        TEXT    NOT NULL,
        enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        next_post_utc   BIGINT,
        next_local_date TEXT,
        attempts        INTEGER NOT NULL DEFAULT 0,
        disabled_reason TEXT,
        revision        INTEGER NOT NULL DEFAULT 1,
        created_at      BIGINT  NOT NULL,
        updated_at      BIGINT  NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS tod_schedules_due ON tod_schedules (next_post_utc) WHERE enabled = 1",
    """CREATE TABLE IF NOT EXISTS tod_posts (
        guild_id    BIGINT  NOT NULL,
        local_date  TEXT    NOT NULL,
        term_id     BIGINT  NOT NULL,
        channel_id  BIGINT  NOT NULL,
        cycle       INTEGER NOT NULL,
        status      TEXT    NOT NULL CHECK (status IN ('planned', 'pending', 'sent', 'missed')),
        message_id  BIGINT,
        nonce       TEXT    NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        created_at  BIGINT  NOT NULL,
        updated_at  BIGINT  NOT NULL,
        sent_at     BIGINT,
        PRIMARY KEY (guild_id, local_date)
    )""",
    "CREATE INDEX IF NOT EXISTS tod_posts_cycle ON tod_posts (guild_id, cycle, status, term_id)",
    "CREATE INDEX IF NOT EXISTS tod_posts_open ON tod_posts (local_date) WHERE status IN ('planned', 'pending')",
)
_PG_GENERATIONS = (
    """CREATE TABLE glossary_generations (
        generation   BIGINT  PRIMARY KEY,
        name         TEXT    NOT NULL,
        content_hash TEXT    NOT NULL,
        created_at   BIGINT  NOT NULL,
        complete     INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE glossary_terms (
        row        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        generation BIGINT  NOT NULL,
        id         BIGINT  NOT NULL,
        position   INTEGER NOT NULL,
        name       TEXT NOT NULL,
        aliases    TEXT NOT NULL DEFAULT '',
        definition TEXT NOT NULL,
        example    TEXT NOT NULL DEFAULT '',
        why        TEXT NOT NULL DEFAULT '',
        category   TEXT NOT NULL DEFAULT '',
        links      TEXT NOT NULL DEFAULT '[]',
        source     TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE UNIQUE INDEX glossary_terms_id ON glossary_terms (generation, id)",
    """CREATE TABLE glossary_aliases (
        generation BIGINT NOT NULL, term_id BIGINT NOT NULL, position INTEGER NOT NULL, alias TEXT NOT NULL,
        PRIMARY KEY (generation, term_id, position)
    )""",
    """CREATE TABLE glossary_faqs (
        generation BIGINT NOT NULL, term_id BIGINT NOT NULL, position INTEGER NOT NULL,
        question TEXT NOT NULL, answer TEXT NOT NULL,
        PRIMARY KEY (generation, term_id, position)
    )""",
    """CREATE TABLE glossary_relations (
        generation BIGINT NOT NULL, term_id BIGINT NOT NULL, position INTEGER NOT NULL, related_id BIGINT NOT NULL,
        PRIMARY KEY (generation, term_id, position)
    )""",
)
_PG_UNCONFIRMED = (
    "ALTER TABLE tod_posts DROP CONSTRAINT tod_posts_status_check",
    "ALTER TABLE tod_posts ADD CONSTRAINT tod_posts_status_check"
    " CHECK (status IN ('planned', 'pending', 'sent', 'missed', 'unconfirmed'))",
    "ALTER TABLE tod_posts ADD COLUMN outcome TEXT",
)
# Full-text search is PostgreSQL's own: a weighted tsvector kept by the database, with a GIN index.
_PG_RICHER_ENTRIES = (
    "ALTER TABLE glossary_terms ADD COLUMN ident TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE glossary_terms ADD COLUMN tags TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE glossary_terms ADD COLUMN sections TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE glossary_terms ADD COLUMN glossary TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE glossary_terms ADD COLUMN attribution TEXT NOT NULL DEFAULT ''",
    """ALTER TABLE glossary_terms ADD COLUMN fts tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name || ' ' || aliases), 'A')
        || setweight(to_tsvector('english', tags), 'B')
        || setweight(to_tsvector('english', definition), 'C')
    ) STORED""",
    "CREATE INDEX glossary_terms_fts ON glossary_terms USING gin (fts)",
)

# Server terms: a community's own entries, added in Discord, kept apart from the shipped glossary's
# generations (a reload never touches them). Ids come from one sequence for every server, so a button names
# one term; the change log keeps who did what, and the name a removed term had, for its old buttons.
_SERVER_TERMS = (
    """CREATE TABLE server_terms (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        guild_id   INTEGER NOT NULL,
        norm       TEXT    NOT NULL,
        name       TEXT    NOT NULL,
        aliases    TEXT    NOT NULL DEFAULT '[]',
        definition TEXT    NOT NULL,
        example    TEXT    NOT NULL DEFAULT '',
        why        TEXT    NOT NULL DEFAULT '',
        related    TEXT    NOT NULL DEFAULT '[]',
        faqs       TEXT    NOT NULL DEFAULT '[]',
        updated_by INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (guild_id, norm)
    )""",
    """CREATE TABLE server_term_changes (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        guild_id  INTEGER NOT NULL,
        term_id   INTEGER NOT NULL,
        name      TEXT    NOT NULL,
        action    TEXT    NOT NULL,
        user_id   INTEGER NOT NULL,
        at        INTEGER NOT NULL
    )""",
    "CREATE INDEX server_term_changes_guild ON server_term_changes (guild_id, id)",
    "CREATE INDEX server_term_changes_term ON server_term_changes (term_id)",
    """CREATE TABLE server_settings (
        guild_id       INTEGER PRIMARY KEY,
        editor_role_id INTEGER,
        glossary_name  TEXT NOT NULL DEFAULT ''
    )""",
)
_PG_SERVER_TERMS = (
    """CREATE TABLE server_terms (
        id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        guild_id   BIGINT NOT NULL,
        norm       TEXT   NOT NULL,
        name       TEXT   NOT NULL,
        aliases    TEXT   NOT NULL DEFAULT '[]',
        definition TEXT   NOT NULL,
        example    TEXT   NOT NULL DEFAULT '',
        why        TEXT   NOT NULL DEFAULT '',
        related    TEXT   NOT NULL DEFAULT '[]',
        faqs       TEXT   NOT NULL DEFAULT '[]',
        updated_by BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (guild_id, norm)
    )""",
    """CREATE TABLE server_term_changes (
        id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        guild_id  BIGINT NOT NULL,
        term_id   BIGINT NOT NULL,
        name      TEXT   NOT NULL,
        action    TEXT   NOT NULL,
        user_id   BIGINT NOT NULL,
        at        BIGINT NOT NULL
    )""",
    "CREATE INDEX server_term_changes_guild ON server_term_changes (guild_id, id)",
    "CREATE INDEX server_term_changes_term ON server_term_changes (term_id)",
    """CREATE TABLE server_settings (
        guild_id       BIGINT PRIMARY KEY,
        editor_role_id BIGINT,
        glossary_name  TEXT NOT NULL DEFAULT ''
    )""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "base: settings, term ids, lookups not found, term of the day", _BASE, _PG_BASE),
    Migration(2, "glossary generations", _GENERATIONS, _PG_GENERATIONS),
    Migration(3, "term of the day: unconfirmed posts", _UNCONFIRMED, _PG_UNCONFIRMED),
    Migration(4, "richer glossary entries", _RICHER_ENTRIES, _PG_RICHER_ENTRIES),
    Migration(5, "server terms, their change log and server settings", _SERVER_TERMS, _PG_SERVER_TERMS),
)
