"""Static check of a custom output template: where it comes from and what it reads.

The executor renders templates in a sandbox with exactly `rows`, `columns`, `export`
and `run`. Here the template and every template it includes, imports or extends is
located under the rules of `render/confine.py` (inside the spec's folder, no `..`, no
symlink out, a template suffix), read once, hashed for the plan, and parsed, not
rendered: every variable it reads must be one of those, every attribute read from a
row must be a released column, `export` and `run` offer only their documented keys,
and everything else it does must pass `template_policy.Policy`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from pathlib import Path

import jinja2
import jinja2.meta
from jinja2 import nodes

from ocpispec.language import syntax
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.template_attributes import tojson_in_attributes
from ocpispec.check.template_search import not_found_help
from ocpispec.check.template_policy import Policy, attribute_names, got_key
from ocpispec.diagnostics import error
from ocpispec.render import confine
from ocpispec.render.sandbox import FORBIDDEN_NAMES, MAPPING_METHODS, analysis_environment

CONTEXT = ("rows", "columns", "export", "run")
# The keys of `export` and `run`, as the executor fills them (see ocpispec.render).
KEYS = {"export": ("name", "consumer", "purpose", "legal_basis", "retention"),
        "run": ("date", "time", "timestamp", "window_start", "window_end", "ocpi_version",
                "plan_fingerprint")}
# Methods of a mapping a template may call to walk a row, `export` or `run`.
_MAPPING_METHODS = MAPPING_METHODS
_CONFINED_HELP = ("keep templates and everything they include in the spec's folder, as "
                  "regular files named `*.j2`, without `..` or symbolic links out of it")


def check_templates(written: syntax.Text, columns: Sequence[str],
                    ctx: Context) -> tuple[tuple[str, str], ...]:
    """Check the template a spec names and every template it loads; return the
    (path relative to the spec's folder, sha256) of each, sorted, for the plan."""
    root = confine.templates_root(Path(ctx.source.name).parent)
    try:
        main = confine.locate(root, "", written.value)
    except confine.ConfinementError as exc:
        _confinement(written, str(exc), ctx)
        return ()
    except FileNotFoundError:
        ctx.emit(error("OCX402", f"template file `{written.value}` not found", written.span,
                       "no such file",
                       notes=["template paths are relative to the spec's folder (or "
                              f"${confine.ROOT_VARIABLE}); looked for "
                              f"`{(root / written.value).as_posix()}`"],
                       help=not_found_help(root, written.value)))
        return ()
    except OSError as exc:
        _report(written, f"template `{written.value}` cannot be read", ctx, "unreadable file",
                [type(exc).__name__], "check the file's permissions", "OCX402")
        return ()
    walker = _Walker(root, posixpath.dirname(main.key), written, tuple(columns), ctx)
    walker.visit(main, ())
    return tuple(sorted(walker.digests.items()))


class _Walker:
    def __init__(self, root: Path, base: str, written: syntax.Text, columns: tuple[str, ...],
                 ctx: Context) -> None:
        self.root, self.base, self.written, self.columns, self.ctx = \
            root, base, written, columns, ctx
        self.digests: dict[str, str] = {}

    def visit(self, file: confine.TemplateFile, stack: tuple[str, ...]) -> None:
        written, ctx = self.written, self.ctx
        if file.key in stack:
            _report(written, f"template `{file.key}` includes itself", ctx, "include cycle",
                    [" -> ".join((*stack, file.key))], "break the cycle of includes",
                    "OCX414")
            return
        if file.key in self.digests:
            return
        if len(self.digests) >= confine.MAX_TEMPLATE_FILES:
            _report(written, f"the template loads more than {confine.MAX_TEMPLATE_FILES} "
                    "files", ctx, "too many templates", [f"at `{file.key}`"],
                    "merge some of the included templates", "OCX414")
            return
        tree = self._load(file)
        if tree is None:
            return
        where = f"`{file.key}`"
        refused = self._check_policy(tree, where)
        try:
            _check_variables(tree, written, where, ctx)
        except jinja2.TemplateSyntaxError as exc:  # an unknown filter or test, found by Jinja
            if not refused:  # else the policy has named it (OCX414), with the ones allowed
                _report(written, f"template {where} has an error", ctx,
                        "invalid Jinja template", [f"line {exc.lineno}: {exc.message}"],
                        "fix the template", "OCX404")
            return
        _check_keys(tree, written, where, ctx)
        _check_row_fields(tree, written, where, self.columns, ctx)
        for line in tojson_in_attributes(tree):
            _report(written, f"template {where} prints `tojson` inside a double-quoted "
                    "attribute", ctx, "not allowed in a template",
                    [f"line {line}", "`tojson` leaves the `\"` around its texts as they are, "
                     "so a platform's text ends the attribute and adds its own (an event "
                     "handler in the consumer's page)"],
                    "quote the attribute with `'` (`title='{{ row.name|tojson }}'`), where "
                    "`tojson` is safe, or print the value itself (`title=\"{{ row.name }}\"`), "
                    "which is escaped", "OCX414")
        for name in jinja2.meta.find_referenced_templates(tree):
            if name is not None:
                self._include(name, file, stack)

    def _include(self, name: str, parent: confine.TemplateFile, stack: tuple[str, ...]) -> None:
        try:
            child = confine.locate(self.root, self.base, name)
        except confine.ConfinementError as exc:
            _confinement(self.written, f"{exc} (loaded by `{parent.key}`)", self.ctx)
            return
        except FileNotFoundError:
            looked = posixpath.join(self.base, name)
            _report(self.written, f"template `{parent.key}` includes `{name}`, which does not "
                    "exist", self.ctx, "missing include", [f"looked for `{looked}`"],
                    "fix the include, or create the template", "OCX402")
            return
        except OSError as exc:
            _report(self.written, f"template `{name}` cannot be read", self.ctx,
                    "unreadable file", [type(exc).__name__], "check the file's permissions",
                    "OCX402")
            return
        self.visit(child, (*stack, parent.key))

    def _load(self, file: confine.TemplateFile) -> nodes.Template | None:
        written, ctx = self.written, self.ctx
        try:
            loaded = confine.read(file)
        except confine.ConfinementError as exc:
            _confinement(written, str(exc), ctx)
            return None
        except (OSError, UnicodeDecodeError) as exc:
            _report(written, f"template `{file.key}` cannot be read", ctx, "unreadable file",
                    [type(exc).__name__], "save the template as UTF-8 text", "OCX402")
            return None
        self.digests[file.key] = loaded.sha256
        ctx.templates.append((file.key, loaded.text, written.span))
        # parsed with every Jinja filter known, so the policy names a refused one
        environment = analysis_environment()
        try:
            tree = environment.parse(loaded.text)
        except jinja2.TemplateSyntaxError as exc:
            _report(written, f"template `{file.key}` has a syntax error", ctx,
                    "invalid Jinja template", [f"line {exc.lineno}: {exc.message}"],
                    "fix the template; see the Jinja template documentation", "OCX404")
            return None
        except (RecursionError, ValueError, MemoryError):
            _report(written, f"template `{file.key}` cannot be parsed", ctx,
                    "invalid Jinja template", ["it nests too deeply or holds a number "
                                               "too large to read"],
                    "simplify the template", "OCX404")
            return None
        try:
            environment.compile(tree)  # what Jinja generates from it must be valid Python
        except jinja2.TemplateSyntaxError:
            pass  # an unknown filter or test, or a name the compiler refuses: the policy names it
        except (SyntaxError, RecursionError, ValueError, MemoryError) as exc:
            _report(written, f"template `{file.key}` cannot be compiled", ctx,
                    "invalid Jinja template", [getattr(exc, "msg", type(exc).__name__)],
                    "simplify the template", "OCX404")
            return None
        return tree

    def _check_policy(self, tree: nodes.Template, where: str) -> int:
        """Report what the policy refuses; how many refusals."""
        rows = {loop.target.name for loop in tree.find_all(nodes.For)
                if isinstance(loop.iter, nodes.Name) and loop.iter.name == "rows"
                and isinstance(loop.target, nodes.Name)}
        keys = tuple(key for values in KEYS.values() for key in values)
        policy = Policy(attribute_names(self.columns, keys), frozenset({*self.columns, *keys}),
                        frozenset({*KEYS, *rows}))
        refusals = list(policy.refusals(tree))
        for refusal in refusals:
            _report(self.written, f"template {where} {refusal.what}", self.ctx,
                    "not allowed in a template", [f"line {refusal.line}"], refusal.help,
                    "OCX414")
        return len(refusals)


def _confinement(written: syntax.Text, reason: str, ctx: Context) -> None:
    ctx.emit(error("OCX413", "the template may not be read: " + reason, written.span,
                   "outside what a template may load",
                   notes=["a template is copied into the output, so it must come from the "
                          "spec's own folder"], help=_CONFINED_HELP))


def _check_variables(tree: nodes.Template, written: syntax.Text, where: str,
                     ctx: Context) -> None:
    unknown = jinja2.meta.find_undeclared_variables(tree) - set(CONTEXT) - FORBIDDEN_NAMES
    for name in sorted(unknown):
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
    """Constant attribute and item reads on a variable: `row.kwh`, `row["kwh"]`,
    `row.get("kwh")`."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node, nodes.Call):
            if (key := got_key(node)) is not None and isinstance(node.node.node, nodes.Name) \
                    and node.node.node.name == variable:
                yield key, node.lineno
            continue
        if not (isinstance(node.node, nodes.Name) and node.node.name == variable):
            continue
        if isinstance(node, nodes.Getattr):
            yield node.attr, node.lineno
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            yield node.arg.value, node.lineno


def _report(written: syntax.Text, message: str, ctx: Context, label: str, notes: list[str],
            help: str, code: str) -> None:
    ctx.emit(error(code, message, written.span, label, notes=notes, help=help))
