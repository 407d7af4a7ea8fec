"""`get --privacy-pass PATHS` with a profile at version `auto`: the paths are checked, and
their warnings said, in the version the platform negotiates.

Before, the paths were not checked at all there, and the warnings counted a path personal
in any version: `--privacy-pass auth_id` (2.1.1's name) on a 2.2.1 platform warned that
it opened personal identifiers, opened nothing, and the summary called it "public without
it"; a typo opened nothing without a word."""

from __future__ import annotations

import dataclasses
import json

import pytest

from fixtures_demo import DEMO_PARTY
from ocpispec.ocpi import Credentials, OcpiClient
from ocpispec.ocpi.profiles import profile_from_client, save_profile


def _auto_profile(server) -> None:
    with OcpiClient.connect(Credentials(server.versions_url, server.token, party=DEMO_PARTY)) as client:
        profile = profile_from_client("default", client)
    save_profile("default", dataclasses.replace(profile, version="auto"))


@pytest.mark.parametrize(("version", "path"), [("2.2.1", "auth_id"), ("2.1.1", "cdr_token.uid"),
                                               ("2.2.1", "cdr_token.uidd")])
def test_a_path_the_negotiated_version_lacks_is_refused(version: str, path: str, run_cli,
                                                        demo_server_factory, snapshot) -> None:
    server = demo_server_factory(version=version, size=20)
    _auto_profile(server)
    result = run_cli("get", "sessions", "--privacy-pass", path, "--limit", "3")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "opens personal identifiers" not in result.stderr
    assert result.stderr.splitlines()[-1] == snapshot


@pytest.mark.parametrize(("version", "path"), [("2.1.1", "auth_id"), ("2.2.1", "cdr_token.uid")])
def test_a_path_of_the_negotiated_version_is_opened_and_said(version: str, path: str, run_cli,
                                                             demo_server_factory) -> None:
    server = demo_server_factory(version=version, size=20)
    _auto_profile(server)
    result = run_cli("get", "sessions", "--privacy-pass", path, "--limit", "3")
    assert result.exit_code == 0, result.stderr
    assert "opens personal identifiers" in result.stderr
    assert f"released by --privacy-pass: {path}" in result.stderr
    assert "public without it" not in result.stderr
    first, field = json.loads(result.stdout.splitlines()[0]), path.split(".")
    assert (first[field[0]] if len(field) == 1 else first[field[0]][field[1]])
