"""What is wrong with a glossary: errors (it cannot be served) and warnings (it is served, and this is what
was done about it), each located by file and line, each of a named kind so reports can count them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with a glossary, located as precisely as the file allows."""

    file: str
    line: int
    message: str
    kind: str = "error"
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(file: str, line: int, kind: str, message: str) -> Problem:
    return Problem(file, line, message, kind, Severity.ERROR)


def warning(file: str, line: int, kind: str, message: str) -> Problem:
    return Problem(file, line, message, kind, Severity.WARNING)


class GlossaryError(Exception):
    """A glossary cannot be served; ``problems`` lists every error (and the warnings found with them)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.is_error]
        shown = "\n".join(f"  {p}" for p in errors[:50])
        more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"the glossary has {len(errors)} error(s):\n{shown}{more}")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def counts(problems: Iterable[Problem]) -> list[tuple[Severity, str, int]]:
    """(severity, kind, how many) for each kind present, errors first, most frequent first."""
    counted = Counter((p.severity, p.kind) for p in problems)
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    return sorted(
        ((severity, kind, n) for (severity, kind), n in counted.items()), key=lambda t: (order[t[0]], -t[2], t[1])
    )
