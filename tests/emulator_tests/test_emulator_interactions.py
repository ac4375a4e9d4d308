"""Interactions end to end through discord.py: answers, components, followups and Discord's rules."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest

from tests.emulator import ClientCrashed, CommandUnavailable, Emulator, Permission, Routes
from tests.emulator.harness import DefaultWorld, run_client
from tests.emulator_tests.tinybot import TinyBot


async def test_slash_command_answered_with_embed(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    ix = emulator.slash(w.guild, w.alice, "define", {"term": "genai"})
    reply = await ix.response()
    assert reply.type == 4 and not reply.ephemeral
    assert reply.embed is not None and reply.embed["title"] == "genai"
    assert reply.embed["footer"]["text"] == "Glossary Bot"
    message = await ix.message()
    assert message.author.id == w.bot.id and message.interaction_metadata["name"] == "define"  # type: ignore[index]
    assert emulator.channel_messages(w.general) == [message]
    # The payload carried what discord.py needs (and what Discord sends).
    payload = ix.payload
    assert payload["member"]["permissions"] == str(emulator.world.channel_permissions(w.general, w.alice.id))
    assert payload["app_permissions"] == str(emulator.world.channel_permissions(w.general, w.bot.id))
    assert payload["entitlements"] == [] and payload["context"] == 0
    assert payload["authorizing_integration_owners"] == {"0": str(w.guild.id)}
    # The bot saw its own answer on the gateway as MESSAGE_CREATE.
    await emulator.wait_for("dispatch", lambda e: e["event"] == "MESSAGE_CREATE" and e["data"]["id"] == str(message.id))


async def test_unknown_term_is_ephemeral(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "blockchain"})
    reply = await ix.response()
    assert reply.ephemeral and "don't know" in (reply.content or "")
    assert emulator.channel_messages(default_world.general) == []  # ephemeral is not channel history
    assert ix.original is not None and ix.original.ephemeral


async def test_autocomplete_choices(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    ix = emulator.autocomplete(default_world.guild, default_world.alice, "define", {"term": "ag"})
    assert ix.payload["type"] == 4
    assert ix.payload["data"]["options"] == [{"name": "term", "type": 3, "value": "ag", "focused": True}]
    assert await ix.choices() == [{"name": "agent", "value": "agent"}]
    everything = await emulator.autocomplete(default_world.guild, default_world.alice, "define", {"term": ""}).choices()
    assert [c["value"] for c in everything] == ["agent", "genai", "llm", "rag"]


async def test_button_click_edits_message(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    message = await emulator.slash(w.guild, w.alice, "counter").message()
    assert message.content == "Count: 0" and message.custom_ids() == ["counter:inc"]
    click = emulator.click(message, "counter:inc", w.admin)
    assert click.payload["message"]["id"] == str(message.id)
    assert click.payload["data"] == {"custom_id": "counter:inc", "component_type": 2}
    update = await click.response()
    assert update.type == 7 and update.content == "Count: 1"
    assert (await click.message()).content == "Count: 1"
    again = await emulator.click(message, "counter:inc", w.alice).message()
    assert again.content == "Count: 2" and again.id == message.id and len(again.edits) == 2
    with pytest.raises(LookupError):
        emulator.click(message, "counter:dec", w.alice)


async def test_raw_click_on_a_custom_id_the_message_does_not_have(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    w = default_world
    message = await emulator.slash(w.guild, w.alice, "counter").message()
    forged = "gb:t:9999999999999999999"  # a stale or forged button with a 19-digit id
    with pytest.raises(LookupError):
        emulator.click(message, forged, w.alice)
    ix = emulator.raw_click(message, forged, w.alice)
    assert ix.payload["data"] == {"custom_id": forged, "component_type": 2}
    assert ix.payload["message"]["id"] == str(message.id) and ix.payload["type"] == 3
    await emulator.settle()  # discord.py has parsed it and found no view item for that custom_id
    emulator.advance(emulator.interaction_timeout + 0.1)
    assert ix.callbacks == [] and emulator.unanswered() == [ix.record]  # the user sees "interaction failed"
    # On a custom_id the message does have, a raw click is an ordinary click.
    real = emulator.raw_click(message, "counter:inc", w.alice)
    assert (await real.response()).content == "Count: 1"
    picked = emulator.raw_click(message, "pick", w.alice, component_type=3, values=["not-an-option"])
    assert picked.payload["data"] == {"custom_id": "pick", "component_type": 3, "values": ["not-an-option"]}


async def test_defer_then_followups(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    ix = emulator.slash(w.guild, w.alice, "slow", {"term": "rag"})
    deferred = await ix.response()
    assert deferred.type == 5 and not deferred.ephemeral
    first, second = await ix.followups(2)
    # The first followup fills the "thinking" message; the second is a new ephemeral message.
    assert first.id == ix.record.original_message_id and not first.loading
    assert first.embed is not None and first.embed["title"] == "rag"
    assert second.ephemeral and second.content == "And one more thing."
    assert (await ix.message()).id == first.id
    assert emulator.channel_messages(w.general) == [first]

    private = emulator.slash(w.guild, w.alice, "slow", {"term": "llm", "private": True})
    assert (await private.response()).ephemeral
    filled, _ = await private.followups(2)
    assert filled.ephemeral and filled.embed["title"] == "llm"  # type: ignore[index]


async def test_every_answer_is_recorded_per_interaction(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    w = default_world
    mark = emulator.mark()
    define = emulator.slash(w.guild, w.alice, "define", {"term": "llm"})
    assert (await define.response()).type == 4
    assert [(type(a).__name__, a.type) for a in define.answers] == [("Callback", 4)]  # type: ignore[union-attr]
    emulator.assert_answered_once(since=mark)

    slow = emulator.slash(w.guild, w.alice, "slow", {"term": "rag"})
    first, second = await slow.followups(2)
    assert slow.answers[0] == slow.record.responses[0] and slow.answers[0].type == 5  # type: ignore[union-attr]
    assert [(a.message_id, a.filled_deferred) for a in slow.record.followups] == [(first.id, True), (second.id, False)]
    with pytest.raises(AssertionError, match=r"interaction \d+ \(slow\): 1 followup\(s\) beyond the answer"):
        emulator.assert_answered_once(since=mark)

    mark = emulator.mark()
    twice = emulator.slash(w.guild, w.alice, "twice")
    await emulator.wait_for("violation", lambda e: e["interaction_id"] == twice.id)
    assert [c.status for c in twice.record.refused] == [400] and len(twice.answers) == 1
    with pytest.raises(AssertionError, match=r"1 refused callback attempt\(s\): type 4 got 400"):
        emulator.assert_answered_once(since=mark)
    emulator.clear_violations()

    mark = emulator.mark()
    waiting = emulator.slash(w.guild, w.alice, "wait", {"name": "later"})
    with pytest.raises(AssertionError, match="no answer"):
        emulator.assert_answered_once(since=mark)
    bot.gate("later").set()
    await waiting.response()
    emulator.assert_answered_once(since=mark)

    # Deferred, then the followup that should fill it is refused: the user is left with "thinking".
    mark = emulator.mark()
    emulator.forbid("POST", Routes.FOLLOWUP, times=1)
    stuck = emulator.slash(w.guild, w.alice, "slow", {"term": "agent"})
    await emulator.wait_for("request", lambda e: e["route"] == Routes.FOLLOWUP and e["status"] == 403, since=mark)
    with pytest.raises(AssertionError, match=r"deferred, then never filled"):
        emulator.assert_answered_once(since=mark)
    assert stuck.record.followups == [] and stuck.original is not None and stuck.original.loading


async def test_message_context_menu_and_modal(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    said = emulator.user_message(w.general, w.alice, "LLMs are autocomplete on steroids")
    await emulator.wait_for("dispatch", lambda e: e["event"] == "MESSAGE_CREATE" and e["data"]["id"] == str(said.id))
    ix = emulator.message_command(w.guild, w.admin, "Quote", said)
    assert ix.payload["data"]["target_id"] == str(said.id)
    assert str(said.id) in ix.payload["data"]["resolved"]["messages"]
    reply = await ix.response()
    assert reply.content == "> LLMs are autocomplete on steroids\n— Alice"
    # The bot did not ask for message content, so the gateway copy of alice's message was blanked.
    seen = next(m for m in bot.seen_messages if m.id == said.id)
    assert seen.content == ""

    suggest = emulator.slash(w.guild, w.alice, "suggest")
    modal = await suggest.modal()
    assert modal["title"] == "Suggest a term"
    submitted = emulator.submit_modal(suggest, {"suggest:term": "MoE", "suggest:meaning": "Mixture of experts"})
    assert (await submitted.response()).content == "Thanks for suggesting MoE: Mixture of experts"


async def test_tweaked_payload_is_what_discord_py_parses(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    w = default_world
    plain = await emulator.slash(w.guild, w.alice, "perms").response()
    alice_perms = emulator.world.channel_permissions(w.general, w.alice.id)
    assert plain.content == f"permissions={alice_perms} locale=en-US"

    def odd(payload: dict[str, Any]) -> None:
        payload["member"]["permissions"] = str(int(Permission.ADMINISTRATOR))
        payload["locale"] = "xx-YY"  # a locale discord.py does not know

    ix = emulator.slash(w.guild, w.alice, "perms", tweak=odd)
    assert ix.payload["member"]["permissions"] == "8"  # the record holds what was sent
    sent = await emulator.wait_for(
        "dispatch", lambda e: e["event"] == "INTERACTION_CREATE" and e["data"]["id"] == str(ix.id)
    )
    assert sent["data"]["locale"] == "xx-YY"
    assert (await ix.response()).content == "permissions=8 locale=xx-YY"
    # A tweak may also return a new payload instead of changing it in place.
    replaced = emulator.slash(w.guild, w.alice, "perms", tweak=lambda p: {**p, "locale": "de"})
    assert (await replaced.response()).content == f"permissions={alice_perms} locale=de"


async def test_malformed_member_permissions_kill_discord_py(emulator: Emulator, default_world: DefaultWorld) -> None:
    """discord.py parses ``member.permissions`` with int() inside the gateway reader: a bad value ends the client."""

    def malformed(payload: dict[str, Any]) -> None:
        payload["member"]["permissions"] = "all of them"

    with pytest.raises(ValueError, match="all of them"):
        async with run_client(emulator, TinyBot()):
            ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "llm"}, tweak=malformed)
            with pytest.raises(ClientCrashed):
                await emulator.wait_for("callback", lambda e: e["interaction_id"] == ix.id, timeout=10)
    assert ix.callbacks == []


async def test_channel_option_resolved(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    ix = emulator.slash(w.guild, w.admin, "post", {"channel": "announcements", "text": "Term of the day: RAG"})
    resolved = ix.payload["data"]["resolved"]["channels"][str(w.announcements.id)]
    assert resolved["type"] == 5 and resolved["name"] == "announcements" and "permissions" in resolved
    assert (await ix.response()).content == f"posted in <#{w.announcements.id}>"
    assert [m.content for m in emulator.channel_messages(w.announcements)] == ["Term of the day: RAG"]


async def test_default_member_permissions_hide_commands(emulator: Emulator, default_world: DefaultWorld) -> None:
    emulator.register_commands(
        [{"name": "setup", "description": "Configure", "default_member_permissions": str(int(Permission.MANAGE_GUILD))}]
    )
    with pytest.raises(CommandUnavailable):
        emulator.slash(default_world.guild, default_world.alice, "setup")
    with pytest.raises(LookupError):
        emulator.slash(default_world.guild, default_world.alice, "no-such-command")


async def test_double_answer_is_a_violation(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    ix = emulator.slash(default_world.guild, default_world.alice, "twice")
    assert (await ix.response()).content == "first"
    violation = await emulator.wait_for("violation")
    assert violation["kind"] == "double_response"
    error = await asyncio.wait_for(bot.next_error(), 5)
    assert isinstance(error, discord.HTTPException) and error.status == 400 and error.code == 40060
    assert [c.accepted for c in ix.callbacks] == [True, False]
    with pytest.raises(AssertionError, match="double_response"):
        emulator.assert_no_violations()
    emulator.clear_violations()


async def test_late_answer_is_a_violation(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    ix = emulator.slash(default_world.guild, default_world.alice, "wait", {"name": "late"})
    await emulator.wait_for("dispatch", lambda e: e["event"] == "INTERACTION_CREATE")
    emulator.advance(3.5)  # the injectable clock: no sleeping
    bot.gate("late").set()
    rejected = await emulator.wait_for("callback", lambda e: e["interaction_id"] == ix.id)
    assert not rejected["accepted"] and rejected["status"] == 404
    assert rejected["callback"].error == {"message": "Unknown interaction", "code": 10062}
    error = await asyncio.wait_for(bot.next_error(), 5)
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert [v.kind for v in emulator.violations] == ["late_response"]
    emulator.clear_violations()


async def test_token_expires_after_15_minutes(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    ix = emulator.slash(default_world.guild, default_world.alice, "define", {"term": "llm"})
    await ix.response()
    emulator.advance(15 * 60 + 1)
    webhook = discord.Webhook.partial(ix.record.application_id, ix.token, client=bot)
    with pytest.raises(discord.HTTPException) as info:
        await webhook.send("too late", wait=True)
    assert info.value.status == 401 and info.value.code == 50027
    assert [v.kind for v in emulator.violations] == ["expired_token"]
    emulator.clear_violations()


async def test_over_limit_bodies_get_50035(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    w = default_world
    ix = emulator.slash(w.guild, w.alice, "big")
    rejected = await emulator.wait_for("callback", lambda e: e["interaction_id"] == ix.id)
    assert not rejected["accepted"] and rejected["status"] == 400
    body = rejected["callback"].error
    assert body["code"] == 50035
    assert body["errors"]["data"]["embeds"]["0"]["description"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    # The bot then answered properly (the failed callback did not acknowledge the interaction).
    assert (await ix.response()).content == "that was too big"
    error = await asyncio.wait_for(bot.next_error(), 5)
    assert isinstance(error, discord.HTTPException) and error.code == 50035

    channel = bot.get_channel(w.general.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("x" * 2001)
    assert info.value.code == 50035 and "content" in info.value.text
    fields = discord.Embed(title="many")
    for i in range(26):
        fields.add_field(name=f"f{i}", value="v")
    with pytest.raises(discord.HTTPException, match="25 or fewer"):
        await channel.send(embed=fields)
    huge = [discord.Embed(description="d" * 4000) for _ in range(2)]
    with pytest.raises(discord.HTTPException, match="6000"):
        await channel.send(embeds=huge)
    view = discord.ui.View()
    for i in range(6):
        view.add_item(discord.ui.Button(label=str(i), custom_id=f"b{i}"))
    sent = await channel.send("six buttons wrap into two rows", view=view)
    assert len(emulator.world.messages[sent.id].components) == 2
    assert {v.kind for v in emulator.violations} == {"invalid_body"}
    emulator.clear_violations()


async def test_original_response_and_followup_edits(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    w = default_world
    ix = emulator.slash(w.guild, w.alice, "draft")
    assert (await ix.response()).type == 5
    await emulator.wait_for("message_delete", lambda e: e["interaction_id"] == ix.id)
    original = ix.original
    assert original is not None and original.content == "draft 1 -> final" and not original.loading
    assert [
        e["content"] for e in emulator.events.select("message_update", lambda e: e["message_id"] == original.id)
    ] == [
        "draft 1",
        "draft 1 -> final",
    ]
    (note,) = await ix.followups(1)
    assert note.deleted and note.content == "note (edited)"
    assert emulator.channel_messages(w.general) == [original]
    routes = [(e["method"], e["route"]) for e in emulator.requests() if e["route"].startswith("/webhooks")]
    assert ("GET", "/webhooks/{application_id}/{interaction_token}/messages/@original") in routes
    assert ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}") in routes
    assert ("DELETE", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}") in routes


async def test_slash_command_in_a_dm(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    dm = emulator.world.dm_channel(default_world.alice)
    ix = emulator.slash(None, default_world.alice, "define", {"term": "rag"}, channel=dm)
    assert "guild_id" not in ix.payload and ix.payload["user"]["id"] == str(default_world.alice.id)
    reply = await ix.message()
    assert reply.channel_id == dm.id and reply.guild_id is None and reply.embed["title"] == "rag"  # type: ignore[index]


class Picker(discord.ui.View):
    """A select menu whose choice is acknowledged with a deferred update, then shown by editing @original."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.select(
        custom_id="pick",
        options=[discord.SelectOption(label="LLM", value="llm"), discord.SelectOption(label="RAG", value="rag")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Picker]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content=f"picked {select.values[0]}", view=None)


