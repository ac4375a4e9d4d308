"""Cards: rendering rules, and a property test that any entry renders within every Discord limit."""

from __future__ import annotations

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import cards as cards_module
from bot import limits
from bot.cards import as_text, color_for, embed_length, render
from bot.model import Card, Entry, Faq, Link, Related, Section
from bot.replies import Reply
from bot.text import shorten
from bot.views import make_view, payload, term_custom_id


def test_shorten_cuts_at_a_word_with_ellipsis() -> None:
    assert shorten("short", 10) == "short"
    out = shorten("the quick brown fox jumps over", 15)
    assert out == "the quick…"
    assert len(out) <= 15
    assert shorten("x" * 50, 10) == "x" * 9 + "…"


def test_card_layout() -> None:
    entry = Entry(
        term="Generative AI",
        definition="Makes new things.",
        aliases=("GenAI",),
        example="A picture.",
        why_it_matters="Everywhere.",
        faq=(Faq("Is it new?", "Fairly."),),
        category="Foundations",
    )
    card = Card(1, entry, (Related(2, "Large Language Model"), Related(3, "Transformer")))
    rendered = render(card, "Generative AI Glossary", heading="Term of the day · 28 November")
    embed = rendered.embed
    assert embed["title"] == "Generative AI"
    assert embed["description"] == "*Also known as: GenAI*\n\nMakes new things."
    assert [f["name"] for f in embed["fields"]] == ["Example", "Why it matters", "FAQ · Is it new?"]
    assert embed["footer"]["text"] == "Generative AI Glossary · Foundations"
    assert embed["author"]["name"] == "Term of the day · 28 November"
    assert embed["color"] == color_for("Foundations")
    assert payload(Reply(embed=embed))["embeds"][0]["color"] == color_for("Foundations")  # survives discord.py
    assert rendered.buttons == ((2, "Large Language Model"), (3, "Transformer"))
    assert rendered.cut == ()
    text = as_text(card, "G")
    assert "Also known as: GenAI" in text and "Q: Is it new?" in text and "Related: Large Language Model" in text


def test_colors_are_stable_per_category() -> None:
    assert color_for("Training") == color_for(" training ")
    assert color_for("") == 0x5865F2


