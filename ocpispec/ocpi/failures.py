"""The diagnostics of failed requests: what failed, where, what to do.

Built by the transport; every URL goes through `safe_url`, and no body, token or
text of the platform's (its `status_message`, a reason phrase of its own) is ever
part of the text, but the words of its message that error messages use (`platform_words`).
What an error answer said: `error_answers.py`.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ocpispec.frozen import frozen
from ocpispec.numerals import natural
from ocpispec.diagnostics import Diagnostic
from ocpispec.ocpi import errors
from ocpispec.ocpi.deadline import Overrun
from ocpispec.ocpi.platform_words import said_in_body, said_in_challenge
from ocpispec.ocpi.tls import UnreadableCaBundle
from ocpispec.ocpi.errors import OcpiError, fail, safe_url


@frozen
class Retry:
    code: str                    # the code to give up with
    reason: str
    retry_after: float | None = None
    timed_out: bool = False      # no answer in time: retried once at most
    http_status: int | None = None
    wait_header: str = "Retry-After"   # the header `retry_after` comes from
    not_json: bool = False       # a page that is no JSON, after data requests were answered with JSON
    module_refused: bool = False  # a refusal where no data request was answered, though others were
    packed: str | None = None    # compressed in an encoding ocpispec cannot read: how (`as `br``)


# 4xx answers that say the request may be sent again: 408 Request Timeout (a server closing a
# connection it found idle: Node.js answers a kept-alive socket so at its `headersTimeout`), 425
# Too Early and 429 Too Many Requests; retried as a 5xx is
RETRIED_4XX = frozenset({408, 425, 429})


class NotJson(OcpiError):
    """A successful answer that is no JSON at all (an HTML page, an empty body), raised by
    `body.decode_body`. Where the platform answered data requests with JSON before, a
    maintenance or proxy error page standing in for it: worth another try
    (`AnswerReading._answer`); `reason` says what came."""

    def __init__(self, diagnostic: Diagnostic, reason: str, packed: str | None = None) -> None:
        super().__init__(diagnostic)
        self.reason = reason
        self.packed = packed    # compressed in an encoding ocpispec cannot read (a gateway's glitch)


def tls_error(url: str, login_url: str, exc: BaseException) -> OcpiError:
    listed, given = urlsplit(url).scheme, urlsplit(login_url).scheme
    reason = errors.without_secrets(str(exc))[:200] or type(exc).__name__
    notes = [f"request: GET {safe_url(url)}", f"TLS error: {reason}"]
    if listed == "https" and given == "http":
        return fail(errors.TLS_FAILED, f"the platform lists https:// endpoints, but `{errors.origin(url)}` fails "
                    "the TLS handshake (the URL you gave is http://; the server may speak only plain http)",
                    notes=[*notes, f"URL you gave: {safe_url(login_url)}"],
                    help="ask the CPO to list its real endpoint URLs; if you trust the network to this host, "
                         "log in again with `--endpoint-scheme-from-url` to use http:// for the endpoints")
    return fail(errors.TLS_FAILED, f"the TLS handshake with `{errors.origin(url)}` failed",
                notes=notes, help="check the URL's scheme and port; a certificate error means the platform's "
                                  "certificate is not trusted here (not retried)")


def ca_bundle_error(url: str, unreadable: UnreadableCaBundle) -> OcpiError:
    """The CA certificates to verify the platform with cannot be read (read at the first
    https request, `tls.py`): a setting of this machine, not the platform's fault."""
    reason = errors.without_secrets(unreadable.reason)[:200]
    where = errors.without_secrets(unreadable.location)[:200]
    match unreadable.source:
        case "SSL_CERT_FILE":
            help_text = "point SSL_CERT_FILE at a PEM file of CA certificates, or unset it to use the bundled ones"
        case "SSL_CERT_DIR":
            help_text = "point SSL_CERT_DIR at a folder of CA certificates, or unset it to use the bundled ones"
        case _:
            help_text = "reinstall ocpispec: the CA bundle it ships with (certifi's) is damaged"
    return fail(errors.TLS_FAILED, f"cannot read the CA certificates to verify `{errors.origin(url)}` with",
                notes=[f"request: GET {safe_url(url)}", f"{unreadable.source}: {where} ({reason})"],
                help=help_text)


