"""What the bot answers to the server-term commands (/glossary add, edit, remove, link, faq, editors, export,
import, history), decided without Discord.

A form refused for its text is kept here, under a short token, so the answer can carry a button that reopens
the modal with the text as it was typed (a button's custom_id holds 100 characters; a form holds thousands).
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot import limits
from bot.matching import ID_VALUE, Choice
from bot.model import Entry
from bot.replies import Action, Replies, Reply, listed_problems, notice
from bot.server_rules import Form
from bot.server_store import ServerTerm
from bot.server_terms import NOT_EDITOR, Actor, ImportRefused, Refused, ServerTerms
from bot.text import clean, shorten

DRAFTS = 1_000  # forms kept to reopen, oldest dropped first
DRAFT_TTL_S = 30 * 60.0
EXPORT_NAME = "server-glossary.yaml"


@dataclass(frozen=True, slots=True)
class Draft:
    """A form kept to reopen: whose it is, which term it edits (0: a new one), when it was kept."""

    user_id: int
    term_id: int
    form: Form
    kept_at: float


class Drafts:
    """Refused forms by token, bounded in number and age."""

    def __init__(self, now: Callable[[], float] = time.monotonic, size: int = DRAFTS) -> None:
        self._now = now
        self._size = size
        self._drafts: OrderedDict[str, Draft] = OrderedDict()

    def keep(self, user_id: int, term_id: int, form: Form) -> str:
        token = secrets.token_urlsafe(9)  # 12 characters
        self._drafts[token] = Draft(user_id, term_id, form, self._now())
        while len(self._drafts) > self._size:
            self._drafts.popitem(last=False)
        return token

    def get(self, token: str, user_id: int) -> Draft | None:
        """The draft ``user_id`` kept under ``token`` (nobody else's), if it has not expired."""
        draft = self._drafts.get(token)
        if draft is None or draft.user_id != user_id or self._now() - draft.kept_at > DRAFT_TTL_S:
            return None
        return draft


@dataclass(frozen=True, slots=True)
class Prefill:
    """A modal to open: which term it edits (0: a new one) and its text."""

    term_id: int
    form: Form


class ServerReplies:
    """Answers for the commands that change a server's own terms."""

    def __init__(self, terms: ServerTerms, replies: Replies, drafts: Drafts | None = None) -> None:
        self.terms = terms
        self.replies = replies
        self.drafts = drafts or Drafts()

    async def may_edit(self, actor: Actor) -> bool:
        return await self.terms.may_edit(actor)

    async def own_choices(self, guild_id: int | None, text: str) -> list[Choice]:
        """Autocomplete over the server's own terms only (what edit, remove, link and faq act on)."""
        scope = await self.terms.scope(guild_id)
        return scope.overlay.autocomplete(clean(text)[: limits.TERM_OPTION], limit=limits.AUTOCOMPLETE_CHOICES)

    async def _card(self, actor: Actor, term_id: int, text: str) -> Reply:
        card = await self.replies.card(-term_id, ephemeral=True, guild_id=actor.guild_id)
        return Reply(text, embed=card.embed if card else None, buttons=card.buttons if card else (), ephemeral=True)

    def _refused(self, actor: Actor, term_id: int, refused: Refused) -> Reply:
        if refused.form is None:
            return notice(str(refused))
        token = self.drafts.keep(actor.user_id, term_id, refused.form)
        text = shorten(f"Not saved: {refused}", limits.MESSAGE_CONTENT)
        return Reply(text, ephemeral=True, actions=(Action("reopen", token, "Edit and try again"),))

    async def save(self, actor: Actor, term_id: int, form: Form) -> Reply:
        """A submitted modal: add (``term_id`` 0) or edit the term; a refusal keeps the form to reopen."""
        try:
            if term_id:
                saved = await self.terms.edit(actor, term_id, form)
            else:
                saved = await self.terms.add(actor, form)
        except Refused as refused:
            return self._refused(actor, term_id, refused)
        verb = "Saved" if term_id else "Added"
        return await self._card(actor, saved.id, f"{verb} **{shorten(saved.entry.term, limits.TERM_NAME)}**.")

    async def prefill(self, actor: Actor, name: str) -> Prefill | Reply:
        """/glossary edit: the modal pre-filled with the term ``name``, or why not."""
        term = await self._own(actor, name)
        if isinstance(term, Reply):
            return term
        return Prefill(term[0], Form.of(term[1]))

    async def _own(self, actor: Actor, name: str) -> tuple[int, Entry] | Reply:
        if not await self.terms.may_edit(actor):
            return notice(NOT_EDITOR)
        found = await self._named(actor, name)
        if found is None:
            return notice("This server has no term of its own by that name; `/glossary add` makes one.")
        return found.id, found.entry

    async def _named(self, actor: Actor, name: str) -> ServerTerm | None:
        """The server's term ``name`` names: by its name, or an autocomplete value ``id:-N`` (names that are
        also another term's alias come as such)."""
        if name.startswith(ID_VALUE + "-") and name[len(ID_VALUE) + 1 :].isdigit():
            return await self.terms.term(actor.guild_id, int(name[len(ID_VALUE) + 1 :]))
        return await self.terms.named(actor.guild_id, name)

    async def _name_of(self, actor: Actor, name: str) -> str:
        found = await self._named(actor, name)
        return found.entry.term if found else name

    def reopen(self, token: str, user_id: int) -> Prefill | Reply:
        """The reopen button: the kept form, or why it is gone."""
        draft = self.drafts.get(token, user_id)
        if draft is None:
            return notice("That text is no longer kept (they are kept for 30 minutes); please start again.")
        return Prefill(draft.term_id, draft.form)

    async def ask_remove(self, actor: Actor, name: str) -> Reply:
        """/glossary remove: a confirmation with a button."""
        term = await self._own(actor, name)
        if isinstance(term, Reply):
            return term
        shown = shorten(term[1].term, limits.TERM_NAME)
        text = f"Remove **{shown}** from this server's glossary? Its buttons will say it was removed."
        return Reply(text, ephemeral=True, actions=(Action("remove", str(term[0]), f"Remove {shown}", danger=True),))

    async def remove(self, actor: Actor, term_id: int) -> Reply:
        """The confirmation button."""
        try:
            name = await self.terms.remove(actor, term_id)
        except Refused as refused:
            return notice(str(refused))
        return notice(f"Removed **{shorten(name, limits.TERM_NAME)}** from this server's glossary.")

    async def link(self, actor: Actor, name: str, related: str) -> Reply:
        try:
            term = await self.terms.link(actor, await self._name_of(actor, name), related)
        except Refused as refused:
            return notice(str(refused))
        name = shorten(term.entry.term, limits.TERM_NAME)
        return await self._card(actor, term.id, f"Related terms of **{name}** set.")

    async def faq(self, actor: Actor, name: str, question: str, answer: str) -> Reply:
        try:
            term = await self.terms.faq(actor, await self._name_of(actor, name), question, answer)
        except Refused as refused:
            return notice(str(refused))
        done = "set" if answer.strip() else "removed"
        return await self._card(actor, term.id, f"FAQ of **{shorten(term.entry.term, limits.TERM_NAME)}** {done}.")

    async def editors(self, actor: Actor, role_id: int | None) -> Reply:
        try:
            await self.terms.set_editors(actor, role_id)
        except Refused as refused:
            return notice(str(refused))
        if role_id is None:
            return notice("Editor role cleared: only members with Manage Server can change this server's terms.")
        return notice(f"Members with <@&{role_id}> can now add and change this server's terms.")

    async def history(self, guild_id: int) -> Reply:
        changes = await self.terms.history(guild_id)
        if not changes:
            return notice("No changes to this server's terms yet.")
        lines = [f"<t:{c.at}:R> <@{c.user_id}> {c.action} **{shorten(c.name, 60)}**" for c in changes]
        return notice("Last changes, newest first:\n" + "\n".join(lines))

    async def export(self, guild_id: int) -> Reply:
        data, count = await self.terms.export(guild_id)
        text = f"This server's {count} term(s), in the glossary file format. Edit it and `/glossary import` it back."
        return Reply(text, ephemeral=True, files=((EXPORT_NAME, data),))

    async def import_file(self, actor: Actor, filename: str, data: bytes) -> Reply:
        """/glossary import: all or nothing, with a summary or the problems by line."""
        try:
            report = await self.terms.import_file(actor, filename, data)
        except Refused as refused:
            return notice(str(refused))
        except ImportRefused as refused:
            errors = [p for p in refused.problems if p.is_error]
            return notice(str(refused) + listed_problems(errors, ""))
        summary = (
            f"Imported: {len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed."
            + _names("Added", report.added)
            + _names("Changed", report.changed)
            + _names("Removed", report.removed)
        )
        if report.warnings:
            summary += "\nWarnings:" + listed_problems(report.warnings, "")
        return notice(summary)


def _names(label: str, names: tuple[str, ...]) -> str:
    if not names:
        return ""
    shown = ", ".join(shorten(n, 40) for n in names[:10])
    return f"\n{label}: {shown}" + (f" and {len(names) - 10} more" if len(names) > 10 else "")
