"""The glossary's tables: each load is written as a new generation beside the one being served.

A generation becomes visible only when it is published (complete); every read names the generation it
belongs to, so a request that started on the old glossary finishes on it, and a load that fails halfway
leaves nothing anyone reads. Term ids are stable: ``term_keys`` maps a term's normalised name to an id and
is never emptied, so a button made for a term keeps pointing at it across restarts and reloads, and a
button for a term that has since left the glossary can still say which term it was.

Write methods take the caller's :class:`~bot.database.Transaction`; reads take the committed state.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.database import Database, Transaction
from bot.database.base import POSTGRES, SQLITE
from bot.gcpause import gc_paused
from bot.model import Card, Entry, Faq, Glossary, IndexRow, Link, Related, Section
from bot.normalize import normalize

WRITE_CHUNK = 20_000  # terms per write transaction: other writers (the scheduler) get the lock between chunks

_CARD_QUERY = {
    SQLITE: """
SELECT t.id, t.name, t.definition, t.example, t.why, t.category, t.links, t.source, t.ident, t.tags, t.sections,
    t.glossary, t.attribution,
    (SELECT json_group_array(alias) FROM
        (SELECT alias FROM glossary_aliases WHERE generation = t.generation AND term_id = t.id
         ORDER BY position)) AS aliases,
    (SELECT json_group_array(json_array(question, answer)) FROM
        (SELECT question, answer FROM glossary_faqs WHERE generation = t.generation AND term_id = t.id
         ORDER BY position)) AS faqs,
    (SELECT json_group_array(json_array(r.related_id, rt.name)) FROM
        (SELECT related_id, position FROM glossary_relations WHERE generation = t.generation AND term_id = t.id)
        AS r JOIN glossary_terms AS rt ON rt.generation = t.generation AND rt.id = r.related_id
        ORDER BY r.position) AS related
FROM glossary_terms AS t WHERE t.generation = ? AND t.id = ?
""",
    POSTGRES: """
SELECT t.id, t.name, t.definition, t.example, t.why, t.category, t.links, t.source, t.ident, t.tags, t.sections,
    t.glossary, t.attribution,
    (SELECT coalesce(json_agg(a.alias ORDER BY a.position), '[]')::text FROM glossary_aliases AS a
        WHERE a.generation = t.generation AND a.term_id = t.id) AS aliases,
    (SELECT coalesce(json_agg(json_build_array(f.question, f.answer) ORDER BY f.position), '[]')::text
        FROM glossary_faqs AS f WHERE f.generation = t.generation AND f.term_id = t.id) AS faqs,
    (SELECT coalesce(json_agg(json_build_array(r.related_id, rt.name) ORDER BY r.position), '[]')::text
        FROM glossary_relations AS r JOIN glossary_terms AS rt ON rt.generation = r.generation AND rt.id = r.related_id
        WHERE r.generation = t.generation AND r.term_id = t.id) AS related
