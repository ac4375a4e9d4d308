"""Explain terms end to end: the real bot, its commands synced to the emulated Discord, a member right-clicking
a message (a person's, another bot's with an embed) and pasting text into /explain."""

from __future__ import annotations

from bot import limits
from bot.client import GlossaryBot
from tests.emulator import Emulator
from tests.emulator.harness import DefaultWorld

MENU = "Explain terms"


def labels(components: list[dict]) -> list[str]:
    return [button["label"] for row in components for button in row["components"]]


def listed(description: str) -> list[str]:
    """The term names of the answer's list, in order."""
    return [line.split("**")[1] for line in description.split("\n") if line.startswith("**")]


async def test_the_commands_are_registered_with_discord(emulator: Emulator, bot: GlossaryBot) -> None:
    registered = {(c.type, c.name): c.data for c in emulator.world.commands.values()}
    assert (3, MENU) in registered  # a message command: right-click a message → Apps
    assert not registered[(3, MENU)].get("description")
    option = registered[(1, "explain")]["options"][0]
    assert option["name"] == "text" and option["required"] and option["max_length"] == limits.EXPLAIN_OPTION


async def test_right_click_a_message_explains_its_terms_privately_and_a_button_opens_the_card(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    posted = emulator.user_message(
        w.general, w.admin, "we used GRPO on a MoE with a 128k context and a KV cache in FP8 <@&1> @everyone"
    )
    ix = emulator.message_command(w.guild, w.alice, MENU, posted)
    reply = await ix.response()
    assert reply.type == 4 and reply.ephemeral
    assert reply.data["allowed_mentions"] == {"parse": []}
    assert reply.embed is not None and reply.embed["title"] == "4 glossary terms found"
    names = ["Group Relative Policy Optimization", "Mixture of Experts", "KV Cache", "FP8"]
    assert listed(reply.embed["description"]) == names
    assert "Mixture of experts (MoE) is" in reply.embed["description"]
    assert labels(reply.components) == names
    assert len(emulator.channel_messages(w.general)) == 1  # nothing was posted in the channel

    answer = await ix.message()
    kv = next(b for row in answer.components for b in row["components"] if b["label"] == "KV Cache")
    opened = await emulator.click(answer, kv["custom_id"], w.alice).response()
    assert opened.type == 7  # the private list becomes the card, in place
    assert opened.embed is not None and opened.embed["title"] == "KV Cache"
    assert len(emulator.channel_messages(w.general)) == 1


async def test_another_bots_message_and_its_embed_are_read(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    helper = emulator.world.add_user("helper-bot", bot=True)
    embed = {
        "title": "Weekly digest",
        "description": "Papers on RAG this week.",
        "fields": [{"name": "Hardware", "value": "Cheaper VRAM for local LLMs"}],
        "footer": {"text": "Sources: arXiv · https://example.com/GPU"},
    }
    posted = emulator.user_message(w.general, helper, "Today's `GPU` news:", embeds=[embed])
    reply = await emulator.message_command(w.guild, w.alice, MENU, posted).response()
    assert reply.ephemeral and reply.embed is not None
    assert listed(reply.embed["description"]) == ["Retrieval-Augmented Generation", "VRAM", "Local LLM"]


async def test_a_message_without_terms_gets_a_short_private_answer(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    for content in ("lunch at noon? bring a rag for the table", "```RAG and LLM```"):
        posted = emulator.user_message(w.general, w.admin, content)
        reply = await emulator.message_command(w.guild, w.alice, MENU, posted).response()
        assert reply.type == 4 and reply.ephemeral and reply.embed is None
        assert reply.content.startswith("No glossary terms found") and "`/define`" in reply.content
        assert not reply.components


async def test_explain_pasted_text_lists_ten_and_counts_the_rest(
    emulator: Emulator, default_world: DefaultWorld, bot: GlossaryBot
) -> None:
    w = default_world
    names = list(bot.services.library.index.names.values())[:14]
    reply = await emulator.slash(w.guild, w.alice, "explain", {"text": "\n".join(names)}).response()
    assert reply.type == 4 and reply.ephemeral and reply.embed is not None
    assert reply.embed["title"] == "14 glossary terms found"
    assert listed(reply.embed["description"]) == names[:10]
    assert reply.embed["description"].endswith("*…and 4 more.*")
    assert labels(reply.components) == names[:10]
    assert [len(row["components"]) for row in reply.components] == [5, 5]
    odd = await emulator.slash(w.guild, w.alice, "explain", {"text": "@everyone " * 400}).response()
    assert odd.ephemeral and odd.data["allowed_mentions"] == {"parse": []} and "`/define`" in odd.content
