"""The SQLite store and the library: loads, warm restarts, stable ids, search, failed reloads."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

from bot import store as store_module
from bot.database import POSTGRES, Database, DatabaseUnavailable, Transaction, open_database
from bot.library import Library
from bot.loader import GlossaryError
from bot.misses import MissLog
from bot.store import GlossaryStore, Rows, fts_query
from tests.conftest import SHIPPED

SMALL = """
glossary: Small
terms:
  - term: Alpha
    aliases: [A1]
    definition: Alpha is the first letter.
    faq:
      - q: Why?
        a: Because.
    related: [Beta]
  - term: Beta
    definition: Beta comes second.
    related: [Alpha]
"""


async def test_cold_then_warm_load_reuses_tables(db_target: str) -> None:
    path = db_target
    db = await open_database(path)
    first = await Library(db, SHIPPED).load()
    assert first.ok and first.rebuilt and first.terms >= 100
    await db.close()

    db = await open_database(path)  # a restart: new connection, new library, same file
    library = Library(db, SHIPPED)
    second = await library.load()
    assert second.ok and not second.rebuilt
    assert second.terms == first.terms and second.aliases == first.aliases
    assert library.index.lookup("genai") is not None
    await db.close()


async def test_card_from_store_has_everything(library: Library) -> None:
    term_id = library.index.lookup("genai")
    assert term_id is not None
    card = await library.card(term_id)
    assert card is not None
    assert card.entry.term == "Generative AI"
    assert card.entry.aliases[0] == "GenAI"
    assert card.entry.faq[0].q == "How is Generative AI different from regular AI?"
    assert [r.name for r in card.related] == [
        "Large Language Model",
        "Diffusion Model",
        "Transformer",
        "Variational Autoencoder",
        "Prompt Engineering",
        "Foundation Model",
        "Discriminative Model",
        "Artificial Intelligence",
    ]
    assert all(library.index.names[r.term_id] == r.name for r in card.related)
    assert await library.card(999_999) is None


async def test_ids_are_stable_across_reloads_and_removed_terms_remembered(db, write_yaml) -> None:
    folder = write_yaml("g.yaml", SMALL)
    library = Library(db, folder)
    await library.load()
    alpha, beta = library.index.lookup("alpha"), library.index.lookup("beta")
    without_beta = SMALL.replace("related: [Beta]", "related: [Gamma]").replace(
        "  - term: Beta\n    definition: Beta comes second.\n",
        "  - term: Gamma\n    definition: New.\n",
    )
    write_yaml("g.yaml", without_beta)
    report = await library.reload()
    assert report.ok and report.rebuilt
    assert library.index.lookup("alpha") == alpha
    assert library.index.lookup("beta") is None
    gamma = library.index.lookup("gamma")
    assert gamma not in (alpha, beta)
    assert await library.card(beta) is None
    assert await library.store.former_name(beta) == "Beta"


async def test_failed_reload_keeps_serving_the_last_good_glossary(db, write_yaml) -> None:
    folder = write_yaml("g.yaml", SMALL)
    library = Library(db, folder)
    await library.load()
    alpha = library.index.lookup("alpha")
    write_yaml("g.yaml", SMALL.replace("related: [Beta]", "related: [Nope]") + "  - oops: 1\n")
    report = await library.reload()
    assert not report.ok
    assert [str(p) for p in report.problems if p.is_error] == ["g.yaml:13: an entry has no 'term' (its name)"]
    assert any("g.yaml:9: related 'Nope'" in str(p) for p in report.problems)  # reported with it, as a warning
    assert library.index.lookup("alpha") == alpha
    card = await library.card(alpha)
    assert card is not None and [r.name for r in card.related] == ["Beta"]
    published = await library.store.published()
    assert published is not None and published.name == "Small" and published.generation == library.current.generation


async def test_a_chunk_that_cannot_be_written_fails_the_load_as_it_is(db, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks are written two at a time: the failure of one stops the other, reaches the caller as the error it
    was (not wrapped), and the glossary being served stays, with nothing half-written published."""
    library = Library(db, SHIPPED)
    await library.load()
    served = library.current
    monkeypatch.setattr(store_module, "WRITE_CHUNK", 40)
    written: list[int] = []
    write = GlossaryStore.write

    async def fail_the_third(tx: Transaction, rows: Rows) -> None:
        written.append(len(rows.terms))
        if len(written) == 3:
            raise DatabaseUnavailable("the database stopped answering")
        await write(tx, rows)

    monkeypatch.setattr(GlossaryStore, "write", staticmethod(fail_the_third))
    with pytest.raises(DatabaseUnavailable):
        await library.load(force=True)
    assert library.current is served and len(written) <= 4 < len(served.index) // 40
    published = await library.store.published()
    assert published is not None and published.generation == served.generation
    card = await library.card(served.index.lookup("RAG"))
    assert card is not None and card.entry.term == "Retrieval-Augmented Generation"
    # Nothing of the failed write is left holding on: the collector runs again (an abandoned chunk generator
    # once held its pause, from inside a reference cycle only the collector could free), and the writer that
    # was cancelled in its BEGIN left no transaction open, so the next write and the next load go through.
    assert gc.isenabled()
    monkeypatch.setattr(GlossaryStore, "write", staticmethod(write))
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("after a failed load", "1"))
    report = await library.load(force=True)
    assert report.ok and report.rebuilt and library.current.generation > served.generation


