"""Ending a run by a signal the way Ctrl-C ends it, so what it counted is saved and no output is
left half-written (``atomic.atomic_path`` removes its temporary file on the way out)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class Terminated(KeyboardInterrupt):
    """SIGTERM (a closed terminal, a process manager, ``kill``) ends a run like Ctrl-C."""


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Ctrl-C or SIGTERM during the block takes effect when it ends. MediaPipe's Python objects are
    not safe against an exception raised inside them: an ``Image`` interrupted in its constructor
    prints a traceback from its ``__del__``. Its calls are short (one frame), so holding the signal
    for one costs the user nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum, frame):
        pending.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if pending:
            signal.raise_signal(pending[0])  # now to the handler the block replaced


@contextlib.contextmanager
def no_interrupts() -> Iterator[None]:
    """A second Ctrl-C while the last scorecard is written is ignored (the write is quick)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
