"""Glossaries in the formats communities keep them (a spreadsheet, static-site Markdown pages, JSON entries),
imported with ``python -m bot import``, checked, and served by the real bot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.loader import load_glossary
from tests.conftest import FIXTURES
from tests.e2e.conftest import running_bot
from tests.emulator import Emulator
from tests.emulator.harness import DefaultWorld

IMPORTS = FIXTURES / "import"


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    """The spreadsheet, the Hugo pages and the JSON entries, imported into one glossary file."""
    sources = tmp_path / "sources"
    shutil.copytree(IMPORTS, sources)
    out = tmp_path / "glossary" / "imported.yaml"
    out.parent.mkdir()
    inputs = [sources / "spreadsheet.csv", sources / "hugo", sources / "blockchain.json"]
    assert main(["import", *map(str, inputs), "-o", str(out)]) == 0
    return out.parent


def test_imported_glossaries_are_servable_and_check_says_what_it_did(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    glossary = load_glossary(imported)
    assert len(glossary.entries) >= 8 and {e.glossary for e in glossary.entries} >= {"Cloud Native Glossary"}
    capsys.readouterr()
    assert main(["check", str(imported)]) == 0  # warnings at most: served as published
    out = capsys.readouterr().out
    assert f"  terms:      {len(glossary.entries)}\n" in out and "  errors:     0\n" in out


def test_a_utf16_seed_page_is_refused_with_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "seed-utf16.txt"
    shutil.copy(IMPORTS / "seed-utf16.txt", page)
    assert main(["import", str(page), "-o", str(tmp_path / "out.yaml")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not UTF-8 text" in err[0] and "UTF-16" in err[0]
    assert not (tmp_path / "out.yaml").exists()


async def test_the_bot_serves_an_imported_glossary(
    emulator: Emulator, default_world: DefaultWorld, db_path: Path, imported: Path
) -> None:
    glossary = load_glossary(imported)
    w = default_world
    async with running_bot(emulator, db_path, glossary=imported) as bot:
        for entry in glossary.entries[:12]:
            reply = await emulator.slash(w.guild, w.alice, "define", {"term": entry.term[:100]}).response()
            if reply.embed is None:  # a name two imported entries share: the choice lists it
                assert entry.term in reply.content, reply.content
            else:
                assert reply.data["embeds"][0]["title"] == entry.term
        index = bot.services.library.index
        assert len(index) == len(glossary.entries)
    emulator.assert_answered_once()
