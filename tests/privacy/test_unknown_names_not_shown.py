"""A field name the tool does not know is the platform's data, and may itself be personal
(adversarial review, round 27).

An unknown field was named wherever its name was shaped like an identifier: a platform
sending `"jan_jansen": 1` in each session had `get`'s summary say "unknown fields
(withheld): 1 fields: jan_jansen", and a run's summary, manifest and run record the same.
A shape cannot tell `jan_jansen` from `x_rating`: an unknown field is now named only when
some OCPI version gives a field that name (a closed vocabulary: `publish` sent in a
session), and every other one is counted, never shown (`records.reportable_name`)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo

PERSONAL_KEYS = {"jan_jansen": 1, "NL-TNM-C00122045-K": {"kwh": 3}, "x_rating": 4}
LEAKS = re.compile(r"jan_jansen|jansen|C00122045|x_rating", re.IGNORECASE)
KEY = "7d2c9e4b1a8f03e6c5b2d9a4f7e1c8b3a6d0f9e2c5b8a1d4f7e0c3b6a9d2f5e1"
SPEC = """export names
  consumer "Test consumer"
  purpose "Charges from a platform that sends fields the tool does not know"
  legal basis public task "test"
  retention 1 months
  pseudonym key env NAMES_KEY
source profile default

from sessions
select
  pseudonymize(id) as charge
  currency
output csv to "charges.csv"
"""


class _UnknownNames(IndependentCpo):
    """Each session and location carries keys the schema does not know, at the top and
    inside a known object, and one OCPI name at a place that lacks it (`publish`)."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=12, page_cap=5)
        for module in ("sessions", "locations"):
            for record in self.lists[module]:
                for value in [record, *record.values()]:
                    if isinstance(value, dict):
                        value.update(copy.deepcopy(PERSONAL_KEYS))
        for session in self.lists["sessions"]:
            session["publish"] = True


@pytest.fixture(scope="module")
def platform():
    with _UnknownNames() as cpo:
        yield cpo


def _login(run_cli, cpo: IndependentCpo) -> None:
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("module", ["sessions", "locations"])
def test_get_counts_the_names_it_does_not_know(run_cli, platform, module, workers,
                                               snapshot) -> None:
    _login(run_cli, platform)
    got = run_cli("get", module, "--date-to", "2030-01-01", "--workers", workers)
    assert got.exit_code == 0, got.stderr
    assert not LEAKS.search(got.stderr + got.stdout)
    line = next(line for line in got.stderr.splitlines() if "unknown fields" in line)
    assert line == snapshot


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_run_counts_the_names_it_does_not_know(run_cli, platform, tmp_path: Path,
                                                 monkeypatch, workers, snapshot) -> None:
    _login(run_cli, platform)
    monkeypatch.setenv("NAMES_KEY", KEY)
    spec = tmp_path / "names.ocx"
    spec.write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    ran = run_cli("run", str(spec), "--workers", workers)
    assert ran.exit_code == 0, ran.stderr
    texts = {"stdout": ran.stdout, "stderr": ran.stderr}
    texts |= {str(path.relative_to(tmp_path)): path.read_bytes().decode("utf-8", "replace")
              for path in tmp_path.rglob("*") if path.is_file()}
    assert [name for name, text in texts.items() if LEAKS.search(text)] == []
    said = [line.strip() for line in ran.stderr.splitlines() if "unknown field" in line]
    assert said == snapshot
