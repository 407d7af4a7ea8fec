"""The disclosure log: one entry per run, successful or failed.

An entry holds when and by whom (user, host) a run was made, the spec (path and
sha256), the plan fingerprint (and the privacy fingerprint and the approval used,
when there are), the consumer with purpose, legal basis and retention, per dataset the
window, the released columns with their privacy class and every count, the output
files with sha256 and size, the outcome and, on failure, the diagnostic code. Never a
record value, a token or a key: it is built from the plan and the counters only.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import socket
import sqlite3
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocpispec.language.functions import stated_class
from ocpispec.plan import ir

OUTCOMES = ("committed", "sample", "failed", "interrupted", "incomplete", "assessed")


def new_entry(plan: ir.Plan, *, spec_sha256: str | None, run_at: str | None,
              outcome: str, code: str | None = None, limit: int | None = None,
              privacy_fingerprint: str | None = None,
              approval: str | None = None, source: str | None = None) -> dict[str, Any]:
    """`source`: "demo" for a run that read the built-in demo CPO's synthetic data (it
    disclosed nothing, and its risk figures are not the platform's), else None."""
    export = plan.export
    return {
        "id": uuid.uuid4().hex, "export": export.name, "run_at": run_at,
        "recorded_at": _now(), "user": _user(), "host": _host(),
        "spec_path": str(Path(plan.spec).resolve()), "spec_sha256": spec_sha256,
        "plan_fingerprint": plan.fingerprint,
        "privacy_fingerprint": privacy_fingerprint, "approval": approval,
        "consumer": export.consumer, "purpose": export.purpose,
        "legal_basis": export.legal_basis, "legal_reference": export.legal_reference,
        "retention": export.retention, "outcome": outcome, "code": code,
        "ocpi_version": None, "requests": None, "duration_s": None, "sample_limit": limit,
        "source": source, "datasets": [], "outputs": []}


def with_result(entry: dict[str, Any], plan: ir.Plan, result: Any,
                files: list[tuple[str, Any]],
                remotes: Mapping[Path, str] | None = None) -> dict[str, Any]:
    """The entry completed by a run's results and its staged (finished) files, each
    with the name of its dataset. A file staged in a local spool directory for remote
    delivery is logged under its destination: `remotes` maps the spool directory to the
    remote directory's URL (which never holds credentials)."""
    by_name = {d.name: d for d in plan.datasets}
    datasets = [_dataset(by_name[d.name], d) for d in result.datasets]
    outputs = [_output(name, file, remotes or {}) for name, file in files]
    return {**entry, "ocpi_version": result.version, "requests": result.requests,
            "duration_s": round(result.duration, 3), "datasets": datasets,
            "outputs": outputs}


def _dataset(dataset: ir.Dataset, result: Any) -> dict[str, Any]:
    counts = result.counts
    columns = [{"name": c.name, "source_class": c.privacy, "treatment": c.treatment,
                "class": stated_class(c.treatment, c.released_as)} for c in dataset.columns]
    aggregate = dataset.step(ir.Aggregate)
    if aggregate is not None:
        # the measure as written (`median(kwh)`, not `formula`): a median or a maximum
        # releases one record's value, an average does not
        columns += [{"name": m.name, "source_class": None,
                     "treatment": f"aggregated: {m.shown}", "class": m.privacy}
                    for m in aggregate.measures]
    return {"dataset": dataset.name, "module": dataset.module,
            "window_start": result.window.date_from, "window_end": result.window.date_to,
            "counts": {
                "read": counts.read, "outside_window": counts.outside_window,
                "duplicates_dropped": counts.duplicates,
                "excluded_private": counts.excluded_private, "filtered": counts.filtered,
                "invalid": dict(sorted(counts.invalid.items())),
                "written": counts.written, "groups": counts.groups,
                "groups_suppressed": counts.groups_suppressed,
                **{name: value for name, value in (
                    ("groups_dominated", counts.groups_dominated),
                    ("groups_secondary", counts.groups_secondary),
                    ("groups_sparse", sum(counts.groups_sparse.values())),
                    ("groups_told", sum(counts.groups_told.values()))) if value},
                "join_misses": dict(sorted(counts.join_misses.items())),
                **({"risk": result.risk} if getattr(result, "risk", None) else {})},
            "columns": columns}


def _output(dataset: str, file: Any, remotes: Mapping[Path, str]) -> dict[str, Any]:
    digest, size = hashlib.sha256(), 0
    with open(file.temp, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    kind = "manifest" if file.path.name.endswith(".manifest.json") else "output"
    remote = remotes.get(file.path.parent)
    path = f"{remote.rstrip('/')}/{file.path.name}" if remote else str(file.path.resolve())
    return {"dataset": dataset, "kind": kind, "path": path,
            "sha256": digest.hexdigest(), "size": size}


def insert_run(conn: sqlite3.Connection, entry: dict[str, Any]) -> None:
    if conn.execute("SELECT 1 FROM runs WHERE id = ?", (entry["id"],)).fetchone():
        return  # already logged (a recovery repeated)
    conn.execute(
        "INSERT INTO runs (id, export, run_at, recorded_at, user, host, spec_path, "
        "spec_sha256, plan_fingerprint, privacy_fingerprint, approval, consumer, purpose, "
        "legal_basis, legal_reference, retention, outcome, code, ocpi_version, requests, "
        "duration_s, sample_limit, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*(entry[k] for k in ("id", "export", "run_at", "recorded_at", "user", "host",
                              "spec_path", "spec_sha256", "plan_fingerprint",
                              "privacy_fingerprint", "approval", "consumer", "purpose",
                              "legal_basis", "legal_reference", "retention", "outcome",
                              "code", "ocpi_version", "requests", "duration_s",
                              "sample_limit")),
         entry.get("source")))  # an entry an older version left pending has none
    for item in entry["datasets"]:
        conn.execute("INSERT INTO run_datasets VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (entry["id"], item["dataset"], item["module"], item["window_start"],
                      item["window_end"], json.dumps(item["counts"]),
                      json.dumps(item["columns"])))
    for item in entry["outputs"]:
        conn.execute("INSERT INTO run_outputs VALUES (?, ?, ?, ?, ?, ?)",
                     (entry["id"], item["dataset"], item["kind"], item["path"],
                      item["sha256"], item["size"]))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _host() -> str:
    try:
        return socket.gethostname() or "unknown"
    except OSError:
        return "unknown"
