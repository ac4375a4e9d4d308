"""Server terms on both backends: adding, editing, removing, linking, FAQ, editors, caps, rate limits, history,
export and all-or-nothing import through the loader."""

from __future__ import annotations

import asyncio

import pytest
import yaml

from bot import server_rules
from bot.database import Database
from bot.library import Library
from bot.replies import Replies
from bot.server_rules import Form
from bot.server_terms import Actor, ImportRefused, Refused, ServerTerms

GUILD, OTHER = 111, 222
ADMIN = Actor(GUILD, 1, manage_guild=True, guild_name="Test Guild")
MEMBER = Actor(GUILD, 2, role_ids=frozenset({77}))


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def terms(library: Library) -> ServerTerms:
    service = ServerTerms(library.db, lambda: library.current.index, Clock())
    await service.start()
    return service


def form(name: str = "Zorp", definition: str = "Our build robot.", **more: str) -> Form:
    return Form(term=name, definition=definition, **more)


async def test_add_is_stored_logged_and_seen_only_by_its_server(terms: ServerTerms, db: Database) -> None:
    added = await terms.add(ADMIN, form(aliases="zorpy, the robot"))
    assert added.entry.aliases == ("zorpy", "the robot")
    here = await terms.scope(GUILD)
    assert here.lookup("zorpy") == -added.id and here.name(-added.id) == "Zorp"
    assert (await terms.scope(OTHER)).lookup("zorp") is None
    assert (await terms.scope(None)).lookup("zorp") is None
    history = await terms.history(GUILD)
    assert [(c.name, c.action, c.user_id) for c in history] == [("Zorp", "added", 1)]
    assert await terms.history(OTHER) == []
    card = await terms.card(GUILD, added.id, here)
    assert card is not None and card.entry.glossary == "Test Guild glossary"
    assert await terms.card(OTHER, added.id, here) is None


async def test_server_term_wins_over_a_shipped_one_with_its_name(terms: ServerTerms) -> None:
    shipped = (await terms.scope(GUILD)).lookup("Transformer")
    assert shipped is not None and shipped > 0
    ours = await terms.add(ADMIN, form("Transformer", "The power supply in our lab."))
    llm = await terms.add(ADMIN, form("LLM", "Our lab's own meaning."))
    scope = await terms.scope(GUILD)
    assert scope.find("transformers") == (-ours.id,) and scope.find("llm") == (-llm.id,)
    assert scope.lookup("Large Language Model") is not None  # a shipped term keeps its own name
    assert (await terms.scope(OTHER)).lookup("transformer") == shipped
    values = [c.term_id for c in scope.autocomplete("Transformer")]
    assert values[0] == -ours.id and shipped not in values
    assert -ours.id in [c.term_id for c in scope.autocomplete("")]
    assert -ours.id in scope.suggest("transformr", 5) and shipped not in scope.suggest("transformr", 5)


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        (form("Zorp", ""), "definition is empty"),
        (form("Zorp", "x" * (server_rules.DEFINITION + 1)), "the most is 2000"),
        (form("Zorp", "hello @everyone"), "may not ping"),
        (form("Zorp", "ask <@123456789>"), "may not ping"),
        (form("   ", "fine"), "name is empty"),
        (form("Z" * 81, "fine"), "the most is 80"),
    ],
)
async def test_bad_text_is_refused_with_the_form_kept(terms: ServerTerms, typed: Form, why: str) -> None:
    with pytest.raises(Refused, match=why) as refused:
        await terms.add(ADMIN, typed)
    assert refused.value.form == typed
    assert await terms.history(GUILD) == []


async def test_name_taken_and_permissions(terms: ServerTerms) -> None:
    await terms.add(ADMIN, form())
    with pytest.raises(Refused, match="already has a term named"):
        await terms.add(ADMIN, form("zorp!", "again"))
    with pytest.raises(Refused, match="Manage Server or this server's editor role"):
        await terms.add(MEMBER, form("Other"))
    with pytest.raises(Refused, match="Only members with Manage Server"):
        await terms.set_editors(MEMBER, 77)
    await terms.set_editors(ADMIN, 77)
    assert (await terms.add(MEMBER, form("Other"))).entry.term == "Other"
    await terms.set_editors(ADMIN, None)
    assert not await terms.may_edit(MEMBER)


