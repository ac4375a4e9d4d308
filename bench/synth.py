"""Deterministic synthetic glossaries and the query sets measured against them.

A benchmark is only comparable run to run if its input is: every glossary here is a pure function of
``(size, seed)`` built with one ``random.Random(seed)``, from the fixed word lists in ``bench.words``. Entries are
shaped like the shipped GenAI glossary (1–4 word names, 0–3 aliases, 1–3 sentence definitions of ~250
characters, examples, FAQ, 0–8 related links) so YAML parsing, validation, SQLite/FTS writes and card rendering
cost what they would on a real glossary of that size.

Every glossary must pass ``bot.loader`` (unique names and aliases ignoring case and punctuation, related names
that resolve, no self links, names ≤ 80 characters); the generator enforces that with the loader's own
``normalize`` rather than hoping, and the smoke test loads a generated glossary through the real loader.

Generated files live in ``bench/.cache/`` (git-ignored), keyed by size, seed and a hash of this module and the
word lists, so editing the generator regenerates instead of silently reusing stale data.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import string
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import words
from bot.normalize import normalize

DEFAULT_SEED = 20240601
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
ENTRIES_PER_FILE = 2_000  # real glossaries are folders of files; the loader reads them in name order
MAX_NAME = 80  # bot.limits.TERM_NAME
MISSPELLING_KINDS = ("substitute", "delete", "insert", "transpose", "two-edits", "no-space", "no-space+typo")


@dataclass(slots=True)
class SynthTerm:
    """One generated entry, before it is written as YAML."""

    name: str
    aliases: list[str] = field(default_factory=list)
    category: str = ""
    definition: str = ""
    example: str = ""
    why: str = ""
    faq: list[tuple[str, str]] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Misspelling:
    """A did-you-mean query: what was typed, which term was meant, and how it was mangled."""

    query: str
    expected: str
    kind: str


@dataclass(frozen=True, slots=True)
class QuerySet:
    """Inputs for the matching benchmarks, all drawn from one glossary with its own seeded generator."""

    names: list[str]
    aliases: list[str]
    plurals: list[str]
    unknown: list[str]
    prefixes: dict[int, list[str]]  # typed length -> texts
    fragments: list[str]  # mid-word pieces, as someone remembering part of a name types them
    misspellings: list[Misspelling]

    def to_json(self) -> dict[str, object]:
        return {
            "names": self.names,
            "aliases": self.aliases,
            "plurals": self.plurals,
            "unknown": self.unknown,
            "prefixes": {str(k): v for k, v in self.prefixes.items()},
            "fragments": self.fragments,
            "misspellings": [[m.query, m.expected, m.kind] for m in self.misspellings],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> QuerySet:
        prefixes = data["prefixes"]
        assert isinstance(prefixes, dict)
        return cls(
            names=list(data["names"]),  # type: ignore[call-overload]
            aliases=list(data["aliases"]),  # type: ignore[call-overload]
            plurals=list(data["plurals"]),  # type: ignore[call-overload]
            unknown=list(data["unknown"]),  # type: ignore[call-overload]
            prefixes={int(k): list(v) for k, v in prefixes.items()},
            fragments=list(data["fragments"]),  # type: ignore[call-overload]
            misspellings=[Misspelling(*m) for m in data["misspellings"]],  # type: ignore[attr-defined]
        )


def _a(phrase: str) -> str:
    """``phrase`` with its indefinite article ("an adaptive cache", "a sparse index")."""
    return ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def _title(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


class _Generator:
    """Builds one glossary; holds the taken keys so every name and alias is unique as the loader sees it."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.keys: dict[str, int] = {}  # normalised name/alias -> term position

    # -- names ------------------------------------------------------------------------------------------------
    def _one_word(self) -> list[str]:
        rng = self.rng
        if rng.random() < 0.55:
            return [rng.choice(words.PREFIXES) + rng.choice(words.ROOTS)]
        return [rng.choice(words.NOUNS)]

    def _candidate_name(self) -> str:
        rng = self.rng
        count = rng.choices((1, 2, 3, 4), weights=(12, 45, 33, 10))[0]
        mods, nouns = words.MODIFIERS, words.NOUNS
        if count == 1:
            parts = self._one_word()
        elif count == 2:
            parts = [rng.choice(mods), rng.choice(nouns)] if rng.random() < 0.7 else self._nouns(2)
        elif count == 3:
            shape = rng.random()
            if shape < 0.45:
                parts = [rng.choice(mods), *self._nouns(2)]
            elif shape < 0.75:
                parts = [rng.choice(mods), rng.choice(mods), rng.choice(nouns)]
            elif shape < 0.9:
                parts = [rng.choice(nouns), "of", rng.choice(nouns) + "s"]  # "Mixture of Experts"
            else:
                parts = [*self._one_word(), *self._nouns(2)]
        else:
            parts = [rng.choice(mods), rng.choice(mods), *self._nouns(2)]
        if len(parts) >= 2 and rng.random() < 0.06:
            parts[:2] = [f"{parts[0]}-{parts[1]}"]  # "Self-Attention", "Low-Rank Adapter"
        if len(parts) < 4 and rng.random() < 0.02:
            parts.append(str(rng.randint(2, 9)))  # "Tokenizer 2"
        return " ".join(p if p == "of" else _title(p) for p in parts)

    def _nouns(self, count: int) -> list[str]:
        return [self.rng.choice(words.NOUNS) for _ in range(count)]

    def _claim(self, text: str, owner: int) -> bool:
        """Take ``text`` as a name or alias of ``owner`` if its key is free (the loader's uniqueness rule)."""
        key = normalize(text)
        if not key or len(text) > MAX_NAME or key in self.keys:
            return False
        self.keys[key] = owner
        return True

    def _name(self, owner: int) -> str:
        for _ in range(200):
            candidate = self._candidate_name()
            if self._claim(candidate, owner):
                return candidate
        # Practically unreachable with these word lists; a numbered name keeps generation total.
        candidate = f"{self._candidate_name()} {owner}"
        if not self._claim(candidate, owner):
            raise RuntimeError(f"could not find a unique name for entry {owner}")
        return candidate

    # -- aliases ----------------------------------------------------------------------------------------------
    def _alias_candidates(self, name: str) -> list[str]:
        rng = self.rng
        parts = name.replace("-", " ").split()
        lowered = [p.lower() for p in parts]
        out: list[str] = []
        letters = [p[0].upper() for p in parts if p != "of" and p[0].isalpha()]
        if len(letters) >= 2:
            out.append("".join(letters))  # "SAC"
        swapped = [words.SYNONYMS.get(w, "") for w in lowered]
        if any(swapped):
            i = next(i for i, w in enumerate(swapped) if w)
            out.append(" ".join(_title(swapped[i]) if j == i else p for j, p in enumerate(name.split())))
        british = [words.BRITISH.get(w, "") for w in lowered]
        if any(british):
            i = next(i for i, w in enumerate(british) if w)
            out.append(" ".join(_title(british[i]) if j == i else p for j, p in enumerate(name.split())))
        if len(parts) >= 3 and len(letters) >= 2:
            out.append("".join(letters[:-1]) + " " + parts[-1])  # "SA Cache"
        if rng.random() < 0.35:
            out.append(f"{name} {rng.choice(('Method', 'Technique', 'Approach', 'Scheme'))}")
        if " " in name and rng.random() < 0.2:
            out.append(name.replace(" ", "-", 1))  # same key as the name: the store drops it, as it should
        rng.shuffle(out)
        return out

    def _aliases(self, name: str, owner: int) -> list[str]:
        wanted = self.rng.choices((0, 1, 2, 3), weights=(40, 35, 17, 8))[0]
        out: list[str] = []
        own = normalize(name)
        for candidate in self._alias_candidates(name):
            if len(out) >= wanted:
                break
            if normalize(candidate) == own:
                out.append(candidate)  # a spelling of the name itself: allowed, "harmless" to the loader
            elif self._claim(candidate, owner):
                out.append(candidate)
        return out

    # -- prose ------------------------------------------------------------------------------------------------
    def _clause(self) -> str:
        rng = self.rng
        return f"{rng.choice(words.VERBS)} {rng.choice(words.OBJECTS)}"

    def _sentence(self, subject: str) -> str:
        rng = self.rng
        shape = rng.random()
        if shape < 0.4:
            text = f"{subject} {self._clause()} and {self._clause()} {rng.choice(words.PURPOSES)}"
        elif shape < 0.7:
            thing = _a(f"{rng.choice(words.MODIFIERS)} {rng.choice(words.NOUNS)}")
            text = f"Unlike {thing}, {subject.lower()} {self._clause()} {rng.choice(words.PURPOSES)}"
        else:
            text = f"{subject} {self._clause()}, then {self._clause()} {rng.choice(words.PURPOSES)}"
        return text[0].upper() + text[1:] + "."

    def _definition(self, name: str) -> str:
        rng = self.rng
        thing = _a(f"{rng.choice(words.MODIFIERS)} {rng.choice(words.NOUNS)}")
        first = f"{name} is {thing} that {self._clause()} {rng.choice(words.PURPOSES)}."
        more = [self._sentence("It") for _ in range(rng.choices((0, 1, 2), weights=(30, 45, 25))[0])]
        return " ".join([first, *more])

    def entry(self, owner: int) -> SynthTerm:
        rng = self.rng
        name = self._name(owner)
        term = SynthTerm(name=name, aliases=self._aliases(name, owner))
        term.category = rng.choice(words.CATEGORIES)
        term.definition = self._definition(name)
        if rng.random() < 0.8:
            context = rng.choice(words.CONTEXTS)
            term.example = f"In {context}, {name} {self._clause()} {rng.choice(words.PURPOSES)}."
        if rng.random() < 0.7:
            term.why = self._sentence(f"Teams rely on {name} because it")
        for _ in range(rng.choices((0, 1, 2), weights=(40, 40, 20))[0]):
            question = rng.choice(
                (
                    f"When should I use {name}?",
                    f"Is {name} expensive to run?",
                    f"How is {name} different from {_a(rng.choice(words.MODIFIERS))} {rng.choice(words.NOUNS)}?",
                )
            )
            term.faq.append((question, self._sentence("It")))
        if rng.random() < 0.2:
            slug = normalize(name)[:40]
            term.links.append(f"https://docs.example.org/glossary/{slug}")
        return term


