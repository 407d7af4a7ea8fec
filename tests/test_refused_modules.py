"""A token the platform accepts for some endpoints and refuses for one module (a CPO that
grants a token sessions but not tariffs, say: demo `refuse_module`).

Refused on the run's first data request, after the credentials had answered it, the run
said "the platform rejected the token" and "check the token with the CPO: it must be the
token for your party"; refused on a module after others had answered, "the token may have
been revoked or replaced while the export ran". Neither was what failed. Both now say that
the token works and that this module's endpoint refuses it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures_cli import REPO
from fixtures_demo import scrub
from test_run_e2e import SMALL_DEMO_CORPUS as CORPUS, run_spec  # noqa: F401 (fixture)
from test_run_fault_matrix import SERVER, committed

from ocpispec.demo import Faults

SPEC = CORPUS[[p.stem for p in CORPUS].index("municipality_sessions_without_k")]   # locations, then sessions


@pytest.mark.parametrize("module", ["locations", "sessions"], ids=["first data request", "after another module"])
def test_a_token_refused_for_one_module_says_so_with_nothing_committed(
        run_spec, demo_server_factory, tmp_path: Path, module: str, snapshot) -> None:
    server = demo_server_factory(**SERVER, faults=Faults(refuse_module=module))
    result = run_spec(SPEC, server)
    assert result.exit_code == 1, result.stderr
    assert committed(tmp_path, "out") == []
    refused = [r for r in server.request_log if r.status == 401]
    assert refused and all(f"/{module}?" in r.target for r in refused)
    assert "refuses the token for this module" in result.stderr
    assert "while the export ran" not in result.stderr and "must be the token for your party" not in result.stderr
    shown = scrub(result.stderr, tmp_path=tmp_path).replace(str(REPO), "<repo>")
    assert re.sub(r"date_to=[0-9T:-]+Z", "date_to=<date>", shown) == snapshot
