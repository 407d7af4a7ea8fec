"""The front end in one call: read, parse and check a spec."""

from __future__ import annotations

from pathlib import Path

from ocpispec.check.checked import CheckedSpec
from ocpispec.check.checker import check
from ocpispec.diagnostics import CompileError, error
from ocpispec.language.parser import parse
from ocpispec.diagnostics.source import SourceFile


def read_source(path: str | Path) -> SourceFile:
    """Read a spec file; a missing or undecodable file is an OCX010 diagnostic."""
    try:
        return SourceFile.read(path)
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


def compile_source(source: SourceFile, *, max_errors: int = 50) -> CheckedSpec:
    """Parse and check; raise CompileError with the diagnostics of the first failing stage."""
    return check(parse(source), source, max_errors=max_errors)


def compile_file(path: str | Path, *, max_errors: int = 50) -> CheckedSpec:
    return compile_source(read_source(path), max_errors=max_errors)
