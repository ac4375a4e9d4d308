"""Things that happen at once, made to happen at once: reloads and lookups, misses and the scheduler's
batch, transactions of different owners. Nothing here waits on time; tasks interleave at every await."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from bot.database import Database, open_database
from bot.library import Library
from bot.misses import MissLog
from bot.replies import Replies
from bot.tod import store
from bot.tod.service import TermOfDay

VERSIONS = {  # two glossaries that differ in a definition, a removed term and an added one
    "a": "terms:\n"
    + "".join(f"  - term: Term {i}\n    definition: Version A of term {i}.\n    related: [Term {(i + 1) % 40}]\n"
              for i in range(40))
    + "  - term: Only In A\n    definition: Gone in B.\n",
    "b": "terms:\n"
    + "".join(f"  - term: Term {i}\n    definition: Version B of term {i}.\n    related: [Term {(i + 1) % 40}]\n"
              for i in range(40))
    + "  - term: Only In B\n    definition: New in B.\n",
}  # fmt: skip


class Clock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        await wake.wait()


class Poster:
    def __init__(self) -> None:
        self.sent: list[tuple[int, date]] = []

    async def post(self, guild_id: int, channel_id: int, term_id: int, local_date: date, nonce: str) -> int:
        await asyncio.sleep(0)  # a real send awaits the network: let everything else run meanwhile
        self.sent.append((guild_id, local_date))
        return len(self.sent)


async def _serving_version_a(db: Database, write_yaml) -> tuple[Library, Replies]:
    library = Library(db, write_yaml("g.yaml", VERSIONS["a"]))
    await library.load()
    return library, Replies(library, MissLog(db))


async def _reload_back_and_forth(library: Library, write_yaml, done: asyncio.Event) -> None:
    """Reload B, A, B, A, B (each a rebuild), then set ``done``."""
    for version in "babab":
        write_yaml("g.yaml", VERSIONS[version])
        report = await library.reload()
        assert report.ok and report.rebuilt
    done.set()


async def test_every_lookup_during_reloads_sees_one_whole_glossary(db: Database, write_yaml) -> None:
    library, replies = await _serving_version_a(db, write_yaml)
    done = asyncio.Event()
    answers: list[tuple[str, str]] = []
    problems: list[str] = []

    async def lookups() -> None:
        finishing = False
        while not finishing:
            finishing = done.is_set()  # one last pass after the last reload
            snapshot = library.current
            for i in range(40):
                card = await replies.card(snapshot.index.lookup(f"term {i}") or -1, snapshot=snapshot)
                if card is None or card.embed is None:
                    problems.append(f"term {i} not found in generation {snapshot.generation}")
                    continue
                answers.append((snapshot.content_hash, card.embed["description"][8]))  # "Version A/B"
            await asyncio.sleep(0)

    await asyncio.gather(_reload_back_and_forth(library, write_yaml, done), lookups(), lookups())
    assert problems == []
    by_glossary: dict[str, set[str]] = {}
    for content_hash, version in answers:
        by_glossary.setdefault(content_hash, set()).add(version)
    assert len(by_glossary) >= 2 and all(len(v) == 1 for v in by_glossary.values())  # never a mix
    assert library.index.lookup("only in b") is not None and library.index.lookup("only in a") is None


async def test_explain_during_reloads_answers_from_one_whole_glossary(db: Database, write_yaml) -> None:
    library, replies = await _serving_version_a(db, write_yaml)
    done = asyncio.Event()
    seen: list[tuple[str, ...]] = []

    async def explains() -> None:
        finishing = False
        while not finishing:
            finishing = done.is_set()
            reply = await replies.explain("term 3, then only in a, then only in b")
            assert reply.embed is not None
            text = reply.embed["description"]
            seen.append((*(label for _, label in reply.buttons), text.split("Version ")[1][0]))
            await asyncio.sleep(0)

    await asyncio.gather(_reload_back_and_forth(library, write_yaml, done), explains(), explains())
    # The finder and the cards always come from one glossary: A's extra term with A's definitions, or B's with B's.
    assert set(seen) == {("Term 3", "Only In A", "A"), ("Term 3", "Only In B", "B")}


async def test_a_request_on_the_old_glossary_finishes_on_it_after_the_swap(db: Database, write_yaml) -> None:
    folder = write_yaml("g.yaml", VERSIONS["a"])
    library = Library(db, folder)
    await library.load()
    old = library.current
    gone = old.index.lookup("only in a")
    write_yaml("g.yaml", VERSIONS["b"])
    await library.reload()
    assert library.current.generation > old.generation
    card = await library.card(gone or -1, old)  # the old generation is kept for requests still on it
    assert card is not None and card.entry.definition == "Gone in B."
    assert await library.card(gone or -1) is None


async def test_reload_and_the_scheduler_batch_never_share_a_transaction(db_target: str, write_yaml) -> None:
    db = await open_database(db_target)
    folder = write_yaml("g.yaml", VERSIONS["a"])
    library = Library(db, folder)
    await library.load()
    clock = Clock(datetime(2026, 5, 4, 8, 59, tzinfo=UTC))
    tod = TermOfDay(db, lambda: library.current.index.order, clock)
    guilds = [(n << 22) | 1 for n in range(200)]
    for guild in guilds:
        await tod.setup(guild, guild + 1, "09:00", "UTC")
    clock.current = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    misses = MissLog(db)
    poster = Poster()

    async def miss_storm() -> None:
        for n in range(300):
            misses.record(guilds[n % 7], f"unknown {n % 13}", n)
            if n % 50 == 0:
                await misses.flush()
            await asyncio.sleep(0)

    write_yaml("g.yaml", VERSIONS["b"])
    reloaded, tick, _ = await asyncio.gather(library.reload(), tod.tick(poster), miss_storm())
    await misses.flush()
    assert reloaded.ok and tick.sent == 200 and sorted(poster.sent) == [(g, date(2026, 5, 4)) for g in guilds]
    assert len(await db.fetchall("SELECT guild_id FROM tod_schedules WHERE enabled = 1")) == 200  # none lost
    posts = await db.fetchall("SELECT status, count(*) FROM tod_posts GROUP BY status")
    assert [tuple(row) for row in posts] == [("sent", 200)]
    assert sum(count for _, count in await misses.top(guilds[0], limit=50)) == 300 // 7 + 1
    assert (await store.get_schedule(db, guilds[0])).next_local_date == date(2026, 5, 5)  # type: ignore[union-attr]
    await db.close()