def overrun_error(url: str, overrun: Overrun) -> OcpiError:
    if overrun.received is None:
        return run_deadline_error(url, "waiting for an answer")
    received = f"the headers and {overrun.received} bytes of the body"
    if overrun.run_limited:
        return run_deadline_error(url, f"receiving the answer (so far {received})")
    return fail(errors.REQUEST_TIMEOUT, f"the platform did not finish its answer within {overrun.budget:g} s",
                notes=[f"request: GET {safe_url(url)}", f"received: {received}"],
                help="the platform sends its answer too slowly; raise `--request-timeout` or ask for smaller "
                     "pages with `--page-size`, and tell the CPO")


class BodyTooLarge(Exception):
    """An answer's body (decompressed) is larger than `limit` bytes."""

    def __init__(self, limit: int, packed: str = "") -> None:
        super().__init__(limit)
        self.limit, self.packed = limit, packed


class BodyBrokeOff(Exception):
    """The connection failed after the headers, `received` bytes into the body (`expected`:
    its `Content-Length`, if said): the platform answered, and a gateway or the platform
    cut the answer short. Not a platform out of reach."""

    def __init__(self, received: int, expected: str | None, cause: BaseException) -> None:
        super().__init__(received)
        self.received, self.cause = received, cause
        self.expected = int(expected) if expected is not None and expected.strip().isdigit() else None

    def reason(self, how: str) -> str:
        of = f" of {self.expected:,}" if self.expected is not None else ""
        return f"the answer broke off after {self.received:,}{of} bytes of its body ({how})"


class BodyStalled(BodyBrokeOff):
    """The headers came, then the body stopped: nothing more within the silence an answer
    may keep (`FetchOptions.timeout`), on a connection still open. Not "no answer"."""

    def stalled(self, silence: float) -> str:
        of = f" of {self.expected:,}" if self.expected is not None else ""
        return f"the body stopped after {self.received:,}{of} bytes; nothing more came for {silence:g} s"


def body_too_large(url: str, too_large: BodyTooLarge) -> OcpiError:
    mib = too_large.limit / (1024 * 1024)
    size = f"{mib:g} MiB" if mib >= 1 else f"{too_large.limit} bytes"
    return fail(errors.INVALID_RESPONSE, f"the platform's answer is larger than {size}{too_large.packed}; "
                "it was not read further",
                notes=[f"request: GET {safe_url(url)}", f"bound: {too_large.limit} bytes of body, counted "
                       "after decompression (`OCPISPEC_MAX_BODY_BYTES`)"],
                help="ask for smaller pages with `--page-size`; a platform that ignores it (sending its whole "
                     "list in one answer) or a compressed body that unpacks to this much is the CPO's to fix. "
                     "If the machine has the memory for it, raise the bound with `OCPISPEC_MAX_BODY_BYTES`")


def run_deadline_error(url: str, doing: str) -> OcpiError:
    return fail(errors.RUN_DEADLINE, "the run's deadline passed", notes=[f"request: GET {safe_url(url)}",
                f"while: {doing}"],
                help="raise the deadline (`--deadline`) or narrow the window; nothing of this run was committed")


TOKEN_HELP = ("the token may be wrong: some platforms answer an unknown token with HTTP 500 or OCPI status "
              "3000 instead of 401; check the token with the CPO (and `--token-encoding`). If the token is "
              "right, the platform is failing: try again later")


def first_answer_failed(url: str, what: str, http_status: int, setting: str, encoding: str) -> OcpiError:
    tried = "Base64-encoded and raw" if setting == "auto" else ("Base64-encoded" if encoding == "base64" else "raw")
    return fail(errors.UNAUTHORIZED, f"the platform's first answer was a server error ({what})",
                notes=[f"request: GET {safe_url(url)}", f"the token was sent {tried}",
                       "not retried further: nothing was answered yet with this token"],
                help=TOKEN_HELP, http_status=http_status)


