"""The plan as a privacy officer reads it, terraform style: header, one block per
dataset with its steps, the released columns and the withheld fields, then a summary
line and the fingerprint. Deterministic: no paths of this machine, no times."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterator

from ocpispec.plan.margins import margin_keys
from ocpispec.plan import ir
from ocpispec.language import pseudonym_scope
from ocpispec.text import count

WIDTH = 100
_MARKERS = {ir.Fetch: "+", ir.Normalize: "~", ir.Lookup: "~", ir.Join: "~", ir.Filter: "~",
            ir.Aggregate: "~", ir.PrivacyFilter: "!", ir.Project: "!", ir.Render: ">",
            ir.Unnest: "~", ir.Spread: "~", ir.KAnonymity: "!", ir.Order: "~"}
_TREATMENT_GROUPS = {"pseudonymised": "pseudonymised", "generalised": "generalised",
                     "derived": "generalised", "kept as is": "kept", "raw JMESPath": "kept",
                     "constant": "constant", "aggregated": "aggregated"}


def plan_text(plan: ir.Plan) -> str:
    """The plan for people; a character of the spec's texts that hides, or a letter of
    another script that looks like a Latin one, shows as its code point (`<U+200B>`), as
    on the review."""
    from ocpispec.render.values import spec_text_shown

    lines = [f"Plan for {plan.spec}", "", *_header(plan), "",
             "  + fetch   ~ transform   ! privacy   > output"]
    for dataset in plan.datasets:
        lines += ["", *_dataset(dataset)]
    lines += ["", summary_line(plan), f"Fingerprint: {plan.short_fingerprint}",
              f"Privacy fingerprint: {plan.short_privacy_fingerprint} (what `ocpispec approve` "
              "signs off)"]
    return spec_text_shown("\n".join(lines)) + "\n"


def _header(plan: ir.Plan) -> Iterator[str]:
    export = plan.export
    basis = export.legal_basis or "(missing)"
    if export.legal_reference:
        basis += f" ({export.legal_reference})"
    rows = [("export", export.name), ("consumer", export.consumer or "(missing)"),
            ("purpose", export.purpose or "(missing)"), ("legal basis", basis),
            ("retention", export.retention or "(missing)"),
            ("pseudonyms", _key_text(plan.pseudonym_key, export.pseudonym_scope)), ("source", _source_text(plan.source)),
            ("schedule", _schedule_text(export))]
    if export.licence:
        rows.insert(5, ("licence", export.licence))
    if export.approval:
        rows.append(("approval", f"`requires {export.approval}`: `ocpispec run` refuses this "
                                 "spec until its privacy fingerprint is approved"))
    for label, value in rows:
        yield from _wrapped(f"  {label:<12} ", value)


def _schedule_text(export: ir.Export) -> str:
    if export.schedule is None:
        return "none (run by hand, or from your own scheduler)"
    cron = (f"; cron `{export.cron}`" if export.cron else
            "; no single cron line can say it (cron's `*/N` minutes needs N to divide 60)")
    return f"{export.schedule}{cron}; `ocpispec run --follow` keeps to it"


def _key_text(key: ir.SecretReference | None, scope: str) -> str:
    if key is None:
        return "no key (the spec pseudonymises nothing)"
    where = f"env `{key.name}`" if key.kind == "env" else f"{key.kind} `{key.name}`"
    return (f"HMAC-SHA-256, key from {where} (never shown), derived per export, consumer "
            f"and field family; {pseudonym_scope.describe(scope)}")


def describe_versions_url(reference: ir.SecretReference) -> str:
    """Where the versions URL comes from; a literal one as a person reads it (no user
    info, query values redacted: `ocpi.errors.safe_url`)."""
    if reference.kind == "literal":
        from ocpispec.ocpi.errors import safe_url

        return f"versions URL `{safe_url(reference.name)}`"
    return f"versions URL from {reference.kind} `{reference.name}`"


def describe_connection(source: ir.SourceSpec) -> list[str]:
    """Where a source without a profile finds the platform: its versions URL, token and
    party, each as the spec names it (never its value)."""
    parts = []
    if source.versions_url:
        parts.append(describe_versions_url(source.versions_url))
    if source.token:
        parts.append(f"token from {source.token.kind} `{source.token.name}`")
    if source.party:
        parts.append(f"party {source.party}")
    return parts


def _source_text(source: ir.SourceSpec) -> str:
    if source.profile:
        return f"profile `{source.profile}`"
    return ", ".join([*describe_connection(source), f"version {source.version or 'auto'}"])


def _dataset(dataset: ir.Dataset) -> Iterator[str]:
    yield f"dataset `{dataset.name}` from `{dataset.module}`"
    width = max(len(step.id) for step in dataset.steps) + 2
    for step in dataset.steps:
        marker = "!" if isinstance(step, ir.Filter) and step.is_privacy_step \
            else _MARKERS[type(step)]
        yield from _wrapped(f"  {marker} {step.id:<{width}}", _step_text(step))
    yield ""
    yield from _columns(dataset)
    yield ""
    yield from _withheld(dataset)


def _step_text(step: ir.Step) -> str:
    match step:
        case ir.Fetch(mode="per-id"):
            return f"GET {{{step.module} endpoint}}/{{id}}, once per key needed ({step.purpose})"
        case ir.Fetch():
            purpose = "" if step.purpose == "records" else f"  ({step.purpose})"
            return (f"GET {{{step.module} endpoint}}  {_window_text(step)}"
                    f"  limit={step.page_size}  concurrency={step.concurrency}{purpose}"
                    f"{_dimension_window_note(step)}")
        case ir.Normalize():
            versions = ", ".join(item.version for item in step.expressions)
            return (f"OCPI {versions} -> {len(step.fields)} neutral fields, nothing else: "
                    + ", ".join(step.fields))
        case ir.Lookup(strategy="per-id"):
            return f"`{step.module}` by `{'.'.join(step.key)}`: per-id GET, cached"
        case ir.Lookup():
            return f"`{step.module}` by `{'.'.join(step.key)}`: lookup table (bulk fetch)"
        case ir.PrivacyFilter():
            text = step.description
            return text + (f', because "{step.justification}"' if step.justification else "")
        case ir.Join():
            names = ", ".join([step.alias, *(sub.name for sub in step.sub_bindings)])
            key = ".".join((step.element, *step.local_key) if step.element else step.local_key)
            rows = (f"; one row per {step.element} and id, a {step.element} naming none kept "
                    f"with {step.alias} null") if step.element else ""
            return (f"`{key}` = {step.module}.`{'.'.join(step.remote_key)}`"
                    f" (ids compared case-insensitively{_party_words(step)}), binds {names}"
                    + rows)
        case ir.Filter():
            return step.shown + _filter_reads(step)
        case ir.Project():
            return f"release {count(len(step.columns), 'column')}, nothing else (below)"
        case ir.Aggregate():
            stated = "" if step.min_group_size_stated else " (default)"
            dropped = "release every group (minimum group size 1)" \
                if step.min_group_size <= 1 else \
                f"drop groups of fewer than {step.min_group_size}{stated} {step.counted_by}"
            return (f"group by {count(len(step.keys), 'key')}, "
                    f"{count(len(step.measures), 'measure')}; "
                    f"{dropped}{disclosure_words(step)}")
        case ir.Unnest() | ir.Spread():
            return series_text(step)
        case ir.KAnonymity():
            return k_rule_text(step)
        case ir.Order():
            keys = ", ".join(f"`{key.column}`" + (" descending" if key.descending else "")
                             for key in step.keys)
            limit = (f"; keep the first {step.limit} released groups (after the minimum "
                     "group size)" if step.limit is not None else "")
            return (f"sort by {keys} (nulls last; ties by the other columns)" + limit)
        case ir.Render():
            target = _target(step.destination)
            template = f' "{step.template}"{_pins(step)}' if step.template else ""
            return f"{step.format}{template}{_how(step)} -> {target}"
    raise TypeError(type(step).__name__)


def series_text(step: ir.Unnest | ir.Spread) -> str:
    """`each` and `spread` in words."""
    if isinstance(step, ir.Spread):
        zone = "UTC" if step.zone == "utc" else f"the time zone in `{'.'.join(step.zone_field or ())}`"
        return (f"one row per {step.unit.replace('_', ' ')} slot ({zone}) from "
                f"`{'.'.join(step.start)}` to `{'.'.join(step.end)}`, bound as {step.alias}; "
                f"`{'.'.join(step.value)}` becomes its part of each slot: {step.scheme}")
    parent = f"{step.parent}." if step.parent else ""
    text = (f"one row per element of `{parent}{'.'.join(step.items)}`, bound as {step.alias}; "
            f"its fields: {', '.join(step.fields) or 'none'}")
    if step.derived:
        end = ".".join(step.parent_end or ("(none)",))
        text += (f"; derived {', '.join(step.derived)}: energy from the "
                 f"{' else '.join(step.energy_types)} dimension, end at the next period's "
                 f"start or the record's `{end}`")
    return text
def k_rule_text(step: ir.KAnonymity, counted: str | None = None) -> str:
    """The k rule for a reviewer: k, over which columns, the recoding, the limit;
    `counted` says what a class counts in other words than the plan's."""
    from ocpispec.disclosure.hierarchy import describe

    over = ", ".join(f"`{name}`" for name in step.over) or "(no quasi-identifier released)"
    stated = "" if step.over_stated else " (the released quasi-identifiers)"
    recoding = "; ".join(f"`{h.column}` → {describe(h.kind, h.levels)}"
                         for h in step.hierarchies) or "none (suppression only)"
    return (f"every class of equal {over}{stated} holds at least {step.k} {counted or step.counted_by}; "
            f"smaller classes are first recoded one level at a time ({recoding}), then "
            f"suppressed; more than {step.suppression_limit:g}% of rows suppressed fails "
            "the run")


