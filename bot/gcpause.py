"""Pausing Python's cycle collector while a glossary load builds millions of objects.

Every object a load creates survives to the end, so collections midway find nothing to free and only cost time
(seconds at 100,000 terms). Collection is process-wide; pausing it for the length of a load is harmless. Pauses
overlap across threads (a reload parses and builds its index in worker threads while the event loop builds a
server's overlay), so they nest: the collector comes back when the last of them ends, not the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_paused = 0  # blocks inside gc_paused(), in every thread
_restore = False  # whether the collector was on before the first of them


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cycle collector for the block, restoring its previous state when the last block ends."""
    global _paused, _restore
    with _lock:
        if _paused == 0:
            _restore = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _restore:
                gc.enable()
