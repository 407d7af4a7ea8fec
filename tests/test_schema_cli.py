"""`ocpispec schema`: the field reference a spec author and a privacy officer read."""

from __future__ import annotations

import json

import pytest

from fixtures_cli import cli_block


def test_module_list(run_cli, snapshot) -> None:
    result = run_cli("schema")
    assert result.exit_code == 0
    assert cli_block(result) == snapshot


def test_sessions_tree(run_cli, snapshot) -> None:
    result = run_cli("schema", "sessions")
    assert result.exit_code == 0
    assert "  contract_id" in result.stdout and "2.1.1: auth_id" in result.stdout
    assert cli_block(result) == snapshot


def test_sessions_as_read_from_2_1_1_with_docs(run_cli, snapshot) -> None:
    result = run_cli("schema", "sessions", "--version", "2.1.1", "--docs")
    assert result.exit_code == 0
    assert "authorization_reference" not in result.stdout
    assert cli_block(result) == snapshot


def test_cdrs_tree(run_cli, snapshot) -> None:
    result = run_cli("schema", "cdrs")
    assert result.exit_code == 0
    assert cli_block(result) == snapshot


def test_json_lists_every_field_with_privacy_and_wire_names(run_cli) -> None:
    result = run_cli("schema", "tariffs", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    fields = {field["path"]: field for field in data["fields"]}
    assert (data["module"], data["object"], data["version"]) == ("tariffs", "Tariff", None)
    assert fields["min_price.excl_vat"] == {
        "path": "min_price.excl_vat", "type": "number", "kind": "number", "cardinality": "1",
        "privacy": "public", "versions": ["2.2.1", "2.3.0"],
        "wire": {"2.3.0": "min_price.before_taxes"}, "doc": "amount excluding VAT"}
    assert fields["tax_included"]["versions"] == ["2.3.0"]


def test_json_module_list(run_cli) -> None:
    data = json.loads(run_cli("schema", "--format", "json").stdout)
    assert [m["module"] for m in data["modules"]] == [
        "sessions", "cdrs", "locations", "tariffs", "tokens"]
    assert data["modules"][1]["joins"][0] == {
        "target": "locations", "alias": "location", "local_key": "cdr_location.id",
        "remote_key": "id"}


@pytest.mark.parametrize("args", [("schema", "bookings"),
                                  ("schema", "sessions", "--version", "2.2")])
def test_bad_arguments_are_usage_errors(run_cli, snapshot, args) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    assert cli_block(result) == snapshot


def test_help(run_cli, snapshot) -> None:
    result = run_cli("schema", "--help")
    assert result.exit_code == 0
    assert cli_block(result) == snapshot
