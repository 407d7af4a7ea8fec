"""`run --summary json`: one JSON document per run for schedulers and CI.

The document is the CPO's run record (every count; see `executor.records`) with the
outcome and, for a failed run, the diagnostic's code and message. Like the stderr
summary it stays with the CPO: it holds counts, never a record value or a secret.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ocpispec.plan import ir
from ocpispec.diagnostics import Diagnostic

SUMMARY_FORMAT = 1


def run_json(plan: ir.Plan, result: Any | None, diagnostic: Diagnostic | None,
             notes: Sequence[str] = (), *, skipped: str | None = None,
             assessed: bool = False) -> str:
    """`result` is an `executor.RunResult` (None when the run failed or was skipped);
    `skipped`, the end of the window a skipped run found delivered already: a scheduler
    reading stdout gets a document for that run too, with nothing run. An assessment
    (`assessed`) wrote nothing: it names no output a script could pick up."""
    document: dict[str, Any] = {"summary_format": SUMMARY_FORMAT, "export": plan.export.name,
                                "plan_fingerprint": plan.fingerprint}
    if skipped is not None:
        document.update(outcome="skipped", window_end=skipped, outputs=[], notes=list(notes))
    elif result is None:
        document["outcome"] = "failed"
        document["error"] = _error(diagnostic)
    else:
        document["outcome"] = "assessed" if assessed else "dry run" if result.dry_run else "done"
        document["run"] = result.record_data or {}
        document["outputs"] = [] if assessed else [_output(dataset) for dataset in result.datasets]
        document["notes"] = [*notes, *result.notes]
    return json.dumps(document, indent=2, ensure_ascii=False)


def unplanned_json(diagnostic: Diagnostic | None) -> str:
    """A run that failed before it had a plan (a spec with errors, an unreadable file or
    configuration): no export name, no fingerprint."""
    return json.dumps({"summary_format": SUMMARY_FORMAT, "export": None, "plan_fingerprint": None,
                       "outcome": "failed", "error": _error(diagnostic)}, indent=2, ensure_ascii=False)


def _error(diagnostic: Diagnostic | None) -> dict[str, Any] | None:
    if diagnostic is None:
        return None
    return {"code": diagnostic.code, "message": diagnostic.message,
            "notes": list(diagnostic.notes), "help": diagnostic.help}


def _output(dataset: Any) -> dict[str, Any]:
    return {"dataset": dataset.name, "format": dataset.format, "target": dataset.target,
            "manifest": str(dataset.manifest) if dataset.manifest else None,
            "rows": dataset.counts.written}
