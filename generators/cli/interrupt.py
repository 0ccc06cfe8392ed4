"""Ctrl-C for long commands: the first SIGINT asks the work to stop cleanly, a second aborts.

``run_cancellable(work)`` runs ``work(cancel)`` in a worker thread while the calling (main)
thread waits and owns SIGINT. Invariants:

- The first SIGINT sets ``cancel`` and calls ``on_first`` once; the wait goes on until ``work``
  returns or raises (``generators.run.service`` then stops the run and discards what it staged).
- A second SIGINT calls ``on_second`` and ends the process at once with exit code 130
  (``os._exit``: no cleanup; the next run on the target recovers, as after ``kill -9``).
- ``work`` starts Spark in the worker thread, where pyspark installs no SIGINT handler of its
  own (it only does in the main thread), so Ctrl-C never breaks a py4j call mid-flight; the
  Spark JVM ignores SIGINT (pyspark starts it so), so a terminal's Ctrl-C reaches Python only.
- ``work``'s result is returned, or its exception re-raised, in the calling thread; the previous
  SIGINT handler is restored. Outside the main thread ``work`` simply runs in place.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
EXIT_INTERRUPTED = 130
POLL_SECONDS = 0.2


def run_cancellable(
    work: Callable[[threading.Event], T],
    *,
    on_first: Callable[[], None] = lambda: None,
    on_second: Callable[[], None] = lambda: None,
) -> T:
    """``work(cancel)``, with SIGINT setting ``cancel`` (see the module docstring)."""
    cancel = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        return work(cancel)
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = work(cancel)
        except BaseException as error:  # handed to the calling thread
            outcome["error"] = error

    def on_sigint(_signum: int, _frame: object) -> None:
        if cancel.is_set():
            on_second()
            os._exit(EXIT_INTERRUPTED)
        cancel.set()
        on_first()

    worker = threading.Thread(target=target, name="idgraph-run", daemon=True)
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(POLL_SECONDS)
    finally:
        signal.signal(signal.SIGINT, previous)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]
