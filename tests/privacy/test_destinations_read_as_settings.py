"""No export writes where programs read settings, keys, approvals or code (OCX250).

A custom template without Jinja syntax is copied into its output as it is, and a name
without an extension fitted any format. A harmless-looking spec wrote, through its
export, an approval record of another, hostile spec into that spec's `*.approvals/`
folder: after one `run`, `ocpispec approvals` listed the hostile spec as approved by
the officer ("valid ... Pat Jansen ... not signed") and its gate opened. The same way
led to `~/.ssh/authorized_keys`, a cron job or the project's `ocpispec.toml`."""

from __future__ import annotations

from pathlib import Path

import pytest

KEY = "8f3a1c7e9b2d4f6a0c5e7b9d1f3a5c7e9b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a"
SPEC = '''export {name}
  consumer "Gemeente Utrecht"
  purpose "Monthly count of public charging sessions for the council"
  legal basis public task "Art. 6(1)(e) GDPR"
  retention 3 months
  pseudonym key env THE_KEY
{gate}source
  ocpi env OCPI_VERSIONS_URL
  token env OCPI_TOKEN
from sessions
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, day) as day
output {output}
'''


def _spec(folder: Path, name: str, output: str, gate: str = "") -> Path:
    path = folder / f"{name}.ocx"
    path.write_text(SPEC.format(name=name, output=output, gate=gate), encoding="utf-8")
    return path


def test_a_run_cannot_write_another_spec_s_approval(run_cli, tmp_path: Path) -> None:
    hostile = _spec(tmp_path, "hostile", 'csv to "exports/x-{run.date}.csv"',
                    gate="  requires approval\n")
    approved = run_cli("approve", str(hostile), "--by", "Pat Jansen <pat@cpo.example>")
    assert approved.exit_code == 0, approved.output
    [record] = (tmp_path / "hostile.ocx.approvals").glob("*.toml")
    (tmp_path / "forged.toml.j2").write_bytes(record.read_bytes())  # no Jinja: copied
    record.unlink()
    innocent = _spec(tmp_path, "innocent",
                     f'template "forged.toml.j2" to "{record}"')
    checked = run_cli("check", str(innocent), "--format", "concise")
    assert checked.exit_code == 1 and "OCX250" in checked.stderr, checked.stderr
    done = run_cli("run", str(innocent), "--demo", "--limit", "30", env={"THE_KEY": KEY})
    assert done.exit_code == 1 and "OCX250" in done.output, done.output
    assert not record.exists()
    listed = run_cli("approvals", str(hostile))
    assert "0 valid approvals" in listed.output, listed.output


def test_the_refusal_says_where_and_why(run_cli, tmp_path: Path, snapshot) -> None:
    spec = _spec(tmp_path, "innocent", 'template "forged.toml.j2" to '
                 '"specs/hostile.ocx.approvals/20261201T090000Z-5028a6e66867.toml"')
    (tmp_path / "forged.toml.j2").write_text("fingerprint = 1\n", encoding="utf-8")
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 1
    assert checked.stderr.replace(str(tmp_path), "FOLDER") == snapshot


@pytest.mark.parametrize("destination", [
    "~/.ssh/authorized_keys", "exports/.git/hooks/pre-commit", "/etc/cron.d/ocpispec",
    "/root/exports/x.csv", "ocpispec.toml", "config/destinations/lab.toml",
    "other.ocx.approvals/x.json", "exports/known_hosts", "exports/run.sh",
    "exports/x.csv.ocx", "/var/spool/cron/crontabs/root", "~/.bashrc", "exports/.env",
    "state/ledger.sqlite", "keys/allowed_signers",
    "sftp://files.example.org/home/cpo/.ssh/authorized_keys"])
def test_places_programs_read_are_refused(run_cli, tmp_path: Path, destination: str) -> None:
    spec = _spec(tmp_path, "s", f'csv to "{destination}"')
    checked = run_cli("check", str(spec), "--format", "concise")
    assert checked.exit_code == 1 and "OCX250" in checked.stderr, checked.stderr


@pytest.mark.parametrize("destination", [
    "exports/x-{run.date}.csv", "/srv/exports/x.csv", "~/exports/x.csv",
    "../shared/x.csv", "exports/v2.1.1", "exports/x.dat", "./x.csv",
    "/var/lib/exports/x.csv", "/opt/exports/x.csv", "exports/.hidden.csv"])
def test_data_files_pass(run_cli, tmp_path: Path, destination: str) -> None:
    spec = _spec(tmp_path, "s", f'csv to "{destination}"')
    checked = run_cli("check", str(spec), "--format", "concise")
    assert "OCX250" not in checked.stderr, checked.stderr
