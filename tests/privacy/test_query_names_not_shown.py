"""A query parameter's name in a URL the platform hands out is the platform's text, and
may be a record's value (adversarial review, round 27).

Messages show a URL with every query value but ocpispec's own paging parameters
redacted (`errors.safe_url`), but each parameter's name as it was: a platform whose next
links carry a driver's contract id or e-mail address as a parameter name
(`?NL-TNM-C00122045-K=1&jan.jansen%40example.com=2&...`, a per-driver filter of its own)
had `get` and `run` print them in OCX505's note when that page failed. A name is now shown
only from a closed vocabulary (ocpispec's paging parameters and common names such as
`cursor`, `page`, `token`); any other shows as `(parameter)`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from independent_cpo import GatewayTimeout, IndependentCpo

from ocpispec.ocpi.errors import safe_url

CONTRACT = "NL-TNM-C00122045-K"
LEAKS = re.compile(r"C00122045|jansen", re.IGNORECASE)
KEY = "3c8e1f5a9d2b74e06c1a8f3d5b9e27c4a0d6f8b2e4c1a7d3f9b5e0c2a8d4f6b1"
SPEC = """export names
  consumer "Test consumer"
  purpose "Charges from a platform whose links carry names of its own"
  legal basis public task "test"
  retention 1 months
  pseudonym key env NAMES_KEY
source profile default

from sessions
select
  pseudonymize(id) as charge
  currency
output csv to "charges.csv"
"""


class _NamedQuery(IndependentCpo):
    """Next links carry a contract id and an e-mail address as parameter names; the page
    they lead to times out at the gateway."""

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        if CONTRACT in query:
            raise GatewayTimeout()
        page, headers = super()._page(module, query)
        if "Link" in headers:
            headers["Link"] = headers["Link"].replace(
                "?", f"?{CONTRACT}=1&jan.jansen%40example.com=2&")
        return page, headers


@pytest.fixture
def platform(run_cli):
    with _NamedQuery("2.2.1", records=12, page_cap=5, paging="scroll") as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        yield cpo


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_names_no_parameter_of_the_platform(run_cli, platform, workers, snapshot) -> None:
    got = run_cli("get", "sessions", "--date-to", "2030-01-01", "--workers", workers)
    assert got.exit_code == 1 and "OCX505" in got.stderr, got.stderr
    assert not LEAKS.search(got.stderr)
    request = next(line for line in got.stderr.splitlines() if "request: GET" in line)
    assert re.sub(r"127\.0\.0\.1:\d+", "<host>", request) == snapshot


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_run_names_no_parameter_of_the_platform(run_cli, platform, tmp_path: Path,
                                                  monkeypatch, workers) -> None:
    monkeypatch.setenv("NAMES_KEY", KEY)
    spec = tmp_path / "names.ocx"
    spec.write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    ran = run_cli("run", str(spec), "--workers", workers)
    assert ran.exit_code == 1 and "OCX505" in ran.stderr, ran.stderr
    texts = {"stdout": ran.stdout, "stderr": ran.stderr}
    texts |= {str(path.relative_to(tmp_path)): path.read_bytes().decode("utf-8", "replace")
              for path in tmp_path.rglob("*") if path.is_file()}
    assert [name for name, text in texts.items() if LEAKS.search(text)] == []


@pytest.mark.parametrize(("url", "shown"), [
    ("https://cpo.example/ocpi/sessions?offset=10&limit=5", "?offset=10&limit=5"),
    ("https://cpo.example/ocpi/sessions?cursor=abc&token=s3cr3t", "?cursor=(redacted)&token=(redacted)"),
    ("https://cpo.example/ocpi/sessions?NL-TNM-C00122045-K=1", "?(parameter)=(redacted)"),
    ("https://cpo.example/ocpi/sessions?jan_jansen", "?(parameter)=(redacted)"),
    ("https://cpo.example/ocpi/sessions?Offset=10", "?(parameter)=(redacted)"),
])
def test_which_parameter_names_are_shown(url: str, shown: str) -> None:
    assert safe_url(url).endswith(shown)


@pytest.mark.parametrize("form", ["text", "json"])
def test_doctor_names_no_parameter_of_the_platform(run_cli, platform, form) -> None:
    """Doctor's report lists each request's URL with its query's names (`--format json`)."""
    done = run_cli("doctor", "--format", form)
    assert "/sessions/" in done.stdout, done.stderr
    assert not LEAKS.search(done.stdout + done.stderr)
