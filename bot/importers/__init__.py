"""Importing glossaries kept in other formats into one glossary YAML file (``python -m bot import``).

One module per format, each with ``read(path, report) -> Part``: `spreadsheet` (.csv, .tsv), `markdown`
(.md, .markdown, or a folder of them), `json_entries` (.json) and `seed_page` (.txt, the seed page's format).
`common` and `prose` hold what they share; `merge` makes one glossary of them and writes the YAML.

The format is told by the file's ending, or by its content when the ending is another one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from bot.importers import json_entries, markdown, seed_page, spreadsheet
from bot.importers.common import Part, Report, Unreadable, read_text
from bot.importers.merge import Glossary, merge, to_yaml

__all__ = ["FORMATS", "Glossary", "Report", "Unreadable", "detect", "import_paths", "to_yaml"]

Reader = Callable[[Path, Report], Part]
FORMATS: dict[str, Reader] = {
    ".csv": spreadsheet.read,
    ".tsv": spreadsheet.read,
    ".md": markdown.read,
    ".markdown": markdown.read,
    ".json": json_entries.read,
    ".txt": seed_page.read,
}


def detect(path: Path) -> Reader:
    """The reader for ``path``: a folder holds Markdown pages; a file goes by its ending, else by its content."""
    if path.is_dir():
        return markdown.read
    if path.suffix.lower() in FORMATS:
        return FORMATS[path.suffix.lower()]
    text = read_text(path)
    start = text.lstrip()
    if start[:1] in "[{":
        try:
            json.loads(text)
            return json_entries.read
        except ValueError:
            pass
    if re.match(r"(?:---|\+\+\+)\n", text) or re.search(r"^#{1,2} \S", text, re.MULTILINE):
        return markdown.read
    if spreadsheet.looks_like(text):
        return spreadsheet.read
    if seed_page.SEED_MARKERS.search(text):
        return seed_page.read
    raise Unreadable(path, "cannot tell its format; name it .csv, .tsv, .md, .json or .txt (a seed page)")


def import_paths(paths: list[Path], report: Report) -> tuple[Glossary, list[str]]:
    """Read every path into one glossary; also the ``file: reason`` of each input that could not be read."""
    parts: list[tuple[str, Part]] = []
    unreadable: list[str] = []
    for path in paths:
        try:
            if not path.exists():
                raise Unreadable(path, "no such file or folder")
            parts.append((str(path), detect(path)(path, report)))
        except Unreadable as exc:
            unreadable.append(str(exc))
    return merge(parts, report), unreadable
