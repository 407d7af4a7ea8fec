"""The typed data dictionary delivered beside an output: a Frictionless Data Package
(`<file>.datapackage.json`, https://specs.frictionlessdata.io/data-package/).

One resource, the output file, with a Table Schema: each released column's name, type,
format, description (catalogue and transformation), unit where the source has one,
treatment, and the marker of a missing value; the CSV dialect; the file's size and
sha256; the export header (consumer, purpose, legal basis, retention, licence) under
`ocpispec` and in the package's own fields. It describes columns, never values: it holds
nothing a run read but the file's size and sha256, which the manifest holds too.
It replaces neither the manifest (what was released, under which plan) nor the review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ocpispec.formats.fields import PSEUDONYM_LENGTH, TypedField
from ocpispec.plan.ir import CsvDialect

MEDIA_TYPES = {"csv": "text/csv", "ndjson": "application/x-ndjson",
               "json": "application/json", "geojson": "application/geo+json",
               "markdown": "text/markdown", "html": "text/html",
               "parquet": "application/vnd.apache.parquet",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# what a template's file is, by its extension
TEMPLATE_MEDIA_TYPES = {"html": "text/html", "htm": "text/html",
                        "xhtml": "application/xhtml+xml", "xml": "application/xml",
                        "svg": "image/svg+xml", "kml": "application/vnd.google-earth.kml+xml",
                        "gpx": "application/gpx+xml", "md": "text/markdown",
                        "markdown": "text/markdown", "csv": "text/csv",
                        "tsv": "text/tab-separated-values", "json": "application/json",
                        "geojson": "application/geo+json", "ndjson": "application/x-ndjson",
                        "jsonl": "application/x-ndjson", "txt": "text/plain"}
# the frictionless name of a compression (zstd has none there yet)
COMPRESSION_NAMES = {"gzip": "gz", "zstd": "zst"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# typed formats that write a column of no one type (`jmespath(...)`) as its text
TEXT_FOR_ANY = frozenset({"parquet", "xlsx"})
# formats whose coordinates column (decimal text from the platform) loads as a number:
# Parquet and XLSX hold a number, CSV the platform's digits, which a number field reads
NUMBERS_FOR_DECIMAL_TEXT = frozenset({"parquet", "xlsx", "csv"})


def data_package(*, file: str, fmt: str, fields: Sequence[TypedField], dataset: str,
                 export: Mapping[str, Any], dialect: CsvDialect | None,
                 compression: str | None, created: str, fingerprint: str,
                 units: Mapping[str, str | None],
                 delivered: tuple[int, str] | None = None) -> dict[str, Any]:
    """The package of one output. `units` maps a column to the unit of its values
    (`formats.units`), None or absent when it has none the tool can name; `delivered`
    the size and sha256 of the file's bytes (compressed, when it is)."""
    kind, mediatype = _kind(file, fmt)
    if fmt == "csv" and dialect is not None and dialect.delimiter == "\t":
        # a portal serving the package's word offered a TSV as CSV, split at `,`
        mediatype = TEMPLATE_MEDIA_TYPES["tsv"]
    resource: dict[str, Any] = {
        "name": _name(dataset), "path": file, "format": kind, "mediatype": mediatype,
        # UTF-8 with a byte order mark is UTF-8 (IANA has no other name for it; R's
        # frictionless warns on Python's `utf-8-sig`); most readers skip the mark, base
        # R's read.csv only when told (the resource's description says how)
        "encoding": "utf-8",
        "schema": {"fields": [_field(f, fmt, dialect, units.get(f.name))
                              for f in fields],
                   "missingValues": [""]},
    }
    if fmt == "csv":
        resource["profile"] = "tabular-data-resource"
        resource["dialect"] = _dialect(dialect or CsvDialect("rfc-4180"))
        if dialect is not None and dialect.bom and compression != "zstd":  # R reads no zstd
            from ocpispec.formats.r_loading import bom_description

            texts = [field["name"] for field in resource["schema"]["fields"]
                     if field["type"] == "string"]
            resource["description"] = bom_description(file, dialect, texts)
    if compression is not None:
        resource["compression"] = COMPRESSION_NAMES[compression]
    if delivered is not None:
        # what `frictionless validate` checks the file against ("hash-count" when it was
        # cut short or changed on the way), as `sha256sum` checks the manifest's
        resource["bytes"], resource["hash"] = delivered[0], f"sha256:{delivered[1]}"
    package: dict[str, Any] = {
        "name": _name(str(export.get("name") or dataset)),
        "title": f"{export.get('name')}: {dataset}",
        "description": export.get("purpose") or "",
        "created": created,
        "profile": "tabular-data-package" if fmt == "csv" else "data-package",
        "resources": [resource],
        "ocpispec": {"export": dict(export), "dataset": dataset,
                     "plan_fingerprint": fingerprint,
                     "manifest": f"{file}.manifest.json"},
    }
    if export.get("licence"):
        package["licenses"] = [_licence(str(export["licence"]))]
    # no `contributors`: in the Frictionless spec those made the data; the consumer
    # receives it (`ocpispec.export.consumer`), and a portal would credit it as a maker
    return package


