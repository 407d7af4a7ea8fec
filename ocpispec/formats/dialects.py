"""CSV dialects: named presets and the options that refine them.

    output csv excel-nl to "..."                       # a preset
    output csv delimiter ";" decimal comma bom to "..." # options
    output csv excel-nl lines lf to "..."              # a preset, one option changed

The default (no preset, no option) is RFC 4180: `,` between fields, a decimal point,
no byte order mark, fields quoted only when they must be, CRLF line ends.
"""

from __future__ import annotations

from collections.abc import Iterable

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:
    from typing import Any
  # the checker uses this module without loading the plan IR
    from ocpispec.plan.ir import CsvDialect

DEFAULTS: dict[str, Any] = {"delimiter": ",", "decimal": "point", "bom": False,
                            "quote": "minimal", "lines": "crlf"}
PRESETS: dict[str, dict[str, Any]] = {
    "rfc-4180": {},
    # Dutch and German Excel read `;` lists, decimal commas, and UTF-8 only with a BOM
    "excel-nl": {"delimiter": ";", "decimal": "comma", "bom": True},
    "excel-de": {"delimiter": ";", "decimal": "comma", "bom": True},
    # English-language Excel: commas and points, but still UTF-8 only with a BOM
    "excel-en": {"bom": True},
    "unix": {"lines": "lf"},
    "tab-separated": {"delimiter": "\t", "lines": "lf"},
}
PRESET_NOTES = {
    "rfc-4180": "`,`, decimal point, no BOM, CRLF (the default)",
    "excel-nl": "`;`, decimal comma, UTF-8 BOM, CRLF: Dutch Excel",
    "excel-de": "`;`, decimal comma, UTF-8 BOM, CRLF: German Excel",
    "excel-en": "`,`, decimal point, UTF-8 BOM, CRLF: English Excel",
    "unix": "`,`, decimal point, no BOM, LF",
    "tab-separated": "tab, decimal point, no BOM, LF",
}
CHOICES = {"decimal": ("point", "comma"), "quote": ("minimal", "all"),
           "lines": ("crlf", "lf")}
_FORBIDDEN_DELIMITERS = frozenset('"\r\n')


class DialectError(ValueError):
    """An option value the dialect cannot take; `option` names the option."""

    def __init__(self, option: str, message: str, choices: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.option, self.choices = option, choices


def settings(preset: str | None, options: Iterable[tuple[str, str | bool]]) -> dict[str, Any]:
    """The name and settings a preset and options describe (options override the
    preset, in order). Raises KeyError for an unknown preset and DialectError for a bad
    option value or a decimal comma between commas."""
    chosen = {**DEFAULTS, **PRESETS[preset or "rfc-4180"]}
    changed = False
    for name, value in options:
        validate_option(name, value)
        chosen[name] = value
        changed = True
    if chosen["delimiter"] == "," and chosen["decimal"] == "comma":
        raise DialectError("decimal", "a decimal comma needs a delimiter other than `,`")
    base = preset or "rfc-4180"
    return {"name": f"{base} (changed)" if changed else base, **chosen}


def dialect_from(preset: str | None, options: Iterable[tuple[str, str | bool]]) -> CsvDialect:
    """The plan's CsvDialect of a preset and options (see `settings`)."""
    from ocpispec.plan.ir import CsvDialect

    return CsvDialect(**settings(preset, options))


def validate_option(name: str, value: str | bool) -> None:
    if name == "delimiter":
        if not isinstance(value, str) or len(value) != 1 or value in _FORBIDDEN_DELIMITERS:
            raise DialectError(name, "the delimiter must be one character other than a "
                               "quote or a line break")
        if value.isalnum():  # it would split values (and quote every one holding it)
            raise DialectError(name, f"the delimiter `{value}` is a letter or digit, which "
                               "values are made of")
    elif name in CHOICES and value not in CHOICES[name]:
        raise DialectError(name, f"`{name}` takes one of {CHOICES[name]}", CHOICES[name])


def describe(dialect: CsvDialect) -> str:
    """`excel-nl: delimiter ";", decimal comma, BOM, quote minimal, CRLF`."""
    delimiter = "tab" if dialect.delimiter == "\t" else f'"{dialect.delimiter}"'
    return (f"{dialect.name}: delimiter {delimiter}, decimal {dialect.decimal}, "
            f"{'BOM' if dialect.bom else 'no BOM'}, quote {dialect.quote}, "
            f"{dialect.lines.upper()}")
