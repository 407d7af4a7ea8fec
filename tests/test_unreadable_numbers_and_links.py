"""A platform's header or next link that Python's readers refuse ended `get`, `run` and
`doctor` as a bug (exit 70, 'internal error: ValueError'): `X-Total-Count: 10²` (a
Latin-1 byte; `str.isdigit` says yes to a superscript, `int` refuses it), or a next link
whose host is an unclosed IPv6 bracket (`http://[::1/...`). Such a count is no count;
such a link is no link: the list is read by offset, whole, and the warning says why.
`test_independent_deviations` runs every command against both quirks."""

from __future__ import annotations

import json

import pytest

from independent_cpo import IndependentCpo
from ocpispec.numerals import natural


def _login(cpo: IndependentCpo, run_cli) -> None:
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                   "--profile", "independent")
    assert done.exit_code == 0, done.output


@pytest.mark.parametrize("quirk", ["counts superscript", "link unreadable"])
def test_a_count_or_link_python_cannot_read_is_paged_past(quirk: str, run_cli, snapshot) -> None:
    with IndependentCpo("2.2.1", records=10, page_cap=4, quirks=(quirk,)) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--include-private", "--profile", "independent", "--date-to", "2030-01-01")
        doctor = run_cli("doctor", "--profile", "independent")
    assert pulled.exit_code == 0, pulled.output
    ids = sorted(json.loads(line)["connector_id"] for line in pulled.stdout.splitlines())
    assert len(ids) == 10
    assert pulled.stderr == snapshot(name="get")
    assert doctor.exit_code == 0, doctor.output
    findings = [line.strip() for line in doctor.stdout.splitlines()
                if "next link" in line or "pagination headers" in line]
    assert findings == snapshot(name="doctor")


def test_only_ascii_digits_are_a_number() -> None:
    assert [natural(text) for text in ("12", " 7 ", "1\u00b2", "\u00b2", "\u0661", "", "-3", None, 5)] == \
        [12, 7, None, None, None, None, None, None, None]


class _CountTooLong(IndependentCpo):
    """`X-Total-Count` of 5,000 nines: more digits than Python converts to a number (4,300)."""

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        page, headers = super()._page(module, query)
        headers["X-Total-Count"] = "9" * 5000
        return page, headers


def test_a_count_of_more_digits_than_python_reads_is_no_count(run_cli) -> None:
    """Such a count ended `get` and `run` as 'internal error: ValueError' (exit 70)."""
    with _CountTooLong("2.2.1", records=10, page_cap=4) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--include-private", "--profile", "independent", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0, pulled.output
    assert len(pulled.stdout.splitlines()) == 10
    assert natural("9" * 5000) is None and natural("9" * 40) == 10 ** 40 - 1
