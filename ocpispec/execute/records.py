"""The two records of a run: what the consumer receives, and what the CPO keeps.

The consumer manifest (`<file>.manifest.json`, delivered beside the file) says what
was released and under which plan: released rows, columns with their treatment,
window, plan fingerprint, justifications, deviations accepted. It holds no count of
records read, excluded, filtered, invalid or outside the window, no suppressed groups
and no per-field counts: with those, the size of a suppressed group follows by
subtraction (read - excluded - filtered - invalid - released = suppressed).

The CPO's run record (`run_record`, written by `write_run_record` under
`.ocpispec/runs/<export>/`) holds every count, reason, warning and accepted deviation
of the run. It stays with the CPO. Neither holds a record value or a secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocpispec.plan import ir
from ocpispec.language.functions import stated_class
from ocpispec.execute.atomic import write_atomically
from ocpispec.execute.pseudonyms import pseudonym_manifest

MANIFEST_FORMAT = 2
RUN_RECORD_FORMAT = 1


def consumer_manifest(plan: ir.Plan, dataset: ir.Dataset, *, tool: str, export: dict[str, Any],
                      spec_sha256: str | None, output: dict[str, Any], version: str,
                      run_at: str, window: Any, accepted: dict[str, Any],
                      sample: int | None = None) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "format_version": MANIFEST_FORMAT, "tool": tool,
        "spec": {"file": Path(plan.spec).name, "sha256": spec_sha256},
        "plan_fingerprint": plan.fingerprint, "export": export,
        "dataset": dataset.name, "module": dataset.module, "output": output,
        "ocpi_version": version, "run_at": run_at,
        "window": {"start": window.date_from, "end": window.date_to,
                   "enforced": "records outside [start, end) are never released"},
        "columns": [_column(column) for column in dataset.columns],
    }
    if getattr(window, "rule", None):
        manifest["window"]["rule"] = window.rule
    if sample is not None:  # `--limit`: not every record of the window
        manifest["sample"] = {"limit": sample,
                              "note": "a sample: at most this many records of the window"}
    aggregate = dataset.step(ir.Aggregate)
    if aggregate is not None:
        manifest["measures"] = [_measure(measure) for measure in aggregate.measures]
        manifest["minimum_group_size"] = {"size": aggregate.min_group_size,
                                          "counted_by": aggregate.counted_by}
        controls = disclosure_rules(aggregate)
        if controls:
            manifest["disclosure_control"] = controls
    manifest["filters"] = _filters(dataset)
    privacy = dataset.step(ir.PrivacyFilter)
    if privacy is not None:
        manifest["private_locations"] = {"rule": privacy.rule,
                                         "justification": privacy.justification}
    records = next((fetch for fetch in dataset.all(ir.Fetch) if fetch.purpose == "records"),
                   None)
    # a dataset that releases no pseudonym (a count of distinct ids at most) says so
    manifest["pseudonyms"] = pseudonym_manifest(
        plan, dataset.module, records.window.zone if records is not None else None) \
        if dataset.releases_pseudonyms else None
    manifest["withheld_fields"] = dataset.withheld_count
    manifest["deviations_accepted"] = accepted
    return manifest


def shown_export(plan: ir.Plan) -> dict[str, Any]:
    """The export as the consumer's files name it: who receives it, why, for how long."""
    export = plan.export
    basis = export.legal_basis
    if basis and export.legal_reference:
        basis = f"{basis} ({export.legal_reference})"
    shown = {"name": export.name, "consumer": export.consumer, "purpose": export.purpose,
             "legal_basis": basis, "retention": export.retention}
    return shown | ({"licence": export.licence} if export.licence else {})


def accepted_deviations(counts: Any, policy: Any, invalid_accepted: int,
                        incomplete_accepted: tuple[str, ...]) -> dict[str, Any]:
    """The deviations a run accepted, as the consumer may know them. Invalid records
    left out are counted by reason: without the counts of records read, excluded and
    filtered (which stay with the CPO) they cannot size a suppressed group. Deviations
    read tolerantly are named without counts, since a deviation on every record would
    count the records read."""
    accepted: dict[str, Any] = {}
    if invalid_accepted and policy.allow_invalid is not None:
        accepted["invalid_records"] = {
            "option": f"--allow-invalid {policy.allow_invalid}",
            "left_out": invalid_accepted,
            "by_reason": dict(sorted(counts.invalid.items()))}
    if incomplete_accepted:
        accepted["incomplete_crawl"] = {"option": "--accept-incomplete",
                                        "why": list(incomplete_accepted)}
    if counts.deviations:
        accepted["read_tolerantly"] = sorted(counts.deviations)
    return accepted


def _column(column: ir.Column) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": column.name, "sources": list(column.sources),
                             "treatment": column.treatment, "privacy": column.privacy,
                             "released_as": stated_class(column.treatment,
                                                         column.released_as)}
    if column.justification:
        entry["justification"] = column.justification
    return entry


