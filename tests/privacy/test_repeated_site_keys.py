"""A charge (or a site) that gives a key deciding its scope twice in one object
(round 25): `"location_id": <a home>, ..., "location_id": <a public site>`. orjson
and msgspec keep the last value, so the charge at the home was printed by `get` and
exported by `run` as one at the public site. The same for the party
(`country_code`, `party_id`), the embedded site's `id` (2.1.1 sessions, CDRs) and a
publish flag sent twice in full-width letters (`ｐｕｂｌｉｓｈ`). Such an object is
refused: left out as unreadable, and counted."""

from __future__ import annotations

import pytest
from fixtures_demo import scrub
from independent_cpo import IndependentCpo
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

TWIN = "TWIN-CHARGE-1"


class _Twin(str):
    """A key equal to no other: a dict holds it beside the same text, and `json.dumps`
    writes both, so the body repeats the key."""

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other


class _SentTwice(IndependentCpo):
    def __init__(self, version: str, module: str, key: str) -> None:
        super().__init__(version, records=3, page_cap=50)
        sites = self.lists["locations"]
        public = sites[0]
        charge = dict(self.lists[module][0], id=TWIN)
        if version == "2.1.1":      # no party, no location_id: the embedded site decides
            charge["location"] = {_Twin("id"): "HOME-NOT-LISTED", **charge["location"]}
        elif module == "cdrs":
            charge["cdr_location"] = {_Twin("id"): "HOME-NOT-LISTED", **charge["cdr_location"]}
        else:
            home = next(site for site in sites if site.get("publish") is False)
            if key != "location_id":    # the home takes the public site's id and all but one of its party
                other = "party_id" if key == "country_code" else "country_code"
                home.update({"id": public["id"], other: public[other]})
            field = "id" if key == "location_id" else key
            charge = {_Twin(key): home[field], **charge}
            charge[key] = public[field]
        self.lists[module].append(charge)


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(("version", "module", "key"), [
    ("2.2.1", "sessions", "location_id"),
    ("2.2.1", "sessions", "country_code"),
    ("2.2.1", "sessions", "party_id"),
    ("2.3.0", "sessions", "location_id"),
    ("2.2.1", "cdrs", "cdr_location.id"),
    ("2.1.1", "sessions", "location.id"),
    ("2.1.1", "cdrs", "location.id"),
])
def test_get_refuses_a_charge_that_names_its_site_twice(run_cli, version: str, module: str, key: str,
                                                      workers: str) -> None:
    with _SentTwice(version, module, key.split(".")[-1]) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", module, "--date-to", "2030-01-01", "--workers", workers)
    assert got.stdout.count("\n") == 3, got.stdout + got.stderr     # the other charges only
    assert "more than once" in got.stderr, got.stderr


class _PublishedTwiceFullWidth(IndependentCpo):
    def __init__(self) -> None:
        super().__init__("2.2.1", records=3, page_cap=50)
        home = next(site for site in self.lists["locations"] if site.get("publish") is False)
        home.update({"publish": True, _Twin("ｐｕｂｌｉｓｈ"): False, "ｐｕｂｌｉｓｈ": True})
        self.home = home["id"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_reads_a_full_width_publish_flag_given_twice_the_cautious_way(run_cli, workers: str) -> None:
    with _PublishedTwiceFullWidth() as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", "locations", "--date-to", "2030-01-01", "--workers", workers)
    assert got.exit_code == 0, got.stderr
    assert cpo.home not in got.stdout
    assert "publish: given more than once in one object" in got.stderr


SESSIONS = '''from sessions as sessions
select
  location_id as site
output csv to "sessions.csv"
'''


def _diagnostic(stderr: str, code: str) -> str:
    """The diagnostic `code` as printed: its first line up to the blank line after it."""
    lines = stderr.splitlines()
    start = next(index for index, line in enumerate(lines) if f"[{code}]" in line)
    end = next((index for index in range(start, len(lines)) if not lines[index].strip()), len(lines))
    return "\n".join(lines[start:end])


@pytest.mark.parametrize("workers", ["1", "2"])
def test_run_refuses_a_charge_that_names_its_site_twice(run_spec, tmp_path, workers: str,
                                                       snapshot) -> None:
    (tmp_path / "out").mkdir()
    with _SentTwice("2.2.1", "sessions", "location_id") as cpo:
        failed = run_spec(HEADER + SESSIONS, cpo, "--workers", workers, out="out/")
        allowed = run_spec(HEADER + SESSIONS, cpo, "--workers", workers, "--allow-invalid", "1", out="out/")
    assert failed.exit_code == 1 and "error[OCX570]" in failed.stderr, failed.stderr
    assert "gives `location_id` more than once" in failed.stderr
    assert scrub(_diagnostic(failed.stderr, "OCX570"), tmp_path=tmp_path) == snapshot
    assert allowed.exit_code == 0, allowed.stderr
    assert len(read_csv(tmp_path / "out" / "sessions.csv")) == 3, allowed.stderr   # the other charges only
