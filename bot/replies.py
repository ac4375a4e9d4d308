"""What the bot answers to the glossary commands and buttons, decided without Discord.

Each method returns a :class:`Reply` that an adapter sends as it is. Every answer takes the glossary
snapshot once, so it is answered from one glossary even while a reload swaps in the next. In a server with
terms of its own, answers look in its overlay too (:mod:`bot.overlay`): its terms are found first, and their
ids are negative wherever a term id travels (buttons included).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import limits
from bot.cards import render
from bot.library import Library, LoadReport, Snapshot
from bot.matching import Choice
from bot.misses import MissLog
from bot.model import Card
from bot.overlay import Scope, is_server_term
from bot.problems import Problem
from bot.text import clean, first_sentence, quote, shorten

if TYPE_CHECKING:
    from bot.server_terms import ServerTerms

MAX_SUGGESTIONS = 5
MAX_RESULTS = 10
MAX_EXPLAINED = 10  # terms listed by "Explain terms"; the rest are counted
MAX_EXPLAIN_TEXT = 10_000  # text read by "Explain terms": a long message and its embed; the rest is not read
MAX_QUERY = 200  # longer input is cut before matching: no term name is this long
MAX_TERM_ID = 2**63 - 1  # ids are SQLite integers; a larger one in a forged button cannot exist
SERVER_HEADING = "This server's own term"
MAX_PROBLEMS_SHOWN = 15
PROBLEM_CHARS = 180  # one problem per line in a reload's answer (15 of them fit in 2000 characters)
FIRST_LINE = 120
EXPLAIN_LINE = 200  # the first sentence of each term "Explain terms" lists: 10 such lines fit an embed twice


@dataclass(frozen=True, slots=True)
class Action:
    """A button that does something other than open a term: what (``kind``), on what (``key``), its label."""

    kind: str  # "reopen" (a form kept after a problem) or "remove" (confirm removing a server term)
    key: str
    label: str
    danger: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """One message: text and/or embeds, buttons as (term id, label), and whether only the asker sees it."""

    content: str = ""
    embed: dict[str, Any] | None = None
    buttons: tuple[tuple[int, str], ...] = ()
    ephemeral: bool = False
    primary_buttons: bool = False  # suggestions are the way forward; related terms are secondary
    extra_embeds: tuple[dict[str, Any], ...] = ()  # shown below ``embed`` (e.g. an admin's schedule status)
    actions: tuple[Action, ...] = ()  # shown before the term buttons
    files: tuple[tuple[str, bytes], ...] = ()  # (file name, content) attached to the message


def notice(text: str) -> Reply:
    """A short private message."""
    return Reply(shorten(text, limits.MESSAGE_CONTENT), ephemeral=True)


class Replies:
    """Answers for /define, /search, /random, Explain terms and /explain, the term buttons and the glossary admin
    commands."""

    def __init__(
        self,
        library: Library,
        misses: MissLog,
        now: Callable[[], float] = time.time,
        server: ServerTerms | None = None,
    ) -> None:
        self.library = library
        self.misses = misses
        self._now = now
        self.server = server

    async def scope(self, guild_id: int | None, snapshot: Snapshot | None = None) -> Scope:
        """What ``guild_id`` sees: the shipped glossary of ``snapshot`` (default: the current one) and, if the
        server has terms of its own, its overlay."""
        index = (snapshot or self.library.current).index
        return Scope(index) if self.server is None else await self.server.scope(guild_id, index)

    async def _card_of(
        self, term_id: int, snapshot: Snapshot, guild_id: int | None, scope: Scope | None = None
    ) -> Card | None:
        """A shipped card from the library; a server term's from its server (its related terms in ``scope``)."""
        if not is_server_term(term_id):
            return await self.library.card(term_id, snapshot)
        if self.server is None or guild_id is None:
            return None
        return await self.server.card(guild_id, -term_id, scope or await self.scope(guild_id, snapshot))

    async def card(
        self,
        term_id: int,
        *,
        ephemeral: bool = False,
        heading: str = "",
        snapshot: Snapshot | None = None,
        guild_id: int | None = None,
    ) -> Reply | None:
        """The definition card of ``term_id`` (a server term's only in its server) with its related-term
        buttons, or None if it is gone."""
        snapshot = snapshot or self.library.current
        card = await self._card_of(term_id, snapshot, guild_id)
        if card is None:
            return None
        if is_server_term(term_id):
            heading = heading or SERVER_HEADING  # a term of the day's card says so in its footer alone
        rendered = render(card, snapshot.name, heading)
        return Reply(embed=rendered.embed, buttons=rendered.buttons, ephemeral=ephemeral)

    @staticmethod
    def _buttons(scope: Scope, term_ids: list[int]) -> tuple[tuple[int, str], ...]:
        named = [(tid, scope.name(tid)) for tid in term_ids]
        return tuple((tid, shorten(name, limits.BUTTON_LABEL)) for tid, name in named if name is not None)

    async def define(self, text: str, *, private: bool = False, guild_id: int | None = None) -> Reply:
        """The card for ``text``, or a private did-you-mean with a button per suggestion."""
        text = clean(text)[:MAX_QUERY]
        if not text.strip():
            return notice("Type a term to look up, for example `/define genai`.")
        snapshot = self.library.current
        scope = await self.scope(guild_id, snapshot)
        found = scope.find(text)
        if len(found) > 1:
            return await self._choose(text, found, snapshot, scope, guild_id)
        if found:
            reply = await self.card(found[0], ephemeral=private, snapshot=snapshot, guild_id=guild_id)
            if reply is not None:
                return reply
        if guild_id is not None:
            self.misses.record(guild_id, text, int(self._now()))
        suggestions = scope.suggest(text, limit=MAX_SUGGESTIONS)
        if not suggestions:
            return notice(
                f"No term matches {quote(text)}, and nothing is close. Try `/search` with a word from its meaning."
            )
        return Reply(
            f"No term matches {quote(text)}. Did you mean:",
            buttons=self._buttons(scope, suggestions),
            ephemeral=True,
            primary_buttons=True,
        )

    async def _line(
        self, term_id: int, snapshot: Snapshot, scope: Scope, guild_id: int | None, *, category: bool, limit: int
    ) -> str:
        """One term in a list: its name in bold (with its category if asked) and the first sentence of its card."""
        card = await self._card_of(term_id, snapshot, guild_id, scope)
        first = first_sentence(card.entry.definition, limit) if card and card.entry.definition else ""
        name = f"**{shorten(scope.name(term_id) or '?', limits.TERM_NAME)}**"
        kind = snapshot.index.categories.get(term_id) if category else None
        return name + (f" ({kind})" if kind else "") + (f" · {first}" if first else "")

    async def _choose(
        self, text: str, term_ids: tuple[int, ...], snapshot: Snapshot, scope: Scope, guild_id: int | None
    ) -> Reply:
        """Several terms answer to ``text``: each with its category and first sentence, and a button each."""
        lines = [
            await self._line(term_id, snapshot, scope, guild_id, category=True, limit=FIRST_LINE)
            for term_id in term_ids[:MAX_SUGGESTIONS]
        ]
        text = f"{quote(text)} can mean:\n" + "\n".join(lines)
        return Reply(
            shorten(text, limits.MESSAGE_CONTENT),
            buttons=self._buttons(scope, list(term_ids[:MAX_SUGGESTIONS])),
            ephemeral=True,
            primary_buttons=True,
        )

    async def explain(self, text: str, guild_id: int | None = None) -> Reply:
        """The answer to "Explain terms" and /explain, private: the glossary terms ``text`` names (the server's
        own first), in the order they appear, each with the first sentence of its card and a button to the card."""
        text = clean(text)[:MAX_EXPLAIN_TEXT]
        if not text.strip():
            return notice("There is no text to explain there. To look a term up, use `/define`.")
        snapshot = self.library.current
        scope = await self.scope(guild_id, snapshot)
        found = scope.explain(text, snapshot.finder)
        if not found:
            return notice("No glossary terms found in that text. To look a term up, use `/define`.")
        shown = list(found[:MAX_EXPLAINED])
        lines = [
            await self._line(term_id, snapshot, scope, guild_id, category=False, limit=EXPLAIN_LINE)
            for term_id in shown
        ]
        if len(found) > len(shown):
            lines.append(f"*…and {len(found) - len(shown)} more.*")
        embed = {
            "type": "rich",
            "title": f"{len(found)} glossary term{'s' if len(found) > 1 else ''} found",
            "description": shorten("\n".join(lines), limits.EMBED_DESCRIPTION),
            "footer": {"text": shorten(f"{snapshot.name} · a button opens the full card", limits.EMBED_FOOTER)},
        }
        return Reply(embed=embed, buttons=self._buttons(scope, shown), ephemeral=True)

    async def autocomplete(self, text: str, guild_id: int | None = None) -> list[Choice]:
        """Up to 25 choices for what has been typed so far (the server's own terms first)."""
        scope = await self.scope(guild_id)
        return scope.autocomplete(clean(text)[:MAX_QUERY], limit=limits.AUTOCOMPLETE_CHOICES)

    async def open(self, term_id: int, *, ephemeral: bool = True, guild_id: int | None = None) -> Reply:
        """What a term button shows: the card, or why it is gone with suggestions."""
        if not 0 < abs(term_id) <= MAX_TERM_ID or (is_server_term(term_id) and guild_id is None):
            return notice("That button does not lead to any term. Try `/define`.")
        snapshot = self.library.current
        reply = await self.card(term_id, ephemeral=ephemeral, snapshot=snapshot, guild_id=guild_id)
        if reply is not None:
            return reply
        former = await self._former_name(term_id, guild_id)
        if former is None:
            return notice("That term is no longer in the glossary.")
        scope = await self.scope(guild_id, snapshot)
        suggestions = [tid for tid in scope.suggest(former, limit=MAX_SUGGESTIONS) if tid != term_id]
        where = "this server's glossary" if is_server_term(term_id) else "the glossary"
        text = f"**{shorten(former, limits.TERM_NAME)}** is no longer in {where}."
        if suggestions:
            text += " Perhaps one of these:"
        return Reply(text, buttons=self._buttons(scope, suggestions), ephemeral=True, primary_buttons=True)

    async def _former_name(self, term_id: int, guild_id: int | None) -> str | None:
        """The name a gone term had; a server term's only in its own server (others learn nothing of it)."""
        if not is_server_term(term_id):
            return await self.library.store.former_name(term_id)
        if self.server is None or guild_id is None:
            return None
        return await self.server.store.former_name(guild_id, -term_id)

    async def _found(self, query: str, snapshot: Snapshot, scope: Scope, guild_id: int | None) -> list[tuple[int, str]]:
        """Search results as (term id, name): what the query names, the server's matches, then full text."""
        named = [(tid, scope.name(tid) or "") for tid in scope.find(query[:MAX_QUERY])]
        own: list[tuple[int, str]] = []
        if self.server is not None and guild_id is not None and len(scope.overlay):
            words = query.split()[:10]
            own = [(-tid, name) for tid, name in await self.server.store.search(guild_id, words, MAX_RESULTS)]
        shipped = await self.library.search(query, MAX_RESULTS, snapshot)
        return list(dict.fromkeys((tid, name) for tid, name in named + own + shipped if scope.has(tid)))[:MAX_RESULTS]

    async def search(self, query: str, guild_id: int | None = None) -> Reply:
        """Full-text search results as a private list with a button per result."""
        query = clean(query)[: MAX_QUERY * 2]
        if not query.strip():
            return notice("Type something to search for, for example `/search images from text`.")
        snapshot = self.library.current
        scope = await self.scope(guild_id, snapshot)
        results = await self._found(query, snapshot, scope, guild_id)
        if not results:
            suggestions = scope.suggest(query[:MAX_QUERY], limit=MAX_SUGGESTIONS)
            text = f"Nothing in the glossary matches {quote(query)}." + (" Did you mean:" if suggestions else "")
            return Reply(text, buttons=self._buttons(scope, suggestions), ephemeral=True, primary_buttons=True)
        lines = []
        for number, (tid, name) in enumerate(results, 1):
            card = await self._card_of(tid, snapshot, guild_id, scope)
            first = shorten(card.entry.definition, FIRST_LINE) if card else ""
            lines.append(f"**{number}. {shorten(name, limits.TERM_NAME)}** · {first}")
        embed = {
            "type": "rich",
            "title": shorten(f"Search: {' '.join(query.split())}", limits.EMBED_TITLE),
            "description": shorten("\n".join(lines), limits.EMBED_DESCRIPTION),
            "footer": {"text": shorten(f"{snapshot.name} · {len(results)} result(s)", limits.EMBED_FOOTER)},
        }
        return Reply(embed=embed, buttons=self._buttons(scope, [tid for tid, _ in results]), ephemeral=True)

    async def random(self, guild_id: int | None = None) -> Reply:
        """A random card, public (the server's own terms among the candidates)."""
        snapshot = self.library.current
        term_id = (await self.scope(guild_id, snapshot)).random_id()
        reply = None if term_id is None else await self.card(term_id, snapshot=snapshot, guild_id=guild_id)
        return reply or notice("The glossary is empty.")

    async def top_misses(self, guild_id: int) -> Reply:
        """/glossary misses: what people here looked for and did not find."""
        rows = await self.misses.top(guild_id)
        if not rows:
            return notice("Nobody here has looked for a missing term yet.")
        lines = [f"{count}× {quote(query)}" for query, count in rows]
        return notice("Looked for and not found:\n" + "\n".join(lines))

    async def reload(self) -> Reply:
        """/glossary reload: load the files again and say what happened."""
        return self.reloaded(await self.library.reload())

    @staticmethod
    def reloaded(report: LoadReport) -> Reply:
        """/glossary reload: the new size and any warnings, or the errors (file:line) and that nothing changed."""
        if report.ok:
            warnings = listed_problems(report.problems, "(all of them are in the log)")
            return notice(f"Glossary reloaded: {report.summary()}." + (f"\nWarnings:{warnings}" if warnings else ""))
        errors = [p for p in report.problems if p.is_error]
        return notice(
            f"Reload refused; still serving the previous glossary. {len(errors)} error(s):{listed_problems(errors, '')}"
        )


def listed_problems(problems: Sequence[Problem], after_more: str) -> str:
    """Problems as bullet lines, the first ``MAX_PROBLEMS_SHOWN`` of them, and how many more."""
    lines = "".join(f"\n• {shorten(str(p), PROBLEM_CHARS)}" for p in problems[:MAX_PROBLEMS_SHOWN])
    hidden = len(problems) - MAX_PROBLEMS_SHOWN
    return lines + (f"\n… and {hidden} more {after_more}".rstrip() if hidden > 0 else "")
