"""Rules: what the bot got wrong as Discord would see it — broken rules (violations) and the errors it logged.

Handlers check bodies here (:meth:`Rules.check_body` turns a :mod:`.limits` error tree into a
400 50035 and a violation); the ``emulator`` fixture fails a test at teardown on any violation.
:meth:`Rules.assert_answered_once` is the stricter, opt-in rule: each interaction got exactly one answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import errors as E
from .errors import DiscordError
from .interactions.types import DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
from .limits import ErrorTree
from .model import Attachment

if TYPE_CHECKING:
    from .interactions import InteractionRecord
    from .server import Emulator

Json = dict[str, Any]


@dataclass
class Violation:
    """A Discord rule the bot broke (double/late answer, over-limit body, expired token, ...)."""

    kind: str
    detail: str
    time: float
    interaction_id: int | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.detail}"


def is_empty_message(body: Json, files: list[Attachment]) -> bool:
    """Whether a message body has nothing to show (Discord answers 400 50006)."""
    keys = ("content", "embeds", "components", "sticker_ids", "poll")
    return not (files or any(body.get(key) for key in keys))


class Rules:
    """The violations recorded so far, the body checks that record them, and the bot's logged errors."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.violations: list[Violation] = []
        # discord.py ERROR log records captured by harness.run_client (exceptions in handlers).
        self.client_errors: list[Any] = []

    def violation(self, kind: str, detail: str, *, interaction_id: int | None = None) -> Violation:
        """Record a broken Discord rule; tests fail on it via :meth:`assert_no_violations`."""
        item = Violation(kind=kind, detail=detail, time=self.emu.now(), interaction_id=interaction_id)
        self.violations.append(item)
        self.emu.events.record("violation", kind=kind, detail=detail, interaction_id=interaction_id, violation=item)
        return item

    def check_body(self, tree: ErrorTree, where: str) -> None:
        """400 50035 with ``tree`` (and an ``invalid_body`` violation) if the tree holds errors."""
        if tree:
            self.violation("invalid_body", f"{where}: " + "; ".join(tree.messages))
            raise E.invalid_form_body(tree.root)

    def check_not_empty(self, body: Json, files: list[Attachment], where: str) -> None:
        """400 50006 (and a violation) for a message with nothing in it."""
        if is_empty_message(body, files):
            self.violation("invalid_body", f"{where}: empty message")
            raise DiscordError(400, E.EMPTY_MESSAGE, "Cannot send an empty message")

    def unanswered(self) -> list[InteractionRecord]:
        """Interactions whose 3 s window has passed without an accepted callback."""
        now = self.emu.now()
        limit = self.emu.interaction_timeout
        return [r for r in self.emu.interactions.values() if not r.acknowledged and now - r.created_at > limit]

    def assert_no_violations(self, *, include_unanswered: bool = True, ignore: Iterable[str] = ()) -> None:
        """Fail with every recorded violation (and, by default, interactions never answered in time)."""
        skipped = set(ignore)
        problems = [str(v) for v in self.violations if v.kind not in skipped]
        if include_unanswered and "unanswered" not in skipped:
            problems += [f"[unanswered] interaction {r.id} ({r.name}) was never answered" for r in self.unanswered()]
        if problems:
            raise AssertionError("Discord rule violations:\n  " + "\n  ".join(problems))

    def answer_problems(self, record: InteractionRecord) -> list[str]:
        """Why ``record`` did not get exactly one answer (empty if it did).

        One answer: one accepted callback, no refused attempts, no followup except the one that
        filled a deferred response, and a deferred response that was filled (not left "thinking").
        """
        problems = []
        if not record.responses:
            problems.append("no answer")
        if record.refused:
            tried = ", ".join(f"type {c.type} got {c.status}" for c in record.refused)
            problems.append(f"{len(record.refused)} refused callback attempt(s): {tried}")
        extra = [f for f in record.followups if not f.filled_deferred]
        if extra:
            problems.append(f"{len(extra)} followup(s) beyond the answer")
        original = self.emu.world.messages.get(record.original_message_id or 0)
        if record.response_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE and original is not None and original.loading:
            problems.append("deferred, then never filled (still thinking)")
        return problems

    def assert_answered_once(self, *, since: int = 0) -> None:
        """Fail unless every interaction sent since ``since`` (``emu.mark()``) got exactly one answer."""
        lines = [
            f"interaction {r.id} ({r.name}): " + "; ".join(problems)
            for r in self.emu.interactions.created_since(since)
            if (problems := self.answer_problems(r))
        ]
        if lines:
            raise AssertionError("not answered exactly once:\n  " + "\n  ".join(lines))

    def clear_violations(self) -> None:
        """Forget violations recorded so far (after a test asserted on them deliberately)."""
        self.violations.clear()

    def assert_no_client_errors(self) -> None:
        """Fail if discord.py logged errors (e.g. an exception inside a command) while run_client ran."""
        if self.client_errors:
            lines = [
                f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
                for r in self.client_errors
            ]
            raise AssertionError("the client logged errors:\n  " + "\n  ".join(lines))
