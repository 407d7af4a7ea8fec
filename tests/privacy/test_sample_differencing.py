"""A sample is a filter for differencing (adversarial review, session 34).

`sample P%` (n6) selects records, yet the differencing checks compared two aggregates by
their `where` and window only: a spec releasing the daily energy of all sessions beside
the same table of a 50% sample of drivers checked clean, though the first minus the
second is, day by day, the totals of the drivers the sample left out (each table holds
the minimum group size, their difference need not). The samples of an export nest, so
a 20% sample minus the 10% inside it isolates the band between them. The checks now
read the sample with the filter: OCX332, within a spec and across the specs of one
consumer. The sample's key is its own (HKDF info `sample of tokens`), never the
pseudonyms'."""

from __future__ import annotations

import pytest
from frontend_helpers import HEADER, diagnose_source

from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile


def _aggregate(clauses: str, out: str) -> str:
    return (f"from sessions\n{clauses}group by truncate(start_date_time, day) as day\ncompute\n"
            f'  sum(kwh) as energy_kwh\n  minimum group size 10\noutput csv to "{out}"\n')


def _codes(*datasets: str) -> list[str]:
    return [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + "".join(datasets)))]


@pytest.mark.parametrize(("first", "second", "expected"), [
    ("", "  sample 50% of drivers\n", ["OCX332"]),                   # all minus a half
    ("  sample 10% of drivers\n", "  sample 20% of drivers\n", ["OCX332"]),   # nested shares
    ("  where kwh < 55\n", "  where kwh < 55\n  sample 50%\n", ["OCX332"]),
    ("  sample 10%\n", "  sample 10%\n", []),                         # the same records
])
def test_a_sample_tells_two_aggregates_apart(first: str, second: str, expected: list[str]) -> None:
    assert _codes(_aggregate(first, "a.csv"), _aggregate(second, "b.csv")) == expected


def test_the_warning_names_the_sample(snapshot) -> None:
    source = SourceFile("sample.ocx", HEADER + _aggregate("", "all.csv")
                        + _aggregate("  sample 50% of drivers\n", "half.csv"))
    assert report.render(diagnose_source(source), {"sample.ocx": source}) == snapshot


def test_across_two_specs_of_one_consumer(run_cli, tmp_path) -> None:
    header = HEADER.replace("test_export", "{name}")
    (tmp_path / "all.ocx").write_text(header.format(name="daily_all") + _aggregate("", "all.csv"))
    (tmp_path / "half.ocx").write_text(header.format(name="daily_half")
                                       + _aggregate("  sample 50% of drivers\n", "half.csv"))
    checked = run_cli("check", str(tmp_path / "all.ocx"), str(tmp_path / "half.ocx"))
    assert "warning[OCX332]" in checked.stdout + checked.stderr, checked.stdout + checked.stderr


def test_the_sample_s_key_is_not_the_pseudonyms() -> None:
    from ocpispec.execute.pseudonyms import PseudonymDomain, derive_key

    master, domain = bytes(range(32)), PseudonymDomain("daily", "consumer")
    assert derive_key(master, domain, "sample of tokens") != derive_key(master, domain, "token")
