"""Numbers JSON does not have, as serialisers that allow them write them (Python's `json`
by default, Jackson with ALLOW_NON_NUMERIC_NUMBERS): `NaN`, `Infinity`, `-Infinity`. An
object holding one was "not valid JSON" whole, and one `NaN` in a charging period's
volume made the run refuse every such session. The value now reads as what it is, not a
number (null, reported by path like any value of the wrong type): the rest of the object
is delivered, and a required field that is none still makes its record invalid, loudly."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text


class _NonFinite(IndependentCpo):
    """Sessions whose `total_cost.incl_vat` (2.1.1: `total_cost`) is NaN and first dimension volume -Infinity;
    with `in_kwh`, every third one's `kwh` is NaN too (Python's json writes them bare)."""

    def __init__(self, version: str, in_kwh: bool = False, **options: Any) -> None:
        self.in_kwh = in_kwh
        super().__init__(version, **options)

    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for index, record in enumerate(made if module == "sessions" else ()):
            if isinstance(record["total_cost"], dict):
                record["total_cost"]["incl_vat"] = float("nan")
            else:       # 2.1.1: a bare number
                record["total_cost"] = float("nan")
            record["charging_periods"][0]["dimensions"][0]["volume"] = float("-inf")
            if self.in_kwh and index % 3 == 0:
                record["kwh"] = float("nan")
        return made


def _run(cpo: IndependentCpo, run_cli, tmp_path: Path):
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC", "--profile", "independent")
    assert done.exit_code == 0, done.output
    pulled = run_cli("get", "sessions", "--profile", "independent")
    spec = tmp_path / "sessions.ocx"
    spec.write_text(spec_text("sessions"))
    out = tmp_path / "out" / "sessions.csv"
    done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                   env={"INDEPENDENT_KEY": KEY})
    return pulled, done, out


@pytest.mark.parametrize("version", ["2.2.1", "2.1.1"])
def test_a_non_finite_number_reads_as_no_number_and_the_rest_is_delivered(version: str, run_cli,
                                                                            tmp_path: Path, snapshot) -> None:
    with _NonFinite(version, records=9) as cpo:
        pulled, done, out = _run(cpo, run_cli, tmp_path)
        personal = [cpo.token, *cpo.personal_values()]
    assert pulled.exit_code == 0, pulled.output
    assert len([line for line in pulled.stdout.splitlines() if line.strip()]) == 9
    assert "NaN" not in pulled.stdout and "Infinity" not in pulled.stdout
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 9 and all(row["energy_kwh"] for row in rows)
    assert "sessions.charging_periods.dimensions.volume (not a number)" in done.output, done.output
    assert [line.strip() for line in done.output.splitlines() if "(not a number)" in line] == snapshot
    assert "Traceback" not in done.output + pulled.output
    assert not [value for value in personal if value in done.output + pulled.output + out.read_text()]


def test_a_non_finite_number_where_one_is_required_refuses_its_record_loudly(run_cli, tmp_path: Path) -> None:
    with _NonFinite("2.3.0", in_kwh=True, records=9) as cpo:
        _, done, out = _run(cpo, run_cli, tmp_path)
    assert done.exit_code == 1 and not out.exists(), done.output
    assert "OCX570" in done.output and "3 `kwh` is not a number" in done.output, done.output
    assert "nothing was written" in done.output and "Traceback" not in done.output


VALUES = st.recursive(st.none() | st.booleans() | st.integers(-2 ** 63, 2 ** 63 - 1) | st.floats()
                      | st.text(max_size=4),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                   max_size=3), max_leaves=10)


def _as_text(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)        # how Python's json wrote it: `NaN`, `Infinity`, `-Infinity`
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    return value


@settings(max_examples=150, deadline=None)
@given(VALUES, st.binary(max_size=12))
def test_a_non_finite_number_reads_as_its_text_and_nothing_else_changes(value: Any, noise: bytes) -> None:
    from ocpispec.ocpi.non_finite import read_non_finite

    text = json.dumps(_as_text(value))
    read = read_non_finite(json.dumps(value).encode())
    if "NaN" in text or "Infinity" in text:
        assert read == _as_text(value) or read is None     # None: a text holding a lone surrogate
    read_non_finite(noise)     # any bytes: a value or None, never an exception
