"""Discord's body limits as the emulator enforces them (pure validators, plus one round trip)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator import Emulator
from tests.emulator.harness import DefaultWorld
from tests.emulator.limits import (
    embed_size,
    validate_choices,
    validate_command_list,
    validate_message,
    validate_modal,
)
from tests.emulator_tests.tinybot import TinyBot


def _codes(body: dict[str, Any]) -> dict[str, str]:
    """Flatten an errors tree to {"a.0.b": "CODE"} for compact assertions."""
    tree = validate_message(body)
    out: dict[str, str] = {}

    def walk(node: dict[str, Any], path: list[str]) -> None:
        for key, value in node.items():
            if key == "_errors":
                out[".".join(path)] = value[0]["code"]
            else:
                walk(value, [*path, key])

    walk(tree.root, [])
    return out


def _button(custom_id: str, label: str = "ok", **extra: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label, **extra}


def test_valid_message_passes() -> None:
    body = {
        "content": "x" * 2000,
        "embeds": [{"title": "t" * 256, "description": "d" * 4096, "fields": [{"name": "n", "value": "v"}] * 25}],
        "components": [{"type": 1, "components": [_button(f"b{r}{i}") for i in range(5)]} for r in range(5)],
    }
    assert _codes(body) == {}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"content": "x" * 2001}, {"content": "BASE_TYPE_MAX_LENGTH"}),
        ({"embeds": [{"title": "t"}] * 11}, {"embeds": "BASE_TYPE_MAX_LENGTH"}),
        ({"embeds": [{"title": "t" * 257}]}, {"embeds.0.title": "BASE_TYPE_MAX_LENGTH"}),
        ({"embeds": [{"description": "d" * 4097}]}, {"embeds.0.description": "BASE_TYPE_MAX_LENGTH"}),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, {"embeds.0.fields": "BASE_TYPE_MAX_LENGTH"}),
        (
            {"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]},
            {"embeds.0.fields.0.name": "BASE_TYPE_MAX_LENGTH"},
        ),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
            {"embeds.0.fields.0.value": "BASE_TYPE_MAX_LENGTH"},
        ),
        ({"embeds": [{"fields": [{"name": "", "value": "v"}]}]}, {"embeds.0.fields.0.name": "BASE_TYPE_REQUIRED"}),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, {"embeds.0.footer.text": "BASE_TYPE_MAX_LENGTH"}),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, {"embeds.0.author.name": "BASE_TYPE_MAX_LENGTH"}),
        ({"embeds": [{"description": "d" * 3001}, {"description": "d" * 3000}]}, {"embeds": "MAX_EMBED_SIZE_EXCEEDED"}),
    ],
)
def test_embed_and_content_limits(body: dict[str, Any], expected: dict[str, str]) -> None:
    assert _codes(body) == expected


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        ([{"type": 1, "components": [_button(f"r{i}")]} for i in range(6)], {"components": "BASE_TYPE_MAX_LENGTH"}),
        (
            [{"type": 1, "components": [_button(f"b{i}") for i in range(6)]}],
            {"components.0.components": "BASE_TYPE_BAD_LENGTH"},
        ),
        (
            [{"type": 1, "components": [_button("x" * 101)]}],
            {"components.0.components.0.custom_id": "BASE_TYPE_BAD_LENGTH"},
        ),
        ([{"type": 1, "components": [_button("")]}], {"components.0.components.0.custom_id": "BASE_TYPE_BAD_LENGTH"}),
        (
            [{"type": 1, "components": [_button("a", "l" * 81)]}],
            {"components.0.components.0.label": "BASE_TYPE_MAX_LENGTH"},
        ),
        (
            [{"type": 1, "components": [_button("same")]}, {"type": 1, "components": [_button("same")]}],
            {"components.1.components.0.custom_id": "COMPONENT_CUSTOM_ID_DUPLICATED"},
        ),
        (
            [
                {
                    "type": 1,
                    "components": [
                        _button("a"),
                        {"type": 3, "custom_id": "s", "options": [{"label": "l", "value": "v"}]},
                    ],
                }
            ],
            {"components.0.components": "COMPONENT_LAYOUT_WIDTH_EXCEEDED"},
        ),
        (
            [{"type": 1, "components": [{"type": 2, "style": 5, "label": "docs"}]}],
            {"components.0.components.0.url": "BASE_TYPE_REQUIRED"},
        ),
    ],
)
def test_component_limits(components: list[dict[str, Any]], expected: dict[str, str]) -> None:
    assert _codes({"components": components}) == expected


def test_link_buttons_need_no_custom_id() -> None:
    link = {"type": 2, "style": 5, "label": "docs", "url": "https://example.invalid/docs"}
    assert _codes({"components": [{"type": 1, "components": [link, _button("a")]}]}) == {}


def test_choices_limits() -> None:
    ok = [{"name": f"n{i}", "value": f"v{i}"} for i in range(25)]
    assert not validate_choices({"choices": ok})
    assert validate_choices({"choices": [*ok, {"name": "n", "value": "v"}]}).root["data"]["choices"]["_errors"]
    assert validate_choices({"choices": [{"name": "", "value": "v"}]}).root["data"]["choices"]["0"]["name"]
    assert validate_choices({"choices": [{"name": "n" * 101, "value": "v"}]}).root["data"]["choices"]["0"]["name"]
    assert validate_choices({"choices": [{"name": "n", "value": "v" * 101}]}).root["data"]["choices"]["0"]["value"]
    assert not validate_choices({"choices": [{"name": "n", "value": 10**6}]})  # numbers are fine


def test_modal_and_command_limits() -> None:
    assert validate_modal({"title": "t" * 46, "custom_id": "m", "components": [{"type": 1, "components": []}]})
    assert not validate_command_list([{"name": "define", "description": "Define a term", "type": 1}])
    bad = validate_command_list(
        [
            {"name": "Define", "description": "Upper case is not allowed", "type": 1},
            {"name": "x", "description": "", "type": 1},
            {"name": "dup", "description": "a", "type": 1},
            {"name": "dup", "description": "b", "type": 1},
            {"name": "Quote", "description": "context menus have none", "type": 3},
        ]
    )
    assert set(bad.root) == {"0", "1", "3", "4"}
    assert embed_size({"title": "ab", "fields": [{"name": "c", "value": "de"}], "footer": {"text": "f"}}) == 6


async def test_too_many_autocomplete_choices_rejected(
    emulator: Emulator, default_world: DefaultWorld, bot: TinyBot
) -> None:
    ok = emulator.autocomplete(default_world.guild, default_world.alice, "lookup", {"query": "25"})
    assert len(await ok.choices()) == 25
    too_many = emulator.autocomplete(default_world.guild, default_world.alice, "lookup", {"query": "26"})
    rejected = await emulator.wait_for("callback", lambda e: e["interaction_id"] == too_many.id)
    assert rejected["status"] == 400 and rejected["callback"].error["code"] == 50035
    assert [v.kind for v in emulator.violations] == ["invalid_body"]
    emulator.clear_violations()


def test_text_input_value_within_its_max_length() -> None:
    def modal(**text_input: object) -> dict:
        box = {"type": 4, "custom_id": "i", "label": "l", "style": 1, **text_input}
        return {"title": "t", "custom_id": "m", "components": [{"type": 1, "components": [box]}]}

    assert not validate_modal(modal(max_length=10, value="x" * 10))
    assert validate_modal(modal(max_length=10, value="x" * 11))  # a pre-filled value Discord would refuse
    assert validate_modal(modal(max_length=4001))