FROM glossary_terms AS t WHERE t.generation = ? AND t.id = ?
""",
}
_SEARCH = {
    SQLITE: "SELECT t.id, t.name FROM glossary_fts AS f JOIN glossary_terms AS t ON t.row = f.rowid"
    " WHERE glossary_fts MATCH ? AND t.generation = ? ORDER BY bm25(glossary_fts, 40.0, 20.0, 1.0, 5.0) LIMIT ?",
    POSTGRES: "SELECT t.id, t.name FROM glossary_terms AS t, to_tsquery('english', ?) AS q"
    " WHERE t.fts @@ q AND t.generation = ? ORDER BY ts_rank_cd(t.fts, q) DESC, t.position LIMIT ?",
}


@dataclass(frozen=True, slots=True)
class Generation:
    """A published glossary in the database."""

    generation: int
    name: str
    content_hash: str


class GlossaryStore:
    """Glossary tables over the bot's database (which owns connections and transactions)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads ------------------------------------------------------------------------------------------------
    async def meta(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    async def published(self) -> Generation | None:
        """The newest complete generation, or None before the first load."""
        row = await self.db.fetchone(
            "SELECT generation, name, content_hash FROM glossary_generations WHERE complete = 1"
            " ORDER BY generation DESC LIMIT 1"
        )
        return None if row is None else Generation(int(row[0]), str(row[1]), str(row[2]))

    async def index_rows(self, generation: int) -> tuple[IndexRow, ...]:
        """Every term of ``generation`` with its aliases, in glossary order."""
        aliases: dict[int, list[str]] = {}
        for tid, alias in await self.db.fetchall(
            "SELECT term_id, alias FROM glossary_aliases WHERE generation = ? ORDER BY term_id, position",
            (generation,),
        ):
            aliases.setdefault(tid, []).append(alias)
        rows = await self.db.fetchall(
            "SELECT id, name, category, definition = '' FROM glossary_terms WHERE generation = ? ORDER BY position",
            (generation,),
        )
        return tuple(
            IndexRow(tid, name, tuple(aliases.get(tid, ())), category, bool(stub)) for tid, name, category, stub in rows
        )

    async def card(self, generation: int, term_id: int) -> Card | None:
        """Everything a card shows for ``term_id``, in one query; None if the term is not in ``generation``."""
        row = await self.db.fetchone(_CARD_QUERY[self.db.dialect], (generation, term_id))
        if row is None:
            return None
        pairs = [(int(rid), str(rname)) for rid, rname in json.loads(row["related"])]
        entry = Entry(
            term=row["name"],
            definition=row["definition"],
            aliases=tuple(json.loads(row["aliases"])),
            example=row["example"],
            why_it_matters=row["why"],
            faq=tuple(Faq(q, a) for q, a in json.loads(row["faqs"])),
            related=tuple(rname for _, rname in pairs),
            category=row["category"],
            see_also_links=tuple(Link(url, title) for url, title in json.loads(row["links"])),
            source=row["source"],
            id=row["ident"],
            tags=tuple(json.loads(row["tags"])) if row["tags"] else (),
            sections=tuple(Section(title, text) for title, text in json.loads(row["sections"])),
            glossary=row["glossary"],
            attribution=row["attribution"],
        )
        return Card(int(row["id"]), entry, tuple(Related(rid, rname) for rid, rname in pairs))

    async def former_name(self, term_id: int) -> str | None:
        """The name a term id was given when it was first loaded, even if the term has since been removed."""
        row = await self.db.fetchone("SELECT name FROM term_keys WHERE id = ?", (term_id,))
        return None if row is None else str(row[0])

    async def search(self, generation: int, query: str, limit: int = 10) -> list[tuple[int, str]]:
        """Full-text search over names, aliases, definitions and tags; names weigh most. Returns (id, name).

        Terms with every word come first; when they are fewer than ``limit``, terms with any word follow.
        """
        found: dict[int, str] = {}
        for every in (True, False):
            match = fts_query(query, self.db.dialect, every=every)
            if not match or len(found) >= limit:
                continue
            rows = await self.db.fetchall(_SEARCH[self.db.dialect], (match, generation, limit))
            for tid, name in rows:
                found.setdefault(int(tid), str(name))
        return list(found.items())[:limit]

    # -- writes (in the caller's transaction) -------------------------------------------------------------------
    @staticmethod
    async def set_meta(tx: Transaction, key: str, value: str) -> None:
        await tx.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @staticmethod
    async def begin(tx: Transaction, name: str, content_hash: str) -> int:
        """Start an unpublished generation; returns its number."""
        row = await tx.fetchone("SELECT coalesce(max(generation), 0) + 1 FROM glossary_generations")
        generation = int(row[0]) if row else 1
        await tx.execute(
            "INSERT INTO glossary_generations (generation, name, content_hash, created_at) VALUES (?, ?, ?, ?)",
            (generation, name, content_hash, int(time.time())),
        )
        return generation

    @staticmethod
    async def term_ids(tx: Transaction, glossary: Glossary) -> list[int]:
        """Each entry's stable term id (by its key), creating ids for keys never seen before."""
        names = [e.term for e in glossary.entries]
        if tx.dialect == POSTGRES:  # one statement: executemany costs PostgreSQL a round of its protocol per key
            await tx.execute(
                "INSERT INTO term_keys(norm, name) SELECT * FROM unnest(?::text[], ?::text[])"
                " ON CONFLICT (norm) DO NOTHING",
                (list(glossary.keys), names),
            )
        else:
            await tx.executemany(
                "INSERT INTO term_keys(norm, name) VALUES (?, ?) ON CONFLICT (norm) DO NOTHING",
                zip(glossary.keys, names, strict=True),
            )
        ids = {norm: tid for norm, tid in await tx.fetchall("SELECT norm, id FROM term_keys")}
        return [ids[key] for key in glossary.keys]

    @staticmethod
    async def write(tx: Transaction, rows: Rows) -> None:
        """Write one chunk of a generation's rows (PostgreSQL: with COPY)."""
        await tx.copy("glossary_terms", TERM_COLUMNS, rows.terms)
        await tx.copy("glossary_aliases", ("generation", "term_id", "position", "alias"), rows.aliases)
        await tx.copy("glossary_faqs", ("generation", "term_id", "position", "question", "answer"), rows.faqs)
        await tx.copy("glossary_relations", ("generation", "term_id", "position", "related_id"), rows.relations)

    @staticmethod
    async def publish(tx: Transaction, generation: int) -> None:
        """Index the generation for full-text search, make it the published one, and tell other processes."""
        if tx.dialect == SQLITE:  # PostgreSQL keeps its full-text column itself
            await tx.execute(
                "INSERT INTO glossary_fts(rowid, name, aliases, definition, tags)"
                " SELECT row, name, aliases, definition, tags FROM glossary_terms WHERE generation = ?",
                (generation,),
            )
        await tx.execute("UPDATE glossary_generations SET complete = 1 WHERE generation = ?", (generation,))
        await tx.notify(PUBLISHED, str(generation))

    @staticmethod
    async def discard_superseded(tx: Transaction, current: int, before: int) -> int:
        """Delete generations older than ``current`` that were superseded (or abandoned half-written) before
        ``before`` (unix seconds): no request is still reading them. Returns how many went."""
        rows = await tx.fetchall(
            "SELECT generation, complete, created_at FROM glossary_generations WHERE generation <= ?"
            " ORDER BY generation DESC",
            (current,),
        )
        doomed: list[int] = []
        successor_at: int | None = None  # when the next published generation (the one that replaced it) came
        for generation, complete, created_at in rows:
            gone_at = created_at if not complete else successor_at
            if generation != current and gone_at is not None and gone_at < before:
                doomed.append(int(generation))
            if complete:
                successor_at = created_at
        for generation in doomed:
            if tx.dialect == SQLITE:
                # External-content FTS rows are removed by replaying their text with the 'delete' command.
                await tx.execute(
                    "INSERT INTO glossary_fts(glossary_fts, rowid, name, aliases, definition, tags)"
                    " SELECT 'delete', t.row, t.name, t.aliases, t.definition, t.tags FROM glossary_terms AS t"
                    " JOIN glossary_generations AS g ON g.generation = t.generation"
                    " WHERE t.generation = ? AND g.complete = 1",
                    (generation,),
                )
            for table in ("glossary_terms", "glossary_aliases", "glossary_faqs", "glossary_relations"):
                await tx.execute(f"DELETE FROM {table} WHERE generation = ?", (generation,))
            await tx.execute("DELETE FROM glossary_generations WHERE generation = ?", (generation,))
        return len(doomed)


TERM_COLUMNS = (
    "generation", "id", "position", "name", "aliases", "definition", "example", "why", "category", "links", "source",
    "ident", "tags", "sections", "glossary", "attribution",
)  # fmt: skip
PUBLISHED = "glossary_published"  # the notification other processes get when a generation is published


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows of (part of) a generation, ready for ``executemany``."""

    terms: list[tuple[object, ...]]
    aliases: list[tuple[int, int, int, str]]
    faqs: list[tuple[int, int, int, str, str]]
    relations: list[tuple[int, int, int, int]]


def unique_aliases(entry: Entry) -> tuple[str, ...]:
    """Aliases without those that only repeat the term's own name or an earlier alias."""
    seen = {normalize(entry.term)}
    out: list[str] = []
    for alias in entry.aliases:
        key = normalize(alias)
        if key not in seen:
            seen.add(key)
            out.append(alias)
    return tuple(out)


def index_rows_of(glossary: Glossary, ids: Sequence[int]) -> tuple[IndexRow, ...]:
    """What the in-memory index is built from, for each entry of ``glossary`` (``ids``: their term ids)."""
    return tuple(
        IndexRow(tid, e.term, unique_aliases(e), e.category, not e.definition)
        for tid, e in zip(ids, glossary.entries, strict=True)
    )


def chunks(glossary: Glossary, rows: Sequence[IndexRow], generation: int) -> Iterator[Rows]:
    """A generation's rows in chunks of ``WRITE_CHUNK`` terms; ``rows`` (from :func:`index_rows_of`) give each
    entry's term id and its aliases already made unique."""
    for start in range(0, len(glossary.entries), WRITE_CHUNK):
        with gc_paused():  # many tuples that all live to the end of the chunk: collections midway only cost time
            part = _rows(glossary, rows, generation, start)
        yield part  # never suspended inside the pause: an abandoned generator must not hold it


def _rows(glossary: Glossary, index_rows: Sequence[IndexRow], generation: int, start: int) -> Rows:
    g = generation
    rows = Rows([], [], [], [])
    for position in range(start, min(start + WRITE_CHUNK, len(glossary.entries))):
        e, tid, names = glossary.entries[position], index_rows[position].term_id, index_rows[position].aliases
        rows.terms.append(
            (g, tid, position, e.term, " ".join(names), e.definition, e.example, e.why_it_matters, e.category,
             _json([[k.url, k.title] for k in e.see_also_links]), e.source, e.id, _json(list(e.tags)) if e.tags else "",
             _json([[s.title, s.text] for s in e.sections]), e.glossary, e.attribution)
        )  # fmt: skip
        rows.aliases.extend((g, tid, pos, alias) for pos, alias in enumerate(names))
        rows.faqs.extend((g, tid, pos, f.q, f.a) for pos, f in enumerate(e.faq))
        rows.relations.extend(
            (g, tid, pos, index_rows[r].term_id) for pos, r in enumerate(glossary.relations[position])
        )
    return rows


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if value else "[]"


def fts_query(text: str, dialect: str = SQLITE, *, every: bool = False) -> str:
    """A full-text query from free text: every word (``every``) or any word, each prefix-matched; only letters
    and digits get through, so no query syntax leaks in (FTS5 MATCH, or PostgreSQL's to_tsquery)."""
    words = [w[:40] for w in "".join(ch if ch.isalnum() else " " for ch in text.casefold()).split() if w][:8]
    if dialect == POSTGRES:
        return (" & " if every else " | ").join(f"{w}:*" for w in words)
    return (" AND " if every else " OR ").join(f'"{w}"*' for w in words)
