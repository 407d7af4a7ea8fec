"""Failing platforms: retries, giving up, envelope errors and broken bodies, with the
message a user sees (snapshot). Backoff is scaled down to milliseconds."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime

import httpx
import pytest

from fixtures_proxy import RewritingProxy

from ocpispec.demo import DemoServer, Faults
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError
from ocpispec.diagnostics.report import render

DATE_TO = datetime(2026, 1, 1, tzinfo=UTC)


def connect(server: DemoServer, options: FetchOptions, **credentials: object) -> OcpiClient:
    return OcpiClient.connect(Credentials(server.versions_url, server.token, party="NL-ABC",
                                          **credentials), options=options)  # type: ignore[arg-type]


def failure(server: DemoServer, options: FetchOptions, module: str = "sessions") -> OcpiError:
    with connect(server, options) as client, pytest.raises(OcpiError) as caught:
        list(client.fetch(module, date_to=DATE_TO))
    return caught.value


def shown(error: OcpiError, server: DemoServer) -> str:
    from fixtures_demo import scrub
    text = render([error.diagnostic], {})
    assert server.token not in text and base64.b64encode(server.token.encode()).decode() not in text
    return scrub(text)


def test_retries_on_5xx_then_succeeds(demo_server_factory, fast_options: FetchOptions) -> None:
    server = demo_server_factory(size=300, max_page_size=50, faults=Faults(error_rate=0.3))
    with connect(server, fast_options) as client:
        assert len(list(client.fetch("sessions", date_to=DATE_TO))) == 300
    assert client.stats.retries > 0
    # discovery's 3, and after the pages the objects updated since the pinned end (`count-shift`)
    assert client.stats.requests == client.stats.retries + client.stats.pages + 3 + 1


def test_connection_resets_are_retried(demo_server_factory, fast_options: FetchOptions) -> None:
    server = demo_server_factory(size=300, max_page_size=50, faults=Faults(reset_every=3))
    with connect(server, fast_options) as client:
        assert len(list(client.fetch("sessions", date_to=DATE_TO))) == 300
    assert client.stats.retries >= 2


def test_429_waits_for_retry_after(demo_server_factory, fast_options: FetchOptions) -> None:
    server = demo_server_factory(size=150, max_page_size=100, default_page_size=100,
                                 faults=Faults(rate_limit_every=2, retry_after=1))
    options = FetchOptions(max_retries=3, backoff_base=0.001, concurrency=1)
    started = time.monotonic()
    with connect(server, options) as client:
        assert len(list(client.fetch("sessions", date_to=DATE_TO))) == 150
    assert time.monotonic() - started >= 1.0
    # the second page, then the objects updated since the pinned end: each after a 429
    assert [r.status for r in server.request_log if "/sessions" in r.target] == [200, 429, 200, 429, 200]


def test_gives_up_after_n_tries(demo_server_factory, fast_options: FetchOptions, snapshot) -> None:
    server = demo_server_factory(size=50, faults=Faults(error_rate=1.0))
    error = failure(server, fast_options)
    assert error.code == "OCX505"
    assert len([r for r in server.request_log if "/sessions" in r.target]) == fast_options.max_retries + 1
    assert shown(error, server) == snapshot


def test_timeout_gives_up_clearly(demo_server_factory, snapshot) -> None:
    server = demo_server_factory(size=20, faults=Faults(latency_ms=400, fault_after_requests=0))
    options = FetchOptions(max_retries=1, backoff_base=0.001, timeout=0.2)
    with pytest.raises(OcpiError) as caught:
        connect(server, options)
    assert caught.value.code == "OCX500"
    assert shown(caught.value, server) == snapshot


def test_unreachable_platform(snapshot, fast_options: FetchOptions) -> None:
    never_started = DemoServer(size=10)
    with pytest.raises(OcpiError) as caught:
        OcpiClient.connect(Credentials("http://127.0.0.1:9/ocpi/cpo/versions", never_started.token),
                           options=fast_options)
    assert caught.value.code == "OCX500"
    assert shown(caught.value, never_started) == snapshot


@pytest.mark.parametrize("code", [2001, 3000])
def test_envelope_errors(demo_server_factory, fast_options: FetchOptions, code: int, snapshot) -> None:
    server = demo_server_factory(size=50, faults=Faults(envelope_error=code))
    error = failure(server, fast_options)
    assert error.code == "OCX503"
    assert shown(error, server) == snapshot


def test_missing_date_from_is_the_platforms_2001(demo_server: DemoServer, fast_options: FetchOptions,
                                                 snapshot) -> None:
    transport = httpx.HTTPTransport()
    with connect(demo_server, fast_options) as client:
        url = client.endpoints["sessions"]
    with OcpiClient.connect(Credentials(url.rsplit("/", 1)[0], demo_server.token, party="NL-ABC"),
                            options=fast_options, transport=transport) as client:
        with pytest.raises(OcpiError) as caught:
            client._transport.get(url + "?limit=5", routing=True)  # a request without date_from
    assert shown(caught.value, demo_server) == snapshot


def test_malformed_body(demo_server_factory, fast_options: FetchOptions, snapshot) -> None:
    server = demo_server_factory(size=50, faults=Faults(malformed_body=True))
    error = failure(server, fast_options)
    assert error.code == "OCX504"
    assert shown(error, server) == snapshot


def test_truncated_body_is_retried_then_explained(demo_server_factory, fast_options: FetchOptions,
                                                  snapshot) -> None:
    server = demo_server_factory(size=50, faults=Faults(truncated_body=True))
    error = failure(server, fast_options)
    assert error.code == "OCX504"
    assert len([r for r in server.request_log if "/sessions" in r.target]) == fast_options.max_retries + 1
    assert shown(error, server) == snapshot


def test_truncated_once_then_fine(demo_server_factory, fast_options: FetchOptions) -> None:
    server = demo_server_factory(size=50, faults=Faults(truncated_body=True))
    with connect(server, fast_options) as client:
        stream = client.fetch("sessions", date_to=DATE_TO)
        server.faults = Faults()
        assert len(list(stream)) == 50


def test_not_an_ocpi_endpoint(demo_server: DemoServer, fast_options: FetchOptions, snapshot) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"hello": "world"})

    with pytest.raises(OcpiError) as caught:
        OcpiClient.connect(Credentials("https://cpo.example/ocpi/versions", demo_server.token),
                           options=fast_options, transport=httpx.MockTransport(handler))
    assert caught.value.code == "OCX504"
    assert shown(caught.value, demo_server) == snapshot


def test_redirect_to_another_host_is_not_followed(demo_server: DemoServer, fast_options: FetchOptions,
                                                  snapshot) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.host))
        return httpx.Response(302, headers={"Location": "https://elsewhere.example/ocpi/versions"})

    with pytest.raises(OcpiError) as caught:
        OcpiClient.connect(Credentials("https://cpo.example/ocpi/versions", demo_server.token),
                           options=fast_options, transport=httpx.MockTransport(handler))
    assert seen == ["cpo.example"]
    assert shown(caught.value, demo_server) == snapshot


@pytest.mark.parametrize(("login", "target"), [("http://cpo.example/ocpi/versions", "https://cpo.example/x"),
                                               ("https://cpo.example/ocpi/versions", "https://cpo.example:8443/x")])
def test_a_redirect_to_another_port_or_scheme_says_so(demo_server: DemoServer, fast_options: FetchOptions,
                                                      login: str, target: str) -> None:
    """Not followed with the token, like one to another host, but said as it is: "another
    host" for `https://` on the same host (an http-to-https redirect) misled the user.
    A plain-http server cannot redirect to https on itself, hence the mock transport."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": target})

    with pytest.raises(OcpiError) as caught:
        OcpiClient.connect(Credentials(login, demo_server.token), options=fast_options,
                           transport=httpx.MockTransport(handler))
    assert seen == [login]
    assert caught.value.diagnostic.message == ("the platform redirects to another scheme or port of the same "
                                               "host; not following it with the token")


