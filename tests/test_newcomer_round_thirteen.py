"""Round thirteen's new users: a calendar part compared with a number (`year(t) =
2025`, `month(t) = 3`, SQL's `extract(year from t) = 2025`, `date_part("year", t) =
2025`) was told `truncate(t, year)`, which compared with `2025` is a type error; pandas'
method chains on a measure (`sum(kwh).round(0)`, `kwh.mean()`, `.astype(int)`) got the
parser's generic 'expected one of ..., found `.`'. Each first try's diagnostic is
snapshot, and its help, pasted over what the caret covers, checks clean with no warning
(in a window on a local clock, the range's edges are that zone's midnights in UTC)."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_newcomer_round_twelve_consumers import _WRITE, _caret, _first_try

_TOP_TEN = "busiest_sites_top_ten"  # `between 2025-01-01 and 2026-01-01`, UTC
_QUARTERLY = "statistics_quarterly"  # `previous quarter in "Europe/Amsterdam"`
_WHERE = '  where status = "COMPLETED"\n'
_ENERGY = "  round(sum(kwh), 0) as energy_kwh\n"

# (spec, what the spec says, the first try, the code, the help it writes)
_TRIES = [
    (_TOP_TEN, _WHERE, "  where year(start_date_time) = 2025\n", "OCX107",
     "start_date_time >= 2025-01-01 and start_date_time < 2026-01-01"),
    (_TOP_TEN, _WHERE, "  where month(start_date_time) = 3\n", "OCX107",
     "start_date_time >= 2025-03-01 and start_date_time < 2025-04-01"),
    (_TOP_TEN, _WHERE, "  where month(start_date_time) = 12\n", "OCX107",
     "start_date_time >= 2025-12-01 and start_date_time < 2026-01-01"),
    (_TOP_TEN, _WHERE, "  where extract(year from start_date_time) = 2025\n", "OCX001",
     "start_date_time >= 2025-01-01 and start_date_time < 2026-01-01"),
    (_TOP_TEN, _WHERE, '  where date_part("year", start_date_time) = 2025\n', "OCX107",
     "start_date_time >= 2025-01-01 and start_date_time < 2026-01-01"),
    (_QUARTERLY, _WHERE, "  where year(start_date_time) = 2025\n", "OCX107",
     "start_date_time >= 2024-12-31T23:00:00Z and start_date_time < 2025-12-31T23:00:00Z"),
    (_QUARTERLY, _WHERE, "  where extract(year from start_date_time) = 2025\n", "OCX001",
     "start_date_time >= 2024-12-31T23:00:00Z and start_date_time < 2025-12-31T23:00:00Z"),
    (_TOP_TEN, _ENERGY, "  sum(kwh).round(0) as energy_kwh\n", "OCX014",
     "round(sum(kwh), 0)"),
    (_TOP_TEN, _ENERGY, "  sum(kwh).round(decimals=1) as energy_kwh\n", "OCX014",
     "round(sum(kwh), 1)"),
    (_TOP_TEN, _ENERGY, "  sum(kwh).astype(int) as energy_kwh\n", "OCX014",
     "round(sum(kwh), 0)"),
    (_TOP_TEN, _ENERGY, "  kwh.sum() as energy_kwh\n", "OCX014", "sum(kwh)"),
    (_TOP_TEN, _ENERGY, "  kwh.mean() as energy_kwh\n", "OCX014", "avg(kwh)"),
    (_TOP_TEN, "  count() as sessions\n", "  id.count() as sessions\n", "OCX014", "count()"),
]


@pytest.mark.parametrize("name, good, first, code, told", _TRIES,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(_TRIES)])
def test_the_help_applied_checks_clean(run_cli, tmp_path: Path, name: str, good: str,
                                       first: str, code: str, told: str, snapshot) -> None:
    done, spec, _ = _first_try(run_cli, tmp_path, name, good, first)
    said = done.stderr
    assert done.exit_code == 1 and f"[{code}]" in said, said
    assert "Traceback" not in said and "expected one of" not in said, said
    assert said.replace(str(spec), f"{name}.ocx") == snapshot
    written = spec.read_text()
    found = _WRITE.search(said)
    assert found is not None and (found.group(1) or found.group(2)) == told, said
    begin, end = _caret(said, written)
    spec.write_text(written[:begin] + told + written[end:])
    again = run_cli("check", str(spec))
    assert again.exit_code == 0 and "warning" not in again.stderr, again.stderr

