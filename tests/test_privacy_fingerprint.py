"""The privacy fingerprint: layout, comments, page size and concurrency keep it; every
privacy-relevant change alters it; no value compared to a personal field is stored."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures_cli import SPECS
from ocpispec.check.compiler import compile_file, compile_source
from ocpispec.plan.planner import Options, plan
from ocpispec.privacy_summary import privacy_fingerprint, summarise
from ocpispec.diagnostics.source import SourceFile

CORPUS = sorted(SPECS.glob("*.ocx"))
MUNICIPALITY = SPECS / "municipality_sessions.ocx"
CARD_FILTER = ('  where status = "COMPLETED"',
               '  where status = "COMPLETED" and cdr_token.uid in ["04A2B3C4D5E6F7"] '
               'because "the fraud team reviews this blocked card"')


def _plan_text(text: str, name: str = "specs/x.ocx", **options):
    return plan(compile_source(SourceFile(name, text)), Options(**options) if options else None)


def _fingerprint(text: str, name: str = "specs/x.ocx") -> str:
    return _plan_text(text, name).privacy_fingerprint


# ---- layout keeps it -------------------------------------------------------------------

_LAYOUT = st.sampled_from(["comment line", "trailing comment", "indent", "blank line",
                           "trailing spaces", "spaces in expressions"])


@st.composite
def _relayout(draw, text: str) -> str:
    """The same spec with comments, indentation and blank lines changed."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 12))):
        at = draw(st.integers(0, len(lines) - 1))
        match draw(_LAYOUT):
            case "comment line":
                lines.insert(at, "  # " + draw(st.text("abc xyz(),=\"", max_size=20)))
            case "trailing comment" if lines[at].strip():
                lines[at] += "   # reviewed"
            case "indent":
                lines[at] = " " * draw(st.integers(0, 6)) + lines[at].lstrip(" ")
            case "blank line":
                lines.insert(at, "")
            case "trailing spaces":
                lines[at] += " " * draw(st.integers(1, 4))
            case "spaces in expressions" if not {'"', "#"} & set(lines[at]):
                lines[at] = lines[at].replace("(", "( ").replace(", ", " ,  ")
    return "\n".join(lines)


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_layout_and_comments_keep_the_fingerprint(spec: Path, data) -> None:
    text = spec.read_text()
    changed = data.draw(_relayout(text))
    assert _fingerprint(changed, str(spec)) == _fingerprint(text, str(spec))


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_page_size_concurrency_and_sample_keep_it(spec: Path) -> None:
    checked = compile_file(spec)
    base = plan(checked)
    other = plan(checked, Options(page_size=17, concurrency=9, sample=5))
    assert other.fingerprint != base.fingerprint  # the plan itself did change
    assert other.privacy_fingerprint == base.privacy_fingerprint


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_columns_in_another_order_keep_it(spec: Path) -> None:
    """A `select` (or `compute`) written in another order releases the same: the
    engineer who tidied the columns got "needs a new review: other privacy-relevant
    details changed" and a refused run."""
    text = spec.read_text()
    lines = text.splitlines(keepends=True)
    block = [i for i, line in enumerate(lines) if re.fullmatch(r"  [a-z(].* as \w+\n", line)
             and "because" not in line]
    runs = [list(group) for _, group in itertools.groupby(
        block, key=lambda i, c=itertools.count(): i - next(c))]
    run = max(runs, key=len)
    if len(run) < 2:
        pytest.skip("no two adjacent columns")
    first, second = run[0], run[1]
    lines[first], lines[second] = lines[second], lines[first]
    swapped = "".join(lines)
    assert swapped != text
    assert _fingerprint(swapped, str(spec)) == _fingerprint(text, str(spec))


def test_the_plan_fingerprint_does_not_cover_the_privacy_fingerprint() -> None:
    from ocpispec.plan.ir import fingerprint

    result = plan(compile_file(MUNICIPALITY))
    assert len(result.privacy_fingerprint) == 64
    assert fingerprint(result) == result.fingerprint


# ---- every privacy-relevant change alters it ------------------------------------------

