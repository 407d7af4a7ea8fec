"""No canary ever leaves: the demo CPO marks every value the catalogue does not class
as public with `CANARY`; running every example spec must not put one into an output
file, a manifest, the state, the summary or an error message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixtures_cli import REPO, SPECS, WITHOUT_K
from ocpispec.ocpi import Credentials, OcpiClient
from ocpispec.ocpi.profiles import profile_from_client, save_profile

# The municipality spec runs without its k rule: at 300 sessions k 5 suppresses every row,
# leaving nothing that could leak. The rule only coarsens or removes rows, so the copy
# releases at least what the shipped spec does.
CORPUS = [REPO / WITHOUT_K if spec.stem == "municipality_sessions" else spec
          for spec in sorted(SPECS.glob("*.ocx"))]
KEY = "5b8e2d0f9a3c71e46b0d8f2a5c9e13b7d4f6a08c2e5b19d7f3a6c40e8b2d5f19"


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem.removesuffix("_without_k"))
def test_spec_leaks_nothing(run_cli, demo_server_factory, tmp_path: Path, spec: Path,
                          version: str) -> None:
    server = demo_server_factory(version=version, size=300, canaries=True)
    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        assert any("CANARY" in str(session) for session in client.fetch("sessions", limit=5))
        save_profile("cpo_production", profile_from_client("cpo_production", client))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY, "RESEARCH_PSEUDONYM_KEY": KEY}
    texts = []
    for limit in ((), ("--limit", "25")):
        out = tmp_path / f"out{len(limit)}"
        result = run_cli("run", str(spec.relative_to(REPO)), "--out", str(out), "--state",
                         str(tmp_path / f"state{len(limit)}.json"), "--as-of",
                         "2026-01-01T00:00:00Z", *limit, env=env)
        assert result.exit_code == 0, result.stderr
        texts += [result.stdout, result.stderr]
    files = [path for path in tmp_path.rglob("*") if path.is_file()
             and "config" not in path.parts]
    assert any(path.name == "out0" for path in files)
    for path in files:
        texts.append(path.read_bytes().decode("utf-8", "replace"))
    leaks = [text for text in texts if "CANARY" in text.replace(str(tmp_path), "<tmp>")]
    assert not leaks, f"canary found in {len(leaks)} text(s)"


def test_errors_leak_nothing(run_cli, demo_server_factory, tmp_path: Path) -> None:
    from ocpispec.demo import Faults

    server = demo_server_factory(version="2.2.1", size=100, canaries=True,
                                 faults=Faults(invalid_objects=3, fault_after_requests=1,
                                               envelope_error=2001))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    result = run_cli("run", "specs/municipality_sessions.ocx", "--out", str(tmp_path / "x"),
                     "--state", str(tmp_path / "s.json"), env=env)
    assert result.exit_code == 1
    shown = (result.stderr + result.stdout).replace(str(tmp_path), "<tmp>")
    assert "CANARY" not in shown


MODULES = ("sessions", "cdrs", "locations", "tariffs", "tokens")


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_type_confused_values_leak_nothing(run_cli, demo_server_factory, tmp_path: Path,
                                           version: str) -> None:
    """Objects, lists, numbers and over-long strings with canaries in every string field
    (and a field named like an e-mail address): every shipped spec and `get` of every
    module; the confused values are nulled and counted by path, never shown."""
    from ocpispec.demo import Faults

    server = demo_server_factory(version=version, size=120, canaries=True,
                                 faults=Faults(type_confused_values=True))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY, "RESEARCH_PSEUDONYM_KEY": KEY}
    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        save_profile("cpo_production", profile_from_client("cpo_production", client))
    texts = []
    for spec in CORPUS:
        out = tmp_path / spec.stem
        result = run_cli("run", str(spec.relative_to(REPO)), "--out", str(out), "--state",
                         str(tmp_path / f"{spec.stem}.json"), "--as-of", "2026-01-01T00:00:00Z",
                         "--allow-invalid", "100%", env=env)
        assert result.exit_code == 0, result.stderr
        assert "values ocpispec read as null" in result.stderr
        texts += [result.stdout, result.stderr]
    login = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert login.exit_code == 0, login.stderr
    for module in MODULES:
        result = run_cli("get", module, "--date-to", "2026-01-01", "--allow-invalid", "100%", env=env)
        assert result.exit_code == 0, result.stderr
        assert "names OCPI does not define" in result.stderr and "read as null" in result.stderr
        texts += [result.stdout, result.stderr]
    for path in tmp_path.rglob("*"):
        if path.is_file() and "config" not in path.parts:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    leaks = [match.group() for text in texts for match in re.finditer(".{80}(CANARY|jansen).{40}", text)]
    assert not leaks, f"canary found: {leaks[:3]}"


def test_the_k_rule_and_its_assessment_leak_nothing(run_cli, demo_server_factory,
                                                    tmp_path: Path) -> None:
    """The shipped k rule on canary data: `--assess` (report and ledger) and the run that
    fails on the suppression limit (OCX527) name counts and columns, never a value."""
    server = demo_server_factory(version="2.2.1", size=300, canaries=True)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    ledger = str(tmp_path / "ledger.sqlite")
    common = ("--out", str(tmp_path / "out.csv"), "--as-of", "2026-01-01T00:00:00Z")
    assessed = run_cli("run", "specs/municipality_sessions.ocx", "--assess", "--state", ledger,
                       *common, env=env)
    assert assessed.exit_code == 0, assessed.stderr
    assert "k 5" in assessed.stdout + assessed.stderr
    failed = run_cli("run", "specs/municipality_sessions.ocx", "--state", ledger, *common,
                     env=env)
    assert failed.exit_code == 1 and "OCX527" in failed.stderr
    assert not (tmp_path / "out.csv").exists()
    texts = [assessed.stdout, assessed.stderr, failed.stdout, failed.stderr]
    texts += [path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
              if path.is_file() and "config" not in path.parts]
    assert not [text for text in texts if "CANARY" in text.replace(str(tmp_path), "<tmp>")]


# ---- compressed outputs: the canary must be looked for inside them ---------------------------

COMPRESSED_SPEC = '''export compressed_outputs
  consumer "Test consumer"
  purpose "Every writer that compresses, on canary data"
  legal basis legitimate interests "test"
  retention 1 year
  pseudonym key env CANARY_TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from {module} as {module}_{fmt}
  join locations on {place}
select
  pseudonymize({driver}) as driver
  pseudonymize(id) as record
  truncate(start_date_time, hour) as started_hour
  location.city as city
  prefix(location.postal_code, 2) as district
  currency
output {fmt} to "{module}.{fmt}"
'''


def _inflated(path: Path) -> list[bytes]:
    """The file's bytes, the members of a zip (XLSX) and every gzip stream in it
    (Parquet pages): a canary compressed away is still a canary."""
    import zipfile
    import zlib

    data = path.read_bytes()
    found = [data]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            found += [archive.read(name) for name in archive.namelist()]
    start = data.find(b"\x1f\x8b")
    while start >= 0:
        try:
            found.append(zlib.decompressobj(wbits=31).decompress(data[start:]))
        except zlib.error:
            pass
        start = data.find(b"\x1f\x8b", start + 2)
    return found


@pytest.mark.parametrize("version", ["2.1.1", "2.3.0"])
def test_xlsx_and_parquet_leak_nothing_when_unpacked(run_cli, demo_server_factory,
                                                     tmp_path: Path, version: str) -> None:
    """XLSX is a zip and Parquet pages are gzip: a plain byte search cannot see a canary
    in them, so the files are unpacked first (and the search is shown to work on them)."""
    server = demo_server_factory(version=version, size=200, canaries=True)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "CANARY_TEST_KEY": KEY}
    inflated: list[bytes] = []
    for module, place, driver in (("sessions", "location_id", "cdr_token.contract_id"),
                                  ("cdrs", "cdr_location.id", "cdr_token.contract_id")):
        for fmt in ("xlsx", "parquet"):
            spec = tmp_path / f"{module}_{fmt}.ocx"
            spec.write_text(COMPRESSED_SPEC.format(module=module, place=place, driver=driver,
                                                   fmt=fmt))
            out = tmp_path / f"out_{module}_{fmt}"
            result = run_cli("run", str(spec), "--out", str(out), "--as-of",
                             "2026-01-01T00:00:00Z", "--state", str(tmp_path / "ledger.sqlite"),
                             env=env)
            assert result.exit_code == 0, result.stderr
            assert "CANARY" not in result.stdout + result.stderr.replace(str(tmp_path), "<tmp>")
            unpacked = _inflated(out)
            # the released values are found only unpacked: the search does look inside
            assert b"EUR" not in unpacked[0] and any(b"EUR" in data for data in unpacked[1:])
            inflated += unpacked
    for path in tmp_path.rglob("*"):
        if path.is_file() and "config" not in path.parts and path.suffix != ".ocx":
            inflated += _inflated(path)
    leaks = [data[max(0, i - 40):i + 40] for data in inflated
             if (i := data.find(b"CANARY")) >= 0]
    assert not leaks, f"canary found: {leaks[:3]}"
