"""How rows leave: their order and the rendering (template, CSV dialect)."""

from __future__ import annotations

import dataclasses

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.plan.ir.base import OMIT_DEFAULT


@frozen
class TemplateDigest:
    """A template file (path relative to the spec's folder) and its sha256."""

    path: str
    sha256: str


@frozen
class CsvDialect:
    """How CSV text is written (`ocpispec.formats.dialects`): `delimiter` between
    fields, `decimal` `point` or `comma`, a UTF-8 `bom` first, `quote` `minimal` (only
    fields that need it) or `all`, `lines` `crlf` or `lf`."""

    name: str
    delimiter: str = ","
    decimal: str = "point"
    bom: bool = False
    quote: str = "minimal"
    lines: str = "crlf"


@frozen
class Render:
    """Write the rows as `format` to `destination` (None: stdout), optionally with a
    custom jinja2 `template` (path as written, relative to the spec file).
    `geometry` names the coordinates column of a geojson output. `templates` pins
    every file the template loads (itself and its includes) to the content that was
    checked: the fingerprint changes with any of them, and the run loads nothing else."""

    id: str
    format: str
    destination: str | None
    template: str | None
    geometry: str | None
    origin: Span
    templates: tuple[TemplateDigest, ...] = ()
    # `gzip`/`zstd` from the destination's suffix; the CSV dialect when one is chosen
    compression: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    dialect: CsvDialect | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)


@frozen
class SortKey:
    column: str
    descending: bool = False


@frozen
class Order:
    """`order by` released columns (nulls last, ties broken by the other columns in
    order, so the output is deterministic), then, for an aggregate, `limit` rows of
    the released groups. Row exports sort in bounded memory (runs spilled to temporary
    files and merged)."""

    id: str
    keys: tuple[SortKey, ...]
    limit: int | None
    origin: Span
