"""The operator's commands that need no Discord: check a glossary, print a card, import other formats."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.cards import as_text
from bot.database import open_database
from bot.importers import Report, import_paths, to_yaml
from bot.library import Library
from bot.loader import load_glossary
from bot.misses import MissLog
from bot.problems import GlossaryError, Problem, counts
from bot.replies import Replies


def check(path: Path, *, strict: bool = False) -> int:
    """Validate the glossary at ``path``: a summary, a count per kind of problem, then every problem.

    Exit 0 when it can be served (warnings say what will be done), 1 when it has errors or, with ``strict``
    (for a glossary repository's own CI), warnings.
    """
    try:
        glossary = load_glossary(path)
    except GlossaryError as exc:
        _problems(exc.problems)
        print(f"{path}: not servable: {len(exc.errors)} error(s)", file=sys.stderr)
        return 1
    entries = glossary.entries
    categories = sorted({e.category for e in entries if e.category})
    print(f"{glossary.name} ({path})")
    print(f"  terms:      {len(entries)}")
    print(f"  aliases:    {sum(len(e.aliases) for e in entries)}")
    print(f"  relations:  {sum(len(r) for r in glossary.relations)}")
    print(f"  faq items:  {sum(len(e.faq) for e in entries)}")
    print(f"  links:      {sum(len(e.see_also_links) for e in entries)}")
    print(f"  categories: {', '.join(categories) or '-'}")
    print(f"  errors:     0\n  warnings:   {len(glossary.warnings)}")
    _problems(glossary.warnings)
    return 1 if strict and glossary.warnings else 0


def _problems(problems: Sequence[Problem]) -> None:
    """A count per kind, then the whole list (no cap: an operator fixes a glossary in one pass)."""
    if not problems:
        return
    for severity, kind, n in counts(problems):
        print(f"  {n:>6} {severity.value}: {kind}")
    for problem in problems:
        print(f"{problem} [{problem.severity.value}]")


async def card(glossary: Path, term: str, as_json: bool) -> int:
    """Print ``term``'s card (or its exact Discord payload); an unknown term prints the did-you-mean.

    The glossary is loaded into a throwaway database, never the bot's own.
    """
    with tempfile.TemporaryDirectory(prefix="glossary-card-") as folder:
        db = await open_database(Path(folder) / "card.sqlite3")
        try:
            library = Library(db, glossary)
            await library.load()
            return await _print_card(library, Replies(library, MissLog(db)), term, as_json)
        except GlossaryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            await db.close()


async def _print_card(library: Library, replies: Replies, term: str, as_json: bool) -> int:
    term_id = library.index.lookup(term)
    if term_id is None:
        reply = await replies.define(term)
        print(reply.content, file=sys.stderr)
        for _, label in reply.buttons:
            print(f"  {label}", file=sys.stderr)
        return 1
    if as_json:
        from bot.views import payload  # discord.py is only needed for the exact payload

        reply = await replies.card(term_id)
        assert reply is not None
        print(json.dumps(payload(reply), indent=2, ensure_ascii=False))
    else:
        found = await library.card(term_id)
        assert found is not None
        print(as_text(found, library.name))
    return 0


def import_files(paths: list[Path], output: Path | None) -> int:
    """Convert spreadsheets, JSON, Markdown pages and seed pages into one glossary YAML file (or standard output).

    What was skipped or changed is listed on standard error, one line each, then a summary. Exit 1, writing
    nothing, when a file cannot be read or nothing could be imported.
    """
    report = Report()
    glossary, unreadable = import_paths(paths, report)
    for line in report.lines:
        print(line, file=sys.stderr)
    for line in unreadable:
        print(f"error: {line}", file=sys.stderr)
    if unreadable:
        return 1
    entries = len(glossary.entries)
    summary = (
        f"imported {entries} entr{'y' if entries == 1 else 'ies'} from {glossary.files} "
        f"file{'' if glossary.files == 1 else 's'}, skipped {report.skipped}"
    )
    if not entries:
        print(f"error: nothing to import ({summary})", file=sys.stderr)
        return 1
    text = to_yaml(glossary)
    if output is None:
        print(text, end="")
        print(summary, file=sys.stderr)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"error: {output}: cannot write it ({exc.strerror or exc})", file=sys.stderr)
        return 1
    print(f"{summary}; wrote {output}")
    return 0
