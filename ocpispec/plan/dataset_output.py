"""The last steps of a dataset: the projection or aggregation that shapes its rows, their
order and limit, and the render that writes them."""

from __future__ import annotations

from ocpispec import formats
from ocpispec.check.checked import CheckedDataset
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language import syntax
from ocpispec.plan import columns as cols
from ocpispec.plan import ir
from ocpispec.plan.drivers import DRIVER_WORDS, DRIVERS, ONE_TIME_WORDS
from ocpispec.plan.lower import Lowerer, quote

DEFAULT_MIN_GROUP_SIZE = 10


def body_step(checked: CheckedDataset, lowerer: Lowerer, source: SourceFile,
              pseudonym_scope: str) -> ir.Project | ir.Aggregate:
    body = checked.dataset.body
    if isinstance(body, syntax.Aggregate):
        return _aggregate(checked, body, lowerer, source, pseudonym_scope)
    released = tuple(cols.column(c, lowerer, source, pseudonym_scope) for c in checked.columns)
    expression = "{" + ", ".join(f"{quote(c.name)}: {c.expression}" for c in released) + "}"
    return ir.Project(f"project.{checked.module}", released, expression, body.span)


def _aggregate(checked: CheckedDataset, body: syntax.Aggregate, lowerer: Lowerer,
               source: SourceFile, pseudonym_scope: str) -> ir.Aggregate:
    module = checked.module
    keys = [c for c in checked.columns if c.column in body.keys]
    measures = [c for c in checked.columns if c.column in body.measures]
    entity = DRIVERS.get(module)
    counted_by = (f"distinct drivers (`{DRIVER_WORDS[module]}`, ids compared as "
                  f"pseudonyms compare them, {ONE_TIME_WORDS})" if entity else "records")
    size = body.min_group_size
    return ir.Aggregate(
        f"aggregate.{module}",
        tuple(cols.column(c, lowerer, source, pseudonym_scope) for c in keys),
        tuple(cols.measure(c, lowerer, source) for c in measures),
        size if size is not None else DEFAULT_MIN_GROUP_SIZE, size is not None,
        counted_by, entity, body.span,
        dominance=ir.Dominance(body.dominance.contributors, body.dominance.percent)
        if body.dominance is not None else None,
        round_counts=body.round_counts.base if body.round_counts is not None else None)


def order_steps(checked: CheckedDataset, name: str) -> list[ir.Step]:
    dataset = checked.dataset
    if dataset.order is None and dataset.limit is None:
        return []
    keys = tuple(ir.SortKey(key.name.name, key.descending)
                 for key in (dataset.order.keys if dataset.order else ()))
    span = dataset.order.span if dataset.order else dataset.limit.span
    if dataset.limit is not None:
        span = Span(span.start, dataset.limit.span.end)
    return [ir.Order(f"order.{name}", keys,
                     dataset.limit.count if dataset.limit else None, span)]


def render_step(checked: CheckedDataset) -> ir.Render:
    output = checked.dataset.output
    destination = output.destination.value if output.destination else None
    template = output.template.value if output.template else None
    digests = tuple(ir.TemplateDigest(path, sha256) for path, sha256 in checked.templates)
    compression = formats.describe(destination).compression if destination else None
    dialect = None
    base = formats.base_dialect(output.dialect.name if output.dialect else None,
                                destination) if output.format.name == "csv" else None
    if base is not None or output.options:
        dialect = formats.dialect_from(base, ((o.name, o.value) for o in output.options))
    return ir.Render(f"render.{output.format.name}", output.format.name, destination,
                     template, _geometry_column(checked), output.span, digests, compression,
                     dialect)


def _geometry_column(checked: CheckedDataset) -> str | None:
    """The column a map format draws: a rounded or gridded point, or a location's."""
    for column in checked.columns:
        expr = column.column.expr
        if isinstance(expr, syntax.Call) and expr.name.name in ("round_coords", "grid"):
            return column.name
        if any(field.field.object == "GeoLocation" for field in column.sources):
            return column.name
    return None
