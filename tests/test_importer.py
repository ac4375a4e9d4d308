"""The importer: the seed page still imports field by field, and ``python -m bot import`` turns several files of
different formats into one glossary, reporting what it skipped. Format-specific tests: ``test_import_*.py``."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.__main__ import main
from bot.importers import Report, import_paths, to_yaml
from bot.importers.prose import question_for, related_name, title_case
from bot.importers.seed_page import parse_page
from bot.loader import load_glossary
from tests.conftest import FIXTURES, SEED

IMPORT = FIXTURES / "import"


@dataclass
class Run:
    """One ``python -m bot import … -o out.yaml``: exit code, the parsed output (None if none), report lines."""

    code: int
    data: dict[str, Any] | None
    lines: list[str]
    out: str

    def terms(self) -> dict[str, dict[str, Any]]:
        assert self.data is not None
        return {entry["term"]: entry for entry in self.data["terms"]}


def write(folder: Path, name: str, text: str) -> Path:
    """A small input file written for one test."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(capsys: pytest.CaptureFixture[str], tmp_path: Path, *inputs: Path | str) -> Run:
    output = tmp_path / "out.yaml"
    output.unlink(missing_ok=True)
    code = main(["import", *map(str, inputs), "-o", str(output)])
    captured = capsys.readouterr()
    data = yaml.safe_load(output.read_text(encoding="utf-8")) if output.exists() else None
    return Run(code, data, captured.err.splitlines(), captured.out)


def test_seed_page_imports_field_by_field() -> None:
    [entry] = parse_page(SEED.read_text(encoding="utf-8"), SEED.name)
    assert entry.term == "Generative AI"
    assert entry.aliases == ["GenAI"]
    assert entry.definition.startswith("Generative AI (GenAI) is artificial intelligence that learns patterns")
    assert entry.definition.endswith("can produce outputs never seen before.")
    assert "\n" not in entry.definition
    assert entry.example.startswith("A user types a prompt like 'a cat astronaut floating in space'")
    assert entry.why_it_matters.startswith("Generative AI is rapidly changing creative work")
    assert len(entry.faq) == 1
    assert entry.faq[0][0] == "How is Generative AI different from regular AI?"
    assert entry.faq[0][1].startswith("Regular AI often classifies or predicts (e.g., spam detection)")
    assert [(ref.name, ref.alias) for ref in entry.related] == [
        ("Large Language Model", "LLM"),
        ("Diffusion Model", ""),
        ("Transformer", ""),
        ("Variational Autoencoder", "VAE"),
        ("Prompt Engineering", ""),
        ("Diffusion", ""),
    ]


def test_seed_page_through_the_command(capsys, tmp_path) -> None:
    run = run_import(capsys, tmp_path, SEED)
    assert run.code == 0
    assert run.data is not None and list(run.data) == ["terms"]  # a seed page names no glossary
    [entry] = run.data["terms"]
    assert list(entry) == ["term", "aliases", "definition", "example", "why_it_matters", "faq", "related"]
    assert entry["faq"] == [
        {
            "q": "How is Generative AI different from regular AI?",
            "a": "Regular AI often classifies or predicts (e.g., spam detection), while Generative AI creates new "
            "content by learning and sampling from data distributions.",
        }
    ]
    # Related names stay names (no stub entries are invented); each one not imported is reported with its line.
    related = ["Large Language Model", "Diffusion Model", "Transformer", "Variational Autoencoder"]
    assert entry["related"] == [*related, "Prompt Engineering", "Diffusion"]
    assert run.lines[0] == (
        f"{SEED}:14: related 'Large Language Model' is not among the imported entries; "
        "the loader will drop it unless your glossary has it"
    )
    assert f"{SEED}:19: related 'Diffusion' is not among the imported entries" in run.lines[5]
    assert run.out == f"imported 1 entry from 1 file, skipped 0; wrote {tmp_path / 'out.yaml'}\n"


def test_imported_yaml_is_a_valid_glossary_once_related_terms_exist(capsys, tmp_path) -> None:
    data = run_import(capsys, tmp_path, SEED).data
    assert data is not None and data["terms"][0]["term"] == "Generative AI"
    # Give every related name an entry so the imported page validates as a glossary on its own.
    for name in data["terms"][0]["related"]:
        data["terms"].append({"term": name, "definition": f"{name} is a thing."})
    path = write(tmp_path, "imported.yaml", yaml.safe_dump(data))
    glossary = load_glossary(path)
    assert len(glossary.entries) == 7


