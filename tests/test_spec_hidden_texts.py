"""A character that hides in a spec's text, where the privacy officer reads it.

The officer asked for the sessions in Amsterdam to be left out, and the spec said so:
`where location.city != "Amsterdam"`. An edit put a zero-width space inside the name
(`"Amst\\u200berdam"`), which matches no city: the run then released every Amsterdam
session, while the review page showed the filter as before, `diff` showed a change
whose two sides read the same, and so did `approvals` and the refused
run. OCX016 refuses direction controls; a zero-width space, a word joiner or a soft
hyphen passed and was shown as it is. Every text of the review (HTML, Markdown), of
`diff`, of `plan` and of what changed since an approval now shows such a character as its
code point (`<U+200B>`), as platform texts already were; JSON has its escape."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from browser import open_page

KEY = "4b1d7e0a9c3f82d5e6a1b4c7d0e3f6a9b2c5d8e1f4a7b0c3d6e9f2a5b8c1d4e7"
SPEC = '''export city_sessions
  consumer "Provincie Noord-Holland, team Mobiliteit"
  purpose "Plan charging outside the city of Amsterdam, which the city plans itself"
  legal basis public task "Art. 6(1)(e) GDPR; DSA-2026-021"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  join locations on location_id
  where location.city != "{city}"
select
  location.city as city
  round(kwh, 0) as energy_kwh
output csv to "sessions.csv"
'''
HIDDEN = "Amst\u200berdam"
SHOWN = "Amst<U+200B>erdam"


def _specs(tmp_path: Path, city: str = HIDDEN) -> tuple[Path, Path]:
    approved, edited = tmp_path / "approved.ocx", tmp_path / "edited.ocx"
    approved.write_text(SPEC.format(city="Amsterdam"), encoding="utf-8")
    edited.write_text(SPEC.format(city=city), encoding="utf-8")
    return approved, edited


# a zero-width space; the zero-width joiner, kept where Persian, Indic scripts and emoji
# need it, but no script writes it between Latin letters; a soft hyphen; a Cyrillic `а`
@pytest.mark.parametrize("HIDDEN, SHOWN", [
    ("Amst\u200berdam", "Amst<U+200B>erdam"), ("Amst\u200derdam", "Amst<U+200D>erdam"),
    ("Amst\u00aderdam", "Amst<U+00AD>erdam"), ("Amsterd\u0430m", "Amsterd<U+0430>m")])
def test_a_filter_value_with_a_hidden_character_shows_it(run_cli, demo_server,
                                                         tmp_path: Path, HIDDEN: str,
                                                         SHOWN: str) -> None:
    approved, edited = _specs(tmp_path, HIDDEN)
    result = run_cli("run", str(edited), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token,
                          "OCPISPEC_OUTPUT_ROOT": str(tmp_path)})
    assert result.exit_code == 0, result.output
    with (tmp_path / "sessions.csv").open(newline="") as file:
        cities = {row["city"] for row in csv.DictReader(file)}
    assert "Amsterdam" in cities, cities  # the sessions the filter seemed to leave out

    page = tmp_path / "review.html"
    assert run_cli("review", str(edited), "-o", str(page)).exit_code == 0
    report = open_page(page)
    assert f'location.city != "{SHOWN}"' in report.text, report.text
    markdown = run_cli("review", str(edited)).stdout
    assert SHOWN in markdown and HIDDEN not in markdown
    review_json = run_cli("review", str(edited), "--format", "json").stdout
    assert HIDDEN not in review_json
    assert json.loads(review_json)["datasets"][0]["flow"]["filters"][0]["condition"] == \
        f'location.city != "{HIDDEN}"'

    diff = run_cli("diff", str(approved), str(edited))
    assert diff.exit_code == 1
    assert f"location.city != '{SHOWN}'" in diff.stdout and HIDDEN not in diff.stdout
    plan = run_cli("plan", str(edited)).stdout
    assert SHOWN in plan and HIDDEN not in plan


def test_what_changed_since_an_approval_shows_it(run_cli, tmp_path: Path) -> None:
    approved, edited = _specs(tmp_path)
    spec = tmp_path / "spec.ocx"
    spec.write_text(approved.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_cli("approve", str(spec), "--by", "Pat Jansen <pat@cpo.example>").exit_code == 0
    spec.write_text(edited.read_text(encoding="utf-8"), encoding="utf-8")
    listed = run_cli("approvals", str(spec))
    assert f"-> `location.city != '{SHOWN}'`" in listed.stdout, listed.stdout
    assert HIDDEN not in listed.stdout
    refused = run_cli("run", str(spec), env={"OCPISPEC_REQUIRE_APPROVAL": "1"})
    assert refused.exit_code == 1 and "OCX610" in refused.stderr
    assert SHOWN in refused.stderr and HIDDEN not in refused.stderr


def test_the_register_of_disclosures_shows_it(run_cli, demo_server, tmp_path: Path) -> None:
    """Two consumers `Gemeente Amsterdam` and `Gemeente Amst\\u200berdam` are two
    sections of the Art. 30 register that read the same."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(city="Amsterdam").replace(
        "Provincie Noord-Holland", f"Gemeente {HIDDEN}"), encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite"
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     "--state", str(ledger),
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token,
                          "OCPISPEC_OUTPUT_ROOT": str(tmp_path)})
    assert result.exit_code == 0, result.output
    markdown = run_cli("history", "--register", "--state", str(ledger)).stdout
    shown = SHOWN.replace("<", "&lt;").replace(">", "&gt;")  # as Markdown writes `<`
    assert f"## Gemeente {shown}" in markdown and HIDDEN not in markdown, markdown
    page = tmp_path / "register.html"
    page.write_text(run_cli("history", "--register", "--state", str(ledger), "--format",
                            "html").stdout, encoding="utf-8")
    report = open_page(page)
    assert f"Gemeente {SHOWN}" in report.text and HIDDEN not in report.text, report.text
