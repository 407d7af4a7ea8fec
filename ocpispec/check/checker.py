"""Check stage: syntax tree -> CheckedSpec, every field resolved and every column
classified, or every problem found (up to a cap) as diagnostics.

The passes live in `ocpispec.check`, one module per concern; this module runs them
in order and is the stage's one public entry.
"""

from __future__ import annotations

import dataclasses

from ocpispec.language import syntax
from ocpispec.check.checked import CheckedSpec
from ocpispec.check.calendar import check_fit
from ocpispec.check.scheduled_rows import check_scheduled_rows
from ocpispec.check.calls import dataset_calls
from ocpispec.check.clocks import check_clocks
from ocpispec.check.context import Context
from ocpispec.check.order import check_dataset_names
from ocpispec.check.dataset_names import dataset_ids
from ocpispec.check.bound_differencing import check_bound_differencing
from ocpispec.check.dataset import check_dataset
from ocpispec.check.file_names import check_file_names
from ocpispec.check.differencing import check_differencing, check_repeated_releases
from ocpispec.check.named_values import check_repeated_values
from ocpispec.check.grid_differencing import check_grid_differencing
from ocpispec.check.header import check_header, check_schedule, check_source
from ocpispec.check.k_rule import check_k_rules
from ocpispec.check.linked_k_rules import check_linked_k_rules
from ocpispec.check.linked_filters import check_linked_filters
from ocpispec.check.key_reference import known_kind
from ocpispec.check.linked_grids import check_linked_grids
from ocpispec.check.output import check_destinations
from ocpispec.check.overwrites import check_overwrites
from ocpispec.check.public_pseudonyms import check_public_pseudonyms
from ocpispec.check.sample import check_samples
from ocpispec.check.site_gaps import check_site_gaps
from ocpispec.check.schedule_pins import check_schedule_pins
from ocpispec.check.edge_cells import check_rolling_edges
from ocpispec.diagnostics import CompileError, Diagnostic, error, has_errors
from ocpispec.language.functions import Effect, lookup
from ocpispec.schema import MODULES, VERSIONS, catalogue
from ocpispec.diagnostics.source import SourceFile


