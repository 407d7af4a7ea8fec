"""Where a dataset's output goes: destination patterns, `--out`, atomic files and the
sidecar manifest.

Placeholders in a destination (safe in file names):
`{export}`, `{dataset}`, `{run.date}` (2026-01-05), `{run.time}` (103000),
`{run.timestamp}` (20260105T103000Z), all UTC, and `{window.start}`, `{window.end}`
(20260101T000000Z, or `all` for an open window; a calendar window in a time zone on its
local clock, 20260101T000000+0100). Relative destinations are relative to the current
directory, or to the configured `output_root`; a leading `~` is the home directory. `--out PATH` replaces the destination of a single-dataset spec; with
several datasets it must be a directory, and each output keeps its own file name.
`--out -` (or `to stdout` in the spec) streams to stdout.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping

from datetime import datetime
from pathlib import Path
from typing import Any

from ocpispec.frozen import frozen
from ocpispec import formats
from ocpispec.plan import ir
from ocpispec.execute.atomic import AtomicFile, write_atomically
from ocpispec.render import EXTENSIONS
from ocpispec.text import with_article

_PLACEHOLDER = re.compile(r"\{([A-Za-z_.]+)\}")


class OutputError(Exception):
    """An output cannot be placed where the spec or `--out` says; `help`, what fixes it
    when the usual help (a directory for `--out`, or another destination) does not."""

    help: str | None = None

    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        if help is not None:    # else the class's own (`ControlCharacterError`)
            self.help = help


class MismatchError(OutputError):
    """`--out` names a file that cannot hold the format (OCX590)."""


class ControlCharacterError(MismatchError):
    help = "give `--out` a path without control characters"


@frozen
class Target:
    """A file (`path`) or stdout (`path` None). A remote destination (`remote`, its
    placeholders filled in) is written to `path` in a local spool directory first and
    delivered from there (`ocpispec.deliver`)."""

    path: Path | None
    remote: formats.Remote | None = None
    # the folder as a run found it before fetching, its real path and file system
    # (`output_folders.placed`), which the commit finds again or publishes nothing
    place: tuple[str, int] | None = None

    @property
    def display(self) -> str:
        if self.remote is not None:
            return self.remote.url
        return "stdout" if self.path is None else str(self.path)


def compact(moment: str | None, zone: str | None = None) -> str:
    """`2026-01-01T00:00:00Z` -> `20260101T000000Z` (no colons: safe on every OS); in a
    calendar window's zone, its local time with the offset: `20260101T000000+0100`."""
    if moment is None:
        return "all"
    if zone is None:
        return moment.replace("-", "").replace(":", "")
    from zoneinfo import ZoneInfo

    instant = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y%m%dT%H%M%S%z")


def placeholders(export: str, dataset: str, now: datetime, start: str | None,
                 end: str | None, zone: str | None = None) -> dict[str, str]:
    """The values of a destination's placeholders; a window aligned to a time zone
    (`previous month in "Europe/Amsterdam"`) is named by its local bounds, so December's
    file says `20251201T000000+0100`, not the UTC instant `20251130T230000Z`."""
    return {"export": export, "dataset": dataset, "run.date": now.strftime("%Y-%m-%d"),
            "run.time": now.strftime("%H%M%S"), "run.timestamp": now.strftime("%Y%m%dT%H%M%SZ"),
            "window.start": compact(start, zone), "window.end": compact(end, zone)}


