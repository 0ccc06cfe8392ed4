"""One run at a time per target: a file lock at ``<warehouse>/<catalog>/<schema>/_idgraph.lock``.

Invariants: while a run holds its target's lock no other run writes, recovers or validates that
target; runs on different targets never wait for each other. The lock is an OS file lock
(``filelock``), so it is released when its holder exits, even on ``kill -9``: a free lock means
nobody is running on the target. ``IDGRAPH_LOCK_TIMEOUT`` chooses what a second run does:
unset, wait as long as it takes; ``0``, fail at once with ``TargetBusy``; ``N``, wait up to N
seconds, then ``TargetBusy``. Before waiting, ``on_wait`` receives one message saying so; a
``cancel`` event set while waiting (Ctrl-C) ends the wait with ``WaitCancelled`` within 0.2 s.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = "_idgraph.lock"
TIMEOUT_ENV = "IDGRAPH_LOCK_TIMEOUT"


POLL_SECONDS = 0.2


class TargetBusy(RuntimeError):
    """Another run holds the target; nothing was written."""


class WaitCancelled(RuntimeError):
    """``cancel`` was set while waiting for the target; nothing was written."""


def lock_timeout() -> float | None:
    """Seconds to wait for a busy target from ``$IDGRAPH_LOCK_TIMEOUT`` (None: no limit)."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r}: use seconds >= 0 (0 fails fast), or unset it")
    return seconds


@contextmanager
def target_lock(
    schema_path: Path,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[None]:
    """Hold the lock of the target stored at ``schema_path`` (created if missing). While
    waiting, a set ``cancel`` stops the wait with ``WaitCancelled``."""
    schema_path.mkdir(parents=True, exist_ok=True)
    target = f"{schema_path.parent.name}.{schema_path.name}"
    lock = FileLock(schema_path / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if timeout == 0:
            raise TargetBusy(
                f"{target} is busy: another idgraph run is writing it ({schema_path}); "
                f"retry when it ends, or unset {TIMEOUT_ENV} to wait for it"
            ) from None
        if on_wait is not None:
            limit = "until it ends" if timeout is None else f"up to {timeout:g} s"
            on_wait(
                f"waiting for another idgraph run on {target} to finish ({limit}; "
                f"{TIMEOUT_ENV}=0 fails fast instead)"
            )
        try:
            _wait(lock, timeout, cancel)
        except Timeout:
            raise TargetBusy(
                f"{target} is still busy after {timeout:g} s: another idgraph run is writing "
                f"it ({schema_path}); raise {TIMEOUT_ENV} or retry later"
            ) from None
    try:
        yield
    finally:
        lock.release()


def _wait(lock: FileLock, timeout: float | None, cancel: threading.Event | None) -> None:
    """Acquire ``lock`` within ``timeout`` seconds (None: no limit), polling ``cancel``."""
    if cancel is None:
        lock.acquire(timeout=-1 if timeout is None else timeout)
        return
    waited = 0.0
    while True:
        if cancel.is_set():
            raise WaitCancelled("cancelled while waiting for another run; nothing was written")
        step = POLL_SECONDS if timeout is None else min(POLL_SECONDS, timeout - waited)
        try:
            lock.acquire(timeout=max(step, 0))
            return
        except Timeout:
            waited += step
            if timeout is not None and waited >= timeout:
                raise
