"""An export's rows never become another spec's template (OCX371).

A template may include any `.j2` file of the spec's folder, and a file without Jinja
syntax is copied into the output as it is. A fraud desk's export of card uids (allowed
for that consumer) written to `exports/cards.j2` was a template to the city's report in
the same folder: `{% include "exports/cards.j2" %}` delivered every card uid to the city,
whose spec checked clean and whose review showed one count per month."""

from __future__ import annotations

import json
from pathlib import Path

KEY = "8f3a1c7e9b2d4f6a0c5e7b9d1f3a5c7e9b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a"
HEADER = '''export {name}
  consumer "{consumer}"
  purpose "{purpose}"
  legal basis legitimate interests "LIA-2026-09"
  retention 3 months
  pseudonym key env FRAUD_KEY
source
  ocpi env OCPI_VERSIONS_URL
  token env OCPI_TOKEN
'''
FRAUD = HEADER.format(name="fraud_cards", consumer="Fraud desk, Example eMSP",
                      purpose="Block the cards of drivers who charged with stolen cards") + '''
from sessions
select
  pseudonymize(cdr_token.contract_id) as driver
  cdr_token.uid as card because "the fraud desk blocks the cards by their uid after review"
output template "templates/rows.j2" to "exports/cards.txt"
'''
CITY = HEADER.format(name="city_report", consumer="Gemeente Utrecht",
                     purpose="Monthly count of public charging sessions for the council") + '''
from sessions
group by
  truncate(start_date_time, month) as month
compute
  count() as sessions
  minimum group size 10
output template "report.md.j2" to "exports/report.md"
'''
ROWS = "{% for row in rows %}{{ row.driver }} {{ row.card }}\n{% endfor %}"
REPORT = "# Sessions per month\n{% include \"exports/cards.j2\" ignore missing %}\n" \
         "{% for row in rows %}- {{ row.month }}: {{ row.sessions }}\n{% endfor %}"


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "exports").mkdir()
    (tmp_path / "templates" / "rows.j2").write_text(ROWS, encoding="utf-8")
    (tmp_path / "report.md.j2").write_text(REPORT, encoding="utf-8")
    (tmp_path / "fraud.ocx").write_text(FRAUD, encoding="utf-8")
    (tmp_path / "city.ocx").write_text(CITY, encoding="utf-8")
    return tmp_path


def test_no_run_writes_rows_under_a_template_s_name(run_cli, tmp_path: Path, snapshot) -> None:
    folder = _folder(tmp_path)
    named = folder / "named.ocx"
    named.write_text(FRAUD.replace('"exports/cards.txt"', '"exports/cards.j2"'), encoding="utf-8")
    checked = run_cli("check", str(named))
    assert checked.exit_code == 1
    assert checked.stderr.replace(str(folder), "FOLDER") == snapshot
    out = folder / "exports" / "cards.J2"  # the same file where case is ignored
    done = run_cli("run", str(folder / "fraud.ocx"), "--demo", "--limit", "30", "--out", str(out),
                   env={"FRAUD_KEY": KEY})
    assert done.exit_code == 1 and "OCX371" in done.output, done.output
    assert "nothing was fetched" in done.output
    assert not out.exists()


def test_an_export_s_rows_are_not_included_by_another_spec(run_cli, tmp_path: Path) -> None:
    """A file an earlier version delivered under such a name, its manifest beside it, is
    refused as a template: the city's report is not written."""
    folder = _folder(tmp_path)
    sample = folder / "exports" / "cards.txt"
    done = run_cli("run", str(folder / "fraud.ocx"), "--demo", "--limit", "30", "--out",
                   str(sample), env={"FRAUD_KEY": KEY})
    assert done.exit_code == 0, done.output
    cards = [line.split()[1] for line in sample.read_text().splitlines()]
    assert len(cards) >= 20
    (folder / "exports" / "cards.j2").write_bytes(sample.read_bytes())
    manifest = json.loads((folder / "exports" / "cards.txt.manifest.json").read_text())
    (folder / "exports" / "cards.j2.manifest.json").write_text(json.dumps(manifest))
    checked = run_cli("check", str(folder / "city.ocx"), "--format", "concise")
    assert checked.exit_code == 1
    assert "OCX413" in checked.stderr and "`exports/cards.j2` is the output of an export" \
        in checked.stderr, checked.stderr
    report = run_cli("run", str(folder / "city.ocx"), "--demo", env={"FRAUD_KEY": KEY})
    assert report.exit_code == 1, report.output
    written = folder / "exports" / "report.md"
    assert not written.exists() or not any(card in written.read_text() for card in cards)


def test_a_template_link_to_a_run_record_is_refused(run_cli, tmp_path: Path) -> None:
    """A link named like a template (`templates/stats.j2`) to a file that is not one, a
    run record here (`excluded_private`, what a filter left out: counts the manifest
    keeps from the consumer), copied that file into the city's report."""
    folder = _folder(tmp_path)
    done = run_cli("run", str(folder / "fraud.ocx"), "--demo", "--limit", "30", "--out",
                   str(folder / "exports" / "cards.txt"), "--state",
                   str(folder / ".ocpispec" / "ledger.sqlite"), env={"FRAUD_KEY": KEY})
    assert done.exit_code == 0, done.output
    record = next((folder / ".ocpispec").rglob("*.json"))
    assert "excluded_private" in record.read_text()
    (folder / "templates" / "stats.j2").symlink_to(record)
    (folder / "report.md.j2").write_text(REPORT.replace("exports/cards.j2", "templates/stats.j2"))
    checked = run_cli("check", str(folder / "city.ocx"), "--format", "concise")
    assert checked.exit_code == 1
    assert "OCX413" in checked.stderr and "which is not named as a template" in checked.stderr
    report = run_cli("run", str(folder / "city.ocx"), "--demo", env={"FRAUD_KEY": KEY})
    assert report.exit_code == 1, report.output
    assert not (folder / "exports" / "report.md").exists()