def _target(destination: str | None) -> str:
    """The destination (credentials redacted) and, for a remote one, its transport."""
    from ocpispec import formats

    if destination is None:
        return "stdout"
    scheme = formats.url_scheme(destination)
    if scheme not in formats.REMOTE_SCHEMES:
        return destination
    if scheme == "s3":
        return (f"{formats.redact(destination)} (delivered to S3: put under a temporary key, "
                "verified, copied to its key)")
    return (f"{formats.redact(destination)} (delivered over "
            f"{formats.REMOTE_SCHEMES[scheme]}: uploaded under a temporary name, "
            "verified, renamed)")


def _how(step: ir.Render) -> str:
    """The CSV dialect and the compression, when the spec chose them."""
    from ocpispec.formats.dialects import describe

    parts = [f"dialect {describe(step.dialect)}"] if step.dialect else []
    parts += [f"{step.compression}-compressed"] if step.compression else []
    return f" ({'; '.join(parts)})" if parts else ""


def _pins(step: ir.Render) -> str:
    """The sha256 of each template file, so a reviewer sees what the plan pins."""
    if len(step.templates) == 1:
        return f" (sha256 {step.templates[0].sha256[:12]})"
    files = ", ".join(f"{item.path} {item.sha256[:12]}" for item in step.templates)
    return f" ({count(len(step.templates), 'file')}, sha256: {files})" if files else ""


