"""The review model from a checked spec and its plan (no network, deterministic)."""

from __future__ import annotations

import dataclasses
import hashlib

from ocpispec import __version__
from ocpispec.check.checked import CheckedSpec
from ocpispec.diagnostics import Diagnostic
from ocpispec.plan import ir
from ocpispec.render.plan_text import describe_connection
from ocpispec.review import words
from ocpispec.review.dataset_review import dataset_review
from ocpispec.review.model import (
    ApprovalReview, Fingerprints, HeaderItem, Review, Sample, WarningItem)
from ocpispec.review.risk import risk_review

MISSING = "(not stated)"


def review(checked: CheckedSpec, plan: ir.Plan, *, sample: Sample | None = None,
           history: list[dict] | None = None,
           approval: ApprovalReview | None = None) -> Review:
    """`history`: the export's runs from the ledger (oldest first), for the measured
    risk; None or [] shows every dataset as not yet measured. `approval`: the approval
    section (`review.approval`); None shows none."""
    scope = plan.export.pseudonym_scope
    datasets = tuple(dataclasses.replace(dataset_review(c, p, checked, scope),
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
