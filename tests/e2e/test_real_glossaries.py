"""Glossaries as operators have them, served through the real bot: ids, extra keys, stubs, dangling links, an
acronym on two entries, one name in two categories, text over Discord's limits, JSON beside YAML."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from tests.e2e.conftest import running_bot
from tests.emulator import Emulator
from tests.emulator.harness import DefaultWorld

YAML = """
glossary: Delivery Glossary
attribution: Example Org, CC BY 4.0
terms:
  - id: cd-delivery
    term: Continuous Delivery
    aliases: [CD]
    category: Practices
    depth: 2
    definition: Every change is kept releasable. A person decides when to release.
    related: [cd-deploy, Pipeline, Nonexistent Page]
  - id: cd-deploy
    term: Continuous Deployment
    aliases: [CD]
    category: Practices
    definition: Every change that passes the pipeline is released automatically.
  - term: Pipeline
    category: CI
    definition: The automated steps from commit to release.
  - term: Pipeline
    category: Data
    definition: A chain of data transformations.
  - term: Sidecar
    category: Networking
    see_also_links: [{url: "https://example.org/sidecar", title: Sidecar pattern}]
  - term: Long Read
    definition: LONG_DEFINITION
    see_also_links: ["https://example.org/long-read"]
"""


@pytest.fixture
def glossary(tmp_path: Path) -> Path:
    folder = tmp_path / "glossary"
    folder.mkdir()
    text = YAML.replace("LONG_DEFINITION", "A sentence that keeps going for a while. " * 120)
    (folder / "delivery.yaml").write_text(text, encoding="utf-8")
    chain = [{"id": "blk", "term": "Block", "definition": "A batch of transactions.", "tags": ["chain"], "depth": 1}]
    (folder / "chain.json").write_bytes(codecs.BOM_UTF8 + json.dumps({"glossary": "Chain", "terms": chain}).encode())
    return folder


def buttons(components: list[dict]) -> list[tuple[str, str]]:
    return [(b["label"], b["custom_id"]) for row in components for b in row["components"]]


async def test_an_acronym_with_two_meanings_offers_both(
    emulator: Emulator, default_world: DefaultWorld, db_path: Path, glossary: Path
) -> None:
    w = default_world
    async with running_bot(emulator, db_path, glossary=glossary):
        ix = emulator.slash(w.guild, w.alice, "define", {"term": "CD"})
        choice = await ix.response()
        assert choice.ephemeral and choice.content.splitlines() == [
            "`CD` can mean:",
            "**Continuous Delivery** (Practices) · Every change is kept releasable.",
            "**Continuous Deployment** (Practices) · Every change that passes the pipeline is released automatically.",
        ]
        options = buttons(choice.components)
        assert [label for label, _ in options] == ["Continuous Delivery", "Continuous Deployment"]
        opened = await emulator.click(await ix.message(), options[1][1], w.alice).response()
        assert opened.type == 7 and opened.embed["title"] == "Continuous Deployment"  # in place: it was private
        typed = await emulator.autocomplete(w.guild, w.alice, "define", {"term": "cd"}).choices()
        assert typed[:2] == [
            {"name": "CD → Continuous Delivery (Practices)", "value": "Continuous Delivery"},
            {"name": "CD → Continuous Deployment (Practices)", "value": "Continuous Deployment"},
        ]


async def test_one_name_in_two_categories_is_a_choice_and_each_card_names_its_glossary(
    emulator: Emulator, default_world: DefaultWorld, db_path: Path, glossary: Path
) -> None:
    w = default_world
    async with running_bot(emulator, db_path, glossary=glossary):
        typed = await emulator.autocomplete(w.guild, w.alice, "define", {"term": "pipel"}).choices()
        assert [c["name"] for c in typed[:2]] == ["Pipeline (CI)", "Pipeline (Data)"]
        data = await emulator.slash(w.guild, w.alice, "define", {"term": typed[1]["value"]}).response()
        assert data.embed["description"] == "A chain of data transformations."
        assert data.embed["footer"]["text"] == "Delivery Glossary · Data · Example Org, CC BY 4.0"
        block = await emulator.slash(w.guild, w.alice, "define", {"term": "block"}).response()
        assert block.embed["footer"]["text"] == "Chain"
        assert block.embed["fields"] == [{"name": "Tags", "value": "chain", "inline": False}]
        delivery = await emulator.slash(w.guild, w.alice, "define", {"term": "continuous delivery"}).response()
        assert [label for label, _ in buttons(delivery.components)] == ["Continuous Deployment"]  # the rest dropped


async def test_stubs_and_long_text_are_served_within_discords_limits(
    emulator: Emulator, default_world: DefaultWorld, db_path: Path, glossary: Path
) -> None:
    w = default_world
    async with running_bot(emulator, db_path, glossary=glossary) as bot:
        stub = await emulator.slash(w.guild, w.alice, "define", {"term": "sidecar"}).response()
        assert stub.embed["description"] == "*No definition in this glossary yet.*"
        assert stub.embed["fields"][0]["value"] == "[Sidecar pattern](https://example.org/sidecar)"
        long = await emulator.slash(w.guild, w.alice, "define", {"term": "long read"}).response()
        description = long.data["embeds"][0]["description"]
        assert len(description) <= 4096
        assert description.endswith("for a while. … [Read more](https://example.org/long-read)")
        assert bot.services.library.index.random_id() != bot.services.library.index.lookup("sidecar")
        emulator.assert_answered_once()
