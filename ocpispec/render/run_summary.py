"""The summary `ocpispec run` prints on stderr: counts, reasons and paths, never
values (a reason or an unknown field's path cannot hold personal data)."""

from __future__ import annotations

from collections.abc import Iterator

from ocpispec.disclosure.words import risk_lines
from ocpispec.execute import DatasetResult, RunResult
from ocpispec.schema.records import split_unusual
from ocpispec.text import count

MAX_LISTED = 8


def summary_text(result: RunResult, *, notes: tuple[str, ...] = ()) -> str:
    verb = "Dry run of" if result.dry_run else "Ran"
    lines = [f"{verb} `{result.export}`: OCPI {result.version}, plan "
             f"{result.fingerprint[:12]}", *(f"note: {note}" for note in notes)]
    for dataset in result.datasets:
        lines += ["", *_dataset(dataset, result.dry_run)]
    lines += ["", _closing(result)]
    return "\n".join(lines) + "\n"


def _dataset(dataset: DatasetResult, dry_run: bool) -> Iterator[str]:
    yield f"  {dataset.name} -> {dataset.target} ({dataset.format})"
    yield _row("window", _window(dataset))
    if dry_run and dataset.estimate is not None:
        for step_id, records, requests in dataset.estimate.fetches:
            yield _row(step_id, "per-id GETs, as many as keys needed" if records is None else
                       f"{records:,} records in {_plural(requests or 0, 'request')}")
        return
    counts = dataset.counts
    yield _row("records read", f"{counts.read:,}")
    if counts.outside_window:
        yield _row("outside window", f"{counts.outside_window:,} left out " + (
            "(read by `last_updated`, their event time outside the window)"
            if dataset.window.rule and ", on " in dataset.window.rule else
            "(sent by the platform although outside the window)"))
    if counts.duplicates:
        yield _row("duplicates", f"{counts.duplicates:,} repeated objects dropped")
    if dataset.module != "tokens":   # (a token is tied to no location: nothing to exclude)
        excluded = _plural(counts.excluded_private, "tariff") + " no published location " \
            "names" if dataset.module == "tariffs" else \
            f"{counts.excluded_private:,} at non-public locations"
        yield _row("excluded", f"{excluded} (why: step `privacy.public_locations` of the plan)")
    yield _row("filtered out", f"{counts.filtered:,} by `where`" + (
        " and `sample`" if dataset.sampled else ""))
    if counts.invalid:
        reasons = ", ".join(f"{n:,} {reason}" for reason, n in sorted(counts.invalid.items()))
        accepted = ("; accepted by --allow-invalid" if dataset.invalid_accepted else "")
        yield _row("invalid", f"{counts.invalid_total:,} ({reasons}){accepted}")
    for key, misses in sorted(counts.join_misses.items()):
        key_path, _, alias = key.rpartition(":")  # a join on an `each` element counts keys
        found = f"ids in `{key_path}`" if key_path else "records"
        yield _row("join misses", f"{misses:,} {found} found no `{alias}` (left null; "
                   f"step `join.{alias}`)")
    for reason, number in sorted(counts.series.items()):
        yield _row("each/spread", f"{number:,} {reason}")
    if counts.invalid_fields:
        yield _row("invalid fields", "values ocpispec read as null: "
                   + _listed(counts.invalid_fields))
    if counts.deviations:
        yield _row("deviations", "read tolerantly: " + _listed(counts.deviations))
    yield _row("rows written", f"{counts.written:,}")
    if counts.groups or counts.groups_suppressed:
        yield _row("groups", groups_text(counts))
    for label, text in risk_lines(dataset.risk):
        yield _row(label, text)
    yield _row("withheld", _plural(dataset.withheld, "catalogue field"))
    yield _row("unknown fields", _unknown(dataset))
    for reason in dataset.incomplete_accepted:
        yield _row("incomplete", f"{reason}; accepted by --accept-incomplete")
    if dataset.manifest:
        yield _row("manifest", dataset.manifest)
        yield _row("data package", dataset.manifest.removesuffix(".manifest.json")
                   + ".datapackage.json")
    for warning in dataset.warnings:
        yield f"    warning: {warning}"


