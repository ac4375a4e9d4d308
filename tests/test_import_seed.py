"""Seed pages (``.txt``) as operators write them: a BOM, UTF-16, Q:/A: lines, bullets, varied headings."""

from __future__ import annotations

from tests.conftest import SEED
from tests.test_importer import IMPORT, run_import, write

RAG = IMPORT / "seed-rag.txt"
NOT_IMPORTED = "is not among the imported entries; the loader will drop it unless your glossary has it"


def test_a_utf8_bom_never_reaches_the_term(capsys, tmp_path) -> None:
    with_bom = run_import(capsys, tmp_path, IMPORT / "seed-bom.txt")
    plain = run_import(capsys, tmp_path, SEED)
    assert with_bom.code == plain.code == 0
    assert IMPORT.joinpath("seed-bom.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    assert with_bom.data == plain.data
    assert with_bom.data is not None and with_bom.data["terms"][0]["term"] == "Generative AI"


def test_utf16_is_refused_with_one_clear_line(capsys, tmp_path) -> None:
    run = run_import(capsys, tmp_path, IMPORT / "seed-utf16.txt")
    assert (run.code, run.data, run.out) == (1, None, "")
    assert run.lines == [f"error: {IMPORT / 'seed-utf16.txt'}: not UTF-8 text (it looks like UTF-16; save it as UTF-8)"]


def test_other_encodings_are_refused_naming_the_byte(capsys, tmp_path) -> None:
    page = tmp_path / "latin1.txt"
    page.write_bytes("What is Café?\nA café serves coffee.\n".encode("latin-1"))
    run = run_import(capsys, tmp_path, page)
    assert run.code == 1
    assert run.lines == [f"error: {page}: not UTF-8 text (byte 0xe9 at offset 11)"]


def test_a_page_with_qa_lines_bullets_and_varied_headings(capsys, tmp_path) -> None:
    run = run_import(capsys, tmp_path, RAG)
    assert run.code == 0
    entry = run.terms()["Retrieval-Augmented Generation"]
    assert entry["aliases"] == ["RAG", "retrieval-augmented LLM"]  # "Also known as" split on ";"
    assert entry["definition"] == (
        "Retrieval-Augmented Generation (RAG) lets a language model look things up before it answers. "
        "It works in two steps:\n"
        "- retrieve passages from a document store\n"
        "- generate an answer grounded in those passages"
    )
    assert entry["example"] == "A support bot searches the product manual and quotes the relevant section."
    assert entry["why_it_matters"] == "Answers stay current without retraining the model."  # "Why it matters?"
    assert entry["faq"] == [  # under "FAQs"
        {"q": "Does RAG remove hallucinations?", "a": "No. It reduces them when the retrieved passages are relevant."},
        {"q": "Is fine-tuning still useful?", "a": "Yes, for style and format; RAG supplies the facts."},
        {
            "q": "How is Retrieval-Augmented Generation different from fine-tuning?",
            "a": "Unlike fine-tuning, retrieval leaves the model's weights unchanged.",
        },
    ]
    # "Related": "X (Y)", "X – description", "X: description" and an "X is …" sentence.
    assert entry["related"] == ["Large Language Model", "Vector Database", "Embedding", "Transformer"]
    assert run.lines == [
        f"{RAG}:14: question 'Which vector database should I use?' has no answer; left out",
        f"{RAG}:19: related 'Large Language Model' {NOT_IMPORTED}",
        f"{RAG}:20: related 'Vector Database' {NOT_IMPORTED}",
        f"{RAG}:21: related 'Embedding' {NOT_IMPORTED}",
        f"{RAG}:22: related 'Transformer' {NOT_IMPORTED}",
    ]
    assert "(no answer given)" not in (tmp_path / "out.yaml").read_text(encoding="utf-8")


def test_a_related_name_resolves_through_the_alias_it_gave(capsys, tmp_path) -> None:
    # The page names "Large Language Model (LLM)"; the glossary being imported calls that entry "LLM".
    sheet = write(
        tmp_path, "more.csv", "term,definition\nLLM,A large language model.\nVector database,Stores embeddings.\n"
    )
    run = run_import(capsys, tmp_path, RAG, sheet)
    assert run.code == 0
    assert run.terms()["Retrieval-Augmented Generation"]["related"] == [
        "LLM",
        "Vector Database",
        "Embedding",
        "Transformer",
    ]
    assert not any("'LLM'" in line or "'Large Language Model'" in line or "Vector" in line for line in run.lines)
    assert list(run.terms()) == ["Retrieval-Augmented Generation", "LLM", "Vector database"]  # no stubs invented


def test_pages_without_text_are_skipped_and_a_question_alone_is_dropped(capsys, tmp_path) -> None:
    empty = write(tmp_path, "empty.txt", "\n\n")
    title_only = write(tmp_path, "title-only.txt", "What is Nothing?\n")
    asked = write(
        tmp_path, "asked.txt", "What is Foo?\nFoo is a bar.\nFAQ\nIs it big?\nRelated terms\nBaz is a thing.\n"
    )
    run = run_import(capsys, tmp_path, empty, title_only, asked)
    assert run.code == 0
    assert run.terms()["Foo"] == {"term": "Foo", "definition": "Foo is a bar.", "related": ["Baz"]}
    assert run.lines == [
        f"{empty}: skipped: the page is empty",
        f"{title_only}:1: skipped: 'Nothing' has no text after its title",
        f"{asked}:4: question 'Is it big?' has no answer; left out",
        f"{asked}:6: related 'Baz' {NOT_IMPORTED}",
    ]
    assert run.out.startswith("imported 1 entry from 3 files, skipped 2")
