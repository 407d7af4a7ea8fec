"""Where a custom template may come from: inside the spec's folder, nowhere else.

A template file, and every file it includes, imports or extends, is named by a
relative path without `..`, carries a template suffix, and resolves (symlinks
followed) to a regular file inside the spec's folder (or the templates root
configured with `$OCPISPEC_TEMPLATES_ROOT`). The same rules hold when the
spec is checked and when the template is loaded at run time, where the loader also
compares each file with the sha256 the plan recorded, so a file swapped between the
check and the run is refused instead of rendered.

This is what stops `output template "../exports/other.csv"`, `/proc/self/environ` or
an include that is a symlink to a stored login from being copied into an output: a
file without Jinja syntax is a valid template, so the file itself must be confined.
For the same reason no data file is ever a template: no run writes a file named like one
(OCX371), a symbolic link is followed only to a file named as a template too (not to an
export's CSV, a run record or the ledger), and a file with an export's manifest beside
it is refused.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat

from pathlib import Path

from ocpispec.frozen import frozen
from ocpispec.formats import TEMPLATE_SUFFIXES
from ocpispec.language.characters import DIRECTION_CONTROLS

MAX_TEMPLATE_BYTES = 256 * 1024
MAX_TEMPLATE_FILES = 32
# what a run writes beside each output (`execute/outputs.py`, `manifest_path`)
MANIFEST_SUFFIX = ".manifest.json"


ROOT_VARIABLE = "OCPISPEC_TEMPLATES_ROOT"


def templates_root(spec_dir: Path) -> Path:
    """The folder templates are named relative to and confined to: the spec's folder,
    or the folder `$OCPISPEC_TEMPLATES_ROOT` names (a template library shared by specs),
    else the `templates_root` of an `ocpispec.toml` (see docs/configuration.md)."""
    configured = os.environ.get(ROOT_VARIABLE, "").strip()
    if configured:
        return Path(configured)
    from ocpispec.config import configured_templates_root

    return configured_templates_root(spec_dir) or spec_dir


class ConfinementError(ValueError):
    """A template name or file that a template may not use; the message says why
    (it names the path as written, never file contents)."""


@frozen
class TemplateFile:
    """A confined template file. `key` is its path relative to the spec's folder
    (posix), the name the plan records its digest under; `path` its real path."""

    key: str
    path: Path


@frozen
class TemplateText:
    text: str
    sha256: str


def check_name(name: str) -> None:
    """Refuse a template name that could point anywhere but below the spec's folder."""
    if not name or "\x00" in name:
        raise ConfinementError("the template name is empty or holds a NUL character")
    hidden = next((char for char in name if char < " " or "\x7f" <= char <= "\x9f"
                   or char in DIRECTION_CONTROLS), None)
    if hidden is not None:  # the name is shown in plans, reviews and diffs
        raise ConfinementError(f"the template name holds the control character "
                               f"U+{ord(hidden):04X}")
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ConfinementError(f"`{name}` is an absolute path or uses `\\`; template "
                               "paths are relative to the spec's folder")
    if ".." in name.split("/"):
        raise ConfinementError(f"`{name}` climbs out of its folder with `..`")
    if not name.endswith(TEMPLATE_SUFFIXES):
        raise ConfinementError(f"`{name}` does not end in "
                               + ", ".join(f"`{s}`" for s in TEMPLATE_SUFFIXES)
                               + "; only template files are read as templates")


def locate(root: Path, base: str, name: str) -> TemplateFile:
    """The file `name` (relative to `base`, itself relative to `root`) names.

    Raises ConfinementError when it leaves `root` (also through a symlink), is not a
    regular file, has other hard links or is too big; FileNotFoundError when missing.
    """
    check_name(name)
    key = posixpath.normpath(posixpath.join(base, name))
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root, key))
    if os.path.commonpath([real_root, real]) != real_root:
        raise ConfinementError(f"`{key}` resolves, through a symbolic link, to a file "
                               "outside the spec's folder")
    if not os.path.basename(real).endswith(TEMPLATE_SUFFIXES):
        raise ConfinementError(f"`{key}` is a symbolic link to `{_relative(real, real_root)}`, "
                               "which is not named as a template: a data file, a run record "
                               "or a ledger would be copied into this output")
    _check_file(key, os.stat(real))
    if os.path.lexists(real + MANIFEST_SUFFIX):
        raise ConfinementError(f"`{key}` is the output of an export (its manifest lies "
                               "beside it), not a template: its rows would be copied into "
                               "this output")
    return TemplateFile(key, Path(real))


def _relative(real: str, real_root: str) -> str:
    return Path(os.path.relpath(real, real_root)).as_posix()


def _check_file(key: str, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ConfinementError(f"`{key}` is not a regular file")
    if info.st_nlink > 1:
        raise ConfinementError(f"`{key}` has other hard links, so it may be another "
                               "file's content")
    if info.st_size > MAX_TEMPLATE_BYTES:
        raise ConfinementError(f"`{key}` is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")


def read(file: TemplateFile) -> TemplateText:
    """The text and sha256 of a located file, re-checked on the open descriptor so a
    swap after `locate` (a FIFO, a symlink) is refused. Raises UnicodeDecodeError."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(file.path, flags)
    try:
        _check_file(file.key, os.fstat(descriptor))
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            data = stream.read(MAX_TEMPLATE_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ConfinementError(f"`{file.key}` is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
    return TemplateText(data.decode("utf-8"), hashlib.sha256(data).hexdigest())
