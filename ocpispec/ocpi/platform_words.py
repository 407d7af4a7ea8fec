"""A platform's `status_message` as messages show it: its words from a closed vocabulary
of the words error messages are made of, any other as `(…)`.

A platform's text can quote a record (a card id, a driver's name or address), a token or
a URL, so none of it was shown: an HTTP 500 whose OCPI body said `3000 "database
timeout"` read as "HTTP 500" alone, and the user could not tell a platform's outage
from a bad request. A word is shown only where it is one of `VOCABULARY` (English words
of errors, OCPI's own terms, the names of common servers): no card id, contract id,
e-mail address, host name or token is such a word, and a name that is one (`Will`) says
nothing with its surname hidden. Numbers of up to three digits are shown (`30 s`, `HTTP
500`); a longer one may be an id. The text shown is bounded (`MOST_WORDS` words).
"""

from __future__ import annotations

import re
from typing import Any

HIDDEN = "(…)"
MOST_WORDS = 24
_EDGE = ".,:;!?()[]\"'`"
_WORDS = """
a an the of in on at to for from by with without into onto over under about as is are was were be been being has have
had do does did not no nor and or but if then than so this that these those it its there here which who what when
where why how any all some each every other more most less only per must should would could can cannot can't will
may might shall now currently yet still again later soon please sorry oops something anything nothing went wrong
try retry retried retrying contact support administrator admin operator team help desk card cards driver see logs log such
error errors err exception exceptions fault faulted failed fail fails failure failing problem issue occurred
internal server service services unavailable available temporarily temporary timeout timeouts timed out time
gateway upstream downstream backend frontend proxy database db datastore storage connection connections connect
connecting connected refused reset closed lost unreachable network socket host dns lookup
request requests response responses reply answer too many rate limit limits limited limiting exceeded exceed
maximum max minimum min quota throttled throttling overloaded overload busy capacity maintenance down up
unexpected unhandled unknown uncaught runtime null nil none undefined pointer reference
invalid valid missing required mandatory parameter parameters param params argument arguments value values
format formatted malformed bad wrong incorrect illegal unsupported supported allowed disallowed not_found
found forbidden unauthorized unauthorised authorization authorisation authentication authenticated auth access
denied token tokens expired expiry credentials credential permission permissions scope role roles
party parties module modules endpoint endpoints version versions page pages offset date dates date_from date_to
range query queries cursor sort order list lists object objects record records item items entity entities
location locations session sessions cdr cdrs tariff tariffs evse evses connector connectors command commands
generic client clients hub ocpi http https api json xml body header headers content type mismatch field fields
parse parsing parser serialization serialisation deserialization deserialisation serialize deserialize
processing process processed while during read write reading writing fetch fetching load loading sql
deadlock lock locked overflow memory heap stack disk full space queue worker workers thread threads pool
exhausted index search shard shards replica replicas cache cluster node nodes elasticsearch redis postgres
postgresql mysql mongodb oracle kafka nginx apache tomcat java python node.js spring hibernate
seconds second secs sec minutes minute mins ms milliseconds hours hour
success successful ok status code codes message data result results
internal_error internal_server_error bad_request service_unavailable gateway_timeout too_many_requests
not_implemented implemented feature use used using given provided requested received returned reached hit
invalid_token invalid_request invalid_client invalid_grant invalid_scope insufficient_scope unauthorized_client
access_denied server_error temporarily_unavailable
"""
VOCABULARY = frozenset(_WORDS.split())
_SHORT_NUMBER = re.compile(r"^\d{1,3}$")


def shown_message(message: Any) -> str | None:
    """`message` with every word outside `VOCABULARY` (and every number longer than
    three digits) as `(…)`, runs of them as one, at most `MOST_WORDS` words (None: no text)."""
    if not isinstance(message, str) or not message.strip():
        return None
    chunks = message.split()
    shown: list[str] = []
    for chunk in chunks[:MOST_WORDS]:
        word = _shown_chunk(chunk)
        if word == HIDDEN and shown and shown[-1] == HIDDEN:
            continue
        shown.append(word)
    text = " ".join(shown)
    return text + " …" if len(chunks) > MOST_WORDS else text


def _shown_chunk(chunk: str) -> str:
    core = chunk.strip(_EDGE)
    if not core:
        return chunk if len(chunk) <= 3 else HIDDEN
    parts = core.split("-") if "-" in core else [core]
    if all(part.lower() in VOCABULARY or _SHORT_NUMBER.match(part) for part in parts):
        start = chunk.index(core)
        edges = chunk[:start] + chunk[start + len(core):]
        return chunk if len(edges) <= 3 else HIDDEN
    return HIDDEN


def said_message(message: Any) -> str | None:
    """The note about a platform's `status_message`: its words shown (`shown_message`)."""
    shown = shown_message(message)
    if shown is None:
        return None
    if shown == HIDDEN:
        return "platform message: not shown (none of its words is one of those error messages use; a " \
               "platform's text can quote record values)"
    return f"platform message: \"{shown}\" (words other than those error messages use shown as {HIDDEN})"


