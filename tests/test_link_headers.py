"""`Link` headers as RFC 8288 writes them, read to the URL's `>` and the parameters'
quotes: a next link whose path carries a path parameter (a Java servlet's
`;jsessionid=...`) was cut at its first `;` by the HTTP client's reader, which lost its
relation, so a platform paging by a cursor of its own was asked by offset and sent its
first page again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from ocpispec.ocpi.links import next_href
from test_independent_cpo import KEY, _csv_rows, spec_text


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_cursor_link_with_a_session_in_its_path_is_followed(workers: str, run_cli, tmp_path: Path) -> None:
    with IndependentCpo("2.2.1", records=20, paging="cursor", quirks=("link session path",)) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        pulled = run_cli("get", "sessions", "--profile", "independent", "--workers", workers,
                         "--privacy-pass", "id")
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        out = tmp_path / "sessions.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       "--workers", workers, env={"INDEPENDENT_KEY": KEY})
        followed = [request for request in cpo.requests if ";jsessionid=" in request]
    assert pulled.exit_code == 0, pulled.output
    ids = [json.loads(line)["id"] for line in pulled.stdout.splitlines()]
    assert sorted(ids) == sorted(record["id"] for record in cpo.lists["sessions"])
    assert done.exit_code == 0, done.output
    assert len({row["session"] for row in _csv_rows(out)}) == 20
    assert followed and "1A2B3C" not in done.output + pulled.output


class _EscapedLinks(IndependentCpo):
    """Next links written through an HTML template: `?limit=7&amp;cursor=...`."""

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        page, headers = super()._page(module, query)
        if "Link" in headers:
            headers["Link"] = headers["Link"].replace("&", "&amp;")
        return page, headers


def test_a_cursor_link_escaped_for_html_is_followed(run_cli, tmp_path: Path) -> None:
    """`&amp;` between the parameters: the cursor arrived as a parameter named `amp;cursor`,
    the platform answered its first page again, and every command failed (OCX571, "next
    links led to pages of objects sent before")."""
    with _EscapedLinks("2.2.1", records=20, paging="cursor") as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        pulled = run_cli("get", "sessions", "--profile", "independent", "--privacy-pass", "id")
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        out = tmp_path / "sessions.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
    assert pulled.exit_code == 0, pulled.output
    ids = [json.loads(line)["id"] for line in pulled.stdout.splitlines()]
    assert sorted(ids) == sorted(record["id"] for record in cpo.lists["sessions"])
    assert done.exit_code == 0, done.output
    assert len({row["session"] for row in _csv_rows(out)}) == 20


@pytest.mark.parametrize(("values", "href"), [
    (['<http://h/s?limit=7&amp;cursor=Nw%3D%3D>; rel="next"'], "http://h/s?limit=7&cursor=Nw%3D%3D"),
    (['<http://h/s?q=a%26amp%3Bb&offset=7>; rel="next"'], "http://h/s?q=a%26amp%3Bb&offset=7"),
    (['<http://h/s;jsessionid=1A?offset=10>; rel="next"'], "http://h/s;jsessionid=1A?offset=10"),
    (['<http://h/s?offset=0>; rel="prev", <http://h/s?cursor=a,b>; rel="next"'], "http://h/s?cursor=a,b"),
    (['<http://h/s?offset=10>; title="page; 2, <of> 3"; rel="next"'], "http://h/s?offset=10"),
    (['<http://h/s?offset=10>; rel="Next last"'], "http://h/s?offset=10"),
    (['<http://h/s?offset=10>;rel=next'], "http://h/s?offset=10"),
    (['"<http://h/s?offset=10>; rel=next"'], "http://h/s?offset=10"),
    (['http://h/s?offset=10; rel=next'], "http://h/s?offset=10"),
    (['<http://h/s?offset=10>; rel="prev"; rel="next"'], None),     # the first `rel` counts
    (['<http://h/a>; rel=prev', '<http://h/b>; rel=next'], "http://h/b"),   # two header lines
    (['<http://h/s?offset=10'], None),
    ([''], None),
])
def test_link_header_forms(values: list[str], href: str | None) -> None:
    assert next_href(values) == href
