"""Server terms built inside Discord, through the real bot and the emulated Discord: the add modal, the button
that reopens a refused form, export → edit → import, who may edit, two servers that cannot see each other's
terms, and buttons that outlive a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.client import GlossaryBot
from tests.clock import ManualClock
from tests.e2e.conftest import running_bot
from tests.emulator import Emulator, Guild, User
from tests.emulator import InteractionHandle as Handle
from tests.emulator.harness import DefaultWorld
from tests.emulator.permissions import DEFAULT_BOT_PERMISSIONS

ZORP = {"term": "Zorp", "aliases": "zorpy", "definition": "Our build robot.", "example": "", "why": ""}


def buttons(components: list[dict]) -> list[dict]:
    return [button for row in components for button in row["components"]]


def labelled(components: list[dict], label: str) -> dict:
    return next(b for b in buttons(components) if b["label"] == label)


@pytest.fixture
def other_guild(emulator: Emulator, default_world: DefaultWorld) -> Guild:
    """A second server with the bot, alice and its own #general (made before the bot connects)."""
    world = emulator.world
    guild = world.add_guild("Other Guild", owner=default_world.owner)
    role = world.add_role(guild, "Glossary Bot", DEFAULT_BOT_PERMISSIONS, managed=True)
    world.add_member(guild, default_world.bot, [role])
    world.add_member(guild, default_world.alice)
    world.add_channel(guild, "general")
    return guild


@pytest.fixture
async def bot(
    emulator: Emulator, default_world: DefaultWorld, other_guild: Guild, db_path: Path
) -> AsyncIterator[GlossaryBot]:
    async with running_bot(emulator, db_path) as running:
        yield running


async def add(emulator: Emulator, w: DefaultWorld, values: dict[str, str], user: User | None = None) -> Handle:
    """Run /glossary add and submit its modal with ``values``: the submit interaction."""
    opened = emulator.slash(w.guild, user or w.admin, "glossary add")
    modal = await opened.modal()
    assert modal["title"] == "Add a server term"
    return emulator.submit_modal(opened, values, user=user or w.admin)


