"""The front end in one call: read, parse and check a spec."""

from __future__ import annotations

import os
import stat
from dataclasses import replace

from ocpispec.check.checked import CheckedSpec
from ocpispec.check.checker import check
from ocpispec.diagnostics import CompileError, error
from ocpispec.diagnostics.help_span import fitted
from ocpispec.language.parser import parse
from ocpispec.diagnostics.source import SourceFile


# a spec is a page or two of text: a file larger than this is not one, and a device
# such as `/dev/zero` would otherwise be read until memory runs out
MOST_SPEC_BYTES = 1 << 20


class _NotASpecFile(Exception):
    """A path that exists but cannot hold a spec (a device, a socket, a huge file)."""


def read_source(path: str | os.PathLike[str]) -> SourceFile:
    """Read a spec file; a missing, special, oversized or undecodable file is an
    OCX010 diagnostic."""
    try:
        return SourceFile(os.fspath(path), _spec_text(os.fspath(path)))
    except _NotASpecFile as exc:
        problem, help = str(exc), "name the spec's `.ocx` file"
    except FileNotFoundError:
        problem, help = "no such file", "check the path; specs usually live in `specs/`"
    except IsADirectoryError:
        problem, help = "it is a folder", "name a `.ocx` file inside it"
    except UnicodeDecodeError as exc:
        problem = f"it is not UTF-8 text (byte {exc.start})"
        help = "save the spec as UTF-8 text"
    except OSError as exc:
        problem, help = exc.strerror or type(exc).__name__, "check the file's permissions"
    raise CompileError([error("OCX010", f"cannot read `{path}`: {problem}", help=help)])


def _spec_text(path: str) -> str:
    """The file's text (a named pipe, such as `<(...)`, is read too), at most
    `MOST_SPEC_BYTES`; utf-8-sig: editors on Windows save a byte-order mark that is
    not part of the text."""
    mode = os.stat(path).st_mode
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        raise _NotASpecFile("it is a device, not a file")
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(path)
    with open(path, "rb") as handle:
        data = handle.read(MOST_SPEC_BYTES + 1)
    if len(data) > MOST_SPEC_BYTES:
        raise _NotASpecFile(f"it is larger than {MOST_SPEC_BYTES // 1024 // 1024} MiB, "
                            "far more than any spec")
    return data.decode("utf-8-sig")


def compile_source(source: SourceFile, *, max_errors: int = 50) -> CheckedSpec:
    """Parse and check; raise CompileError with the diagnostics of the first failing stage.
    Every caret covers what its help rewrites (`help_span`)."""
    try:
        checked = check(parse(source), source, max_errors=max_errors)
    except CompileError as exc:
        raise CompileError([fitted(d, source.text) for d in exc.diagnostics]) from None
    return replace(checked, warnings=tuple(fitted(d, source.text) for d in checked.warnings))


def compile_file(path: str | os.PathLike[str], *, max_errors: int = 50) -> CheckedSpec:
    return compile_source(read_source(path), max_errors=max_errors)
