"""The server terms' tables: each server's own entries, their change log and the server's settings.

Write methods take the caller's :class:`~bot.database.Transaction` and never commit; reads take the committed
state. Term ids come from one sequence shared by every server, so an id names one term of one server.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.database import Database, Queryable, Transaction, ids
from bot.model import Entry, Faq
from bot.normalize import normalize

CHANGED = "server_terms"  # the notification channel: its payload is the id of the server whose terms changed
_COLUMNS = "id, guild_id, name, aliases, definition, example, why, related, faqs, updated_by, updated_at"


@dataclass(frozen=True, slots=True)
class ServerTerm:
    """One server term as stored: its id, its server, the entry, and who changed it last and when."""

    id: int
    guild_id: int
    entry: Entry
    updated_by: int = 0
    updated_at: int = 0


@dataclass(frozen=True, slots=True)
class Change:
    """One line of a server's change log."""

    term_id: int
    name: str
    action: str  # added, edited, removed, linked, faq, imported
    user_id: int
    at: int


@dataclass(frozen=True, slots=True)
class Settings:
    """A server's settings for its own terms."""

    editor_role_id: int | None = None
    glossary_name: str = ""


def _term(row: object) -> ServerTerm:
    tid, guild, name, aliases, definition, example, why, related, faqs, by, at = row  # type: ignore[misc]
    entry = Entry(
        term=name,
        definition=definition,
        aliases=tuple(json.loads(aliases)),
        example=example,
        why_it_matters=why,
        related=tuple(json.loads(related)),
        faq=tuple(Faq(q, a) for q, a in json.loads(faqs)),
    )
    return ServerTerm(int(tid), int(guild), entry, int(by), int(at))


def _values(entry: Entry) -> tuple[str, ...]:
    """The stored columns of ``entry``, from ``norm`` to ``faqs``."""
    return (
        normalize(entry.term),
        entry.term,
        json.dumps(list(entry.aliases), ensure_ascii=False),
        entry.definition,
        entry.example,
        entry.why_it_matters,
        json.dumps(list(entry.related), ensure_ascii=False),
        json.dumps([[f.q, f.a] for f in entry.faq], ensure_ascii=False),
    )


