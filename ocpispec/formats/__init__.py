"""Output formats as files: which extensions fit a format, which compression a suffix
asks for, which destinations are supported, and the CSV dialects.

Pure rules with no I/O, shared by the checker (`check/destination.py`), the planner
and the executor (`execute/outputs.py`), so `check` refuses exactly what `run` could
not deliver.

    describe("exports/x-{run.date}.csv.gz") -> Destination(scheme=None, extension=".csv",
                                                           compression="gzip", ...)
"""

from __future__ import annotations

import re

from ocpispec.formats.dialects import PRESETS, DialectError, dialect_from
from ocpispec.formats.remote import REMOTE_SCHEMES, Remote, RemoteError, parse_remote, redact
from ocpispec.frozen import frozen

__all__ = ["COMPRESSIONS", "EXTENSIONS", "PRESETS", "SUPPORTED_SCHEMES",
           "UNCOMPRESSIBLE", "Destination", "DialectError", "base_dialect", "describe",
           "dialect_from",
           "REMOTE_SCHEMES", "Remote", "RemoteError", "TEMPLATE_SUFFIXES", "fits",
           "named_like_template", "parse_remote", "redact", "url_scheme"]

# the file extensions a format's output may carry (the first is the one to suggest)
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "csv": (".csv", ".tsv", ".txt"),
    "ndjson": (".ndjson", ".jsonl"),
    "json": (".json",),
    "geojson": (".geojson", ".json"),
    "markdown": (".md", ".markdown"),
    "html": (".html", ".htm"),
    "parquet": (".parquet",),
    "xlsx": (".xlsx",),
}
# a trailing suffix -> the compression it asks for (streamed)
COMPRESSIONS: dict[str, str] = {".gz": "gzip", ".zst": "zstd"}
# suffixes that name a compression ocpispec does not write
FOREIGN_COMPRESSIONS = (".bz2", ".xz", ".lz4", ".lzma", ".br", ".zip", ".7z", ".tgz", ".z")
# formats that compress themselves (or are binary): no outer compression
UNCOMPRESSIBLE = frozenset({"parquet", "xlsx"})
# what a template file's name ends with (`render/confine.py`): no output is named so
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")
# URL schemes a destination may use; local paths and `stdout` are always supported
SUPPORTED_SCHEMES: tuple[str, ...] = tuple(REMOTE_SCHEMES)
DESTINATION_KINDS = "a local path (relative or absolute), `stdout`"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@frozen
class Destination:
    """What a destination text asks for. `extension` is the format extension before
    any compression suffix (`.csv` of `x.csv.gz`), None when the name has none;
    `compression` the compression (`gzip`, `zstd`) or None; `foreign` a compression
    suffix ocpispec does not write (`.bz2`)."""

    scheme: str | None
    extension: str | None
    compression: str | None
    foreign: str | None = None
    compression_suffix: str | None = None


def url_scheme(text: str) -> str | None:
    """`s3` of `s3://bucket/key`, `ftp` of `ftp:...`; None for a local path (a
    one-letter drive such as `C:` is a path, not a scheme)."""
    match = _SCHEME.match(text.strip())
    return match.group(1).lower() if match else None


def describe(text: str) -> Destination:
    """Read a destination pattern (placeholders may stand anywhere but in a suffix)."""
    scheme = url_scheme(text)
    name = _last_name(_PLACEHOLDER.sub("x", text.replace("\\", "/")))
    suffixes = [suffix.lower() for suffix in _suffixes(name)]
    compression = foreign = suffix_used = None
    if suffixes and suffixes[-1] in COMPRESSIONS:
        suffix_used = suffixes.pop()
        compression = COMPRESSIONS[suffix_used]
    elif suffixes and suffixes[-1] in FOREIGN_COMPRESSIONS:
        foreign = suffix_used = suffixes.pop()
    extension = suffixes[-1] if suffixes else None
    return Destination(scheme, extension, compression, foreign, suffix_used)



# `PurePosixPath(text).name` and `.suffixes`, without loading pathlib (and the URL
# parser it loads) into a cold `check` (tests/test_outputs.py holds them to pathlib)
def _last_name(text: str) -> str:
    parts = [part for part in text.split("/") if part and part != "."]
    return parts[-1] if parts else ""


def _suffixes(name: str) -> list[str]:
    if name.endswith("."):
        return []
    return ["." + suffix for suffix in name.lstrip(".").split(".")[1:]]

# extensions of file kinds ocpispec does not write: a name with one of them promises
# a file the output is not
OTHER_KINDS = frozenset({".xls", ".ods", ".pdf", ".avro", ".orc", ".feather",
                         ".arrow", ".sqlite", ".db", ".xml", ".yaml", ".yml", ".tar"})


def base_dialect(named: str | None, destination: str | None) -> str | None:
    """The CSV dialect options apply over: the one named, else `tab-separated` for a
    `.tsv` file (its readers split on tabs), else None (RFC 4180)."""
    if named is not None or destination is None:
        return named
    return "tab-separated" if describe(destination).extension == ".tsv" else None


def fits(fmt: str, extension: str | None) -> bool:
    """Whether a file named with `extension` may hold `fmt`: not when the extension
    belongs to another format or to a file kind ocpispec does not write. Names without
    an extension, or with one no format claims (`v2.1.1`, `.dat`), fit; custom
    templates write any kind of text."""
    if extension is None or fmt not in EXTENSIONS or extension in EXTENSIONS[fmt]:
        return True
    return format_for(extension) is None and extension not in OTHER_KINDS


def format_for(extension: str) -> str | None:
    """The format an extension belongs to most (`.parquet` -> parquet), for hints."""
    return next((fmt for fmt, extensions in EXTENSIONS.items() if extension in extensions),
                None)


def named_like_template(path: str) -> bool:
    """Whether a file of this name would be loaded as a template (`x.j2`; in any case,
    since on a file system that ignores case `x.J2` is that file): another spec's template
    could include it, and copy the rows it holds into that spec's output."""
    return path.replace("\\", "/").rsplit("/", 1)[-1].lower().endswith(TEMPLATE_SUFFIXES)
