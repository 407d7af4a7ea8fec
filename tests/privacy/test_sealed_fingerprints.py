"""A value a filter compares a personal field with is blanked out of the plan, the review,
the approval record and the consumer's manifest; the fingerprints beside them must not
give it back to whoever fills the blank with guesses and hashes them (`plan/ir/sealing.py`).

Each test plays that reader with what it reads: the blanked text and the fingerprint
printed beside it, and 4,096 guesses of which one is the card."""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from pathlib import Path

from ocpispec.plan.ir.codec import without_origins
from ocpispec.privacy_summary import comparable

CARD = "04A2B3C4"
GUESSES = ["04A2B" + "".join(tail) for tail in itertools.product("0123456789ABCDEF", repeat=3)]
SPEC = f'''export fraud_study
  consumer "Fraud desk, Example eMSP"
  purpose "Study the charging of one card reported stolen, for the fraud desk"
  legal basis legitimate interests "LIA-2026-09 fraud prevention"
  retention 3 months
  pseudonym key env FRAUD_KEY

source
  ocpi env OCPI_VERSIONS_URL
  token env OCPI_TOKEN

from sessions
  where cdr_token.uid = "{CARD}" because "the fraud desk studies the sessions of the stolen card"
select
  pseudonymize(id) as session
  truncate(start_date_time, day) as day
output csv to "exports/fraud.csv"
'''
KEY = "8f3a1c7e9b2d4f6a0c5e7b9d1f3a5c7e9b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a"


def _canonical(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _found_in_plan(view: dict) -> list[str]:
    """The guesses that, written into the blanks of `plan --format json`, hash to the
    fingerprint it prints."""
    data = without_origins(view)
    for key in ("fingerprint", "privacy_fingerprint", "spec"):
        data.pop(key, None)
    text = _canonical(data)
    assert "'(personal value)'" in text
    return [guess for guess in GUESSES if hashlib.sha256(
        text.replace("'(personal value)'", f"'{guess}'").encode()).hexdigest() == view["fingerprint"]]


def _found_in_record(record: dict) -> list[str]:
    """The guesses that, as the exact filter beside the record's summary, hash to the
    privacy fingerprint the record holds."""
    summary = comparable(record["summary"])
    return [guess for guess in GUESSES if hashlib.sha256(_canonical(
        {"summary": summary, "exact": [f"cdr_token.uid == '{guess}'"]}).encode()).hexdigest()
        == record["privacy_fingerprint"]]


def test_the_plan_s_fingerprint_does_not_give_the_card_back(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "fraud.ocx"
    spec.write_text(SPEC, encoding="utf-8")
    shown = run_cli("plan", str(spec), "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    assert CARD not in shown.stdout
    assert _found_in_plan(json.loads(shown.stdout)) == []
    review = json.loads(run_cli("review", str(spec), "--format", "json").stdout)
    assert review["fingerprints"]["plan"] == json.loads(shown.stdout)["fingerprint"]
    # another card is still another plan, and a new review
    other = tmp_path / "other.ocx"
    other.write_text(SPEC.replace(CARD, "04A2B3C5"), encoding="utf-8")
    assert json.loads(run_cli("plan", str(other), "--format", "json").stdout)["fingerprint"] \
        != json.loads(shown.stdout)["fingerprint"]
    diff = run_cli("diff", str(spec), str(other))
    assert diff.exit_code == 1 and "a value compared in a filter on personal fields changed" \
        in diff.stdout


def test_the_approval_record_does_not_give_the_card_back(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "fraud.ocx"
    spec.write_text(SPEC, encoding="utf-8")
    approved = run_cli("approve", str(spec), "--by", "Pat Jansen <pat@cpo.example>")
    assert approved.exit_code == 0, approved.stderr
    text = next((tmp_path / "fraud.ocx.approvals").glob("*.toml")).read_text()
    assert CARD not in text
    assert _found_in_record(tomllib.loads(text)) == []
    listed = run_cli("approvals", str(spec), "--check")
    assert listed.exit_code == 0, listed.output


def test_the_consumer_s_manifest_does_not_give_the_card_back(run_cli, tmp_path: Path) -> None:
    """The manifest delivered with the file records the plan's fingerprint: a consumer
    holding the plan as its officer read it finds no card by guessing."""
    spec = tmp_path / "fraud.ocx"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "fraud.csv"
    done = run_cli("run", str(spec), "--demo", "--out", str(out), "-q",
                   env={"FRAUD_KEY": KEY})
    assert done.exit_code == 0, done.output
    manifest = json.loads((tmp_path / "fraud.csv.manifest.json").read_text())
    view = json.loads(run_cli("plan", str(spec), "--format", "json").stdout)
    assert manifest["plan_fingerprint"] == view["fingerprint"]
    assert _found_in_plan(view) == []


def test_an_approval_fingerprinted_before_sealing_is_named_so(run_cli, tmp_path: Path) -> None:
    """An approval an earlier ocpispec recorded (its fingerprint the plain sha256) is
    stale, and said to be so for the tool, not for a changed card."""
    spec = tmp_path / "fraud.ocx"
    spec.write_text(SPEC, encoding="utf-8")
    assert run_cli("approve", str(spec), "--by", "Pat Jansen <pat@cpo.example>").exit_code == 0
    path = next((tmp_path / "fraud.ocx.approvals").glob("*.toml"))
    record = tomllib.loads(path.read_text())
    earlier = hashlib.sha256(_canonical({"summary": comparable(record["summary"]),
                                         "exact": [f"cdr_token.uid == '{CARD}'"]}).encode())
    path.write_text(path.read_text().replace(record["privacy_fingerprint"], earlier.hexdigest()))
    listed = run_cli("approvals", str(spec))
    assert "recorded by an earlier version of ocpispec" in listed.stdout, listed.output
    assert "a value compared in a filter on personal fields changed" not in listed.stdout