def _window(dataset: DatasetResult) -> str:
    window = dataset.window
    if window.date_from is None and window.date_to is None:
        return "everything (no time window)"
    text = f"{window.date_from or 'the beginning'} to {window.date_to or 'now'}"
    if window.first_run:
        text += " (first `since last run`: everything since 1970-01-01)"
    if window.rule:
        text += f" ({window.rule})"
    return text


def _unknown(dataset: DatasetResult) -> str:
    unknown, unusual = split_unusual(dataset.counts.unknown_fields)
    if not unknown and not unusual:
        return "none"
    listed = sorted(unknown)
    shown = ", ".join(f"`{path}` ({unknown[path]:,})" for path in listed[:MAX_LISTED])
    more = f" and {len(listed) - MAX_LISTED} more" if len(listed) > MAX_LISTED else ""
    text = f"{_plural(len(listed), 'path')} dropped: {shown}{more}" if listed else ""
    if unusual:
        text += ("; " if text else "") + f"{_plural(unusual, 'unknown field')} with names OCPI does not define dropped (not shown)"
    return text


def _listed(tally: dict[str, int]) -> str:
    """`key` (n), most frequent first, at most MAX_LISTED; keys are paths and reasons."""
    keys = sorted(tally, key=lambda key: (-tally[key], key))
    shown = ", ".join(f"{key} ({tally[key]:,})" for key in keys[:MAX_LISTED])
    return shown + (f" and {len(keys) - MAX_LISTED} more" if len(keys) > MAX_LISTED else "")


def _closing(result: RunResult) -> str:
    requests = "" if result.requests is None else f", {_plural(result.requests, 'request')}"
    if result.dry_run:
        total = sum(d.estimate.requests for d in result.datasets if d.estimate)
        return (f"Estimate: about {_plural(total, 'request')} for the data. Nothing was "
                f"written and the state was not changed ({result.duration:.1f}s{requests}).")
    written = sum(d.counts.written for d in result.datasets)
    state = f" State saved to {result.state_path}." if result.state_path else ""
    record = getattr(result, "record", None)
    if record is not None:
        state += f"\nRun record (every count; keep it, do not deliver it): {record}"
    return (f"Done in {result.duration:.1f}s: {_plural(len(result.datasets), 'dataset')}, "
            f"{_plural(written, 'row')} written{requests}.{state}")


def _row(label: str, value: str) -> str:
    return f"    {label:<16} {value}"


def _plural(n: int, word: str) -> str:
    return count(n, word, grouped=True)


def groups_text(counts) -> str:
    """An aggregate's groups: released, and withheld by each rule."""
    held = counts.groups_suppressed + counts.groups_dominated + counts.groups_secondary
    sparse = sum(counts.groups_sparse.values()) + sum(counts.groups_told.values())
    return (f"{counts.groups - held:,} released, "
            f"{counts.groups_suppressed - sparse:,} suppressed as too small"
            + _sparse(counts.groups_sparse) + _told(counts.groups_told)
            + _disclosure_control(counts))


def _told(groups: dict[str, int]) -> str:
    """Groups withheld because a `min`, `max`, `median` or `percentile` would have been
    one driver's value: too few drivers gave its argument values, or one most of them."""
    if not groups:
        return ""
    measures = ", ".join(f"`{name}`" + (f" ({n:,})" if len(groups) > 1 else "")
                         for name, n in sorted(groups.items()))
    return (f", {sum(groups.values()):,} withheld as {measures} would be one driver's value "
            "(fewer drivers than the minimum group size gave it values, or one driver most "
            "of them)")


def _sparse(groups: dict[str, int]) -> str:
    """Groups of enough drivers withheld because too few of them gave a `sum` or `avg`
    a value: the group was not small, its figure would have been those few drivers'."""
    if not groups:
        return ""
    measures = ", ".join(f"`{name}`" + (f" ({n:,})" if len(groups) > 1 else "")
                         for name, n in sorted(groups.items()))
    return (f", {sum(groups.values()):,} withheld as fewer drivers than the minimum group "
            f"size gave {measures} a value other than 0")


def _disclosure_control(counts) -> str:
    """Cells the dominance rule and secondary suppression held back (counts only)."""
    text = ""
    if counts.groups_dominated:
        text += f", {counts.groups_dominated:,} by the dominance rule"
    if counts.groups_secondary:
        text += f", {counts.groups_secondary:,} to protect released totals"
    return text
