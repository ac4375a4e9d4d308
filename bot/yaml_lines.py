"""A YAML loader that remembers where things are, so every glossary problem can name its file and line.

It uses PyYAML's C parser when the machine has libyaml (4-10x faster than the pure-Python one) and falls back
to the pure-Python safe loader otherwise. Mappings come back as ``LineDict``: a dict that also knows the line
of the mapping and of each key; sequences come back as ``LineList`` with the line of each item. Duplicate keys,
which PyYAML silently collapses, are recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class LineDict(dict[str, Any]):
    """A mapping from YAML with the 1-based line of itself (``line``) and of each key (``key_lines``)."""

    __slots__ = ("duplicate_keys", "key_lines", "line")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.key_lines: dict[str, int] = {}
        self.duplicate_keys: list[tuple[str, int]] = []

    def line_of(self, key: str) -> int:
        """The line of ``key`` if present, else the line of the mapping."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence from YAML with the 1-based line of each item (``lines``)."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[int] = []


class LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader whose mappings are ``LineDict`` and sequences ``LineList``."""


def _construct_map(loader: LineLoader, node: yaml.MappingNode) -> Iterator[LineDict]:
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in data.key_lines:
            data.duplicate_keys.append((key, line))
        data.key_lines[key] = line
        data[key] = loader.construct_object(value_node, deep=True)


def _construct_seq(loader: LineLoader, node: yaml.SequenceNode) -> Iterator[LineList]:
    data = LineList()
    yield data
    data.extend([loader.construct_object(item, deep=True) for item in node.value])
    data.lines = [item.start_mark.line + 1 for item in node.value]


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load(text: str | bytes) -> Any:
    """Parse one YAML document. Raises ``yaml.YAMLError`` (with ``problem_mark``) on bad syntax."""
    return yaml.load(text, Loader=LineLoader)
