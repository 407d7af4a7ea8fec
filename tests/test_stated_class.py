"""What a pseudonymised column is said to be, wherever a person or a consumer's tool
reads it: "pseudonymous (personal data)", as the review and the register say, never
`public`. The checker lets a pseudonym leave like a public value (the plan's
`personal -> public`), but the manifest delivered beside the file, the Parquet column
metadata and the disclosure log told the consumer and the officer it *was* public, so
a consumer could take the file for one it may publish (GDPR Recital 26: a pseudonym
links one person's records and stays personal data)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

KEY = "7d2f9a4c1e8b3065f2a9c7d4e1b80f63a5c2e9d74b1f08a6c3e5d92b7f4a1c08"
SPEC = """export stated_class
  consumer "Universiteit Utrecht, energy research group"
  purpose "Study how often drivers return to the same public chargers"
  legal basis legitimate interests "balancing test LIA-2026-03"
  retention 12 months
  pseudonym key env STATED_KEY

source
  ocpi env OCPI_VERSIONS_URL
  token env OCPI_TOKEN

from sessions
  where status = "COMPLETED"
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, day) as started_day
  status
output {format} to "{out}"
"""


def _run(run_cli, demo_server_factory, tmp_path: Path, format: str, name: str) -> Path:
    server = demo_server_factory(version="2.2.1", size=200, max_page_size=100)
    out = tmp_path / name
    spec = tmp_path / f"{format}.ocx"
    spec.write_text(SPEC.format(format=format, out=out), encoding="utf-8")
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "STATED_KEY": KEY}
    result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), "-q",
                     env=env)
    assert result.exit_code == 0, result.stderr
    return out


def test_the_manifest_and_the_log_call_a_pseudonym_personal_data(
        run_cli, demo_server_factory, tmp_path: Path, snapshot) -> None:
    out = _run(run_cli, demo_server_factory, tmp_path, "csv", "x.csv")
    manifest = json.loads(Path(f"{out}.manifest.json").read_text(encoding="utf-8"))
    assert manifest["columns"] == snapshot
    history = run_cli("history", "--ledger", str(tmp_path / "ledger.sqlite"), "--format",
                      "json")
    logged = json.loads(history.stdout)[0]["datasets"][0]["columns"]
    assert {c["name"]: c["class"] for c in logged} == {
        "driver": "pseudonymous (personal data)", "started_day": "quasi-identifier",
        "status": "public"}


def test_parquet_metadata_calls_a_pseudonym_personal_data(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    out = _run(run_cli, demo_server_factory, tmp_path, "parquet", "x.parquet")
    schema = pq.read_schema(out)
    released = {name: schema.field(name).metadata[b"released_as"].decode()
                for name in schema.names}
    assert released == {"driver": "pseudonymous (personal data)",
                        "started_day": "quasi-identifier", "status": "public"}