class ServerTermStore:
    """SQL for server terms over the bot's database (which owns connections and transactions)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads ------------------------------------------------------------------------------------------------
    async def guilds_with_terms(self) -> set[int]:
        """Every server that has at least one term (for lookups in the others to skip the database)."""
        return {int(row[0]) for row in await self.db.fetchall("SELECT DISTINCT guild_id FROM server_terms")}

    @staticmethod
    async def terms(q: Queryable, guild_id: int) -> list[ServerTerm]:
        """Every term of a server, in the order they were added."""
        rows = await q.fetchall(f"SELECT {_COLUMNS} FROM server_terms WHERE guild_id = ? ORDER BY id", (guild_id,))
        return [_term(row) for row in rows]

    async def ids_by_guild(self, guild_ids: Sequence[int]) -> dict[int, list[int]]:
        """The term ids of each of ``guild_ids`` that has terms, in one query (for the term of the day)."""
        if not guild_ids:
            return {}
        listed, param = ids(self.db, guild_ids)
        rows = await self.db.fetchall(
            f"SELECT guild_id, id FROM server_terms WHERE guild_id IN {listed} ORDER BY guild_id, id", (param,)
        )
        out: dict[int, list[int]] = {}
        for guild_id, term_id in rows:
            out.setdefault(int(guild_id), []).append(int(term_id))
        return out

    async def index_rows(self, guild_id: int) -> list[tuple[int, str, str]]:
        """(id, name, aliases as JSON) of a server's terms: what its overlay index needs."""
        rows = await self.db.fetchall(
            "SELECT id, name, aliases FROM server_terms WHERE guild_id = ? ORDER BY id", (guild_id,)
        )
        return [(int(tid), str(name), str(aliases)) for tid, name, aliases in rows]

    @staticmethod
    async def term(q: Queryable, guild_id: int, term_id: int) -> ServerTerm | None:
        row = await q.fetchone(
            f"SELECT {_COLUMNS} FROM server_terms WHERE guild_id = ? AND id = ?", (guild_id, term_id)
        )
        return None if row is None else _term(row)

    @staticmethod
    async def named(q: Queryable, guild_id: int, name: str) -> ServerTerm | None:
        """The server's term whose name normalises like ``name``."""
        row = await q.fetchone(
            f"SELECT {_COLUMNS} FROM server_terms WHERE guild_id = ? AND norm = ?", (guild_id, normalize(name))
        )
        return None if row is None else _term(row)

    @staticmethod
    async def count(q: Queryable, guild_id: int) -> int:
        row = await q.fetchone("SELECT count(*) FROM server_terms WHERE guild_id = ?", (guild_id,))
        return int(row[0]) if row else 0

    async def former_name(self, guild_id: int, term_id: int) -> str | None:
        """The last name a term of this server had, even once removed (from the change log)."""
        row = await self.db.fetchone(
            "SELECT name FROM server_term_changes WHERE guild_id = ? AND term_id = ? ORDER BY id DESC LIMIT 1",
            (guild_id, term_id),
        )
        return None if row is None else str(row[0])

    async def history(self, guild_id: int, limit: int) -> list[Change]:
        """The server's last ``limit`` changes, newest first."""
        rows = await self.db.fetchall(
            "SELECT term_id, name, action, user_id, at FROM server_term_changes WHERE guild_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [Change(int(t), str(n), str(a), int(u), int(at)) for t, n, a, u, at in rows]

    async def search(self, guild_id: int, words: Sequence[str], limit: int) -> list[tuple[int, str]]:
        """(id, name) of the server's terms whose name, aliases or definition hold every word; names first."""
        if not words:
            return []
        clauses = " AND ".join("lower(name || ' ' || aliases || ' ' || definition) LIKE ? ESCAPE '!'" for _ in words)
        patterns = [f"%{_escape(w.lower())}%" for w in words]
        rows = await self.db.fetchall(
            f"SELECT id, name FROM server_terms WHERE guild_id = ? AND {clauses} ORDER BY id LIMIT ?",
            (guild_id, *patterns, limit),
        )
        return [(int(tid), str(name)) for tid, name in rows]

    async def settings(self, guild_id: int) -> Settings:
        row = await self.db.fetchone(
            "SELECT editor_role_id, glossary_name FROM server_settings WHERE guild_id = ?", (guild_id,)
        )
        if row is None:
            return Settings()
        return Settings(None if row[0] is None else int(row[0]), str(row[1]))

    # -- writes (in the caller's transaction) ----------------------------------------------------------------
    @staticmethod
    async def insert(tx: Transaction, guild_id: int, entry: Entry, user_id: int, at: int) -> int:
        row = await tx.fetchone(
            "INSERT INTO server_terms (guild_id, norm, name, aliases, definition, example, why, related, faqs,"
            " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (guild_id, *_values(entry), user_id, at),
        )
        assert row is not None
        return int(row[0])

    @staticmethod
    async def update(tx: Transaction, term: ServerTerm, entry: Entry, user_id: int, at: int) -> None:
        await tx.execute(
            "UPDATE server_terms SET norm = ?, name = ?, aliases = ?, definition = ?, example = ?, why = ?,"
            " related = ?, faqs = ?, updated_by = ?, updated_at = ? WHERE guild_id = ? AND id = ?",
            (*_values(entry), user_id, at, term.guild_id, term.id),
        )

    @staticmethod
    async def delete(tx: Transaction, guild_id: int, term_ids: Sequence[int]) -> None:
        rows = [(guild_id, term_id) for term_id in term_ids]
        await tx.executemany("DELETE FROM server_terms WHERE guild_id = ? AND id = ?", rows)

    @staticmethod
    async def log(tx: Transaction, guild_id: int, changes: Sequence[Change]) -> None:
        await tx.executemany(
            "INSERT INTO server_term_changes (guild_id, term_id, name, action, user_id, at) VALUES (?, ?, ?, ?, ?, ?)",
            [(guild_id, c.term_id, c.name, c.action, c.user_id, c.at) for c in changes],
        )

    @staticmethod
    async def changed(tx: Transaction, guild_id: int) -> None:
        """Tell every process this server's terms changed (delivered when the transaction commits)."""
        await tx.notify(CHANGED, str(guild_id))

    @staticmethod
    async def set_editor_role(tx: Transaction, guild_id: int, role_id: int | None) -> None:
        await tx.execute(
            "INSERT INTO server_settings (guild_id, editor_role_id) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET editor_role_id = excluded.editor_role_id",
            (guild_id, role_id),
        )

    @staticmethod
    async def set_glossary_name(tx: Transaction, guild_id: int, name: str) -> None:
        await tx.execute(
            "INSERT INTO server_settings (guild_id, glossary_name) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET glossary_name = excluded.glossary_name",
            (guild_id, name),
        )


def _escape(word: str) -> str:
    """``word`` for a LIKE pattern: its own %, _ and ! matched literally (ESCAPE '!')."""
    return word.replace("!", "!!").replace("%", "!%").replace("_", "!_")
