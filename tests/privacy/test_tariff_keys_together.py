"""A connector that names its tariffs under both keys, its version's and the other
version's (`"tariff_ids": [A], "tariff_id": "B"` on 2.2.1 and 2.3.0; the reverse on
2.1.1). `run` reads the version's key only (the normalizer; the other is an unknown field,
withheld), so `from tariffs` left B out, but `get tariffs` took both keys
(`public_scope.scope_from_locations`, and a run's joins, `execute/join_scope.py`) and
printed B as a public price. B is named by a field whose meaning is the platform's, not
OCPI's: an allow-list is not widened by it, so `get` and joins now read the version's key
as `run` does (`public_scope.connector_tariffs`)."""

from __future__ import annotations

import copy

import pytest
from independent_cpo import IndependentCpo
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

OTHER_KEY_TARIFF = "NAMED-UNDER-THE-OTHER-KEY"
HOME_TARIFF = "HOME-UNDER-THE-OTHER-KEY"


class _BothKeys(IndependentCpo):
    def __init__(self, version: str) -> None:
        super().__init__(version, records=3, page_cap=50)
        sites, tariffs = self.lists["locations"], self.lists["tariffs"]
        tariffs.append(dict(copy.deepcopy(tariffs[0]), id=OTHER_KEY_TARIFF))
        tariffs.append(dict(copy.deepcopy(tariffs[0]), id=HOME_TARIFF))
        connector = sites[0]["evses"][0]["connectors"][-1]
        if version == "2.1.1":
            connector["tariff_ids"] = [OTHER_KEY_TARIFF]     # 2.2's key beside its `tariff_id`
        else:
            connector["tariff_id"] = OTHER_KEY_TARIFF        # 2.1.1's key beside `tariff_ids`
            home = next(site for site in sites if site.get("publish") is False)
            home["evses"][0]["connectors"][0]["tariff_id"] = HOME_TARIFF


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_get_prints_no_tariff_a_published_connector_names_under_the_other_key_only(run_cli, version: str,
                                                                            workers: str) -> None:
    with _BothKeys(version) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", "tariffs", "--date-to", "2030-01-01", "--workers", workers)
    assert got.exit_code == 0, got.stderr
    assert got.stdout.count("\n") == 3, got.stdout + got.stderr    # the tariffs the version's key names
    assert OTHER_KEY_TARIFF not in got.stdout and HOME_TARIFF not in got.stdout + got.stderr


TARIFFS = '''from tariffs as tariffs
select
  id as tariff
output csv to "tariffs.csv"
'''


@pytest.mark.parametrize("workers", ["1", "2"])
def test_run_exports_no_tariff_a_published_connector_names_under_the_other_key_only(run_spec, tmp_path,
                                                                             workers: str) -> None:
    (tmp_path / "out").mkdir()
    with _BothKeys("2.2.1") as cpo:
        done = run_spec(HEADER + TARIFFS, cpo, "--workers", workers, out="out/")
    assert done.exit_code == 0, done.stderr
    exported = {row["tariff"] for row in read_csv(tmp_path / "out" / "tariffs.csv")}
    assert len(exported) == 3 and OTHER_KEY_TARIFF not in exported and HOME_TARIFF not in exported, exported
