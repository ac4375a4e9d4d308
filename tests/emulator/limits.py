"""Discord's body limits, reported as a 50035 ``errors`` tree like Discord's.

A bot that builds a 4097-character description works locally and fails in production; the
emulator rejects such bodies the way Discord does (docs: Resources > Message > Embed Limits,
Interactions > Message Components, Interactions > Receiving and Responding > Autocomplete,
Interactions > Application Commands > Application Command Naming) so e2e tests catch it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

Json = dict[str, Any]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
V2_COMPONENTS_MAX = 40
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
MODAL_TITLE_MAX = 45
COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
GLOBAL_CHAT_COMMANDS_MAX = 100

_SELECT_TYPES = {3, 5, 6, 7, 8}
_FLAG_COMPONENTS_V2 = 1 << 15


class ErrorTree:
    """Collects errors at JSON paths and renders Discord's nested ``{"a": {"0": {"_errors": [...]}}}`` form."""

    def __init__(self) -> None:
        self.root: Json = {}
        self.messages: list[str] = []

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        """Record ``code``/``message`` at ``path`` (list indexes become string keys, as Discord does)."""
        node = self.root
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
        self.messages.append(f"{'.'.join(str(p) for p in path) or '<root>'}: {code} {message}")

    def __bool__(self) -> bool:
        return bool(self.root)


