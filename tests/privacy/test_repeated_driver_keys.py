"""A charge or token that gives the key naming its driver twice (`"cdr_token": {"uid": ...,
"contract_id": <one driver>, ..., "contract_id": <another>}`; the token's own `uid` and
`contract_id`, 2.1.1's `auth_id`). orjson and msgspec keep the last value, so the charge
was credited to another driver: a group's driver count (minimum group size, k rules) and
the pseudonyms read it. A token `type` given as one-time (`AD_HOC_USER`) and then not made
a one-time id a driver of its own. No value of such a key is the cautious one: the object
is refused, as one naming its site twice (`ocpi/repeated_keys.py`), on `get`'s fast path
and slow path, with one worker or two, and in `run`.

Also: the fast reader counted a site's or party's key per object as if every object held
it, so a session whose token left out `party_id` beside one giving its `party_id` twice
balanced the count, and the second was read the last way (at the public site)."""

from __future__ import annotations

import pytest
from fixtures_demo import scrub
from independent_cpo import IndependentCpo
from privacy.test_repeated_site_keys import _diagnostic
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

TWIN = "TWIN-DRIVER-1"


class _Twin(str):
    """A key equal to no other: a dict holds it beside the same text, and `json.dumps`
    writes both, so the body repeats the key."""

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other


def _twice(obj: dict, key: str, first: object, last: object, spelt: str | None = None) -> dict:
    """`obj` giving `key` twice (first under `spelt`, as a platform spells it), `last` last."""
    twice = {_Twin(spelt or key): first, **{k: v for k, v in obj.items() if k != key}}
    twice[key] = last
    return twice


class _DriverTwice(IndependentCpo):
    def __init__(self, version: str, module: str, key: str, spelt: str | None = None,
                 first: str = "NL-OTHER-DRIVER-9", last: str | None = None) -> None:
        super().__init__(version, records=3, page_cap=50)
        records = self.lists[module]
        _complete_tokens(records)
        record = dict(records[0])
        if module != "tokens":
            record["id"] = TWIN
        else:
            record["uid"] = TWIN
        if "." in key:
            outer, inner = key.split(".")
            token = record[outer]
            record[outer] = _twice(token, inner, first, token[inner] if last is None else last, spelt)
        else:
            record = _twice(record, key, first, record[key] if last is None else last, spelt)
        records.append(record)


def _complete_tokens(records: list[dict]) -> None:
    """Each charge's token with its party, as OCPI 2.2 requires, and each stamp in whole
    seconds: a page `get`'s fast reader reads (the independent CPO's example leaves the
    party out, and writes every third stamp with milliseconds)."""
    for record in records:
        record["last_updated"] = record["last_updated"].replace(".250Z", "Z")
        if isinstance(token := record.get("cdr_token"), dict):
            token.update(country_code="NL", party_id="EMS")


def _login(run_cli, cpo: IndependentCpo) -> None:
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(("version", "module", "key", "spelt"), [
    ("2.2.1", "sessions", "cdr_token.contract_id", None),
    ("2.2.1", "sessions", "cdr_token.contract_id", "contractId"),
    ("2.2.1", "sessions", "cdr_token.uid", "UID"),
    ("2.3.0", "sessions", "cdr_token.contract_id", None),
    ("2.2.1", "cdrs", "cdr_token.uid", None),
    ("2.1.1", "sessions", "auth_id", None),
    ("2.1.1", "cdrs", "auth_id", "Auth_ID"),
    ("2.2.1", "tokens", "contract_id", None),
    ("2.1.1", "tokens", "auth_id", None),
])
def test_get_refuses_a_record_that_names_its_driver_twice(run_cli, version: str, module: str, key: str,
                                                         spelt: str | None, workers: str) -> None:
    with _DriverTwice(version, module, key, spelt) as cpo:
        _login(run_cli, cpo)
        got = run_cli("get", module, "--date-to", "2030-01-01", "--workers", workers,
                      "--allow-invalid", "1")
    assert got.exit_code == 0, got.stderr
    assert got.stdout.count("\n") == 3, got.stdout + got.stderr     # the other records only
    assert "more than once (which driver it is" in got.stderr, got.stderr
    assert "NL-OTHER-DRIVER-9" not in got.stdout + got.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(("module", "key"), [("sessions", "cdr_token.type"), ("tokens", "type")])
