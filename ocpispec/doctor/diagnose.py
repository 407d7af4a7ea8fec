"""`diagnose`: probe a platform read-only, within a request and time budget, and
collect the findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from ocpispec.doctor import answers, content, paging, platform, records, stamps, window
from ocpispec.doctor.model import Finding, Report, Status, Timing
from ocpispec.doctor.platform import PLATFORM, Discovered
from ocpispec.doctor.probes import ModuleProbe, probe_module
from ocpispec.doctor.recorder import Exchange, ProbeStopped, Recorder, shown_url
from ocpispec.ocpi import Credentials, FetchOptions, FetchStats, OcpiClient, OcpiError
from ocpispec.ocpi.objects import ObjectCheck, key_fields
from ocpispec.ocpi.stats import Warnings
from ocpispec.ocpi.transport import Transport
from ocpispec.timestamps import EPOCH_FLOOR, format_timestamp, utc_now

WRONG_TOKEN = "ocpispec-doctor-deliberately-wrong-token"


@dataclass(frozen=True, slots=True)
class DoctorOptions:
    max_requests: int = 48
    requests_per_second: float | None = 10.0
    max_seconds: float = 120.0          # all probing together
    timeout: float = 10.0               # one request
    sample_size: int = 50
    retry_backoff: float = 0.1          # seconds before a retry (doubling, at most 0.5 s)


def diagnose(credentials: Credentials, options: DoctorOptions = DoctorOptions(), *,
             transport: httpx.BaseTransport | None = None) -> Report:
    """Probe the platform behind `credentials` with GET requests only."""
    recorder = Recorder(credentials.token, max_requests=options.max_requests, max_seconds=options.max_seconds,
                        rate=options.requests_per_second, inner=transport)
    fetch = FetchOptions(concurrency=1, max_retries=1, timeout=options.timeout, request_timeout=options.timeout,
                         backoff_base=options.retry_backoff, backoff_max=max(0.5, options.retry_backoff),
                         retry_after_max=2.0)
    try:
        return _diagnose(credentials, options, fetch, recorder)
    finally:
        recorder.shutdown()


def _diagnose(credentials: Credentials, options: DoctorOptions, fetch: FetchOptions,
              recorder: Recorder) -> Report:
    findings: list[Finding] = []
    client, failure = _connect(credentials, fetch, recorder)
    found = _discovered(client)
    raw = platform.raw_answers(recorder.exchanges)
    findings += platform.versions_findings(raw, found, recorder.exchanges)
    findings += platform.endpoint_findings(raw, found, credentials.versions_url, credentials.allowed_hosts)
    findings += platform.credentials_findings(raw, found)
    findings += platform.token_findings(recorder.exchanges, found)
    if failure is not None:
        findings.append(failure)
    modules: dict[str, str] = {}
    if client is not None:
        with client:
            findings.append(platform.clock_finding(_platform_now(client), datetime.now(UTC),
                                                   client.clock_source))
            modules = {m: client.endpoints[m] for m in client.modules}
            wrong = _wrong_token(credentials, client, fetch, recorder, modules)
            findings += wrong
            refused = any(f.check == "wrong token" and f.status is Status.OK for f in wrong)
            findings += _modules(credentials, client, fetch, recorder, options, refused)
    timings = tuple(Timing(shown_url(e.url), e.status, e.seconds) for e in recorder.exchanges)
    return Report(shown_url(credentials.versions_url), found.version, found.offered, found.token_encoding,
                  {m: shown_url(url) for m, url in modules.items()}, tuple(findings), timings)


def _connect(credentials: Credentials, fetch: FetchOptions,
             recorder: Recorder) -> tuple[OcpiClient | None, Finding | None]:
    try:
        return OcpiClient.connect(credentials, options=fetch, transport=recorder), None
    except OcpiError as problem:
        diagnostic = problem.diagnostic
        return None, Finding(PLATFORM, "connect", Status.BLOCKING, f"{diagnostic.code}: {diagnostic.message}",
                             diagnostic.help or "")
    except ProbeStopped as stop:
        return None, Finding(PLATFORM, "connect", Status.BLOCKING, f"discovery did not finish: {stop}")


def _platform_now(client: OcpiClient) -> datetime | None:
    try:
        return client.platform_now()
    except ProbeStopped:
        return None


def _discovered(client: OcpiClient | None) -> Discovered:
    if client is None:
        return Discovered()
    return Discovered(client.version, client.offered_versions, client.details_url, dict(client.endpoints),
                      client.to_party, client.token_encoding)


def _transport(credentials: Credentials, client: OcpiClient, fetch: FetchOptions,
               recorder: Recorder, *, switch: bool = True) -> Transport:
    """A transport for data probes, with the token form and routing the client negotiated;
    with `--token-encoding auto` (and `switch`), it may still switch the form once, as a
    run does: the data endpoints may take the other form than discovery."""
    free = switch and credentials.token_encoding == "auto"
    learned = dataclasses.replace(credentials, token_encoding="auto" if free else client.token_encoding,
                                  version=client.version)
    stats = FetchStats()
    transport = Transport(learned, fetch, stats, Warnings(stats, None), recorder)
    if free:
        transport.start_in(client.token_encoding)
    transport.route(client.version, credentials.party, client.to_party)
    return transport


def _modules(credentials: Credentials, client: OcpiClient, fetch: FetchOptions, recorder: Recorder,
             options: DoctorOptions, token_refused: bool) -> list[Finding]:
    transport = _transport(credentials, client, fetch, recorder)
    now = utc_now()
    findings: list[Finding] = []
    silent: str | None = None           # a module that did not answer in time: the others are skipped
    try:
        for module in client.modules:
            if silent is not None:
                findings.append(Finding(module, "probing", Status.SKIPPED,
                                        f"not probed: `{silent}` did not answer in time"))
                continue
            before = recorder.requests
            probe = probe_module(transport, recorder, module, client.endpoints[module], now, options.sample_size)
            findings += module_findings(probe, client.version, options.sample_size,
                                        recorder.exchanges[before:], token_refused, client.sole_party)
            if probe.error is not None and probe.error.code in answers.NO_ANSWER_CODES:
                silent = module
    finally:
        transport.close()
    return findings


def module_findings(probe: ModuleProbe, version: str, sample_size: int, exchanges: Sequence[Exchange] = (),
                    token_refused: bool = False, party: str | None = None) -> list[Finding]:
    """`party`: the CPO party an object sent without one is read as (`schema.own_party`)."""
    module = probe.module
    check = ObjectCheck(version, module)
    findings: list[Finding] = []
    if probe.error is not None:
        findings.append(answers.failure(probe, version, exchanges, token_refused))
    elif (retried := answers.retried(module, exchanges)) is not None:
        findings.append(retried)
    sample = probe.pages.get("sample")
    if sample is not None and not sample.objects:
        findings.append(Finding(module, "sample", Status.SKIPPED, "the module list is empty; paging and "
                                "content were not tested"))
    findings += paging.nesting_findings(probe)
    findings += paging.header_findings(probe)
    findings += paging.link_findings(probe)
    def key(obj: object) -> tuple[str, ...]:
        return check.key(obj) if isinstance(obj, dict) else ("#", str(obj))

    findings += paging.limit_findings(probe, sample_size, key)
    findings += paging.offset_findings(probe, key)
    findings += paging.end_findings(probe)
    findings += paging.count_findings(probe)
    findings += window.window_findings(probe)
    findings += window.cut_before_filters(probe)
    findings += content.timestamp_findings(probe)
    findings += content.id_findings(probe, key_fields(version, module))
    findings += content.repeat_findings(probe, key)
    findings += stamps.stamp_findings(module, probe.stale, probe.pages.get("stale"))
    if sample is not None:
        findings += stamps.ended_after_stamp(module, sample.objects)
        findings += records.deviation_findings(module, version,
                                               records.sample_deviations(version, module, sample.objects, party))
    if probe.stopped is not None:
        findings.append(Finding(module, "probing", Status.SKIPPED, f"stopped: {probe.stopped}"))
    if probe.pages:
        seconds = [p.seconds for p in probe.pages.values()]
        findings.append(Finding(module, "time per request", Status.INFO,
                                f"{len(seconds)} pages: first {_ms(seconds[0])}, slowest {_ms(max(seconds))}"))
    return findings


def _wrong_token(credentials: Credentials, client: OcpiClient, fetch: FetchOptions, recorder: Recorder,
                 modules: dict[str, str]) -> list[Finding]:
    """One request with a deliberately wrong token: is it refused with 401?"""
    wrong = dataclasses.replace(credentials, token=WRONG_TOKEN)
    transport = _transport(wrong, client, dataclasses.replace(fetch, max_retries=0), recorder, switch=False)
    target = next(iter(modules.values()), client.details_url)
    query = f"date_from={format_timestamp(EPOCH_FLOOR)}&offset=0&limit=1" if modules else ""
    url = f"{target}{'&' if '?' in target else '?'}{query}" if query else target
    before = recorder.requests
    try:
        transport.get(url, routing=True)
        outcome = "served"
    except OcpiError:
        outcome = "error"
    except ProbeStopped as stop:
        return [Finding(PLATFORM, "wrong token", Status.SKIPPED, f"not tested: {stop}")]
    finally:
        transport.close()
    answered = recorder.exchanges[before:]
    status = answered[-1].status if answered else None
    if status in (401, 403):
        outcome = "refused"
    return [platform.wrong_token_finding(outcome, status, answers.ocpi_status(answered[-1].body) if answered else None)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
