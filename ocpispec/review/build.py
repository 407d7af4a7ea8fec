"""The review model from a checked spec and its plan (no network, deterministic)."""

from __future__ import annotations

import dataclasses
import hashlib

from ocpispec.plan.margins import margin_keys
from ocpispec import __version__
from ocpispec.language import syntax
from ocpispec.language.functions import PSEUDONYMOUS, Effect
from ocpispec.schema.model import PrivacyClass
from ocpispec.plan import ir
from ocpispec.check.calls import calls_in
from ocpispec.check.checked import CheckedColumn, CheckedDataset, CheckedSpec
from ocpispec.check.personal_literals import redacted_jmespath
from ocpispec.plan.columns import personal_hatch
from ocpispec.language.characters import without_comments
from ocpispec.diagnostics import Diagnostic
from ocpispec.render.plan_text import describe_connection
from ocpispec.review import words
from ocpispec.review.destination_words import local_place
from ocpispec.text import code_span
from ocpispec.review.model import (
    ApprovalReview,
    DatasetReview,
    FilterItem,
    Fingerprints,
    Flow,
    HeaderItem,
    Protection,
    ReleasedColumn,
    Review,
    Sample,
    SourceField,
    WarningItem,
    WithheldGroup,
)
from ocpispec.review.risk import DRIVER_WORDS, risk_review

MISSING = "(not stated)"


def review(checked: CheckedSpec, plan: ir.Plan, *, sample: Sample | None = None,
           history: list[dict] | None = None,
           approval: ApprovalReview | None = None) -> Review:
    """`history`: the export's runs from the ledger (oldest first), for the measured
    risk; None or [] shows every dataset as not yet measured. `approval`: the approval
    section (`review.approval`); None shows none."""
    datasets = tuple(dataclasses.replace(_dataset(c, p, checked, plan.export.pseudonym_scope),
                                         risk=risk_review(plan, p, history or []))
                     for c, p in zip(checked.datasets, plan.datasets))
    spec_sha256 = hashlib.sha256(checked.source.text.encode()).hexdigest()
    return Review(
        spec=plan.spec, export=plan.export.name, header=_header(plan), datasets=datasets,
        warnings=tuple(_warning(d, checked) for d in checked.warnings),
        fingerprints=Fingerprints(plan=plan.fingerprint, spec_sha256=spec_sha256,
                                  privacy_fingerprint=plan.privacy_fingerprint),
        tool_version=__version__, sample=sample, approval=approval)


# ---- header ---------------------------------------------------------------------------


def _header(plan: ir.Plan) -> tuple[HeaderItem, ...]:
    export = plan.export
    basis = export.legal_basis
    if basis and export.legal_reference:
        basis = f"{basis} ({export.legal_reference})"
    elif basis:  # the officer checks the basis against what it rests on: say it is not named
        basis = (f"{basis} (not stated: the law, agreement, consent record or balancing "
                 "test it rests on)")
    items = [("export", export.name), ("consumer", export.consumer),
             ("purpose", export.purpose), ("legal basis", basis),
             ("retention", export.retention)]
    header = [HeaderItem(label, value or MISSING, value is None) for label, value in items]
    if export.licence:  # goes into every data package: what others may do with the data
        header.append(HeaderItem("licence", export.licence))
    header += [HeaderItem("schedule", _schedule(export), verbatim=False),
               HeaderItem("source", _source(plan.source), verbatim=False),
               HeaderItem("pseudonyms", _pseudonyms(plan), verbatim=False)]
    return tuple(header)


def _schedule(export: ir.Export) -> str:
    if export.schedule is None:
        return "none: run by hand or by the CPO's own scheduler"
    return f"{export.schedule} (cron `{export.cron}`)" if export.cron else export.schedule


def _source(source: ir.SourceSpec) -> str:
    version = f"OCPI {source.version}" if source.version not in (None, "auto") \
        else "the newest OCPI version both sides speak"
    if source.profile:
        return f"the CPO's OCPI platform, login stored as profile `{source.profile}`; {version}"
    return f"the CPO's OCPI platform ({', '.join(describe_connection(source))}); {version}"


