"""The demo CPO over raw HTTP: routes, Token auth, pagination headers, the CLI."""

from __future__ import annotations

import base64

import httpx
import pytest

from ocpispec.demo import DemoServer, Faults

# one client for the file's requests: `httpx.get` builds a client of its own per request,
# and with it a TLS context that reads the CA bundle again (0.05 s on a quiet machine,
# 0.3 s on a busy one), for 150 plain-HTTP requests to 127.0.0.1
_client = httpx.Client()
get = _client.get


def auth(server: DemoServer, encoded: bool = True) -> dict[str, str]:
    value = base64.b64encode(server.token.encode()).decode() if encoded else server.token
    return {"Authorization": f"Token {value}"}


def test_versions_lists_what_is_served(demo_server_factory) -> None:
    single = demo_server_factory(version="2.1.1", size=10)
    several = demo_server_factory(versions=("2.3.0", "2.1.1"), size=10)
    assert [v["version"] for v in get(single.versions_url, headers=auth(single)).json()["data"]] == ["2.1.1"]
    assert [v["version"] for v in get(several.versions_url, headers=auth(several)).json()["data"]] == [
        "2.1.1", "2.3.0"]
    assert get(single.details_url("2.2.1"), headers=auth(single)).status_code == 404


def test_version_details_mark_roles(demo_server: DemoServer) -> None:
    details = get(demo_server.details_url("2.2.1"), headers=auth(demo_server)).json()["data"]
    roles = {(e["identifier"], e["role"]) for e in details["endpoints"]}
    assert ("tokens", "RECEIVER") in roles and ("tokens", "SENDER") in roles and ("commands", "RECEIVER") in roles


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer x"}, {"Authorization": "Token wrong"}])
def test_token_is_required(demo_server: DemoServer, headers: dict[str, str]) -> None:
    answer = get(demo_server.versions_url, headers=headers)
    assert answer.status_code == 401 and answer.json()["status_code"] == 2000


def test_encoding_per_version(demo_server_factory) -> None:
    server = demo_server_factory(versions=("2.1.1", "2.2.1"), size=10)
    assert get(server.versions_url, headers=auth(server, encoded=False)).status_code == 200
    assert get(server.versions_url, headers=auth(server, encoded=True)).status_code == 200
    assert get(server.details_url("2.1.1"), headers=auth(server, encoded=True)).status_code == 401
    assert get(server.details_url("2.2.1"), headers=auth(server, encoded=False)).status_code == 401


def test_pagination_headers(demo_server: DemoServer) -> None:
    url = demo_server.module_url("2.2.1", "sessions") + "?date_from=2025-01-01T00:00:00Z&limit=40&offset=40&x=1"
    answer = get(url, headers=auth(demo_server))
    assert answer.headers["X-Total-Count"] == "300" and answer.headers["X-Limit"] == "100"
    assert len(answer.json()["data"]) == 40
    assert answer.links["next"]["url"] == (demo_server.module_url("2.2.1", "sessions")
                                           + "?date_from=2025-01-01T00%3A00%3A00Z&limit=40&offset=80&x=1")


def test_a_lagging_replica_counts_nothing_after_its_now(demo_server_factory) -> None:
    """A list after the lagging replica's now (`visibility_lag`) is empty and counted 0,
    not -1: a count that is no number sent the client looking for the list's end."""
    server = demo_server_factory(size=50, faults=Faults(visibility_lag=2 * 86400, replica_now=1740787200))
    url = server.module_url("2.2.1", "sessions") + "?date_from=2025-03-01T00:00:00Z&date_to=2025-03-02T00:00:00Z"
    answer = get(url, headers=auth(server))
    assert answer.json()["data"] == [] and answer.headers["X-Total-Count"] == "0"


def test_last_page_has_no_link(demo_server: DemoServer) -> None:
    url = demo_server.module_url("2.2.1", "locations") + "?offset=20"
    answer = get(url, headers=auth(demo_server))
    assert len(answer.json()["data"]) == 10 and "link" not in answer.headers


def test_date_window_is_half_open(demo_server: DemoServer) -> None:
    first = get(demo_server.module_url("2.2.1", "tariffs"), headers=auth(demo_server)).json()["data"]
    stamp = first[2]["last_updated"]
    base = demo_server.module_url("2.2.1", "tariffs")
    since = get(f"{base}?date_from={stamp}", headers=auth(demo_server))
    until = get(f"{base}?date_to={stamp}", headers=auth(demo_server))
    assert since.headers["X-Total-Count"] == "4" and until.headers["X-Total-Count"] == "2"


