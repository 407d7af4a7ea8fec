"""`order by` and `limit`, and the names of datasets (`from sessions as weekly_sessions`).

`order by` sorts by released columns, of row exports and aggregates alike: it shows
nothing that is not in the file. `limit N` keeps the first N rows of an aggregate, and
only of its released groups (the executor applies it after the minimum group size has
suppressed the small ones). On a row export `limit` is refused (OCX232): the first rows
by a measure are the extremes of individuals (the longest session, the largest bill),
exactly the records that single a driver out.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.check.checked import CheckedColumn
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.diagnostics import Diagnostic, Label, Severity, error


def check_order(dataset: syntax.Dataset, columns: Sequence[CheckedColumn], ctx: Context) -> None:
    names = [column.name for column in columns]
    if dataset.order is not None:
        _check_keys(dataset.order, names, ctx, _by_source(columns), _written(dataset.body))
    if dataset.limit is not None:
        _check_limit(dataset, ctx)


# a direction as other languages write it, after the key it sorts
_DIRECTIONS = {"descending": "desc", "desc": "desc", "reverse": "desc", "reversed": "desc",
               "ascending": "asc", "asc": "asc"}


def _by_source(columns: Sequence[CheckedColumn]) -> dict[str, str]:
    """The released column of each field a single-field column reads, by the field's
    last segment and its dotted name (`city`, `location.city` -> `municipality`)."""
    found: dict[str, str] = {}
    for column in columns:
        if len(column.sources) == 1 and column.sources[0].path:
            field = column.sources[0]
            found.setdefault(field.path[-1], column.name)
            found.setdefault(field.qualified, column.name)
    return found


def _written(body: syntax.Aggregate | syntax.Select) -> frozenset[str]:
    """The names the spec gives its columns, those whose expression is in error too (an
    error of their own): `order by` names them without an error of its own."""
    written = [*body.keys, *body.measures] if isinstance(body, syntax.Aggregate) \
        else list(body.columns)
    return frozenset(column.alias.name if column.alias is not None else column.expr.path[-1]
                     for column in written
                     if column.alias is not None or isinstance(column.expr, syntax.FieldRef))


def _check_keys(order: syntax.OrderBy, names: list[str], ctx: Context,
                sources: dict[str, str], written: frozenset[str] = frozenset()) -> None:
    seen: dict[str, syntax.OrderKey] = {}
    previous: syntax.OrderKey | None = None
    keys = list(order.keys)
    for index, key in enumerate(keys):
        name = key.name.name
        if name.lower() == "nulls" and name not in names and index + 1 < len(keys) \
                and keys[index + 1].name.name.lower() in ("first", "last"):
            ctx.emit(_nulls_placed(key, keys[index + 1]))
            previous = None
            continue
        if index and name.lower() in ("first", "last") \
                and keys[index - 1].name.name.lower() == "nulls" and name not in names:
            continue  # said with its `nulls`
        direction = _DIRECTIONS.get(name.lower())
        if direction is not None and name not in names and previous is not None \
                and not previous.descending:
            ctx.emit(error("OCX234", f"`{name}` is written `{direction}`",
                           previous.span.to(key.span), "a direction, not a column",
                           help=f"write `{previous.name.name} {direction}`"))
            previous = None
            continue
        previous = key
        if name in seen:
            ctx.emit(Diagnostic("OCX234", Severity.ERROR, f"`{name}` is in `order by` twice",
                                (Label(key.span, "again"), Label(seen[name].span, "first here",
                                                                 False)),
                                help=f"keep one `{name}`"))
        elif name not in names and name not in written:
            guess = sources.get(name) or did_you_mean(name, names)
            ctx.emit(error("OCX234", f"`{name}` is not a released column", key.name.span,
                           "not a column of this dataset",
                           notes=[f"`order by` sorts by the names of released columns: "
                                  f"{backticked(names)}"],
                           help=f"write `{guess}`" if guess else
                           "name a column, or give the expression a name with `as` and "
                           "order by that"))
        seen.setdefault(name, key)


def _nulls_placed(nulls: syntax.OrderKey, where: syntax.OrderKey) -> Diagnostic:
    """SQL's `nulls last` (or `nulls first`) after a key, read as two more keys."""
    written = f"nulls {where.name.name.lower()}"
    return error("OCX014", f"`{written}` is SQL, not part of the spec language",
                 nulls.span.to(where.span), "where empty values sort",
                 notes=["empty values come last in `order by`, ascending or descending"],
                 help=f"leave `{written}` out" + (
                     "" if written == "nulls last" else
                     "; the consumer puts the empty values first when reading the file"))


def _check_limit(dataset: syntax.Dataset, ctx: Context) -> None:
    limit = dataset.limit
    if isinstance(dataset.body, syntax.Select):
        ctx.emit(error("OCX232", "`limit` is for aggregates, not row exports", limit.span,
                       "would release the first rows of individuals",
                       notes=["the first rows by a column are the extremes of individuals: the "
                              "longest session, the largest bill, the earliest driver; those "
                              "are the records that single a person out",
                              "a top N of an aggregate is taken from released groups only, "
                              "after the minimum group size"],
                       help=_top_groups(dataset, ctx) or
                       "group the rows and take the top groups (`group by ... compute "
                       "... order by ... limit N`); for a sample of rows run `ocpispec "
                       "run SPEC --limit N`"))
    elif limit.count < 1:
        ctx.emit(error("OCX232", "`limit 0` releases nothing", limit.span, "no rows",
                       help="write `limit 1` or more, or leave the dataset out"))
    elif dataset.order is None:
        ctx.emit(error("OCX232", "`limit` without `order by` keeps arbitrary groups",
                       limit.span, "which groups?",
                       notes=["the order groups are found in depends on the platform's pages"],
                       help="say which groups come first: `order by COLUMN desc` before it"))


def check_dataset_names(datasets: Sequence[syntax.Dataset], ids: Sequence[str],
                        ctx: Context) -> None:
    """OCX233: two datasets with one name (given with `as`, or the module-based id)."""
    seen: dict[str, syntax.Dataset] = {}
    for dataset, name in zip(datasets, ids):
        if name in seen:
            first = seen[name]
            ctx.emit(Diagnostic(
                "OCX233", Severity.ERROR, f"two datasets are named `{name}`",
                (Label(_name_span(dataset), "second dataset with this name"),
                 Label(_name_span(first), "first one", False)),
                notes=["the name keys the `since last run` state, the run history, the "
                       "manifests and the `--out` file names, so it must be unique"],
                help=f"name one of them differently: `from {dataset.source.module.name} as "
                     f"{dataset.source.module.name}_2`"))
        seen.setdefault(name, dataset)


def _name_span(dataset: syntax.Dataset):
    source = dataset.source
    return source.name.span if source.name is not None else source.module.span


def _top_groups(dataset: syntax.Dataset, ctx: Context) -> str | None:
    """A top N of locations or tariffs (the ten dearest ad hoc prices), which have no
    drivers: its rows as groups of one, each released (`minimum group size 1`, which a
    dataset of public fields takes without a warning), then ordered and cut."""
    module = dataset.source.module.name
    if module not in ("locations", "tariffs") or dataset.order is None \
            or not isinstance(dataset.body, syntax.Select):
        return None
    keys = " ".join(ctx.source.snippet(column.span) for column in dataset.body.columns)
    return (f"a {module} dataset has no drivers: make each row a group and take the top "
            f"groups, `group by {keys} compute count() as {module} minimum group size 1 "
            f"{ctx.source.snippet(dataset.order.span)} {ctx.source.snippet(dataset.limit.span)}`"
            " (one column a line reads best)")
