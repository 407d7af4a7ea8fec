"""Stop signals wait while a commit is in progress.

Ctrl-C (SIGINT), SIGTERM and the run deadline (SIGALRM) abandon a run: no output, the
state unchanged. Once the commit has begun (the journal is written) abandoning would
leave it half done until the next run, so these signals are recorded instead and the
commit finishes; the caller learns which one arrived. (kill -9 cannot be deferred:
the journal makes that case recoverable.)
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

DEFERRED = (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)


class Deferred:
    def __init__(self) -> None:
        self.received: list[int] = []

    @property
    def stop_requested(self) -> str | None:
        """`SIGINT`/`SIGTERM` when one arrived (a passed deadline is moot once committed)."""
        stops = [signal.Signals(s).name for s in self.received if s != signal.SIGALRM]
        return stops[0] if stops else None


@contextlib.contextmanager
def deferred_signals() -> Iterator[Deferred]:
    deferred = Deferred()
    if threading.current_thread() is not threading.main_thread():
        yield deferred
        return
    previous = {number: signal.signal(number, lambda n, _f: deferred.received.append(n))
                for number in DEFERRED}
    try:
        yield deferred
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