@st.composite
def cards(draw: st.DrawFn, longest: int = 7000, most: int = 30) -> Card:
    """Any card with texts up to ``longest`` characters and up to ``most`` aliases, questions and related terms."""
    texts = st.text(max_size=longest)
    names = st.text(min_size=1, max_size=min(300, longest)).filter(str.strip)
    entry = Entry(
        term=draw(names),
        definition=draw(st.text(min_size=1, max_size=longest * 9 // 7).filter(str.strip)),
        aliases=tuple(draw(st.lists(names, max_size=most))),
        example=draw(texts),
        why_it_matters=draw(texts),
        faq=tuple(Faq(draw(names), draw(texts)) for _ in range(draw(st.integers(0, most)))),
        sections=tuple(Section(draw(names), draw(texts)) for _ in range(draw(st.integers(0, most // 3)))),
        tags=tuple(draw(st.lists(names, max_size=most // 3))),
        category=draw(st.text(max_size=min(3000, longest))),
        see_also_links=tuple(draw(st.lists(st.just(Link("https://example.com/" + "a" * 200, "A title")), max_size=10))),
    )
    related = tuple(Related(i, draw(names)) for i in range(draw(st.integers(0, most))))
    return Card(draw(st.integers(1, 2**53)), entry, related)


@settings(max_examples=150, deadline=None)
@given(cards(), st.text(max_size=3000), st.text(max_size=400))
def test_any_entry_renders_within_every_discord_limit(card: Card, glossary: str, heading: str) -> None:
    rendered = render(card, glossary, heading)
    embed = rendered.embed
    assert 1 <= len(embed["title"]) <= limits.EMBED_TITLE
    assert 1 <= len(embed["description"]) <= limits.EMBED_DESCRIPTION
    assert len(embed["fields"]) <= limits.EMBED_FIELDS
    for field in embed["fields"]:
        assert 1 <= len(field["name"]) <= limits.EMBED_FIELD_NAME
        assert 1 <= len(field["value"]) <= limits.EMBED_FIELD_VALUE
    assert len(embed.get("footer", {}).get("text", "")) <= limits.EMBED_FOOTER
    assert len(embed.get("author", {}).get("name", "")) <= limits.EMBED_AUTHOR
    assert embed_length(embed) <= limits.EMBED_TOTAL
    # The real discord.py objects agree: the embed's own length and the view's layout.
    assert len(discord.Embed.from_dict(embed)) <= limits.EMBED_TOTAL
    assert len(rendered.buttons) <= limits.MAX_RELATED
    for term_id, label in rendered.buttons:
        assert 1 <= len(term_custom_id(term_id)) <= limits.CUSTOM_ID
        assert 1 <= len(label) <= limits.BUTTON_LABEL


async def test_view_layout_five_per_row_and_payload_never_pings() -> None:
    buttons = tuple((i, f"Term {i}") for i in range(1, 21))
    reply = Reply(embed={"title": "x", "description": "y"}, buttons=buttons)
    view = make_view(reply)
    assert view is not None and view.timeout is None
    rows = view.to_components()
    assert len(rows) == 4
    assert all(len(row["components"]) == limits.BUTTONS_PER_ROW for row in rows)
    body = payload(reply)
    assert body["allowed_mentions"] == {"parse": []}
    assert body["components"][0]["components"][0]["custom_id"] == "gb:t:1"


def test_titled_links_render_as_masked_links() -> None:
    entry = Entry(
        term="T",
        definition="D.",
        see_also_links=(Link("https://en.wikipedia.org/wiki/Mamba_(model)", "Mamba [paper]"), Link("https://x.org/a")),
    )
    field = render(Card(1, entry), "G").embed["fields"][-1]
    assert field["name"] == "Learn more"
    assert field["value"] == "[Mamba (paper)](https://en.wikipedia.org/wiki/Mamba_%28model%29)\nhttps://x.org/a"


def test_richer_entries_render_tags_sections_and_attribution() -> None:
    entry = Entry(
        term="Service Mesh",
        definition="A dedicated layer for service-to-service traffic.",
        category="Networking",
        tags=("cloud native", "traffic"),
        sections=(Section("Problem it addresses", "Every service reimplements retries."),),
        glossary="Cloud Native Glossary",
        attribution="CNCF, CC BY 4.0",
    )
    embed = render(Card(1, entry), "Fallback").embed
    assert [f["name"] for f in embed["fields"]] == ["Problem it addresses", "Tags"]
    assert embed["fields"][1]["value"] == "cloud native · traffic"
    assert embed["footer"]["text"] == "Cloud Native Glossary · Networking · CNCF, CC BY 4.0"


def test_an_entry_without_definition_is_a_short_card_of_links_and_related() -> None:
    stub = Entry(term="Sidecar", definition="", see_also_links=(Link("https://example.com/sidecar", "Sidecar"),))
    rendered = render(Card(1, stub, (Related(2, "Service Mesh"),)), "G")
    assert rendered.embed["description"] == "*No definition in this glossary yet.*"
    assert rendered.embed["fields"][0]["value"] == "[Sidecar](https://example.com/sidecar)"
    assert rendered.buttons == ((2, "Service Mesh"),)


def test_text_too_long_is_cut_at_a_sentence_with_a_link_to_read_more() -> None:
    long_definition = "This sentence is about forty characters. " * 150
    entry = Entry(term="Long", definition=long_definition, see_also_links=(Link("https://example.com/long"),))
    rendered = render(Card(1, entry), "G")
    description = rendered.embed["description"]
    assert len(description) <= limits.EMBED_DESCRIPTION
    assert description.endswith("forty characters. … [Read more](https://example.com/long)")
    assert [part.key for part in rendered.cut] == ["definition"]
    assert payload(Reply(embed=rendered.embed))["embeds"][0]["description"] == description


@settings(max_examples=200, deadline=None)
@given(cards(longest=200, most=4), st.text(max_size=60), st.text(max_size=40))  # small: most fit whole
def test_a_card_that_fits_is_laid_out_as_the_cutting_path_would(card: Card, glossary: str, heading: str) -> None:
    laid = cards_module.parts(card.entry, glossary, heading)
    if not cards_module._fits(laid):
        return
    assert render(card, glossary, heading).embed == cards_module._fitted(card.entry, laid)[0]
    assert cards_module._fitted(card.entry, laid)[1] == []