@pytest.mark.parametrize("query,message", [
    ("", "`date_from` is required for sessions"),
    ("?date_from=None", "`date_from` is not an OCPI DateTime: 'None'"),
    ("?date_from=2025-01-01T00:00:00Z&limit=0", "`limit` must be a positive integer, not '0'"),
])
def test_bad_parameters_get_2001(demo_server: DemoServer, query: str, message: str) -> None:
    answer = get(demo_server.module_url("2.2.1", "sessions") + query, headers=auth(demo_server))
    assert answer.status_code == 400
    assert answer.json()["status_code"] == 2001 and answer.json()["status_message"] == message


def test_faults_can_change_while_running(demo_server_factory) -> None:
    server = demo_server_factory(size=10)
    url = server.module_url("2.2.1", "tariffs")
    assert get(url, headers=auth(server)).status_code == 200
    server.faults = Faults(error_rate=1.0)
    assert get(url, headers=auth(server)).status_code == 503
    server.faults = Faults(error_rate=1.0, fault_after_requests=5)
    assert get(url, headers=auth(server)).status_code == 200


def test_the_same_requests_fail_in_any_order(demo_server_factory) -> None:
    """`error_rate` draws per path, query and ask, not per arrival: two clients asking
    the same pages in opposite orders (as two worker processes might) meet the same
    failures, so a test of workers cannot fail by the luck of their interleaving."""
    asked = [f"?date_from=2020-01-01T00:00:00Z&offset={offset}&limit=10" for offset in range(0, 200, 10)] * 3

    def statuses(order: list[str]) -> dict[tuple[str, int], int]:
        server = demo_server_factory(size=200, faults=Faults(error_rate=0.4))
        url, seen, got = server.module_url("2.2.1", "sessions"), {}, {}
        for query in order:
            seen[query] = seen.get(query, 0) + 1
            got[query, seen[query]] = get(url + query, headers=auth(server)).status_code
        return got

    forward, backward = statuses(asked), statuses(asked[::-1])
    assert forward == backward
    assert set(forward.values()) == {200, 503}


def test_request_log_leaves_out_the_token(demo_server: DemoServer) -> None:
    get(demo_server.versions_url, headers=auth(demo_server))
    record = demo_server.request_log[-1]
    assert record.target == "/ocpi/cpo/versions" and record.status == 200
    assert "Authorization" not in record.headers and demo_server.token not in repr(record)


def test_unsupported_version_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported OCPI version '2.2'"):
        DemoServer(version="2.2")


def test_cli_help(run_cli, snapshot) -> None:
    from fixtures_cli import cli_block
    assert cli_block(run_cli("demo-server", "--help")) == snapshot


def test_cli_prints_how_to_log_in(run_cli, snapshot) -> None:
    from fixtures_cli import cli_block
    from fixtures_demo import scrub
    result = run_cli("demo-server", "--port", "0", "--size", "20", "--token", "demo-secret",
                     "--version", "2.2.1", "--exit-after", "0")
    assert result.exit_code == 0
    assert scrub(cli_block(result)) == snapshot


def test_cli_rejects_unknown_fault(run_cli, snapshot) -> None:
    from fixtures_cli import cli_block
    assert cli_block(run_cli("demo-server", "--fault", "gremlins")) == snapshot


def test_cli_port_in_use(run_cli, demo_server: DemoServer, snapshot) -> None:
    from fixtures_cli import cli_block
    from fixtures_demo import scrub
    result = run_cli("demo-server", "--port", str(demo_server.port), "--exit-after", "0")
    assert result.exit_code == 1
    assert scrub(cli_block(result)).replace(str(demo_server.port), "PORT") == snapshot


def test_every_fault_switch_is_in_the_help(run_cli) -> None:
    import dataclasses

    from ocpispec.demo import Faults
    from ocpispec.demo.faults import fault_summaries

    shown = run_cli("demo-server", "--help").stdout
    names = {field.name for field in dataclasses.fields(Faults)}
    assert set(fault_summaries()) == names
    assert all(f"  {name} " in shown for name in names)
