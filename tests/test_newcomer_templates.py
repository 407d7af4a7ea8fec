"""A newcomer's template that reads a value the dataset does not release: `row.get("x")`
is refused as `row.x` and `row["x"]` are, instead of printing `None` in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

SPEC = '''export tariff_use
  consumer "Management team"
  purpose "Which tariffs earn what"
  legal basis legitimate interests
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1
from cdrs
  previous quarter
  window on start_date_time
  join tariffs on tariffs.id
group by
  tariff.id as tariff because "management compares its own tariffs"
  currency
compute
  count() as cdrs
  sum(total_energy) as kwh
  minimum group size 10
output template "report.md.j2" to "exports/tariffs-{run.date}.md"
'''


def _check(run_cli, tmp_path: Path, template: str):
    (tmp_path / "report.md.j2").write_text(template)
    spec = tmp_path / "use.ocx"
    spec.write_text(SPEC)
    done = run_cli("check", str(spec))
    return done, done.stderr.replace(str(spec), "use.ocx")


@pytest.mark.parametrize("template", [
    '{% for r in rows %}| {{ r.tariff }} | {{ r.get("total_cost") }} |\n{% endfor %}',
    '{{ rows[0].get("total_cost") }}\n',
    '{{ (rows | first).get("total_cost") }}\n',
    'Report for {{ export.get("pseudonym_key") }}\n',
])
def test_a_value_read_with_get_that_is_not_released_is_refused(
        run_cli, tmp_path: Path, template: str, snapshot) -> None:
    """`r.get("total_cost")` checked clean and the run wrote `None` where the consumer
    expected a price (no value leaked: a row holds released columns only)."""
    done, text = _check(run_cli, tmp_path, template)
    assert done.exit_code == 1, text
    assert text == snapshot
    assert "total_cost" in text or "pseudonym_key" in text


@pytest.mark.parametrize("template", [
    '{% for r in rows %}| {{ r.get("tariff") }} | {{ r.get("kwh", 0) }} |\n{% endfor %}',
    '{{ rows[0].get("cdrs") }} {{ export.get("consumer") }} {{ run.get("date") }}\n',
    '{% for r in rows %}{% for c in columns %}{{ r.get(c) }} {% endfor %}\n{% endfor %}',
])
def test_a_released_value_read_with_get_checks_clean(run_cli, tmp_path: Path,
                                                     template: str) -> None:
    done, text = _check(run_cli, tmp_path, template)
    assert done.exit_code == 0, text