def test_get_refuses_a_token_type_given_one_time_and_then_not(run_cli, module: str, key: str,
                                                              workers: str) -> None:
    with _DriverTwice("2.2.1", module, key, first="AD_HOC_USER", last="RFID") as cpo:
        _login(run_cli, cpo)
        got = run_cli("get", module, "--date-to", "2030-01-01", "--workers", workers,
                      "--allow-invalid", "1")
    assert got.exit_code == 0, got.stderr
    assert got.stdout.count("\n") == 3, got.stdout + got.stderr
    assert "gives `" in got.stderr and "type` more than once (which driver" in got.stderr, got.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_keeps_a_token_type_given_twice_whose_last_says_one_time(run_cli, workers: str) -> None:
    """Read the last way it is one-time already: the cautious reading (it adds no driver)."""
    with _DriverTwice("2.2.1", "sessions", "cdr_token.type", first="RFID", last="AD_HOC_USER") as cpo:
        _login(run_cli, cpo)
        got = run_cli("get", "sessions", "--date-to", "2030-01-01", "--workers", workers,
                      "--allow-invalid", "1")
    assert got.exit_code == 0, got.stderr
    assert got.stdout.count("\n") == 4 and "more than once" not in got.stderr, got.stdout + got.stderr


class _PartyLeftOutBesidePartyTwice(IndependentCpo):
    """One session's token leaves out its `party_id`; another gives its own `party_id`
    twice, the home's and then the public site's (the home has the public site's id and
    country): the page holds as many `"party_id"` as two per session."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=3, page_cap=50)
        sites, sessions = self.lists["locations"], self.lists["sessions"]
        _complete_tokens(sessions)
        public = sites[0]
        home = next(site for site in sites if site.get("publish") is False)
        home.update({"id": public["id"], "country_code": public["country_code"], "party_id": "HOM"})
        token = dict(sessions[1]["cdr_token"])
        del token["party_id"]
        sessions[1] = dict(sessions[1], cdr_token=token)
        charge = dict(sessions[0], id=TWIN, location_id=public["id"])
        sessions.append(_twice(charge, "party_id", "HOM", public["party_id"]))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_key_left_out_does_not_balance_a_key_given_twice(run_cli, workers: str) -> None:
    with _PartyLeftOutBesidePartyTwice() as cpo:
        _login(run_cli, cpo)
        got = run_cli("get", "sessions", "--date-to", "2030-01-01", "--workers", workers,
                      "--allow-invalid", "1")
    assert got.exit_code == 0, got.stderr
    assert got.stdout.count("\n") == 3, got.stdout + got.stderr     # the other charges only
    assert "gives `party_id` more than once" in got.stderr, got.stderr


SESSIONS = '''from sessions as sessions
select
  location_id as site
output csv to "sessions.csv"
'''


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("key", ["cdr_token.contract_id", "cdr_token.type"])
def test_run_refuses_a_charge_that_names_its_driver_twice(run_spec, tmp_path, workers: str, key: str,
                                                         snapshot) -> None:
    (tmp_path / "out").mkdir()
    first, last = ("AD_HOC_USER", "RFID") if key.endswith("type") else ("NL-OTHER-DRIVER-9", None)
    with _DriverTwice("2.2.1", "sessions", key, first=first, last=last) as cpo:
        failed = run_spec(HEADER + SESSIONS, cpo, "--workers", workers, out="out/")
        allowed = run_spec(HEADER + SESSIONS, cpo, "--workers", workers, "--allow-invalid", "1", out="out/")
    assert failed.exit_code == 1 and "error[OCX570]" in failed.stderr, failed.stderr
    assert f"gives `{key}` more than once (which driver it is" in failed.stderr, failed.stderr
    assert scrub(_diagnostic(failed.stderr, "OCX570"), tmp_path=tmp_path) == snapshot
    assert "NL-OTHER-DRIVER-9" not in failed.stderr + allowed.stderr
    assert allowed.exit_code == 0, allowed.stderr
    assert len(read_csv(tmp_path / "out" / "sessions.csv")) == 3, allowed.stderr   # the other charges only


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("first", ["Ad_Hoc_User", "ad_hoc_USER"])
def test_run_refuses_a_token_type_said_one_time_in_other_casing_and_then_not(run_spec, tmp_path, workers: str,
                                                                            first: str) -> None:
    """run's workers check a page parsed by orjson, which keeps only the last `type`: the
    earlier one-time value, in a casing no enum spells, was never seen there (get's
    decoder refused it as no enum value, and the slow path reads it in any casing)."""
    (tmp_path / "out").mkdir()
    with _DriverTwice("2.2.1", "sessions", "cdr_token.type", first=first, last="RFID") as cpo:
        failed = run_spec(HEADER + SESSIONS, cpo, "--workers", workers, out="out/")
        allowed = run_spec(HEADER + SESSIONS, cpo, "--workers", workers, "--allow-invalid", "1", out="out/")
    assert failed.exit_code == 1 and "error[OCX570]" in failed.stderr, failed.stderr
    assert "gives `cdr_token.type` more than once (which driver it is" in failed.stderr, failed.stderr
    assert allowed.exit_code == 0, allowed.stderr
    assert len(read_csv(tmp_path / "out" / "sessions.csv")) == 3, allowed.stderr   # the other charges only


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_refuses_a_token_type_said_one_time_in_other_casing_and_then_not(run_cli, workers: str) -> None:
    with _DriverTwice("2.2.1", "sessions", "cdr_token.type", first="Ad_Hoc_User", last="RFID") as cpo:
        _login(run_cli, cpo)
        got = run_cli("get", "sessions", "--date-to", "2030-01-01", "--workers", workers,
                      "--allow-invalid", "1")
    assert got.exit_code == 0, got.stderr
    assert got.stdout.count("\n") == 3, got.stdout + got.stderr
    assert "type` more than once (which driver" in got.stderr, got.stderr


ESCAPED_ONE_TIME = "ESCAPED-ONE-TIME"


@pytest.fixture
def escaped_one_time(monkeypatch):
    """The independent CPO writing `ESCAPED_ONE_TIME` as `AD_HOC_USER` with an escaped
    letter (`\\u0041D_HOC_USER`): a JSON text any parser reads as the one-time type."""
    import json

    import independent_cpo

    class _Json:
        def __getattr__(self, name: str):
            return getattr(json, name)

        @staticmethod
        def dumps(*args, **kwargs) -> str:
            return json.dumps(*args, **kwargs).replace(f'"{ESCAPED_ONE_TIME}"', '"\\u0041D_HOC_USER"')

    monkeypatch.setattr(independent_cpo, "json", _Json())


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_refuses_a_token_type_said_one_time_with_an_escape_and_then_not(run_cli, escaped_one_time,
                                                                         workers: str) -> None:
    with _DriverTwice("2.2.1", "sessions", "cdr_token.type", first=ESCAPED_ONE_TIME, last="RFID") as cpo:
        _login(run_cli, cpo)
        got = run_cli("get", "sessions", "--date-to", "2030-01-01", "--workers", workers,
                      "--allow-invalid", "1")
    assert got.exit_code == 0, got.stderr
    assert got.stdout.count("\n") == 3, got.stdout + got.stderr
    assert "type` more than once (which driver" in got.stderr, got.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_run_refuses_a_token_type_said_one_time_with_an_escape_and_then_not(run_spec, tmp_path, escaped_one_time,
                                                                         workers: str) -> None:
    (tmp_path / "out").mkdir()
    with _DriverTwice("2.2.1", "sessions", "cdr_token.type", first=ESCAPED_ONE_TIME, last="RFID") as cpo:
        failed = run_spec(HEADER + SESSIONS, cpo, "--workers", workers, out="out/")
    assert failed.exit_code == 1 and "error[OCX570]" in failed.stderr, failed.stderr
    assert "gives `cdr_token.type` more than once (which driver it is" in failed.stderr, failed.stderr