def generate(size: int, seed: int = DEFAULT_SEED) -> list[SynthTerm]:
    """``size`` valid glossary entries; the same ``(size, seed)`` always gives the same entries."""
    gen = _Generator(size, seed)
    terms = [gen.entry(i) for i in range(size)]
    rng = gen.rng
    for i, term in enumerate(terms):
        count = rng.choices(range(9), weights=(8, 10, 14, 16, 16, 13, 10, 8, 5))[0]
        targets: set[int] = set()
        for _ in range(count * 3):
            if len(targets) >= count or size < 2:
                break
            # Real related terms cluster (same file, same topic): most links go to neighbours.
            j = (i + rng.randint(1, 60)) % size if rng.random() < 0.6 else rng.randrange(size)
            if j != i:
                targets.add(j)
        for j in sorted(targets):
            other = terms[j]
            distinct = [a for a in other.aliases if normalize(a) != normalize(other.name)]
            text = rng.choice(distinct) if distinct and rng.random() < 0.15 else other.name
            term.related.append(text)
    return terms


# -- YAML ---------------------------------------------------------------------------------------------------
def _quoted(text: str) -> str:
    # JSON strings are valid YAML double-quoted scalars: no word of ours can turn into a bool or a number.
    return json.dumps(text, ensure_ascii=False)