def test_long_text_is_written_as_block_scalars(capsys, tmp_path) -> None:
    assert run_import(capsys, tmp_path, SEED, IMPORT / "seed-rag.txt").code == 0
    text = (tmp_path / "out.yaml").read_text(encoding="utf-8")
    assert "    definition: >-\n      Generative AI (GenAI) is artificial intelligence" in text  # one long paragraph
    assert "    definition: |-\n      Retrieval-Augmented Generation (RAG) lets" in text  # lines (a bullet list)
    assert "\n  - term: Generative AI\n" in text  # list items indented under their key
    assert max(len(line) for line in text.splitlines() if not line.lstrip().startswith("-")) <= 130


def test_page_helpers() -> None:
    assert title_case("prompt engineering") == "Prompt Engineering"
    assert title_case("reinforcement learning from human feedback") == "Reinforcement Learning from Human Feedback"
    assert related_name("A Large Language Model (LLM) is an AI system") == ("Large Language Model", "LLM")
    assert related_name("A diffusion model is a generative technique") == ("Diffusion Model", "")
    assert related_name("Tokenizer") == ("Tokenizer", "")
    assert related_name("- Retrieval-Augmented Generation (RAG)") == ("Retrieval-Augmented Generation", "RAG")
    assert related_name("Vector database – stores embeddings") == ("Vector Database", "")
    assert related_name("Embedding: a list of numbers that represents meaning") == ("Embedding", "")
    assert related_name("This line explains something at length but never names any one term at all") == ("", "")
    assert question_for("X", "It simply works.") == "What else should I know about X?"


@pytest.mark.parametrize(
    ("answer", "question"),
    [
        ("Unlike fine-tuning, RAG leaves the weights alone.", "How is RAG different from fine-tuning?"),
        ("Compared to a VM, it starts in milliseconds.", "How is RAG different from a VM?"),
        ("LLMs answer from memory, while RAG looks things up.", "How is RAG different from LLMs?"),
        ("Other approaches differ in cost.", "What else should I know about RAG?"),
        ("It differs from search, which only finds.", "What else should I know about RAG?"),
        ("RAG differs from search.", "What else should I know about RAG?"),
    ],
)
def test_questions_for_unasked_answers_read_as_english(answer: str, question: str) -> None:
    assert question_for("RAG", answer) == question


def test_page_with_questions_and_answers() -> None:
    page = "What is Foo?\nFoo is a bar.\nFrequently asked questions\nIs it big?\nNo.\nReally?\nYes, really.\n"
    [entry] = parse_page(page)
    assert entry.faq == [("Is it big?", "No."), ("Really?", "Yes, really.")]


