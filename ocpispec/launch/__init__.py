"""The `ocpispec` command's entry point: `check` without the command-line framework.

`ocpispec check SPEC...` is what editors, pre-commit hooks and CI run most often, so it
must start fast. Loading click and the command table costs it about a tenth of its
time, so `main` reads a plain `check` command line itself (`check_arguments`) and runs
it through the same code the click command uses (`launch.check`), under the same last
line of defence (`launch.guard`), without the cyclic collector and without the
interpreter's teardown (another seventh). Anything else, and any `check` line it does not fully
understand (an unknown or repeated option, `--help`, a bad value, a global option before
the command), goes to click, which prints usage errors and help as always. Both paths
print the same bytes and exit with the same status (tests/test_launch.py). Before
anything else SIGTERM is made to stop a command as Ctrl-C does (`launch.stop`); a command
a stop reached ends without the interpreter's teardown too, once it has said so.
"""

from __future__ import annotations

import gc
import os
import sys

from ocpispec.launch.arguments import CheckArguments, check_arguments
from ocpispec.launch.stop import stopping, terminate_like_interrupt

__all__ = ["CheckArguments", "check_arguments", "main"]


def main() -> None:
    try:
        # inside the `try`: a SIGTERM already pending is delivered as the handler is
        # installed, and raises `Terminated` before this function's next line
        terminate_like_interrupt()
        _standard_streams()
        arguments = check_arguments(sys.argv[1:])
        if arguments is None:
            from ocpispec.cli import main as command_line
    except KeyboardInterrupt as stop:   # stopped while loading: as the command would end it
        _stopped_while_loading(stop)
    if arguments is None:
        try:
            command_line()
        except SystemExit as end:
            if not stopping() and not _workers_stuck():
                if sys.getprofile() is not None or sys.gettrace() is not None:
                    raise   # a profiler's or coverage's report is written after the command
                _ended(_status(end))
            _leave(_status(end))
        return
    gc.disable()  # a check allocates little and ends soon: collecting would only cost time
    from ocpispec.launch.check import run_check
    from ocpispec.launch.guard import guarded

    try:
        status = guarded(lambda: run_check(arguments))
    except SystemExit as stop:
        if not isinstance(stop.code, int | None):
            raise
        status = stop.code or 0
    except (KeyboardInterrupt, EOFError):  # as click ends a command stopped by Ctrl-C
        sys.stderr.write("\nAborted!\n")
        status = 1
    _leave(status)


def _stopped_while_loading(stop: KeyboardInterrupt) -> None:
    """`run` and `get` say OCX558 (`launch.stopped`); others, as click ends a command
    stopped by Ctrl-C."""
    try:
        from ocpispec.launch.stopped import command_of, report_early_stop

        reported = report_early_stop(command_of(sys.argv[1:]), stop)
    except KeyboardInterrupt:   # stopped again while saying so
        reported = False
    if not reported:
        sys.stderr.write("\nAborted!\n")
    _leave(1)


def _standard_streams() -> None:
    """A process started with stdin, stdout or stderr closed (`>&-`) gets /dev/null in
    their place: what it writes there is dropped instead of failing the command, and no
    file it opens later can take their descriptor (where a stray write would land)."""
    for descriptor, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(descriptor)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != descriptor:
                os.dup2(null, descriptor)
                os.close(null)
        if getattr(sys, name) is None:
            setattr(sys, name, open(descriptor, mode, encoding="utf-8", closefd=False))
    _whole_stdout()


def _whole_stdout() -> None:
    """Under `PYTHONUNBUFFERED=1` (most container images set it) or `python -u`, stdout's
    text layer writes straight to the descriptor and drops what a write did not take: a
    report on a disk that filled up (`history --format csv > file`) ended short and the
    command exited 0. Its bytes go through a buffer flushed at each line instead, which
    writes the rest or raises (OCX554). (`sys.__stdout__` keeps the first wrapper, whose
    descriptor stays open.)"""
    import io

    stream = sys.stdout
    raw = getattr(stream, "buffer", None)
    if not isinstance(raw, io.FileIO):  # buffered already, or not a real descriptor
        return
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding=stream.encoding,
                                  errors=stream.errors, line_buffering=True)


def _workers_stuck() -> bool:
    """Whether a worker pool was left with a thread the interpreter's exit would wait
    for forever (`execute.worker_failures.stuck`): the process then leaves at once."""
    failures = sys.modules.get("ocpispec.execute.worker_failures")
    return failures is not None and failures.stuck()


def _status(end: SystemExit) -> int:
    """The exit status the interpreter gives a SystemExit (a text is printed, status 1)."""
    if end.code is None or isinstance(end.code, int):
        return end.code or 0
    try:
        sys.stderr.write(f"{end.code}\n")
    except (OSError, ValueError):
        pass
    return 1


def _ended(status: int) -> None:
    """End a command that has run to its end, as the interpreter's exit would but for
    its teardown: every module and object freed one by one (some 110 M instructions of
    a run of 20,000 sessions, after its outputs and state were committed). What the
    exit does that a command relies on still runs, in the interpreter's order: the
    threads left are joined (a worker pool's shutdown is one), then the `atexit`
    functions (logging's flush, `weakref.finalize`'s, a pool's), then the standard
    streams are flushed; a stdout that cannot take the rest makes the status 120, as
    the interpreter's own flush does."""
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()  # type: ignore[attr-defined]
        except KeyboardInterrupt:   # a stop while joining: the interpreter goes on too
            pass
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        status = 120
    _leave(status)


def _leave(status: int) -> None:
    """End the process now: a check has written its report and holds no file open, so
    the interpreter's own teardown (every module and object freed one by one, a tenth of
    a check's time) is skipped."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(status)
