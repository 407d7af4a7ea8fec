"""Every spec in specs/ checks clean; the checked result (what each column releases,
from which fields, with which effect and class) is snapshotted per spec."""

from __future__ import annotations

import pytest
from frontend_helpers import REPO, SPECS

from ocpispec.check.checked import CheckedSpec
from ocpispec.check.compiler import compile_file


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_the_corpus_has_the_required_specs() -> None:
    names = {path.stem for path in SPECS}
    assert {"municipality_sessions", "research_cdrs", "open_data_locations",
            "utilisation_by_area"} <= names


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_spec_checks_clean(path) -> None:
    checked = compile_file(path.relative_to(REPO))
    assert checked.warnings == ()
    assert checked.datasets


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_checked_summary(path, snapshot) -> None:
    assert summary(compile_file(path.relative_to(REPO))) == snapshot


def summary(checked: CheckedSpec) -> str:
    lines = []
    for dataset in checked.datasets:
        lines.append(f"dataset {dataset.module} -> {dataset.output_name}"
                     f"{' (aggregate)' if dataset.is_aggregate else ''}")
        lines.append("  bindings: " + ", ".join(f"{b.name or '.'}={b.object}"
                                                for b in dataset.bindings))
        for join in dataset.joins:
            lines.append(f"  join {join.module} as {join.alias}: {join.local_key.qualified} = "
                         f"{'.'.join(join.remote_key)}")
        for column in dataset.columns:
            sources = ", ".join(src.qualified for src in column.sources) or "-"
            kind = column.kind.value if column.kind else "any"
            lines.append(f"  {column.name}: {column.effect.name.lower()} {kind} "
                         f"{column.privacy.value} -> {column.released_as.value} [{sources}]"
                         f"{' aggregate' if column.aggregate else ''}")
        lines.append("  touched: " + ", ".join(f.qualified for f in dataset.touched))
        written = sorted({ref.dotted for ref in dataset.fields})
        lines.append("  written fields: " + ", ".join(written))
    return "\n".join(lines) + "\n"


def test_the_test_copy_without_k_is_the_shipped_spec_minus_its_k_rule() -> None:
    """tests/specs/municipality_sessions_without_k.ocx (used where a test about something
    other than disclosure runs against a small demo) must not drift from the shipped spec:
    the same text but for its header and the k rule with its comment block."""
    shipped = (REPO / "specs" / "municipality_sessions.ocx").read_text().splitlines()
    copy = (REPO / "tests" / "specs" / "municipality_sessions_without_k.ocx").read_text()
    start = next(i for i, line in enumerate(shipped) if line.startswith("  # Nobody can be"))
    rule = next(i for i, line in enumerate(shipped) if line.startswith("  require k "))
    expected = shipped[:start] + shipped[rule + 1:]
    body = [line for line in copy.splitlines()]
    assert body[4:] == expected and all(line.startswith("#") for line in body[:4])
