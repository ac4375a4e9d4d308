"""A glossary's files: which they are, their content hash, and their text (UTF-8, YAML or JSON).

The hash lets a restart with an unchanged glossary skip parsing. Files are read here only to hash them and
then let go: a large glossary is parsed file by file (or by worker processes) without all of it in memory.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from bot.problems import GlossaryError, Problem, error
from bot.yaml_lines import load

SUFFIXES = (".yaml", ".yml", ".json")
# JSON writes characters outside the BMP as surrogate pairs ("\ud83d\ude00"), which YAML's parser refuses.
_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


class Unreadable(Exception):
    """A file that cannot be read as glossary text; the message says why in one line."""


def glossary_files(path: Path) -> list[Path]:
    """The glossary files at ``path`` (a file, or a folder searched recursively), in name order."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    return []


def read_sources(path: Path) -> tuple[list[tuple[str, Path]], str]:
    """The glossary's files as (display name, path) pairs, and the content hash of the whole glossary.

    Raises GlossaryError (naming ``path``) when there is no glossary file there.
    """
    if not path.exists():
        raise GlossaryError([error(str(path), 0, "no file", "no such file or folder")])
    files = glossary_files(path)
    if not files:
        raise GlossaryError([error(str(path), 0, "no file", "no .yaml, .yml or .json files found")])
    root = path if path.is_dir() else path.parent
    digest = hashlib.sha256()
    sources: list[tuple[str, Path]] = []
    for file in files:
        data = file.read_bytes()
        name = file.relative_to(root).as_posix() if path.is_dir() else file.name
        digest.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
        sources.append((name, file))
    return sources, digest.hexdigest()


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark dropped); anything else is :class:`Unreadable`."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (len(data) > 1 and b"\0" in data[:4]):
        raise Unreadable("the file is UTF-16 text; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"the file is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8") from None


def parse_document(file: str, data: bytes) -> Any:
    """One file's tree (mappings with line numbers). Raises :class:`Unreadable` or a ``Problem``-carrying
    :class:`SyntaxProblem` for bad syntax."""
    text = decode(data)
    is_json = file.lower().endswith(".json")
    try:
        return load(_PAIR.sub(_join_pair, text) if is_json else text)
    except yaml.YAMLError as exc:
        if is_json:
            return _json_fallback(file, text)
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problem = error(file, mark.line + 1 if mark else 1, "syntax", f"YAML syntax error: {reason}")
        raise SyntaxProblem(problem) from None


def _join_pair(match: re.Match[str]) -> str:
    high, low = int(match[2], 16), int(match[3], 16)
    return match[1] + chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def _json_fallback(file: str, text: str) -> Any:
    """JSON that YAML's parser cannot read: parsed by ``json`` (without line numbers), or its syntax error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SyntaxProblem(error(file, exc.lineno, "syntax", f"JSON syntax error: {exc.msg}")) from None


class SyntaxProblem(Exception):
    """A file whose syntax is broken."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