@pytest.mark.parametrize("listed", ["details", "endpoint"])
def test_the_token_never_goes_over_plain_http_after_an_https_login(
        demo_server: DemoServer, fast_options: FetchOptions, listed: str, snapshot) -> None:
    """Before: a platform logged in to over https:// that listed http:// URLs on its own host
    got the token in clear text (the host check passed). A server cannot show this over the
    demo's plain http, hence the mock transport."""
    sent: list[tuple[str, bool]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append((request.url.scheme, "authorization" in request.headers))
        scheme = "http" if listed == "details" else "https"
        if request.url.path.endswith("/versions"):
            data: object = [{"version": "2.2.1", "url": f"{scheme}://cpo.example/ocpi/2.2.1"}]
        else:
            data = {"version": "2.2.1", "endpoints": [
                {"identifier": "sessions", "role": "SENDER", "url": "http://cpo.example/ocpi/2.2.1/sessions"}]}
        return httpx.Response(200, json={"data": data, "status_code": 1000,
                                         "timestamp": "2026-01-01T00:00:00Z"})

    with pytest.raises(OcpiError) as caught:
        with OcpiClient.connect(Credentials("https://cpo.example/ocpi/versions", demo_server.token),
                                options=fast_options, transport=httpx.MockTransport(handler)) as client:
            list(client.fetch("sessions", date_to=DATE_TO))
    assert caught.value.code == "OCX518"
    assert all(scheme == "https" for scheme, _ in sent) and sent
    assert shown(caught.value, demo_server) == snapshot


def gzip_claiming_proxy(server: DemoServer, times: int | None, *, packed: bool = False,
                        encoding: str = "gzip") -> RewritingProxy:
    """Session pages say `Content-Encoding: gzip` over a plain body (a proxy that labels
    what it did not compress), or with `packed` over half a gzip body (cut short): the
    first `times` of them, or all when None."""
    import gzip

    labelled = []

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if "/sessions" in path and (times is None or len(labelled) < times):
            labelled.append(path)
            headers["content-encoding"] = encoding
            packed_body = gzip.compress(body)
            body = packed_body[:len(packed_body) // 2] if packed else body
        return status, headers, body

    return RewritingProxy(server.origin, rewrite)


def test_a_gzip_body_that_does_not_unpack_is_retried(demo_server_factory, fast_options: FetchOptions) -> None:
    server = demo_server_factory(size=50)
    with gzip_claiming_proxy(server, times=2, packed=True) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=fast_options) as client:
            assert len(list(client.fetch("sessions", date_to=DATE_TO))) == 50
        assert client.stats.retries == 2


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_plain_body_labelled_gzip_is_read_as_it_is(demo_server_factory, fast_options: FetchOptions,
                                                     encoding: str) -> None:
    """Every attempt to decode it as gzip (or deflate) failed, so each page was asked for 6
    times and the run failed with OCX504 ('does not decode as its `Content-Encoding` header
    says'), although the body was whole: it is read as it is, with a warning."""
    server = demo_server_factory(size=50, max_page_size=20)
    with gzip_claiming_proxy(server, times=None, encoding=encoding) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=fast_options) as client:
            assert len({s["id"] for s in client.fetch("sessions", date_to=DATE_TO)}) == 50
        assert client.stats.retries == 0
        assert client.stats.warnings == [f"the platform labels answers `Content-Encoding: {encoding}` that are "
                                         "not compressed; read as they are"]


