"""An answer whose JSON is a string: an envelope encoded twice (a web framework serialising
the text a handler had serialised already), or an error told as a JSON string. The body
reader said a truncated body by returning a `str`, so such a string was taken for that
reason: retried five times and then printed whole as the "last failure" of OCX504, the
card ids and contract ids of the page with it. Now it is the answer that is JSON but no
OCPI response (OCX504, not retried), which never quotes the body, nor does any error."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text
from test_independent_deviations import _leaks, _login, _written

CONTRACT = "NL-IND-C0003"     # a contract id the second page holds (a personal value)


class _StringAnswers(IndependentCpo):
    """The sessions pages from offset 7 on answered as `how` says, the JSON text of the
    envelope (or of an error naming a driver's contract) sent as a JSON string."""

    def __init__(self, how: str) -> None:
        self.how = how
        super().__init__("2.2.1", records=20)

    def _handler(self) -> type:
        served = super()._handler()
        cpo = self

        class Handler(served):   # type: ignore[valid-type,misc]
            def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                if "/sessions" in self.path and "offset=7" in self.path and isinstance(body, dict):
                    if cpo.how == "envelope":
                        body = json.dumps(body)
                    else:
                        status, body = 400, f"no such contract: {CONTRACT}"
                served._answer(self, status, body, headers)

        return Handler


def _failure(done) -> list[str]:
    return [re.sub(r"date_to=[^&]+", "date_to=(now)", re.sub(r"127\.0\.0\.1:\d+", "(cpo)", line))
            for line in done.stderr.splitlines()
            if line.startswith(("error", "help", "  = note"))]


@pytest.mark.parametrize(("how", "code"), [("envelope", "OCX504"), ("error", "OCX501")])
def test_a_json_string_answer_fails_loudly_without_quoting_it(how: str, code: str, run_cli, tmp_path: Path,
                                                             snapshot) -> None:
    with _StringAnswers(how) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--include-private", "--profile", "independent")
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        out = tmp_path / "out" / "sessions.csv"
        state = tmp_path / "state.sqlite"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(state), env={"INDEPENDENT_KEY": KEY})
        asked = sum("offset=7" in path for path in cpo.requests)
    assert CONTRACT in cpo.personal_values()
    for result in (pulled, done):
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and code in result.stderr, result.output
        assert not _leaks(cpo, result.output.encode()) and CONTRACT not in result.output
    assert asked == 2, cpo.requests      # once by `get`, once by `run`: not retried
    assert not out.exists() and "nothing was written" in done.stderr
    assert not _leaks(cpo, _written(tmp_path))
    assert {"get": _failure(pulled), "run": _failure(done)} == snapshot


class _ListAnswers(IndependentCpo):
    """The sessions page at offset 7 answered with OCPI status 1000 and `data` that is `sent`."""

    def __init__(self, sent: Any) -> None:
        self.sent = sent
        super().__init__("2.2.1", records=20)

    def _envelope(self, data: Any, status_code: int, message: str) -> dict[str, Any]:
        body = super()._envelope(data, status_code, message)
        if isinstance(data, list) and data and str(data[0].get("id", "")).endswith("0007"):
            body["data"] = self.sent
        return body


@pytest.mark.parametrize(("sent", "kind"), [(f"no sessions for {CONTRACT}", "text"), (7, "a number"),
                                            (True, "a boolean"), (7.5, "a number")])
def test_a_list_page_whose_data_is_no_list_is_named_by_its_json_kind(sent: Any, kind: str, run_cli) -> None:
    """The diagnostic named Python's type (`answered with a str`, `a int`): the JSON kind now."""
    with _ListAnswers(sent) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--profile", "independent")
    assert pulled.exit_code == 1, pulled.output
    assert f"error[OCX504]: the `sessions` list answered with {kind} instead of a list of objects" \
        in pulled.stderr, pulled.stderr
    assert CONTRACT not in pulled.output and "Traceback" not in pulled.output