def check(spec: syntax.Spec, source: SourceFile, *, max_errors: int = 50) -> CheckedSpec:
    """Resolve and classify a parsed spec; raise CompileError if anything is wrong.

    The error carries errors and warnings sorted by position; on success the warnings
    are in `CheckedSpec.warnings`.
    """
    version = spec.source.version.name if spec.source.version else None
    ctx = Context(source, catalogue(), version if version in VERSIONS else None,
                  diagnostics=[], released={}, compared=[], templates=[])
    check_header(spec.header, ctx)
    check_source(spec.source, VERSIONS, ctx)
    datasets = [check_dataset(dataset, MODULES, ctx) for dataset in spec.datasets]
    check_differencing(datasets, ctx)
    check_linked_filters(datasets, dataset_ids(spec.datasets), ctx)
    check_public_pseudonyms(datasets, dataset_ids(spec.datasets), ctx)
    check_bound_differencing(datasets, dataset_ids(spec.datasets), ctx)
    check_grid_differencing(datasets, ctx)
    check_k_rules(spec, datasets, ctx)
    check_linked_k_rules(datasets, dataset_ids(spec.datasets), ctx)
    check_linked_grids(datasets, dataset_ids(spec.datasets), ctx)
    check_destinations(spec.datasets, ctx, spec.header.name.name)
    check_file_names(spec.datasets, dataset_ids(spec.datasets), spec.header.name.name, ctx)
    check_schedule(spec.schedule, ctx)
    check_overwrites(spec.datasets, spec.schedule, ctx)
    check_schedule_pins(spec.datasets, spec.schedule, ctx)
    check_rolling_edges(spec.datasets, spec.schedule, ctx)
    check_fit(spec.datasets, spec.schedule, ctx)
    check_clocks(spec.datasets, ctx)
    check_repeated_releases(datasets, spec.schedule, ctx)
    check_scheduled_rows(datasets, spec.schedule, ctx)
    check_dataset_names(spec.datasets, dataset_ids(spec.datasets), ctx)
    _check_key(spec, ctx)
    check_samples(spec, ctx)
    check_site_gaps(datasets, spec, ctx)
    check_repeated_values(ctx)
    diagnostics = _capped(sorted(_unique(ctx.diagnostics), key=_position), max_errors)
    if has_errors(diagnostics):
        raise CompileError(diagnostics)
    return CheckedSpec(spec, source, tuple(d for d in datasets if d is not None),
                       tuple(diagnostics))


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Without repeats: one field read twice by one expression (`jmespath("sort_by(
    charging_periods, &start_date_time)[0].start_date_time")`) raised the same finding
    twice, word for word and at the same place."""
    seen: set[str] = set()
    unique = []
    for diagnostic in diagnostics:
        key = repr((diagnostic.code, diagnostic.message, diagnostic.labels,
                    diagnostic.notes, diagnostic.help))
        if key not in seen:
            seen.add(key)
            unique.append(diagnostic)
    return unique


def _check_key(spec: syntax.Spec, ctx: Context) -> None:
    """`pseudonymize` needs the header's `pseudonym key`; reported once, at its first use.
    A key read from a variable others know is no secret (OCX551, as the run says)."""
    if spec.header.pseudonym_keys:
        _check_key_variable(spec.header.pseudonym_keys[0], spec.source, ctx)
        return
    calls = [call for dataset in spec.datasets for call in dataset_calls(dataset)
             if _is_pseudonymize(call)]
    if calls:
        ctx.emit(error("OCX304", "`pseudonymize` is used but the spec has no pseudonym key",
                       calls[0].name.span, "needs a secret key",
                       notes=[f"pseudonyms are keyed HMACs; {len(calls)} column"
                              f"{'s use' if len(calls) > 1 else ' uses'} one",
                              "without a key, identifiers could be recovered by hashing "
                              "every possible value"],
                       help="add `pseudonym key env OCX_PSEUDONYM_KEY` (or `pseudonym key "
                            "profile NAME`) to the header"))


def _check_key_variable(key: syntax.SecretRef, source: syntax.Source | None,
                        ctx: Context) -> None:
    reads = tuple(ref.value for ref in (source.versions_url, source.token)
                  if ref is not None and ref.kind == "env") if source is not None else ()
    kind = known_kind(key.value, reads) if key.kind == "env" else None
    if kind is None:
        return
    ctx.emit(error("OCX551", f"the pseudonym key is no secret: it is read from `{key.value}`, {kind}",
                   key.span, "key read from here",
                   notes=["anyone who knows the variable's value (the platform that issued a "
                          "token, every account on the machine) can recompute the pseudonym "
                          "of every card and contract id"],
                   help="keep a random key in a variable of its own, e.g. `pseudonym key env "
                        "EXPORT_PSEUDONYM_KEY` set to `openssl rand -hex 32`"))


def _is_pseudonymize(call: syntax.Call) -> bool:
    function = lookup(call.name.name)
    return function is not None and function.effect is Effect.PSEUDONYMISE


def _position(diagnostic: Diagnostic) -> tuple[int, int, str]:
    span = diagnostic.primary_span
    return (span.start if span else -1, span.end if span else -1, diagnostic.code)


def _capped(diagnostics: list[Diagnostic], max_errors: int) -> list[Diagnostic]:
    """Keep everything up to the `max_errors`-th error, which gets a closing note."""
    positions = [i for i, d in enumerate(diagnostics) if d.is_error]
    if len(positions) <= max_errors:
        return diagnostics
    last = positions[max_errors - 1]
    cutoff = diagnostics[last]
    note = f"stopped after {max_errors} errors; fix these and check again"
    return [*diagnostics[:last], dataclasses.replace(cutoff, notes=(*cutoff.notes, note))]
