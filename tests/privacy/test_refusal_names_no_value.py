"""An object refused for giving a site key twice (`repeated_keys`) was described by the
path of the key within it, built from every key on the way: a platform's own field named
by a record's value (`{"NL-TNM-C00122045-K": {"id": 1, "id": 2}}`, a map keyed by
contract id) put the driver's contract id into `get`'s summary and a run's OCX570
(adversarial review, round 26). A key on the way is named only where an unknown field's
name would be (`records.reportable_name`); otherwise it is said to have an unusual name."""

from __future__ import annotations

import pytest
from independent_cpo import IndependentCpo
from test_run_e2e import HEADER, run_spec  # noqa: F401 - fixture

CONTRACT = "NL-TNM-C00122045-K"


class _Twin(str):
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other


class _KeyedByContract(IndependentCpo):
    def __init__(self) -> None:
        super().__init__("2.2.1", records=3, page_cap=50)
        first = self.lists["sessions"][0]
        first[CONTRACT] = {_Twin("id"): "A", "id": "B"}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_names_no_key_of_a_refused_object(run_cli, workers: str) -> None:
    with _KeyedByContract() as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", "sessions", "--date-to", "2030-01-01", "--workers", workers)
    assert "gives `(a field with an unusual name).id` more than once" in got.stderr, got.stderr
    assert CONTRACT not in got.stderr + got.stdout


SESSIONS = '''from sessions as sessions
select
  location_id as site
output csv to "sessions.csv"
'''


def test_run_names_no_key_of_a_refused_object(run_spec, tmp_path) -> None:
    (tmp_path / "out").mkdir()
    with _KeyedByContract() as cpo:
        failed = run_spec(HEADER + SESSIONS, cpo, out="out/")
    assert failed.exit_code == 1 and "error[OCX570]" in failed.stderr, failed.stderr
    assert CONTRACT not in failed.stderr + failed.stdout
    assert not any(CONTRACT in path.read_text(errors="replace") for path in tmp_path.rglob("*") if path.is_file())
