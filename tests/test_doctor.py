"""`ocpispec doctor` against the demo CPO: it names each fault, says what ocpispec does
about it, only ever sends GET requests, and stays within its request budget."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import time

import httpx
import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub

from ocpispec.demo import DemoServer, Faults
from ocpispec.doctor import DoctorOptions, Report, Status, diagnose, render_json, render_text
from ocpispec.doctor.recorder import Recorder, WriteRefused, shown_url
from ocpispec.ocpi import Credentials

FAST = DoctorOptions(requests_per_second=None)
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
    assert len(report.timings) <= 40
    only_gets(server)
    assert shown(report) == snapshot


def test_json_shape(serve, snapshot) -> None:
    server = serve()
    data = render_json(doctor(server))
    assert data["exit_code"] == 0 and data["requests"]["count"] == len(data["requests"]["each"]) <= 40
    data["requests"] = {k: "..." for k in data["requests"]}
    assert json.loads(_MS.sub("N ms", scrub(json.dumps(data)))) == snapshot


# fault -> (version, value, area, check, status, words the finding must contain)
EXISTING = {
    "ignore_offset": ("2.2.1", True, "sessions", "offset", Status.BLOCKING, "ignores `offset`"),
    "ignore_limit": ("2.2.1", True, "sessions", "limit", Status.HANDLED, "ignores `limit`"),
    "no_pagination_headers": ("2.2.1", True, "sessions", "pagination headers", Status.HANDLED, "no `X-Total-Count`"),
    "foreign_next_link": ("2.2.1", True, "sessions", "next link", Status.HANDLED, "another scheme, host or port"),
    "relative_next_link": ("2.2.1", True, "sessions", "next link", Status.OK, "relative"),
    "garbled_date_filters": ("2.2.1", True, "sessions", "next link", Status.HANDLED, "changed `date_from`"),
    "next_link_loop": ("2.2.1", True, "sessions", "next link", Status.HANDLED, "back to an earlier page"),
    "duplicate_objects": ("2.2.1", True, "sessions", "offset", Status.HANDLED, "repeat the last object"),
    "lowercase_ids": ("2.2.1", True, "sessions", "id casing", Status.HANDLED, "`id` changes case"),
    "naive_timestamps": ("2.2.1", True, "sessions", "timestamps", Status.HANDLED, "no time zone"),
    "fractional_timestamps": ("2.2.1", True, "sessions", "timestamps", Status.HANDLED, "fractional seconds"),
    "unknown_fields": ("2.2.1", True, "sessions", "unknown fields", Status.HANDLED, "`x_demo_rating`"),
    "invalid_objects": ("2.2.1", 5, "sessions", "invalid objects", Status.HANDLED, "not a JSON object"),
    "plain_token_only": ("2.2.1", True, "platform", "token", Status.HANDLED, "only raw"),
    "envelope_error": ("2.2.1", 3000, "sessions", "endpoint", Status.BLOCKING, "status `3000`"),
}

# agreed in COMMON.md, implemented by other branches: run once merged
COMING = {
    "cdr_end_date_time": ("2.1.1", True, "cdrs", None, None, "end_date_time"),
    "session_kWh": ("2.2.1", True, "sessions", None, None, "kWh"),
    "tariff_no_tax_included": ("2.3.0", True, "tariffs", None, None, "tax_included"),
    "type_confused_values": ("2.2.1", True, "sessions", "value types", Status.WARNING, "wrong JSON type"),
    "garbled_next_path": ("2.2.1", True, "sessions", "next link", None, "the next link has"),
    "https_endpoints": ("2.2.1", True, "platform", "endpoint URLs", Status.WARNING, "`https://`"),
    "tokens_receiver_only": ("2.1.1", True, None, None, None, "tokens"),
    "nested_versions": ("2.2.1", True, "platform", "versions", None, "nested"),
    "short_version_label": ("2.2.1", True, "platform", "version labels", None, "`2.2`"),
    "credentials_receiver_only": ("2.2.1", True, "platform", "credentials", Status.HANDLED, "no CPO role"),
    "ignore_date_filters": ("2.2.1", True, "sessions", "date filters", Status.HANDLED, "ignores"),
    "inclusive_date_to": ("2.2.1", True, "sessions", "date filters", Status.HANDLED, "inclusive"),
}
BAD_TOKEN = {"bad_token_status=500": 500, "bad_token_status=3000": 3000}


def assert_named(report: Report, area: str | None, check: str | None, status: Status | None, words: str) -> None:
    named = [f for f in report.findings if (area is None or f.area == area) and (check is None or f.check == check)
             and f.status is not Status.OK and words in f.observed]
    assert named, f"no finding names it:\n{render_text(report)}"
    if status is not None:
        assert named[0].status is status
    assert named[0].action, "every deviation says what ocpispec does"
    assert report.exit_code == (1 if any(f.status is Status.BLOCKING for f in report.findings) else 0)


@pytest.mark.parametrize("fault", sorted(EXISTING))
def test_doctor_names_each_fault(serve, fault: str) -> None:
    version, value, area, check, status, words = EXISTING[fault]
    server = serve(version, **{fault: value})
    report = doctor(server)
    if status is Status.OK:
        assert any(f.status is Status.OK and words in f.observed for f in findings(report, check, area))
    else:
        assert_named(report, area, check, status, words)
    assert len(report.timings) <= 40
    only_gets(server)


@pytest.mark.parametrize("fault", sorted(COMING))
def test_doctor_names_faults_of_other_branches(serve, fault: str) -> None:
    if fault not in FAULT_NAMES:
        pytest.skip(f"the demo has no `{fault}` fault on this branch yet")
    version, value, area, check, status, words = COMING[fault]
    server = serve(version, **{fault: value})
    report = doctor(server)
    assert_named(report, area, check, status, words)
    only_gets(server)


@pytest.mark.parametrize("switch", sorted(BAD_TOKEN))
def test_doctor_names_a_wrong_token_answered_as_an_outage(serve, switch: str) -> None:
    if "bad_token_status" not in FAULT_NAMES:
        pytest.skip("the demo has no `bad_token_status` fault on this branch yet")
    report = doctor(serve("2.2.1", bad_token_status=BAD_TOKEN[switch]))
    (finding,) = findings(report, "wrong token")
    assert finding.status is Status.WARNING and "instead of 401" in finding.observed


def test_a_wrong_token_blocks(serve) -> None:
    server = serve()
    report = diagnose(Credentials(server.versions_url, "not-the-token", party="NL-ABC"), FAST)
    assert report.exit_code == 1 and report.version is None
    assert findings(report, "connect")[0].status is Status.BLOCKING
    assert "OCX502" in findings(report, "connect")[0].observed


@pytest.mark.parametrize("fault", ["ignore_offset", "foreign_next_link", "plain_token_only", "unknown_fields"])
def test_fault_reports_read_well(serve, fault: str, snapshot) -> None:
    version, value, *_ = EXISTING[fault]
    assert shown(doctor(serve(version, **{fault: value}))) == snapshot


def test_every_module_failing_is_reported_once_each(serve) -> None:
    report = doctor(serve(envelope_error=2001))
    blocked = {f.area for f in report.findings if f.status is Status.BLOCKING}
    assert blocked == {"cdrs", "locations", "sessions", "tariffs", "tokens"}


def test_the_token_is_never_sent_to_a_foreign_next_link(serve) -> None:
    report = doctor(serve(foreign_next_link=True))
    assert all("cpo-internal" not in t.path for t in report.timings)


def test_request_budget_is_kept(serve) -> None:
    server = serve()
    report = doctor(server, DoctorOptions(requests_per_second=None, max_requests=12))
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
    assert shown_url("https://u:p@cpo.example/s?date_from=2025-01-01&token=abc&limit=2") == \
        "https://cpo.example/s?date_from&token&limit"


# -- the command line ----------------------------------------------------------------

def test_cli_with_a_profile_at_ten_requests_per_second(run_cli, demo_profile, demo_server: DemoServer) -> None:
    before, started = len(demo_server.request_log), time.monotonic()
    result = run_cli("doctor")
    elapsed, sent = time.monotonic() - started, len(demo_server.request_log) - before
    assert result.exit_code == 0, result.stdout
    assert 20 <= sent <= 40 and elapsed >= (sent - 1) / 10 * 0.95
    assert result.stdout.startswith(f"ocpispec doctor: {demo_server.versions_url}\n")
    assert "Ready to export" in result.stdout


def test_cli_json_never_prints_the_token_or_query_values(run_cli, serve) -> None:
    server = serve()
    result = run_cli("doctor", server.versions_url, "--token-env", "CPO_TOKEN", "--format", "json",
                     env={"CPO_TOKEN": server.token})
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["version"] == "2.2.1" and data["exit_code"] == 0
    text = result.stdout + result.stderr
    for secret in (server.token, base64.b64encode(server.token.encode()).decode(), "2000-01-01"):
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
    result = run_cli("doctor", *args)
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
    ([], [B], Status.BLOCKING, "`date_from` is exclusive"),
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