async def test_broken_glossary_at_start_raises_with_problems(db, write_yaml) -> None:
    folder = write_yaml("g.yaml", "terms:\n  - term: X\n    definition: [\n")
    with pytest.raises(GlossaryError) as info:
        await Library(db, folder).load()
    assert "g.yaml:4: YAML syntax error" in str(info.value)  # where the parser noticed: the end of the file


async def test_glossary_load_never_touches_server_tables(db: Database, write_yaml) -> None:
    misses = MissLog(db)
    misses.record(42, "quantum vibes", 1)
    await misses.flush()
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO tod_schedules (guild_id, channel_id, post_time, timezone, enabled, next_post_utc,"
            " next_local_date, created_at, updated_at) VALUES (1, 2, '09:00', 'UTC', 1, 0, '2026-01-01', 0, 0)"
        )
    folder = write_yaml("g.yaml", SMALL)
    library = Library(db, folder)
    await library.load(force=True)
    await library.load(force=True)
    assert await misses.top(42) == [("quantum vibes", 1)]
    assert (await db.fetchone("SELECT count(*) FROM tod_schedules"))[0] == 1
    generations = await db.fetchall("SELECT generation FROM glossary_generations ORDER BY generation")
    assert [g[0] for g in generations] == [1, 2]  # the one replaced a moment ago stays for requests still on it


async def test_replaced_generations_go_once_nobody_can_be_reading_them(db: Database, write_yaml) -> None:
    library = Library(db, write_yaml("g.yaml", SMALL))
    for _ in range(3):
        await library.load(force=True)

    async def generations() -> list[int]:
        return [int(g[0]) for g in await db.fetchall("SELECT generation FROM glossary_generations ORDER BY 1")]

    assert await generations() == [1, 2, 3]
    async with db.transaction() as tx:  # an hour later, as far as the rows can tell
        await tx.execute("UPDATE glossary_generations SET created_at = created_at - 3600")
        await tx.execute(
            "INSERT INTO glossary_generations (generation, name, content_hash, created_at) VALUES (4, 'x', 'y', 0)"
        )  # a load that died half-way long ago
    await library.load(force=True)
    assert await generations() == [3, 5]  # 3 was replaced just now; 1, 2 long ago; 4 was never published
    leftovers = await db.fetchall("SELECT DISTINCT generation FROM glossary_terms ORDER BY 1")
    assert [int(g[0]) for g in leftovers] == [3, 5]


async def test_changed_file_is_noticed_on_restart(db_target: str, write_yaml) -> None:
    folder = write_yaml("g.yaml", SMALL)
    db = await open_database(db_target)
    await Library(db, folder).load()
    write_yaml("g.yaml", SMALL.replace("first letter", "very first letter"))
    library = Library(db, folder)
    assert (await library.load()).rebuilt
    card = await library.card(library.index.lookup("alpha"))
    assert card is not None and "very first" in card.entry.definition
    await db.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("images from text", "Text-to-Image Model"),
        ("model that scores answers", "Verifier"),
        ("vector database", "Vector Database"),
        ("LoRA", "Low-Rank Adaptation"),
    ],
)
async def test_full_text_search(library: Library, query: str, expected: str) -> None:
    names = [name for _, name in await library.search(query, 10)]
    assert expected in names[:3], names


@pytest.mark.parametrize(
    "query",
    ['"', "NEAR(", "a AND OR NOT", "'; DROP TABLE terms; --", "*", "😀" * 2000, "x" * 6000, "\x00"],
)
async def test_search_survives_any_input(library: Library, query: str) -> None:
    results = await library.search(query, 10)
    assert isinstance(results, list)
    assert await library.search("transformer", 10)  # the tables are intact


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('foo "bar" OR baz*') == '"foo"* OR "bar"* OR "or"* OR "baz"*'
    assert fts_query("!!!") == ""
    assert fts_query("foo & bar:* | !baz", POSTGRES) == "foo:* | bar:* | baz:*"
    assert fts_query("foo 'bar' (baz)", POSTGRES, every=True) == "foo:* & bar:* & baz:*"


async def test_search_survives_query_syntax(db) -> None:
    library = Library(db, SHIPPED)
    await library.load()
    for hostile in ('"', "a & | !", "':*'", "NEAR(a b)", "\\x00", "(((", "é" * 500):
        assert isinstance(await library.search(hostile, 10), list)


async def test_glossary_as_single_file(db, tmp_path: Path) -> None:
    single = tmp_path / "one.yaml"
    shutil.copy(SHIPPED / "01-foundations.yaml", single)
    report = await Library(db, single).load()  # alone, it links to terms in other files: those links are dropped
    assert report.ok and report.problems and all(p.kind == "dangling related" for p in report.problems)