def give_up(url: str, retry: Retry, tries: int, *, unconfirmed: bool = False) -> OcpiError:
    """`unconfirmed`: a data request that no data request before it was answered with this
    token (a server error may then be how the platform answers a wrong token)."""
    notes = [f"request: GET {safe_url(url)}", f"last failure: {retry.reason}"]
    if unconfirmed and (retry.reason.startswith("OCPI status 3000") or retry.reason.startswith("HTTP 500")):
        notes.append("no data request has been answered with this token yet: some platforms answer a wrong or "
                     "revoked token with OCPI status 3000 or HTTP 500; if it may have changed, check it with the CPO")
    proxy = proxy_note(url) if retry.code == errors.CONNECTION_FAILED else None
    match retry.code:
        case errors.CONNECTION_FAILED if proxy is not None:
            return fail(retry.code, f"cannot reach the OCPI platform through the proxy after {tries} tries",
                        notes=[*notes, proxy],
                        help="check the proxy (is it up, does it let this host through?), or exempt the "
                             "platform's host with `NO_PROXY`; retry later if the platform is down")
        case errors.CONNECTION_FAILED if retry.timed_out:
            return fail(retry.code, f"the OCPI platform did not answer ({tries} tries)", notes=notes,
                        help="the platform may be down or overloaded: try again later; if it is only slow, "
                             "raise `--request-timeout`")
        case errors.REQUEST_TIMEOUT:    # a body that stalled (`BodyStalled`)
            return fail(retry.code, f"the platform's answer stalled: its headers came, then its body stopped "
                        f"({tries} tries)", notes=notes,
                        help="the platform, or a proxy in front of it, stops sending answers mid-way: try again "
                             "later, or ask for smaller pages with `--page-size`; if it is only slow, raise "
                             "`--request-timeout` (an answer may keep silent for half of it). Tell the CPO if it lasts")
        case errors.CONNECTION_FAILED:
            return fail(retry.code, f"cannot reach the OCPI platform after {tries} tries", notes=notes,
                        help="check the URL and your network (VPN, firewall); retry later if the platform is down")
        case errors.OCPI_STATUS:
            return fail(retry.code, f"gave up after {tries} tries: the platform kept answering with an OCPI "
                        "server or hub error", notes=notes,
                        help="the platform (or its hub) is failing: try again later, or contact the CPO")
        case errors.UNAUTHORIZED if retry.module_refused:
            return fail(retry.code, f"the platform refuses the token for this module ({tries} tries), though it "
                        "answered other modules' requests with it", notes=notes, http_status=retry.http_status,
                        help=MODULE_REFUSED_HELP)
        case errors.UNAUTHORIZED:
            return fail(retry.code, f"the platform refused the token {tries} times after accepting it for earlier "
                        "requests", notes=notes, http_status=retry.http_status,
                        help="the token may have been revoked or replaced while the export ran, or may not be "
                             "allowed to read this module: check it with the CPO, log in again if it changed, "
                             "and run again")
        case errors.INVALID_RESPONSE if retry.packed:
            return fail(retry.code, f"the platform compressed its answer {retry.packed} {tries} times, which "
                        "ocpispec did not ask for and cannot read", notes=notes,
                        help="ask the CPO (or its gateway) to honour `Accept-Encoding` and send gzip, deflate or "
                             "an uncompressed body; if its gateway does so only at times, run again later")
        case errors.INVALID_RESPONSE if retry.not_json:
            return fail(retry.code, f"the platform answered {tries} times with a page that is not JSON, after "
                        "answering earlier requests with JSON", notes=notes,
                        help="a maintenance, error or login page of the platform, or of a proxy in front of it, "
                             "answers instead: try again later; if it lasts, ask the CPO whether the platform is "
                             "down or still accepts the token")
        case errors.INVALID_RESPONSE:
            return fail(retry.code, f"the platform sent an incomplete or undecodable answer {tries} times",
                        notes=notes, help="the platform or a proxy cuts answers short or mislabels their "
                                          "encoding; try a smaller `--page-size` or ask the CPO to check its gateway")
    return fail(errors.RETRIES_EXHAUSTED, f"gave up after {tries} tries: the platform kept failing",
                notes=notes, help="the platform is overloaded or down; try again later, "
                                  "or lower `--concurrency` and set `--rps`")


def proxy_note(url: str) -> str | None:
    """Which proxy the environment sends requests for `url` through, without its user and
    password (`ocpi.proxies`); None when there is none. A cron job's proxy that was down
    or refused read as a platform that could not be reached."""
    from ocpispec.ocpi.proxies import environment_proxy

    if (found := environment_proxy(url)) is None:
        return None
    name, proxy = found
    return (f"requests go through the proxy {errors.origin(proxy)} (from `{name}`; its user and "
            "password are not shown)")


