"""Definition cards, rendered to Discord's embed JSON without importing discord.py.

Rendering is pure so it can be tested exhaustively (a hypothesis test feeds it arbitrary entries) and reused by
the CLI (``python -m bot card``). Every limit comes from ``bot.limits``; text that would exceed one is cut at
a word boundary and ends with "…", and the parts that were cut are reported so the validator can refuse
entries that would lose text.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from bot import limits
from bot.model import Card, Link
from bot.text import ELLIPSIS, shorten

# Discord-friendly colors, picked per category by a stable hash so a category keeps its color across restarts.
PALETTE = (0x5865F2, 0x57F287, 0xFEE75C, 0xEB459E, 0xED4245, 0x3BA55C, 0xFAA61A, 0x9B59B6, 0x1ABC9C, 0xE67E22)
DEFAULT_COLOR = 0x5865F2


def color_for(category: str) -> int:
    """The color of a category; uncategorized terms get the default blurple."""
    if not category.strip():
        return DEFAULT_COLOR
    return PALETTE[zlib.crc32(category.strip().casefold().encode()) % len(PALETTE)]


@dataclass(slots=True)
class _Budget:
    """What is left of the 6000 characters all text in an embed may use."""

    left: int = limits.EMBED_TOTAL
    cut: list[str] = field(default_factory=list)

    def take(self, label: str, text: str, limit: int) -> str:
        room = min(limit, self.left)
        out = shorten(text, room)
        if len(out) < len(text.strip()):
            self.cut.append(label)
        self.left -= len(out)
        return out


@dataclass(frozen=True, slots=True)
class RenderedCard:
    """The embed payload, the related-term buttons as (term id, label) and what had to be cut."""

    embed: dict[str, Any]
    buttons: tuple[tuple[int, str], ...]
    cut: tuple[str, ...]


def link_markdown(link: Link) -> str:
    """A link as Discord shows it: a masked ``[title](url)`` when it has a title, else the bare address."""
    if not link.title:
        return link.url
    # A bracket in the title or a parenthesis in the address would end the mask early.
    title = link.title.replace("[", "(").replace("]", ")")
    url = link.url.replace("(", "%28").replace(")", "%29")
    return f"[{title}]({url})"


def aliases_line(aliases: tuple[str, ...]) -> str:
    """The "Also known as" line that opens the description."""
    return f"*Also known as: {', '.join(aliases)}*" if aliases else ""


def render(card: Card, glossary_name: str, heading: str = "") -> RenderedCard:
    """Render ``card`` as an embed dict plus buttons; ``heading`` (e.g. "Term of the day · 28 November") goes above."""
    entry = card.entry
    budget = _Budget()
    footer_text = glossary_name + (f" · {entry.category}" if entry.category else "")
    footer = budget.take("footer", footer_text, limits.EMBED_FOOTER) if footer_text.strip() else ""
    embed: dict[str, Any] = {"type": "rich", "color": color_for(entry.category)}
    if heading.strip():
        embed["author"] = {"name": budget.take("heading", heading, limits.EMBED_AUTHOR)}
    embed["title"] = budget.take("term", entry.term, limits.EMBED_TITLE) or "?"
    description = "\n\n".join(p for p in (aliases_line(entry.aliases), entry.definition.strip()) if p)
    embed["description"] = budget.take("definition", description, limits.EMBED_DESCRIPTION) or ELLIPSIS
    if footer:
        embed["footer"] = {"text": footer}

    fields: list[dict[str, Any]] = []
    wanted: list[tuple[str, str, str]] = []  # (label for reports, field name, value)
    if entry.example.strip():
        wanted.append(("example", "Example", entry.example))
    if entry.why_it_matters.strip():
        wanted.append(("why_it_matters", "Why it matters", entry.why_it_matters))
    for number, item in enumerate(entry.faq, 1):
        wanted.append((f"faq {number}", f"FAQ · {item.q.strip()}", item.a))
    if entry.see_also_links:
        wanted.append(("see_also_links", "Learn more", "\n".join(map(link_markdown, entry.see_also_links))))
    for label, name, value in wanted:
        if len(fields) == limits.EMBED_FIELDS or budget.left < 2:
            budget.cut.append(label)
            continue
        # Keep room for at least a few characters of value after the name.
        name_out = budget.take(f"{label} title", name, min(limits.EMBED_FIELD_NAME, max(1, budget.left // 2)))
        value_out = budget.take(label, value, limits.EMBED_FIELD_VALUE) or ELLIPSIS
        if budget.left < 0:  # the ellipsis stand-in can overdraw by one character
            budget.left += len(value_out)
            budget.cut.append(label)
            continue
        fields.append({"name": name_out or ELLIPSIS, "value": value_out, "inline": False})
    embed["fields"] = fields

    buttons = tuple(
        (rel.term_id, shorten(rel.name, limits.BUTTON_LABEL) or "?") for rel in card.related[: limits.MAX_RELATED]
    )
    if len(card.related) > limits.MAX_RELATED:
        budget.cut.append("related")
    return RenderedCard(embed=embed, buttons=buttons, cut=tuple(budget.cut))


def embed_length(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6000 total (title, description, fields, footer, author)."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", ()))
    return total


def as_text(card: Card, glossary_name: str) -> str:
    """A plain-text card for the terminal (``python -m bot card TERM``)."""
    entry = card.entry
    lines = [entry.term, "=" * len(entry.term)]
    if entry.aliases:
        lines.append(f"Also known as: {', '.join(entry.aliases)}")
    lines += ["", entry.definition.strip()]
    for title, text in (("Example", entry.example), ("Why it matters", entry.why_it_matters)):
        if text.strip():
            lines += ["", f"{title}:", text.strip()]
    for item in entry.faq:
        lines += ["", f"Q: {item.q.strip()}", f"A: {item.a.strip()}"]
    if entry.see_also_links:
        lines += ["", "Learn more:", *(f"{k.title}: {k.url}" if k.title else k.url for k in entry.see_also_links)]
    if card.related:
        lines += ["", "Related: " + ", ".join(rel.name for rel in card.related)]
    lines += ["", f"-- {glossary_name}" + (f" · {entry.category}" if entry.category else "")]
    return "\n".join(lines)