def test_import_command_writes_yaml(tmp_path, capsys) -> None:
    out = tmp_path / "seed.yaml"
    assert main(["import", str(SEED), "-o", str(out)]) == 0
    assert yaml.safe_load(out.read_text())["terms"][0]["aliases"] == ["GenAI"]
    assert main(["import", str(tmp_path / "missing.txt")]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == f"error: {tmp_path / 'missing.txt'}: no such file or folder"


def test_without_output_the_yaml_goes_to_standard_output(capsys) -> None:
    assert main(["import", str(IMPORT / "blockchain.json")]) == 0
    captured = capsys.readouterr()
    assert yaml.safe_load(captured.out)["terms"][0]["id"] == "block"
    assert captured.err.splitlines()[-1] == "imported 4 entries from 1 file, skipped 1"


def test_every_format_in_one_run(capsys, tmp_path) -> None:
    run = run_import(
        capsys,
        tmp_path,
        IMPORT / "spreadsheet.csv",
        IMPORT / "hugo",
        IMPORT / "blockchain.json",
        IMPORT / "seed-rag.txt",
        SEED,
    )
    assert run.code == 0
    terms = run.terms()
    assert list(terms) == [
        *("Blockchain", "Consensus", "Hash"),  # the spreadsheet first, in row order
        *("Container Orchestration", "Container", "Kubernetes"),  # then the folder's pages, by path
        *("Block", "Mempool"),  # the JSON file's Blockchain and Hash were already imported
        *("Retrieval-Augmented Generation", "Generative AI"),
    ]
    assert run.data is not None
    assert run.data["glossary"] == "Cloud Native Glossary"
    assert run.data["attribution"] == "CNCF Cloud Native Glossary, CC BY 4.0"
    json_file = IMPORT / "blockchain.json"
    assert (
        f"{json_file}: entry 2 ('Blockchain'): skipped: 'Blockchain' again (first at {IMPORT}/spreadsheet.csv:2)"
        in (run.lines)
    )
    # Related ids of the JSON entries skipped as duplicates lead to the entries kept in their place.
    assert terms["Block"]["related"] == ["blockchain", "hash"]
    assert terms["Mempool"]["related"] == ["block", "gas"]
    assert terms["Hash"]["related"] == ["Merkle tree"]  # the spreadsheet's, not the skipped JSON one's
    # 1 spreadsheet row, 4 pages, 1 JSON entry without a term, 2 JSON duplicates.
    assert run.out.startswith("imported 10 entries from 12 files, skipped 8; wrote ")


def test_a_file_with_another_ending_is_told_by_its_content(capsys, tmp_path) -> None:
    copies = []
    for name, ending in (("spreadsheet.csv", ".export"), ("blockchain.json", ".data"), ("seed-rag.txt", "")):
        copies.append(tmp_path / f"copy-of-{Path(name).stem}{ending}")
        shutil.copy(IMPORT / name, copies[-1])
    page = write(tmp_path, "page.text", "---\ntitle: Pod\n---\n\nThe smallest deployable unit.\n")
    run = run_import(capsys, tmp_path, *copies, page)
    assert run.code == 0
    assert list(run.terms()) == [
        "Blockchain",
        "Consensus",
        "Hash",
        "Block",
        "Mempool",
        "Retrieval-Augmented Generation",
        "Pod",
    ]
    unknown = write(tmp_path, "notes.bin", "just some words\n")
    assert run_import(capsys, tmp_path, unknown).lines == [
        f"error: {unknown}: cannot tell its format; name it .csv, .tsv, .md, .json or .txt (a seed page)"
    ]


def test_an_unreadable_file_fails_the_import_and_nothing_is_written(capsys, tmp_path) -> None:
    utf16 = IMPORT / "seed-utf16.txt"
    run = run_import(capsys, tmp_path, IMPORT / "blockchain.json", utf16, tmp_path / "gone.csv")
    assert run.code == 1
    assert run.data is None
    assert run.lines[-2:] == [
        f"error: {utf16}: not UTF-8 text (it looks like UTF-16; save it as UTF-8)",
        f"error: {tmp_path / 'gone.csv'}: no such file or folder",
    ]
    assert run.out == ""


def test_nothing_imported_is_an_error(capsys, tmp_path) -> None:
    run = run_import(capsys, tmp_path, IMPORT / "hugo" / "service-mesh.md")
    assert run.code == 1
    assert run.data is None
    assert run.lines == [
        f"{IMPORT}/hugo/service-mesh.md: skipped: 'Service Mesh' has only links",
        "error: nothing to import (imported 0 entries from 1 file, skipped 1)",
    ]


def test_report_counts_only_what_it_skipped(capsys, tmp_path) -> None:
    report = Report()
    report.warn("a.csv:1", "a note")
    report.skip("a.csv:2", "a row without a term")
    assert (report.skipped, report.lines) == (1, ["a.csv:1: a note", "a.csv:2: skipped: a row without a term"])


def test_the_yaml_gives_back_exactly_what_was_imported() -> None:
    awkward = [
        "Line one\nline two with a trailing space \n  indented line\n\n\nthree blank lines above",
        "- starts like a list item: and has a colon",
        "'quoted' and \"double\" # not a comment " + "long " * 40,
        "tab\there, unicode – “quotes” café 🚀",
        "\nstarts with a newline",
    ]
    report = Report()
    glossary, unreadable = import_paths(sorted(IMPORT.iterdir()), report)
    assert unreadable == [f"{IMPORT / 'seed-utf16.txt'}: not UTF-8 text (it looks like UTF-16; save it as UTF-8)"]
    glossary.entries += [{"term": f"T{i}", "definition": text} for i, text in enumerate(awkward)]
    assert yaml.safe_load(to_yaml(glossary))["terms"] == glossary.entries
