"""Pausing Python's cycle collector while a glossary load builds millions of objects.

Every object a load creates survives to the end, so collections midway find nothing to free and only cost time
(seconds at 100,000 terms). Collection is process-wide; pausing it for the length of a load is harmless.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cycle collector for the block, restoring its previous state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