async def test_add_through_the_modal_then_members_find_it_everywhere(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    opened = emulator.slash(w.guild, w.admin, "glossary add")
    modal = await opened.modal()
    boxes = {box["custom_id"]: box for row in modal["components"] for box in row["components"]}
    assert {key: box["max_length"] for key, box in boxes.items()} == {
        "term": 80, "aliases": 400, "definition": 2000, "example": 1000, "why": 1000,
    }  # fmt: skip
    added = await emulator.submit_modal(opened, ZORP, user=w.admin).response()
    assert added.ephemeral and added.content == "Added **Zorp**."
    assert added.embed["title"] == "Zorp" and added.embed["footer"]["text"] == "Test Guild glossary"
    assert added.embed["author"]["name"] == "This server's own term"

    card = await emulator.slash(w.guild, w.alice, "define", {"term": "zorpy"}).response()
    assert not card.ephemeral and card.embed["title"] == "Zorp"
    assert card.data["allowed_mentions"] == {"parse": []}
    choices = await emulator.autocomplete(w.guild, w.alice, "define", {"term": "zor"}).choices()
    assert choices[0] == {"name": "Zorp", "value": "Zorp"}
    typo = await emulator.slash(w.guild, w.alice, "define", {"term": "zrop"}).response()
    assert "Zorp" in [b["label"] for b in buttons(typo.components)]
    found = await emulator.slash(w.guild, w.alice, "search", {"query": "build robot"}).response()
    assert "Zorp" in found.embed["description"]
    assert labelled(found.components, "Zorp")["custom_id"].startswith("gb:s:")


async def test_refused_text_comes_back_in_the_modal_by_a_button(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    typed = {**ZORP, "definition": "Ask @everyone about it.", "example": "zorp deploy"}
    submitted = await add(emulator, w, typed)
    refused = await submitted.response()
    assert refused.ephemeral and refused.content.startswith("Not saved: The definition contains a mention")
    reopen = labelled(refused.components, "Edit and try again")
    assert len(reopen["custom_id"]) <= 100
    message = await submitted.message()
    again = emulator.click(message, reopen["custom_id"], w.admin)
    modal = await again.modal()
    prefilled = {box["custom_id"]: box.get("value") for row in modal["components"] for box in row["components"]}
    assert prefilled["definition"] == "Ask @everyone about it." and prefilled["example"] == "zorp deploy"
    # Somebody else clicking it gets nothing of the text.
    stranger = await emulator.click(message, reopen["custom_id"], w.owner).response()
    assert stranger.ephemeral and "no longer kept" in stranger.content
    fixed = await emulator.submit_modal(again, {"definition": "Ask the infra team."}, user=w.admin).response()
    assert fixed.content == "Added **Zorp**." and fixed.embed["fields"][0]["value"] == "zorp deploy"
    taken = await (await add(emulator, w, ZORP)).response()
    assert taken.content.startswith("Not saved: This server already has a term named **Zorp**")


async def test_export_edit_import_round_trip(emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot) -> None:
    w = default_world
    await (await add(emulator, w, ZORP)).response()
    await (await add(emulator, w, {**ZORP, "term": "Blip", "aliases": "", "definition": "A small release."})).response()
    exported = emulator.slash(w.guild, w.admin, "glossary export")
    reply = await exported.response()
    assert reply.ephemeral and reply.content.startswith("This server's 2 term(s)")
    file = (await exported.message()).attachments[0]
    assert file.filename == "server-glossary.yaml"
    document = yaml.safe_load(file.content)
    document["terms"][1]["definition"] = "A tiny release."
    document["terms"].append({"term": "Quux", "definition": "Brand new.", "related": ["Zorp"]})
    del document["terms"][0]
    edited = yaml.safe_dump(document, sort_keys=False).encode()
    imported = emulator.slash(w.guild, w.admin, "glossary import", {"file": ("server-glossary.yaml", edited)})
    summary = await imported.response()
    assert summary.ephemeral
    expected = "Imported: 1 added, 1 changed, 1 removed.\nAdded: Quux\nChanged: Blip\nRemoved: Zorp"
    assert summary.content.startswith(expected)
    assert emulator.events.select("cdn")  # the bot downloaded the file from its URL
    blip = await emulator.slash(w.guild, w.alice, "define", {"term": "blip"}).response()
    assert blip.embed["description"] == "A tiny release."
    gone = await emulator.slash(w.guild, w.alice, "define", {"term": "zorpy"}).response()
    assert gone.ephemeral and gone.content.startswith("No term matches")
    # A broken file changes nothing and says where.
    broken = b"terms:\n  - term: Fine\n    definition: ok\n  - term: Ping\n    definition: hi <@123>\n"
    refused = await emulator.slash(w.guild, w.admin, "glossary import", {"file": ("t.yaml", broken)}).response()
    assert refused.content.startswith("Import refused; nothing was changed. 1 error(s):\n• t.yaml:5: 'Ping'")
    still = await emulator.slash(w.guild, w.alice, "define", {"term": "quux"}).response()
    assert still.embed["title"] == "Quux"
    history = await emulator.slash(w.guild, w.admin, "glossary history").response()
    lines = history.content.splitlines()
    assert lines[0] == "Last changes, newest first:" and "imported **Quux**" in history.content
    assert f"<@{w.admin.id}>" in lines[1] and history.data["allowed_mentions"] == {"parse": []}


async def test_who_may_edit_with_and_without_the_editor_role(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    refused = await emulator.slash(w.guild, w.alice, "glossary add").response()
    assert refused.ephemeral and refused.content == (
        "Only members with Manage Server or this server's editor role can change its terms."
    )
    editors = emulator.changes.add_role(w.guild, "Glossary editors")
    await emulator.wait_for("dispatch", lambda e: e["event"] == "GUILD_ROLE_CREATE")
    not_admin = await emulator.slash(w.guild, w.alice, "glossary editors", {"role": editors}).response()
    assert not_admin.ephemeral and "Manage Server" in not_admin.content
    chosen = await emulator.slash(w.guild, w.admin, "glossary editors", {"role": editors}).response()
    assert chosen.content == f"Members with <@&{editors.id}> can now add and change this server's terms."
    emulator.changes.set_member_roles(w.guild, w.alice, [editors])
    added = await (await add(emulator, w, ZORP, user=w.alice)).response()
    assert added.content == "Added **Zorp**."
    cleared = await emulator.slash(w.guild, w.admin, "glossary editors").response()
    assert cleared.content.startswith("Editor role cleared")
    again = await emulator.slash(w.guild, w.alice, "glossary remove", {"term": "Zorp"}).response()
    assert again.content.startswith("Only members with Manage Server")


async def test_two_servers_never_see_each_others_terms(
    emulator: Emulator, default_world: DefaultWorld, other_guild: Guild, bot: GlossaryBot
) -> None:
    w = default_world
    await (await add(emulator, w, {**ZORP, "term": "Transformer", "aliases": ""})).response()
    ours = await emulator.slash(w.guild, w.alice, "define", {"term": "transformer"}).message()
    assert ours.embeds[0]["description"] == "Our build robot."
    theirs = await emulator.slash(other_guild, w.alice, "define", {"term": "transformer"}).message()
    assert theirs.embeds[0]["description"] != "Our build robot."  # the shipped Transformer there
    assert "footer" in theirs.embeds[0] and "Test Guild" not in theirs.embeds[0]["footer"]["text"]
    choices = await emulator.autocomplete(other_guild, w.alice, "define", {"term": "transf"}).choices()
    assert all(c["value"] == "Transformer" for c in choices[:1])
    found = await emulator.slash(other_guild, w.alice, "search", {"query": "build robot"}).response()
    assert "Our build robot" not in str(found.embed or found.content)
    # A server term's button sent as if from the other server opens nothing and names nothing.
    await (await add(emulator, w, {**ZORP, "term": "Blip", "aliases": "", "definition": "A release."})).response()
    await emulator.slash(w.guild, w.admin, "glossary link", {"term": "Transformer", "related": "Blip"}).response()
    card = await emulator.slash(w.guild, w.alice, "define", {"term": "transformer"}).message()
    blip = labelled(card.components, "Blip")["custom_id"]

    def elsewhere(payload: dict) -> None:
        payload["guild_id"] = str(other_guild.id)

    forged = await emulator.click(card, blip, w.alice, tweak=elsewhere).response()
    assert forged.ephemeral and forged.embed is None and "Blip" not in forged.content
    opened = await emulator.click(card, blip, w.alice).response()
    assert opened.embed["title"] == "Blip"


async def test_buttons_of_server_terms_survive_a_restart_and_a_removal(
    emulator: Emulator, default_world: DefaultWorld, other_guild: Guild, db_path: Path
) -> None:
    w = default_world
    async with running_bot(emulator, db_path):
        await (await add(emulator, w, ZORP)).response()
        await (await add(emulator, w, {**ZORP, "term": "Blip", "aliases": "", "definition": "A release."})).response()
        linked = emulator.slash(w.guild, w.admin, "glossary link", {"term": "Zorp", "related": "Blip, RAG"})
        assert (await linked.response()).content == "Related terms of **Zorp** set."
        card = await emulator.slash(w.guild, w.alice, "define", {"term": "zorp"}).message()
    assert [b["label"] for b in buttons(card.components)] == ["Blip", "Retrieval-Augmented Generation"]
    blip = labelled(card.components, "Blip")
    assert blip["custom_id"].startswith("gb:s:")
    async with running_bot(emulator, db_path) as second:
        opened = await emulator.click(card, blip["custom_id"], w.alice).response()
        assert opened.ephemeral and opened.embed["title"] == "Blip"
        asked = emulator.slash(w.guild, w.admin, "glossary remove", {"term": "Blip"})
        confirm = await asked.response()
        assert confirm.content.startswith("Remove **Blip** from this server's glossary?")
        removed = emulator.click(await asked.message(), buttons(confirm.components)[0]["custom_id"], w.admin)
        update = await removed.response()
        assert update.type == 7 and update.content == "Removed **Blip** from this server's glossary."
        gone = await emulator.click(card, blip["custom_id"], w.alice).response()
        assert gone.ephemeral and gone.content.startswith("**Blip** is no longer in this server's glossary.")
        assert second.services.server_terms.overlays.builds >= 1


async def test_a_form_open_across_a_restart_is_still_saved(
    emulator: Emulator, default_world: DefaultWorld, other_guild: Guild, db_path: Path
) -> None:
    w = default_world
    async with running_bot(emulator, db_path):
        opened = emulator.slash(w.guild, w.admin, "glossary add")
        await opened.modal()
        also = emulator.slash(w.guild, w.owner, "glossary add")  # a second editor, the same modal at once
        await also.modal()
    async with running_bot(emulator, db_path):
        saved = await emulator.submit_modal(opened, ZORP, user=w.admin).response()
        assert saved.content == "Added **Zorp**."
        other = {**ZORP, "term": "Blip", "aliases": "", "definition": "A release."}
        assert (await emulator.submit_modal(also, other, user=w.owner).response()).content == "Added **Blip**."
        edit = emulator.slash(w.guild, w.admin, "glossary edit", {"term": "Zorp"})
        modal = await edit.modal()
        assert modal["title"] == "Edit Zorp"
        edited = await emulator.submit_modal(edit, {"definition": "Our second build robot."}, user=w.admin).response()
        assert edited.content == "Saved **Zorp**." and edited.embed["description"].endswith("Our second build robot.")


async def test_server_terms_take_their_turn_as_term_of_the_day(
    emulator: Emulator, default_world: DefaultWorld, other_guild: Guild, db_path: Path, clock: ManualClock, write_yaml
) -> None:
    w = default_world
    glossary = write_yaml("g.yaml", "terms:\n  - term: Alpha\n    definition: The first letter.\n")
    async with running_bot(emulator, db_path, clock=clock, glossary=glossary):
        await (await add(emulator, w, ZORP)).response()
        setup = {"channel": w.general.id, "time": "09:00"}
        assert (await emulator.slash(w.guild, w.admin, "termofday setup", setup).response()).ephemeral
        posted = []
        for _ in range(2):  # one round: each of the server's two terms once
            mark = emulator.mark()
            clock.advance(timedelta(days=1) if posted else timedelta(minutes=2))
            created = await emulator.wait_for(
                "message_create", lambda e: e["channel_id"] == w.general.id and not e["interaction_id"], since=mark
            )
            posted.append(created["message"].embeds[0])
    assert sorted(embed["title"] for embed in posted) == ["Alpha", "Zorp"]
    zorp = next(embed for embed in posted if embed["title"] == "Zorp")
    assert zorp["footer"]["text"] == "Test Guild glossary" and zorp["author"]["name"].startswith("Term of the day")
