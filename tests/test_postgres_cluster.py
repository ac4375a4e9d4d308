"""What several processes on one PostgreSQL database need: a reload in one reaches the others, loads take turns,
and lookups keep answering from memory while the database is away."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlparse

import asyncpg

from bot.database import open_database
from bot.library import UNAVAILABLE, Library
from bot.store import PUBLISHED
from tests.conftest import new_postgres_database

GLOSSARY = "terms:\n  - {term: Alpha, definition: First.}\n  - {term: Beta, definition: Second., related: [Alpha]}\n"


async def test_a_reload_in_one_process_is_served_by_the_others(postgres_server: object, write_yaml) -> None:
    url = await new_postgres_database(postgres_server)
    folder = write_yaml("g.yaml", GLOSSARY)
    first, second = await open_database(url), await open_database(url)
    try:
        one, two = Library(first, folder), Library(second, folder)
        await one.load()
        assert not (await two.load()).rebuilt  # the same files: served from what the first wrote
        adopted = asyncio.Event()

        async def on_published(payload: str) -> None:
            await two.adopt(payload)
            adopted.set()

        await second.listen(PUBLISHED, on_published)
        write_yaml("g.yaml", GLOSSARY + "  - {term: Gamma, definition: Third.}\n")
        assert (await one.reload()).rebuilt
        await adopted.wait()
        assert two.current.generation == one.current.generation and two.index.lookup("gamma") is not None
        card = await two.card(two.index.lookup("gamma") or 0)
        assert card is not None and card.entry.definition == "Third."
    finally:
        await first.close()
        await second.close()


async def test_processes_loading_at_once_write_one_generation(postgres_server: object, write_yaml) -> None:
    url = await new_postgres_database(postgres_server)
    folder = write_yaml("g.yaml", GLOSSARY)
    databases = [await open_database(url) for _ in range(3)]
    try:
        reports = await asyncio.gather(*(Library(db, folder).load() for db in databases))
        assert sorted(r.rebuilt for r in reports) == [False, False, True]  # one writes, the others reuse it
        generations = await databases[0].fetchall("SELECT generation FROM glossary_generations")
        assert len(generations) == 1
    finally:
        await asyncio.gather(*(db.close() for db in databases))


async def test_lookups_answer_from_memory_while_the_database_is_away(
    postgres_server: object, write_yaml, tmp_path: Path
) -> None:
    url = await new_postgres_database(postgres_server)
    db = await open_database(url)
    admin = await asyncpg.connect(postgres_server.get_uri())  # type: ignore[attr-defined]
    name = urlparse(url).path.lstrip("/")
    try:
        library = Library(db, write_yaml("g.yaml", GLOSSARY))
        await library.load()
        beta = library.index.lookup("beta") or 0
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        away = await library.card(beta)
        assert away is not None and away.entry.term == "Beta" and away.entry.definition == UNAVAILABLE
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        back = await library.card(beta)  # the answer from memory was not cached: the real card again
        assert back is not None and back.entry.definition == "Second."
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
        await db.close()