def wait_too_long(url: str, retry: Retry, longest: float) -> OcpiError:
    """The platform asks for a pause longer than ocpispec waits: waiting the most before
    each retry would only fail later (five retries of 300 s are 25 minutes)."""
    wait = retry.retry_after
    assert wait is not None
    if wait > 86400:
        when = "the wait is implausible (the platform's clock or configuration?): try again later and tell the CPO"
    else:
        when = f"try again after {datetime.now(UTC) + timedelta(seconds=wait):%Y-%m-%d %H:%M} UTC"
    return fail(errors.RETRIES_EXHAUSTED, f"the platform asks to wait {_duration(wait)} before the next "
                f"request, more than the {_duration(longest)} ocpispec waits",
                notes=[f"request: GET {safe_url(url)}", f"last failure: {retry.reason} with `{retry.wait_header}`"],
                help=f"{when}; if the platform limits every burst, lower `--concurrency` and set `--rps`")


def wait_past_deadline(url: str, retry: Retry, left: float) -> OcpiError:
    """The platform asks for a pause that outlasts the run's deadline: failed at once (as
    before), saying so and when the platform will answer again, not that the deadline passed."""
    wait = retry.retry_after
    assert wait is not None
    when = datetime.now(UTC) + timedelta(seconds=wait)
    return fail(errors.RUN_DEADLINE, f"the platform asks to wait {_duration(wait)} before the next request, "
                f"beyond the run's deadline ({_duration(max(0, round(left)))} left)",
                notes=[f"request: GET {safe_url(url)}", f"last failure: {retry.reason} with `{retry.wait_header}`"],
                help=f"try again after {when:%Y-%m-%d %H:%M} UTC, or raise the deadline (`--deadline`); nothing "
                     "of this run was committed")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:,.0f} days"


MODULE_REFUSED_HELP = ("this module may not be open to the token (platforms may give a token some modules only), "
                       "or the token was revoked just now: ask the CPO to grant it this module, log in again if the "
                       "token changed, and run again")


def unauthorized(url: str, status: int, setting: str, encoding: str, *, accepted_by: str | None = None,
                 body: bytes = b"", challenge: str | None = None) -> OcpiError:
    """`accepted_by`: a data request refused after the platform answered the same token
    (`Transport.accepted_by`): the token is the platform's, this module is not for it.
    `body`: the refusal's, whose message's words of errors are shown (an OAuth gateway's
    `invalid_token: The access token expired`, `insufficient_scope`); `challenge`: its
    `WWW-Authenticate` header, whose scheme and error words are shown (`challenge_words`)."""
    tried = "Base64-encoded and raw" if setting == "auto" else ("Base64-encoded" if encoding == "base64" else "raw")
    notes = [f"request: GET {safe_url(url)}", f"status: HTTP {status}", f"the token was sent {tried}"]
    notes += [said] if (said := said_in_body(body)) is not None else []
    notes += [said] if (said := said_in_challenge(challenge)) is not None else []
    if accepted_by is not None:
        return fail(errors.UNAUTHORIZED, f"the platform refuses the token for this module, though it {accepted_by}",
                    help=MODULE_REFUSED_HELP, notes=notes)
    help = "check the token with the CPO: it must be the token for your party" if setting == "auto" else \
        "log in again with `--token-encoding auto` to try both forms, or check the token with the CPO"
    return fail(errors.UNAUTHORIZED, "the platform rejected the token", notes=notes, help=help)


def lost_endpoint(refused: OcpiError) -> OcpiError:
    """A 404 from an endpoint that answered earlier requests of this run: not a wrong
    versions URL, which `NOT_FOUND_HELP` asks to check."""
    diagnostic = dataclasses.replace(
        refused.diagnostic, message=f"{refused.diagnostic.message}, from an endpoint that answered earlier requests",
        help="the platform, or a load balancer in front of it, lost the endpoint while the export ran (a "
             "deployment?): run again later; if it lasts, log in again to refresh the endpoints, or ask the CPO")
    return OcpiError(diagnostic, refused.http_status)


def int_or_none(value: Any) -> int | None:
    """A status code as a whole number: an int, its digits as text (`"1000"`), or a JSON
    number written with a fraction of zero (`1000.0`, as a serialiser of doubles writes it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e9:
        return int(value)
    if isinstance(value, str):
        return natural(value)
    return None