def _filter_reads(step: ir.Filter) -> str:
    shown = [read for read in step.reads if read.privacy != "public"]
    text = ("; reads " + ", ".join(f"{read.privacy} `{read.field}`" for read in shown)
            if shown else "")
    return text + (f', because "{step.justification}"' if step.justification else "")


def _dimension_window_note(step: ir.Fetch) -> str:
    """A join's dimension fetched with the records' window misses dimension records
    updated before it: the executor starts it earlier (OCPI has no GET by id here)."""
    if step.purpose == "records" or step.window.kind == "all":
        return ""
    from ocpispec.execute.windows import DIMENSION_LOOKBACK_DAYS

    return (f"; follows the records' window, so a {step.module[:-1]} updated before it "
            f"would be missed: starts {DIMENSION_LOOKBACK_DAYS} days before the records' "
            f"`date_from` (OCPI has no GET of one {step.module[:-1]}); records still without "
            "a match are counted as join misses")


def _window_text(step: ir.Fetch) -> str:
    if step.window.event_time:
        from ocpispec.execute.event_window import EVENT_MARGIN

        return (f"{_plain_window_text(step)}, on `{step.window.event_time}`: OCPI filters "
                f"on `last_updated` only, so fetches `last_updated` from "
                f"{EVENT_MARGIN.days} day before the window's start, open-ended (a record is "
                f"never last updated before its start or end; the day absorbs clock skew), "
                f"and keeps the records whose `{step.window.event_time}` is in the window")
    return _plain_window_text(step)


def _plain_window_text(step: ir.Fetch) -> str:
    if step.window.kind == "all":
        return "all records"
    if step.window.calendar:
        return (f"`{step.window.rule}`, resolved from the run's clock: "
                f"date_from={step.window.date_from}  date_to={step.window.date_to}")
    return f"date_from={step.window.date_from}  date_to={step.window.date_to}"


