"""The worker processes the bot starts (the glossary's parse processes, the index helper): how they are started.

They are spawned, never forked: the bot runs threads and an event loop, which a fork would copy mid-flight. And
they are started deaf to Ctrl-C. A terminal's Ctrl-C reaches every process of its group, but only the bot
should answer it, by stopping its workers itself; a worker still importing its modules would otherwise die of
it with a traceback and break its pool. A process started while SIGINT is blocked keeps it blocked, because the
signal mask survives fork and exec.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Iterator
from multiprocessing import resource_tracker
from multiprocessing.context import SpawnContext


def spawn_context() -> SpawnContext:
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def deaf_to_interrupts() -> Iterator[None]:
    """Processes started in the block (from this thread) never receive SIGINT. A Ctrl-C meanwhile waits and
    reaches this thread's process when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks, and no process groups to signal
        yield
        return
    # multiprocessing starts its resource tracker at the first spawn, and unblocks SIGINT in the calling thread
    # when it has: started here first, it cannot undo the block below.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
