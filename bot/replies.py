"""What the bot answers, decided without Discord: each function returns a ``Reply`` a cog sends as it is.

Keeping the decisions here (not in the cogs) lets tests call them directly and keeps the Discord adapters to
"parse the interaction, call the core, respond once".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bot import limits
from bot.cards import button_id, render, shorten
from bot.library import Library

MAX_SUGGESTIONS = 5
MAX_RESULTS = 10
QUOTE_CHARS = 60


@dataclass(frozen=True, slots=True)
class Reply:
    """One message: text and/or one embed, buttons as (custom_id, label), and whether only the asker sees it."""

    content: str = ""
    embed: dict[str, Any] | None = None
    buttons: tuple[tuple[str, str], ...] = ()
    ephemeral: bool = False
    primary_buttons: bool = False  # suggestions are the way forward; related terms are secondary
    extra_embeds: tuple[dict[str, Any], ...] = ()  # shown below ``embed`` (e.g. an admin's schedule status)


def quote(text: str) -> str:
    """User text made safe to echo: one line, no markdown or code breaking out, at most 60 characters."""
    flat = " ".join(text.replace("`", "'").split())
    return f"`{shorten(flat, QUOTE_CHARS) or ' '}`"


class Replies:
    """Answers for /define, /search, /random and the term buttons, over the current glossary."""

    def __init__(self, library: Library) -> None:
        self.library = library

    async def card(self, term_id: int, *, ephemeral: bool = False, heading: str = "") -> Reply | None:
        """The definition card of ``term_id`` with its related-term buttons, or None if it is gone."""
        card = await self.library.card(term_id)
        if card is None:
            return None
        rendered = render(card, self.library.name, heading)
        return Reply(embed=rendered.embed, buttons=rendered.buttons, ephemeral=ephemeral)

    def _suggestion_buttons(self, term_ids: list[int]) -> tuple[tuple[str, str], ...]:
        index = self.library.index
        return tuple(
            (button_id(tid), shorten(index.names[tid], limits.BUTTON_LABEL)) for tid in term_ids if tid in index.names
        )

    async def define(self, text: str, *, private: bool = False, guild_id: int | None = None) -> Reply:
        """The card for ``text``, or an ephemeral did-you-mean with a button per suggestion."""
        if not text.strip():
            return Reply("Type a term to look up, for example `/define genai`.", ephemeral=True)
        index = self.library.index
        term_id = index.lookup(text[:200])
        if term_id is not None:
            reply = await self.card(term_id, ephemeral=private)
            if reply is not None:
                return reply
        if guild_id is not None:
            await self.library.store.record_miss(guild_id, text.strip(), int(time.time()))
        suggestions = index.suggest(text[:200], limit=MAX_SUGGESTIONS)
        if not suggestions:
            return Reply(
                f"No term matches {quote(text)}, and nothing is close. Try `/search` with a word from its meaning.",
                ephemeral=True,
            )
        return Reply(
            f"No term matches {quote(text)}. Did you mean:",
            buttons=self._suggestion_buttons(suggestions),
            ephemeral=True,
            primary_buttons=True,
        )

    async def open(self, term_id: int, *, ephemeral: bool = True) -> Reply:
        """What a term button shows: the card, or why it is gone with suggestions."""
        reply = await self.card(term_id, ephemeral=ephemeral)
        if reply is not None:
            return reply
        former = await self.library.store.former_name(term_id)
        if former is None:
            return Reply("That term is no longer in the glossary.", ephemeral=True)
        suggestions = [tid for tid in self.library.index.suggest(former, limit=MAX_SUGGESTIONS) if tid != term_id]
        text = f"**{shorten(former, 80)}** is no longer in the glossary."
        if suggestions:
            text += " Perhaps one of these:"
        return Reply(text, buttons=self._suggestion_buttons(suggestions), ephemeral=True, primary_buttons=True)

    async def search(self, query: str) -> Reply:
        """Full-text search results as an ephemeral list with a button per result."""
        if not query.strip():
            return Reply("Type something to search for, for example `/search images from text`.", ephemeral=True)
        results = await self.library.store.search(query[:500], limit=MAX_RESULTS)
        results = [(tid, name) for tid, name in results if tid in self.library.index.names]
        if not results:
            suggestions = self.library.index.suggest(query[:200], limit=MAX_SUGGESTIONS)
            text = f"Nothing in the glossary matches {quote(query)}."
            if suggestions:
                text += " Did you mean:"
            return Reply(text, buttons=self._suggestion_buttons(suggestions), ephemeral=True, primary_buttons=True)
        lines = []
        for number, (tid, name) in enumerate(results, 1):
            card = await self.library.card(tid)
            first = shorten(card.entry.definition, 120) if card else ""
            lines.append(f"**{number}. {shorten(name, 80)}** · {first}")
        embed = {
            "type": "rich",
            "title": shorten(f"Search: {' '.join(query.split())}", limits.EMBED_TITLE),
            "description": shorten("\n".join(lines), limits.EMBED_DESCRIPTION),
            "footer": {"text": shorten(f"{self.library.name} · {len(results)} result(s)", limits.EMBED_FOOTER)},
        }
        return Reply(embed=embed, buttons=self._suggestion_buttons([tid for tid, _ in results]), ephemeral=True)

    async def random(self) -> Reply:
        """A random card, public."""
        term_id = self.library.index.random_id()
        reply = None if term_id is None else await self.card(term_id)
        return reply or Reply("The glossary is empty.", ephemeral=True)
