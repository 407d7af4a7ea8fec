"""How the worker processes of `execute.workers` fail, and what the run says then.

A worker may not start (a limit of open files or processes, no memory: OCX560 before
anything is read) or may die under the run (the out-of-memory killer, an operator's
kill: OCX560 naming the signal). A worker killed while it wrote its answer leaves the
process pool's manager thread waiting forever for the rest of that answer: `unstick`
frees it, and `stuck` tells the launcher when it could not, so that the process leaves
without waiting for that thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
from typing import Any

# the manager threads `unstick` could not end: the process must leave with
# `os._exit` (`launch.main`), as the interpreter's exit would wait for that thread
_STUCK: list[Any] = []


def stuck() -> bool:
    """Whether a pool's manager thread was left waiting for a dead worker's answer."""
    return any(thread.is_alive() for thread in _STUCK)


def unstick(pool: Any, processes: list[Any], seconds: float = 10.0) -> None:
    """End the workers and the pool's manager thread after a worker died. A worker
    killed while it wrote an answer left a message's first bytes in the answers' pipe
    (and its lock taken): the manager thread waits in `recv` for the rest. Filler bytes
    complete that message, which then fails to unpickle, and the thread ends the pool as
    broken (it closes the pages' pipe itself, so a feeder blocked on it ends too)."""
    import time

    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()
    thread = getattr(pool, "_executor_manager_thread", None)
    answers = getattr(pool, "_result_queue", None)
    if thread is None or answers is None or not thread.is_alive():
        return
    writer = answers._writer.fileno()  # the parent's own end, which only `shutdown` closes
    os.set_blocking(writer, False)     # the workers that shared it are dead
    filler, deadline = bytes(1 << 16), time.monotonic() + seconds
    while thread.is_alive() and time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            os.write(writer, filler)
        thread.join(0.01)
    if thread.is_alive():
        _STUCK.append(thread)


def workers_not_started(exc: OSError, workers: int) -> Exception:
    """OCX560: the worker processes could not be started; it was an internal error (exit
    70), or a hang at exit."""
    from ocpispec.execute.client import RunError

    reason = exc.strerror or exc.__class__.__name__
    return RunError.of(
        "OCX560", f"cannot start the run's {workers} worker processes: {reason}",
        notes=("nothing was written and the state did not move",),
        help="run in one process with `--workers 1` (or `OCPISPEC_WORKERS=1`), or raise "
             "the limit that was reached (open files: `ulimit -n`; processes: `ulimit -u` "
             "or the container's limit; memory), and run again")


# what a dead worker took with it: the pages it was reading, or (`PagePool.later`) the
# work it was given after them
PAGES_LOST = "the pages it held were never read, so the records are incomplete"
WORK_LOST = "what it was computing for the run never came back"


def worker_ended(processes: list[Any], command: str = "run", lost: str = PAGES_LOST) -> Exception:
    """OCX560: a worker process died under the run or `get` (the kernel's out-of-memory
    killer, an operator's kill). It ended as an internal error, 'a bug in ocpispec'."""
    from ocpispec.execute.client import RunError

    if command == "run":
        who, left = "the run", "a run writes nothing and keeps its state"
    else:  # `get` wrote the objects of the pages before to stdout: not "nothing"
        who, left = (f"`{command}`", "the objects on stdout are those read before it "
                     "ended; the others are missing from it")
    return RunError.of(
        "OCX560", f"a worker process of {who} ended unexpectedly{_how(processes)}",
        notes=(f"{lost}: {left}",),
        help="look in the system log for why (`journalctl -k` or `dmesg`: the out-of-memory "
             f"killer names the process it ended); give {who} more memory, or run "
             "it in one process with `--workers 1`, and run again")


def _how(processes: list[Any]) -> str:
    """The signal that ended a worker, as its exit code says: the pool ends the others
    with SIGTERM once one is gone, so another signal (the out-of-memory killer's
    SIGKILL) is the cause where there is one."""
    codes = [code for code in _exit_codes(processes) if code != 0]
    signals = [-code for code in codes if code < 0 and -code in signal.valid_signals()]
    cause = next((number for number in signals if number != signal.SIGTERM),
                 signals[0] if signals else None)
    if cause is not None:
        return f" (killed by {signal.Signals(cause).name})"
    return f" (exit code {codes[0]})" if codes else ""


def _exit_codes(processes: list[Any], seconds: float = 2.0) -> list[int]:
    """The processes' exit codes, waiting up to `seconds` for them to end. The pool's
    thread reaps them too: a process it has reaped but not yet marked reads as running
    (`waitpid` fails for this thread) for a moment, so each is asked again until then."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        codes = []
        for process in processes:
            with contextlib.suppress(AssertionError, OSError, ValueError, AttributeError):
                codes.append(process.exitcode)
        if all(isinstance(code, int) for code in codes) or time.monotonic() >= deadline:
            return [code for code in codes if isinstance(code, int)]
        time.sleep(0.01)
