"""Issue 8, discovery and authentication: platforms that deviate from OCPI, over real
HTTP to the demo CPO, with the messages a user sees (snapshots)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fixtures_cli import cli_block
from fixtures_demo import scrub

from ocpispec.demo import DemoServer, Faults


def login(run_cli, server: DemoServer, *extra: str, url: str | None = None, token: str | None = None):
    return run_cli("login", url or server.versions_url, "--token", token or server.token, "--party", "NL-ABC",
                   *extra)


def shown(result, server: DemoServer, tmp_path: Path) -> str:
    text = cli_block(result)
    assert server.token not in text
    return scrub(text, tmp_path=tmp_path).replace(f"localhost:{server.port}", "localhost:PORT")


def saved(tmp_path: Path) -> dict | None:
    path = tmp_path / "config" / "profiles" / "default.json"
    return json.loads(path.read_text()) if path.exists() else None


def test_nested_versions_body_is_read_with_a_warning(run_cli, demo_server_factory, tmp_path, snapshot) -> None:
    server = demo_server_factory(versions=("2.1.1", "2.2.1"), size=20, faults=Faults(nested_versions=True))
    result = login(run_cli, server)
    assert result.exit_code == 0
    assert saved(tmp_path)["version"] == "2.2.1"
    assert shown(result, server, tmp_path) == snapshot


def test_short_version_labels_map_to_the_supported_version(run_cli, demo_server_factory, tmp_path,
                                                           snapshot) -> None:
    server = demo_server_factory(versions=("2.1.1", "2.2.1"), size=20, faults=Faults(short_version_label=True))
    result = login(run_cli, server)
    assert result.exit_code == 0
    assert saved(tmp_path)["version"] == "2.2.1"
    assert shown(result, server, tmp_path) == snapshot
    details = login(run_cli, server, url=server.details_url("2.1.1"))
    assert details.exit_code == 0 and saved(tmp_path)["version"] == "2.1.1"
    assert "the version details are labelled `2.1`; using them as OCPI 2.1.1" in details.stderr


def test_credentials_listed_as_receiver_still_give_the_cpo_party(run_cli, demo_server_factory, tmp_path) -> None:
    server = demo_server_factory(size=20, faults=Faults(credentials_receiver_only=True))
    result = login(run_cli, server)
    assert result.exit_code == 0
    assert "  CPO party:     NL-DMO\n" in result.stdout
    assert saved(tmp_path)["to_party"] == "NL-DMO"
    assert "credentials" not in saved(tmp_path)["endpoints"]


def test_https_endpoints_on_a_plain_http_server(run_cli, demo_server_factory, tmp_path, snapshot) -> None:
    server = demo_server_factory(size=30, faults=Faults(https_endpoints=True))
    failed = login(run_cli, server)
    # no retries of a TLS handshake failure: each try is a connection of its own, beside
    # at most one a plain request (counted, not timed: the CLI's retries wait 1 ms here,
    # and a loaded machine took seconds for the login itself)
    assert server.connections <= len(server.request_log) + 1
    assert failed.exit_code == 1 and saved(tmp_path) is None
    allowed = login(run_cli, server, "--endpoint-scheme-from-url")
    assert allowed.exit_code == 0
    assert saved(tmp_path)["endpoint_scheme_from_url"] is True
    assert all(url.startswith("http://") for url in saved(tmp_path)["endpoints"].values())
    pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 30
    assert shown(failed, server, tmp_path) + shown(allowed, server, tmp_path) == snapshot


def test_wrong_token_answered_with_500_or_3000(run_cli, demo_server_factory, tmp_path, snapshot) -> None:
    texts = []
    for status in (500, 3000):
        server = demo_server_factory(size=20, faults=Faults(bad_token_status=status))
        started = time.monotonic()
        result = login(run_cli, server, token="not-the-token")
        assert time.monotonic() - started < 8       # not 12 s of retries (the bound is loose for a loaded machine)
        assert result.exit_code == 1 and saved(tmp_path) is None
        assert "the token may be wrong" in result.stderr and "not-the-token" not in result.stderr
        assert len(server.request_log) == 2        # the token in both forms, once each
        texts.append(shown(result, server, tmp_path))
        assert login(run_cli, server).exit_code == 0
        (tmp_path / "config" / "profiles" / "default.json").unlink()
    assert "\n".join(texts) == snapshot


def test_receiver_only_tokens_of_a_2_1_1_cpo(run_cli, demo_server_factory, tmp_path, snapshot) -> None:
    server = demo_server_factory(version="2.1.1", size=40, faults=Faults(tokens_receiver_only=1))
    logged_in = login(run_cli, server)
    assert logged_in.exit_code == 0
    assert "  note:          a 2.1.1 CPO's `tokens` endpoint usually only receives tokens" in logged_in.stdout
    result = run_cli("get", "tokens")
    assert result.exit_code == 1 and result.stdout == ""
    assert shown(result, server, tmp_path) == snapshot


def test_an_emsp_side_tokens_endpoint_is_preferred_on_2_1_1(run_cli, demo_server_factory, tmp_path) -> None:
    server = demo_server_factory(version="2.1.1", size=40, faults=Faults(tokens_receiver_only=2))
    logged_in = login(run_cli, server)
    assert logged_in.exit_code == 0 and "note:" not in logged_in.stdout
    assert saved(tmp_path)["endpoints"]["tokens"].endswith("/ocpi/emsp/2.1.1/tokens")
    result = run_cli("get", "tokens")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == server.listings["2.1.1"]["tokens"].total(
        server.listings["2.1.1"]["tokens"].window(None, None))


def test_details_on_another_host_need_an_allowance(run_cli, demo_server_factory, tmp_path, snapshot) -> None:
    server = demo_server_factory(size=30, faults=Faults(foreign_details_host=True))
    refused = login(run_cli, server)
    assert refused.exit_code == 1 and saved(tmp_path) is None
    assert [r.target for r in server.request_log] == ["/ocpi/cpo/versions"]
    allowed = login(run_cli, server, "--allow-host", "localhost")
    assert allowed.exit_code == 0
    assert saved(tmp_path)["allowed_hosts"] == ["localhost"]
    pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 30
    assert "warning: sending the token to `localhost` as allowed at login (--allow-host)" in pulled.stderr
    assert shown(refused, server, tmp_path) + shown(allowed, server, tmp_path) == snapshot


def test_query_values_of_the_login_url_are_redacted(run_cli, demo_server_factory, tmp_path, snapshot) -> None:
    server = demo_server_factory(size=20)
    url = server.versions_url + "?session=s3cr3t-value&x=1"
    ok = login(run_cli, server, url=url)
    wrong = login(run_cli, server, url=url, token="not-the-token")
    listed = run_cli("profiles")
    texts = [shown(r, server, tmp_path) for r in (ok, wrong, listed)]
    assert all("s3cr3t" not in text for text in texts)
    assert "\n".join(texts) == snapshot


def test_a_damaged_profile_gives_a_diagnostic(run_cli, demo_server_factory, tmp_path, snapshot) -> None:
    server = demo_server_factory(size=20)
    assert login(run_cli, server).exit_code == 0
    path = tmp_path / "config" / "profiles" / "default.json"
    texts = []
    for field, value in [("party", 123), ("token", ["x"]), ("endpoints", {"sessions": 5}),
                         ("version", "9.9"), ("allowed_hosts", "localhost"), ("versions_url", "ftp://x")]:
        profile = saved(tmp_path) or {}
        original = json.loads(json.dumps(profile))
        path.write_text(json.dumps({**original, field: value}))
        listed, pulled = run_cli("profiles"), run_cli("get", "sessions", "--include-private")
        assert listed.exit_code == 1 and pulled.exit_code == 1
        assert server.token not in listed.stderr + pulled.stderr
        texts.append(scrub(listed.stderr, tmp_path=tmp_path))
        path.write_text(json.dumps(original))
    assert "".join(texts) == snapshot


def test_receiver_only_tokens_are_explained_when_counting(demo_server_factory) -> None:
    from ocpispec.ocpi import Credentials, OcpiClient, OcpiError
    server = demo_server_factory(version="2.1.1", size=40, faults=Faults(tokens_receiver_only=1))
    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        assert client.count("sessions") == 40
        try:
            client.count("tokens")
        except OcpiError as problem:
            assert problem.code == "OCX507" and "cannot be listed" in problem.diagnostic.message
        else:
            raise AssertionError("counting receiver-only tokens must fail")


def test_a_500_for_the_other_token_form_is_not_a_wrong_token(run_cli, demo_server_factory, tmp_path) -> None:
    server = demo_server_factory(size=20, faults=Faults(bad_token_status=500, plain_token_only=True))
    result = login(run_cli, server)
    assert result.exit_code == 0, result.stderr
    assert saved(tmp_path)["token_encoding"] == "plain"
    assert [r.status for r in server.request_log][:2] == [500, 200]


def test_version_labels_written_as_json_numbers(run_cli, demo_server_factory, tmp_path) -> None:
    """`{"version": 2.2}` (a serialiser's decimal field), in the versions list and in the
    details: login said "the platform offers: none"."""
    import re

    from fixtures_proxy import RewritingProxy

    server = demo_server_factory(versions=("2.1.1", "2.2.1"), size=20)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        return status, headers, re.sub(rb'"version": ?"(2\.[12])\.1"', rb'"version":\1', body)

    with RewritingProxy(server.origin, rewrite) as proxy:
        result = login(run_cli, server, url=proxy.origin + "/ocpi/cpo/versions")
    assert result.exit_code == 0, result.stderr
    assert saved(tmp_path)["version"] == "2.2.1"
    assert "the platform labels a version `2.2`; using it as OCPI 2.2.1" in result.stderr


def test_endpoints_on_another_port_of_the_login_host_need_an_allowance(run_cli, demo_server_factory,
                                                                       tmp_path) -> None:
    """Version details listing the data endpoints on another port of the login host (another
    service of the machine, not necessarily the platform's): the token went there unasked,
    as only the host name was compared (and doctor said it would be sent there). Now login
    and doctor name it, `get` refuses with OCX518 before any request goes there, and
    `--allow-host HOST:PORT` allows that port."""
    from fixtures_proxy import RewritingProxy

    server = demo_server_factory(size=20)
    login_origin: list[str] = []

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if path.rstrip("/").endswith("/2.2.1"):     # the details: data endpoints on the demo's own port
            body = body.replace(f'{login_origin[0]}/ocpi/cpo/2.2.1/s'.encode(),
                                f'{server.origin}/ocpi/cpo/2.2.1/s'.encode())
        return status, headers, body

    with RewritingProxy(server.origin, rewrite) as proxy:
        login_origin.append(proxy.origin)
        other = f"127.0.0.1:{server.port}"
        logged_in = login(run_cli, server, url=proxy.origin + "/ocpi/cpo/versions")
        assert logged_in.exit_code == 0, logged_in.stderr
        assert (f"  note:          `sessions` is listed on `{other}`, where the token is not sent; if it "
                f"belongs to the platform, log in again with `--allow-host {other}`") in logged_in.stdout
        refused = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
        assert refused.exit_code == 1 and refused.stdout == ""
        assert (f"error[OCX518]: the platform points to another port (`{other}`) of the host you gave; "
                "the token is not sent there") in refused.stderr
        assert not [r for r in server.request_log if "/sessions" in r.target]
        assert run_cli("get", "locations", "--include-private", "--date-to", "2030-01-01").exit_code == 0   # on the login port
        doctor = run_cli("doctor")
        assert doctor.exit_code == 1
        assert f"endpoints point elsewhere than the version details: another port (http://{other})" in doctor.stdout
        assert (f"-> ocpispec does not send the token to `{other}`, so the modules listed there cannot be "
                f"pulled; if they belong to the platform, log in again with `--allow-host {other}`"
                ) in " ".join(doctor.stdout.split())
        assert login(run_cli, server, "--allow-host", other, url=proxy.origin + "/ocpi/cpo/versions").exit_code == 0
        assert saved(tmp_path)["allowed_hosts"] == [other]
        pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 20, pulled.stderr
    assert f"warning: sending the token to `{other}` as allowed at login (--allow-host)" in pulled.stderr
    assert login(run_cli, server, "--allow-host", "a.example/x").exit_code == 2


def test_a_listed_version_without_usable_details_falls_back_to_the_next(run_cli, demo_server_factory,
                                                                         tmp_path) -> None:
    """A platform listing OCPI 2.3.0 that it does not serve yet (its details answer 404, or
    list no data module): login failed with "check the versions URL", or chose 2.3.0 with no
    module to pull. Now it uses 2.2.1, the next version both sides speak, with a warning;
    a server error there still fails (it may pass), and `--version 2.3.0` insists."""
    from fixtures_proxy import RewritingProxy

    server = demo_server_factory(versions=("2.2.1", "2.3.0"), size=20)
    answers = {"404": (404, {"content-type": "text/plain"}, b"not found"),
               "empty": (200, {"content-type": "application/json"},
                         b'{"data": {"version": "2.3.0", "endpoints": []}, "status_code": 1000,'
                         b' "timestamp": "2026-01-01T00:00:00Z"}')}
    for case, answer in answers.items():
        with RewritingProxy(server.origin, lambda *a: a[1:],
                            early=lambda path, answer=answer: answer if path.endswith("/2.3.0") else None) as proxy:
            url = proxy.origin + "/ocpi/cpo/versions"
            logged_in = login(run_cli, server, url=url)
            assert logged_in.exit_code == 0, logged_in.stderr
            assert saved(tmp_path)["version"] == "2.2.1"
            assert "  OCPI version:  2.2.1 (offered: 2.2.1, 2.3.0)" in logged_in.stdout
            why = "fail (OCX501: the platform answered HTTP 404 Not Found)" if case == "404" else "list no data module"
            assert (f"warning: the platform offers OCPI 2.3.0, but its version details {why}; using OCPI 2.2.1, "
                    "the next version both sides speak (`--version 2.3.0` insists on 2.3.0)") in logged_in.stderr
            pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
            assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 20, pulled.stderr
            insisted = login(run_cli, server, "--version", "2.3.0", url=url)
            assert insisted.exit_code == (1 if case == "404" else 0)
            assert "warning: the platform offers" not in insisted.stderr
    with RewritingProxy(server.origin, lambda *a: a[1:],
                        early=lambda path: (500, {}, b"") if path.endswith("/2.3.0") else None) as proxy:
        failing = login(run_cli, server, url=proxy.origin + "/ocpi/cpo/versions",
                        token=server.token)
    assert failing.exit_code == 1 and "error[OCX505]" in failing.stderr


def test_roles_padded_with_spaces_still_name_the_senders(run_cli, tmp_path) -> None:
    """`"role": " sender "`: the role was upper-cased but not stripped, so no endpoint was a
    SENDER and login found no module to pull. The credentials' `" nl "`, `" ind "` named
    the CPO party ` NL- IND `, which no `OCPI-to-*` header could carry."""
    from independent_cpo import IndependentCpo

    with IndependentCpo("2.2.1", records=10, quirks=("padded labels",)) as cpo:
        logged_in = login(run_cli, cpo, url=cpo.versions_url, token=cpo.token)  # type: ignore[arg-type]
        assert logged_in.exit_code == 0, logged_in.stderr
        assert "  modules:       cdrs, locations, sessions, tariffs, tokens\n" in logged_in.stdout
        # the credentials' party padded too: it was kept as ` NL- IND `, and no OCPI-to-* went
        assert "  CPO party:     NL-IND\n" in logged_in.stdout
        pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 10, pulled.stderr


def test_a_versions_list_of_one_sent_as_the_version_itself_is_read(run_cli, tmp_path) -> None:
    """`"data": {"version": "2.2.1", "url": ...}` (an XML-to-JSON layer collapsing a list of
    one): login failed with OCX513 'did not answer with a list of versions', doctor blocked;
    the credentials' `roles` sent as one object left the CPO party unknown."""
    from independent_cpo import IndependentCpo

    with IndependentCpo("2.2.1", records=10, quirks=("one version object",)) as cpo:
        logged_in = login(run_cli, cpo, url=cpo.versions_url, token=cpo.token)  # type: ignore[arg-type]
        assert logged_in.exit_code == 0, logged_in.stderr
        assert "one version object instead of a list of versions; read as a list of one" in logged_in.stderr
        assert "  CPO party:     NL-IND\n" in logged_in.stdout
        doctor = run_cli("doctor")
        assert doctor.exit_code == 0, doctor.output
        assert "the versions answer is one version object" in doctor.stdout
        pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 10, pulled.stderr


def test_a_211_platform_labelling_roles_is_read_from_its_senders(run_cli, tmp_path) -> None:
    """2.1.1 version details written in 2.2's shape, each module listed first as RECEIVER:
    2.1.1 took the first entry of a module, and every pull failed on the push interface
    (OCX503, HTTP 404 'check the versions URL')."""
    from independent_cpo import IndependentCpo

    with IndependentCpo("2.1.1", records=10, quirks=("receivers first",)) as cpo:
        logged_in = login(run_cli, cpo, url=cpo.versions_url, token=cpo.token)  # type: ignore[arg-type]
        assert logged_in.exit_code == 0, logged_in.stderr
        endpoints = saved(tmp_path)["endpoints"]
        assert not [url for url in endpoints.values() if "/receiver/" in url], endpoints
        doctor = run_cli("doctor")
        assert doctor.exit_code == 0, doctor.output
        assert "not labelled RECEIVER" in doctor.stdout
        pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 10, pulled.stderr


def test_urls_padded_with_spaces_are_read_without_them(run_cli, tmp_path) -> None:
    """`"url": " http://.../2.2.1/ "`: the padding was kept, so login asked for
    `.../2.2.1/%20` (or joined a leading space as a relative path) and failed with OCX503
    'check the versions URL', showing a URL whose fault is invisible."""
    from independent_cpo import IndependentCpo

    with IndependentCpo("2.2.1", records=10, quirks=("padded urls",)) as cpo:
        logged_in = login(run_cli, cpo, url=cpo.versions_url, token=cpo.token)  # type: ignore[arg-type]
        assert logged_in.exit_code == 0, logged_in.stderr
        endpoints = saved(tmp_path)["endpoints"]
        assert endpoints["sessions"] == f"{cpo.origin}/ocpi/cpo/2.2.1/sessions/", endpoints
        pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 10, pulled.stderr


def test_version_labels_with_a_document_revision_or_a_suffix(run_cli, demo_server_factory, tmp_path) -> None:
    """`2.2.1-d2` (the errata document of 2.2.1, the same protocol) and `OCPI 2.2.1` gave
    OCX506 'no OCPI version in common' although 2.2.1 was meant, and `--version 2.2.1`
    could not insist on it. They map to 2.2.1; a label of a release with another suffix
    (`2.2.1-rc1`) is named in OCX506 with the `--version` that uses it, and that works."""
    import re

    from fixtures_proxy import RewritingProxy

    server = demo_server_factory(versions=("2.2.1",), size=20)
    for label in ("2.2.1-d2", "OCPI 2.2.1", "2.2.1-rc1"):
        def rewrite(path: str, status: int, headers: dict[str, str], body: bytes, label: str = label):
            return status, headers, re.sub(rb'"version": ?"2\.2\.1"', f'"version":"{label}"'.encode(), body)

        with RewritingProxy(server.origin, rewrite) as proxy:
            url = proxy.origin + "/ocpi/cpo/versions"
            result = login(run_cli, server, url=url)
            if label == "2.2.1-rc1":
                assert result.exit_code == 1
                assert "the platform offers: `2.2.1-rc1`" in result.stderr
                assert "if `2.2.1-rc1` is OCPI 2.2.1, log in with `--version 2.2.1`" in result.stderr
                result = login(run_cli, server, "--version", "2.2.1", url=url)
                assert f"labels a version `{label}`; using it as OCPI 2.2.1 (--version)" in result.stderr
            else:
                assert f"the platform labels a version `{label}`; using it as OCPI 2.2.1" in result.stderr
            assert result.exit_code == 0, result.stderr
            assert saved(tmp_path)["version"] == "2.2.1"
            pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
            assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 20, pulled.stderr


def test_version_details_collapsed_to_one_object_are_read(run_cli, demo_server_factory, tmp_path) -> None:
    """An XML-to-JSON layer collapsing one-element arrays: `endpoints` as the one endpoint
    object, or the details as a list of one. Both failed login with OCX513 'list no
    endpoints'; they are read as a list of one (and as the details), with a warning, and
    doctor says it handles them (it said nothing)."""
    from fixtures_proxy import RewritingProxy

    server = demo_server_factory(versions=("2.2.1",), size=20)

    def one_endpoint(details: dict) -> dict:
        sessions = [e for e in details["endpoints"] if e["identifier"] == "sessions" and e["role"] == "SENDER"]
        return {**details, "endpoints": sessions[0]}

    for collapse, warned, modules in (
            (one_endpoint, "`endpoints` as one endpoint object instead of a list", "sessions"),
            (lambda details: [details], "its version details as a list of one", "cdrs, locations, sessions")):
        def rewrite(path: str, status: int, headers: dict[str, str], body: bytes, collapse=collapse):
            if path.rstrip("/").endswith("/2.2.1"):
                answer = json.loads(body)
                body = json.dumps({**answer, "data": collapse(answer["data"])}).encode()
            return status, headers, body

        with RewritingProxy(server.origin, rewrite) as proxy:
            result = login(run_cli, server, url=proxy.origin + "/ocpi/cpo/versions")
            assert result.exit_code == 0, result.stderr
            assert warned in result.stderr
            assert f"  modules:       {modules}" in result.stdout
            doctor = run_cli("doctor")
            assert doctor.exit_code == 0, doctor.output
            assert "handled   endpoints" in doctor.stdout and warned in doctor.stdout, doctor.stdout
            pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
            assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 20, pulled.stderr


def test_a_failing_platform_is_not_taken_for_a_refused_token(run_cli, demo_server_factory, tmp_path) -> None:
    """Every data request answered with OCPI status 3000 (the platform's sessions back end
    failing), after a login that worked: the first page of a stored discovery tried the
    other token form, failed with OCX502, and the discovery that followed went on with that
    form, which the platform refused (HTTP 401): 'the platform rejected the token'. The
    discovery now asks with the form that worked; the token holds, so the list is asked again
    and its 3000 retried: OCX503, the platform is failing. A wrong token still gets OCX502."""
    server = demo_server_factory(versions=("2.2.1",), size=20, faults=Faults(envelope_error=3000))
    assert login(run_cli, server).exit_code == 0
    env = {"OCPISPEC_RETRY_BACKOFF": "0.01"}
    failing = run_cli("get", "sessions", "--include-private", "--retries", "1", env=env)
    assert failing.exit_code == 1
    assert "error[OCX503]: gave up after 2 tries: the platform kept answering with an OCPI server" in failing.stderr
    assert "rejected the token" not in failing.stderr
    assert "some platforms answer a wrong or revoked token with OCPI status 3000" in failing.stderr
    wrong = demo_server_factory(versions=("2.2.1",), size=20, faults=Faults(bad_token_status=3000))
    assert login(run_cli, wrong).exit_code == 0
    profile = tmp_path / "config" / "profiles" / "default.json"
    profile.write_text(profile.read_text().replace(wrong.token, "0" * len(wrong.token)))
    refused = run_cli("get", "sessions", "--include-private", "--retries", "1", env=env)
    assert refused.exit_code == 1 and "error[OCX502]" in refused.stderr and "token may be wrong" in refused.stderr


def test_version_details_that_say_another_version_are_read_as_it(run_cli, demo_server_factory,
                                                                 tmp_path) -> None:
    """A platform listing OCPI 2.3.0 with the URL of its 2.2.1 details (which say
    `"version": "2.2.1"`) was logged in on 2.3.0: its 2.2.1 records were read as 2.3.0,
    every CDR's `total_cost` lost its amounts (a 2.2.1 Price has no `before_taxes`) and
    only 'unknown fields' said why. The details' own version is used, with a warning;
    `--version 2.3.0` insists."""
    server = demo_server_factory(version="2.2.1", size=20)
    details_url = server.details_url
    server.details_url = lambda version: details_url("2.2.1")   # type: ignore[method-assign]
    server.versions = ("2.2.1", "2.3.0")
    result = login(run_cli, server)
    assert result.exit_code == 0, result.stderr
    assert saved(tmp_path)["version"] == "2.2.1"
    assert ("warning: the platform lists OCPI 2.3.0, but its version details say they are for OCPI 2.2.1; "
            "using OCPI 2.2.1 (`--version 2.3.0` insists on 2.3.0)") in result.stderr
    pulled = run_cli("get", "cdrs", "--include-private", "--privacy-pass", "total_cost", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0, pulled.stderr
    costs = [json.loads(line)["total_cost"] for line in pulled.stdout.splitlines()]
    assert costs and all(isinstance(cost.get("excl_vat"), (int, float)) for cost in costs)
    assert "unknown fields (withheld): none" in pulled.stderr
    insisted = login(run_cli, server, "--version", "2.3.0")
    assert insisted.exit_code == 0 and saved(tmp_path)["version"] == "2.3.0"
    assert "say they are for OCPI 2.2.1; reading them as 2.3.0 (`--version`)" in insisted.stderr


def test_endpoints_labelled_with_the_partys_role_are_read_as_unlabelled(run_cli, tmp_path, snapshot) -> None:
    """`"role": "CPO"` on every 2.2+ endpoint (the party's role of the credentials, not an
    interface role): no endpoint was a SENDER, login saved none, and every pull failed with
    OCX507 'SENDER modules here: none ... ask the CPO to enable data modules', which they
    were. Read as if no role was given (as endpoints without one are), the CPO's before another
    party's, with a warning."""
    from independent_cpo import IndependentCpo

    class PartyRoles(IndependentCpo):
        """Each module listed as `EMSP` (an eMSP-side URL, which answers 404) and then as `CPO`."""

        def _details(self) -> dict:
            details = super()._details()
            emsp = [{**endpoint, "role": "EMSP", "url": endpoint["url"].replace("/cpo/", "/emsp/")}
                    for endpoint in details["endpoints"]]
            details["endpoints"] = [*emsp, *({**endpoint, "role": "CPO"} for endpoint in details["endpoints"])]
            return details

    with PartyRoles("2.2.1", records=10) as cpo:
        logged_in = login(run_cli, cpo, url=cpo.versions_url, token=cpo.token)  # type: ignore[arg-type]
        assert logged_in.exit_code == 0, logged_in.stderr
        assert "  modules:       cdrs, locations, sessions, tariffs, tokens\n" in logged_in.stdout
        assert "/emsp/" not in json.dumps(saved(tmp_path)["endpoints"])
        pulled = run_cli("get", "sessions", "--include-private", "--date-to", "2030-01-01")
    assert pulled.exit_code == 0 and len(pulled.stdout.splitlines()) == 10, pulled.stderr
    text = cli_block(logged_in, tmp=tmp_path).replace(cpo.origin, "http://127.0.0.1:PORT")
    assert cpo.token not in text
    assert text == snapshot
