"""The file name a destination gives, as the disks it lands on take it.

A run writes each output, its manifest and its data package under a temporary name
beside the final one (`.NAME.datapackage.json.PID-TAGRANDOM.partial`) and renames them
into place. A name whose longest such file exceeds the 255 bytes a file name may have
(ext4, XFS, APFS, NTFS) failed the run after every page was read, with `File name too
long` and the help to check that the folder exists: OCX460, before anything runs.

The consumer opens the file on Windows more often than not (an SFTP client, a share,
Excel): a name with `<>:"|?*`, ending in a dot or a space, or called like a device
(`CON`, `NUL`, `COM1`...) cannot be saved there; WinSCP renames it, Explorer refuses
it. OCX461 warns. Placeholders fill in safe characters, so only the text written counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ocpispec import formats
from ocpispec.check.context import Context
from ocpispec.diagnostics import error, warning
from ocpispec.language import syntax

NAME_MAX = 255  # bytes of one file name: ext4, XFS, Btrfs, APFS; NTFS counts UTF-16 units
# `.` NAME `.datapackage.json` `.` PID (at most 7 digits) `-` TAG (8) RANDOM (8) `.partial`
BESIDE_BYTES = len(".") + len(".datapackage.json") + len(".1234567-") + 16 + len(".partial")
LONGEST_NAME = NAME_MAX - BESIDE_BYTES
# the longest value of each placeholder but the export's and the dataset's names:
# a window bound on a zone's clock may carry an offset in seconds (`+053328`)
_WIDTHS = {"run.date": 10, "run.time": 6, "run.timestamp": 16, "window.start": 22,
           "window.end": 22}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NOT_ON_WINDOWS = re.compile(r'[<>:"|?*]')
_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)),
                      *(f"lpt{n}" for n in range(1, 10))})


def check_file_names(datasets: Sequence[syntax.Dataset], ids: Sequence[str],
                     export: str, ctx: Context) -> None:
    for dataset, name_of in zip(datasets, ids):
        destination = dataset.output.destination
        if destination is None or not _checkable(destination.value) \
                or "\\" in ctx.source.text[destination.span.start:destination.span.end]:
            continue  # a backslash is OCX429: the name is not the one meant
        name = _file_name(destination.value)
        if not name:
            continue  # a folder: OCX426
        _check_length(destination, name, export, name_of, ctx)
        _check_windows(destination, name, ctx)


def _checkable(value: str) -> bool:
    """Not a destination another check refuses: a control character (OCX429), an
    unknown placeholder or a stray brace (OCX407)."""
    from ocpispec.check.output import PLACEHOLDERS

    names = _PLACEHOLDER.findall(value)
    stripped = _PLACEHOLDER.sub("", value)
    return not (any(c < " " for c in value) or "{" in stripped
                or "}" in stripped or any(n not in PLACEHOLDERS for n in names))


def _file_name(value: str) -> str:
    if formats.url_scheme(value) is not None:
        value = value.split("://", 1)[1].split("?", 1)[0]
    return value.rsplit("/", 1)[-1]


def _longest(name: str, export: str, dataset: str) -> int:
    widths = _WIDTHS | {"export": len(export.encode()), "dataset": len(dataset.encode())}
    return len(_PLACEHOLDER.sub("", name).encode()) + sum(
        widths[found] for found in _PLACEHOLDER.findall(name))


def _check_length(destination: syntax.Text, name: str, export: str, dataset: str,
                  ctx: Context) -> None:
    longest = _longest(name, export, dataset)
    if longest <= LONGEST_NAME:
        return
    filled = " with its placeholders filled in" if "{" in name else ""
    ctx.emit(error(
        "OCX460", f"the file name is too long: {longest} bytes{filled}", destination.span,
        f"at most {LONGEST_NAME} bytes",
        notes=[f"a run writes the file, `NAME.manifest.json` and `NAME.datapackage.json` "
               f"first under temporary names beside it (`.NAME.datapackage.json.PID-"
               f"RANDOM.partial`, {BESIDE_BYTES} bytes more than the name), and a file "
               f"name has at most {NAME_MAX} bytes on Linux, macOS and Windows disks",
               "the run would fail after reading every page, with nothing delivered"],
        help=f"shorten the file name to {LONGEST_NAME} bytes or fewer (a folder for the "
             "long part: `\"exports/{export}/{run.date}.csv\"`)"))


def _check_windows(destination: syntax.Text, name: str, ctx: Context) -> None:
    literal = _PLACEHOLDER.sub("x", name)
    found = sorted(set(_NOT_ON_WINDOWS.findall(literal)))
    stem = literal.split(".", 1)[0].rstrip(" ").casefold()
    if found:
        what = f"holds {' '.join(f'`{c}`' for c in found)}"
    elif literal.endswith((".", " ")):
        what = "ends in a dot or a space"
    elif stem in _DEVICES:
        what = f"is `{literal.split('.', 1)[0]}`, a name Windows keeps for a device"
    else:
        return
    ctx.emit(warning(
        "OCX461", f"the file name {what}: Windows cannot save it", destination.span,
        "not a Windows file name",
        notes=["the consumer opens the file on Windows more often than not: an SFTP "
               "client renames it or refuses it, Explorer and Excel cannot save it, and a "
               "file share does not show it under its name"],
        help=f"name the file with letters, digits, `-`, `_` and `.` only, e.g. "
             f"`{_suggested(name)}`"))


def _suggested(name: str) -> str:
    parts = re.split(r"(\{[^{}]*\})", name)
    cleaned = "".join(part if part.startswith("{") else
                      _NOT_ON_WINDOWS.sub("-", part) for part in parts).rstrip(". ")
    stem, dot, rest = cleaned.partition(".")
    if stem.rstrip(" ").casefold() in _DEVICES:
        stem = f"{stem}-export"
    return f"{stem}{dot}{rest}" or "export.csv"
