"""Server terms: a community's own entries, added, edited, linked, exported and imported inside Discord.

Who may change them: members with Manage Server, and members with the server's editor role (if one is set).
Every change is one transaction that also writes the change log and tells other processes (NOTIFY), and
each member may make at most ``EDITS_PER_WINDOW`` changes per ``WINDOW_S`` (counted in this process). A
server holds at most :data:`~bot.server_rules.MAX_TERMS` terms. Nothing here knows Discord: callers pass an
:class:`Actor` and get values back, or :class:`Refused` with one sentence to show.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from bot.database import POSTGRES, Database, Transaction
from bot.matching import TermIndex
from bot.model import Card, Entry, Related
from bot.normalize import normalize
from bot.overlay import Overlays, Scope
from bot.problems import Problem
from bot.server_rules import MAX_TERMS, Form, check, parse_upload, with_faq, with_related
from bot.server_store import CHANGED, Change, ServerTerm, ServerTermStore

EDITS_PER_WINDOW = 30
WINDOW_S = 600.0
HISTORY = 25
DEFAULT_GLOSSARY = "This server's glossary"
_LOCK_BASE = 0x7365727665720000  # "server" + the guild's low bits: PostgreSQL advisory lock per server


class Refused(Exception):
    """A change the rules refuse; ``str()`` says why in a sentence, ``form`` is what was typed (to reopen)."""

    def __init__(self, message: str, form: Form | None = None) -> None:
        super().__init__(message)
        self.form = form


class ImportRefused(Exception):
    """An import refused whole: the problems (file:line) or the reason, and nothing was changed."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks, where, and what Discord says they may do there."""

    guild_id: int
    user_id: int
    manage_guild: bool = False
    role_ids: frozenset[int] = frozenset()
    guild_name: str = ""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import changed (names), and the loader's warnings about the file."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()


@dataclass(slots=True)
class RateLimit:
    """At most ``most`` changes per member per server in any ``window`` seconds."""

    now: Callable[[], float]
    most: int = EDITS_PER_WINDOW
    window: float = WINDOW_S
    _times: dict[tuple[int, int], deque[float]] = field(default_factory=dict)

    def check(self, actor: Actor) -> None:
        times = self._times.get((actor.guild_id, actor.user_id))
        now = self.now()
        while times and times[0] <= now - self.window:
            times.popleft()
        if times and len(times) >= self.most:
            wait = max(1, round((times[0] + self.window - now) / 60))
            minutes = f"{self.window / 60:.0f}"
            raise Refused(f"You have made {self.most} changes in {minutes} minutes; try again in {wait} min.")

    def count(self, actor: Actor) -> None:
        self._times.setdefault((actor.guild_id, actor.user_id), deque()).append(self.now())


