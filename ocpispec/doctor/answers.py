"""How a module's list answered when it was not a plain success: the failure that
stopped its probing, and the answers the client retried on the way.

The client's own diagnostic says what failed; the recorder's copies of the answers
add what the platform actually sent (HTTP status, OCPI `status_code`, `Retry-After`,
a dropped connection), so every finding names the deviation it saw.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import orjson

from ocpispec.doctor.model import Finding, Status
from ocpispec.doctor.probes import ModuleProbe
from ocpispec.doctor.recorder import Exchange
from ocpispec.ocpi import errors
from ocpispec.ocpi.answer_reading import PASSING_STATUS, ends_short
from ocpispec.ocpi.crawl import receiver_only_tokens
from ocpispec.ocpi.error_answers import error_answer
from ocpispec.ocpi.failures import RETRIED_4XX, int_or_none
from ocpispec.ocpi.platform_words import error_body

NO_ANSWER_CODES = (errors.CONNECTION_FAILED, errors.REQUEST_TIMEOUT)
_RETRIED_HELP = ("ocpispec retries with backoff, honouring `Retry-After` (up to 300 s); a run fails only when "
                 "the retries run out")


def failure(probe: ModuleProbe, version: str, exchanges: Sequence[Exchange], token_refused: bool) -> Finding:
    """The finding for a module whose probing failed."""
    assert probe.error is not None
    module, error = probe.module, probe.error
    diagnostic = error.diagnostic
    if probe.error_status == 404:
        if module == "tokens" and version == "2.1.1":
            explained = receiver_only_tokens(probe.endpoint).diagnostic
            return Finding(module, "endpoint", Status.WARNING,
                           f"{explained.code}: the list answers HTTP 404: in OCPI 2.1.1 a CPO's `tokens` endpoint "
                           "may only receive tokens, and no eMSP-side `tokens` endpoint is listed",
                           "specs that use `tokens` fail; the other modules are not affected. "
                           + (explained.help or ""))
        return Finding(module, "endpoint", Status.WARNING,
                       "listed in the version details, but the list answers HTTP 404",
                       f"specs that use `{module}` fail; the other modules are not affected")
    seen = _seen(exchanges)
    said = next((note for note in diagnostic.notes if note.startswith("platform message: ")), None)
    observed = f"{diagnostic.code}: {diagnostic.message}" + (f"; {said}" if said else "") \
        + (f"; answers: {seen}" if seen else "")
    if error.code == errors.UNAUTHORIZED and token_refused and "first answer" in diagnostic.message:
        return Finding(module, "endpoint", Status.BLOCKING, observed,
                       "not the token: this platform refuses a wrong token with 401 (see `wrong token`), so the "
                       "module itself is failing; runs that use it fail until the CPO fixes it")
    return Finding(module, "endpoint", Status.BLOCKING, observed, diagnostic.help or "")


def retried(module: str, exchanges: Sequence[Exchange]) -> Finding | None:
    """Answers the client retried although the probing went on (429, 5xx, no answer, a body
    that broke off, an HTML page such as a maintenance page)."""
    seen = _seen(exchanges)
    if not seen:
        return None
    return Finding(module, "retries", Status.HANDLED, f"answers retried: {seen}", _RETRIED_HELP)


def _seen(exchanges: Sequence[Exchange]) -> str:
    """The answers that were not a success, counted: `HTTP 429 with Retry-After: 0 (2), no answer (1)`."""
    counts: Counter[str] = Counter()
    for n, exchange in enumerate(exchanges):
        status = exchange.status
        if status is None:
            counts["no answer (connection closed or timed out)"] += 1
        elif exchange.broke_off:
            counts[f"HTTP {status} whose body broke off (connection closed)"] += 1
        elif status == 429:
            said = next(((name, value) for name in ("Retry-After", "RateLimit-Reset", "X-RateLimit-Reset")
                         if (value := exchange.headers.get(name.lower())) is not None), None)
            counts["HTTP 429" + (f" with `{said[0]}: {_short(said[1])}`" if said is not None else "")] += 1
        elif status >= 500 or status in RETRIED_4XX:     # with the OCPI status and message's words an envelope gave
            counts[error_answer(f"HTTP {status}", exchange.body)] += 1
        elif status < 300 and (body := error_body(exchange.body)) is not None \
                and int_or_none(body.get("status_code")) in PASSING_STATUS:     # a server error inside a 200, retried
            counts[error_answer(f"HTTP {status}", exchange.body)] += 1
        elif status < 300 and exchange.body.lstrip()[:1] == b"<" and _asked_again(exchange, exchanges[n + 1:]):
            counts[f"HTTP {status} with an HTML page, not JSON"] += 1    # (a maintenance page mid-crawl)
        elif status < 300 and ends_short(exchange.body) and _asked_again(exchange, exchanges[n + 1:]):
            counts[f"HTTP {status} whose JSON is cut short"] += 1   # (by its own `Content-Length`, or a gateway)
    return ", ".join(f"{what} ({n})" for what, n in counts.most_common())


def _asked_again(exchange: Exchange, later: Sequence[Exchange]) -> bool:
    return any(other.url == exchange.url for other in later)


def ocpi_status(body: bytes) -> int | None:
    try:
        value = orjson.loads(body)
    except ValueError:
        return None
    return int_or_none(value.get("status_code")) if isinstance(value, dict) else None


def _short(value: str) -> str:
    text = value.strip()[:12]
    return text if text.isdigit() else "(a date)"
