"""Released columns, aggregate measures, pseudonym families and the withheld list."""

from __future__ import annotations

from collections.abc import Iterator

from ocpispec.plan import ir
from ocpispec.check import private_sites
from ocpispec.language import syntax
from ocpispec.check.calls import calls_in
from ocpispec.check.checked import CheckedColumn, CheckedDataset, ResolvedField
from ocpispec.check.personal_literals import redacted_snippet
from ocpispec.language.characters import without_comments
from ocpispec.language.functions import ALIASES, Effect
from ocpispec.plan import measures
from ocpispec.plan.describe import describe
from ocpispec.plan.lower import Lowerer
from ocpispec.schema import catalogue
from ocpispec.schema.model import Kind, PrivacyClass
from ocpispec.diagnostics.source import SourceFile

def column(checked: CheckedColumn, lowerer: Lowerer, source: SourceFile,
           scope: str = "export") -> ir.Column:
    expr = checked.column.expr
    redacted = personal_hatch(checked)
    detail = without_comments(redacted_snippet(source, expr) if redacted
                              else source.snippet(expr.span))
    if isinstance(expr, syntax.Call) and ALIASES.get(expr.name.name, expr.name.name) == \
            "pseudonymize":
        detail += f"  [family `{lowerer.family(expr.args[0])}`{_period(lowerer)}]" \
            if expr.args else ""
    return ir.Column(
        name=checked.name, expression=lowerer.expr(expr),
        sources=tuple(dict.fromkeys(field.qualified for field in checked.sources)),
        treatment=checked.effect.value, detail=detail, privacy=checked.privacy.value,
        released_as=checked.released_as.value, justification=checked.justification,
        origin=checked.column.span, type=value_type(checked),
        description=describe(checked, scope), redacted=redacted)


def personal_hatch(checked: CheckedColumn) -> bool:
    """A column whose `jmespath(...)` reads a personal field: the values it compares
    with are blanked out where people read it (`check/personal_literals.py`)."""
    return checked.privacy in (PrivacyClass.PERSONAL, PrivacyClass.NEVER) and any(
        call.name.name == "jmespath" for call in calls_in(checked.column.expr))


_KIND_TYPES = {Kind.STRING: "string", Kind.ENUM: "string", Kind.URL: "string",
               Kind.NUMBER: "number", Kind.INTEGER: "integer", Kind.BOOLEAN: "boolean",
               Kind.DATETIME: "datetime"}


def value_type(checked: CheckedColumn) -> str:
    """The type a column's values have once released: pseudonyms are strings, `round`
    to whole numbers gives integers, coordinates are geopoints; `any` when the checker
    cannot tell (a `jmespath(...)` escape hatch)."""
    expr = checked.column.expr
    name = ALIASES.get(expr.name.name, expr.name.name) if isinstance(expr, syntax.Call) else None
    if checked.effect is Effect.PSEUDONYMISE:
        return "string"
    if name in ("round_coords", "grid") or (checked.kind is Kind.OBJECT and any(
            field.field.object == "GeoLocation" for field in checked.sources)):
        return "geopoint"
    if name == "count":
        return "integer"
    if name == "round" and checked.kind is Kind.NUMBER and _whole(expr):
        return "integer"
    if name == "jmespath":
        return _hatch_type(expr, checked.sources)
    return _KIND_TYPES.get(checked.kind, "any") if checked.kind is not None else "any"


# what a JMESPath expression gives whatever it reads, by its outermost node: a count of
# EVSEs (`length(evses)`) is a whole number, which Parquet and XLSX then hold as one
# (as text, Excel's SUM skipped it and Parquet readers saw strings)
_HATCH_FUNCTIONS = {"length": "integer", "contains": "boolean", "starts_with": "boolean",
                    "ends_with": "boolean", "join": "string", "type": "string",
                    "to_string": "string", "sum": "number", "avg": "number", "abs": "number",
                    "ceil": "number", "floor": "number", "to_number": "number"}
# functions that give one element of their list: the type of the field the list holds
# (the open-data spec's `max(evses[].connectors[].max_electric_power)`, a power in W)
_EXTREMES = frozenset({"max", "min"})