def _folded(text: str, indent: int, width: int = 100) -> str:
    """A ``>-`` block scalar wrapped at ``width``, like a person writes long definitions."""
    pad = " " * indent
    lines: list[str] = []
    current: list[str] = []
    length = 0
    for word in text.split(" "):
        if current and length + 1 + len(word) > width:
            lines.append(pad + " ".join(current))
            current, length = [word], len(word)
        else:
            length += len(word) + (1 if current else 0)
            current.append(word)
    if current:
        lines.append(pad + " ".join(current))
    return ">-\n" + "\n".join(lines)


def to_yaml(terms: Sequence[SynthTerm], glossary_name: str | None) -> str:
    """One glossary file in the shipped format (a mapping with ``glossary`` and ``terms``, or a bare list)."""
    out: list[str] = []
    if glossary_name is not None:
        out.append(f"glossary: {_quoted(glossary_name)}\nterms:")
    base = "  " if glossary_name is not None else ""
    for t in terms:
        out.append(f"{base}- term: {_quoted(t.name)}")
        field_pad = base + "  "
        if t.aliases:
            out.append(f"{field_pad}aliases: [{', '.join(_quoted(a) for a in t.aliases)}]")
        out.append(f"{field_pad}category: {t.category}")
        out.append(f"{field_pad}definition: {_folded(t.definition, len(field_pad) + 2)}")
        if t.example:
            out.append(f"{field_pad}example: {_folded(t.example, len(field_pad) + 2)}")
        if t.why:
            out.append(f"{field_pad}why_it_matters: {_folded(t.why, len(field_pad) + 2)}")
        if t.faq:
            out.append(f"{field_pad}faq:")
            for q, a in t.faq:
                out.append(f"{field_pad}  - q: {_quoted(q)}")
                out.append(f"{field_pad}    a: {_folded(a, len(field_pad) + 6)}")
        if t.related:
            out.append(f"{field_pad}related: [{', '.join(_quoted(r) for r in t.related)}]")
        if t.links:
            out.append(f"{field_pad}see_also_links: [{', '.join(_quoted(u) for u in t.links)}]")
    return "\n".join(out) + "\n"


