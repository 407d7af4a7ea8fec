"""Row datasets under different filters, linked through a third file (OCX333).

Sessions of 20 kWh or more released with their card's pseudonym, every session with its
contract's and its energy rounded to a kWh, and a file of tokens pairing each card with
its contract: the two sessions files share no pseudonym, so OCX333, which compared them
pair by pair, said nothing. Joined through the tokens, the consumer counts how many of a
driver's sessions that round to 20 kWh lie above 20 kWh, finer than the rounding. OCX333 now follows pseudonyms through other files, as OCX396 does."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

KEY = "4b1d7e0a9c3f82d5e6a1b4c7d0e3f6a9b2c5d8e1f4a7b0c3d6e9f2a5b8c1d4e7"
SPEC = '''export linked_filters
  consumer "Mobility research institute"
  purpose "Study how much energy drivers charge"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-3"
  retention 12 months
  pseudonym key env LINK_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions as large
  where kwh >= {threshold}
select
  pseudonymize(cdr_token.uid) as card
output csv to "large.csv"

from tokens as cards
select
  pseudonymize(uid) as card
  pseudonymize(contract_id) as contract
output csv to "cards.csv"

from sessions as energies
select
  pseudonymize(cdr_token.contract_id) as contract
  round(kwh, 0) as energy
output csv to "energies.csv"
'''


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def test_filters_linked_through_a_third_file_tell_a_value_and_are_warned(
        run_cli, demo_server, tmp_path: Path) -> None:
    threshold = 20
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(threshold=threshold))
    checked = run_cli("check", str(spec), "--format", "concise")
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token, "LINK_KEY": KEY,
                          "OCPISPEC_OUTPUT_ROOT": str(tmp_path)})
    assert result.exit_code == 0, result.output
    above = defaultdict(int)   # a card's sessions of the threshold or more
    for row in _rows(tmp_path / "large.csv"):
        above[row["card"]] += 1
    cards = defaultdict(set)
    for row in _rows(tmp_path / "cards.csv"):
        cards[row["contract"]].add(row["card"])
    energies = defaultdict(list)
    for row in _rows(tmp_path / "energies.csv"):
        energies[row["contract"]].append(int(row["energy"]))
    # of a driver's sessions that round to the threshold, the rounding cannot say on which
    # side of it each lies; the linked file of large sessions counts those above
    told = [sum(above[card] for card in cards[contract])
            - sum(1 for energy in found if energy > threshold)
            for contract, found in energies.items() if threshold in found and cards[contract]]
    assert told and 0 in told and any(count > 0 for count in told), told
    assert "OCX333" in checked.output and "linked by pseudonyms through `cards`" in \
        checked.output, checked.output
