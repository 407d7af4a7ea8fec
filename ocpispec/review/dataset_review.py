"""A dataset's part of the review: where its records come from, what filters and
joins them, where the result goes, and each column it releases."""

from __future__ import annotations

from ocpispec.check.checked import CheckedColumn, CheckedDataset, CheckedSpec
from ocpispec.language import syntax
from ocpispec.language.characters import without_comments
from ocpispec.plan import ir
from ocpispec.review import words
from ocpispec.review.destination_words import local_place
from ocpispec.review.group_protection import group_protection
from ocpispec.review.model import DatasetReview, FilterItem, Flow, WithheldGroup
from ocpispec.review.released_columns import released_column, unjustified_codes
from ocpispec.text import code_span


def dataset_review(checked: CheckedDataset, dataset: ir.Dataset, spec: CheckedSpec,
                   scope: str) -> DatasetReview:
    body = checked.dataset.body
    counted = words.row_words(dataset)
    columns = tuple(released_column(column, _role(column, body), scope, dataset.module,
                                    unjustified_codes(column, spec), counted)
                    for column in checked.columns)
    withheld = tuple(WithheldGroup(group.privacy, group.fields) for group in dataset.withheld)
    shown = [name for column in columns for name in (column.privacy_before,
                                                     column.privacy_after)]
    return DatasetReview(dataset.name, _flow(checked, dataset, spec), columns, withheld,
                         group_protection(dataset.step(ir.Aggregate)),
                         classes=words.class_legend(shown))


def _role(column: CheckedColumn, body: syntax.Select | syntax.Aggregate) -> str:
    if isinstance(body, syntax.Aggregate):
        return "group key" if column.column in body.keys else "measure"
    return "column"


def _flow(checked: CheckedDataset, dataset: ir.Dataset, spec: CheckedSpec) -> Flow:
    privacy: ir.PrivacyFilter | None = dataset.step(ir.PrivacyFilter)
    render: ir.Render = dataset.step(ir.Render)
    return Flow(
        module=dataset.module, module_words=words.MODULES.get(dataset.module, dataset.module),
        joins=tuple(words.join_words(join, dataset.module) for join in dataset.all(ir.Join)),
        window=words.window_words(dataset.step(ir.Fetch).window),
        filters=_filters(checked, spec),
        private_locations=words.privacy_filter_words(privacy) if privacy else "not applicable",
        private_locations_justification=privacy.justification if privacy else None,
        destination=_destination(render),
        template_pins=tuple((pin.path, pin.sha256) for pin in render.templates),
        rows=_sampled(dataset) + words.series_words(dataset), top=_top(dataset.step(ir.Order)),
        template_texts=_template_texts(render, spec))


def _template_texts(render: ir.Render, spec: CheckedSpec) -> tuple[tuple[str, str], ...]:
    """The text of each template file the plan pinned, hidden characters shown as their
    code points: a template writes its own words into the consumer's file, which the
    officer signs only by a sha256 otherwise."""
    if not render.templates:
        return ()
    from pathlib import Path

    from ocpispec.render import confine
    from ocpispec.render.values import shown_text

    root = confine.templates_root(Path(spec.source.name).parent)
    texts = []
    for pin in render.templates:
        try:
            found = confine.read(confine.locate(root, "", pin.path))
        except (OSError, ValueError):  # changed since the check: the run refuses it too
            texts.append((pin.path, "(the file cannot be read as it was checked)"))
            continue
        texts.append((pin.path, shown_text(found.text) if found.sha256 == pin.sha256 else
                      "(the file changed since the check: review it again)"))
    return tuple(texts)


def _top(order: ir.Order | None) -> str:
    """A top N in words: the limit decides which groups leave."""
    if order is None or order.limit is None:
        return ""
    keys = ", ".join(f"`{key.column}`{' (highest first)' if key.descending else ' (lowest first)'}"
                     for key in order.keys)
    return (f"only the first {order.limit} groups by {keys} are released, chosen among the "
            "groups that pass the minimum group size")


def _sampled(dataset: ir.Dataset) -> tuple[str, ...]:
    """`sample 10%`: a share of the records, the same on every run."""
    return tuple(f"{step.sample}: drawn with the pseudonym key, so the same records on "
                 "every run, and the consumer cannot tell which ones"
                 for step in dataset.all(ir.Filter) if step.sample)


def _filters(checked: CheckedDataset, spec: CheckedSpec) -> tuple[FilterItem, ...]:
    wheres = checked.dataset.source.wheres
    if not wheres:
        return ()
    found = checked.filter
    condition = found.reviewed if found is not None and found.reviewed else \
        " and ".join(without_comments(spec.source.snippet(where.condition.span))
                     for where in wheres)
    reads = tuple((read.field, read.privacy.value) for read in found.reads) if found else ()
    return (FilterItem(condition, reads, found.justification if found else None),)


def _destination(render: ir.Render) -> str:
    target = _target(render.destination)
    if render.template:
        form = f"{target}, rendered by the custom template {code_span(render.template)}"
    else:
        form = f"{target}, as {render.format.upper() if render.format != 'ndjson' else 'NDJSON'}"
    if not render.destination:
        return (f"{form}: the spec does not say where the data ends up, and no manifest goes "
                "with it")
    # what also leaves with every file (docs/outputs.md): no value of a record, but the
    # officer signs everything the consumer receives
    return (f"{form}; beside it `.manifest.json` (the export's header, window, columns, "
            "filters, every written justification as it stands in the spec, withheld "
            "fields and the file's sha256) and `.datapackage.json` (each column's type and "
            "description)")


def _target(destination: str | None) -> str:
    """Where the data goes, in words an officer reads: whose machine, which service."""
    if not destination:
        return ("the standard output of whoever runs the export (their terminal, or "
                "wherever they send it)")
    scheme = destination.split("://", 1)[0].lower() if "://" in destination else ""
    service = {"sftp": "an SFTP server", "s3": "S3-compatible object storage"}.get(scheme)
    if service is None:
        return (f"the file {code_span(destination)} on the machine that runs the export"
                f"{local_place(destination)}")
    return (f"uploaded to {service}, {code_span(destination)} (its host, user or endpoint "
            "may come from a destination profile outside the spec: `ocpispec approve` "
            "records where it connects)")
