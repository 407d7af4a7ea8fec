"""Free content of a site (adversarial review): the directions, the owner and the
pictures of a location or EVSE are what people put in, and may name a neighbour or a
private owner. They were quasi-identifiers, released with a warning (OCX303); they are
personal, so they leave only with a `because "..."` the privacy officer approves."""

from __future__ import annotations

import pytest
from frontend_helpers import codes_of
from test_run_e2e import HEADER, run_spec  # noqa: F401 - fixture


def _locations(column: str) -> str:
    return f'from locations\nselect\n  id\n  {column}\noutput ndjson to "sites.ndjson"\n'


@pytest.mark.parametrize("column", [
    "owner.name as owner",
    'jmespath("directions[0].text") as directions',
    'jmespath("evses[].directions[].text") as evse_directions',
    'jmespath("images[].url") as pictures',
    'jmespath("owner.website") as website',
    'jmespath("length(owner.name)") as owner_name_length',
])
def test_free_content_of_a_site_needs_an_allowance(column: str) -> None:
    assert "OCX301" in codes_of(_locations(column))


@pytest.mark.parametrize("column", [
    'owner.name as owner because "the owners are companies, listed in the public register"',
    'jmespath("length(evses)") as evse_count',          # the number of EVSEs, not their text
    'jmespath("length(parking_places)") as parking_places',
    "name",
    "operator.name as operator",
])
def test_what_a_site_publishes_and_allowed_free_content_pass(column: str) -> None:
    found = codes_of(_locations(column))
    assert "OCX301" not in found and "OCX303" not in found, found


def test_a_run_releasing_a_site_s_owner_is_refused(run_spec, demo_server, tmp_path) -> None:
    result = run_spec(HEADER + _locations("owner.name as owner"), demo_server)
    assert result.exit_code == 1
    assert "error[OCX301]: personal field `owner.name` is released without an allowance" \
        in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(("opened", "warnings"), [
    ("owner.name", ("opens personal identifiers", "opens the details of PRIVATE sites")),
    ("evses.directions.text", ("opens personal identifiers", "opens the details of PRIVATE sites")),
    ("coordinates.latitude", ("opens the details of PRIVATE sites",)),
    ("operator.name", ()),
])
def test_get_warns_of_a_site_s_free_content_and_its_parts(run_cli, demo_server, opened: str,
                                                          warnings: tuple[str, ...]) -> None:
    """`get --privacy-pass owner.name` opened a private owner's name without a word: the
    name of a company (`BusinessDetails.name`) is public, and the owner's class above it
    was not read; `coordinates.latitude`, a part of a private site's detail, neither."""
    from fixtures_demo import DEMO_PARTY

    login = run_cli("login", demo_server.versions_url, "--token", demo_server.token,
                    "--party", DEMO_PARTY)
    assert login.exit_code == 0, login.output
    result = run_cli("get", "locations", "--limit", "1", "--privacy-pass", opened)
    assert result.exit_code == 0, result.stderr
    shown = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert [w for w in warnings if any(w in line for line in shown)] == list(warnings)
    assert len(shown) == len(warnings), shown