async def test_select_menu_with_deferred_update(emulator: Emulator, default_world: DefaultWorld, bot: TinyBot) -> None:
    channel = bot.get_channel(default_world.general.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("pick one", view=Picker())
    with pytest.raises(ValueError):
        emulator.select(sent.id, "pick", default_world.alice, ["blockchain"])
    ix = emulator.select(sent.id, "pick", default_world.alice, ["rag"])
    assert ix.payload["data"] == {"custom_id": "pick", "component_type": 3, "values": ["rag"]}
    assert (await ix.response()).type == 6
    edited = await ix.message()
    assert edited.id == sent.id and edited.content == "picked rag" and edited.components == []


async def test_attachment_option_is_downloadable_and_files_come_back(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    w = default_world
    ix = emulator.slash(w.guild, w.alice, "upload", {"file": ("terms.yaml", b"- term: x\n")})
    resolved = next(iter(ix.payload["data"]["resolved"]["attachments"].values()))
    assert resolved["url"].startswith(emulator.base_url) and resolved["size"] == 10
    reply = await ix.response()
    assert reply.content == "terms.yaml: 10 bytes"
    message = await ix.message()
    assert [(a.filename, a.content) for a in message.attachments] == [("reversed-terms.yaml", b"\nx :mret -")]
    assert [e["filename"] for e in emulator.events.select("cdn")] == ["terms.yaml"]


async def test_modal_inputs_keep_their_max_length(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    w = default_world
    suggest = emulator.slash(w.guild, w.alice, "suggest")
    modal = await suggest.modal()
    assert modal["custom_id"] and len(modal["components"]) == 2
    with pytest.raises(ValueError, match="required"):
        emulator.submit_modal(suggest, {"suggest:term": "", "suggest:meaning": "x"})
    with pytest.raises(ValueError, match="longer than its max_length"):
        emulator.submit_modal(suggest, {"suggest:term": "x" * 4001, "suggest:meaning": "x"})