def _hatch_type(call: syntax.Call, sources: tuple[ResolvedField, ...] = ()) -> str:
    import warnings

    from jmespath.exceptions import JMESPathError
    from jmespath.parser import Parser

    text = call.args[0].value if call.args and isinstance(call.args[0], syntax.Literal) \
        else None
    if not isinstance(text, str):
        return "any"
    try:
        with warnings.catch_warnings():  # jmespath warns about its old literal syntax
            warnings.simplefilter("ignore")
            tree = Parser().parse(text).parsed
    except (JMESPathError, RecursionError):
        return "any"
    tree, defaults = _defaulted(tree)
    match tree.get("type"):
        case "function_expression" if tree.get("value") in _EXTREMES and not defaults:
            listed, listed_defaults = _defaulted(tree["children"][0]) if tree["children"] \
                else ({}, [])
            kind = _element_type({**tree, "children": [listed]}, sources)
            fits = all(isinstance(default, list) and all(_fits(item, kind) for item in default)
                       for default in listed_defaults)
            return kind if fits else "any"
        case "function_expression" if not defaults:
            return _HATCH_FUNCTIONS.get(tree.get("value"), "any")
        case "comparator" | "not_expression" if not defaults:
            return "boolean"
        case "field" | "subexpression" | "index_expression" | "pipe" if _one_value(tree):
            kind = _element_type(tree, sources, single=True)
            return kind if all(_fits(default, kind) for default in defaults) else "any"
    return "any"


def _defaulted(tree: dict) -> tuple[dict, list]:
    """`x || `[0]``: the expression before its literal defaults, and the defaults (the
    docs give a value that may be missing one, so `max(x || `[0]`)` keeps x's type)."""
    defaults = []
    while tree.get("type") == "or_expression" and len(tree["children"]) == 2 \
            and tree["children"][1].get("type") == "literal":
        defaults.append(tree["children"][1]["value"])
        tree = tree["children"][0]
    return tree, defaults


def _fits(value: object, kind: str) -> bool:
    """Whether a literal default is a value of a column of type `kind`."""
    match kind:
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        case "string":
            return isinstance(value, str)
        case "boolean":
            return isinstance(value, bool)
    return False


def _one_value(tree: dict) -> bool:
    """An expression that gives one value of a field, not a list of them: a path
    (`opening_times.twentyfourseven`), an index (`evses[0].uid`) or a pipe that ends in
    one (an NGO's energy price, `elements[].price_components[?type=='ENERGY'].price |
    [] | [0]`); a projection (`evses[].uid`) gives a list."""
    match tree.get("type"):
        case "field" | "subexpression" | "index_expression":
            return True
        case "pipe":
            return _one_value(tree["children"][-1])
    return False


def _element_type(tree: dict, sources: tuple[ResolvedField, ...], *,
                  single: bool = False) -> str:
    """The type of what `max(...)` or `min(...)` gives: that of the catalogue field its
    list holds (numbers or texts, as JMESPath requires), `any` when it is no one field.
    `single`: the expression gives the field's value itself, so a field that is a list
    (`facilities`) gives a list, of no one type."""
    from ocpispec.check.jmes import result_path

    path = result_path(tree)
    if path is None:
        return "any"
    found = [field for field in sources if field.qualified == ".".join(path)]
    if single and any(field.field.many for field in found):
        return "any"
    kinds = {field.field.kind for field in found}
    return _KIND_TYPES.get(kinds.pop(), "any") if len(kinds) == 1 else "any"


def _whole(call: syntax.Call) -> bool:
    """`round(x)` and `round(x, 0)` (or fewer decimals) give whole numbers."""
    if len(call.args) < 2:
        return True
    digits = call.args[1]
    return isinstance(digits, syntax.Literal) and isinstance(digits.value, (int, float)) \
        and not isinstance(digits.value, bool) and digits.value <= 0


def _period(lowerer: Lowerer) -> str:
    if lowerer.period is None:
        return ""
    scope, moment = lowerer.period
    return f", keyed by the {scope.removeprefix('per ')} of `{moment}`"


