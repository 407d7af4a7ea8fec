"""Static check of a custom output template: it sees only the render context.

The executor renders templates in a sandbox with exactly `rows`, `columns`, `export`
and `run`. Here the template (and every template it includes) is parsed, not
rendered: every variable it reads must be one of those, every attribute read from a
row must be a released column, and `export` and `run` offer only their documented keys.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import jinja2
import jinja2.meta
from jinja2 import nodes

from ocpispec import syntax
from ocpispec.checks.context import Context, backticked, did_you_mean
from ocpispec.diagnostics import error

CONTEXT = ("rows", "columns", "export", "run")
# The keys of `export` and `run`, as the executor fills them (see ocpispec.render).
KEYS = {"export": ("name", "consumer", "purpose", "legal_basis", "retention"),
        "run": ("date", "time", "timestamp", "window_start", "window_end", "ocpi_version",
                "plan_fingerprint")}
# Methods of a mapping a template may call to walk a row, `export` or `run`.
_MAPPING_METHODS = frozenset({"items", "keys", "values", "get"})


def check_template_file(path: Path, written: syntax.Text, columns: Sequence[str],
                        ctx: Context, seen: frozenset[Path] = frozenset()) -> None:
    if path in seen:
        return
    tree = _load(path, written, ctx)
    if tree is None:
        return
    where = f"`{path.name}`"
    _check_variables(tree, written, where, ctx)
    _check_keys(tree, written, where, ctx)
    _check_row_fields(tree, written, where, columns, ctx)
    for name in jinja2.meta.find_referenced_templates(tree):
        if name is None:
            _report(written, f"template {where} includes a template chosen at run time", ctx,
                    "cannot be checked", ["only includes with a constant file name are "
                                          "checked"], "name the included template literally",
                    "OCX405")
            continue
        included = path.parent / name
        if not included.is_file():
            _report(written, f"template {where} includes `{name}`, which does not exist", ctx,
                    "missing include", [f"looked for `{included.as_posix()}`"],
                    "fix the include, or create the template", "OCX402")
            continue
        check_template_file(included, written, columns, ctx, seen | {path})


def _load(path: Path, written: syntax.Text, ctx: Context) -> nodes.Template | None:
    try:
        return jinja2.Environment().parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        _report(written, f"template `{path.name}` cannot be read", ctx, "unreadable file",
                [type(exc).__name__], "save the template as UTF-8 text", "OCX402")
    except jinja2.TemplateSyntaxError as exc:
        _report(written, f"template `{path.name}` has a syntax error", ctx,
                "invalid Jinja template", [f"line {exc.lineno}: {exc.message}"],
                "fix the template; see the Jinja template documentation", "OCX404")
    return None


def _check_variables(tree: nodes.Template, written: syntax.Text, where: str,
                     ctx: Context) -> None:
    for name in sorted(jinja2.meta.find_undeclared_variables(tree) - set(CONTEXT)):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 0)
        guess = did_you_mean(name, CONTEXT)
        _report(written, f"template {where} reads `{name}`, which it is not given", ctx,
                "unknown template variable",
                [f"line {line}: `{name}`", f"a template sees only {backticked(CONTEXT)}"],
                f"did you mean `{guess}`?" if guess else "read the data through `rows`",
                "OCX405")


def _check_keys(tree: nodes.Template, written: syntax.Text, where: str, ctx: Context) -> None:
    for variable, keys in KEYS.items():
        for key, line in _reads(tree, variable):
            if key in keys or key in _MAPPING_METHODS:
                continue
            guess = did_you_mean(key, keys)
            _report(written, f"template {where} reads `{variable}.{key}`, which does not "
                    "exist", ctx, f"not a key of `{variable}`",
                    [f"line {line}: `{variable}.{key}`",
                     f"`{variable}` holds {backticked(keys)}"],
                    f"did you mean `{variable}.{guess}`?" if guess else
                    f"use one of the keys of `{variable}`", "OCX405")


def _check_row_fields(tree: nodes.Template, written: syntax.Text, where: str,
                      columns: Sequence[str], ctx: Context) -> None:
    for loop in tree.find_all(nodes.For):
        if not (isinstance(loop.iter, nodes.Name) and loop.iter.name == "rows"
                and isinstance(loop.target, nodes.Name)):
            continue
        row = loop.target.name
        for body in (*loop.body, *loop.else_):
            for name, line in _reads(body, row):
                if name in columns or name in _MAPPING_METHODS:
                    continue
                guess = did_you_mean(name, columns)
                _report(written, f"template {where} reads `{row}.{name}`, which is not a "
                        "released column", ctx, "not a column of this dataset",
                        [f"line {line}: `{row}.{name}`",
                         f"released columns are {backticked(columns)}"],
                        f"did you mean `{row}.{guess}`?" if guess else
                        "select the value as a column first", "OCX405")


def _reads(tree: nodes.Node, variable: str) -> Iterator[tuple[str, int]]:
    """Constant attribute and item reads on a variable: `row.kwh`, `row["kwh"]`."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if not (isinstance(node.node, nodes.Name) and node.node.name == variable):
            continue
        if isinstance(node, nodes.Getattr):
            yield node.attr, node.lineno
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            yield node.arg.value, node.lineno


def _report(written: syntax.Text, message: str, ctx: Context, label: str, notes: list[str],
            help: str, code: str) -> None:
    ctx.emit(error(code, message, written.span, label, notes=notes, help=help))
