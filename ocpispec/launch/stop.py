"""SIGTERM, from the process's first moment, ends a command the way Ctrl-C does.

Cron, systemd and CI stop a job with SIGTERM. Python's default for it kills the
process on the spot (exit status 143, no word on stderr); a run installs its own
handler only once its spec is planned, so a job stopped while it started ended
without the diagnostic and the exit code 1 the documentation promises. `main`
installs this handler before anything else is imported: SIGTERM raises
`Terminated`, a KeyboardInterrupt, in the main thread, and every command handles
it where it handles Ctrl-C; one that comes before `run` or `get` reached its own
handler (while click and the command load) gets the same OCX558 (`launch.stopped`).
"""

from __future__ import annotations

from types import FrameType

try:  # the C module: `signal` builds its enums, 0.7 ms of every cold command
    import _signal as signals
except ImportError:  # an interpreter without it
    import signal as signals  # type: ignore[no-redef]


class Terminated(KeyboardInterrupt):
    """SIGTERM (cron, systemd, CI stopping a job): handled exactly like Ctrl-C."""


def raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def terminate_like_interrupt() -> None:
    """From now on SIGTERM raises `Terminated` in the main thread."""
    signals.signal(signals.SIGTERM, raise_terminated)


def stop_name(stop: KeyboardInterrupt) -> str:
    """How a stop is named in a diagnostic: `SIGTERM` or `Ctrl-C`."""
    return "SIGTERM" if isinstance(stop, Terminated) else "Ctrl-C"
