"""Numbers sent as text in exponent form, as a serialiser writing every number as text
writes some (Java's `Double.toString` gives `"1.0E-4"`, `BigDecimal` `"1.5342E+1"`): a
number sent as text was read only in plain decimal form, so such a record was invalid and
the run refused every CDR it held (OCX570), though the text names one number exactly.
Read now as that number; a text naming no finite number is still no number."""

from __future__ import annotations

import copy
import csv
import io
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from ocpispec.schema.wire_tests import integer, number
from test_independent_cpo import KEY, spec_text

# module -> (the field, its value in the examples, the column released, rounded)
FIELDS = {"sessions": ("kwh", "energy_kwh"), "cdrs": ("total_energy", "energy_kwh")}


class _ExponentTexts(IndependentCpo):
    """Every session's `kwh` and CDR's `total_energy` as text in exponent form."""

    def _shaped(self, page: list[dict[str, Any]]) -> Any:
        page = copy.deepcopy(super()._shaped(page))
        for record in page:
            for field, _ in FIELDS.values():
                if isinstance(record.get(field), (int, float)):
                    record[field] = f"{record[field] * 1000:.0f}E-3"
        return page


@pytest.mark.parametrize("module", FIELDS)
def test_a_number_sent_as_text_in_exponent_form_is_read(module: str, run_cli, tmp_path: Path) -> None:
    field, column = FIELDS[module]
    with _ExponentTexts("2.2.1", records=6) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        spec = tmp_path / f"{module}.ocx"
        spec.write_text(spec_text(module))
        out = tmp_path / "out" / f"{module}.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
        expected = round(float(cpo.lists[module][0][field]), 1)
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [float(row[column]) for row in rows] == [expected] * 6
    assert f"{module}.{field}: a number sent as text, read as a number" in done.output


@pytest.mark.parametrize(("text", "read"), [("1.0E-4", 0.0001), ("1.5342E+1", 15.342), ("-2e3", -2000.0),
                                            ("1e999", None), ("1e", None), ("E5", None), ("1e3.5", None)])
def test_exponent_texts_name_finite_numbers_or_none(text: str, read: float | None) -> None:
    found = number(text)
    assert found is not None
    assert found[0] == read and (found[1] is None) == (read is not None)
    assert integer(text)[0] is None       # an integer's text holds digits only
