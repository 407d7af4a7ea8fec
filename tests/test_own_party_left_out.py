"""A 2.2+ platform serving one CPO's objects alone, leaving their `country_code` and
`party_id` out (it has no other party to tell apart). Every object lacked a key field and
`get` and `run` refused them all (OCX570). Where the credentials name that CPO party and no
other, such an object is read as that party's, said as a deviation (`schema.own_party`);
where they name several (a hub), nothing is guessed and the run fails as before, with
nothing written."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text

_ABSENT = object()
SAID = "country_code, party_id: not sent or empty: read as the CPO party the credentials name"


class _PartyLeftOut(IndependentCpo):
    """Its locations, sessions, CDRs and tariffs name no party (leave the two fields out, or
    send them as `blank`); its credentials name `roles`."""

    def __init__(self, version: str, roles: tuple[str, ...], blank: Any = _ABSENT, **options: Any) -> None:
        self.roles, self.blank = roles, blank
        super().__init__(version, **options)

    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for record in made if module != "tokens" else ():
            del record["country_code"], record["party_id"]
            if self.blank is not _ABSENT:
                record["country_code"] = record["party_id"] = self.blank
        return made

    def _handler(self) -> type:
        cpo, served = self, super()._handler()

        class Handler(served):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/") == f"{cpo.root}/{cpo.version}/credentials":
                    roles = [{"role": "CPO", "country_code": party[:2], "party_id": party[3:]}
                             for party in cpo.roles]
                    return self._data({"token": "x", "url": cpo.versions_url, "roles": roles})
                return super().do_GET()
        return Handler


def _session(cpo: IndependentCpo, run_cli, module: str, tmp_path: Path, *flags: str) -> tuple[Any, Any, Path]:
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                   "--profile", "independent")
    assert done.exit_code == 0, done.output
    pulled = run_cli("get", module, "--profile", "independent")
    spec = tmp_path / f"{module}.ocx"
    spec.write_text(spec_text(module))
    out = tmp_path / "out" / f"{module}.csv"
    ran = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"), *flags,
                  env={"INDEPENDENT_KEY": KEY})
    return pulled, ran, out


@pytest.mark.parametrize(("version", "module", "rows", "flags", "blank"), [
    ("2.2.1", "sessions", 9, (), _ABSENT),
    ("2.3.0", "cdrs", 9, ("--workers", "2"), _ABSENT),
    ("2.2.1", "tariffs", 9, (), _ABSENT),
    ("2.3.0", "locations", 1, (), _ABSENT),
    ("2.2.1", "cdrs", 9, (), ""),        # sent empty, not left out
])
def test_objects_without_a_party_are_the_sole_cpo_partys(version: str, module: str, rows: int,
                                                          flags: tuple[str, ...], blank: Any, run_cli,
                                                          tmp_path: Path, snapshot) -> None:
    with _PartyLeftOut(version, ("BE-BEC",), blank, records=9) as cpo:
        pulled, ran, out = _session(cpo, run_cli, module, tmp_path, *flags)
        personal = [cpo.token, *cpo.personal_values()]
    assert pulled.exit_code == 0, pulled.output
    dumped = [json.loads(line) for line in pulled.stdout.splitlines() if line.strip()]
    assert len(dumped) == (rows if module == "locations" else len(cpo.lists[module]))   # the public site
    assert ran.exit_code == 0, ran.output
    written = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(written) == rows
    first = next(iter(written[0].values()))
    assert len({tuple(row.values()) for row in written}) == rows and first      # once each, filled
    assert [line.strip() for line in ran.output.splitlines() if "deviations" in line and SAID in line] == snapshot
    assert SAID in pulled.output
    assert "Traceback" not in pulled.output + ran.output
    assert not [value for value in personal if value in pulled.output + ran.output + out.read_text()]


def test_a_hub_naming_several_cpo_parties_guesses_none(run_cli, tmp_path: Path) -> None:
    with _PartyLeftOut("2.2.1", ("BE-BEC", "DE-XYZ"), records=9) as cpo:
        pulled, ran, out = _session(cpo, run_cli, "sessions", tmp_path)
    for done in (pulled, ran):
        assert done.exit_code == 1 and "OCX570" in done.output, done.output
        assert "missing key field `country_code`" in done.output and SAID not in done.output
    assert not out.parent.exists() or not list(out.parent.iterdir())
    assert "nothing was written" in ran.output


def test_a_profile_stored_before_the_sole_party_was_kept_learns_it_when_discovered_again(
        run_cli, tmp_path: Path) -> None:
    """A profile saved before `sole_party` was kept (none in its file) reads the party as
    unknown, not as a hub's: the next discovery (its stored one a day old) asks the
    credentials again and keeps what they say."""
    with _PartyLeftOut("2.2.1", ("BE-BEC",), records=9) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        saved = tmp_path / "config" / "profiles" / "independent.json"
        stored = json.loads(saved.read_text())
        assert stored.pop("sole_party") is True
        stored["created_at"] = stored["discovered_at"] = "2025-01-01T00:00:00Z"
        saved.write_text(json.dumps(stored))
        pulled = run_cli("get", "sessions", "--profile", "independent")
    assert pulled.exit_code == 0, pulled.output
    assert len([line for line in pulled.stdout.splitlines() if line.strip()]) == 9 and SAID in pulled.output
    assert json.loads(saved.read_text())["sole_party"] is True


class _PartyLeftOutNoCredentials(_PartyLeftOut):
    """As `_PartyLeftOut`, without a credentials endpoint (answered 404): nothing names the
    CPO party but the user who knows it."""

    def _handler(self) -> type:
        return IndependentCpo._handler(self)


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_the_cpo_party_stated_at_login_is_read_into_objects_naming_none(version: str, run_cli, tmp_path: Path,
                                                                        snapshot) -> None:
    """Without a credentials endpoint nothing named the party, and objects naming none were
    refused (OCX570) with no way to say whose they are; `login --cpo-party` says it, and
    OCX570's help names the option."""
    with _PartyLeftOutNoCredentials(version, (), records=9) as cpo:
        (tmp_path / "before").mkdir()
        refused = _session(cpo, run_cli, "sessions", tmp_path / "before")[1]
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--cpo-party", "be-bec", "--profile", "independent")
        assert done.exit_code == 0 and "CPO party:     BE-BEC" in done.output, done.output
        pulled = run_cli("get", "sessions", "--profile", "independent")
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        out = tmp_path / "sessions.csv"
        ran = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                      env={"INDEPENDENT_KEY": KEY})
        personal = [cpo.token, *cpo.personal_values()]
    assert refused.exit_code == 1 and "OCX570" in refused.output, refused.output
    hint = next(line for line in refused.output.splitlines() if line.startswith("help:"))
    assert "--cpo-party" in hint and hint == snapshot
    assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 9, pulled.output
    assert ran.exit_code == 0, ran.output
    assert len(list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))) == 9
    assert SAID in ran.output and "Traceback" not in pulled.output + ran.output
    assert not [value for value in personal if value in pulled.output + ran.output + out.read_text()]
