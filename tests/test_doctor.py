"""`ocpispec doctor` against the demo CPO: it names each fault, says what ocpispec does
about it, only ever sends GET requests, and stays within its request budget."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import time
from pathlib import Path

import httpx
import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub

from ocpispec.demo import DemoServer, Faults
from ocpispec.doctor import DoctorOptions, Report, Status, diagnose, render_json, render_text
from ocpispec.doctor.recorder import Recorder, WriteRefused, shown_url
from ocpispec.ocpi import Credentials

# retries wait a millisecond, not doctor's 0.1 s (about 10 s of sleep over this file)
FAST = DoctorOptions(requests_per_second=None, retry_backoff=0.001)
_MS = re.compile(r"\d+ ms")
FAULT_NAMES = {f.name for f in dataclasses.fields(Faults)}


def doctor(server: DemoServer, options: DoctorOptions = FAST) -> Report:
    return diagnose(Credentials(server.versions_url, server.token, party="NL-ABC"), options)


def shown(report: Report) -> str:
    return _MS.sub("N ms", scrub(render_text(report)))


def findings(report: Report, check: str, area: str | None = None) -> list:
    return [f for f in report.findings if f.check == check and (area is None or f.area == area)]


def only_gets(server: DemoServer) -> None:
    assert server.request_log and {r.method for r in server.request_log} == {"GET"}


@pytest.fixture
def serve(demo_server_factory):
    def start(version: str = "2.2.1", **faults: object) -> DemoServer:
        return demo_server_factory(version=version, size=60, max_page_size=20, faults=Faults(**faults))
    return start


def test_clean_demo_is_conformant(demo_server_factory, snapshot) -> None:
    server = demo_server_factory(versions=("2.1.1", "2.2.1", "2.3.0"), size=60, max_page_size=20)
    report = doctor(server)
    assert report.exit_code == 0 and report.version == "2.3.0"
    assert {f.status for f in report.findings} <= {Status.OK, Status.INFO}
    checks = {f.check for f in report.findings if f.area == "sessions"}
    assert {"pagination headers", "next link", "limit", "offset", "date filters", "timestamps", "id casing",
            "records", "time per request"} <= checks
    assert len(report.timings) <= 48
    only_gets(server)
    assert shown(report) == snapshot


def test_json_shape(serve, snapshot) -> None:
    server = serve()
    data = render_json(doctor(server))
    assert data["exit_code"] == 0 and data["requests"]["count"] == len(data["requests"]["each"]) <= 48
    data["requests"] = {k: "..." for k in data["requests"]}
    assert json.loads(_MS.sub("N ms", scrub(json.dumps(data)))) == snapshot


# case -> (version, fault switches, area, check, status, words the finding must contain); a case
# is named after the switch it tests (`switch=value` when one switch has several cases)
ON = True
FAULT_CASES = {
    # platform: discovery, roles, the token
    "nested_versions": ("2.2.1", {"nested_versions": ON}, "platform", "versions", Status.HANDLED, "nested"),
    "short_version_label": ("2.2.1", {"short_version_label": ON}, "platform", "version labels", Status.HANDLED,
                            "`2.2`"),
    "credentials_receiver_only": ("2.2.1", {"credentials_receiver_only": ON}, "platform", "credentials",
                                  Status.HANDLED, "`credentials` only with role RECEIVER"),
    "https_endpoints": ("2.2.1", {"https_endpoints": ON}, "platform", "endpoint URLs", Status.WARNING,
                        "`https://` instead of `http://`"),
    "foreign_details_host": ("2.2.1", {"foreign_details_host": ON}, "platform", "connect", Status.BLOCKING,
                             "another host (`localhost`)"),
    "tokens_receiver_only": ("2.1.1", {"tokens_receiver_only": 1}, "tokens", "endpoint", Status.WARNING,
                             "may only receive tokens"),
    "tokens_receiver_only=2": ("2.1.1", {"tokens_receiver_only": 2}, "platform", "endpoints", Status.HANDLED,
                               "listed twice"),
    "plain_token_only": ("2.2.1", {"plain_token_only": ON}, "platform", "token", Status.HANDLED, "only raw"),
    "clock_behind": ("2.2.1", {"clock_behind": 600}, "platform", "clock", Status.HANDLED, "10 minutes behind"),
    "date_header": ("2.2.1", {"date_header": "missing"}, "platform", "clock", Status.OK,
                    "agrees with ours (the envelope `timestamp`"),
    "bad_token_status=500": ("2.2.1", {"bad_token_status": 500}, "platform", "wrong token", Status.WARNING,
                             "HTTP 500 instead of 401"),
    "bad_token_status=3000": ("2.2.1", {"bad_token_status": 3000}, "platform", "wrong token", Status.WARNING,
                              "OCPI status 3000 instead of 401"),
    # answers that fail or come slowly
    "latency_ms": ("2.2.1", {"latency_ms": 20}, "sessions", "time per request", Status.INFO, "slowest"),
    "error_rate": ("2.2.1", {"error_rate": 1.0}, "sessions", "endpoint", Status.BLOCKING, "HTTP 503 (2)"),
    "error_status": ("2.2.1", {"error_rate": 1.0, "error_status": 502}, "sessions", "endpoint", Status.BLOCKING,
                     "HTTP 502 (2)"),
    "error_message": ("2.2.1", {"error_rate": 1.0, "error_message": "Database timeout for card NL-DMO-C0042"},
                      "sessions", "endpoint", Status.BLOCKING, 'HTTP 503, OCPI status_code 3000 (generic server '
                      'error), platform message "Database timeout for card (…)" (2)'),
    "error_body": ("2.2.1", {"error_rate": 1.0, "error_body": "problem", "error_message": "Database timeout for card "
                             "NL-DMO-C0042"}, "sessions", "endpoint", Status.BLOCKING,
                   'HTTP 503, platform message "Database timeout for card (…)" (2)'),
    "fault_after_requests": ("2.2.1", {"error_rate": 1.0, "fault_after_requests": 6}, "locations", "endpoint",
                             Status.BLOCKING, "HTTP 503"),
    "rate_limit_every": ("2.2.1", {"rate_limit_every": 4, "retry_after": 0}, "sessions", "retries", Status.HANDLED,
                         "HTTP 429"),
    "retry_after": ("2.2.1", {"rate_limit_every": 4, "retry_after": 0}, "sessions", "retries", Status.HANDLED,
                    "`Retry-After: 0`"),
    "retry_after_date": ("2.2.1", {"rate_limit_every": 4, "retry_after": 0, "retry_after_date": ON}, "sessions",
                         "retries", Status.HANDLED, "`Retry-After: "),
    "reset_every": ("2.2.1", {"reset_every": 4}, "sessions", "retries", Status.HANDLED, "no answer"),
    "cut_body_every": ("2.2.1", {"cut_body_every": 4}, "sessions", "retries", Status.HANDLED,
                       "HTTP 200 whose body broke off (connection closed)"),
    "envelope_error": ("2.2.1", {"envelope_error": 3000}, "sessions", "endpoint", Status.BLOCKING,
                       "OCPI status 3000"),
    "envelope_error=2001": ("2.2.1", {"envelope_error": 2001}, "sessions", "endpoint", Status.BLOCKING,
                            "OCPI status `2001`"),
    "malformed_body": ("2.2.1", {"malformed_body": ON}, "sessions", "endpoint", Status.BLOCKING,
                       "`text/html`, not JSON"),
    "maintenance_pages": ("2.2.1", {"maintenance_pages": 2, "fault_after_requests": 6}, "cdrs", "retries",
                          Status.HANDLED, "HTTP 200 with an HTML page, not JSON"),
    "redirect_lists": ("2.2.1", {"redirect_lists": "302:localhost"}, "sessions", "endpoint", Status.BLOCKING,
                       "redirects to another host"),
    "truncated_body": ("2.2.1", {"truncated_body": ON}, "sessions", "endpoint", Status.BLOCKING, "incomplete or undecodable answer"),
    "trickle_body": ("2.2.1", {"trickle_body": 0.05}, "cdrs", "endpoint", Status.BLOCKING,
                     "did not finish its answer within 2 s"),
    "never_answer": ("2.2.1", {"never_answer": ON}, "cdrs", "endpoint", Status.BLOCKING, "did not answer"),
    "stall_body": ("2.2.1", {"stall_body": ON}, "cdrs", "endpoint", Status.BLOCKING,
                   "did not finish its answer within 2 s"),
    "short_length_every": ("2.2.1", {"short_length_every": 4}, "cdrs", "retries", Status.HANDLED,
                           "HTTP 200 whose JSON is cut short"),
    "stale_pages": ("2.2.1", {"stale_pages": 1}, "cdrs", "offset", Status.WARNING,
                    "`offset` does not select the expected objects"),
    "slow_page": ("2.2.1", {"slow_page": "1:0.5"}, "cdrs", "time per request", Status.INFO, "slowest"),
    "odd_pages": ("2.2.1", {"odd_pages": "1:nested"}, "cdrs", "list nesting", Status.HANDLED,
                  "pages nest the list as `data.items`"),
    "token_expires_after": ("2.2.1", {"token_expires_after": 3}, "cdrs", "endpoint", Status.BLOCKING,
                            "refused the token 2 times after accepting it"),
    "error_every": ("2.2.1", {"error_every": 3, "error_status": 408}, "cdrs", "retries", Status.HANDLED,
                    "answers retried: HTTP 408"),
    "chunked_bodies": ("2.2.1", {"chunked_bodies": "cut_last"}, "cdrs", "endpoint", Status.BLOCKING,
                       "whose body broke off (connection closed)"),
    "refuse_module": ("2.2.1", {"refuse_module": "tariffs"}, "tariffs", "endpoint", Status.BLOCKING,
                      "refuses the token for this module (2 tries), though it answered other modules"),
    # paging
    "ignore_offset": ("2.2.1", {"ignore_offset": ON}, "sessions", "offset", Status.BLOCKING, "ignores `offset`"),
    "ignore_limit": ("2.2.1", {"ignore_limit": ON}, "sessions", "limit", Status.HANDLED, "ignores `limit`"),
    "echo_limit": ("2.2.1", {"echo_limit": ON}, "sessions", "limit", Status.HANDLED, "`X-Limit` echoes"),
    "no_pagination_headers": ("2.2.1", {"no_pagination_headers": ON}, "sessions", "pagination headers",
                              Status.HANDLED, "no `X-Total-Count`"),
    "foreign_next_link": ("2.2.1", {"foreign_next_link": ON}, "sessions", "next link", Status.HANDLED,
                          "another scheme, host or port"),
    "relative_next_link": ("2.2.1", {"relative_next_link": ON}, "sessions", "next link", Status.OK, "relative"),
    "garbled_date_filters": ("2.2.1", {"garbled_date_filters": ON}, "sessions", "next link", Status.HANDLED,
                             "changed `date_from`"),
    "garbled_next_path": ("2.2.1", {"garbled_next_path": ON}, "sessions", "next link", Status.HANDLED,
                          "another path"),
    "next_link_loop": ("2.2.1", {"next_link_loop": ON}, "sessions", "next link", Status.HANDLED,
                       "back to an earlier page"),
    "empty_link_on_last": ("2.2.1", {"empty_link_on_last": ON}, "tariffs", "next link", Status.HANDLED,
                           "empty `Link` header"),
    "duplicate_objects": ("2.2.1", {"duplicate_objects": ON}, "sessions", "offset", Status.HANDLED,
                          "repeat the last object"),
    "unstable_order": ("2.2.1", {"unstable_order": ON}, "sessions", "offset", Status.WARNING, "order may change"),
    "mutate_mid_crawl": ("2.2.1", {"mutate_mid_crawl": 3}, "sessions", "total count", Status.HANDLED,
                         "shrank from 60 to 57"),
    "update_unread": ("2.2.1", {"update_unread": 3}, "sessions", "total count", Status.HANDLED,
                      "shrank from 60 to 57"),
    "update_after_window": ("2.2.1", {"update_after_window": 3}, "sessions", "pagination headers", Status.OK,
                            "`X-Total-Count` 60,"),
    "insert_mid_crawl": ("2.2.1", {"insert_mid_crawl": 3}, "sessions", "total count", Status.WARNING,
                         "arrived late"),
    "visibility_lag": ("2.2.1", {"visibility_lag": 2592000, "replica_now": 1767225600}, "sessions",
                       "pagination headers", Status.OK, "`X-Total-Count` 55,"),
    "replica_now": ("2.2.1", {"visibility_lag": 2592000, "replica_now": 1767225600}, "sessions",
                    "pagination headers", Status.OK, "`X-Total-Count` 55,"),
    "late_records": ("2.2.1", {"late_records": 3}, "sessions", "total count", Status.WARNING, "arrived late"),
    # date filters
    "ignore_date_filters": ("2.2.1", {"ignore_date_filters": ON}, "sessions", "date filters", Status.HANDLED,
                            "ignores `date_from` and `date_to`"),
    "inclusive_date_to": ("2.2.1", {"inclusive_date_to": ON}, "sessions", "date filters", Status.HANDLED,
                          "`date_to` is inclusive"),
    "exclusive_date_from": ("2.2.1", {"exclusive_date_from": ON}, "sessions", "date filters", Status.HANDLED,
                            "`date_from` is exclusive"),
    # content
    "lowercase_ids": ("2.2.1", {"lowercase_ids": ON}, "sessions", "id casing", Status.HANDLED, "`id` changes case"),
    "naive_timestamps": ("2.2.1", {"naive_timestamps": ON}, "sessions", "timestamps", Status.HANDLED, "no time zone"),
    "fractional_timestamps": ("2.2.1", {"fractional_timestamps": ON}, "sessions", "timestamps", Status.HANDLED,
                              "fractional seconds"),
    "offset_timestamps": ("2.2.1", {"offset_timestamps": ON}, "sessions", "timestamps", Status.HANDLED,
                          "UTC offsets such as `+01:00`"),
    "unknown_fields": ("2.2.1", {"unknown_fields": ON}, "sessions", "unknown fields", Status.HANDLED,
                       "names no OCPI version defines"),   # `x_demo_rating`: not shown
    "publish_under": ("2.1.1", {"publish_under": "Publish"}, "locations", "deviations", Status.HANDLED,
                      "another key (`Publish`"),
    "repeated_flags": ("2.2.1", {"repeated_flags": ON}, "locations", "deviations", Status.HANDLED,
                       "given more than once in one object"),
    "tokens_per_contract": ("2.2.1", {"tokens_per_contract": 3}, "tokens", "records", Status.OK,
                            "match the OCPI 2.2.1 schema"),
    "invalid_objects": ("2.2.1", {"invalid_objects": 5}, "sessions", "invalid objects", Status.HANDLED,
                        "not a JSON object"),
    "bad_utf8_object": ("2.2.1", {"bad_utf8_object": ON}, "sessions", "invalid objects", Status.HANDLED,
                        "invalid UTF-8 byte"),
    "deep_nesting_object": ("2.2.1", {"deep_nesting_object": ON}, "sessions", "invalid objects", Status.HANDLED,
                            "nested deeper than 1,024 levels"),
    "type_confused_values": ("2.2.1", {"type_confused_values": ON}, "sessions", "value types", Status.WARNING,
                             "wrong JSON type"),
    "cdr_end_date_time": ("2.1.1", {"cdr_end_date_time": ON}, "cdrs", "deviations", Status.HANDLED,
                          "end_date_time read as stop_date_time"),
    "session_kWh": ("2.2.1", {"session_kWh": ON}, "sessions", "deviations", Status.HANDLED, "kWh read as kwh"),
    "tariff_no_tax_included": ("2.3.0", {"tariff_no_tax_included": ON}, "tariffs", "deviations", Status.HANDLED,
                               "tax_included missing, read as NO"),
}
# a platform that holds answers back: a short request timeout keeps the test fast; it
# also bounds the discovery's answers, which a loaded machine may hold back for tenths
# of a second (0.3 s: the headers of a trickled body did not always come in time)
SLOW = dataclasses.replace(FAST, timeout=1.0)
# a platform that trickles its body sends the headers at once: they must arrive within
# the timeout on a loaded machine too (0.3 s did not always: "did not answer (2 tries)"),
# and its body (0.05 s a byte) takes far longer than 2 s
TRICKLED = dataclasses.replace(FAST, timeout=2.0)


def _options(faults: dict[str, object]) -> DoctorOptions:
    if "trickle_body" in faults or "stall_body" in faults:
        return TRICKLED
    return SLOW if "never_answer" in faults else FAST


def assert_named(report: Report, area: str, check: str, status: Status, words: str) -> None:
    named = [f for f in findings(report, check, area) if words in f.observed]
    assert named, f"no `{area}` / `{check}` finding says {words!r}:\n{render_text(report)}"
    assert named[0].status is status, render_text(report)
    assert status is Status.OK or named[0].status is Status.INFO or named[0].action, \
        "every deviation says what ocpispec does"
    assert report.exit_code == (1 if any(f.status is Status.BLOCKING for f in report.findings) else 0)


@pytest.mark.parametrize("case", sorted(FAULT_CASES))
def test_doctor_names_each_fault(serve, case: str) -> None:
    version, faults, area, check, status, words = FAULT_CASES[case]
    server = serve(version, **faults)
    report = doctor(server, _options(faults))
    assert_named(report, area, check, status, words)
    assert len(report.timings) <= 48
    text = render_text(report) + json.dumps(render_json(report))
    assert server.token not in text and "CANARY" not in text
    only_gets(server)


def test_every_fault_switch_has_a_doctor_case() -> None:
    """A new switch in `ocpispec/demo/faults.py` needs a case in FAULT_CASES (and a line in
    docs/doctor.md saying what doctor shows for it)."""
    covered = {name.partition("=")[0] for name in FAULT_CASES}
    assert covered == FAULT_NAMES, f"without a doctor case: {sorted(FAULT_NAMES - covered)}"
    for name, (_, faults, *_rest) in FAULT_CASES.items():
        assert name.partition("=")[0] in faults, f"case `{name}` does not switch on its fault"
    documented = (Path(__file__).parent.parent / "docs" / "doctor.md").read_text()
    assert not [n for n in FAULT_NAMES if f"`{n}`" not in documented], "docs/doctor.md misses a fault"


def test_faults_after_some_requests_spare_the_first_module(serve) -> None:
    report = doctor(serve(error_rate=1.0, fault_after_requests=6))
    assert not [f for f in report.findings if f.area == "cdrs" and f.status is Status.BLOCKING]
    assert findings(report, "endpoint", "locations")[0].status is Status.BLOCKING


def test_a_silent_platform_is_given_up_after_one_module(serve) -> None:
    started = time.monotonic()
    report = doctor(serve(never_answer=True), SLOW)
    # two tries of the first module, and loose for a loaded machine: the skipped modules below are the check
    assert time.monotonic() - started < 2 * SLOW.timeout + 8
    skipped = [f.area for f in report.findings if f.check == "probing" and f.status is Status.SKIPPED]
    assert skipped == ["locations", "sessions", "tariffs", "tokens"]


def test_a_module_failing_with_3000_is_not_blamed_on_the_token(serve) -> None:
    (finding,) = findings(doctor(serve(envelope_error=3000)), "endpoint", "sessions")
    assert finding.status is Status.BLOCKING and finding.observed.startswith("OCX502")
    assert "not the token" in finding.action and "401" in finding.action


def test_doctor_and_a_run_judge_records_alike(serve) -> None:
    """Doctor's counts for a list are the client's own (`FetchStats`) for the same objects."""
    from ocpispec.doctor.records import sample_deviations
    from ocpispec.ocpi import FetchOptions, OcpiClient

    server = serve(type_confused_values=True, session_kWh=True, unknown_fields=True, invalid_objects=7)
    credentials = Credentials(server.versions_url, server.token, party="NL-ABC")
    with OcpiClient.connect(credentials, options=FetchOptions(concurrency=1)) as client:
        usable = list(client.fetch("sessions"))
        stats = client.stats
    auth = {"Authorization": f"Token {base64.b64encode(server.token.encode()).decode()}"}
    listed = [obj for offset in (0, 20, 40) for obj in httpx.get(
        f"{server.details_url('2.2.1')}/sessions?date_from=1970-01-01T00:00:00Z&offset={offset}&limit=20",
        headers=auth).json()["data"]]
    found = sample_deviations("2.2.1", "sessions", listed)
    assert len(listed) == 60 and sum(found.invalid.values()) == stats.invalid == 60 - len(usable) > 0
    assert {f"sessions.{k}": n for k, n in found.nulled.items()} == stats.invalid_fields != {}
    assert {f"sessions.{k}": n for k, n in found.tolerated.items()} == stats.deviations != {}
    assert dict(found.unknown) == stats.unknown_fields["sessions"]


def test_a_wrong_token_blocks(serve) -> None:
    server = serve()
    report = diagnose(Credentials(server.versions_url, "not-the-token", party="NL-ABC"), FAST)
    assert report.exit_code == 1 and report.version is None
    assert findings(report, "connect")[0].status is Status.BLOCKING
    assert "OCX502" in findings(report, "connect")[0].observed


@pytest.mark.parametrize("case", ["ignore_offset", "foreign_next_link", "plain_token_only", "unknown_fields",
                                  "envelope_error", "type_confused_values", "session_kWh", "late_records",
                                  "credentials_receiver_only", "https_endpoints", "bad_utf8_object"])
def test_fault_reports_read_well(serve, case: str, snapshot) -> None:
    version, faults, *_ = FAULT_CASES[case]
    assert shown(doctor(serve(version, **faults), _options(faults))) == snapshot


def test_every_module_failing_is_reported_once_each(serve) -> None:
    report = doctor(serve(envelope_error=2001))
    blocked = {f.area for f in report.findings if f.status is Status.BLOCKING}
    assert blocked == {"cdrs", "locations", "sessions", "tariffs", "tokens"}


def test_the_token_is_never_sent_to_a_foreign_next_link(serve) -> None:
    report = doctor(serve(foreign_next_link=True))
    assert all("cpo-internal" not in t.path for t in report.timings)


def test_request_budget_is_kept(serve) -> None:
    server = serve()
    report = doctor(server, dataclasses.replace(FAST, max_requests=12))
    assert len(report.timings) == len(server.request_log) == 12
    assert any(f.status is Status.SKIPPED and "budget of 12 requests" in f.observed for f in report.findings)


def test_slow_platform_time_per_request(serve) -> None:
    report = doctor(serve(latency_ms=30))
    timing = findings(report, "time per request", "sessions")[0]
    first = int(re.search(r"first (\d+) ms", timing.observed).group(1))
    assert first >= 30
    assert all(t.seconds >= 0.03 for t in report.timings)


# -- the recorder: read-only, rate-limited -----------------------------------------------

def test_recorder_refuses_anything_but_get() -> None:
    sent: list[str] = []
    inner = httpx.MockTransport(lambda request: sent.append(request.method) or httpx.Response(200, json={}))
    recorder = Recorder("t", max_requests=5, max_seconds=5, rate=None, inner=inner)
    with httpx.Client(transport=recorder) as client:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            with pytest.raises(WriteRefused):
                client.request(method, "http://cpo.example/ocpi/versions")
        client.get("http://cpo.example/ocpi/versions")
    assert sent == ["GET"]


def test_recorder_spaces_requests() -> None:
    inner = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    recorder = Recorder("t", max_requests=10, max_seconds=5, rate=20, inner=inner)
    started = time.monotonic()
    with httpx.Client(transport=recorder) as client:
        for _ in range(6):
            client.get("http://cpo.example/x")
    assert time.monotonic() - started >= 5 / 20 * 0.9


def test_recorder_knows_the_token_form_but_keeps_no_token() -> None:
    inner = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    recorder = Recorder("secret-token", max_requests=10, max_seconds=5, rate=None, inner=inner)
    encoded = base64.b64encode(b"secret-token").decode()
    with httpx.Client(transport=recorder) as client:
        for header in (f"Token {encoded}", "Token secret-token", "Token other"):
            client.get("http://cpo.example/x", headers={"Authorization": header})
    assert [e.token_form for e in recorder.exchanges] == ["base64", "raw", "other"]
    assert "secret-token" not in repr(recorder.exchanges)


def test_shown_url_keeps_query_names_only() -> None:
    assert shown_url("https://u:p@cpo.example/ocpi/sessions?date_from=2025-01-01&token=abc&limit=2") == \
        "https://cpo.example/ocpi/sessions?date_from&token&limit"


def test_shown_url_shows_no_path_segment_the_platform_chose() -> None:
    """A path segment outside OCPI's words and the versions URL's is the platform's text
    (a next link or an endpoint naming a driver): shown as `(segment)`."""
    assert shown_url("https://cpo.example/ocpi/2.2.1/drivers/jan%40example.org/sessions/NL*ABC*X1") == \
        "https://cpo.example/ocpi/2.2.1/(segment)/(segment)/sessions/(id)"


# -- the command line ----------------------------------------------------------------

def test_cli_with_a_profile_at_ten_requests_per_second(run_cli, demo_profile, demo_server: DemoServer) -> None:
    """The default rate, 10 per second (the suite's other doctor runs go faster: CLI_ENV)."""
    before, started = len(demo_server.request_log), time.monotonic()
    result = run_cli("doctor", env={"OCPISPEC_DOCTOR_MAX_RPS": ""})
    elapsed, sent = time.monotonic() - started, len(demo_server.request_log) - before
    assert result.exit_code == 0, result.stdout
    assert 20 <= sent <= 48 and elapsed >= (sent - 1) / 10 * 0.95
    assert result.stdout.startswith(f"ocpispec doctor: {demo_server.versions_url}\n")
    assert "Ready to export" in result.stdout


def test_the_ceiling_variable_bounds_the_configured_and_typed_rate(run_cli, demo_profile, demo_server: DemoServer,
                                                                 tmp_path: Path) -> None:
    """`OCPISPEC_DOCTOR_MAX_RPS` moves doctor's ceiling (10): a configured `rps` above it
    is held to it, a typed `--rps` above it is a usage error naming the range, and a value
    that is not a rate is a usage error that does not show it."""
    (tmp_path / "config" / "ocpispec.toml").write_text("rps = 1000\n")
    before, started = len(demo_server.request_log), time.monotonic()
    result = run_cli("doctor", env={"OCPISPEC_DOCTOR_MAX_RPS": "40"})
    elapsed, sent = time.monotonic() - started, len(demo_server.request_log) - before
    assert result.exit_code == 0 and "Ready to export" in result.stdout, result.output
    assert 20 <= sent <= 48 and elapsed >= (sent - 1) / 40 * 0.95
    typed = run_cli("doctor", "--rps", "41", env={"OCPISPEC_DOCTOR_MAX_RPS": "40"})
    assert typed.exit_code == 2 and "41.0 is not in the range 0<x<=40." in typed.stderr
    for wrong in ("s3cret-rate", "0", "-5", "1e9"):
        refused = run_cli("doctor", env={"OCPISPEC_DOCTOR_MAX_RPS": wrong})
        assert refused.exit_code == 2 and "s3cret" not in refused.output
        assert "OCPISPEC_DOCTOR_MAX_RPS must be doctor's most requests per second" in refused.stderr


def test_cli_json_never_prints_the_token_or_query_values(run_cli, serve) -> None:
    server = serve()
    result = run_cli("doctor", server.versions_url, "--token-env", "CPO_TOKEN", "--format", "json",
                     env={"CPO_TOKEN": server.token})
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["version"] == "2.2.1" and data["exit_code"] == 0
    text = result.stdout + result.stderr
    for secret in (server.token, base64.b64encode(server.token.encode()).decode(), "1970-01-01"):
        assert secret not in text
    assert "?date_from&" in text and re.search(r"\?[^\s\"]*=", text) is None
    only_gets(server)


def test_cli_wrong_token_exits_1(run_cli, serve, snapshot) -> None:
    server = serve()
    result = run_cli("doctor", server.versions_url, "--token", "wrong-token")
    assert result.exit_code == 1
    assert "wrong-token" not in result.stdout + result.stderr
    assert _MS.sub("N ms", scrub(cli_block(result))) == snapshot


@pytest.mark.parametrize("args", [["http://x/versions", "--profile", "p", "--token", "t"],
                                  ["--token", "t"], ["http://x/versions"], ["--rps", "50"]])
def test_cli_usage_errors(run_cli, args: list[str], snapshot) -> None:
    result = run_cli("doctor", *args, env={"OCPISPEC_DOCTOR_MAX_RPS": ""})  # the default ceiling, 10
    assert result.exit_code == 2
    assert cli_block(result) == snapshot


def test_cli_help(run_cli, snapshot) -> None:
    result = run_cli("doctor", "--help")
    assert result.exit_code == 0 and cli_block(result) == snapshot


# -- the judgements, on pages built by hand ------------------------------------------

def _probe(window_stamps: list[str], after_stamps: list[str]):
    from datetime import UTC, datetime

    from ocpispec.doctor.probes import ModuleProbe, Page

    def page(stamps: list[str]) -> Page:
        objects = [{"id": f"S{i}", "last_updated": s} for i, s in enumerate(stamps)]
        return Page("u", 0, 10, {}, objects, None, None, None, None, 0.0)

    probe = ModuleProbe("sessions", "http://cpo.example/sessions", datetime(2026, 1, 1, tzinfo=UTC))
    probe.pages.update(sample=page(["2025-01-01T00:00:00Z"]), window=page(window_stamps), after=page(after_stamps))
    probe.bounds = (datetime(2025, 1, 1, 10, tzinfo=UTC), datetime(2025, 1, 1, 11, tzinfo=UTC))
    return probe


A, B, LATER, EARLIER = "2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z", "2025-01-02T00:00:00Z", "2024-12-31T00:00:00Z"


@pytest.mark.parametrize(("window_stamps", "after_stamps", "status", "words"), [
    ([A, "2025-01-01T10:00:00.500Z"], [B, LATER], Status.OK, "`date_from` inclusive, `date_to` exclusive"),
    ([A, B], [B, LATER], Status.HANDLED, "`date_to` is inclusive"),
    ([A, B, LATER], [B], Status.HANDLED, "ignores `date_to`"),
    ([A], [A, B], Status.HANDLED, "ignores `date_from`"),
    ([EARLIER, A, B, LATER], [EARLIER, A], Status.HANDLED, "ignores `date_from` and `date_to`"),
    ([], [B], Status.HANDLED, "`date_from` is exclusive"),
])
def test_date_filter_verdicts(window_stamps, after_stamps, status: Status, words: str) -> None:
    from ocpispec.doctor.window import window_findings

    (finding,) = window_findings(_probe(window_stamps, after_stamps))
    assert finding.status is status and words in finding.observed


@pytest.mark.parametrize(("value", "form"), [
    ("2025-01-01T10:00:00Z", "Z"), ("2025-01-01T10:00:00.123Z", "fractional"),
    ("2025-01-01T10:00:00+01:00", "offset"), ("2025-01-01T10:00:00.5+00:00", "offset"),
    ("2025-01-01T10:00:00", "naive"), ("2025-01-01 10:00:00Z", "other"), ("2025-01-01T10:00:00z", "other"),
    ("2025-13-01T10:00:00Z", "unreadable"),
])
def test_timestamp_forms(value: str, form: str) -> None:
    from ocpispec.doctor.content import timestamp_form

    assert timestamp_form(value) == form


def test_recorder_stops_an_endless_answer() -> None:
    from ocpispec.doctor.recorder import ProbeStopped

    inner = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * 5000))
    recorder = Recorder("t", max_requests=5, max_seconds=5, rate=None, inner=inner, max_bytes=1000)
    with httpx.Client(transport=recorder) as client, pytest.raises(ProbeStopped, match="larger than"):
        client.get("http://cpo.example/x")


def test_platform_names_cannot_reach_the_terminal() -> None:
    from ocpispec.doctor import Finding

    hostile = Finding("sessions", "unknown fields", Status.HANDLED, "fields: `x\x1b[2J\rowned`", "never exported")
    report = Report("http://cpo.example/versions", "2.2.1", ("2.2.1",), "base64", findings=(hostile,))
    text = render_text(report)
    assert "\x1b" not in text and "\r" not in text and "`x?[2J?owned`" in text