def _measure(measure: ir.Measure) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": measure.name, "function": measure.function,
                             "sources": list(measure.sources), "released_as": measure.privacy}
    if measure.written:
        entry["expression"] = measure.written
    if measure.justification:
        entry["justification"] = measure.justification
    return entry


def _filters(dataset: ir.Dataset) -> list[dict[str, Any]]:
    """The record selection the reviewer approved: each `where` with the non-public
    fields it reads, whether it is a privacy step, and its justification."""
    return [{"step": step.id, "condition": step.shown, "privacy_step": step.is_privacy_step,
             "fields": [{"field": read.field, "privacy": read.privacy} for read in step.reads],
             "justification": step.justification} for step in dataset.all(ir.Filter)]


# ---- the CPO's record ---------------------------------------------------------------------


def run_record(result: Any, *, spec: str, spec_sha256: str | None,
               options: dict[str, Any]) -> dict[str, Any]:
    """Everything a run did, for the CPO: counts, reasons, warnings, what was accepted.
    `result` is an `executor.RunResult`; `options` the deviations policy as given."""
    return {
        "format_version": RUN_RECORD_FORMAT, "export": result.export,
        "run_at": getattr(result, "run_at", None),
        "spec": {"path": spec, "sha256": spec_sha256},
        "plan_fingerprint": result.fingerprint, "ocpi_version": result.version,
        "duration_s": round(result.duration, 3), "requests": result.requests,
        "options": options,
        "state": {"path": str(result.state_path) if result.state_path else None},
        "notes": list(getattr(result, "notes", ())),
        "datasets": [_dataset(dataset) for dataset in result.datasets],
    }


def _dataset(dataset: Any) -> dict[str, Any]:
    counts = dataset.counts
    return {
        "name": dataset.name, "module": dataset.module,
        "output": dataset.target, "manifest": dataset.manifest,
        "window": {"start": dataset.window.date_from, "end": dataset.window.date_to,
                   **({"rule": dataset.window.rule} if dataset.window.rule else {})},
        "counts": {
            "read": counts.read, "outside_window": counts.outside_window,
            "duplicates_dropped": counts.duplicates,
            "invalid": dict(sorted(counts.invalid.items())),
            "excluded_private": counts.excluded_private, "filtered": counts.filtered,
            "written": counts.written, "groups": counts.groups,
            "groups_suppressed": counts.groups_suppressed,
            **_disclosure_counts(counts),
            **({"groups_sparse": dict(sorted(counts.groups_sparse.items()))}
               if counts.groups_sparse else {}),
            **({"groups_told": dict(sorted(counts.groups_told.items()))}
               if counts.groups_told else {}),
            "join_misses": dict(sorted(counts.join_misses.items())),
            **({"series": dict(sorted(counts.series.items()))} if counts.series else {}),
            "invalid_fields": dict(sorted(counts.invalid_fields.items())),
            "deviations": dict(sorted(counts.deviations.items())),
        },
        "accepted": {"invalid": dataset.invalid_accepted,
                     "incomplete": list(dataset.incomplete_accepted)},
        "warnings": list(dataset.warnings),
        "unknown_fields": dict(sorted(counts.unknown_fields.items())),
        **({"risk": dataset.risk} if getattr(dataset, "risk", None) else {}),
    }


def run_record_path(directory: Path, export: str, run_at: str) -> Path:
    """`<directory>/<export>/<run_at as 20260105T103000Z>.json`."""
    stamp = run_at.replace("-", "").replace(":", "")
    return directory / export / f"{stamp}.json"


def write_run_record(directory: Path, record: dict[str, Any]) -> Path:
    """Writes the record atomically (one file per run) and returns its path."""
    import json

    path = first = run_record_path(directory, record["export"], record["run_at"] or "unknown")
    serial = 1
    while path.exists():  # two runs in one second (`--as-of`, `--follow`) keep both
        serial += 1
        path = first.with_name(f"{first.stem}-{serial}.json")
    write_atomically(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return path


def _disclosure_counts(counts: Any) -> dict[str, int]:
    """Groups held back by the dominance rule and by secondary suppression (numbers of
    cells, never values); absent when none were."""
    found = {"groups_dominated": counts.groups_dominated,
             "groups_secondary": counts.groups_secondary}
    return {name: value for name, value in found.items() if value}


def disclosure_rules(aggregate: ir.Aggregate) -> dict[str, Any]:
    """The rules beyond the minimum group size, in the consumer's words (no counts:
    how many cells a rule held back stays in the CPO's run record)."""
    rules: dict[str, Any] = {}
    if aggregate.dominance is not None:
        rules["dominance"] = (f"a group where the {aggregate.dominance.contributors} largest "
                              f"driver(s) give more than {aggregate.dominance.percent}% of a "
                              "sum is not released")
    if aggregate.margins:
        rules["secondary_suppression"] = [
            f"no withheld group follows from the totals of `{margin.dataset}` "
            f"(by {', '.join(margin.keys)})" for margin in aggregate.margins]
    if aggregate.round_counts:
        rules["rounding"] = f"counts are released as multiples of {aggregate.round_counts}"
    return rules
