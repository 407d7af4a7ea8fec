"""The tokens list counts drivers by contract, not by token: a driver's card and app
tokens (several `uid`s under one `contract_id`) are one driver for the minimum group
size, the k rule and the risk meter, as on sessions and CDRs.

Before, tokens counted in `uid`: against a platform where each contract has ten
tokens, `group by issuer, truncate(last_updated, hour) ... minimum group size 10`
released 50 rows, every one a single driver's ten tokens."""

from __future__ import annotations

import base64
import csv
import io
from collections import defaultdict
from pathlib import Path

import pytest

from fixtures_cli import cli_block
from ocpispec.demo import DemoServer, Faults

HEADER = '''export token_statistics
  consumer "Test consumer"
  purpose "Tokens per issuer, in tests of who a group counts"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
KEY = "9e4c1a7f3b08d26e5c9a0f7b3d1e84c6a2f5b09d7e3c16a8f4b2d90e5c7a3f1b"
PER_CONTRACT = 10


@pytest.fixture(scope="module")
def shared_contracts() -> DemoServer:
    with DemoServer(version="2.2.1", size=300, max_page_size=100,
                    faults=Faults(tokens_per_contract=PER_CONTRACT)) as server:
        yield server


def _run(run_cli, tmp_path: Path, server: DemoServer, body: str, *args: str):
    spec = tmp_path / "tokens.ocx"
    spec.write_text(HEADER + body)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_KEY": KEY}
    return run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), *args, env=env)


def _contracts_by_hour(server: DemoServer) -> dict[tuple[str, str], set[str]]:
    """The raw tokens, straight from the server: the contracts of each (issuer, hour)."""
    import httpx

    url = server.versions_url.replace("/versions", "/2.2.1/tokens") + "?limit=100"
    token = base64.b64encode(server.token.encode()).decode()  # OCPI 2.2 encodes it
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    tokens = 0
    while url:
        answer = httpx.get(url, headers={"Authorization": f"Token {token}"})
        for record in answer.json()["data"]:
            tokens += 1
            seen[(record["issuer"], record["last_updated"][:13])].add(record["contract_id"])
        url = answer.links.get("next", {}).get("url")
    assert tokens == PER_CONTRACT * sum(len(contracts) for contracts in seen.values())
    return seen


def test_one_contracts_tokens_are_one_driver_in_a_group(run_cli, tmp_path,
                                                         shared_contracts) -> None:
    result = _run(run_cli, tmp_path, shared_contracts, '''from tokens
group by
  issuer
  truncate(last_updated, hour) as hour
compute
  count() as tokens
  minimum group size 2
output csv to "exports/tokens.csv"
''')
    assert result.exit_code == 0, cli_block(result)
    released = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text())))
    contracts = _contracts_by_hour(shared_contracts)
    small = {key for key, found in contracts.items() if len(found) < 2}
    assert small, "the demo data must hold (issuer, hour) groups of a single contract"
    for row in released:
        key = (row["issuer"], row["hour"][:13])
        assert len(contracts[key]) >= 2, row
        assert int(row["tokens"]) == PER_CONTRACT * len(contracts[key])
    assert len(released) == len(contracts) - len(small)


def test_a_k_rule_over_tokens_counts_contracts(run_cli, tmp_path, shared_contracts) -> None:
    result = _run(run_cli, tmp_path, shared_contracts, '''from tokens
select
  pseudonymize(contract_id) as contract
  issuer
  truncate(last_updated, hour) as hour
  require k 2 over (issuer, hour) suppression limit 100%
output csv to "exports/tokens.csv"
''')
    assert result.exit_code == 0, cli_block(result)
    released = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text())))
    classes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in released:
        classes[(row["issuer"], row["hour"])].add(row["contract"])
    assert classes
    assert all(len(contracts) >= 2 for contracts in classes.values()), classes