async def test_edit_link_faq_and_remove(terms: ServerTerms) -> None:
    zorp = await terms.add(ADMIN, form())
    await terms.add(ADMIN, form("Blip", "A small release."))
    linked = await terms.link(ADMIN, "zorp", "Blip, LLM")
    assert linked.entry.related == ("Blip", "LLM")
    with pytest.raises(Refused, match="No term here is named \\*\\*Nope"):
        await terms.link(ADMIN, "zorp", "Blip, Nope")
    asked = await terms.faq(ADMIN, "Zorp", "Who owns it?", "The infra team.")
    assert [(f.q, f.a) for f in asked.entry.faq] == [("Who owns it?", "The infra team.")]
    edited = await terms.edit(ADMIN, zorp.id, form("Zorp 2", "Our second robot."))
    assert edited.entry.related == ("Blip", "LLM") and edited.entry.faq == asked.entry.faq  # kept by an edit
    scope = await terms.scope(GUILD)
    card = await terms.card(GUILD, zorp.id, scope)
    assert card is not None and [r.name for r in card.related] == ["Blip", "Large Language Model"]
    assert scope.lookup("zorp") is None and scope.lookup("zorp 2") == -zorp.id
    assert await terms.remove(ADMIN, zorp.id) == "Zorp 2"
    assert (await terms.scope(GUILD)).lookup("zorp 2") is None
    assert await terms.store.former_name(GUILD, zorp.id) == "Zorp 2"
    actions = [c.action for c in await terms.history(GUILD)]
    assert actions == ["removed", "edited", "faq", "related", "added", "added"]


async def test_history_keeps_the_last_25_newest_first(terms: ServerTerms) -> None:
    terms.rate.most = 1000
    for number in range(30):
        await terms.add(ADMIN, form(f"T{number}", "x"))
    history = await terms.history(GUILD)
    assert len(history) == 25 and history[0].name == "T29" and history[-1].name == "T5"


async def test_rate_limit_per_member(terms: ServerTerms) -> None:
    terms.rate.most = 3
    for number in range(3):
        await terms.add(ADMIN, form(f"T{number}", "x"))
    with pytest.raises(Refused, match="try again in 10 min") as refused:
        await terms.add(ADMIN, form("T3", "x"))
    assert refused.value.form is not None  # the text typed is kept even when refused for the rate
    other_admin = Actor(GUILD, 9, manage_guild=True)
    await terms.add(other_admin, form("T3", "x"))  # someone else may still edit
    terms.now.t += 601  # type: ignore[attr-defined]
    await terms.add(ADMIN, form("T4", "x"))


async def test_cap_refuses_the_term_past_it(terms: ServerTerms, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.server_terms.MAX_TERMS", 2)
    terms.rate.most = 100
    await terms.add(ADMIN, form("A", "x"))
    await terms.add(ADMIN, form("B", "x"))
    with pytest.raises(Refused, match="already has 2 terms"):
        await terms.add(ADMIN, form("C", "x"))


async def test_concurrent_adds_of_one_name_make_one_term(terms: ServerTerms) -> None:
    results = await asyncio.gather(*(terms.add(ADMIN, form("Same", "x")) for _ in range(5)), return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, Refused) for r in results if isinstance(r, Exception))


async def test_export_then_import_round_trip(terms: ServerTerms) -> None:
    await terms.add(ADMIN, form("Zorp", "Our build robot.\n\nIt never sleeps.", aliases="zorpy"))
    await terms.add(ADMIN, form("Blip", "A small release."))
    await terms.link(ADMIN, "Zorp", "Blip")
    await terms.faq(ADMIN, "Zorp", "Who?", "Infra.")
    exported, count = await terms.export(GUILD)
    assert count == 2
    document = yaml.safe_load(exported)
    assert document["glossary"] == "Test Guild glossary"
    assert document["terms"][0] == {
        "term": "Zorp",
        "aliases": ["zorpy"],
        "definition": "Our build robot.\n\nIt never sleeps.",
        "related": ["Blip"],
        "faq": [{"q": "Who?", "a": "Infra."}],
    }
    assert b"|" in exported  # several lines as a literal block, as people edit them
    unchanged = await terms.import_file(ADMIN, "terms.yaml", exported)
    assert (unchanged.added, unchanged.changed, unchanged.removed) == ((), (), ())
    document["terms"][1]["definition"] = "A tiny release."
    document["terms"].append({"term": "Quux", "definition": "New."})
    del document["terms"][0]
    report = await terms.import_file(ADMIN, "terms.yaml", yaml.safe_dump(document).encode())
    assert (report.added, report.changed, report.removed) == (("Quux",), ("Blip",), ("Zorp",))
    scope = await terms.scope(GUILD)
    assert scope.lookup("quux") is not None and scope.lookup("zorp") is None


