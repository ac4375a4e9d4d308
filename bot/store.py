"""The glossary's tables in SQLite, written in one transaction per load and read one card at a time.

Term ids are stable: ``term_keys`` maps a term's normalised name to an id and is never emptied, so a button
made for a term keeps pointing at it across restarts and reloads, and a button for a term that has since left
the glossary can still say which term it was. Server settings and history live in other tables (see
``bot.tod_store``) that a glossary load never touches.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.gcpause import gc_paused
from bot.model import Card, Entry, Faq, Glossary, Link, Related
from bot.normalize import normalize

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS term_keys (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    norm TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS terms (
    id         INTEGER PRIMARY KEY REFERENCES term_keys(id),
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    definition TEXT NOT NULL,
    example    TEXT NOT NULL DEFAULT '',
    why        TEXT NOT NULL DEFAULT '',
    category   TEXT NOT NULL DEFAULT '',
    links      TEXT NOT NULL DEFAULT '[]',
    source     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS aliases (
    term_id  INTEGER NOT NULL,
    position INTEGER NOT NULL,
    alias    TEXT NOT NULL,
    PRIMARY KEY (term_id, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS faqs (
    term_id  INTEGER NOT NULL,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer   TEXT NOT NULL,
    PRIMARY KEY (term_id, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS relations (
    term_id    INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    related_id INTEGER NOT NULL,
    PRIMARY KEY (term_id, position)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS terms_fts USING fts5(
    name, aliases, definition, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS lookup_misses (
    guild_id  INTEGER NOT NULL,
    norm      TEXT NOT NULL,
    query     TEXT NOT NULL,
    count     INTEGER NOT NULL DEFAULT 1,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (guild_id, norm)
) WITHOUT ROWID;
"""

# Bumped whenever the glossary tables' layout changes: a stored glossary of another version is rebuilt.
SCHEMA_VERSION = "2"
GLOSSARY_TABLES = ("terms", "aliases", "faqs", "relations", "terms_fts")

_CARD_QUERY = """
SELECT t.id, t.name, t.definition, t.example, t.why, t.category, t.links, t.source,
    (SELECT json_group_array(alias) FROM
        (SELECT alias FROM aliases WHERE term_id = t.id ORDER BY position)) AS aliases,
    (SELECT json_group_array(json_array(question, answer)) FROM
        (SELECT question, answer FROM faqs WHERE term_id = t.id ORDER BY position)) AS faqs,
    (SELECT json_group_array(json_array(r.related_id, rt.name)) FROM
        (SELECT related_id FROM relations WHERE term_id = t.id ORDER BY position) AS r
        JOIN terms AS rt ON rt.id = r.related_id) AS related
FROM terms AS t WHERE t.id = ?
"""


@dataclass(frozen=True, slots=True)
class IndexRow:
    """What the in-memory index needs of one term: no definitions, so memory stays small."""

    term_id: int
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredGlossary:
    """The glossary currently in the database, as the index needs it."""

    name: str
    content_hash: str
    rows: tuple[IndexRow, ...]


