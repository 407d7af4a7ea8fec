"""Values a JSON parser refuses inside an otherwise good page, sent by a real server: a
lone surrogate (`"\\ud800"`, which no UTF-8 text can hold) in a card uid, in a public
field or in a key, and a number of 10,000 digits (past any float, and past Python's limit
for reading a whole number from text). The page cannot be parsed whole; each object on it
is read alone, and the one that holds such a value is invalid: `get` and `run` fail with
OCX570 saying why, write nothing and never quote the value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text
from test_independent_deviations import _leaks, _login, _written

_PLACEHOLDER = "UNPARSABLE-VALUE"
_SENT = {"lone surrogate": '"\\ud800x"', "10,000 digits": "1" + "0" * 10_000}


class _Unparsable(IndependentCpo):
    """Each sessions page's first object carries `value` at `where`, written into the
    page's text as is."""

    def __init__(self, where: str, value: str) -> None:
        self.where, self.value = where, value
        super().__init__("2.2.1", records=20)

    def _handler(self) -> type:
        served = super()._handler()
        cpo = self

        class Handler(served):   # type: ignore[valid-type,misc]
            def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body.get("data") if isinstance(body, dict) else None
                if "/sessions" not in self.path or not isinstance(data, list) or not data:
                    return served._answer(self, status, body, headers)
                record = data[0]
                match cpo.where:
                    case "card uid":
                        record["cdr_token"]["uid"] = _PLACEHOLDER
                    case "status":
                        record["status"] = _PLACEHOLDER
                    case "key":
                        record[_PLACEHOLDER] = 1
                raw = json.dumps(body).replace(json.dumps(_PLACEHOLDER), cpo.value).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {}),
                                    "Content-Length": str(len(raw))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)
                return None

        return Handler


@pytest.mark.parametrize(("where", "sent"), [("card uid", "lone surrogate"),
                                             ("status", "lone surrogate"),
                                             ("key", "lone surrogate"),
                                             ("status", "10,000 digits")])
def test_an_unparsable_value_makes_its_record_invalid_and_the_run_fail(
        where: str, sent: str, run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("INDEPENDENT_KEY", KEY)
    with _Unparsable(where, _SENT[sent]) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--include-private", "--profile", "independent")
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        done = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"))
        leaks = _leaks(cpo, _written(tmp_path))
    for result in (pulled, done):
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert "error[OCX570]: 3 records of `sessions` are invalid" in result.output
        assert "why: 3 not valid JSON" in result.output
        assert "ud800" not in result.output and "0" * 100 not in result.output
    assert "nothing was written" in done.output
    assert not (tmp_path / "out.csv").exists()
    assert leaks == []
