"""A join whose key holds the driver's card matches, and never releases the card.

The attack (adversarial review, round 36): a platform that numbers its sessions by
contract (`NL-IND-C0004-0001`) sends each CDR's `session_id` with that number. The wire
reader read the CDR's `session_id` as null (an own id holding the card), so `from
sessions join cdrs on id` failed the run (OCX570: 6 CDRs "without a usable key") and
`from cdrs join sessions on session_id` bound no session at all. A join's key is now read
as the session's `id` is (`own_ids.required_own_ids`): null only where it is the card
whole; the join matches on it as sent, and where a dataset shows it (a column of it, or
of the joined record) it is null in that dataset's copy (`execute/shown_own_ids.py`,
`execute/joined_own_ids.py`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import KEY, REFERENCE_WHY, reference_spec, run_on, run_writings

HELD = "(text with the record's own card or contract id in it)"


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


class _NumberedByContract(IndependentCpo):
    """Every other session's id holds its contract id or card; its CDR names it."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=12, page_cap=5)
        for index, (session, cdr) in enumerate(zip(self.lists["sessions"], self.lists["cdrs"])):
            token = session["cdr_token"]
            if index % 2 == 0:
                session["id"] = (f"{token['contract_id']}-{index:04d}" if index % 4 == 0
                                 else f"S-{token['uid']}")
            cdr["session_id"], cdr["cdr_token"] = session["id"], dict(token)


_FROM_SESSIONS = ("\nfrom sessions\njoin cdrs on id\nselect\n  round(kwh, 0) as energy\n"
                  "  round(cdr.total_energy, 0) as cdr_energy\n"
                  f"  cdr.session_id as session_reference {REFERENCE_WHY}\n"
                  'output ndjson to "out.ndjson"\n')
_SHOWN_KEY = ("\nfrom sessions\njoin cdrs on id\nselect\n  round(kwh, 0) as energy\n"
              "  round(cdr.total_energy, 0) as cdr_energy\n"
              f"  id as session_reference {REFERENCE_WHY}\n"
              'output ndjson to "out.ndjson"\n')
_FROM_CDRS = ("\nfrom cdrs\njoin sessions on session_id\nselect\n  round(total_energy, 0) as energy\n"
              "  round(session.kwh, 0) as cdr_energy\n"
              f"  session_id as session_reference {REFERENCE_WHY}\n"
              'output ndjson to "out.ndjson"\n')


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize(("spec", "counted"), [(_FROM_SESSIONS, "sessions.cdr.session_id"),
                                              (_SHOWN_KEY, "sessions.id"),
                                              (_FROM_CDRS, "cdrs.session_id")])
def test_the_join_matches_and_the_key_is_not_released(run_cli, tmp_path: Path, monkeypatch,
                                                      version: str, spec: str, counted: str) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _NumberedByContract(version) as cpo:
        canaries = {_letters(value) for value in cpo.personal_values()}
        ran = run_on(run_cli, cpo, tmp_path / "joins.ocx", reference_spec("joins") + spec)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = (tmp_path / "out.ndjson").read_text().splitlines()
    assert len(rows) == 12
    # every record found its partner, the key holding the card included
    assert not any('"cdr_energy":null' in row.replace(" ", "") for row in rows), rows
    assert sum('"session_reference":null' in row.replace(" ", "") for row in rows) == 6, rows
    assert f"{counted} {HELD} (6)" in ran.stderr, ran.stderr
    written = run_writings(tmp_path, ran)
    assert sorted(canary for canary in canaries if canary in _letters(written)) == []
