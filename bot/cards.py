"""Definition cards, rendered to Discord's embed JSON without importing discord.py.

A card is laid out as :class:`Part` s (title, description, fields, footer), each with Discord's limit for it,
then fitted into the 6000 characters an embed may hold in all; a card whose parts fit whole (nearly every one)
is placed as it is. Text that is too long is cut at a paragraph or a sentence (a word at worst) and ends with
"…" and, where the entry has one, a link to read the rest. The loader asks :func:`overflows` which parts of an
entry would be cut, to warn the operator.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bot import limits
from bot.model import Card, Entry, Link
from bot.text import ELLIPSIS, fit, shorten

# Discord-friendly colors, picked per category by a stable hash so a category keeps its color across restarts.
PALETTE = (0x5865F2, 0x57F287, 0xFEE75C, 0xEB459E, 0xED4245, 0x3BA55C, 0xFAA61A, 0x9B59B6, 0x1ABC9C, 0xE67E22)
DEFAULT_COLOR = 0x5865F2
NO_DEFINITION = "*No definition in this glossary yet.*"
HEADING_ROOM = 40  # "Term of the day · 28 September": the longest heading a card gets
FOOTER_SEPARATOR = " · "


def color_for(category: str) -> int:
    """The color of a category; uncategorized terms get the default blurple."""
    if not category.strip():
        return DEFAULT_COLOR
    return PALETTE[zlib.crc32(category.strip().casefold().encode()) % len(PALETTE)]


class Part(NamedTuple):
    """One piece of a card's text: which entry key it comes from, what it is called, and its own limit.

    A named tuple, not a dataclass: every entry's parts are laid out when a glossary loads (to warn about text
    that will be cut), and a tuple is made at C speed."""

    key: str  # the glossary key it comes from ("definition", "faq", ...), to locate warnings
    label: str  # for messages to the operator ("FAQ 2", "section 'Problem it addresses'")
    name: str  # the field's title on the card; "" for the title, description and footer
    text: str
    limit: int
    linkable: bool = False  # may end with a "read more" link


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


def footer_text(entry: Entry, glossary_name: str) -> str:
    parts = (entry.glossary or glossary_name, entry.category, entry.attribution)
    return FOOTER_SEPARATOR.join(p for p in parts if p.strip())


def _fields(entry: Entry) -> Iterator[Part]:
    value = limits.EMBED_FIELD_VALUE
    if entry.example.strip():
        yield Part("example", "the example", "Example", entry.example, value, True)
    if entry.why_it_matters.strip():
        yield Part("why_it_matters", "why it matters", "Why it matters", entry.why_it_matters, value, True)
    for number, item in enumerate(entry.faq, 1):
        yield Part("faq", f"FAQ {number}", f"FAQ · {item.q.strip()}", item.a, value, True)
    for section in entry.sections:
        yield Part("sections", f"section '{section.title[:40]}'", section.title, section.text, value, True)
    if entry.tags:
        yield Part("tags", "the tags", "Tags", " · ".join(entry.tags), value)
    if entry.see_also_links:
        links = "\n".join(map(link_markdown, entry.see_also_links))
        yield Part("see_also_links", "the links", "Learn more", links, value)


def parts(entry: Entry, glossary_name: str, heading: str = "") -> list[Part]:
    """The card's text, in the order it is given room: title, heading, footer, description, then fields."""
    description = "\n\n".join(p for p in (aliases_line(entry.aliases), entry.definition.strip() or NO_DEFINITION) if p)
    out = [Part("term", "the name", "", entry.term, limits.EMBED_TITLE)]
    if heading.strip():
        out.append(Part("", "the heading", "", heading, limits.EMBED_AUTHOR))
    footer = footer_text(entry, glossary_name)
    if footer:
        out.append(Part("glossary", "the footer", "", footer, limits.EMBED_FOOTER))
    out.append(Part("definition", "the definition", "", description, limits.EMBED_DESCRIPTION, True))
    out += _fields(entry)
    return out


@dataclass(slots=True)
class _Budget:
    """What is left of the 6000 characters all text in an embed may use, and what had to be cut."""

    more: str  # " [more](url)" appended to cut text that may carry it, "" when the entry has no link
    left: int = limits.EMBED_TOTAL
    cut: list[Part] = field(default_factory=list)

    def take(self, part: Part, text: str, limit: int) -> str:
        room = min(limit, self.left)
        out = fit(text, room, self.more if part.linkable else "")
        if len(out) < len(text.strip()):
            self.cut.append(part)
        self.left -= len(out)
        return out


@dataclass(frozen=True, slots=True)
class RenderedCard:
    """The embed payload, the related-term buttons as (term id, label) and which parts had to be cut."""

    embed: dict[str, Any]
    buttons: tuple[tuple[int, str], ...]
    cut: tuple[Part, ...]


