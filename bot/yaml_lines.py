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

import sys
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
_PLAIN_TAGS = (None, "!")
_CONTAINER_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_NO_KEY = object()  # a mapping's frame before its next key has been read


def _resolved(loader: LineLoader, event: yaml.ScalarEvent) -> Any:
    """A plain scalar that may be something other than a string (a number, a boolean, null), as PyYAML reads it."""
    tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR:
        return event.value
    if tag == _MERGE:
        raise _NeedsNodes
    return loader.construct_object(yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark))


def _container(event: yaml.Event) -> LineDict | LineList:
    if event.tag not in _CONTAINER_TAGS:
        raise _NeedsNodes
    if type(event) is yaml.MappingStartEvent:
        mapping = LineDict()
        mapping.line = event.start_mark.line + 1
        return mapping
    return LineList()


def _put(mapping: LineDict, key: Any, line: int, value: Any) -> None:
    # Interned: the same dozen keys repeat in every entry, and one object each is what pickle sends once.
    key = sys.intern(key if isinstance(key, str) else str(key))
    if key in mapping.key_lines:
        mapping.duplicate_keys.append((key, line))
    mapping.key_lines[key] = line
    mapping[key] = value


class _Document:
    """What building one document keeps besides its containers: its anchors, and how many documents the
    stream had so far (one is allowed)."""

    __slots__ = ("anchors", "documents", "loader")

    def __init__(self, loader: LineLoader) -> None:
        self.loader = loader
        self.anchors: dict[str, Any] = {}
        self.documents = 0


_SKIP, _END = object(), object()  # events that carry no value; the end of the stream


def _scalar(doc: _Document, event: yaml.ScalarEvent) -> Any:
    """A scalar's value: a string, unless it is plain text that starts like a number, a boolean or null."""
    if event.tag not in _PLAIN_TAGS:
        raise _NeedsNodes
    value = event.value
    if not event.style and event.implicit[0] and (not value or value[0] in doc.loader.yaml_implicit_resolvers):
        return _resolved(doc.loader, event)
    return value


def _other(doc: _Document, event: yaml.Event, kind: type) -> Any:
    """The value a non-scalar event starts (a new container) or names (an alias), else a marker."""
    if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
        return _container(event)
    if kind is yaml.AliasEvent:
        if event.anchor not in doc.anchors:
            raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
        return doc.anchors[event.anchor]
    if kind is yaml.DocumentStartEvent:
        doc.documents += 1
        if doc.documents > 1:
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", None, "but found another document", event.start_mark
            )
    return _END if kind is yaml.StreamEndEvent else _SKIP


def _build(loader: LineLoader) -> Any:
    """The document, built from the parser's events in one loop that runs for every scalar of a glossary (about
    40 per entry), so the common steps are inline: the containers being built are a stack of plain lists
    ``[container, is a mapping, pending key, its line]``, the bottom one a list that receives the root."""
    get_event, doc = loader.get_event, _Document(loader)
    frame: list[Any] = [LineList(), False, _NO_KEY, 0]
    stack = [frame]
    while (event := get_event()) is not None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            value = _scalar(doc, event)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            frame = stack[-1]
            continue
        elif (value := _other(doc, event, kind)) is _SKIP:
            continue
        elif value is _END:
            break
        if event.anchor:
            doc.anchors[event.anchor] = value
        if not frame[1]:
            frame[0].append(value)
            frame[0].lines.append(event.start_mark.line + 1)
        elif frame[2] is _NO_KEY:
            frame[2], frame[3] = value, event.start_mark.line + 1
        else:
            _put(frame[0], frame[2], frame[3], value)
            frame[2] = _NO_KEY
        if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            frame = [value, kind is yaml.MappingStartEvent, _NO_KEY, 0]
            stack.append(frame)
    return stack[0][0][0] if stack[0][0] else None


def load(text: str | bytes) -> Any:
    """Parse one YAML document. Raises ``yaml.YAMLError`` (with ``problem_mark``) on bad syntax."""
    loader = LineLoader(text)
    try:
        return _build(loader)
    except _NeedsNodes:
        return yaml.load(text, Loader=LineLoader)
    finally:
        loader.dispose()