CHANGES = {
    "consumer": ('consumer "Gemeente Utrecht, afdeling Ruimte en Mobiliteit"',
                 'consumer "Gemeente Utrecht, afdeling Handhaving"'),
    "purpose": ("Plan the municipal charging network", "Enforce parking rules"),
    "legal basis": ("legal basis public task", "legal basis legitimate interests"),
    "legal reference": ("DSA-2026-014", "DSA-2026-099"),
    "retention": ("retention 24 months", "retention 36 months"),
    "pseudonym scope": ("  pseudonym scope per week", "  pseudonym scope per month"),
    "pseudonym key": ("pseudonym key env UTRECHT_PSEUDONYM_KEY",
                      "pseudonym key env KEY_THE_CONSUMER_KNOWS"),
    "approval requirement": ("  retention 24 months", "  retention 24 months\n  requires approval"),
    "window": ("  since last run", "  last 30 days"),
    "filter": ('where status = "COMPLETED"', 'where status = "COMPLETED" and kwh > 1'),
    "filter on a personal field": CARD_FILTER,
    "private locations": ("monthly_report.ocx", "  join locations on location_id",
                          "  include private locations because \"home chargers too\"\n"
                          "  join locations on location_id",
                          "power_type as power_type",
                          "power_type as power_type because \"a type, not a place\""),
    "minimum group size": ("monthly_report.ocx", "minimum group size 10", "minimum group size 20"),
    "measure": ("monthly_report.ocx", "avg(kwh) as avg_kwh", "max(kwh) as avg_kwh"),
    "treatment": ("truncate(start_date_time, hour) as started_hour",
                  "start_date_time as started_hour because \"exact times are needed\""),
    "generaliser unit": ("truncate(start_date_time, hour)", "truncate(start_date_time, day)"),
    "column renamed": ("as energy_kwh", "as kwh"),  # started_hour: the k rule names it
    "k": ("require k 5 over", "require k 10 over"),
    "k columns": ("over (started_hour, postal_area)", "over (started_hour)"),
    "suppression limit": ("suppression limit 5%", "suppression limit 2%"),
    "column removed": ("  location.connector.standard as connector_standard\n", ""),
    "column added": ("  round(kwh, 1) as energy_kwh",
                     "  round(kwh, 1) as energy_kwh\n  status as status"),
    "output format": ("output csv to \"exports/utrecht-sessions-{run.date}.csv\"",
                      "output ndjson to \"exports/utrecht-sessions-{run.date}.ndjson\""),
    "destination": ("exports/utrecht-sessions-", "exports/other-"),
    "schedule": ("schedule weekly on monday at 06:00", "schedule daily at 06:00"),
    "export name": ("export utrecht_sessions", "export utrecht_sessions_v2"),
}


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_each_privacy_relevant_change_alters_it(change: str) -> None:
    spec, *edits = CHANGES[change] if len(CHANGES[change]) % 2 else (MUNICIPALITY.name,
                                                                     *CHANGES[change])
    text = changed = (SPECS / spec).read_text()
    for old, new in zip(edits[::2], edits[1::2]):
        assert changed.count(old) == 1
        changed = changed.replace(old, new)
    name = str(SPECS / spec)  # templates load from the spec's folder
    assert _fingerprint(changed, name) != _fingerprint(text, name)


def test_a_justification_change_alters_it() -> None:
    text = MUNICIPALITY.read_text().replace(*CHANGES["treatment"])
    other = text.replace("exact times are needed", "the planners asked")
    assert _fingerprint(other) != _fingerprint(text)


def test_template_contents_alter_it(tmp_path: Path) -> None:
    shutil.copytree(SPECS, tmp_path / "specs")
    spec = tmp_path / "specs" / "monthly_report.ocx"
    before = plan(compile_file(spec)).privacy_fingerprint
    template = tmp_path / "specs" / "templates" / "monthly_report.md.j2"
    template.write_text(template.read_text() + "\n")
    assert plan(compile_file(spec)).privacy_fingerprint != before


def test_a_personal_value_alters_it_but_is_never_in_the_summary() -> None:
    text = MUNICIPALITY.read_text().replace(*CARD_FILTER)
    other = text.replace("04A2B3C4D5E6F7", "04FFFFFFFFFFFF")
    assert _fingerprint(other) != _fingerprint(text)
    summary = json.dumps(summarise(_plan_text(text)))
    assert "04A2B3C4D5E6F7" not in summary and "(personal value)" in summary


def test_the_fingerprint_is_a_function_of_the_plan() -> None:
    result = plan(compile_file(MUNICIPALITY))
    assert privacy_fingerprint(result) == result.privacy_fingerprint


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_diff_names_each_change_specifically(change: str) -> None:
    """`diff` and the fingerprint agree, and each change is named, not just detected."""
    from ocpispec.privacy_summary import difference

    spec, *edits = CHANGES[change] if len(CHANGES[change]) % 2 else (MUNICIPALITY.name,
                                                                     *CHANGES[change])
    text = changed = (SPECS / spec).read_text()
    for old, new in zip(edits[::2], edits[1::2]):
        changed = changed.replace(old, new)
    name = str(SPECS / spec)
    result = difference(_plan_text(text, name), _plan_text(changed, name), old_name="a",
                        new_name="b")
    assert result.needs_review and result.changes
    assert all("other privacy-relevant details" not in c.text for c in result.changes)
