"""A spec as it was in a git revision: `REV:path`, as `git show` reads it (`path`
relative to the repository root, or `./path` relative to the current directory).

The spec's whole folder at that revision is extracted (`git archive`) into a temporary
directory, so templates load as they were then, pinned by their hashes then.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from ocpispec.diagnostics import CompileError, error
from ocpispec.frozen import frozen

_GIT_TIMEOUT = 30


@frozen
class SpecSide:
    """Where to read one side of a diff, and the name to show for it."""

    path: Path
    name: str


def is_revision(argument: str) -> bool:
    """`REV:path` (and not an existing file whose name holds a colon)."""
    return ":" in argument and not Path(argument).exists()


def materialise(argument: str, workdir: Path) -> SpecSide:
    """A plain path as it is; `REV:path` extracted under `workdir`. Raises CompileError
    (OCX614) when git cannot give it."""
    if not is_revision(argument):
        return SpecSide(Path(argument), argument)
    revision, _, path = argument.partition(":")
    root = _git(["rev-parse", "--show-toplevel"], argument).strip()
    prefix = _git(["rev-parse", "--show-prefix"], argument).strip() \
        if path.startswith("./") else ""
    inside = PurePosixPath(prefix, path.removeprefix("./")) if prefix else PurePosixPath(path)
    folder = str(inside.parent) if str(inside.parent) != "." else "."
    archive = _git(["-C", root, "archive", "--format=tar", revision, "--", folder], argument,
                   binary=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(workdir, filter="data")
    target = workdir / inside
    if not target.is_file():
        raise _unreadable(argument, f"`{inside}` is not a file at `{revision}`",
                          f"list the files with `git ls-tree -r {revision} -- {folder}`")
    return SpecSide(target, argument)


def _git(args: list[str], argument: str, *, binary: bool = False):
    try:
        done = subprocess.run(["git", *args], capture_output=True, timeout=_GIT_TIMEOUT,
                              check=False)
    except FileNotFoundError:
        raise _unreadable(argument, "git is not installed", "install git, or compare two "
                          "files: `git show REV:path > old.ocx`") from None
    except subprocess.TimeoutExpired:
        raise _unreadable(argument, "git did not answer in time", "try again") from None
    if done.returncode != 0:
        first = (done.stderr.decode(errors="replace").strip().splitlines() or ["failed"])[0]
        raise _unreadable(argument, f"git: {first.removeprefix('fatal: ')}",
                          "check the revision (`git log --oneline -- PATH`) and that the path "
                          "is relative to the repository root (or starts with `./`)")
    return done.stdout if binary else done.stdout.decode()


def _unreadable(argument: str, problem: str, help: str) -> CompileError:
    return CompileError([error("OCX614", f"cannot read `{argument}` from git: {problem}",
                               help=help)])
