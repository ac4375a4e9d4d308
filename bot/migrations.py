"""The database schema as numbered migrations, applied in order at start (see ``Database.migrate``).

A database records the highest migration it has had in ``schema_version``; a later release only adds
migrations, so a database in use gains new tables without losing anything. Migration 1 is the schema as it
was before migrations existed (``IF NOT EXISTS`` throughout), which adopts such databases unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    """One step: its number, what it does, and its statements."""

    version: int
    name: str
    sqlite: tuple[str, ...]

    def statements(self, dialect: str) -> tuple[str, ...]:
        if dialect != "sqlite":
            raise ValueError(f"no {dialect} statements for migration {self.version}")
        return self.sqlite


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

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "base: settings, term ids, lookups not found, term of the day", _BASE),
    Migration(2, "glossary generations", _GENERATIONS),
    Migration(3, "term of the day: unconfirmed posts", _UNCONFIRMED),
    Migration(4, "richer glossary entries", _RICHER_ENTRIES),
)