def error_body(content: bytes) -> dict[str, Any] | None:
    """The JSON object an error answer's body is, or None (a proxy's page, plain text, a
    body too long to be an error's)."""
    if not content or len(content) > 65536 or content.lstrip()[:1] != b"{":
        return None
    import orjson

    try:
        body = orjson.loads(content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def framework_message(body: Any) -> str | None:
    """The message of a JSON error body that is no OCPI envelope, as the frameworks platforms
    are built on write one: Spring Boot's `message` (else its `error`), RFC 9457 problem
    details' `detail` (else `title`), OAuth's `error` code and `error_description`, a list
    of `errors` (their `message`, `detail` or `title`), or `{"error": {"message": ...}}`.
    Never a `path`, `instance` or `type`: URLs. Its words are then shown as a
    `status_message`'s are (`shown_message`)."""
    if not isinstance(body, dict):
        return None
    if isinstance(listed := body.get("errors"), list):
        said = [text for item in listed[:3] if (text := _text(item) or _first_text(item)) is not None]
        return "; ".join(said) or None
    if isinstance(inner := body.get("error"), dict):
        return _first_text(inner)
    described = _text(body.get("error_description"))
    if described is not None and (code := _text(body.get("error"))) is not None:
        return f"{code}: {described}"
    return _first_text(body) or _text(body.get("error"))


def said_in_body(content: bytes) -> str | None:
    """The note about the message of an error answer's JSON body (`said_message`): an OCPI
    envelope's `status_message`, or a framework's message (`framework_message`)."""
    body = error_body(content)
    if body is None:
        return None
    return said_message(body.get("status_message") if "status_code" in body else framework_message(body))


def _first_text(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    return next((text for key in ("detail", "message", "error_description", "title")
                 if (text := _text(item.get(key))) is not None), None)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


# the authentication schemes a refusal's `WWW-Authenticate` may name (RFC 9110's registry
# and common gateways'); any other shows as `(…)`
_SCHEMES = {scheme.lower(): scheme for scheme in (
    "Basic", "Bearer", "Digest", "DPoP", "HOBA", "Mutual", "Negotiate", "NTLM", "OAuth", "SCRAM-SHA-1",
    "SCRAM-SHA-256", "vapid", "Token", "ApiKey", "Api-Key", "AWS4-HMAC-SHA256", "Kerberos")}
_CHALLENGE_ITEM = re.compile(r"""(?P<name>[!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*"""
                             r"""(?P<value>"(?:[^"\\]|\\.)*"?|[^\s,"]*)|(?P<word>[^\s,]+)|(?P<comma>,)|\s+""")
_MOST_CHALLENGES = 3


def challenge_words(header: Any) -> str | None:
    """What a `WWW-Authenticate` header says, as messages show it: each challenge's scheme
    (a known one, else `(…)`; at most three, alternatives joined by `or`) and its `error`
    and `error_description` (RFC 6750), their words shown as a message's are
    (`shown_message`). Never a `realm` (a host name), a `scope`'s values, an `error_uri`
    or a token68 (the platform's text, which may name a host, a card or a token)."""
    if not isinstance(header, str) or not header.strip() or len(header) > 4096:
        return None
    challenges: list[list[str]] = []
    expect_scheme = True
    for item in _CHALLENGE_ITEM.finditer(header):
        if item["comma"] is not None:
            expect_scheme = True
        elif item["word"] is not None:
            if expect_scheme:       # after a scheme and a space, a word is its token68: not shown
                challenges.append([_SCHEMES.get(item["word"].lower(), HIDDEN), "", ""])
            expect_scheme = False
        elif item["name"] is not None and challenges:
            expect_scheme = False
            name = item["name"].lower()
            if name in ("error", "error_description") and not challenges[-1][1 if name == "error" else 2]:
                value = item["value"]
                if value.startswith('"'):
                    value = re.sub(r"\\(.)", r"\1", value[1:-1] if value.endswith('"') and len(value) > 1
                                   else value[1:])
                challenges[-1][1 if name == "error" else 2] = shown_message(value) or ""
    if not challenges:
        return None
    shown: list[str] = []
    for scheme, error, described in challenges[:_MOST_CHALLENGES]:
        if scheme == HIDDEN and not error and not described and shown and shown[-1] == HIDDEN:
            continue
        text = scheme + (f', error "{error}"' if error else "")
        shown.append(text + (f': "{described}"' if described else ""))
    return " or ".join(shown)


def telling_challenge(header: Any) -> str | None:
    """`challenge_words`, unless it says only OCPI's own scheme (`Token`), which tells nothing."""
    words = challenge_words(header)
    return None if words is None or words == "Token" else words


def said_in_challenge(header: Any) -> str | None:
    """The note about a refusal's `WWW-Authenticate` challenge (`telling_challenge`)."""
    words = telling_challenge(header)
    return None if words is None else f"platform challenge (`WWW-Authenticate`): {words}"
