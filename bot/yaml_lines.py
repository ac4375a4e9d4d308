"""A YAML loader that remembers where things are, so every glossary problem can name its file and line.

It uses PyYAML's C parser when the machine has libyaml (4-10x faster than the pure-Python one) and falls back
to the pure-Python safe loader otherwise. Mappings come back as ``LineDict``: a dict that also knows the line
of the mapping and of each key; sequences come back as ``LineList`` with the line of each item. Duplicate keys,
which PyYAML silently collapses, are recorded.

Documents are built straight from the parser's events: PyYAML's own route (a node per value, then a generic
constructor walking the nodes) took three times as long as parsing, the bulk of loading 100,000 terms. The
rare document with an explicit tag or a merge key (``<<``) goes through that route instead, which knows them.
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


class _NeedsNodes(Exception):
    """The document uses what only PyYAML's node route handles (explicit tags, merge keys)."""


_STR, _MERGE = "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"
_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class _Builder:
    """Builds one document from parser events: containers on a stack, scalars resolved as PyYAML would."""

    def __init__(self, loader: LineLoader) -> None:
        self.loader = loader
        self.anchors: dict[str, Any] = {}
        self.stack: list[tuple[LineDict | LineList, list[Any]]] = []  # container, pending key (maps)
        self.root: Any = None

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        if event.tag not in (None, "!"):
            raise _NeedsNodes
        if event.style or not event.implicit[0]:
            return event.value  # quoted or block: a string
        value = event.value
        if value and value[0] not in self.loader.yaml_implicit_resolvers:
            return value  # the common case: nothing but a string can start this way
        tag = self.loader.resolve(yaml.ScalarNode, value, event.implicit)
        if tag == _STR:
            return value
        if tag == _MERGE:
            raise _NeedsNodes
        return self.loader.construct_object(yaml.ScalarNode(tag, value, event.start_mark, event.end_mark))

    def add(self, value: Any, event: yaml.Event) -> None:
        if event.anchor:
            self.anchors[event.anchor] = value
        if not self.stack:
            self.root = value
            return
        container, key = self.stack[-1]
        line = event.start_mark.line + 1
        if isinstance(container, LineList):
            container.append(value)
            container.lines.append(line)
        elif not key:
            key.append((value, line))
        else:
            self.put(container, *key.pop(), value)

    @staticmethod
    def put(data: LineDict, key: Any, line: int, value: Any) -> None:
        key = key if isinstance(key, str) else str(key)
        if key in data.key_lines:
            data.duplicate_keys.append((key, line))
        data.key_lines[key] = line
        data[key] = value

    def start(self, event: yaml.Event) -> None:
        if event.tag not in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
            raise _NeedsNodes
        container: LineDict | LineList
        if isinstance(event, yaml.MappingStartEvent):
            container = LineDict()
            container.line = event.start_mark.line + 1
        else:
            container = LineList()
        self.add(container, event)
        self.stack.append((container, []))

    def feed(self, event: yaml.Event) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self.add(self.scalar(event), event)
        elif kind in _STARTS:
            self.start(event)
        elif kind in _ENDS:
            self.stack.pop()
        elif kind is yaml.AliasEvent:
            if event.anchor not in self.anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {event.anchor!r}", event.start_mark
                )
            self.add(self.anchors[event.anchor], event)


def load(text: str | bytes) -> Any:
    """Parse one YAML document. Raises ``yaml.YAMLError`` (with ``problem_mark``) on bad syntax."""
    loader = LineLoader(text)
    try:
        builder = _Builder(loader)
        documents = 0
        while (event := loader.get_event()) is not None and not isinstance(event, yaml.StreamEndEvent):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise yaml.composer.ComposerError(
                        "expected a single document in the stream", None, "but found another document",
                        event.start_mark,
                    )  # fmt: skip
            builder.feed(event)
        return builder.root
    except _NeedsNodes:
        return yaml.load(text, Loader=LineLoader)
    finally:
        loader.dispose()
