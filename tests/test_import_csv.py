"""Spreadsheet exports: header synonyms, list cells, quoted multi-line cells, a BOM, empty rows, delimiters."""

from __future__ import annotations

from tests.test_importer import IMPORT, run_import, write

SHEET = IMPORT / "spreadsheet.csv"


def test_a_spreadsheet_export_field_by_field(capsys, tmp_path) -> None:
    raw = SHEET.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfWord,Meaning,AKA,") and b"\r\n" in raw  # as a spreadsheet saves it
    run = run_import(capsys, tmp_path, SHEET)
    assert run.code == 0
    assert run.data is not None and list(run.data) == ["terms"]  # a file name is no glossary name
    blockchain, consensus, hash_ = run.data["terms"]
    assert blockchain == {
        "id": "blockchain",
        "term": "Blockchain",  # the header "Word", after the BOM
        "aliases": ["Distributed ledger", "DLT"],
        "category": "Basics",
        "tags": ["ledger", "crypto"],
        "definition": "A shared ledger that records transactions in blocks linked by cryptographic hashes.\n\n"
        "- Each block points to the one before it\n"
        "- Nodes agree on the next block by consensus",
        "example": "A supply chain records each handover of a shipment on a blockchain.",
        "why_it_matters": "Nobody has to trust a single bookkeeper.",
        "sections": [{"title": "Owner", "text": "Ana"}],
        "related": ["Consensus", "Hash"],
        "see_also_links": ["https://en.wikipedia.org/wiki/Blockchain"],
    }
    assert consensus == {
        "id": "consensus",
        "term": "Consensus",
        "category": "Basics",
        "tags": ["consensus", "agreement"],  # "," splits a list cell that has no ";" or "|"
        "definition": "The process by which the nodes of a network agree on the next block.",
        "related": ["Blockchain"],
    }
    assert hash_ == {
        "id": "hash",
        "term": "Hash",
        "aliases": ["Digest"],
        "category": "Cryptography",
        "definition": "A fixed-size fingerprint of data; any change to the data changes the fingerprint.",
        "related": ["Merkle tree"],
        "see_also_links": [{"url": "https://en.wikipedia.org/wiki/SHA-2", "title": "SHA-2"}],
    }
    assert run.lines == [
        f"{SHEET}:1: column 'Owner' is not a glossary field; its text is kept as a section",
        f"{SHEET}:8: skipped: a row without a term",  # line 7, an empty row, passes silently
        f"{SHEET}:9: related 'Merkle tree' is not among the imported entries; "
        "the loader will drop it unless your glossary has it",
    ]
    assert run.out.startswith("imported 3 entries from 1 file, skipped 1; wrote ")


def test_delimiters_are_sniffed(capsys, tmp_path) -> None:
    semicolons = write(
        tmp_path, "terms.csv", 'Name;Description;Synonyms\nAPI;"An interface; for programs";Interface, Endpoint\n'
    )
    tabs = write(
        tmp_path,
        "terms.tsv",
        "Title\tExplanation\tAcronym\nApplication Programming Interface\tHow programs talk.\tAPI\n",
    )
    pipes = write(tmp_path, "pipes.csv", "entry|desc|also known as\nSDK|A kit for developers, with tools.|Dev kit\n")
    run = run_import(capsys, tmp_path, semicolons, tabs, pipes)
    assert run.code == 0
    assert run.data is not None and run.data["terms"] == [
        {"term": "API", "aliases": ["Interface", "Endpoint"], "definition": "An interface; for programs"},
        {"term": "Application Programming Interface", "aliases": ["API"], "definition": "How programs talk."},
        {"term": "SDK", "aliases": ["Dev kit"], "definition": "A kit for developers, with tools."},
    ]
    # "API" is the first sheet's term and the second's alias: reported, kept for the operator to settle.
    assert run.lines == [f"{tabs}:2: alias 'API' of 'Application Programming Interface' also names 'API'"]


def test_a_repeated_or_unnamed_column_is_reported_once(capsys, tmp_path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "Term,Definition,Description,,Notes\n"
        "Pod,The smallest deployable unit.,Runs one or more containers.,x,Ask the platform team\n"
        "Node,A machine in a cluster.,,,\n"
    )
    run = run_import(capsys, tmp_path, sheet)
    assert run.code == 0
    assert run.terms()["Pod"]["sections"] == [
        {"title": "Description", "text": "Runs one or more containers."},
        {"title": "Notes", "text": "Ask the platform team"},
    ]
    assert "sections" not in run.terms()["Node"]  # empty cells make no section
    assert run.lines == [
        f"{sheet}:1: column 'Description' repeats definition (column 'Definition'); kept as a section",
        f"{sheet}:1: column 4 has no header; its cells are left out",
        f"{sheet}:1: column 'Notes' is not a glossary field; its text is kept as a section",
    ]


def test_a_sheet_without_a_term_column_is_unreadable(capsys, tmp_path) -> None:
    sheet = write(tmp_path, "numbers.csv", "Month,Sales\nJanuary,12\n")
    run = run_import(capsys, tmp_path, sheet)
    assert (run.code, run.data) == (1, None)
    assert run.lines == [
        f"error: {sheet}: no term column in the header row ('Month', 'Sales'); "
        "name one 'term', 'word', 'name' or 'title'"
    ]


def test_a_row_without_definition_is_kept_and_flagged(capsys, tmp_path) -> None:
    sheet = write(tmp_path, "sheet.csv", "term,definition,related\nKubelet,,Node\nNode,A machine.,\n")
    run = run_import(capsys, tmp_path, sheet)
    assert run.code == 0
    assert run.terms()["Kubelet"] == {"term": "Kubelet", "related": ["Node"]}
    assert run.lines == [f"{sheet}:2: 'Kubelet' has no definition; the card will be short"]