def test_a_body_that_never_decodes_is_explained(demo_server_factory, fast_options: FetchOptions,
                                                snapshot) -> None:
    server = demo_server_factory(size=50)
    with gzip_claiming_proxy(server, times=None, packed=True) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=fast_options) as client, pytest.raises(OcpiError) as caught:
            list(client.fetch("sessions", date_to=DATE_TO))
    assert caught.value.code == "OCX504"
    assert shown(caught.value, server) == snapshot


def test_a_byte_order_mark_before_the_json_is_read(demo_server_factory, fast_options: FetchOptions) -> None:
    """Some platforms (.NET) start their JSON with a UTF-8 byte order mark; orjson refuses it."""
    server = demo_server_factory(size=250, max_page_size=100)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        return status, headers, b"\xef\xbb\xbf" + body

    with RewritingProxy(server.origin, rewrite) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=fast_options) as client:
            found = [o["id"] for o in client.fetch("sessions", date_to=DATE_TO)]
    assert found == [f"SES{i:09d}" for i in range(250)]
    assert client.stats.retries == 0


def refusing_proxy(server: DemoServer, status: int, times: int | None) -> RewritingProxy:
    """The session page at offset 100 is refused with `status` the first `times` times
    (all times when None), after the first page was served with the same token."""
    refused: list[str] = []

    def early(path: str):
        if "/sessions" in path and "offset=100" in path and (times is None or len(refused) < times):
            refused.append(path)
            return status, {"content-type": "application/json"}, (
                b'{"status_code": 2001, "status_message": "token expired", "timestamp": "2025-01-01T00:00:00Z"}')
        return None

    return RewritingProxy(server.origin, lambda path, code, headers, body: (code, headers, body), early)


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_refusal_after_the_token_worked_is_retried(demo_server_factory, fast_options: FetchOptions,
                                                     status: int, concurrency: int) -> None:
    """A platform refreshing its token store refuses one request mid-crawl. That used to
    switch to the raw token form (refused too) and fail with "the platform rejected the token"."""
    server = demo_server_factory(size=250, max_page_size=100)
    options = FetchOptions(max_retries=3, backoff_base=0.001, backoff_max=0.01, concurrency=concurrency)
    with refusing_proxy(server, status, times=2) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=options) as client:
            found = [o["id"] for o in client.fetch("sessions", date_to=DATE_TO)]
    assert found == [f"SES{i:09d}" for i in range(250)]
    assert client.stats.retries == 2
    assert client.token_encoding == "base64"
    # three pages, then the objects updated since the pinned end
    assert [r.status for r in server.request_log if "/sessions" in r.target] == [200, 200, 200, 200]


