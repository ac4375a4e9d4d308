"""Spreadsheet exports (``.csv``, ``.tsv``): a header row naming the columns, then one term a row.

Headers are matched ignoring case, ``_``/``-`` and a trailing ``:`` against `common.FIELD_NAMES`; any other
column with text is kept as a section titled with its header (reported once). The delimiter is sniffed
(``,``, ``;``, tab or ``|``; a ``.tsv`` is tab first). List cells split on ``;`` or ``|``, and on ``,`` for
aliases, tags and related when there is neither. Empty rows are passed over; a row without a term is skipped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from bot.importers.common import Draft, Part, Report, Unreadable, apply_field, field_for, read_text
from bot.importers.prose import paragraphs

DELIMITERS = ",;\t|"


def read(path: Path, report: Report) -> Part:
    text = read_text(path)
    delimiter, columns = _header(path, text, report)
    drafts: list[Draft] = []
    for line, row in _rows(path, text, delimiter):
        if not any(cell.strip() for cell in row):
            continue
        draft = Draft(term="", where=f"{path}:{line}")
        for (header, key), cell in zip(columns, row, strict=False):
            if key:
                apply_field(draft, key, cell.strip(), draft.where, report)
            elif header and cell.strip():
                draft.sections.append((header, paragraphs(cell.strip().split("\n"), wrapped=False)))
        if any(cell.strip() for cell in row[len(columns) :]):
            report.warn(draft.where, f"{len(row) - len(columns)} cell(s) beyond the last column; left out")
        if not draft.term:
            report.skip(draft.where, "a row without a term")
            continue
        if not draft.definition:
            report.warn(draft.where, f"'{draft.term}' has no definition; the card will be short")
        drafts.append(draft)
    return Part(drafts)


def _rows(path: Path, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each row after the header; a quoted cell may run over several lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header_seen = False
    line = 1
    try:
        for row in reader:
            if header_seen:
                yield line, row
            header_seen = header_seen or any(cell.strip() for cell in row)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise Unreadable(path, f"line {reader.line_num}: {exc}") from None


def _header(path: Path, text: str, report: Report) -> tuple[str, list[tuple[str, str]]]:
    """The delimiter and the columns as (header as written, our field or "" for a column kept as sections)."""
    number, first = next(((n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()), (0, ""))
    if not first:
        raise Unreadable(path, "an empty spreadsheet")
    try:
        sniffed = csv.Sniffer().sniff(text[:8192], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    preferred = "\t" if path.suffix.lower() == ".tsv" else sniffed
    for delimiter in dict.fromkeys([preferred, sniffed, *DELIMITERS]):
        headers = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
        if "term" in (field_for(h) for h in headers):
            return delimiter, _columns(headers, f"{path}:{number}", report)
    listed = ", ".join(repr(h) for h in next(csv.reader([first], delimiter=preferred))[:8])
    raise Unreadable(path, f"no term column in the header row ({listed}); name one 'term', 'word', 'name' or 'title'")


def _columns(headers: list[str], where: str, report: Report) -> list[tuple[str, str]]:
    """(header, field) pairs; a column that is no field, or repeats one, keeps its text as sections (reported)."""
    columns: list[tuple[str, str]] = []
    first_of: dict[str, str] = {}
    for number, header in enumerate(headers, 1):
        key = field_for(header)
        if not header:
            report.warn(where, f"column {number} has no header; its cells are left out")
        elif not key:
            report.warn(where, f"column '{header}' is not a glossary field; its text is kept as a section")
        elif key in first_of:
            report.warn(where, f"column '{header}' repeats {key} (column '{first_of[key]}'); kept as a section")
            key = ""
        first_of.setdefault(key, header)
        columns.append((header, key))
    return columns


def looks_like(text: str) -> bool:
    """Whether ``text`` starts with a header row that has a term column (for files without a known ending)."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    return any(
        "term" in [field_for(h) for h in next(csv.reader([first], delimiter=d))] for d in DELIMITERS if d in first
    )
