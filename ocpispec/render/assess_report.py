"""The report `ocpispec run --assess` prints: the measured re-identification risk of
each row dataset, and the groups each aggregate releases and withholds, in words, with
what was and was not done. Counts only, never values."""

from __future__ import annotations

import textwrap

from ocpispec.disclosure.words import measures_drivers, risk_lines
from ocpispec.execute import ASSESSMENT_LOGGED, ASSESSMENT_UNLOGGED, DatasetResult, RunResult
from ocpispec.render.run_summary import groups_text

WIDTH = 100
HOW_TO_READ = ("How to read it: a class is the rows that share every quasi-identifier value; "
               "a driver in a class of k=1 can be singled out by anyone who knows those "
               "values. Unicity is the share of drivers whose rows are the only ones at 1 or 2 "
               "(place, time) points someone may know, from a sample of each driver's points "
               "drawn with a fixed seed.")


def assess_text(result: RunResult, *, notes: tuple[str, ...] = ()) -> str:
    lines = [f"Assessment of `{result.export}`: OCPI {result.version}, plan "
             f"{result.fingerprint[:12]}", *(f"note: {note}" for note in notes)]
    for dataset in result.datasets:
        lines += ["", *_dataset(dataset)]
    ending = (f"Nothing was written and the state was not changed "
              f"({result.duration:.1f}s, {result.requests or 0:,} requests). "
              + _kept(notes))
    how = textwrap.wrap(HOW_TO_READ, WIDTH) if any(measures_drivers(d.risk)
                                                   for d in result.datasets) else []
    lines += ["", *how, *([""] if how else []), *textwrap.wrap(ending, WIDTH)]
    return "\n".join(lines) + "\n"


def _dataset(dataset: DatasetResult) -> list[str]:
    lines = [f"  {dataset.name} ({dataset.module}, {dataset.window.date_from or 'the beginning'}"
             f" to {dataset.window.date_to or 'now'})",
             _row("records read", f"{dataset.counts.read:,}"),
             _row("rows released", f"{dataset.counts.written:,}")]
    measured = risk_lines(dataset.risk)
    if not measured:  # an aggregate: what its minimum group size and rules withheld
        return [*lines, _row("groups", groups_text(dataset.counts))]
    return [*lines, *(_row(label, text) for label, text in measured)]


def _kept(notes: tuple[str, ...]) -> str:
    """Where the figures are kept for the review, as the run's notes say."""
    if any(note.startswith(ASSESSMENT_LOGGED) for note in notes):
        return ("The figures are in the ledger's history (`ocpispec history`) and the review "
                "(`ocpispec review`).")
    if any(note.startswith(ASSESSMENT_UNLOGGED) for note in notes):
        return "The figures are not in the ledger (see the note above)."
    return "Give --state (or run without --demo) to keep the figures for the review."


def _row(label: str, value: str) -> str:
    return f"    {label:<16} {value}"