def test_a_token_revoked_mid_crawl_is_explained(demo_server_factory, fast_options: FetchOptions,
                                                snapshot) -> None:
    server = demo_server_factory(size=250, max_page_size=100)
    with refusing_proxy(server, 401, times=None) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=fast_options) as client, pytest.raises(OcpiError) as caught:
            list(client.fetch("sessions", date_to=DATE_TO))
        assert len([p for p in proxy.paths if "offset=100" in p]) == 3   # two retries at most
    assert caught.value.code == "OCX502" and caught.value.http_status == 401
    assert shown(caught.value, server) == snapshot


def test_a_refusal_before_any_data_still_tries_the_other_token_form(demo_server_factory,
                                                                     fast_options: FetchOptions) -> None:
    server = demo_server_factory(size=50, faults=Faults(plain_token_only=True))
    with connect(server, fast_options) as client:
        assert len(list(client.fetch("sessions", date_to=DATE_TO))) == 50
    assert client.token_encoding == "plain" and client.stats.retries == 0


def throttling_proxy(server: DemoServer, retry_after: str, times: int = 1) -> RewritingProxy:
    """The session page at offset 100 is answered HTTP 429 with `retry_after` `times` times."""
    throttled: list[str] = []

    def early(path: str):
        if "/sessions" in path and "offset=100" in path and len(throttled) < times:
            throttled.append(path)
            return 429, {"retry-after": retry_after}, b""
        return None

    return RewritingProxy(server.origin, lambda path, code, headers, body: (code, headers, body), early)


@pytest.mark.parametrize("retry_after", ["3600", "Wed, 21 Oct 2099 07:28:00 GMT", "1000000000"])
def test_a_retry_after_beyond_the_longest_wait_fails_at_once(demo_server_factory, retry_after: str,
                                                            snapshot) -> None:
    """A `Retry-After` of an hour used to mean 5 minutes of sleep before each of the retries,
    then a failure anyway."""
    server = demo_server_factory(size=250, max_page_size=100)
    options = FetchOptions(max_retries=3, backoff_base=0.001, retry_after_max=0.05, retry_after_give_up=300)
    started = time.monotonic()
    with throttling_proxy(server, retry_after, times=10) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=options) as client, pytest.raises(OcpiError) as caught:
            list(client.fetch("sessions", date_to=DATE_TO))
        assert len([p for p in proxy.paths if "offset=100" in p]) == 1
    # the one request at offset 100 above is the check; this only says no wait of an hour
    # was begun (loose: a loaded machine takes seconds for this crawl)
    assert time.monotonic() - started < 60
    assert caught.value.code == "OCX505"
    text = re.sub(r"after \d{4}-\d\d-\d\d \d\d:\d\d UTC", "after <time> UTC", shown(caught.value, server))
    assert re.sub(r"wait [\d,]+ days", "wait <n> days", text) == snapshot


