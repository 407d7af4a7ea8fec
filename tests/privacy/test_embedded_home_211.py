"""OCPI 2.1.1 sessions and CDRs embed their whole location: at a home, every field of it
goes through the private form's allow-list (`ocpi.private_form.SITE`), as a top-level
private location does (adversarial review, round 25: checked, held).

The platform fills the embedded home with what a site may carry and more: operator,
owner, directions, related locations, opening times, energy mix, images, facilities, an
address under other casing and spacing, fields of its own at every level (the location,
its EVSEs, their connectors), and values of the wrong shape (a string where an object
is expected, lists of mixed items). None of it is printed, with `--include-private` or
without (the charge is then left out whole), nor named on stderr."""

from __future__ import annotations

import json

import pytest
from independent_cpo import IndependentCpo

from ocpispec.ocpi.private_form import PRIVATE_FORMS

MARK = "HOMEVALUE"
FURNISHING = {
    "x_platform_note": f"{MARK}-note", "operator": {"name": f"{MARK}-operator"},
    "suboperator": {"name": f"{MARK}-suboperator"}, "owner": {"name": f"{MARK}-owner"},
    "related_locations": [{"latitude": "52.1", "longitude": "4.1",
                           "name": {"language": "nl", "text": f"{MARK}-related"}}],
    "directions": [{"language": "nl", "text": f"{MARK}-directions"}],
    "facilities": ["HOTEL"], "charging_when_closed": True,
    "opening_times": {"twentyfourseven": False, "regular_hours": [
        {"weekday": 1, "period_begin": "08:00", "period_end": "18:00"}]},
    "energy_mix": {"is_green_energy": True, "supplier_name": f"{MARK}-supplier",
                   "energy_product_name": f"{MARK}-product"},
    "images": [{"url": f"https://{MARK}.example/front.jpg", "category": "OWNER", "type": "jpg"}],
    "Address": f"{MARK}-case", " city": f"{MARK}-space", "postal_code": f"{MARK}-postal",
    "name": f"{MARK}-name", "address": f"{MARK}-street 1",
    "coordinates": {"latitude": "52.090736", "longitude": "5.121420"},
}


class _HomeEmbedded(IndependentCpo):
    """Every charge of `module` at a home the 2.1.1 platform does not list, its embedded
    location furnished; one of them with its EVSEs in shapes of their own."""

    def __init__(self, module: str) -> None:
        super().__init__("2.1.1", records=4, page_cap=3)
        for index, charge in enumerate(self.lists[module]):
            site = charge["location"]
            site.update(json.loads(json.dumps(FURNISHING)), id=f"{MARK}-HOME")
            evse = site["evses"][0]
            evse.update(uid=f"{MARK}-uid", evse_id=f"{MARK}-evse", floor_level="1",
                        physical_reference=f"{MARK}-ref", x_evse=f"{MARK}-evse-field",
                        directions=[{"language": "nl", "text": f"{MARK}-evse-directions"}])
            evse["connectors"][0].update(x_connector=f"{MARK}-connector",
                                         terms_and_conditions=f"https://{MARK}.example/terms")
            if index == 1:
                site["evses"] = [f"{MARK}-evse-text", evse, [f"{MARK}-nested"]]
                evse["connectors"].append(f"{MARK}-connector-text")


def _within(node: object, keep: dict) -> bool:
    """Whether `node` holds only what the allow-list `keep` names."""
    if isinstance(node, list):
        return all(_within(item, keep) for item in node)
    if not isinstance(node, dict):
        return True
    return all(name in keep and (keep[name] is None or _within(value, keep[name]))
               for name, value in node.items())


@pytest.mark.parametrize("module", ["sessions", "cdrs"])
@pytest.mark.parametrize("flags", [(), ("--include-private",)], ids=["scoped", "private"])
def test_nothing_of_the_embedded_home_leaves(run_cli, module, flags) -> None:
    with _HomeEmbedded(module) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", module, "--date-to", "2030-01-01", *flags)
    assert "Traceback" not in got.stderr
    assert MARK not in got.stdout and MARK not in got.stderr
    printed = [json.loads(line) for line in got.stdout.splitlines()]
    assert len(printed) == (4 if flags else 0)
    assert all(_within(charge, PRIVATE_FORMS[module]) for charge in printed)
    assert all("coordinates" not in charge.get("location", {}) for charge in printed)