def _pseudonyms(plan: ir.Plan) -> str:
    key = plan.pseudonym_key
    if key is None:
        return "none: the export pseudonymises nothing, so it needs no key"
    if not any(dataset.releases_pseudonyms for dataset in plan.datasets):
        # a count of distinct ids leaves as a number: nothing links records
        return (f"none released: no column is a pseudonym, so nothing links records across "
                f"rows or deliveries; the key ({key.kind} `{key.name}`, never shown or "
                "delivered) serves only to count different ids, where a measure does")
    return (f"keyed HMAC-SHA-256 with a key the CPO keeps ({key.kind} `{key.name}`, never "
            f"shown or delivered), separate for this export and consumer; "
            f"{words.scope_words(plan.export.pseudonym_scope)}")


# ---- datasets -------------------------------------------------------------------------


def _dataset(checked: CheckedDataset, dataset: ir.Dataset, spec: CheckedSpec,
             scope: str) -> DatasetReview:
    body = checked.dataset.body
    counted = words.row_words(dataset)
    columns = tuple(_column(column, _role(column, body), scope, dataset.module,
                            _unjustified(column, spec), counted)
                    for column in checked.columns)
    withheld = tuple(WithheldGroup(group.privacy, group.fields) for group in dataset.withheld)
    shown = [name for column in columns for name in (column.privacy_before,
                                                     column.privacy_after)]
    return DatasetReview(dataset.name, _flow(checked, dataset, spec), columns, withheld,
                         _protection(dataset.step(ir.Aggregate)),
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


def _column(column: CheckedColumn, role: str, scope: str, module: str,
            unjustified: tuple[str, ...], counted: str) -> ReleasedColumn:
    sources = tuple(SourceField(field.qualified, _described(field, column),
                                field.privacy.value)
                    for field in dict.fromkeys(column.sources))
    before = column.privacy.value if column.sources else "none (reads no field)"
    return ReleasedColumn(column.name, role, sources,
                          _words(column, scope, module, counted),
                          before, _released(column), column.justification, unjustified)


def _described(field, column: CheckedColumn) -> str:
    """The field's meaning; for an object read whole, every field of it that leaves:
    `to_string(cdr_token)` said only "the token used" beside a justification about
    the card's uid, while its contract id, type and issuer left with it."""
    if field.qualified not in column.whole:
        return field.field.doc
    from ocpispec.schema import catalogue

    leaves = [path for path, inner in _leaves(catalogue(), field.field.object, ())]
    if not leaves:
        return field.field.doc
    return f"{field.field.doc}; read whole, so all of it leaves: {', '.join(leaves)}"


def _leaves(cat, object_name: str, seen: tuple[str, ...]):
    if object_name in seen:
        return
    for name, inner in cat.object(object_name).fields.items():
        if inner.object:
            for path, leaf in _leaves(cat, inner.object, (*seen, object_name)):
                yield f"{name}.{path}", leaf
        else:
            yield name, inner


def _words(column: CheckedColumn, scope: str, module: str, counted: str) -> str:
    """The transformation in words; the values a `jmespath(...)` compares personal
    fields with are blanked out, as in a filter."""
    text = words.transformation(column.column.expr, scope, module, counted) + _card_words(column)
    if not personal_hatch(column):
        return text
    for call in calls_in(column.column.expr):
        if call.name.name == "jmespath" and call.args and \
                isinstance(call.args[0], syntax.Literal) and isinstance(call.args[0].value, str):
            text = text.replace(code_span(call.args[0].value),
                                code_span(redacted_jmespath(call.args[0].value)))
    return text


def _card_words(column: CheckedColumn) -> str:
    """For a record's own id released as it is (`id as reference because "..."`), or one
    of its public ids (`location_id as site`, `evse_uid`), that the run nulls one holding
    the driver's card (`execute/shown_own_ids.py`, `execute/shown_public_ids.py`): some
    platforms build it from the card, so the officer reads that the column may be empty."""
    from ocpispec.schema.own_ids import own_id_fields, shown_public_ids

    if column.aggregate or column.effect is Effect.PSEUDONYMISE:
        return ""
    for field in column.sources:
        path = (*field.base, *field.path)
        if column.released_as is PrivacyClass.PERSONAL and path in own_id_fields(field.module):
            return ("; empty where it holds the record's own card or contract id, which some "
                    "platforms build it from (`NL-TNM-C12345678-0001`; the run counts them)")
        if field.binding == "" and shown_public_ids(field.module, [".".join(path)]):
            return ("; empty where it holds the record's own card or contract id, which some "
                    "platforms name a site or charger after (`LOC-NL-TNM-C12345678`; the run "
                    "counts them)")
    return ""


def _released(column: CheckedColumn) -> str:
    """The class as released, as the officer reads it: never public for a pseudonym."""
    return PSEUDONYMOUS if column.effect is Effect.PSEUDONYMISE else column.released_as.value


# the warnings of a column that its `because "..."` answers (check.privacy.check_column):
# a quasi-identifier released below its floor, a site's field at private locations
_WANT_JUSTIFICATION = frozenset({"OCX303", "OCX334"})


def _unjustified(column: CheckedColumn, spec: CheckedSpec) -> tuple[str, ...]:
    """The codes of the warnings on this column that ask for a justification it lacks:
    the review must not say it needs none."""
    if column.justification is not None:
        return ()
    span = column.column.span
    return tuple(dict.fromkeys(
        d.code for d in spec.warnings
        if d.code in _WANT_JUSTIFICATION and (at := d.primary_span) is not None
        and span.start <= at.start and at.end <= span.end))


def _protection(aggregate: ir.Aggregate | None) -> Protection | None:
    if aggregate is None:
        return None
    counted = "distinct drivers" if aggregate.entity else "records"
    how = DRIVER_WORDS if aggregate.entity else "each record counts once"
    default = "" if aggregate.min_group_size_stated else \
        " This is the default: the spec states no minimum group size."
    size = aggregate.min_group_size
    if size <= 1:  # the run then counts records: every group leaves (accumulators.reached)
        return Protection(size, aggregate.min_group_size_stated, counted,
                          _no_floor(aggregate) + _disclosure_sentences(aggregate),
                          f"No minimum group size ({size}): every group is released.")
    text = (f"A group (one row) with fewer than {size} {counted} is not "
            f"released at all; {how}.{default}{_disclosure_sentences(aggregate)}")
    return Protection(size, aggregate.min_group_size_stated, counted, text,
                      f"Minimum group size {size}, counted in {counted}.")


def _no_floor(aggregate: ir.Aggregate) -> str:
    """What `minimum group size 1` releases: it protects nobody."""
    if aggregate.entity:
        return ("A group of a single driver is released with that driver's own figures, and "
                "so is a group of records without a driver id; no group is held back for its "
                "size (the check warns of it, OCX320).")
    return "A group of a single record is released with that record's own figures."


def _disclosure_sentences(aggregate: ir.Aggregate) -> str:
    """The dominance rule, secondary suppression and rounding, for the officer."""
    text = ""
    if aggregate.entity and aggregate.min_group_size > 1 and _sums(aggregate):
        text += (f" Nor is a group where fewer than {aggregate.min_group_size} drivers gave "
                 "the value a sum or an average reads (the other records lack it): its "
                 "figure would be theirs.")
    if aggregate.dominance is not None:
        who = "the largest driver gives" if aggregate.dominance.contributors == 1 else \
            f"the {aggregate.dominance.contributors} largest drivers give"
        text += (f" Nor is a group where {who} more than {aggregate.dominance.percent}% of "
                 "a sum: such a row would mostly show one driver's figure.")
    for margin in aggregate.margins:
        by = f"by {margin_keys(margin.keys, margin.cuts, margin.observed)}" if margin.keys else \
            "over all groups"
        text += (f" The export also releases totals {by} "
                 f"(`{margin.dataset}`); more groups or totals are held back so that no "
                 "withheld group can be worked out by subtraction.")
    if aggregate.round_counts:
        text += f" Counts are released as multiples of {aggregate.round_counts}."
    return text


def _sums(aggregate: ir.Aggregate) -> bool:
    return any(part.function in ("sum", "avg") and part.argument
               for measure in aggregate.measures
               for part in (measure.parts or (ir.Part(measure.function, measure.argument),)))


# ---- warnings -------------------------------------------------------------------------


def _warning(diagnostic: Diagnostic, spec: CheckedSpec) -> WarningItem:
    span = diagnostic.primary_span
    where = spec.source.name
    if span is not None:
        line, col = spec.source.line_col(span.start)
        where = f"{where}:{line}:{col}"
    return WarningItem(diagnostic.code, diagnostic.message, where, diagnostic.help,
                       diagnostic.notes)


__all__ = ["MISSING", "review"]