def _max_len(tree: ErrorTree, path: Sequence[str | int], value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        tree.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_len(tree: ErrorTree, path: Sequence[str | int], value: Any, low: int, high: int) -> None:
    if value is None or (isinstance(value, str | list) and not low <= len(value) <= high):
        if value is None and low > 0:
            tree.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        else:
            tree.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def embed_size(embed: Json) -> int:
    """Characters Discord counts towards the 6000 total (title, description, fields, footer, author)."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for fld in embed.get("fields") or []:
        total += len(fld.get("name") or "") + len(fld.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def validate_embeds(tree: ErrorTree, path: tuple[str | int, ...], embeds: Any) -> None:
    """docs: Resources > Message > Embed Limits."""
    if embeds is None:
        return
    if not isinstance(embeds, list):
        tree.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType.")
        return
    if len(embeds) > EMBEDS_MAX:
        tree.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_MAX} or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        ep = (*path, i)
        _max_len(tree, (*ep, "title"), embed.get("title"), EMBED_TITLE_MAX)
        _max_len(tree, (*ep, "description"), embed.get("description"), EMBED_DESCRIPTION_MAX)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            tree.add((*ep, "fields"), "BASE_TYPE_MAX_LENGTH", f"Must be {EMBED_FIELDS_MAX} or fewer in length.")
        for j, fld in enumerate(fields):
            fp = (*ep, "fields", j)
            name, value = fld.get("name"), fld.get("value")
            if not name:
                tree.add((*fp, "name"), "BASE_TYPE_REQUIRED", "This field is required")
            _max_len(tree, (*fp, "name"), name, EMBED_FIELD_NAME_MAX)
            if not value:
                tree.add((*fp, "value"), "BASE_TYPE_REQUIRED", "This field is required")
            _max_len(tree, (*fp, "value"), value, EMBED_FIELD_VALUE_MAX)
        footer = embed.get("footer")
        if footer is not None:
            _max_len(tree, (*ep, "footer", "text"), footer.get("text"), EMBED_FOOTER_MAX)
        author = embed.get("author")
        if author is not None:
            _max_len(tree, (*ep, "author", "name"), author.get("name"), EMBED_AUTHOR_MAX)
        total += embed_size(embed)
    if total > EMBED_TOTAL_MAX:
        tree.add(path, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")


def _validate_interactive(
    tree: ErrorTree, path: tuple[str | int, ...], comp: Json, seen: dict[str, tuple[str | int, ...]]
) -> None:
    """Buttons and selects: custom_id rules, labels, options (docs: Interactions > Message Components)."""
    ctype = comp.get("type")
    if ctype == 2:
        style = comp.get("style")
        if style == 5:
            if not comp.get("url"):
                tree.add((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
            if "custom_id" in comp:
                tree.add(
                    (*path, "custom_id"),
                    "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                    "A custom id cannot be set on a link button",
                )
        elif style != 6:
            _custom_id(tree, path, comp, seen)
        _max_len(tree, (*path, "label"), comp.get("label"), BUTTON_LABEL_MAX)
        if style != 6 and not comp.get("label") and not comp.get("emoji"):
            tree.add((*path, "label"), "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or emoji is required")
    elif ctype in _SELECT_TYPES:
        _custom_id(tree, path, comp, seen)
        _max_len(tree, (*path, "placeholder"), comp.get("placeholder"), 150)
        if ctype == 3:
            options = comp.get("options")
            _bad_len(tree, (*path, "options"), options, 1, SELECT_OPTIONS_MAX)
            for k, opt in enumerate(options or []):
                _bad_len(tree, (*path, "options", k, "label"), opt.get("label"), 1, 100)
                _bad_len(tree, (*path, "options", k, "value"), opt.get("value"), 1, 100)
                _max_len(tree, (*path, "options", k, "description"), opt.get("description"), 100)
    elif ctype == 4:
        _custom_id(tree, path, comp, seen)
        _max_len(tree, (*path, "label"), comp.get("label"), 45)
        if not 1 <= comp.get("max_length", 4000) <= 4000:
            tree.add((*path, "max_length"), "NUMBER_TYPE_MAX", "int value should be less than or equal to 4000.")
        _max_len(tree, (*path, "value"), comp.get("value"), min(4000, comp.get("max_length") or 4000))
        _max_len(tree, (*path, "placeholder"), comp.get("placeholder"), 100)


def _custom_id(
    tree: ErrorTree, path: tuple[str | int, ...], comp: Json, seen: dict[str, tuple[str | int, ...]]
) -> None:
    custom_id = comp.get("custom_id")
    _bad_len(tree, (*path, "custom_id"), custom_id, 1, CUSTOM_ID_MAX)
    if isinstance(custom_id, str):
        if custom_id in seen:
            tree.add((*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
        seen[custom_id] = path


def validate_components(tree: ErrorTree, path: tuple[str | int, ...], components: Any, *, flags: int = 0) -> None:
    """Action-row layout (≤5 rows, ≤5 buttons or one select per row) and unique custom_ids."""
    if components is None:
        return
    if not isinstance(components, list):
        tree.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType.")
        return
    seen: dict[str, tuple[str | int, ...]] = {}
    if flags & _FLAG_COMPONENTS_V2:
        # docs: Components > "Using Components" — v2 messages allow 40 components in total.
        count = 0
        stack: list[tuple[tuple[str | int, ...], Json]] = [((*path, i), c) for i, c in enumerate(components)]
        while stack:
            cpath, comp = stack.pop(0)
            count += 1
            _validate_interactive(tree, cpath, comp, seen)
            for k, child in enumerate(comp.get("components") or []):
                stack.append(((*cpath, "components", k), child))
            if comp.get("accessory"):
                stack.append(((*cpath, "accessory"), comp["accessory"]))
        if count > V2_COMPONENTS_MAX:
            tree.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {V2_COMPONENTS_MAX} or fewer in length.")
        return
    if len(components) > ACTION_ROWS_MAX:
        tree.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {ACTION_ROWS_MAX} or fewer in length.")
    for i, row in enumerate(components):
        rpath = (*path, i)
        if row.get("type") != 1:
            tree.add((*rpath, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).')
            continue
        children = row.get("components") or []
        if not 1 <= len(children) <= ROW_BUTTONS_MAX:
            tree.add(
                (*rpath, "components"), "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {ROW_BUTTONS_MAX} in length."
            )
        if any(c.get("type") in _SELECT_TYPES for c in children) and len(children) > 1:
            tree.add(
                (*rpath, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for k, comp in enumerate(children):
            _validate_interactive(tree, (*rpath, "components", k), comp, seen)


def validate_message(body: Json, *, prefix: tuple[str | int, ...] = (), tree: ErrorTree | None = None) -> ErrorTree:
    """Validate the message fields of a create/edit/callback body; returns the (possibly empty) tree."""
    tree = tree if tree is not None else ErrorTree()
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        tree.add((*prefix, "content"), "BASE_TYPE_STRING", "Must be a string.")
    _max_len(tree, (*prefix, "content"), content, CONTENT_MAX)
    validate_embeds(tree, (*prefix, "embeds"), body.get("embeds"))
    validate_components(tree, (*prefix, "components"), body.get("components"), flags=int(body.get("flags") or 0))
    return tree


def validate_choices(body: Json, *, prefix: tuple[str | int, ...] = ("data",)) -> ErrorTree:
    """Autocomplete result: ≤25 choices, name 1..100, string value ≤100."""
    tree = ErrorTree()
    choices = body.get("choices")
    if choices is None:
        tree.add((*prefix, "choices"), "BASE_TYPE_REQUIRED", "This field is required")
        return tree
    if len(choices) > CHOICES_MAX:
        tree.add((*prefix, "choices"), "BASE_TYPE_MAX_LENGTH", f"Must be {CHOICES_MAX} or fewer in length.")
    for i, choice in enumerate(choices):
        _bad_len(tree, (*prefix, "choices", i, "name"), choice.get("name"), 1, CHOICE_NAME_MAX)
        _max_len(tree, (*prefix, "choices", i, "value"), choice.get("value"), CHOICE_VALUE_MAX)
        if "value" not in choice:
            tree.add((*prefix, "choices", i, "value"), "BASE_TYPE_REQUIRED", "This field is required")
    return tree


def validate_modal(body: Json, *, prefix: tuple[str | int, ...] = ("data",)) -> ErrorTree:
    """Modal callback: title 1..45, custom_id 1..100, 1..5 top-level components."""
    tree = ErrorTree()
    _bad_len(tree, (*prefix, "title"), body.get("title"), 1, MODAL_TITLE_MAX)
    _bad_len(tree, (*prefix, "custom_id"), body.get("custom_id"), 1, CUSTOM_ID_MAX)
    components = body.get("components")
    _bad_len(tree, (*prefix, "components"), components, 1, 5)
    seen: dict[str, tuple[str | int, ...]] = {}
    for i, comp in enumerate(components or []):
        cpath = (*prefix, "components", i)
        for k, child in enumerate(comp.get("components") or []):
            _validate_interactive(tree, (*cpath, "components", k), child, seen)
        if comp.get("component"):
            _validate_interactive(tree, (*cpath, "component"), comp["component"], seen)
    return tree


def _validate_option(tree: ErrorTree, path: tuple[str | int, ...], option: Json) -> None:
    name = option.get("name")
    if not isinstance(name, str) or not COMMAND_NAME_RE.match(name) or name != name.lower():
        tree.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    _bad_len(tree, (*path, "description"), option.get("description"), 1, COMMAND_DESCRIPTION_MAX)
    choices = option.get("choices") or []
    if len(choices) > CHOICES_MAX:
        tree.add((*path, "choices"), "BASE_TYPE_MAX_LENGTH", f"Must be {CHOICES_MAX} or fewer in length.")
    for i, choice in enumerate(choices):
        _bad_len(tree, (*path, "choices", i, "name"), choice.get("name"), 1, CHOICE_NAME_MAX)
        _max_len(tree, (*path, "choices", i, "value"), choice.get("value"), CHOICE_VALUE_MAX)
    if choices and option.get("autocomplete"):
        tree.add(
            (*path, "autocomplete"),
            "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES_MUTUALLY_EXCLUSIVE",
            "Autocomplete and choices cannot both be set",
        )
    _validate_option_list(tree, (*path, "options"), option.get("options") or [])


def _validate_option_list(tree: ErrorTree, path: tuple[str | int, ...], options: list[Json]) -> None:
    if len(options) > COMMAND_OPTIONS_MAX:
        tree.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {COMMAND_OPTIONS_MAX} or fewer in length.")
    seen_optional = False
    names: set[str] = set()
    for i, option in enumerate(options):
        if option.get("type") not in (1, 2):
            if option.get("required"):
                if seen_optional:
                    tree.add(
                        (*path, i, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
        if option.get("name") in names:
            tree.add(
                (*path, i, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique"
            )
        names.add(str(option.get("name")))
        _validate_option(tree, (*path, i), option)


def validate_command(tree: ErrorTree, path: tuple[str | int, ...], command: Json) -> None:
    """One application command (docs: Interactions > Application Commands > Application Command Naming)."""
    ctype = command.get("type", 1)
    name = command.get("name")
    if ctype == 1:
        if not isinstance(name, str) or not COMMAND_NAME_RE.match(name) or name != name.lower():
            tree.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        _bad_len(tree, (*path, "description"), command.get("description"), 1, COMMAND_DESCRIPTION_MAX)
        _validate_option_list(tree, (*path, "options"), command.get("options") or [])
    else:
        _bad_len(tree, (*path, "name"), name, 1, 32)
        if command.get("description"):
            tree.add(
                (*path, "description"),
                "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID",
                "Context menu commands cannot have description",
            )


def validate_command_list(commands: Any) -> ErrorTree:
    """A bulk overwrite (PUT) body: per-command rules, unique (type, name), count limits."""
    tree = ErrorTree()
    if not isinstance(commands, list):
        tree.add((), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType.")
        return tree
    seen: set[tuple[int, str]] = set()
    counts: dict[int, int] = {}
    for i, command in enumerate(commands):
        validate_command(tree, (i,), command)
        key = (int(command.get("type", 1)), str(command.get("name")))
        if key in seen:
            tree.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        seen.add(key)
        counts[key[0]] = counts.get(key[0], 0) + 1
    if counts.get(1, 0) > GLOBAL_CHAT_COMMANDS_MAX:
        tree.add((), "BASE_TYPE_MAX_LENGTH", f"Must be {GLOBAL_CHAT_COMMANDS_MAX} or fewer in length.")
    for ctype in (2, 3):
        if counts.get(ctype, 0) > 5:
            tree.add((), "BASE_TYPE_MAX_LENGTH", "Maximum number of context menu commands reached (5)")
    return tree