def expand(pattern: str, values: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            known = ", ".join(f"{{{key}}}" for key in values)
            raise OutputError(f"unknown placeholder `{{{name}}}` in destination `{pattern}`; "
                              f"known: {known}")
        return values[name]

    return _PLACEHOLDER.sub(substitute, pattern)


def resolve_targets(datasets: tuple[ir.Dataset, ...], out: str | None,
                    values: Mapping[str, Mapping[str, str]],
                    root: Path | None = None) -> dict[str, Target]:
    """The target of every dataset, honouring `--out`; a relative local destination is
    placed under `root` (the configured `output_root`) when there is one."""
    targets: dict[str, Target] = {}
    try:
        for dataset in datasets:
            render = dataset.step(ir.Render)
            if out is None and render.destination is not None \
                    and formats.url_scheme(render.destination) in formats.REMOTE_SCHEMES:
                targets[dataset.name] = _remote(expand(render.destination,
                                                       values[dataset.name]))
                continue
            own = None if render.destination is None else _local(expand(render.destination,
                                                                        values[dataset.name]))
            if own is not None and root is not None and not own.is_absolute():
                own = root / own
            targets[dataset.name] = _target(dataset, render, own, out, len(datasets))
        files = [t.remote.url if t.remote else t.path for t in targets.values()
                 if t.path is not None]
        if len(set(files)) != len(files):
            raise OutputError("two datasets would write the same file")
    except OutputError:
        remove_spools(targets.values())
        raise
    return targets


def _local(destination: str) -> Path:
    """A local destination; a leading `~` is the user's home directory, as in a shell
    (no shell reads a spec: `~/exports/x.csv` made a folder named `~` in the current
    directory)."""
    path = Path(destination)
    try:
        return path.expanduser()
    except RuntimeError:  # no home directory to expand to
        raise OutputError(f"the destination `{destination}` starts with `~`, but the home "
                          "directory is not known (set HOME, or write the full path)") from None


def remove_spools(targets) -> None:
    """The local spool directories of remote targets (delivered, or the run failed)."""
    import shutil

    for target in targets:
        if target.remote is not None and target.path is not None:
            shutil.rmtree(target.path.parent, ignore_errors=True)


def _remote(url: str) -> Target:
    """A remote destination, written first into a fresh local spool directory (0700)."""
    import tempfile

    try:
        remote = formats.parse_remote(url)
    except formats.RemoteError as exc:
        raise OutputError(f"the destination `{formats.redact(url)}`: {exc}") from None
    spool = Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-"))
    return Target(spool / remote.name, remote)


SPOOL_PREFIX = "ocpispec-outbox-"


def remove_stale_spools() -> list[Path]:
    """The spool directories of killed runs (their process is gone): they may hold a
    finished output that was never delivered. Swept as scratch folders are."""
    from ocpispec.scratch import remove_stale_scratch

    return remove_stale_scratch(kinds=("outbox",))


def _target(dataset: ir.Dataset, render: ir.Render, own: Path | None, out: str | None,
            count: int) -> Target:
    if out is None:
        return Target(own)
    if out == "-":
        if count > 1:
            raise OutputError("`--out -` needs a spec with one dataset",
                              help=f"give `--out` a directory for the {count} outputs (`--out exports/`), "
                                   "or run a spec with one dataset")
        return Target(None)
    _fitting(out, render.format)
    chosen = Path(out)
    directory = chosen.is_dir() or out.endswith(("/", "\\"))
    if count == 1 and not directory:
        return Target(chosen)
    if not directory:
        raise OutputError(f"`--out {out}` must be a directory (existing, or ending in `/`) "
                          "for a spec with several datasets",
                          help=f"write `--out {_as_folder(out)}/`: a path ending in `/` is a directory, "
                               "made if missing, and each output keeps its own file name in it")
    name = own.name if own is not None else f"{dataset.name}.{EXTENSIONS.get(render.format, 'txt')}"
    return Target(chosen / name)


def _fitting(out: str, fmt: str) -> None:
    """`--out` is checked as the spec's destination is at check time (where OCX016
    refuses a control character: a spec cannot name such a file)."""
    _no_control_characters(out)
    described = formats.describe(out)
    if described.scheme is not None:
        raise MismatchError(f"`--out` with `{described.scheme}:` is not supported; "
                            f"supported: {formats.DESTINATION_KINDS}")
    if out.endswith(("/", "\\")) or Path(out).is_dir():
        return
    if described.foreign is not None:
        raise MismatchError(f"`--out` ends in `{described.foreign}`, a compression "
                            "ocpispec does not write (it writes `.gz` and `.zst`)")
    if described.compression is not None and fmt in formats.UNCOMPRESSIBLE:
        raise MismatchError(f"`{fmt}` output cannot be compressed")
    if not formats.fits(fmt, described.extension):
        raise MismatchError(f"`--out` names {with_article(f'`{described.extension}`')} file, but the output "
                            f"is `{fmt}` (files ending in "
                            f"{', '.join(formats.EXTENSIONS[fmt])})")


def _as_folder(out: str) -> str:
    """`--out report.csv` as the folder meant for several outputs: `report`."""
    path = Path(out)
    return str(path.with_suffix("")) if path.suffix and path.stem else out


def _no_control_characters(out: str) -> None:
    """A line break, a tab, an escape sequence or a direction control in `--out` (a
    variable expanded into it, a pasted path) was written into the file name: the
    consumer's tools and SFTP clients break on it, and the run summary showed the path
    in two lines."""
    from ocpispec.language.characters import DIRECTION_CONTROLS, describe_character

    for at, char in enumerate(out):
        if char < " " or "\x7f" <= char <= "\x9f" or char in DIRECTION_CONTROLS:
            raise ControlCharacterError(
                f"`--out` holds {describe_character(char)} at character {at + 1}: a file "
                "name with it breaks the consumer's tools and shows other text than it holds")


def zstd_available() -> bool:
    try:
        import zstandard  # noqa: F401
    except ImportError:
        return False
    return True


def compression_of(target: Target) -> str | None:
    return None if target.path is None else formats.describe(target.path.name).compression


class HashingFile:
    """An AtomicFile written as UTF-8, compressed as it streams when `compression` is
    `gzip` or `zstd`; `sha256` and `size` are over the bytes delivered (after
    compression), so the manifest's hash checks the file the consumer receives."""

    def __init__(self, path: Path, compression: str | None = None) -> None:
        self.file = AtomicFile(path, binary=True)
        self.delivered = _Delivered(self.file.stream)
        self._encoder = compressor(compression, self.delivered)

    @property
    def sha256(self) -> Any:
        return self.delivered.sha256

    def write(self, text: str) -> int:
        self._encoder.write(text.encode("utf-8"))
        return len(text)

    def write_bytes(self, data: bytes) -> int:
        """Bytes a binary format (Parquet) wrote; never compressed a second time."""
        return self.delivered.write(data)

    def finish(self) -> None:
        """The compressed stream closed (its trailer written), the file fsynced."""
        if self._encoder is not self.delivered:
            self._encoder.close()
            self._encoder = self.delivered
        self.file.finish()


class BinarySink:
    """A HashingFile as the binary file object a binary writer expects (Parquet, XLSX):
    bytes go to the file uncompressed; closing is the run's business (`finish`)."""

    closed = False

    def __init__(self, file: HashingFile) -> None:
        self.file = file

    def write(self, data: bytes) -> int:
        return self.file.write_bytes(bytes(data))

    def tell(self) -> int:
        return self.file.delivered.size

    def flush(self) -> None:
        """Flushed and fsynced at `finish`."""

    def close(self) -> None:
        """Closed at `finish`."""


class _Delivered:
    """The bytes that reach the file, hashed and counted on the way."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.sha256, self.size = stream, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.stream.write(data)

    def flush(self) -> None:
        """Compressors flush their sink; the file is flushed and fsynced at `finish`."""

    def close(self) -> None:
        """The file is closed at `finish`, not by a compressor."""


def compressor(compression: str | None, sink: Any) -> Any:
    """A writable that compresses into `sink` (`sink` itself without compression).
    gzip files carry no name and time stamp, so equal content gives equal bytes."""
    match compression:
        case None:
            return sink
        case "gzip":
            import gzip

            return gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0)
        case "zstd":
            import zstandard

            return zstandard.ZstdCompressor(level=3).stream_writer(sink, closefd=False)
    raise OutputError(f"unknown compression `{compression}`")


def datapackage_path(path: Path) -> Path:
    return path.with_name(path.name + ".datapackage.json")


def stage_datapackage(path: Path, content: Mapping[str, Any]) -> AtomicFile:
    """The data package of the output `path`, finished under a temporary name."""
    return _stage(datapackage_path(path), content)


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def write_manifest(path: Path, content: Mapping[str, Any]) -> Path:
    target = manifest_path(path)
    write_atomically(target, json.dumps(content, indent=2, ensure_ascii=False) + "\n")
    return target


def stage_manifest(path: Path, content: Mapping[str, Any]) -> AtomicFile:
    """The manifest of the output `path`, finished under a temporary name."""
    return _stage(manifest_path(path), content)


def _stage(path: Path, content: Mapping[str, Any]) -> AtomicFile:
    target = AtomicFile(path)
    try:
        target.stream.write(json.dumps(content, indent=2, ensure_ascii=False) + "\n")
        target.finish()
    except BaseException:
        target.discard()
        raise
    return target
