"""A link never carries an e-mail address out (adversarial review, round seven).

Free text a spec may release (a site's name, a tariff's display text) is read as null
when it holds an e-mail address (`wire_tests.prose`), but a URL was read for its scheme
only: a platform that put a driver's address in the query string of a tariff's
`tariff_alt_url` or a site operator's `website` (`?for=jan.jansen%40example.com`, also
encoded twice, or as a login before the host) had an open-data export of tariffs and
sites release it as sent. A URL is now read as a browser reads it, percent-decoded, and
one with an e-mail address in it is null, counted by path and reason, never shown.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo

from ocpispec.schema.wire_tests import url

URLS = ("https://fleet.example.com/t?for=jan.jansen%40example.com",
        "https://example.com/t?mail=jan.jansen@example.com",
        "https://example.com/t?mail=jan.jansen%2540example.com",
        "https://jan.jansen%40example.com@example.com/")
SPEC = """export open_links
  consumer "Test consumer"
  purpose "Open data of tariffs and sites"
  legal basis public task "test"
  retention 1 months
source profile default

from tariffs
select
  id
  tariff_alt_url
output csv to "tariffs.csv"

from locations
select
  id
  operator.website as website
output csv to "sites.csv"
"""


class _AddressedLinks(IndependentCpo):
    """Tariffs and sites whose links carry a driver's e-mail address, one form each."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=4, page_cap=4)
        for index, tariff in enumerate(self.lists["tariffs"]):
            tariff["tariff_alt_url"] = URLS[index % len(URLS)]
        for index, site in enumerate(self.lists["locations"]):
            site["operator"] = {"name": "Fleet BV", "website": URLS[index % len(URLS)]}


@pytest.mark.parametrize("version", ["2.2.1", "2.1.1"])
def test_links_with_an_address_are_not_released(run_cli, tmp_path: Path, monkeypatch,
                                                version: str, snapshot) -> None:
    monkeypatch.chdir(tmp_path)
    with _AddressedLinks(version) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        (tmp_path / "links.ocx").write_text(SPEC)
        ran = run_cli("-v", "--log-file", str(tmp_path / "run.log"), "run", "links.ocx")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    with open(tmp_path / "tariffs.csv", newline="") as rows:
        tariffs = list(csv.DictReader(rows))
    assert len(tariffs) == 4 and {row["tariff_alt_url"] for row in tariffs} == {""}
    written = "\n".join([ran.stdout, ran.stderr, *(
        path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
        if path.is_file() and path.suffix != ".ocx")]).lower()
    assert "jansen" not in written and "ocpispec" in written
    counted = [line.strip() for line in ran.stderr.splitlines() if "invalid fields" in line]
    assert counted == snapshot


@pytest.mark.parametrize("link", [
    "https://example.com/", "https://example.com/a%20b?c=d%26e", "https://medium.com/@fleet",
    "https://example.com/@jan/x.png", "http://example.com/t?x=%E2%82%AC5",
])
def test_links_without_an_address_pass(link: str) -> None:
    assert url(255)(link) is None


@pytest.mark.parametrize("link", [*URLS, "https://example.com/?m=jan.jansen%EF%BC%A0example.com",
                                  "https://example.com/?m=jan%25252540x.nl"])
def test_links_with_an_address_are_null(link: str) -> None:
    assert url(255)(link) == (None, "text with an e-mail address in it", None)
