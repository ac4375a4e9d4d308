"""Time sources for the emulator's deadlines (3 s to answer, 15 min tokens, nonce window)."""

from __future__ import annotations


class ManualClock:
    """A clock that only moves when told to: ``Emulator(clock=ManualClock())`` then ``clock.advance(4)``.

    Real waits in discord.py (retries, rate limits) still take real time; only the emulator's
    judgement of "how late is this answer" follows this clock.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.value += seconds
