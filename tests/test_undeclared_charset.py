"""A platform writing its bodies in ISO-8859-1 / Windows-1252 without declaring a charset:
every object with an accented letter was counted invalid (OCX570) and the run failed. A
body that is not UTF-8 and holds no UTF-8 sequence at all is now read as Windows-1252,
with a warning saying so; a UTF-8 body with one broken byte is not reinterpreted."""

from __future__ import annotations

import json

import httpx

from independent_cpo import IndependentCpo
from ocpispec.ocpi.body import Unreadable, decode_body


def test_an_undeclared_latin1_body_is_read_with_a_warning(run_cli) -> None:
    with IndependentCpo("2.2.1", records=10, quirks=("latin1 undeclared",)) as cpo:
        login = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                        "--profile", "independent")
        assert login.exit_code == 0, login.output
        done = run_cli("get", "locations", "--profile", "independent")
    assert done.exit_code == 0, done.output
    cities = {json.loads(line).get("city") for line in done.stdout.splitlines()}
    assert "Saint-Étienne" in cities and cities <= {"Saint-Étienne", None}, cities   # (some have no city)
    assert ("warning: the platform's answers are not UTF-8 and declare no charset; read as Windows-1252 "
            "(Latin-1): ask the CPO to send UTF-8, or to declare the charset in `Content-Type`") in done.stderr
    assert done.stderr.count("not UTF-8") == 1


def _page(*cities: bytes) -> bytes:
    objects = b",".join(b'{"id": "L%d", "city": "%s"}' % (n, city) for n, city in enumerate(cities))
    return b'{"status_code": 1000, "data": [' + objects + b"]}"


def test_only_a_body_without_any_utf8_sequence_is_read_as_latin1() -> None:
    response = httpx.Response(200, headers={"Content-Type": "application/json"})
    warned: list[str] = []

    def warn(message: str, *, kind: str | None = None) -> None:
        warned.append(message)

    latin = decode_body("http://127.0.0.1/l", response, _page(b"Z\xfcrich", b"Paris"), warn=warn)
    assert [item["city"] for item in latin["data"]] == ["Zürich", "Paris"] and len(warned) == 1
    mixed = decode_body("http://127.0.0.1/l", response, _page("Zürich".encode(), b"Bad \xff"), warn=warn)
    assert mixed["data"][0]["city"] == "Zürich" and isinstance(mixed["data"][1], Unreadable)
    declared = httpx.Response(200, headers={"Content-Type": "application/json; charset=utf-8"})
    said_utf8 = decode_body("http://127.0.0.1/l", declared, _page(b"Z\xfcrich"), warn=warn)
    assert isinstance(said_utf8["data"][0], Unreadable) and len(warned) == 1
