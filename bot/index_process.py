"""Building a glossary's index and finder: in a helper process for a large glossary, while this one writes it.

For 100,000 terms the build is about three seconds of Python, and so is writing the database; in one process
the two queue on the GIL, in two they run side by side. The helper is spawned before parsing starts (its
start-up hides behind the parse) and hands over what it built only when asked, after this process has let
the parsed entries go, so the built index and the entries are never in this process's memory together.
Whatever goes wrong with the helper (it cannot start, it dies, it does not deliver in time), the build is done
here instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
from collections.abc import Awaitable, Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType

from bot.explain import TermFinder
from bot.gcpause import gc_paused
from bot.matching import TermIndex
from bot.model import IndexRow
from bot.subprocesses import deaf_to_interrupts, spawn_context

log = logging.getLogger(__name__)
Built = tuple[TermIndex, TermFinder]
_SEND = b"!"  # the parent's signal that it is ready to take the built index
# How long the helper may take to deliver once asked: far more than it needs (about 2 s for 100,000 rows on a
# slow machine), so only a helper that is stuck (stopped, swapping) is given up, not a slow one.
DELIVERY_GRACE_S = 60.0
DELIVERY_S_PER_ROW = 0.001


def build(rows: Sequence[IndexRow]) -> Built:
    """The index and the finder of ``rows``: both from the same rows, so a reload swaps them together."""
    with gc_paused():  # millions of objects that all live on: collections midway only cost time
        return TermIndex(rows), TermFinder(rows)


class _Stream:
    """Pickles over the pipe as a byte stream, unpickled as they arrive. ``Connection.recv`` would first read
    the whole pickle into one buffer: 70 MB for a 100,000-term index, on top of the index it becomes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.reader = os.fdopen(os.dup(conn.fileno()), "rb")
        self.writer = os.fdopen(os.dup(conn.fileno()), "wb")

    def send(self, value: object) -> None:
        pickle.dump(value, self.writer, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.flush()

    def receive(self) -> object:
        with gc_paused():
            return pickle.load(self.reader)

    def signal(self) -> None:
        self.writer.write(_SEND)
        self.writer.flush()

    def signalled(self) -> bool:
        """Wait for the other end's :meth:`signal`; False if it closed instead."""
        return self.reader.read(1) == _SEND

    def close(self) -> None:
        for part in (self.reader, self.writer, self.conn):
            with contextlib.suppress(OSError):
                part.close()


def _helper(conn: Connection) -> None:
    """The helper process: rows in, then the built index and finder out when the parent asks for them."""
    stream = _Stream(conn)
    try:
        rows = stream.receive()
        built = build(rows)  # type: ignore[arg-type]
        del rows
        if stream.signalled():
            stream.send(built)
    except (EOFError, OSError):  # the parent gave up, or stopped: nobody wants the index any more
        pass
    finally:
        stream.close()


class IndexBuild:
    """One build: :meth:`submit` the rows, then :meth:`result`. With ``helper``, in a helper process (started
    at once); otherwise in a worker thread, when the result is asked for (the rows are kept until then)."""

    def __init__(self, helper: bool) -> None:
        self._rows: Sequence[IndexRow] = ()
        self._stream: _Stream | None = None
        self._process: BaseProcess | None = None
        self._sending: asyncio.Future[bool] | None = None
        self._count = 0
        if helper:
            self._start()

    def _start(self) -> None:
        context = spawn_context()
        try:
            conn, child = context.Pipe()
            self._stream = _Stream(conn)
            self._process = context.Process(target=_helper, args=(child,), name="glossary-index", daemon=True)
            with deaf_to_interrupts():
                self._process.start()
            child.close()
        except OSError as exc:
            log.warning("cannot start the index helper process (%s): the index is built in this process", exc)
            self.close()

    def submit(self, rows: Sequence[IndexRow]) -> None:
        """Hand over the rows. The helper starts building at once; they are sent from a thread (pickling 100,000
        rows takes a moment, and the write goes on meanwhile) and then let go here: they hold the names of the
        parsed entries, and with them the memory of entries that are otherwise freed."""
        self._count = len(rows)
        if self._stream is None:
            self._rows = rows
        else:
            self._sending = asyncio.ensure_future(asyncio.to_thread(self._send, self._stream, rows))

    async def result(self, reread: Callable[[], Awaitable[Sequence[IndexRow]]]) -> Built:
        """The index and finder of the submitted rows; ``reread`` gets the rows again (from the database) if the
        helper could not deliver."""
        if self._stream is None:
            return await asyncio.to_thread(build, self._rows)
        built = await self._delivered(self._stream)
        return built if built is not None else await asyncio.to_thread(build, await reread())

    async def _delivered(self, stream: _Stream) -> Built | None:
        """What the helper built; None (with a warning) if it stopped, or did not deliver in time and was stopped."""
        exchange = asyncio.ensure_future(self._exchange(stream))
        limit = DELIVERY_GRACE_S + DELIVERY_S_PER_ROW * self._count
        done, _ = await asyncio.wait((exchange,), timeout=limit)
        if not done:
            log.warning("the index helper process did not deliver in %.0f s: the index is built here", limit)
            await asyncio.to_thread(self._stop_helper)  # its stream's threads then get an end of stream
            await exchange
            return None
        if (built := exchange.result()) is None:
            log.warning("the index helper process stopped before it was done: the index is built in this process")
        return built

    async def _exchange(self, stream: _Stream) -> Built | None:
        sent = self._sending is not None and await self._sending
        return await asyncio.to_thread(self._receive, stream) if sent else None

    @staticmethod
    def _send(stream: _Stream, rows: Sequence[IndexRow]) -> bool:
        try:
            stream.send(rows)
        except (OSError, ValueError):  # the helper is gone, or the build was closed meanwhile: the caller builds here
            return False
        return True

    @staticmethod
    def _receive(stream: _Stream) -> Built | None:
        try:
            stream.signal()
            built = stream.receive()
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):  # the helper is gone: the caller builds here
            return None
        return built  # type: ignore[return-value]

    def close(self) -> None:
        """Stop the helper, if any (it has finished, or its work is no longer wanted)."""
        # The helper first: a thread still reading or writing the stream holds its buffer's lock, and closing the
        # stream would wait for that thread, which waits for the helper (seconds of build, or forever if stuck).
        self._stop_helper()
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def _stop_helper(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join()

    def __enter__(self) -> IndexBuild:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
