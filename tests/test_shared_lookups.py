"""A list two datasets of a run join is read once (`execute/shared_lookups.py`).

Counted by the demo CPO over HTTP: the lists of `locations` a run asks for (not the
one-object requests of a per-id fallback)."""

from __future__ import annotations

import csv
from pathlib import Path

from fixtures_cli import run_cli  # noqa: F401  (fixture)
from fixtures_demo import demo_server  # noqa: F401  (fixture)
from test_run_e2e import AS_OF, HEADER, run_spec, source_env  # noqa: F401  (fixture)

THREE = HEADER + '''from sessions
  join locations on location_id
select pseudonymize(id) as session
  location.city as city because "the consumer plans chargers per city"
output csv to "s.csv"
from cdrs
select pseudonymize(id) as cdr
output csv to "c.csv"
from sessions as per_city
  join locations on location_id
group by location.city as city because "the consumer plans chargers per city"
compute count() as sessions
  minimum group size 5
output csv to "a.csv"
'''


def location_lists(server, start: int) -> list[str]:
    return [record.target for record in server.request_log[start:]
            if record.target.split("?")[0].endswith("/locations")]


def rows(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_three_datasets_reading_locations_read_its_list_once(run_spec, demo_server, tmp_path):
    (tmp_path / "out").mkdir()
    start = len(demo_server.request_log)
    result = run_spec(THREE, demo_server)
    assert result.exit_code == 0, result.output
    lists = location_lists(demo_server, start)
    # the list up to its pin, and the one of the locations updated since
    assert len(lists) == 2, lists
    out = tmp_path / "out"
    sessions, per_city = rows(out / "s.csv"), rows(out / "a.csv")
    assert sessions and all(row["city"] for row in sessions)
    by_city: dict[str, int] = {}
    for row in sessions:
        by_city[row["city"]] = by_city.get(row["city"], 0) + 1
    assert per_city and all(by_city[row["city"]] == int(row["sessions"]) for row in per_city)
    assert rows(out / "c.csv")


def test_a_dataset_with_another_scope_reads_its_own_list(run_spec, demo_server, tmp_path):
    """A dataset that includes private locations sees every location: its table is not
    the one of a dataset whose joins see only published ones."""
    spec = THREE.replace('''from sessions as per_city
  join locations on location_id''', '''from sessions as per_city
  include private locations because "the consumer counts home charging too"
  join locations on location_id''')
    (tmp_path / "out").mkdir()
    start = len(demo_server.request_log)
    result = run_spec(spec, demo_server)
    assert result.exit_code == 0, result.output
    assert len(location_lists(demo_server, start)) == 4


def test_a_second_dataset_of_a_module_asks_no_probe_the_first_asked(run_cli, demo_server, tmp_path):
    """The date filters' field (two requests of 10), records stamped ahead (one of 1) and
    the last window's count asked again (one of 1) are facts of the module and window:
    `sessions` and `per_city` read the same, and the run asks each once."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(THREE.replace("from sessions\n", "from sessions since last run\n")
                    .replace("from cdrs\n", "from cdrs since last run\n")
                    .replace("from sessions as per_city\n", "from sessions as per_city since last run\n")
                    .replace('.csv"', '-{window.end}.csv"'))
    (tmp_path / "out").mkdir()

    def run(as_of: str) -> int:
        start = len(demo_server.request_log)
        result = run_cli("run", str(spec), "--out", str(tmp_path / "out"), "--state",
                         str(tmp_path / "state.json"), "--as-of", as_of, env=source_env(demo_server))
        assert result.exit_code == 0, result.output
        return start

    run("2025-06-01T00:00:00Z")
    start = run("2025-06-04T00:00:00Z")
    probes = [record.target for record in demo_server.request_log[start:]
              if "/sessions?" in record.target and ("limit=1&" in record.target + "&"
                                                    or "limit=10&" in record.target + "&")]
    ahead = [target for target in probes if "date_to" not in target]
    assert len(ahead) == 1, probes                      # stamped ahead
    assert len([t for t in probes if "limit=10" in t]) == 2, probes   # the filters' field
    assert len(probes) == 4, probes                     # and the last window's count


def test_a_shared_list_that_fails_fails_every_dataset_with_nothing_committed(
        run_spec, demo_server_factory, tmp_path):
    """The list two datasets share fails part way (a page of locations after the first
    answers 503 for good): the run fails loudly, and neither dataset that joins it nor the
    one beside them writes a file or state."""
    from ledger_helpers import state_dict

    from ocpispec.demo import Faults

    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50,
                                 faults=Faults(error_rate=1.0, fault_after_requests=4))
    (tmp_path / "out").mkdir()
    result = run_spec(THREE, server, "-q", "--page-size", "5")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr and "fetch.locations" in result.stderr, result.stderr
    assert not list((tmp_path / "out").iterdir())
    state = tmp_path / "state-out.json"
    assert not state.exists() or state_dict(state) is None