def _more(entry: Entry) -> str:
    return f"[Read more]({entry.see_also_links[0].url})" if entry.see_also_links else ""


def _layout(entry: Entry, glossary_name: str, heading: str) -> tuple[dict[str, Any], list[Part]]:
    laid = parts(entry, glossary_name, heading)
    if _fits(laid):  # nearly every card: nothing to cut, so no budget to keep
        return _whole(entry, laid), []
    return _fitted(entry, laid)


def _fitted(entry: Entry, laid: list[Part]) -> tuple[dict[str, Any], list[Part]]:
    """The embed of ``laid`` given room in order, each part cut to what is left; and the parts that were cut."""
    budget = _Budget(_more(entry))
    embed: dict[str, Any] = {"type": "rich", "color": color_for(entry.category)}
    fields: list[dict[str, Any]] = []
    for part in laid:
        if not part.name:
            text = budget.take(part, part.text, part.limit) or ELLIPSIS
            _place(embed, part.key, text)
        elif len(fields) == limits.EMBED_FIELDS or budget.left < 8:
            budget.cut.append(part)  # no room left for this field at all
        else:
            name = budget.take(part, part.name, min(limits.EMBED_FIELD_NAME, max(1, budget.left // 2))) or ELLIPSIS
            value = budget.take(part, part.text, part.limit) or ELLIPSIS
            fields.append({"name": name, "value": value, "inline": False})
    embed["fields"] = fields
    return embed, budget.cut


def _whole(entry: Entry, laid: list[Part]) -> dict[str, Any]:
    """The embed of a card that fits: every part as it is, stripped (what :func:`_fitted` makes of it)."""
    embed: dict[str, Any] = {"type": "rich", "color": color_for(entry.category)}
    fields: list[dict[str, Any]] = []
    for part in laid:
        text = part.text.strip() or ELLIPSIS
        if part.name:
            fields.append({"name": part.name.strip() or ELLIPSIS, "value": text, "inline": False})
        else:
            _place(embed, part.key, text)
    embed["fields"] = fields
    return embed


def _place(embed: dict[str, Any], key: str, text: str) -> None:
    if key == "term":
        embed["title"] = text
    elif key == "glossary":
        embed["footer"] = {"text": text}
    elif key == "definition":
        embed["description"] = text
    else:
        embed["author"] = {"name": text}


def render(card: Card, glossary_name: str, heading: str = "") -> RenderedCard:
    """Render ``card`` as an embed dict plus buttons; ``heading`` (e.g. "Term of the day · 28 November") goes
    above the title. ``glossary_name`` is the footer's name for entries whose file did not name its glossary."""
    embed, cut = _layout(card.entry, glossary_name, heading)
    buttons = tuple(
        (rel.term_id, shorten(rel.name, limits.BUTTON_LABEL) or "?") for rel in card.related[: limits.MAX_RELATED]
    )
    return RenderedCard(embed=embed, buttons=buttons, cut=tuple(cut))


def overflows(entry: Entry, glossary_name: str = "G" * limits.GLOSSARY_NAME) -> list[Part]:
    """The parts of ``entry`` that a card cannot show whole (with a term-of-the-day heading, the longest)."""
    laid = parts(entry, glossary_name, "H" * HEADING_ROOM)
    if _fits(laid):  # nearly every entry: no need to lay the card out
        return []
    return _fitted(entry, laid)[1]


def _fits(laid: list[Part]) -> bool:
    """Whether nothing can be cut: each part within its limit, and so much room left in the 6000 that every
    field title gets its full 256 characters whatever comes before it."""
    total = fields = 0
    for part in laid:
        if len(part.text) > part.limit or len(part.name) > limits.EMBED_FIELD_NAME:
            return False
        total += len(part.text) + len(part.name)
        fields += bool(part.name)
    return fields <= limits.EMBED_FIELDS and total <= limits.EMBED_TOTAL - 2 * limits.EMBED_FIELD_NAME


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
    lines += ["", entry.definition.strip() or NO_DEFINITION.strip("*")]
    texts = [("Example", entry.example), ("Why it matters", entry.why_it_matters)]
    texts += [(section.title, section.text) for section in entry.sections]
    for title, text in texts:
        if text.strip():
            lines += ["", f"{title}:", text.strip()]
    for item in entry.faq:
        lines += ["", f"Q: {item.q.strip()}", f"A: {item.a.strip()}"]
    if entry.tags:
        lines += ["", "Tags: " + ", ".join(entry.tags)]
    if entry.see_also_links:
        lines += ["", "Learn more:", *(f"{k.title}: {k.url}" if k.title else k.url for k in entry.see_also_links)]
    if card.related:
        lines += ["", "Related: " + ", ".join(rel.name for rel in card.related)]
    lines += ["", f"-- {footer_text(entry, glossary_name)}"]
    return "\n".join(lines)
