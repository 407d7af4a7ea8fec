"""A charge whose embedded site is a home and whose unknown field names a public site
(adversarial review, round 25).

`get` looks a session or CDR up in the published sites by its party and the site it
names (`ocpi.public_scope.place`): `location_id`, else `cdr_location.id` or 2.1.1's
`location.id`. But `location_id` is a session's field of OCPI 2.2+ only: a CDR (every
version) or a 2.1.1 session that carries one anyway, a platform's field the catalogue
does not know, was looked up by it, not by the site it embeds. A CDR at the home,
`location_id` naming a published site, was printed as a public charge (and withheld the
unknown field, counted): `get cdrs` printed 20 charges where the run, which reads the
version's own fields, exported 17. A charge naming two sites now names none: it is left
out, as the run leaves it out."""

from __future__ import annotations

import pytest
from independent_cpo import IndependentCpo

AT_HOME = 3


class _HomeNamedPublic(IndependentCpo):
    """The first charges of `module` embed the home (2.2+: the official example's
    private site, of the platform's party; 2.1.1: a site it does not list) and carry
    a `location_id` naming the first published site."""

    def __init__(self, version: str, module: str) -> None:
        super().__init__(version, records=12, page_cap=5)
        sites = self.lists["locations"]
        public = sites[0]
        home = next((site for site in sites if site.get("publish") is False), None)
        if home is not None:
            home.update(country_code=public["country_code"], party_id=public["party_id"])
        for charge in self.lists[module][:AT_HOME]:
            charge.get("cdr_location", charge.get("location"))["id"] = \
                home["id"] if home is not None else "UNLISTED-HOME"
            charge["location_id"] = public["id"]


@pytest.mark.parametrize(("version", "module"), [
    ("2.1.1", "sessions"), ("2.1.1", "cdrs"), ("2.2.1", "cdrs"), ("2.3.0", "cdrs")])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_charge_embedding_a_home_is_left_out(run_cli, version, module, workers) -> None:
    with _HomeNamedPublic(version, module) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", module, "--date-to", "2030-01-01", "--workers", workers)
    assert got.exit_code == 0, got.stderr
    assert len(got.stdout.splitlines()) == 12 - AT_HOME
    assert f"--include-private keeps them): {AT_HOME}" in got.stderr