def measure(checked: CheckedColumn, lowerer: Lowerer,
            source: SourceFile | None = None) -> ir.Measure:
    expr = checked.column.expr
    sources = tuple(dict.fromkeys(field.qualified for field in checked.sources))
    redacted = source is not None and personal_hatch(checked)
    shown = without_comments(redacted_snippet(source, expr)) if redacted else None
    if not measures.is_simple(expr):
        parts, formula = measures.compose(expr, lowerer)
        written = without_comments(source.snippet(expr.span)) if source is not None else formula
        return ir.Measure(checked.name, "formula", None, sources, checked.released_as.value,
                          checked.column.span, checked.justification, _measure_type(checked),
                          describe(checked), parts=parts, formula=formula,
                          written=shown or written, redacted=redacted)
    assert isinstance(expr, syntax.Call)
    function = expr.name.name
    argument = lowerer.expr(expr.args[0]) if expr.args else None
    return ir.Measure(checked.name, function, argument, sources,
                      checked.released_as.value, checked.column.span, checked.justification,
                      value_type(checked), describe(checked), written=shown,
                      redacted=redacted)


def _measure_type(checked: CheckedColumn) -> str:
    """A composed measure is a number; `count(distinct x)` alone is a whole number."""
    expr = checked.column.expr
    if isinstance(expr, syntax.Call) and expr.distinct:
        return "integer"
    if isinstance(expr, syntax.Call) and expr.name.name == "round" and _whole(expr):
        return "integer"
    return "number"


# ---- withheld ---------------------------------------------------------------------------


def withheld(dataset: CheckedDataset, columns: tuple[CheckedColumn, ...]) -> tuple[ir.Withheld, ...]:
    """Every catalogue field of the module that no column releases, by privacy class
    (highest first): what default-deny keeps back. With private sites included, the
    fields that describe a site are listed as personal."""
    released = [field.path for column in columns for field in column.sources
                if field.binding == ""]
    released += [path for column in columns for field in column.sources if field.binding
                 for path in _record_paths(dataset, field.binding, field.path)]
    if dataset.spread is not None:  # its interval places every slot row, its value is split
        spread, aliases = dataset.spread, {each.alias for each in dataset.eaches}
        released += [path for qualified in (spread.value, spread.start, spread.end)
                     for path in (_record_paths(dataset, qualified[0], qualified[1:])
                                  if qualified[0] in aliases else [qualified])]
    groups: dict[PrivacyClass, list[str]] = {}
    for path, privacy in leaf_fields(dataset.module):
        if dataset.include_private and private_sites.describes_site(dataset.module, path):
            privacy = private_sites.site_class(privacy)
        if not any(path[: len(r)] == r or r[: len(path)] == path for r in released):
            groups.setdefault(privacy, []).append(".".join(path))
    order = sorted(groups, key=lambda c: -c.rank)
    return tuple(ir.Withheld(privacy.value, tuple(groups[privacy])) for privacy in order)


def _record_paths(dataset: CheckedDataset, binding: str, path: tuple[str, ...]
                  ) -> list[tuple[str, ...]]:
    """The record's fields an element's field reads (none for a join's): an element's
    own field (`period.start_date_time`) at its path in the record, a charging period's
    derived field (`period.energy_kwh`) as the fields it is computed from (its
    dimensions, the record's end...)."""
    from ocpispec import series

    each = next((each for each in dataset.eaches if each.alias == binding), None)
    if each is None or not path:
        return []
    name = path[0]
    if name not in each.derived:
        return [(*each.base, *path)]
    reads = [(*each.base, *read) for read in series.DERIVED_READS[name]]
    if name in ("duration", "end") and each.parent_end:
        reads.append(each.parent_end)
    return reads


def leaf_fields(module: str) -> Iterator[tuple[tuple[str, ...], PrivacyClass]]:
    """Neutral leaf paths of a module in catalogue order, with their effective class."""
    cat = catalogue()
    root = cat.root(module)
    yield from _leaves(cat, root.name, (), module, frozenset({root.name}))


def _leaves(cat, object_name: str, prefix: tuple[str, ...], module: str,
            seen: frozenset[str]) -> Iterator[tuple[tuple[str, ...], PrivacyClass]]:
    for field in cat.object(object_name).fields.values():
        path = (*prefix, field.name)
        if field.object and field.object not in seen:
            yield from _leaves(cat, field.object, path, module, seen | {field.object})
        else:
            resolution = cat.resolve(module, path)
            leaf = resolution.leaf
            yield path, leaf.privacy if leaf else field.privacy
