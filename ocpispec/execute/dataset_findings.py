"""What a dataset's run tells besides its rows: the client's findings counted over
the run, the columns this OCPI version leaves empty, the joins it cannot match, and
the progress and platform errors as the CPO sees them."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from ocpispec.diagnostics import Diagnostic, Label
from ocpispec.execute.client import Client
from ocpispec.execute.policy import NOTHING_COMMITTED
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.plan import ir

PROGRESS_EVERY = 1000


def client_findings(client: Client) -> tuple[Counter[str], Counter[str]]:
    """The client's counts of values nulled for their type and of deviations read."""
    stats = getattr(client, "stats", None)
    return (Counter(getattr(stats, "invalid_fields", None) or {}),
            Counter(getattr(stats, "deviations", None) or {}))


def counts_unknown(client: Client) -> bool:
    """Whether the client counts unknown fields as it reads (the OCPI client does, in
    the same walk as its type checks): then the pipeline need not look again."""
    return isinstance(getattr(getattr(client, "stats", None), "unknown_fields", None), dict)


def unknown_fields(client: Client, module: str) -> Counter[str]:
    if not counts_unknown(client):
        return Counter()
    return Counter(getattr(client, "stats").unknown_fields.get(module, {}))


def absent_fields(dataset: ir.Dataset, version: str) -> list[str]:
    """Released columns that read a field this OCPI version does not have (a 2.1.1
    CDR's `total_cost.incl_vat`, a tariff's `type`): under `version auto` the check
    cannot know the platform's version, and the column is empty in this file."""
    modules = {"": dataset.module, **{join.alias: join.module
                                      for join in dataset.all(ir.Join)}}
    aggregate = dataset.step(ir.Aggregate)
    named = [(column.name, column.sources) for column in dataset.released_columns]
    named += [(measure.name, measure.sources) for measure in
              (aggregate.measures if aggregate is not None else ())]
    elements = {unnest.alias: unnest for unnest in dataset.all(ir.Unnest)}
    found = []
    for name, sources in named:
        absent = [source for source in sources
                  if _absent(dataset.module, modules, elements, source, version)]
        if absent and len(absent) == len(sources):
            found.append(f"column `{name}` is empty: OCPI {version} has no "
                         + ", ".join(f"`{source}`" for source in absent))
        elif absent:
            found.append(f"column `{name}` reads " + ", ".join(f"`{s}`" for s in absent)
                         + f", which OCPI {version} does not have (null)")
    return found + _absent_in_filter(dataset, modules, elements, version)


def _absent_in_filter(dataset: ir.Dataset, modules: dict[str, str],
                      elements: dict[str, ir.Unnest], version: str) -> list[str]:
    """The `where` is as blind as a column to a field the version lacks: it compares
    null, so `cdr_token.type = "RFID"` keeps no 2.1.1 record and `session_id is null`
    every one, which the summary named only as records filtered out."""
    from ocpispec.execute.filter_fields import filter_paths

    found = []
    for where in dataset.all(ir.Filter):
        absent = [".".join(path) for path in filter_paths(where.expression)
                  if _absent(dataset.module, modules, elements, ".".join(path), version)]
        if absent:
            found.append("`where` reads " + ", ".join(f"`{s}`" for s in absent)
                         + f", which OCPI {version} does not have: compared as null, "
                         "whatever the platform holds")
    return found


def _absent(own: str, modules: dict[str, str], elements: dict[str, ir.Unnest],
            source: str, version: str) -> bool:
    from ocpispec.schema import catalogue

    head, _, rest = source.partition(".")
    module, path = (modules[head], rest) if head in modules and rest else (own, source)
    parts = _element_path(source, elements) or tuple(path.split("."))
    return catalogue().resolve(module, parts).ok \
        and version not in catalogue().versions_of(module, parts)


def _element_path(source: str, elements: dict[str, ir.Unnest]) -> tuple[str, ...] | None:
    """The record's path of a field read from an `each` element (`component.vat` after
    `each elements as element` and `each element.price_components as component`:
    `elements.price_components.vat`); None for a field read otherwise."""
    head, _, rest = source.partition(".")
    if head not in elements or not rest:
        return None
    path = tuple(rest.split("."))
    while head in elements:
        unnest = elements[head]
        path, head = (*unnest.items, *path), unnest.parent
    return path if head == "" else None


def keyless_joins(dataset: ir.Dataset, version: str) -> list[str]:
    """Joins whose key the dataset's own records lack on this OCPI version (2.1.1
    sessions have no `cdr_token.uid`, 2.1.1 CDRs no `session_id`): they cannot match."""
    return [no_key(version, dataset.module, join.local_key, join.module)
            for join in keyless(dataset, version)]


def keyless(dataset: ir.Dataset, version: str) -> list[ir.Join]:
    from ocpispec.schema import catalogue

    return [join for join in dataset.all(ir.Join)
            if catalogue().resolve(dataset.module, join.local_key).ok
            and version not in catalogue().versions_of(dataset.module, join.local_key)]


def no_key(version: str, module: str, key: tuple[str, ...], joined: str) -> str:
    return (f"OCPI {version} `{module}` have no `{'.'.join(key)}`: joins to `{joined}` "
            "find no record (their fields are empty)")


def window_words(window: ResolvedWindow) -> str:
    start, end = window.date_from, window.date_to
    if start is None and end is None:
        return "all records"
    return f"{start or 'the first record'} to {end or 'now'}"


def reporting(records: Iterable[dict], name: str,
              report: Callable[[str, int], None]) -> Iterator[dict]:
    for count, record in enumerate(records, 1):
        if count % PROGRESS_EVERY == 0:
            report(name, count)
        yield record


def pointing_at(diagnostic: Diagnostic, step: ir.Fetch) -> Diagnostic:
    """A platform error, with a secondary label at the spec text of the failing fetch, and
    what it left: a run commits only when every dataset succeeded."""
    label = Label(step.origin, f"while running `{step.id}`", primary=False)
    notes = diagnostic.notes if NOTHING_COMMITTED in diagnostic.notes \
        else (*diagnostic.notes, NOTHING_COMMITTED)
    return dataclasses.replace(diagnostic, labels=(*diagnostic.labels, label), notes=notes)