class GlossaryStore:
    """Glossary tables over one aiosqlite connection (owned by the entry point, not by the store)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def meta(self, key: str) -> str | None:
        async with self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return None if row is None else str(row[0])

    async def set_meta(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        await self.db.commit()

    async def write(self, glossary: Glossary) -> StoredGlossary:
        """Replace the glossary tables with ``glossary`` in one transaction; return what the index needs.

        Rows are computed in a worker thread (a 100,000-term glossary is millions of them), so the event loop
        keeps answering interactions while a reload writes.
        """
        entries = glossary.entries
        db = self.db
        keys = await asyncio.to_thread(lambda: [normalize(e.term) for e in entries])
        try:
            await db.execute("BEGIN IMMEDIATE")
            await db.executemany(
                "INSERT OR IGNORE INTO term_keys(norm, name) VALUES (?, ?)",
                zip(keys, (e.term for e in entries), strict=True),
            )
            rows = await asyncio.to_thread(_rows, entries, keys, await self._ids_by_norm())
            for table in GLOSSARY_TABLES:
                await db.execute(f"DELETE FROM {table}")
            await db.executemany(
                "INSERT INTO terms(id, position, name, definition, example, why, category, links, source)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows.terms,
            )
            await db.executemany("INSERT INTO aliases(term_id, position, alias) VALUES (?, ?, ?)", rows.aliases)
            await db.executemany("INSERT INTO faqs(term_id, position, question, answer) VALUES (?, ?, ?, ?)", rows.faqs)
            await db.executemany(
                "INSERT INTO relations(term_id, position, related_id) VALUES (?, ?, ?)", rows.relations
            )
            await db.executemany(
                "INSERT INTO terms_fts(rowid, name, aliases, definition) VALUES (?, ?, ?, ?)", rows.fts
            )
            for key, value in (
                ("glossary_hash", glossary.content_hash),
                ("glossary_schema", SCHEMA_VERSION),
                ("glossary_name", glossary.name),
                ("glossary_loaded_at", str(int(time.time()))),
            ):
                await db.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        return StoredGlossary(glossary.name, glossary.content_hash, rows.index)

    async def _ids_by_norm(self) -> dict[str, int]:
        async with self.db.execute("SELECT norm, id FROM term_keys") as cur:
            return {norm: tid for norm, tid in await cur.fetchall()}

    async def read(self) -> StoredGlossary | None:
        """The glossary stored by the last load, or None if there is none."""
        digest = await self.meta("glossary_hash")
        if digest is None or await self.meta("glossary_schema") != SCHEMA_VERSION:
            return None
        name = await self.meta("glossary_name") or "Glossary"
        aliases: dict[int, list[str]] = {}
        async with self.db.execute("SELECT term_id, alias FROM aliases ORDER BY term_id, position") as cur:
            for tid, alias in await cur.fetchall():
                aliases.setdefault(tid, []).append(alias)
        async with self.db.execute("SELECT id, name FROM terms ORDER BY position") as cur:
            rows = tuple(IndexRow(tid, nm, tuple(aliases.get(tid, ()))) for tid, nm in await cur.fetchall())
        return StoredGlossary(name, digest, rows)

    async def card(self, term_id: int) -> Card | None:
        """Everything a card shows for ``term_id``, in one query; None if the term is not in the glossary."""
        async with self.db.execute(_CARD_QUERY, (term_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        tid, name, definition, example, why, category, links, source, aliases, faqs, related = tuple(row)
        entry = Entry(
            term=name,
            definition=definition,
            aliases=tuple(json.loads(aliases)),
            example=example,
            why_it_matters=why,
            faq=tuple(Faq(q, a) for q, a in json.loads(faqs)),
            related=tuple(n for _, n in json.loads(related)),
            category=category,
            see_also_links=tuple(Link(url, title) for url, title in json.loads(links)),
            source=source,
        )
        return Card(tid, entry, tuple(Related(rid, rname) for rid, rname in json.loads(related)))

    async def former_name(self, term_id: int) -> str | None:
        """The name a term id was given when it was first loaded, even if the term has since been removed."""
        async with self.db.execute("SELECT name FROM term_keys WHERE id = ?", (term_id,)) as cur:
            row = await cur.fetchone()
        return None if row is None else str(row[0])

    async def search(self, query: str, limit: int = 10) -> list[tuple[int, str]]:
        """Full-text search over names, aliases and definitions; names weigh most. Returns (id, name)."""
        match = fts_query(query)
        if not match:
            return []
        async with self.db.execute(
            "SELECT rowid, name FROM terms_fts WHERE terms_fts MATCH ?"
            " ORDER BY bm25(terms_fts, 10.0, 6.0, 1.0) LIMIT ?",
            (match, limit),
        ) as cur:
            return [(int(tid), str(name)) for tid, name in await cur.fetchall()]

    async def record_miss(self, guild_id: int, query: str, now: int) -> None:
        """Remember a term someone looked for and did not find, so admins can see what to add."""
        norm = normalize(query)[:100]
        if not norm:
            return
        await self.db.execute(
            "INSERT INTO lookup_misses(guild_id, norm, query, count, last_seen) VALUES (?, ?, ?, 1, ?)"
            " ON CONFLICT(guild_id, norm) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen,"
            " query = excluded.query",
            (guild_id, norm, query[:100], now),
        )
        await self.db.commit()

    async def top_misses(self, guild_id: int, limit: int = 15) -> list[tuple[str, int]]:
        """The most looked-for unknown terms in a server, most frequent first."""
        async with self.db.execute(
            "SELECT query, count FROM lookup_misses WHERE guild_id = ? ORDER BY count DESC, last_seen DESC LIMIT ?",
            (guild_id, limit),
        ) as cur:
            return [(str(q), int(c)) for q, c in await cur.fetchall()]


def _unique_aliases(entry: Entry) -> tuple[str, ...]:
    """Aliases without those that only repeat the term's own name or an earlier alias."""
    seen = {normalize(entry.term)}
    out: list[str] = []
    for alias in entry.aliases:
        key = normalize(alias)
        if key not in seen:
            seen.add(key)
            out.append(alias)
    return tuple(out)


def _rows(entries: Sequence[Entry], keys: Sequence[str], ids: dict[str, int]) -> _Rows:
    with gc_paused():  # millions of tuples that all live to the end: collections midway only cost time
        return _Rows(entries, keys, ids)


class _Rows:
    """Every row of a glossary load, with each name normalised once."""

    def __init__(self, entries: Sequence[Entry], keys: Sequence[str], ids: dict[str, int]) -> None:
        tids = [ids[key] for key in keys]
        aliases = [_unique_aliases(e) for e in entries]
        lookup: dict[str, int] = {}  # every name and alias -> term id, to resolve related names
        for entry, key, tid in zip(entries, keys, tids, strict=True):
            lookup[key] = tid
            for alias in entry.aliases:
                lookup.setdefault(normalize(alias), tid)
        self.terms = [
            (tid, pos, e.term, e.definition, e.example, e.why_it_matters, e.category,
             json.dumps([[k.url, k.title] for k in e.see_also_links]) if e.see_also_links else "[]", e.source)
            for pos, (tid, e) in enumerate(zip(tids, entries, strict=True))
        ]  # fmt: skip
        self.aliases = [(tid, pos, a) for tid, names in zip(tids, aliases, strict=True) for pos, a in enumerate(names)]
        self.faqs = [(tid, pos, f.q, f.a) for tid, e in zip(tids, entries, strict=True) for pos, f in enumerate(e.faq)]
        self.relations = [
            (tid, pos, lookup[normalize(r)])
            for tid, e in zip(tids, entries, strict=True)
            for pos, r in enumerate(e.related)
        ]
        self.fts = [(tid, e.term, " ".join(e.aliases), e.definition) for tid, e in zip(tids, entries, strict=True)]
        self.index = tuple(IndexRow(tid, e.term, names) for tid, e, names in zip(tids, entries, aliases, strict=True))


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression from free text: each word quoted (so no FTS syntax leaks in), prefix-matched."""
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in text.casefold()).split() if w][:8]
    return " OR ".join(f'"{w[:40]}"*' for w in words)