async def test_import_with_errors_changes_nothing_and_names_lines(terms: ServerTerms) -> None:
    await terms.add(ADMIN, form())
    bad = b"terms:\n  - term: Good\n    definition: fine\n  - definition: no name\n"
    bad += b"  - term: Ping\n    definition: hi @here\n"
    with pytest.raises(ImportRefused) as refused:
        await terms.import_file(ADMIN, "terms.yaml", bad)
    shown = [str(p) for p in refused.value.problems if p.is_error]
    assert shown == [
        "terms.yaml:4: an entry has no 'term' (its name)",
        "terms.yaml:6: 'Ping': The definition contains a mention (@here); server terms may not ping anyone.",
    ]
    with pytest.raises(ImportRefused) as syntax:
        await terms.import_file(ADMIN, "terms.yaml", b"terms: [\n")
    assert str(syntax.value.problems[0]).startswith("terms.yaml:2: YAML syntax error")
    assert (await terms.scope(GUILD)).lookup("zorp") is not None
    assert [c.action for c in await terms.history(GUILD)] == ["added"]


async def test_import_over_the_cap_is_refused_with_the_numbers(
    terms: ServerTerms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.server_terms.MAX_TERMS", 3)
    entries = [{"term": f"T{n}", "definition": "x"} for n in range(5)]
    with pytest.raises(ImportRefused, match="has 5 terms and a server may have at most 3 \\(2 too many\\)"):
        await terms.import_file(ADMIN, "t.yaml", yaml.safe_dump(entries).encode())


async def test_another_process_edit_reaches_this_one(library: Library) -> None:
    first = ServerTerms(library.db, lambda: library.current.index)
    second = ServerTerms(library.db, lambda: library.current.index)
    await first.start()
    await second.start()
    assert (await second.scope(GUILD)).lookup("zorp") is None
    await first.add(ADMIN, form())
    await second.notified(str(GUILD))  # what the NOTIFY (PostgreSQL) or a restart delivers
    assert (await second.scope(GUILD)).lookup("zorp") is not None


async def test_overlay_build_overtaken_by_an_edit_is_not_kept(terms: ServerTerms) -> None:
    await terms.add(ADMIN, form())
    started = asyncio.Event()
    release = asyncio.Event()
    load = terms.overlays.load

    async def slow(guild_id: int) -> list[tuple[int, str, str]]:
        rows = await load(guild_id)
        started.set()
        await release.wait()
        return rows

    terms.overlays.load = slow
    terms.overlays.changed(GUILD, True)
    building = asyncio.ensure_future(terms.scope(GUILD))
    await started.wait()
    await terms.add(ADMIN, form("Blip", "x"))  # lands while the old build is under way
    release.set()
    assert (await building).lookup("blip") is None  # that request saw the old terms
    assert (await terms.scope(GUILD)).lookup("blip") is not None  # the stale overlay was not kept


async def test_server_terms_join_that_servers_term_of_the_day_rotation(terms: ServerTerms, library: Library) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.tod.service import TermOfDay
    from tests.clock import ManualClock
    from tests.test_tod_scheduler import FakePoster, drive

    clock = ManualClock(datetime(2026, 5, 4, 8, tzinfo=UTC))
    poster = FakePoster(clock)
    shipped = library.current.index.featured[:2]
    tod = TermOfDay(library.db, lambda: shipped, clock, own_terms=terms.rotation)
    zorp = await terms.add(ADMIN, form())
    await tod.setup(GUILD, 5, "09:00", "UTC")
    await tod.setup(OTHER, 6, "09:00", "UTC")
    await drive(tod, poster, library.db, clock.now() + timedelta(days=3))
    ours = [c.term_id for c in poster.posts_of(GUILD)]
    theirs = [c.term_id for c in poster.posts_of(OTHER)]
    assert sorted(ours) == sorted([*shipped, -zorp.id])  # one round: each of the server's three terms once
    assert -zorp.id not in theirs and len(theirs) == 3


async def test_postgres_tells_the_other_processes_at_once(library: Library, db_target: str) -> None:
    if not db_target.startswith("postgresql://"):
        pytest.skip("one process serves a SQLite file")
    from bot.database import open_database

    other_db = await open_database(db_target)
    try:
        heard = asyncio.Event()
        other = ServerTerms(other_db, lambda: library.current.index)
        follow = other.notified

        async def notified(payload: str) -> None:
            await follow(payload)
            heard.set()

        other.notified = notified  # type: ignore[method-assign]
        await other.start()
        assert (await other.scope(GUILD)).lookup("zorp") is None
        here = ServerTerms(library.db, lambda: library.current.index)
        await here.start()
        await here.add(ADMIN, form())
        await asyncio.wait_for(heard.wait(), 10)
        assert (await other.scope(GUILD)).lookup("zorp") is not None
    finally:
        await other_db.close()


def test_drafts_are_kept_for_their_author_a_while_and_bounded() -> None:
    from bot.server_replies import DRAFT_TTL_S, Drafts

    clock = Clock()
    drafts = Drafts(clock, size=2)
    first = drafts.keep(1, 0, form("A"))
    assert len(first) <= 20 and drafts.get(first, 1) is not None
    assert drafts.get(first, 2) is None  # someone else's
    clock.t += DRAFT_TTL_S + 1
    assert drafts.get(first, 1) is None  # too old
    second, third = drafts.keep(1, 0, form("B")), drafts.keep(1, 7, form("C"))
    fourth = drafts.keep(1, 0, form("D"))
    assert drafts.get(second, 1) is None  # the oldest went first
    assert drafts.get(third, 1).term_id == 7 and drafts.get(fourth, 1).form.term == "D"  # type: ignore[union-attr]


async def test_own_terms_are_named_by_name_or_by_id(terms: ServerTerms, library: Library) -> None:
    from bot.misses import MissLog
    from bot.server_replies import Prefill, ServerReplies

    server = ServerReplies(terms, Replies(library, MissLog(library.db), server=terms))
    await terms.add(ADMIN, form("Blip", "A release.", aliases="zorp"))
    zorp = await terms.add(ADMIN, form("Zorp", "Our robot."))
    choices = await server.own_choices(GUILD, "zorp")
    assert [c.value for c in choices] == ["Zorp"]  # a name beats another term's alias
    assert all(c.term_id < 0 for c in choices)  # this server's terms only
    value = f"id:-{zorp.id}"  # what matching's choices use for a name they cannot send as it is
    prefill = await server.prefill(ADMIN, value)
    assert isinstance(prefill, Prefill) and prefill.term_id == zorp.id and prefill.form.term == "Zorp"
    linked = await server.link(ADMIN, value, "Blip")
    assert linked.content == "Related terms of **Zorp** set." and [b[1] for b in linked.buttons] == ["Blip"]
    refused = await server.prefill(MEMBER, "Zorp")
    assert not isinstance(refused, Prefill) and "Manage Server" in refused.content


async def test_random_picks_from_the_server_terms_too(terms: ServerTerms) -> None:
    import random

    zorp = await terms.add(ADMIN, form())
    scope = await terms.scope(GUILD)
    rng = random.Random(5)
    picks = {scope.random_id(rng) for _ in range(3_000)}
    assert -zorp.id in picks and any(p is not None and p > 0 for p in picks)
    elsewhere = await terms.scope(OTHER)
    assert -zorp.id not in {elsewhere.random_id(rng) for _ in range(3_000)}


async def test_explain_finds_the_servers_own_terms_first_and_only_there(terms: ServerTerms, library: Library) -> None:
    from bot.misses import MissLog

    replies = Replies(library, MissLog(library.db), server=terms)
    zorp = await terms.add(ADMIN, form("Zorp Engine", aliases="ZE"))
    shadow = await terms.add(ADMIN, form("Transformer", "The power supply in our lab."))
    text = "Our RAG bot runs on the zorp engine; the ZE needs a new Transformer."
    here = await replies.explain(text, GUILD)
    assert here.embed is not None
    buttons = [term_id for term_id, _ in here.buttons]
    shipped_rag = library.current.index.lookup("RAG")
    # The server's own terms come first, in the order they appear; its Transformer hides the shipped one.
    assert buttons == [-zorp.id, -shadow.id, shipped_rag]
    assert "Our build robot." in here.embed["description"]
    elsewhere = await replies.explain(text, OTHER)
    names = [label for _, label in elsewhere.buttons]
    assert "Zorp Engine" not in names and "Transformer" in names
    assert all(term_id > 0 for term_id, _ in elsewhere.buttons)
