"""A gateway that garbles one answer's compression: labelled `Content-Encoding: br` over
bytes ocpispec cannot read, or `gzip` over bytes that are no gzip (nor JSON). One such
answer failed the run at once (OCX504 "compressed its answer as `br`", or "not JSON"
on the first data request), though asking again brought the page. It is retried like
the platform's other passing faults; where every answer comes so, the run gives up
after the retries, naming the encoding, the request and what to do."""

from __future__ import annotations

import gzip
import re

import pytest

from fixtures_proxy import RewritingProxy
from test_ocpi_faults import DATE_TO, shown

from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError


def _garbling_proxy(server, encoding: str, times: int | None) -> RewritingProxy:
    garbled: list[str] = []

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if "/sessions" in path and (times is None or len(garbled) < times):
            garbled.append(path)
            packed = gzip.compress(body) if encoding == "br" else b"\x8b\x1f" + gzip.compress(body)[2:]
            return status, {**headers, "content-encoding": encoding}, packed
        return status, headers, body

    return RewritingProxy(server.origin, rewrite)


@pytest.mark.parametrize("page", [1, 2])
@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_one_garbled_answer_is_asked_for_again(demo_server_factory, fast_options: FetchOptions,
                                               encoding: str, page: int) -> None:
    server = demo_server_factory(size=50, max_page_size=20)
    with _garbling_proxy(server, encoding, times=page) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=fast_options) as client:
            ids = [session["id"] for session in client.fetch("sessions", date_to=DATE_TO)]
        assert sorted(ids) == sorted(set(ids)) and len(ids) == 50
        assert client.stats.retries == page


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_answers_that_never_decode_fail_after_the_retries(demo_server_factory, fast_options: FetchOptions,
                                                         encoding: str, snapshot) -> None:
    server = demo_server_factory(size=50)
    with _garbling_proxy(server, encoding, times=None) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=fast_options) as client, \
                pytest.raises(OcpiError) as caught:
            list(client.fetch("sessions", date_to=DATE_TO))
        assert client.stats.retries == fast_options.max_retries
    assert caught.value.code == "OCX504"
    assert re.sub(r"\d+ bytes", "N bytes", shown(caught.value, server)) == snapshot
