"""The transport keeps where data requests were answered, so that a refusal elsewhere is
told as one module's (OCX502 'refused for this module'). It kept each answered URL's
path: per-id lookups (`GET {locations}/{id}`) added one per object, without bound over
a long run. An object's answer now counts for its endpoint (d8)."""

from __future__ import annotations

import copy

from independent_cpo import IndependentCpo

from ocpispec.ocpi.client import OcpiClient
from ocpispec.ocpi.options import Credentials


def test_per_id_answers_keep_one_path_per_endpoint() -> None:
    with IndependentCpo("2.2.1", quirks=("object routes",)) as cpo:
        model = cpo.lists["locations"][0]
        cpo.lists["locations"] = [{**copy.deepcopy(model), "id": f"LOC{index:04d}"} for index in range(300)]
        client = OcpiClient.connect(Credentials(cpo.versions_url, cpo.token, party="NL-ABC"))
        with client:
            for index in range(300):
                assert client.get_object("locations", f"LOC{index:04d}") is not None
            transport = client._transport
            assert len(transport._accepted_paths) <= 2, len(transport._accepted_paths)
            # an object answered shows that its module's endpoint answers this token
            endpoint = client.endpoints["locations"]
            assert not transport._never_answered(endpoint)
            assert not transport._never_answered(endpoint.rstrip("/") + "/LOC9999")
            assert transport._never_answered(client.endpoints["sessions"])
