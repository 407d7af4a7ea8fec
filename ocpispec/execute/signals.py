"""Stop signals wait while a commit is in progress.

Ctrl-C (SIGINT), SIGTERM and the run deadline (SIGALRM) abandon a run: no output, the
state unchanged. Once the commit has begun (the journal is written) abandoning would
leave it half done until the next run, so these signals are recorded instead and the
commit finishes; the caller learns which one arrived. (kill -9 cannot be deferred:
the journal makes that case recoverable.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator

DEFERRED = (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)


class Deferred:
    def __init__(self) -> None:
        self.received: list[int] = []

    @property
    def stop_requested(self) -> str | None:
        """`SIGINT`/`SIGTERM` when one arrived (a passed deadline is moot once committed)."""
        stops = [signal.Signals(s).name for s in self.received if s != signal.SIGALRM]
        return stops[0] if stops else None


class Held:
    """The commits' deferrals held until a run is reported, each with the handlers to
    put back then."""

    def __init__(self) -> None:
        self.deferrals: list[tuple[Deferred, dict, Callable]] = []

    @property
    def stop(self) -> str | None:
        """The stop (`SIGINT`, `SIGTERM`) that arrived while they were held."""
        return next((stop for deferred, _, _ in self.deferrals
                     if (stop := deferred.stop_requested)), None)


_HOLDERS: list[Held] = []  # innermost last (`held_until_reported`)


@contextlib.contextmanager
def deferred_signals(hold: bool = False) -> Iterator[Deferred]:
    """Stop signals recorded, not raised, in the block. With `hold` (a commit) inside
    `held_until_reported`, they stay recorded after it until the run is reported: a
    stop while the run record is written or the summary shown must not turn a run that
    published and advanced its state into an interrupted one."""
    deferred = Deferred()
    if threading.current_thread() is not threading.main_thread():
        yield deferred
        return

    def record(number: int, _frame: object) -> None:
        deferred.received.append(number)

    previous = {number: signal.signal(number, record) for number in DEFERRED}
    try:
        yield deferred
    finally:
        if hold and _HOLDERS:
            _HOLDERS[-1].deferrals.append((deferred, previous, record))
        else:
            _restore(previous)


@contextlib.contextmanager
def held_until_reported() -> Iterator[Held]:
    """Around one run and its report: the stops a commit in it deferred (`hold`) stay
    deferred until the block ends; `Held.stop` says whether one came."""
    held = Held()
    _HOLDERS.append(held)
    try:
        yield held
    finally:
        _HOLDERS.remove(held)
        for _, previous, record in reversed(held.deferrals):
            _restore(previous, record)


def _restore(previous: dict, record: Callable | None = None) -> None:
    """The handlers before a deferral back; after a hold, only where the deferral's is
    still in place (the deadline put its own back when it ended)."""
    for number, handler in previous.items():
        if record is None or signal.getsignal(number) is record:
            signal.signal(number, handler)


def quiet_worker(parent: int) -> None:
    """Ctrl-C and SIGTERM are the parent's to handle (it stops the workers): a worker
    neither runs the parent's handlers nor prints a traceback of its own. A worker
    dies with its parent (a run killed with `kill -9` leaves no worker behind) and
    never holds the parent's run lock. Its page-sized blocks stay in its heap (`heap_tuning`)."""
    from ocpispec.execute.lock import close_inherited
    from ocpispec.heap_tuning import reuse_large_blocks

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    close_inherited()
    reuse_large_blocks()
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent exits (`prctl(PR_SET_PDEATHSIG)`).
    Elsewhere the worker ends when the parent's end of its pipe closes."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


_PR_SET_PDEATHSIG = 1