class ServerTerms:
    """Every server's own terms over the bot's database, and their overlays for lookups."""

    def __init__(self, db: Database, shipped: Callable[[], TermIndex], now: Callable[[], float] = time.time) -> None:
        self.db = db
        self.store = ServerTermStore(db)
        self.shipped = shipped
        self.now = now
        self.overlays = Overlays(self.store.index_rows, set())
        self.rate = RateLimit(now)

    async def start(self) -> None:
        """Learn which servers have terms, and follow changes other processes make."""
        self.overlays.clear(await self.store.guilds_with_terms())
        await self.db.listen(CHANGED, self.notified)

    async def notified(self, payload: str) -> None:
        """Another process changed a server's terms ("" : notifications may have been missed)."""
        if payload.isdigit():
            guild_id = int(payload)
            self.overlays.changed(guild_id, await ServerTermStore.count(self.db, guild_id) > 0)
        else:
            self.overlays.clear(await self.store.guilds_with_terms())

    # -- reading ----------------------------------------------------------------------------------------------
    async def scope(self, guild_id: int | None, shipped: TermIndex | None = None) -> Scope:
        """What ``guild_id`` sees: its overlay over the shipped index (the current one unless given)."""
        return Scope(shipped or self.shipped(), await self.overlays.get(guild_id))

    async def rotation(self, guild_ids: Sequence[int]) -> dict[int, list[int]]:
        """For the term of the day: each server's own terms (as matching ids: negative, sorted), for those of
        ``guild_ids`` that have any."""
        wanted = [g for g in guild_ids if g in self.overlays.with_terms]
        found = await self.store.ids_by_guild(wanted)
        return {guild: sorted(-tid for tid in tids) for guild, tids in found.items()}

    async def term(self, guild_id: int, term_id: int) -> ServerTerm | None:
        return await ServerTermStore.term(self.db, guild_id, term_id)

    async def named(self, guild_id: int, name: str) -> ServerTerm | None:
        return await ServerTermStore.named(self.db, guild_id, name)

    async def card(self, guild_id: int, term_id: int, scope: Scope) -> Card | None:
        """The card of server term ``term_id`` (its stored id) in ``guild_id``, related terms resolved in
        ``scope``; None if the server has no such term."""
        term = await self.term(guild_id, term_id)
        if term is None:
            return None
        settings = await self.store.settings(guild_id)
        related = [(scope.lookup(name), name) for name in term.entry.related]
        resolved = tuple(Related(tid, scope.name(tid) or name) for tid, name in related if tid is not None)
        entry = replace(term.entry, glossary=settings.glossary_name or DEFAULT_GLOSSARY)
        return Card(-term.id, entry, resolved)

    async def may_edit(self, actor: Actor) -> bool:
        if actor.manage_guild:
            return True
        role = (await self.store.settings(actor.guild_id)).editor_role_id
        return role is not None and role in actor.role_ids

    async def history(self, guild_id: int) -> list[Change]:
        """The last 25 changes, newest first."""
        return await self.store.history(guild_id, HISTORY)

    async def export(self, guild_id: int) -> tuple[bytes, int]:
        """The server's terms as a glossary YAML file (what an import reads back), and how many there are."""
        terms = await ServerTermStore.terms(self.db, guild_id)
        name = (await self.store.settings(guild_id)).glossary_name or DEFAULT_GLOSSARY
        document = {"glossary": name, "terms": [_exported(t.entry) for t in terms]}
        data = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100).encode()
        return data, len(terms)

    # -- changing -----------------------------------------------------------------------------------------------
    async def _allowed(self, actor: Actor, form: Form | None = None) -> None:
        if not await self.may_edit(actor):
            raise Refused(NOT_EDITOR)
        try:
            self.rate.check(actor)
        except Refused as exc:
            raise Refused(str(exc), form) from None

    def _checked(self, entry: Entry, form: Form | None) -> None:
        problems = check(entry)
        if problems:
            raise Refused(" ".join(message for _, message in problems[:3]), form)

    async def _begin(self, tx: Transaction, actor: Actor) -> None:
        """Serialise writes to one server (PostgreSQL: other processes too), and remember its name."""
        if tx.dialect == POSTGRES:
            await tx.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_BASE | (actor.guild_id & 0xFFFF),))
        if actor.guild_name:
            await self.store.set_glossary_name(tx, actor.guild_id, f"{actor.guild_name[:80]} glossary")

    async def _done(self, tx: Transaction, actor: Actor, changes: Sequence[Change]) -> None:
        await self.store.log(tx, actor.guild_id, changes)
        await self.store.changed(tx, actor.guild_id)

    def _after(self, actor: Actor, has_terms: bool) -> None:
        self.rate.count(actor)
        self.overlays.changed(actor.guild_id, has_terms)

    def _change(self, actor: Actor, term_id: int, name: str, action: str) -> Change:
        return Change(term_id, name, action, actor.user_id, int(self.now()))

    async def add(self, actor: Actor, form: Form) -> ServerTerm:
        """Add the term ``form`` describes; Refused (with the form) if it breaks a rule or its name is taken."""
        await self._allowed(actor, form)
        entry = form.entry()
        self._checked(entry, form)
        async with self.db.transaction() as tx:
            await self._begin(tx, actor)
            if await ServerTermStore.count(tx, actor.guild_id) >= MAX_TERMS:
                raise Refused(f"This server already has {MAX_TERMS:,} terms, the most it may have.", form)
            if await ServerTermStore.named(tx, actor.guild_id, entry.term) is not None:
                raise Refused(f"This server already has a term named **{entry.term}**; edit it instead.", form)
            term_id = await ServerTermStore.insert(tx, actor.guild_id, entry, actor.user_id, int(self.now()))
            await self._done(tx, actor, [self._change(actor, term_id, entry.term, "added")])
        self._after(actor, True)
        return ServerTerm(term_id, actor.guild_id, entry, actor.user_id, int(self.now()))

    async def edit(self, actor: Actor, term_id: int, form: Form) -> ServerTerm:
        """Replace term ``term_id``'s text with ``form`` (its related terms and FAQ stay)."""
        await self._allowed(actor, form)
        async with self.db.transaction() as tx:
            await self._begin(tx, actor)
            term = await ServerTermStore.term(tx, actor.guild_id, term_id)
            if term is None:
                raise Refused("That term is no longer in this server's glossary.", form)
            entry = form.entry(term.entry)
            self._checked(entry, form)
            other = await ServerTermStore.named(tx, actor.guild_id, entry.term)
            if other is not None and other.id != term_id:
                raise Refused(f"This server already has a term named **{entry.term}**.", form)
            await ServerTermStore.update(tx, term, entry, actor.user_id, int(self.now()))
            await self._done(tx, actor, [self._change(actor, term_id, entry.term, "edited")])
        self._after(actor, True)
        return ServerTerm(term_id, actor.guild_id, entry, actor.user_id, int(self.now()))

    async def remove(self, actor: Actor, term_id: int) -> str:
        """Remove term ``term_id``; its name."""
        await self._allowed(actor)
        async with self.db.transaction() as tx:
            await self._begin(tx, actor)
            term = await ServerTermStore.term(tx, actor.guild_id, term_id)
            if term is None:
                raise Refused("That term is no longer in this server's glossary.")
            await ServerTermStore.delete(tx, actor.guild_id, [term_id])
            await self._done(tx, actor, [self._change(actor, term_id, term.entry.term, "removed")])
            left = await ServerTermStore.count(tx, actor.guild_id)
        self._after(actor, left > 0)
        return term.entry.term

    async def _update(self, actor: Actor, name: str, change: Callable[[Entry], Entry], action: str) -> ServerTerm:
        """Apply ``change`` to the server's term named ``name``."""
        await self._allowed(actor)
        async with self.db.transaction() as tx:
            await self._begin(tx, actor)
            term = await ServerTermStore.named(tx, actor.guild_id, name)
            if term is None:
                raise Refused("This server has no term by that name (only its own terms can be changed).")
            entry = change(term.entry)
            self._checked(entry, None)
            await ServerTermStore.update(tx, term, entry, actor.user_id, int(self.now()))
            await self._done(tx, actor, [self._change(actor, term.id, entry.term, action)])
        self._after(actor, True)
        return ServerTerm(term.id, actor.guild_id, entry, actor.user_id, int(self.now()))

    async def link(self, actor: Actor, name: str, related: str) -> ServerTerm:
        """Set the related terms of ``name`` (comma-separated names of server or shipped terms; empty: none)."""
        scope = await self.scope(actor.guild_id)
        wanted = with_related(Entry(name, ""), related).related
        unknown = [r for r in wanted if scope.lookup(r) is None]
        if unknown:
            raise Refused(f"No term here is named {', '.join(f'**{u[:40]}**' for u in unknown[:5])}.")
        return await self._update(actor, name, lambda entry: with_related(entry, related), "related")

    async def faq(self, actor: Actor, name: str, question: str, answer: str) -> ServerTerm:
        """Add or replace the FAQ item ``question`` of ``name`` (an empty answer removes it)."""
        return await self._update(actor, name, lambda entry: with_faq(entry, question, answer), "faq")

    async def set_editors(self, actor: Actor, role_id: int | None) -> None:
        """Set (or clear, with None) the role whose members may edit server terms. Manage Server only."""
        if not actor.manage_guild:
            raise Refused("Only members with Manage Server can choose the editor role.")
        async with self.db.transaction() as tx:
            await self._begin(tx, actor)
            await self.store.set_editor_role(tx, actor.guild_id, role_id)
            what = f"<@&{role_id}>" if role_id else "no role"
            await self._done(tx, actor, [self._change(actor, 0, what, "editors")])

    async def import_file(self, actor: Actor, filename: str, data: bytes) -> ImportReport:
        """Replace the server's terms with the file's, all or nothing; ImportRefused says why not."""
        await self._allowed(actor)
        parsed = parse_upload(filename, data)
        if parsed.errors:
            raise ImportRefused(f"Import refused; nothing was changed. {len(parsed.errors)} error(s):", parsed.problems)
        if not parsed.entries:
            raise ImportRefused("Import refused: the file has no terms (to remove terms, use /glossary remove).")
        if len(parsed.entries) > MAX_TERMS:
            raise ImportRefused(
                f"Import refused: the file has {len(parsed.entries):,} terms and a server may have at most "
                f"{MAX_TERMS:,} ({len(parsed.entries) - MAX_TERMS:,} too many). Nothing was changed."
            )
        entries = self._linked(parsed.entries)
        async with self.db.transaction() as tx:
            await self._begin(tx, actor)
            report = await self._replace_all(tx, actor, entries)
        self._after(actor, True)
        return replace(report, warnings=parsed.problems)

    def _linked(self, entries: Sequence[Entry]) -> list[Entry]:
        """Entries whose related names are all known (in the file or the shipped glossary); others dropped."""
        names = {normalize(e.term) for e in entries} | {normalize(a) for e in entries for a in e.aliases}
        shipped = self.shipped()
        keep = [tuple(r for r in e.related if normalize(r) in names or shipped.lookup(r) is not None) for e in entries]
        return [replace(e, related=k) for e, k in zip(entries, keep, strict=True)]

    async def _replace_all(self, tx: Transaction, actor: Actor, entries: Sequence[Entry]) -> ImportReport:
        current = {normalize(t.entry.term): t for t in await ServerTermStore.terms(tx, actor.guild_id)}
        added: list[str] = []
        changed: list[str] = []
        log: list[Change] = []
        now = int(self.now())
        for entry in entries:
            old = current.pop(normalize(entry.term), None)
            if old is None:
                term_id = await ServerTermStore.insert(tx, actor.guild_id, entry, actor.user_id, now)
                added.append(entry.term)
                log.append(self._change(actor, term_id, entry.term, "imported"))
            elif old.entry != entry:
                await ServerTermStore.update(tx, old, entry, actor.user_id, now)
                changed.append(entry.term)
                log.append(self._change(actor, old.id, entry.term, "edited by import"))
        await ServerTermStore.delete(tx, actor.guild_id, [t.id for t in current.values()])
        log += [self._change(actor, t.id, t.entry.term, "removed by import") for t in current.values()]
        await self._done(tx, actor, log)
        return ImportReport(tuple(added), tuple(changed), tuple(t.entry.term for t in current.values()))


NOT_EDITOR = "Only members with Manage Server or this server's editor role can change its terms."


def _exported(entry: Entry) -> dict[str, Any]:
    """One entry in the glossary file format, without its empty keys."""
    out: dict[str, Any] = {"term": entry.term}
    if entry.aliases:
        out["aliases"] = list(entry.aliases)
    out["definition"] = entry.definition
    for key, value in (("example", entry.example), ("why_it_matters", entry.why_it_matters)):
        if value:
            out[key] = value
    if entry.related:
        out["related"] = list(entry.related)
    if entry.faq:
        out["faq"] = [{"q": f.q, "a": f.a} for f in entry.faq]
    return out


class _Dumper(yaml.SafeDumper):
    """YAML as people edit it: text of several lines as a literal block."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)