def _columns(dataset: ir.Dataset) -> Iterator[str]:
    rows = [(c.name, ", ".join(c.sources) or "(none)", f"{c.privacy} -> {c.released_as}",
             f"{c.treatment}: {c.detail}", c.justification) for c in dataset.columns]
    aggregate = dataset.step(ir.Aggregate)
    if aggregate is not None:
        rows += [(m.name, ", ".join(m.sources) or "(records)", f"released as {m.privacy}",
                  f"aggregated: {m.shown}", m.justification)
                 for m in aggregate.measures]
    yield f"  columns ({len(rows)})"
    name_width = max((len(row[0]) for row in rows), default=0)
    source_width = max((len(row[1]) for row in rows), default=0)
    indent = " " * (4 + name_width + 5)
    for name, sources, classes, how, why in rows:
        yield f"    {name:<{name_width}}  <- {sources:<{source_width}}  {classes}"
        yield from _wrapped(indent, how)
        if why:
            yield from _wrapped(indent, f'because "{why}"')


def _withheld(dataset: ir.Dataset) -> Iterator[str]:
    yield f"  withheld ({dataset.withheld_count} fields)"
    width = max((len(group.privacy) for group in dataset.withheld), default=0)
    for group in dataset.withheld:
        yield from _wrapped(f"    {group.privacy:<{width}}  ", ", ".join(group.fields))


def summary_line(plan: ir.Plan) -> str:
    datasets = plan.datasets
    fetches = sum(len(d.all(ir.Fetch)) for d in datasets)
    joins = sum(len(d.all(ir.Join)) for d in datasets)
    treatments: Counter[str] = Counter()
    columns = 0
    for dataset in datasets:
        aggregate = dataset.step(ir.Aggregate)
        for column in dataset.columns:
            treatments[_TREATMENT_GROUPS.get(column.treatment, column.treatment)] += 1
            columns += 1
        if aggregate is not None:
            treatments["aggregated"] += len(aggregate.measures)
            columns += len(aggregate.measures)
    order = ["pseudonymised", "generalised", "aggregated", "constant", "kept"]
    detail = ", ".join(f"{treatments[t]} {t}" for t in order if treatments[t])
    withheld = sum(d.withheld_count for d in datasets)
    return (f"Plan: {count(len(datasets), 'dataset')}, {count(fetches, 'fetch', 'fetches')}, "
            f"{count(joins, 'join')}, {count(columns, 'column')}"
            f"{f' ({detail})' if detail else ''}, {withheld} fields withheld.")


def _wrapped(prefix: str, text: str) -> Iterator[str]:
    lines = textwrap.wrap(text, width=WIDTH, initial_indent=prefix,
                          subsequent_indent=" " * len(prefix), break_on_hyphens=False,
                          break_long_words=False)
    yield from lines or [prefix.rstrip()]


def disclosure_words(step: ir.Aggregate) -> str:
    """The disclosure controls of an aggregate beyond the minimum group size."""
    words = []
    summed = [measure.name for measure in step.measures
              if any(part.function in ("sum", "avg") for part in measure.parts or (measure,))]
    if summed and step.entity and step.min_group_size > 1:  # aggregate.py: `contributed`
        names = " or ".join(f"`{name}`" for name in summed)
        words.append(f"drop groups where fewer than {step.min_group_size} of them give "
                     f"{names} a value other than 0 (a total of 0 among them too)")
    ordered = [measure.name for measure in step.measures
               if any(part.function in ("min", "max", "median", "percentile")
                      for part in measure.parts or (measure,))]
    if ordered and step.entity and step.min_group_size > 1:  # aggregate.py: `order_checks`
        names = " or ".join(f"`{name}`" for name in ordered)
        words.append(f"drop groups where {names} would be one driver's value: fewer than "
                     f"{step.min_group_size} of them give it values (other than 0 for a "
                     "minimum or maximum), or one gives most of them")
    if step.dominance is not None:
        words.append(f"drop groups where the {_largest(step.dominance.contributors)} "
                     f"more than {step.dominance.percent}% of a sum")
    for margin in step.margins:
        by = f"by {margin_keys(margin.keys, margin.cuts, margin.observed)}" if margin.keys else \
            "over all groups"
        words.append(f"secondary suppression against the totals of `{margin.dataset}` "
                     f"({by})")
    if step.round_counts:
        words.append(f"counts rounded to multiples of {step.round_counts}")
    return "".join(f"; {word}" for word in words)


def _largest(contributors: int) -> str:
    return "largest driver gives" if contributors == 1 else f"{contributors} largest drivers give"


def _party_words(step: ir.Join) -> str:
    if not step.party:
        return ""
    fields = "`, `".join(".".join(path) for path in step.party)
    return f"; where two parties share an id, the record's own `{fields}` picks"
