"""Read a `check` command line without click, or leave it to click (None).

Only lines whose meaning is certain are read here: `check`, then spec paths and the
options `--format`, `--max-errors` and `--color` (each at most once, as `--opt value` or
`--opt=value`, with a value click would accept), and `--` before paths that start with
a dash. Everything else returns None, so click reports it exactly as before.
"""

from __future__ import annotations

from ocpispec.frozen import frozen

# the choices of `check --format` and `--color` (tests/test_launch.py compares them with
# the click command's); spelled out so that `ocpispec --help` does not load the reports
FORMATS = ("full", "concise", "json", "sarif")
COLORS = ("auto", "always", "never")


@frozen
class CheckArguments:
    """A `check` command line (`@frozen`, not a named tuple: `namedtuple` compiles its
    `__new__` from source, and the first compile of a process costs a cold check a
    tenth of its instructions; tests/test_lazy_imports.py)."""

    specs: tuple[str, ...]
    fmt: str = "full"
    max_errors: int = 50
    color: str = "auto"


def check_arguments(argv: list[str]) -> CheckArguments | None:
    if not argv or argv[0] != "check":
        return None
    options: dict[str, str] = {}
    specs: list[str] = []
    rest = iter(argv[1:])
    for word in rest:
        if word == "--":
            specs.extend(rest)
            break
        if not word.startswith("-") or word == "-":
            specs.append(word)
            continue
        name, equals, value = word.partition("=")
        if name not in ("--format", "--max-errors", "--color") or name in options:
            return None
        if not equals:
            value = next(rest, None)  # type: ignore[assignment]
            if value is None:
                return None
        options[name] = value
    return _validated(specs, options)


def _validated(specs: list[str], options: dict[str, str]) -> CheckArguments | None:
    fmt = options.get("--format", "full")
    color = options.get("--color", "auto")
    max_errors = _positive(options.get("--max-errors", "50"))
    if not specs or fmt not in FORMATS or color not in COLORS or max_errors is None:
        return None
    return CheckArguments(tuple(specs), fmt, max_errors, color)


def _positive(text: str) -> int | None:
    if not text.isascii() or not text.strip().lstrip("+").isdigit():
        return None
    number = int(text)
    return number if number >= 1 else None