def _kind(file: str, fmt: str) -> tuple[str, str]:
    """The resource's format and media type. A template writes whatever its file is: an
    HTML report served as text/plain (a data portal takes the package's word) shows its
    tags, so a template's media type follows its file's extension. Its format stays
    `template`: readers then take it as a file, not as a table the schema describes (the
    schema says what the template was given, not what it wrote)."""
    if fmt != "template":
        return fmt, MEDIA_TYPES.get(fmt, "text/plain")
    from ocpispec.formats import describe

    extension = (describe(file).extension or ".txt").lstrip(".").lower()
    return fmt, TEMPLATE_MEDIA_TYPES.get(extension, "text/plain")


def _field(field: TypedField, fmt: str, dialect: CsvDialect | None,
           unit: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": field.name, "type": _type(field, fmt, dialect),
                             "description": field.description,
                             "ocpispec:treatment": field.treatment,
                             "ocpispec:sources": list(field.sources)}
    match entry["type"]:
        case "datetime":
            entry["format"] = "any"  # ISO 8601, `Z` or a local offset; seconds or finer
            if field.zone is not None:  # the local periods of a zone: readers show them
                entry["ocpispec:timeZone"] = field.zone
        case "boolean":
            entry["trueValues"], entry["falseValues"] = ["true"], ["false"]
        case "number" if dialect is not None and dialect.decimal == "comma":
            entry["decimalChar"] = ","
    if field.pseudonym:
        entry["constraints"] = {"pattern": f"[0-9a-f]{{{PSEUDONYM_LENGTH}}}"}
    if field.decimal_text:
        entry["description"] += (" (a number)" if entry["type"] == "number" else
                                 " (decimal text as the platform sent it, e.g. `52.090600`)")
    if field.type == "geopoint" and fmt == "csv":
        entry["description"] += " (written as `latitude,longitude`)"
    if field.type == "geopoint" and fmt == "geojson":
        entry["description"] += (" (each feature's geometry, a GeoJSON Point with "
                                 "longitude first, not one of its properties)")
    if unit is not None and field.type in ("number", "integer", "string"):
        # a string with a unit is a band (`0-5`): the unit of its bounds
        entry["ocpispec:unit"] = unit
    return entry


def _type(field: TypedField, fmt: str, dialect: CsvDialect | None = None) -> str:
    """Table Schema's type: a geopoint is an object in JSON, text in CSV and a GeoJSON
    geometry in GeoJSON (the one coordinates column a GeoJSON output has; Table Schema's
    own geopoint puts longitude first, but ocpispec writes latitude first elsewhere)."""
    if field.type == "geopoint":
        return {"csv": "string", "geojson": "geojson"}.get(fmt, "object")
    if field.type == "any" and fmt in TEXT_FOR_ANY:
        return "string"
    if field.decimal_text and fmt in NUMBERS_FOR_DECIMAL_TEXT:
        # a decimal comma CSV still holds the platform's `52.090600`, no number there
        comma = fmt == "csv" and dialect is not None and dialect.decimal == "comma"
        return "string" if comma else "number"
    return field.type


def _dialect(dialect: CsvDialect) -> dict[str, Any]:
    return {"delimiter": dialect.delimiter,
            "lineTerminator": "\r\n" if dialect.lines == "crlf" else "\n",
            "quoteChar": '"', "doubleQuote": True, "header": True}


def _licence(text: str) -> dict[str, str]:
    """`CC-BY-4.0` (an SPDX-like id) or a URL."""
    if re.match(r"^https?://", text):
        return {"path": text, "title": text}
    return {"name": text, "title": text}


def _name(text: str) -> str:
    """Frictionless names: lowercase letters, digits, `-`, `_` and `.`."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "data"
