"""JSON glossaries: a list of entries with ids, tags, related-by-id and extra keys; the {glossary, attribution,
terms} mapping with synonyms; a plain {term: definition} mapping; invalid JSON."""

from __future__ import annotations

import json

from tests.test_importer import IMPORT, run_import, write

ENTRIES = IMPORT / "blockchain.json"


def test_a_list_of_entries_field_by_field(capsys, tmp_path) -> None:
    run = run_import(capsys, tmp_path, ENTRIES)
    assert run.code == 0
    assert run.data is not None and list(run.data) == ["terms"]
    assert run.data["terms"] == [
        {
            "id": "block",
            "term": "Block",
            "tags": ["basics"],
            "definition": "A batch of transactions sealed together and added to the chain.",
            "related": ["chain", "hash"],  # by id, as written
        },
        {
            "id": "chain",
            "term": "Blockchain",
            "tags": ["basics", "ledger"],
            "definition": "An append-only chain of blocks shared by many computers.",
            "sections": [{"title": "Notes", "text": "The word was coined in 2008."}],  # an unknown key with text
            "related": ["block", "consensus"],
        },
        {
            "id": "hash",
            "term": "Hash",  # "name"
            "aliases": ["digest"],  # "synonyms"
            "definition": "A fixed-size fingerprint of some data.",  # "description"
            "related": ["block"],
        },
        {
            "id": "mempool",
            "term": "Mempool",  # "title"
            "definition": "Where valid transactions wait to be put in a block.",  # "meaning"
            "example": "A wallet's transaction sits in the mempool until a miner picks it up.",  # "examples"
            "related": ["block", "gas"],
        },
    ]
    not_imported = "is not among the imported entries; the loader will drop it unless your glossary has it"
    assert run.lines == [
        f"{ENTRIES}: entry 4: skipped: no term (a 'term', 'name' or 'title' key)",
        f"{ENTRIES}: key 'notes' (1 entry) is not a glossary field; kept as a section",
        f"{ENTRIES}: key 'depth' (5 entries) is not a glossary field; dropped",
        f"{ENTRIES}: entry 2 ('Blockchain'): related 'consensus' {not_imported}",
        f"{ENTRIES}: entry 5 ('Mempool'): related 'gas' {not_imported}",
    ]
    assert run.out.startswith("imported 4 entries from 1 file, skipped 1; wrote ")


def test_a_glossary_mapping_with_our_keys_and_synonyms(capsys, tmp_path) -> None:
    document = {
        "glossary": "Platform Words",
        "attribution": "Platform team wiki",
        "terms": [
            {
                "word": "Canary release",
                "aka": "canary; canary deployment",
                "category": ["Delivery", "Risk"],
                "explanation": ["Ship a change to a few users first.", "Widen it when the numbers hold."],
                "why_it_matters": "A bad change hurts few people.",
                "faq": [{"question": "How many users?", "answer": "Often 1–5%."}, {"q": "Is it A/B testing?"}],
                "sections": {"How it helps": "You see real traffic before everyone does."},
                "see_also": ["Blue-green deployment"],
                "links": [{"href": "https://martinfowler.com/bliki/CanaryRelease.html", "label": "Fowler"}, "ftp://x"],
                "owner": {"team": "platform"},
            },
            {"term": "Blue-green deployment", "definition": "Two environments; switch traffic between them."},
            "not an entry",
        ],
    }
    source = write(tmp_path, "platform.json", json.dumps(document, ensure_ascii=False))
    run = run_import(capsys, tmp_path, source)
    assert run.code == 0
    assert run.data is not None
    assert (run.data["glossary"], run.data["attribution"]) == ("Platform Words", "Platform team wiki")
    assert run.terms()["Canary release"] == {
        "term": "Canary release",
        "aliases": ["canary", "canary deployment"],
        "category": "Delivery",
        "tags": ["Risk"],
        "definition": "Ship a change to a few users first.\n\nWiden it when the numbers hold.",
        "why_it_matters": "A bad change hurts few people.",
        "faq": [{"q": "How many users?", "a": "Often 1–5%."}],
        "sections": [{"title": "How it helps", "text": "You see real traffic before everyone does."}],
        "related": ["Blue-green deployment"],
        "see_also_links": [{"url": "https://martinfowler.com/bliki/CanaryRelease.html", "title": "Fowler"}],
    }
    assert run.lines == [
        f"{source}: entry 1: question 'Is it A/B testing?' has no answer; left out",
        f"{source}: entry 1: 'ftp://x' is not an http(s) link; left out",
        f"{source}: entry 3: skipped: not an object (str)",
        f"{source}: key 'owner' (1 entry) is not a glossary field; dropped",
    ]


def test_a_plain_term_to_definition_mapping(capsys, tmp_path) -> None:
    source = write(
        tmp_path, "words.json", '{"API": "How programs talk.", "SDK": {"definition": "A kit.", "aka": "devkit"}}'
    )
    run = run_import(capsys, tmp_path, source)
    assert run.code == 0
    assert run.data is not None and run.data["terms"] == [
        {"term": "API", "definition": "How programs talk."},
        {"term": "SDK", "aliases": ["devkit"], "definition": "A kit."},
    ]


def test_invalid_json_is_unreadable_with_its_position(capsys, tmp_path) -> None:
    source = write(tmp_path, "broken.json", '[{"term": "API",\n  "definition": }]')
    run = run_import(capsys, tmp_path, source)
    assert (run.code, run.data) == (1, None)
    assert run.lines == [f"error: {source}: not valid JSON (line 2, column 17: Expecting value)"]
