"""The importer reads the seed page's format, field by field."""

from __future__ import annotations

import yaml

from bot.__main__ import main
from bot.importer import import_pages, parse_page, question_for, related_name, title_case
from bot.loader import load_glossary
from tests.conftest import SEED


def test_seed_page_imports_field_by_field() -> None:
    entry = parse_page(SEED.read_text(encoding="utf-8"), SEED.name)
    assert entry.term == "Generative AI"
    assert entry.aliases == ("GenAI",)
    assert entry.definition.startswith("Generative AI (GenAI) is artificial intelligence that learns patterns")
    assert entry.definition.endswith("can produce outputs never seen before.")
    assert "\n" not in entry.definition
    assert entry.example.startswith("A user types a prompt like 'a cat astronaut floating in space'")
    assert entry.why_it_matters.startswith("Generative AI is rapidly changing creative work")
    assert len(entry.faq) == 1
    assert entry.faq[0].q == "How is Generative AI different from regular AI?"
    assert entry.faq[0].a.startswith("Regular AI often classifies or predicts (e.g., spam detection)")
    assert entry.related == (
        "Large Language Model",
        "Diffusion Model",
        "Transformer",
        "Variational Autoencoder",
        "Prompt Engineering",
        "Diffusion",
    )


def test_imported_yaml_is_a_valid_glossary_once_related_terms_exist(tmp_path) -> None:
    text = import_pages([SEED])
    data = yaml.safe_load(text)
    assert data["terms"][0]["term"] == "Generative AI"
    # Give every related name an entry so the imported page validates as a glossary on its own.
    for name in data["terms"][0]["related"]:
        data["terms"].append({"term": name, "definition": f"{name} is a thing."})
    path = tmp_path / "imported.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    glossary = load_glossary(path)
    assert len(glossary.entries) == 7


def test_page_helpers() -> None:
    assert title_case("prompt engineering") == "Prompt Engineering"
    assert title_case("reinforcement learning from human feedback") == "Reinforcement Learning from Human Feedback"
    assert related_name("A Large Language Model (LLM) is an AI system") == ("Large Language Model", "LLM")
    assert related_name("A diffusion model is a generative technique") == ("Diffusion Model", "")
    assert question_for("X", "It simply works.") == "What else should I know about X?"


def test_page_with_questions_and_answers() -> None:
    page = "What is Foo?\nFoo is a bar.\nFrequently asked questions\nIs it big?\nNo.\nReally?\nYes, really.\n"
    entry = parse_page(page)
    assert [(f.q, f.a) for f in entry.faq] == [("Is it big?", "No."), ("Really?", "Yes, really.")]


def test_import_command_writes_yaml(tmp_path, capsys) -> None:
    out = tmp_path / "seed.yaml"
    assert main(["import", str(SEED), "-o", str(out)]) == 0
    assert yaml.safe_load(out.read_text())["terms"][0]["aliases"] == ["GenAI"]
    assert main(["import", str(tmp_path / "missing.txt")]) == 1
