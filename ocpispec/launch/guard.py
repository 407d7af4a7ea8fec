"""The last line of defence around every command: a failure the command did not
diagnose becomes a full-disk diagnostic (OCX554, exit 1) or an internal error (exit 70,
its type and place only: an exception's text may hold a value or a URL); a reader that
stopped early (`| head`) is not a failure."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

from ocpispec import __version__

if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h)
OUTPUT_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


def guarded(call: Callable[[], T], passthrough: tuple[type[BaseException], ...] = ()) -> T:
    """`call()`, with stdout flushed inside (a full disk shows here, not in an ignored
    exit-time flush). `passthrough`: exceptions the caller handles itself."""
    try:
        result = call()
        sys.stdout.flush()
        return result
    except (SystemExit, KeyboardInterrupt, *passthrough):
        raise
    except BrokenPipeError:
        silence_stdout()
        sys.exit(0)
    except OSError as exc:
        if exc.errno not in OUTPUT_FULL:
            internal_error(exc)
        silence_stdout()
        _output_full(exc.errno)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if (diagnostic := out_of_memory(exc)) is None:
            internal_error(exc)
        show(diagnostic)
        sys.exit(1)


def _output_full(number: int) -> None:
    from ocpispec.diagnostics import error

    show(error("OCX554", f"cannot write the output: {os.strerror(number)}",
                help="free space on the device, or write elsewhere, and run again"))


_NO_THREAD = "can't start new thread"  # CPython's words when a thread gets no stack


def out_of_memory(exc: BaseException) -> Any:
    """OCX561 for what the machine's limits raise (`ulimit -v`, a container's memory or
    process limit), None for anything else: it is not a bug in ocpispec. A run says so
    through `execute`, which logs it."""
    from ocpispec.diagnostics import error

    if isinstance(exc, MemoryError):
        message = "the command ran out of memory"
    elif isinstance(exc, RuntimeError) and str(exc) == _NO_THREAD:
        message = ("the command could not start a thread: its memory (the thread's stack) "
                   "or its number of processes reached a limit")
    else:
        return None
    return error("OCX561", message,
                 notes=("a run that stops so writes nothing, and its state does not move",),
                 help="give the job more memory (`ulimit -v`, the container's or the service's "
                      "limit), or ask for smaller pages (`--page-size 100`) and run in one "
                      "process (`--workers 1`), and run again")


def show(diagnostic: Any) -> None:
    from ocpispec.diagnostics.report import render

    color = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    _write_stderr(render([diagnostic], {}, color=color).rstrip("\n") + "\n")


def internal_error(exc: BaseException) -> None:
    """Never the exception's text (it may hold a value or a URL): its type and where."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if "ocpispec" in f.filename] or frames
    where = f" at {os.path.basename(own[-1].filename)}:{own[-1].lineno}" if own else ""
    _write_stderr(f"internal error: {type(exc).__name__}{where} (ocpispec {__version__})\n"
                  "  this is a bug in ocpispec, not in your spec or platform; please report it\n"
                  "  with the command you ran (leave out tokens and keys); set OCPISPEC_DEBUG=1 "
                  "to see the traceback\n")
    if os.environ.get("OCPISPEC_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)
    sys.exit(EXIT_INTERNAL)


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush fails no more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _write_stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()
