"""A tiny discord.py bot used to prove the emulator against the real library.

It exercises the response styles a glossary bot uses: an embed answer, autocomplete, a
persistent button view that edits its message, defer + followup, a message context menu, a
modal, an attachment option answered with a file, plus deliberately broken commands (double answer, late
answer, over-limit embed).
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import discord
from discord import app_commands
from discord.webhook.async_ import async_context, interaction_response_params

TERMS = {
    "genai": "Generative AI: models that produce text, images or code.",
    "llm": "Large language model.",
    "rag": "Retrieval-augmented generation.",
    "agent": "An LLM that calls tools in a loop.",
}


class CounterView(discord.ui.View):
    """Persistent view: the +1 button edits the message it is attached to (callback type 7)."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="+1", style=discord.ButtonStyle.primary, custom_id="counter:inc")
    async def increment(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        assert interaction.message is not None
        count = int(interaction.message.content.rsplit(" ", 1)[-1]) + 1
        await interaction.response.edit_message(content=f"Count: {count}")


class SuggestModal(discord.ui.Modal, title="Suggest a term"):
    """A modal whose submission is echoed back."""

    term: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Term", custom_id="suggest:term")
    meaning: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Meaning", custom_id="suggest:meaning", style=discord.TextStyle.paragraph
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Thanks for suggesting {self.term.value}: {self.meaning.value}")


class TinyBot(discord.AutoShardedClient):
    """AutoShardedClient + CommandTree; ``errors`` collects HTTP errors the commands caught."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("intents", discord.Intents.default())
        super().__init__(**options)
        self.tree = app_commands.CommandTree(self)
        self.errors: list[Exception] = []
        self._error_queue: asyncio.Queue[Exception] = asyncio.Queue()
        self.gates: dict[str, asyncio.Event] = {}
        self.seen_messages: list[discord.Message] = []
        self._add_commands()

    async def setup_hook(self) -> None:
        self.add_view(CounterView())
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5 s pause before re-identifying."""
        return None

    async def on_message(self, message: discord.Message) -> None:
        self.seen_messages.append(message)

    def record_error(self, exc: Exception) -> None:
        """Keep an HTTP error a command caught, for the test to inspect."""
        self.errors.append(exc)
        self._error_queue.put_nowait(exc)

    async def next_error(self) -> Exception:
        """Wait for the next error a command records."""
        return await self._error_queue.get()

    def gate(self, name: str) -> asyncio.Event:
        """An event a command waits on, so a test controls when it answers."""
        return self.gates.setdefault(name, asyncio.Event())

    def _add_commands(self) -> None:
        self._add_answers(self.tree)
        self._add_deferred_and_components(self.tree)
        self._add_gated_and_broken(self.tree)
        self._add_modal_and_menu(self.tree)

    def _add_answers(self, tree: app_commands.CommandTree[Any]) -> None:
        """Plain answers: an embed, autocomplete, where and what the interaction was."""

        @tree.command(description="Define a glossary term")
        @app_commands.describe(term="The term to define")
        async def define(interaction: discord.Interaction, term: str) -> None:
            meaning = TERMS.get(term.lower())
            if meaning is None:
                await interaction.response.send_message(f"I don't know {term!r}.", ephemeral=True)
                return
            embed = discord.Embed(title=term, description=meaning, colour=0x5865F2)
            embed.set_footer(text="Glossary Bot")
            await interaction.response.send_message(embed=embed)

        @define.autocomplete("term")
        async def define_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in sorted(TERMS) if t.startswith(current.lower())]

        @tree.command(description="Autocomplete that offers as many choices as the number typed")
        async def lookup(interaction: discord.Interaction, query: str) -> None:
            await interaction.response.send_message(query)

        @lookup.autocomplete("query")
        async def lookup_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f"term {i}", value=str(i)) for i in range(int(current or 0))]

        @tree.command(description="Where discord.py thinks the interaction happened")
        async def where(interaction: discord.Interaction) -> None:
            channel = interaction.channel
            assert channel is not None and interaction.guild is not None
            cached = interaction.guild.get_channel_or_thread(channel.id) is not None
            parent = getattr(channel, "parent_id", None)
            text = f"{type(channel).__name__} {channel.id} parent={parent} cached={cached}"
            await interaction.response.send_message(text, ephemeral=True)

        @tree.command(description="What discord.py made of the interaction: permissions, locale")
        async def perms(interaction: discord.Interaction) -> None:
            text = f"permissions={interaction.permissions.value} locale={interaction.locale.value}"
            await interaction.response.send_message(text, ephemeral=True)

    def _add_deferred_and_components(self, tree: app_commands.CommandTree[Any]) -> None:
        """A button view, defer + followups, work on @original."""

        @tree.command(description="A counter with a button")
        async def counter(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Count: 0", view=CounterView())

        @tree.command(description="Deferred answer finished by a followup")
        async def slow(interaction: discord.Interaction, term: str, private: bool = False) -> None:
            await interaction.response.defer(thinking=True, ephemeral=private)
            await interaction.followup.send(embed=discord.Embed(title=term, description=TERMS.get(term, "?")))
            await interaction.followup.send("And one more thing.", ephemeral=True)

        @tree.command(description="Defer, then work on the original response and a followup")
        async def draft(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await interaction.edit_original_response(content="draft 1")
            note = await interaction.followup.send("note", wait=True)
            await note.edit(content="note (edited)")
            original = await interaction.original_response()
            await interaction.edit_original_response(content=f"{original.content} -> final")
            await note.delete()

    def _add_gated_and_broken(self, tree: app_commands.CommandTree[Any]) -> None:
        """Answers the test times, and deliberately broken answers the emulator must catch."""

        @tree.command(description="Answers only when the test opens the gate")
        async def wait(interaction: discord.Interaction, name: str) -> None:
            await self.gate(name).wait()
            try:
                await interaction.response.send_message(f"finally {name}")
            except discord.HTTPException as exc:
                self.record_error(exc)

        @tree.command(description="Answers twice (a bug the emulator must catch)")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("first")
            params = interaction_response_params(4, {"content": "second"})
            try:
                await async_context.get().create_interaction_response(
                    interaction.id, interaction.token, session=interaction._session, params=params
                )
            except discord.HTTPException as exc:
                self.record_error(exc)

        @tree.command(description="Sends an embed over Discord's limits")
        async def big(interaction: discord.Interaction) -> None:
            try:
                await interaction.response.send_message(embed=discord.Embed(title="x", description="y" * 4097))
            except discord.HTTPException as exc:
                self.record_error(exc)
                await interaction.response.send_message("that was too big", ephemeral=True)

        @tree.command(description="Post text in a channel")
        async def post(interaction: discord.Interaction, channel: discord.TextChannel, text: str) -> None:
            target = self.get_channel(channel.id)
            assert isinstance(target, discord.TextChannel)
            try:
                await target.send(text)
            except discord.HTTPException as exc:
                self.record_error(exc)
                await interaction.response.send_message(f"cannot post: {exc.code}", ephemeral=True)
                return
            await interaction.response.send_message(f"posted in {channel.mention}", ephemeral=True)

    def _add_modal_and_menu(self, tree: app_commands.CommandTree[Any]) -> None:
        """A modal and a message context menu."""

        @tree.command(description="Suggest a term through a modal")
        async def suggest(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(SuggestModal())

        @tree.command(description="Read an uploaded file and answer with it reversed, as a file")
        async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            reversed_file = discord.File(io.BytesIO(data[::-1]), filename=f"reversed-{file.filename}")
            await interaction.response.send_message(f"{file.filename}: {len(data)} bytes", file=reversed_file)

        @tree.context_menu(name="Quote")
        async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_message(f"> {message.content}\n— {message.author.display_name}")