@pytest.mark.parametrize("retry_after", ["0.2", "Wed, 21 Oct 2015 07:28:00 GMT", "-3", "soon", "299"])
def test_a_retry_after_within_the_longest_wait_is_waited_for(demo_server_factory, retry_after: str) -> None:
    server = demo_server_factory(size=250, max_page_size=100)
    options = FetchOptions(max_retries=3, backoff_base=0.001, retry_after_max=0.3)
    with throttling_proxy(server, retry_after) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=options) as client:
            assert len(list(client.fetch("sessions", date_to=DATE_TO))) == 250
    assert client.stats.retries == 1


@pytest.mark.parametrize("declared, codec", [
    ("iso-8859-1", "latin-1"), ("windows-1252", "cp1252"), ("utf-16", "utf-16"), (None, "utf-16"),
    ("iso-8859-1", "utf-8")],  # a server default declaring Latin-1 over a UTF-8 body: read as UTF-8
    ids=["latin-1", "cp1252", "utf-16", "utf-16-bom-undeclared", "latin-1-declared-utf-8-sent"])
def test_a_body_in_the_charset_it_declares_is_read(demo_server_factory, declared: str | None, codec: str) -> None:
    """Older platforms send Latin-1 and say so in `Content-Type`; objects holding a
    non-ASCII letter used to be left out as holding an invalid UTF-8 byte."""
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(naive_timestamps=True))

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if "/sessions" not in path:
            return status, headers, body
        envelope = json.loads(body)
        envelope["data"][0]["meter_id"] = "Zähler-é"
        kind = "application/json" + (f"; charset={declared}" if declared else "")
        return status, {**headers, "content-type": kind}, json.dumps(envelope, ensure_ascii=False).encode(codec)

    with RewritingProxy(server.origin, rewrite) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=FetchOptions(max_retries=0)) as client:
            found = list(client.fetch("sessions", date_to=DATE_TO))
    assert [o["id"] for o in found] == [f"SES{i:09d}" for i in range(250)]
    assert client.stats.invalid_by_reason == {}
    assert [o["meter_id"] for o in found if "Z" in o.get("meter_id", "")] == ["Zähler-é"] * 3
    assert all(o["last_updated"].endswith("Z") for o in found)


@pytest.mark.parametrize("encoding", ["br", "x-vendor-pack"])
def test_a_body_compressed_in_an_unreadable_encoding_is_named(demo_server_factory, fast_options: FetchOptions,
                                                             encoding: str, snapshot) -> None:
    """A gateway that compresses as it likes: the error said "not JSON; a proxy or login
    page may answer instead of the platform"."""
    import gzip
    server = demo_server_factory(size=50)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if "/sessions" in path:
            return status, {**headers, "content-encoding": encoding}, gzip.compress(body)
        return status, headers, body

    with RewritingProxy(server.origin, rewrite) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=fast_options) as client, pytest.raises(OcpiError) as caught:
            list(client.fetch("sessions", date_to=DATE_TO))
    assert caught.value.code == "OCX504"
    assert re.sub(r"\d+ bytes", "N bytes", shown(caught.value, server)) == snapshot


@pytest.mark.parametrize("code", [3000, 4002, 4003])
def test_a_passing_server_status_mid_crawl_is_retried(demo_server_factory, fast_options: FetchOptions,
                                                      code: int) -> None:
    """OCPI 3000 inside HTTP 200 is the envelope's HTTP 500: one of them on page 2 failed the
    whole export, where an HTTP 500 was retried. A hub's 4002/4003 likewise."""
    server = demo_server_factory(size=250, max_page_size=100)
    answered: list[str] = []

    def early(path: str):
        if "/sessions" in path and "offset=100" in path and not answered:
            answered.append(path)
            body = {"status_code": code, "status_message": "busy", "timestamp": "2025-01-01T00:00:00Z"}
            return 200, {"content-type": "application/json"}, json.dumps(body).encode()
        return None

    with RewritingProxy(server.origin, lambda path, status, headers, body: (status, headers, body), early) as proxy:
        credentials = Credentials(proxy.origin + "/ocpi/cpo/versions", server.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=fast_options) as client:
            found = [o["id"] for o in client.fetch("sessions", date_to=DATE_TO)]
    assert found == [f"SES{i:09d}" for i in range(250)]
    assert client.stats.retries == 1
