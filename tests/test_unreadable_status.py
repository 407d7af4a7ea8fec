"""A page whose OCPI `status_code` is not a number (null, `"OK"`, `true`, `1000.5`) failed
with OCX503 saying the platform answered "with OCPI status `missing`", although the
platform had sent one: the message now says what kind of value it sent (never the value,
a platform's text), and still fails the run (OCX503) rather than guess success."""

from __future__ import annotations

from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_deviations import _login


@pytest.mark.parametrize("sent", [None, "OK", True, 1000.5, ["1000"]])
def test_a_status_code_that_is_not_a_number_is_named_by_its_kind(sent: Any, run_cli, snapshot) -> None:
    with IndependentCpo("2.2.1", records=20) as cpo:
        envelope = cpo._envelope

        def second_page_unreadable(data: Any, status_code: int, message: str) -> dict[str, Any]:
            body = envelope(data, status_code, message)
            if isinstance(data, list) and data and data[0].get("id", "").endswith("0007"):
                body["status_code"] = sent
            return body

        cpo._envelope = second_page_unreadable  # type: ignore[method-assign]
        _login(cpo, run_cli)
        done = run_cli("get", "sessions", "--profile", "independent", "--page-size", "7")
    assert done.exit_code == 1, done.output
    lines = [line for line in done.stderr.splitlines()
             if line.startswith(("error", "help")) or "status:" in line]
    assert [line.split("/ocpi/")[0] if "request" in line else line for line in lines] == snapshot
