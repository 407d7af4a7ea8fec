"""Finding and reading `ocpispec.toml` files: the project file (the first found going
up from a directory) and the user file (in the user config directory). Every problem is
a diagnostic with the file's line, never a traceback; secret values are never shown."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterator
from dataclasses import field
from pathlib import Path

from ocpispec.frozen import frozen
from ocpispec.config.locate import key_spans, redacted
from ocpispec.config.settings import (DESTINATIONS, SETTINGS, BadValue, is_secret_name,
                                       names_no_variable)
from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

FILE_NAME = "ocpispec.toml"
_DESTINATION_VALUES = (str, int, float, bool)


@frozen
class ConfigFile:
    """A read file: its checked values, the lines they are on, its diagnostics."""

    path: Path
    source: SourceFile
    values: dict[str, object] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    destinations: dict[str, dict[str, object]] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()


def find_project_file(start: Path) -> Path | None:
    """The first `ocpispec.toml` in `start` or a directory above it."""
    here = start.resolve()
    for directory in (here, *here.parents):
        candidate = directory / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def read_file(path: Path) -> ConfigFile:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problem = "is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "cannot be read"
        source = SourceFile(str(path), "")
        return ConfigFile(path, source, diagnostics=(error(
            "OCX633", f"the configuration file {problem}", help="fix or remove the file"),))
    source = SourceFile(str(path), redacted(text))
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return ConfigFile(path, source, diagnostics=(_syntax_error(exc, source),))
    return _Reader(path, source).read(document)


class _Reader:
    def __init__(self, path: Path, source: SourceFile) -> None:
        self.path, self.source = path, source
        self.spans = key_spans(source.text)
        self.diagnostics: list[Diagnostic] = []

    def read(self, document: dict) -> ConfigFile:
        values, lines, destinations = {}, {}, {}
        for key, value in document.items():
            if self._secret(key, (key,)):
                continue
            if key == DESTINATIONS:
                destinations = self._destinations(value)
            elif key not in SETTINGS:
                self._unknown(key, (key,))
            else:
                setting = SETTINGS[key]
                try:
                    values[key] = setting.from_file(value, self.path.parent)
                    lines[key] = self._line((key,))
                except BadValue as exc:
                    self._add(error("OCX632", f"`{key}` must be {exc}", self._span((key,)),
                                    "wrong type or out of range",
                                    help=f"{setting.meaning}; e.g. `{key} = "
                                         f"{_example(setting.kind)}`"))
        return ConfigFile(self.path, self.source, values, lines, destinations,
                          tuple(self.diagnostics))

    def _destinations(self, value: object) -> dict[str, dict[str, object]]:
        if not isinstance(value, dict):
            self._add(error("OCX632", "`destinations` must be tables `[destinations.NAME]`",
                            self._span((DESTINATIONS,)), help="see docs/configuration.md"))
            return {}
        found = {}
        for name, table in value.items():
            where = (DESTINATIONS, name)
            if not isinstance(table, dict):
                self._add(error("OCX632", f"`destinations.{name}` must be a table "
                                f"`[destinations.{name}]`", self._span(where)))
                continue
            found[name] = {k: v for k, v in table.items() if self._destination_key(where, k, v)}
        return found

    def _destination_key(self, where: tuple[str, ...], key: str, value: object) -> bool:
        if self._secret(key, (*where, key)):
            return False
        if names_no_variable(key, value):
            self._add(error("OCX631", f"`{'.'.join((*where, key))}` holds no environment "
                            "variable's name; it may be the secret itself, which the "
                            "configuration file never holds", self._span((*where, key)),
                            "refused (its value is not shown)",
                            help=f"write the name of the variable that holds the secret "
                                 f"(`{key} = \"VARIABLE\"`), set it in the environment, and, "
                                 "as the value was written to a file, rotate it"))
            return False
        if isinstance(value, _DESTINATION_VALUES):
            return True
        self._add(error("OCX632", f"`{'.'.join(where)}.{key}` must be a string, number "
                        "or boolean", self._span((*where, key)),
                        help="a destination profile holds plain settings only"))
        return False

    def _secret(self, key: str, where: tuple[str, ...]) -> bool:
        if not is_secret_name(key):
            return False
        self._add(error("OCX631", f"`{'.'.join(where)}` would hold a secret; the "
                        "configuration file holds none", self._span(where),
                        "refused (its value is not shown)",
                        help=f"remove it and keep the secret in an environment variable; "
                             f"name the variable instead (`{key}_env = \"VARIABLE\"`), or use "
                             "`ocpispec login` for platform tokens"))
        return True

    def _unknown(self, key: str, where: tuple[str, ...]) -> None:
        known = [*SETTINGS, DESTINATIONS]
        guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        self._add(error("OCX630", f"unknown setting `{key}`", self._span(where),
                        "not a setting", notes=["known: " + ", ".join(known)],
                        help=f"did you mean `{guess[0]}`?" if guess else
                        "remove it; see docs/configuration.md"))

    def _span(self, where: tuple[str, ...]) -> Span | None:
        """The key as written; for a table written with dotted keys or sub-tables
        (`fetch.page_size = 1`), its first line."""
        if where in self.spans:
            return self.spans[where]
        inside = [span for path, span in self.spans.items() if path[:len(where)] == where]
        return min(inside, key=lambda span: span.start) if inside else None

    def _line(self, where: tuple[str, ...]) -> int:
        span = self._span(where)
        return self.source.line_col(span.start)[0] if span else 0

    def _add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)


def _syntax_error(exc: tomllib.TOMLDecodeError, source: SourceFile) -> Diagnostic:
    """tomllib's message ends in `(at line L, column C)`; point there, without the rest
    of the message's context."""
    message = str(exc)
    span = None
    if "(at line " in message:
        where = message.rsplit("(at line ", 1)[1].rstrip(")").split(", column ")
        message = message.rsplit(" (at line ", 1)[0]
        line, column = int(where[0]), int(where[1]) if len(where) > 1 else 1
        if 1 <= line <= source.line_count:
            start = sum(len(l) + 1 for l in source.text.split("\n")[:line - 1]) + column - 1
            span = Span(start, start + 1)
    return error("OCX633", f"the configuration file is not valid TOML: {message[:1].lower()}"
                 f"{message[1:]}", span, help="fix the TOML syntax; see docs/configuration.md")


def _example(kind: str) -> str:
    return {"whole": "500", "rate": "2.5", "approval": '"signed"', "path": '"exports"'}.get(
        kind, '"name"')


def iter_files(project: Path | None, user: Path | None) -> Iterator[ConfigFile]:
    for path in (project, user):
        if path is not None and path.is_file():
            yield read_file(path)
