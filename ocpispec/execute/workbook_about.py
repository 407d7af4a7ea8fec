"""The `about` sheet of an XLSX output: what a consumer who opens the workbook in Excel
needs to read its figures, and would otherwise find only in the manifest and data
package beside it (which spreadsheet users do not open): who it is for and why, the
licence, the window the rows cover, the rule that withheld small groups, the OCPI
version and plan it was made under, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocpispec.execute.windows import ResolvedWindow
from ocpispec.plan import ir


def about_rows(export: dict[str, Any], dataset: ir.Dataset, plan: ir.Plan,
               window: ResolvedWindow, version: str, now: datetime,
               file_name: str | None) -> list[tuple[str, str]]:
    """(item, value) pairs, in the order a reader asks them."""
    rows = [("export", export["name"]), ("dataset", dataset.name),
            ("consumer", export["consumer"]), ("purpose", export["purpose"])]
    rows += [(label, export[key]) for key, label in
             (("legal_basis", "legal basis"), ("retention", "retention"),
              ("licence", "licence")) if export.get(key)]
    rows.append(("window", _window(window)))
    aggregate = dataset.step(ir.Aggregate)
    if aggregate is not None:
        rows.append(("minimum group size",
                     f"{aggregate.min_group_size} distinct drivers: a group with fewer "
                     "is left out (the rows may not add up to every record)"))
    rows += [("OCPI version", version), ("plan fingerprint", plan.fingerprint),
             ("written at", now.strftime("%Y-%m-%dT%H:%M:%SZ"))]
    if file_name is not None:
        rows.append(("beside this file", f"{file_name}.manifest.json (what was released, "
                     f"how, under which plan) and {file_name}.datapackage.json (each "
                     "column's type, unit and description)"))
    return rows


def _window(window: ResolvedWindow) -> str:
    """The records' window as the manifest gives it: UTC, the start included, the end
    not, with the calendar rule it was resolved from."""
    start, end = window.date_from, window.date_to
    if start is None and end is None:
        shown = "every record (no time window)"
    else:
        shown = f"from {start or 'the first record'} up to {end or 'the run'} (UTC, end excluded)"
    return f"{shown}; {window.rule}" if window.rule else shown
