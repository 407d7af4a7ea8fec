"""Where a key is written in a TOML text (tomllib gives values, not lines): a small
line scanner that follows `[table]` headers and `key = value` lines. It also redacts
the values of keys that would hold a secret, so a diagnostic can quote the line."""

from __future__ import annotations

import re

from ocpispec.config.settings import is_secret_name, names_no_variable
from ocpispec.diagnostics.source import Span

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ASSIGN = re.compile(r"^(\s*)([A-Za-z0-9_\-\"'.]+?)\s*=")
_STRING = re.compile(r"\s*(\"|')([^\"'\\]*)\1\s*(#.*)?$")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


def key_spans(text: str) -> dict[tuple[str, ...], Span]:
    """(table..., key) -> the span of the key as written; a table header maps the
    table's own path to the header's span."""
    spans: dict[tuple[str, ...], Span] = {}
    table: tuple[str, ...] = ()
    offset = 0
    for line in text.splitlines(keepends=True):
        if header := _HEADER.match(line):
            table = _parts(header.group(1))
            start = offset + line.index("[")
            spans.setdefault(table, Span(start, offset + len(line.rstrip())))
        elif assign := _ASSIGN.match(line):
            start = offset + len(assign.group(1))
            spans.setdefault(table + _parts(assign.group(2)),
                             Span(start, start + len(assign.group(2))))
        offset += len(line)
    return spans


def redacted(text: str) -> str:
    """The text with the value of every secret-looking key replaced by `<redacted>`, and
    of every `..._env` key whose value is no variable's name (the secret itself)."""
    lines = []
    for line in text.splitlines(keepends=True):
        assign = _ASSIGN.match(line)
        if assign and _secret_value(_parts(assign.group(2))[-1], line[assign.end():]):
            end = "\n" if line.endswith("\n") else ""
            line = line[:assign.end()] + " <redacted>" + end
        lines.append(line)
    return "".join(lines)


def _secret_value(key: str, value: str) -> bool:
    if is_secret_name(key):
        return True
    string = _STRING.match(value)
    return names_no_variable(key, string.group(2) if string else None)
