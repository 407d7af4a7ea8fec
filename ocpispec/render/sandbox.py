"""The sandbox custom templates render in, and the vocabulary they may use.

`ocpispec check` refuses statically (see `check/template_policy.py`) everything a
template may not do; this environment refuses it again at run time, so a template
that slipped past the check still reaches nothing but its context:

- no globals (`range`, `lipsum`, `cycler`, `joiner`, `namespace`, `dict` are gone),
  only the filters and tests listed here;
- attributes only from a short list (row keys are items, not attributes) and the
  macros of an imported template, never one starting with `_`;
- only macros and the mapping methods `items`, `keys`, `values`, `get` are callable
  (no `str.format`, no `loop(...)`, no `loop.cycle`);
- `**` is refused, `%` on a string is refused, `*` may not build a sequence longer
  than MAX_SEQUENCE nor a number of more than 10,000 bits, no `+`, `~` or filter may
  build a text or list ten times that long, width-like filter arguments are bounded,
  and a `format` may not take its width from its arguments or exceed MAX_WIDTH; what a
  step would build is weighed before it is built (`sizes.py`), since one step can
  multiply (`s|replace("x", s)`, `[s] * 1000|join`);
- `{{ ... }}` prints only data (text, numbers, lists, mappings), never an object, and
  nothing longer than the limit;
- templates load only through `ConfinedLoader` (see `confine.py`).

The vocabulary is in `sandbox_vocabulary`, the compiler's refusals in `sandbox_codegen`,
the bounds in `sandbox_bounds`, what may be printed in `sandbox_printing`, the loader in
`sandbox_loader`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2.environment import TemplateModule
from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext, Macro, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing, object_type_repr

from ocpispec.render.decimal_round import decimal_format, decimal_round
from ocpispec.render.sandbox_bounds import (bounded_filter, product_size, refuse_above,
                                            weighed_result, within_bounds)
from ocpispec.render.sandbox_codegen import RefusingCodeGenerator
# ConfinedLoader and the vocabulary: other modules import them from here
from ocpispec.render.sandbox_loader import ConfinedLoader  # noqa: F401
from ocpispec.render.sandbox_printing import (MacroText, markdown_printable, markup_printable,
                                              printable, spreadsheet_printable)
from ocpispec.render.sandbox_vocabulary import (  # noqa: F401
    FILTERS,
    FORBIDDEN_NAMES,
    GROUP_ATTRIBUTES,
    LOOP_ATTRIBUTES,
    MAPPING_METHODS,
    MAX_SEQUENCE,
    MAX_TEXT,
    MAX_WIDTH,
    SAFE_ATTRIBUTES,
    TEMPLATE_PREFIX,
    TESTS,
    GroupTuple,
)
from ocpispec.render.sizes import product_too_large, weight
from ocpispec.render.values import cell, json_output


class ReportSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = RefusingCodeGenerator

    def weighed(self, value: Any) -> Any:
        refuse_above("a list or mapping written in the template", weight(value, MAX_TEXT))
        return value

    def bounded_concat(self, markup: bool, parts: tuple[Any, ...]) -> Any:
        refuse_above("`~`", weight(parts, MAX_TEXT))
        return within_bounds("`~`", (markup_join if markup else str_join)(parts))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`a.name` (only a template's own text compiles to this): a miss names it."""
        value = super().getattr(obj, attribute)
        if isinstance(value, ReportUndefined):
            return jinja2.StrictUndefined(value._undefined_hint, obj, attribute,
                                          value._undefined_exception)
        return value

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        match obj:
            case LoopContext():
                allowed = attr in LOOP_ATTRIBUTES
            case GroupTuple():
                allowed = attr in GROUP_ATTRIBUTES
            case Mapping():
                allowed = attr in MAPPING_METHODS
            case TemplateModule():
                allowed = isinstance(value, Macro)
            case _:
                allowed = False
        return allowed and super().is_safe_attribute(obj, attr, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if not (isinstance(__obj, Macro) or _is_mapping_method(__obj)):
            raise SecurityError("a template may call only its macros and `items`, `keys`, "
                                "`values`, `get`")
        done = super().call(__context, __obj, *args, **kwargs)
        # a macro's text is the template's, its printed values escaped as it ran
        return MacroText(done) if isinstance(__obj, Macro) and done.__class__ is str else done

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("`**` is not allowed in a template")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("`%` string formatting is not allowed; use "
                                "`\"%.1f\"|format(value)` with a literal format")
        if operator == "*" and product_size(left, right) > MAX_SEQUENCE:
            raise SecurityError(f"`*` would build a sequence longer than {MAX_SEQUENCE:,}")
        if operator == "*" and product_too_large(left, right):
            raise SecurityError("`*` would build a number of more than 10,000 bits")
        if operator in ("*", "+"):
            refuse_above(f"`{operator}`", weighed_result(operator, left, right))
        return within_bounds(f"`{operator}`",
                              super().call_binop(context, operator, left, right))


class ReportUndefined(jinja2.StrictUndefined):
    """A missing key or attribute, named in the error only when it is a name a template
    may write (`shown`: columns, keys of `export` and `run`, loop attributes): a name
    computed from a row (`export[row.city]`, `row.city[other]`) would carry the row's
    value into the error, the run summary and the logs."""

    __slots__ = ()
    shown: frozenset[str] = frozenset()

    @property
    def _undefined_message(self) -> str:
        name, holder = self._undefined_name, self._undefined_obj
        if holder is missing or (isinstance(name, str) and name in self.shown) \
                or (type(name) is int and isinstance(holder, list | tuple)):
            return super()._undefined_message  # a variable's name is the template's own
        return (f"{object_type_repr(holder)!r} has no key or attribute of the name the "
                "template computed (not shown: it may be a row's value)")


def undefined_showing(names: frozenset[str]) -> type[ReportUndefined]:
    """`ReportUndefined` that names `names` (and the loop and mapping attributes)."""
    return type("ReportUndefined", (ReportUndefined,),
                {"__slots__": (), "shown": names | SAFE_ATTRIBUTES})


def sandbox_environment(loader: jinja2.BaseLoader | None = None,
                        autoescape: bool = False,
                        names: frozenset[str] = frozenset(),
                        markdown: bool = False, spreadsheet: bool = False) -> ReportSandbox:
    """The environment custom templates are parsed and rendered in; `names`: the
    attribute names an error may show (the render context's columns and keys);
    `markdown`: the template writes Markdown, so the texts it prints are escaped as
    the built-in `markdown` format escapes them; `spreadsheet`: it writes CSV, so a
    text it prints that Excel would run gets the `'` the built-in `csv` format gives it."""
    finalize = markdown_printable if markdown else \
        spreadsheet_printable if spreadsheet else markup_printable if autoescape else \
        printable
    environment = ReportSandbox(loader=loader, undefined=undefined_showing(names),
                                autoescape=autoescape, keep_trailing_newline=True,
                                optimized=False, finalize=finalize)
    environment.globals.clear()
    filters = dict(environment.filters, json=json_output, cell=cell, round=decimal_round,
                   format=decimal_format)
    environment.filters = {name: bounded_filter(name, filters[name]) for name in FILTERS}
    environment.tests = {name: environment.tests[name] for name in TESTS}
    return environment


def analysis_environment() -> ReportSandbox:
    """The environment `check` parses and compiles templates with: every Jinja filter
    and test known (so a refused one is named, not a syntax error), but nothing folded
    at compile time that could be large (`'x' * 10**9`, `'x'|center(10**9)`)."""
    environment = ReportSandbox(optimized=False)
    # ocpispec's own filters too, or a template using them fails to compile (OCX404)
    filters = dict(environment.filters, json=json_output, cell=cell)
    environment.filters = {name: bounded_filter(name, function)
                           for name, function in filters.items()}
    return environment


def _is_mapping_method(obj: Any) -> bool:
    owner = getattr(obj, "__self__", None)
    return isinstance(owner, Mapping) and getattr(obj, "__name__", None) in MAPPING_METHODS