def write_glossary(terms: Sequence[SynthTerm], folder: Path, name: str) -> None:
    """Write ``terms`` as a folder of YAML files, ``ENTRIES_PER_FILE`` to a file; only the first names it."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, start in enumerate(range(0, len(terms), ENTRIES_PER_FILE), 1):
        chunk = terms[start : start + ENTRIES_PER_FILE]
        text = to_yaml(chunk, name if number == 1 else None)
        (folder / f"part-{number:04d}.yaml").write_text(text, encoding="utf-8")


# -- queries ------------------------------------------------------------------------------------------------
def _typo(rng: random.Random, text: str, kind: str) -> str:
    """``text`` with one edit of ``kind`` at a letter position (so the normalised key changes too)."""
    positions = [i for i, ch in enumerate(text) if ch.isalpha()]
    i = rng.choice(positions[1:] or positions)  # people rarely get the first letter wrong
    letters = string.ascii_lowercase
    if kind == "substitute":
        return text[:i] + rng.choice(letters.replace(text[i].lower(), "")) + text[i + 1 :]
    if kind == "delete":
        return text[:i] + text[i + 1 :]
    if kind == "insert":
        return text[:i] + rng.choice(letters) + text[i:]
    # transpose with the next letter
    j = next((k for k in positions if k > i), None)
    if j is None or j != i + 1:
        j, i = i, max(0, i - 1)
    return text[:i] + text[j] + text[i] + text[j + 1 :]


def _misspell(rng: random.Random, name: str, kind: str) -> str:
    typo_kinds = ("substitute", "delete", "insert", "transpose")
    if kind in typo_kinds:
        return _typo(rng, name, kind)
    if kind == "two-edits":
        return _typo(rng, _typo(rng, name, rng.choice(typo_kinds)), rng.choice(typo_kinds))
    if kind == "no-space":
        if rng.random() < 0.5:
            return name.replace(" ", "").replace("-", "")  # "sparseattentioncache"
        return name.replace(" ", "-")  # "sparse-attention-cache"
    return _typo(rng, name.replace(" ", "").replace("-", ""), rng.choice(typo_kinds))


def make_queries(terms: Sequence[SynthTerm], seed: int, keys: dict[str, int] | None = None) -> QuerySet:
    """The fixed query sets for one glossary (a separate seeded stream, so adding a query kind keeps the data)."""
    rng = random.Random(seed * 7919 + len(terms))
    if keys is None:
        keys = {}
        for i, t in enumerate(terms):
            for text in (t.name, *t.aliases):
                keys.setdefault(normalize(text), i)
    names = [t.name for t in rng.sample(list(terms), min(2_000, len(terms)))]
    names = [n.lower() if k % 2 else n for k, n in enumerate(names)]  # half typed in lower case
    own_alias = [a for t in terms for a in t.aliases if normalize(a) != normalize(t.name) and keys.get(normalize(a))]
    aliases = rng.sample(own_alias, min(2_000, len(own_alias)))
    plurals = [
        n + "s"
        for n in (t.name for t in rng.sample(list(terms), min(2_000, len(terms))))
        if n[-1:].isalpha() and not n.endswith("s") and normalize(n + "s") not in keys
    ]
    unknown = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 16))) for _ in range(500)]
    unknown = [u for u in unknown if u not in keys]
    sources = [t.name for t in rng.sample(list(terms), min(300, len(terms)))]
    prefixes = {n: [s[:n] if k % 3 else s[:n].lower() for k, s in enumerate(sources)] for n in range(1, 7)}
    fragments: list[str] = []
    for source in rng.sample(list(terms), min(300, len(terms))):
        text = source.name.lower()
        if len(text) < 5:
            continue
        length = rng.randint(3, 6)
        start = rng.randint(1, max(1, len(text) - length))
        fragments.append(text[start : start + length])
    misspellings: list[Misspelling] = []
    candidates = [t for t in terms if len(normalize(t.name)) >= 4]
    rng.shuffle(candidates)
    for t in candidates:
        if len(misspellings) >= 500:
            break
        kind = MISSPELLING_KINDS[len(misspellings) % len(MISSPELLING_KINDS)]
        if kind.startswith("no-space") and " " not in t.name:
            continue
        query = _misspell(rng, t.name, kind)
        key = normalize(query)
        owner = keys.get(key)
        if owner is not None and terms[owner].name != t.name:
            continue  # the typo is another term's exact name: that is a correct answer, not a misspelling
        if kind != "no-space" and owner is not None:
            continue  # the edit did not change the key (e.g. swapped two equal letters)
        misspellings.append(Misspelling(query, t.name, kind))
    return QuerySet(names, aliases, plurals, unknown, prefixes, fragments, misspellings)


# -- cache --------------------------------------------------------------------------------------------------
def generator_digest() -> str:
    """Hash of the code and word lists that produce the data: a change regenerates the cache."""
    digest = hashlib.sha256()
    for module in (Path(__file__), Path(words.__file__)):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Dataset:
    """A generated glossary on disk and the path of its queries."""

    size: int
    seed: int
    glossary: Path
    queries: Path
    generated_s: float  # seconds it took to generate (0 when taken from the cache)

    def load_queries(self) -> QuerySet:
        return read_queries(self.queries)


def read_queries(path: Path) -> QuerySet:
    """The query set stored next to a generated glossary."""
    return QuerySet.from_json(json.loads(path.read_text(encoding="utf-8")))


def ensure(size: int, seed: int = DEFAULT_SEED, cache_dir: Path = CACHE_DIR) -> Dataset:
    """The dataset for ``(size, seed)``, generated into ``cache_dir`` unless an identical one is there."""

    folder = cache_dir / f"glossary-{size}-{seed}-{generator_digest()}"
    done = folder / "complete"
    if done.exists():
        return Dataset(size, seed, folder / "glossary", folder / "queries.json", 0.0)
    started = time.perf_counter()
    staging = cache_dir / f".staging-{os.getpid()}-{size}"
    shutil.rmtree(staging, ignore_errors=True)
    gen_terms = generate(size, seed)
    write_glossary(gen_terms, staging / "glossary", f"Synthetic Glossary ({size:,} terms)")
    queries = make_queries(gen_terms, seed)
    (staging / "queries.json").write_text(json.dumps(queries.to_json()), encoding="utf-8")
    (staging / "complete").write_text("ok\n", encoding="utf-8")
    # Old generations of the same size are stale by construction; drop them so the cache does not grow.
    for old in cache_dir.glob(f"glossary-{size}-{seed}-*"):
        shutil.rmtree(old, ignore_errors=True)
    staging.rename(folder)
    return Dataset(size, seed, folder / "glossary", folder / "queries.json", time.perf_counter() - started)
