"""Static check of a custom output template: it sees only the render context.

The executor renders templates in a sandbox with exactly `rows`, `columns`, `export`
and `run`. Here the template is parsed (not rendered) and every variable it reads
must be one of those; every attribute read from a row must be a released column.
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
# Methods of the row mapping a template may call to walk its columns.
_ROW_METHODS = frozenset({"items", "keys", "values", "get"})


def check_template_file(path: Path, written: syntax.Text, columns: Sequence[str],
                        ctx: Context) -> None:
    try:
        text = path.read_text(encoding="utf-8")
        tree = jinja2.Environment().parse(text)
    except (OSError, UnicodeDecodeError) as exc:
        _report(written, f"template `{written.value}` cannot be read", ctx, "unreadable file",
                [type(exc).__name__], "save the template as UTF-8 text", "OCX402")
        return
    except jinja2.TemplateSyntaxError as exc:
        _report(written, f"template `{written.value}` has a syntax error", ctx,
                "invalid Jinja template", [f"line {exc.lineno}: {exc.message}"],
                "fix the template; see the Jinja template documentation", "OCX404")
        return
    _check_variables(tree, written, ctx)
    _check_row_fields(tree, written, columns, ctx)


def _check_variables(tree: nodes.Template, written: syntax.Text, ctx: Context) -> None:
    for name in sorted(jinja2.meta.find_undeclared_variables(tree) - set(CONTEXT)):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 0)
        guess = did_you_mean(name, CONTEXT)
        _report(written, f"template `{written.value}` reads `{name}`, which it is not given",
                ctx, "unknown template variable",
                [f"line {line}: `{name}`", f"a template sees only {backticked(CONTEXT)}"],
                f"did you mean `{guess}`?" if guess else "read the data through `rows`",
                "OCX405")


def _check_row_fields(tree: nodes.Template, written: syntax.Text, columns: Sequence[str],
                      ctx: Context) -> None:
    for loop in tree.find_all(nodes.For):
        if not (isinstance(loop.iter, nodes.Name) and loop.iter.name == "rows"
                and isinstance(loop.target, nodes.Name)):
            continue
        for name, line in _row_reads(loop, loop.target.name):
            if name in columns or name in _ROW_METHODS:
                continue
            guess = did_you_mean(name, columns)
            _report(written, f"template `{written.value}` reads `{loop.target.name}.{name}`, "
                    "which is not a released column", ctx, "not a column of this dataset",
                    [f"line {line}: `{loop.target.name}.{name}`",
                     f"released columns are {backticked(columns)}"],
                    f"did you mean `{loop.target.name}.{guess}`?" if guess else
                    "select the value as a column first", "OCX405")


def _row_reads(loop: nodes.For, variable: str) -> Iterator[tuple[str, int]]:
    for body in (*loop.body, *loop.else_):
        for node in body.find_all((nodes.Getattr, nodes.Getitem)):
            if not (isinstance(node.node, nodes.Name) and node.node.name == variable):
                continue
            if isinstance(node, nodes.Getattr):
                yield node.attr, node.lineno
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                yield node.arg.value, node.lineno


def _report(written: syntax.Text, message: str, ctx: Context, label: str, notes: list[str],
            help: str, code: str) -> None:
    ctx.emit(error(code, message, written.span, label, notes=notes, help=help))
