"""What an error answer said: an OCPI `status_code` outside 1xxx (OCX503), an HTTP 4xx
(OCX501), and the short form of an answer retried (`error_answer`), each with the words
of its platform's message that error messages use (`platform_words`): an OCPI envelope's
`status_message` or a framework's JSON error message. Split from `failures.py`.
"""

from __future__ import annotations

from typing import Any

import httpx

from ocpispec.ocpi import errors
from ocpispec.ocpi.body_shown import json_kind
from ocpispec.ocpi.errors import OcpiError, fail, platform_message, safe_url, status_line, status_meaning
from ocpispec.ocpi.failures import int_or_none
from ocpispec.ocpi.platform_words import HIDDEN, error_body, framework_message, shown_message, telling_challenge


NOT_FOUND_HELP = ("the endpoint does not exist: check the versions URL (it usually ends in "
                  "`/versions`); if it worked before, log in again to refresh the endpoints")


def status_error(url: str, http_status: int, code: int | None, message: Any, sent: Any = None) -> OcpiError:
    """`code` None: the answer's `status_code` is `sent`, which is no whole number."""
    if code is None:
        return _unreadable_status(url, http_status, message, sent)
    shown = str(code)
    notes = [f"request: GET {safe_url(url)}",
             f"status: HTTP {http_status}, OCPI status_code {shown} ({status_meaning(code or 0)})"]
    if (said := platform_message(message)) is not None:
        notes.append(said)
    family = (code or 0) // 1000
    helps = {2: "the platform refused the request; check the filters and that your token may read this module",
             3: "the platform reported an internal error; try again later or contact the CPO",
             4: "a hub could not forward the request; try again later or contact the hub operator"}
    help = NOT_FOUND_HELP if http_status == 404 else helps.get(family, "contact the CPO; the answer is not valid OCPI")
    return fail(errors.OCPI_STATUS, f"the platform answered with OCPI status `{shown}` ({status_meaning(code or 0)})",
                notes=notes, help=help, http_status=http_status)


def _unreadable_status(url: str, http_status: int, message: Any, sent: Any) -> OcpiError:
    """A `status_code` that is not a number (null, `"OK"`, `true`): said by its JSON kind,
    never quoted (a platform's text)."""
    kind = _status_code_kind(sent)
    notes = [f"request: GET {safe_url(url)}", f"status: HTTP {http_status}, OCPI `status_code` sent as {kind}"]
    if (said := platform_message(message)) is not None:
        notes.append(said)
    return fail(errors.OCPI_STATUS, f"the platform answered with an OCPI `status_code` that is {kind}, "
                "not a whole number", notes=notes,
                help="contact the CPO; the answer is not valid OCPI (`status_code` is a whole number, 1000 "
                "for success), so ocpispec cannot tell whether the request succeeded")


def _status_code_kind(value: Any) -> str:
    # a whole number is a valid `status_code`, so a number that fails here has a fraction
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number with a fraction"
    return json_kind(value)


def http_error(url: str, response: httpx.Response, body: Any) -> OcpiError:
    if isinstance(body, dict) and int_or_none(body.get("status_code")) not in (None, 1000):
        return status_error(url, response.status_code, int_or_none(body.get("status_code")),
                             body.get("status_message"))
    status = response.status_code
    help = NOT_FOUND_HELP if status == 404 else "check the request; the platform refused it"
    notes = [f"request: GET {safe_url(url)}"]
    if (said := platform_message(framework_message(body))) is not None:    # a framework's JSON error
        notes.append(said)
    return fail(errors.HTTP_ERROR, f"the platform answered {status_line(status)}",
                notes=notes, help=help, http_status=status)


def error_answer(status_text: str, content: bytes) -> str:
    """`HTTP 500 Internal Server Error`, with what an OCPI body of the answer said: its
    `status_code` and its message's words (`platform_words`); of another JSON error body (a
    framework's: Spring Boot, RFC 9457, OAuth), its message's words. A body that is no JSON
    object (a proxy's page, plain text) adds nothing."""
    body = error_body(content)
    if body is None:
        return status_text
    if "status_code" not in body:
        return with_words(status_text, framework_message(body))
    code = int_or_none(body.get("status_code"))
    said = f"{status_text}, OCPI status_code {code} ({status_meaning(code)})" if code is not None else status_text
    return with_words(said, body.get("status_message"))


def with_words(said: str, message: Any) -> str:
    """`said`, and the words of a platform's `status_message` shown (`platform_words`)."""
    shown = shown_message(message)
    return said if shown is None or shown == HIDDEN else f"{said}, platform message \"{shown}\""


def with_challenge(said: str, challenge: str | None) -> str:
    """`said`, and what a refusal's `WWW-Authenticate` challenge says (`telling_challenge`)."""
    words = telling_challenge(challenge)
    return said if words is None else f"{said}, challenge `WWW-Authenticate: {words}`"
