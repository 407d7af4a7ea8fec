"""SIGTERM, from the process's first moment, ends a command the way Ctrl-C does.

Cron, systemd and CI stop a job with SIGTERM. Python's default for it kills the
process on the spot (exit status 143, no word on stderr); a run installs its own
handler only once its spec is planned, so a job stopped while it started ended
without the diagnostic and the exit code 1 the documentation promises. `main`
installs this handler before anything else is imported: SIGTERM raises
`Terminated`, a KeyboardInterrupt, in the main thread, and every command handles
it where it handles Ctrl-C; one that comes before `run` or `get` reached its own
handler (while click and the command load) gets the same OCX558 (`launch.stopped`).

A second stop (Ctrl-C pressed again, or SIGTERM after Ctrl-C) while the first is being
handled ends the process at once with the same exit status 1: the interpreter joining
the fetch threads at exit printed its own traceback, or died of SIGINT (status -2).
Nothing is lost by it: what a kill at that moment leaves, the next run recovers.
"""

from __future__ import annotations

import os
from types import FrameType

try:  # the C module: `signal` builds its enums, 0.7 ms of every cold command
    import _signal as signals
except ImportError:  # an interpreter without it
    import signal as signals  # type: ignore[no-redef]


class Terminated(KeyboardInterrupt):
    """SIGTERM (cron, systemd, CI stopping a job): handled exactly like Ctrl-C."""


# whether this process is the `ocpispec` command (`main` installed the handlers), and
# whether a stop reached it already; an embedding host's process is never ended
_command = {"armed": False, "stopping": False}


def raise_terminated(signum: int, frame: FrameType | None) -> None:
    _end_on_second_stop()
    raise Terminated()


def raise_interrupted(signum: int, frame: FrameType | None) -> None:
    _end_on_second_stop()
    raise KeyboardInterrupt()


def _end_on_second_stop() -> None:
    if not _command["armed"]:
        return
    if _command["stopping"]:
        try:
            os.write(2, b"stopped again: ending now\n")
        except OSError:
            pass
        os._exit(1)
    _command["stopping"] = True


def stopping() -> bool:
    """Whether a stop reached the `ocpispec` command: it then ends without the
    interpreter's teardown, which joins the fetch threads and puts the default
    handlers back (a second stop then killed the process: status -2 or -15)."""
    return _command["stopping"]


def terminate_like_interrupt() -> None:
    """From now on SIGTERM raises `Terminated` in the main thread, Ctrl-C raises
    KeyboardInterrupt as before, and a second stop ends the process at once."""
    _command["armed"] = True
    signals.signal(signals.SIGTERM, raise_terminated)
    # a process started with Ctrl-C ignored (`nohup`, a background job of a script)
    # keeps ignoring it
    if signals.getsignal(signals.SIGINT) is signals.default_int_handler:
        signals.signal(signals.SIGINT, raise_interrupted)


def stop_name(stop: KeyboardInterrupt) -> str:
    """How a stop is named in a diagnostic: `SIGTERM` or `Ctrl-C`."""
    return "SIGTERM" if isinstance(stop, Terminated) else "Ctrl-C"
