"""The pseudonym key: found from its reference, checked, never shown.

The spec says where the key is (`pseudonym key env NAME` or `profile NAME`); the
value is the master secret of the export's HMAC pseudonyms. It is used as the UTF-8
bytes of the text without surrounding whitespace, which must be at least 32 characters long and worth at least 128
bits by a conservative estimate (`executor.entropy`: repeats, runs, keyboard walks
and well-known words count for little). It may not be a value others know however
random it looks: a URL, the value of a variable every system sets (`PATH`, `HOME`), the
versions URL or token the source reads (`pseudonym key env PATH` hashed every card
id under a key anyone could guess), or the public demo key below, which this file
prints for anyone to read. `openssl rand -hex 32` (64 hex characters,
256 bits) and `openssl rand -base64 32` always pass. A missing or weak key stops the
run before any request is made; the message never shows the key.

`--demo` without the variable set uses a fixed, public demo key, so that a first run
works without setup and gives stable pseudonyms; it must never protect real data.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping

from ocpispec.frozen import frozen
from ocpispec.plan import ir
from ocpispec.check.key_reference import known_kind
from ocpispec.execute.client import RunError
from ocpispec.execute.entropy import estimate_bits
from ocpispec.diagnostics.source import Span
from ocpispec.text import count

MIN_KEY_LENGTH = 32
MIN_KEY_BITS = 128
DEMO_KEY = b"ocpispec-demo-key: public, for the built-in demo CPO only, never for real data"
GENERATE = "generate one with `openssl rand -hex 32`"


def _empty_digests() -> frozenset[str]:
    """What `echo -n "$UNSET" | sha256sum` (or `echo`, or md5sum...) prints: 64 varied
    hex characters that pass any estimate, and that anyone can compute."""
    import hashlib

    return frozenset(hashlib.new(name, empty).hexdigest()
                     for name in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512",
                                  "sha3_256", "sha3_512", "blake2b", "blake2s")
                     for empty in (b"", b"\n"))


_EMPTY_DIGESTS = _empty_digests()


@frozen
class PseudonymKey:
    secret: bytes
    description: str  # where it came from, for the summary; never the value

    def __repr__(self) -> str:
        return f"PseudonymKey({self.description}, (redacted))"


def resolve_key(reference: ir.SecretReference | None, *, env: Mapping[str, str],
                demo: bool = False, span: Span | None = None,
                profile_key: Callable[[str], str | None] | None = None,
                source: tuple[str, ...] = (), known: tuple[str, ...] = ()) -> PseudonymKey:
    """The key a plan's reference points to; RunError (OCX550/OCX551) when it is
    missing, too weak or known elsewhere (`source`: the environment variables the
    plan's source reads; `known`: the spec's words a key may not be made of, its
    export's name and consumer). A plan without a reference pseudonymises nothing (the checker
    sees to that); it still gets a random key of its own, never a known one."""
    if reference is None:
        return PseudonymKey(secrets.token_bytes(32), "none needed")
    value, where = _lookup(reference, env, profile_key)
    if value is None:
        if demo:
            return PseudonymKey(DEMO_KEY, "the public demo key")
        raise RunError.of("OCX550", f"the pseudonym key is missing: {where} is not set", span,
                          "key named here", notes=("nothing was fetched",),
                          help=f"set {where} to a secret of at least {MIN_KEY_LENGTH} "
                               f"characters; {GENERATE}")
    _check_strength(value, where, span,
                    (*known, reference.name if reference.kind == "env" else ""))
    _check_unknown(value, where, span, env, source,
                   reference.name if reference.kind == "env" else None)
    # a trailing newline from a key file must not change every pseudonym
    return PseudonymKey(value.strip().encode("utf-8"), where)


def _lookup(reference: ir.SecretReference, env: Mapping[str, str],
            profile_key: Callable[[str], str | None] | None) -> tuple[str | None, str]:
    match reference.kind:
        case "env":
            return env.get(reference.name) or None, f"environment variable `{reference.name}`"
        case "profile":
            found = profile_key(reference.name) if profile_key is not None else None
            return found or None, (f"environment variable `{profile_key_variable(reference.name)}`"
                                   f" (the key of profile `{reference.name}`: profiles store "
                                   "no keys)")
    return None, "a key written in the spec (refused: keys never live in specs)"


def profile_key_variable(name: str) -> str:
    """The variable `pseudonym key profile NAME` is read from (docs/plan-and-run.md)."""
    return "OCPISPEC_PSEUDONYM_KEY_" + name.upper().replace("-", "_").replace(".", "_")


def _check_strength(value: str, where: str, span: Span | None,
                    known: tuple[str, ...] = ()) -> None:
    problem = key_weakness(value, known)
    if problem is None:
        return
    raise RunError.of("OCX551", f"the pseudonym key is too weak: {where} {problem}", span,
                      "key named here",
                      notes=("a short, repetitive or patterned key lets anyone who guesses it "
                             "recompute every pseudonym", "nothing was fetched"),
                      help=GENERATE)


def _check_unknown(value: str, where: str, span: Span | None, env: Mapping[str, str],
                   source: tuple[str, ...], own: str | None) -> None:
    problem = key_known(value, env, source, own)
    if problem is None:
        return
    raise RunError.of("OCX551", f"the pseudonym key is no secret: {where} {problem}", span,
                      "key named here",
                      notes=("anyone who knows the key can recompute the pseudonym of every "
                             "card and contract id they can guess", "nothing was fetched"),
                      help=f"keep a random key of its own in its own variable; {GENERATE}")


def check_not_the_token(key: PseudonymKey, token: str, span: Span | None = None) -> None:
    """The key may not be the token the run logs in with, wherever that is kept: a
    stored profile's token is in no variable `key_known` could compare with."""
    if not token.strip() or token.strip().encode("utf-8") != key.secret:
        return
    raise RunError.of("OCX551", f"the pseudonym key is no secret: {key.description} holds "
                      "the token the run's source logs in with", span, "key named here",
                      notes=("the platform and its administrators know the token, and with "
                             "it every pseudonym of a card id they can guess",
                             "nothing was fetched"),
                      help=f"keep a random key of its own in its own variable; {GENERATE}")


def key_known(value: str, env: Mapping[str, str], source: tuple[str, ...] = (),
              own: str | None = None) -> str | None:
    """Why a key's value is known beyond its keeper (never quoting it), or None.
    `own`: the variable the key was read from."""
    text = value.strip()
    if "://" in text:
        return "is a URL"
    if text.encode("utf-8") == DEMO_KEY:
        return "is the public demo key, which ocpispec's source shows to anyone"
    if text.lower() in _EMPTY_DIGESTS:
        return ("is the digest of an empty text, the same everywhere (a key made by "
                "hashing a variable that was not set)")
    for name in sorted(env, key=lambda name: name != own):
        kind = known_kind(name, source)
        if kind is None or env[name].strip() != text:
            continue
        return f"is {kind}" if name == own else f"holds the value of `{name}`, {kind}"
    return None


def key_weakness(value: str, known: tuple[str, ...] = ()) -> str | None:
    """Why a key is too weak (never quoting it), or None when it is strong enough;
    `known`: words the key's guesser knows (the spec's export name, consumer...)."""
    text = value.strip()
    if len(text) < MIN_KEY_LENGTH:
        return f"has {count(len(text), 'character')}, fewer than {MIN_KEY_LENGTH}"
    estimate = estimate_bits(text, known)
    if estimate.bits >= MIN_KEY_BITS:
        return None
    found = f" ({', '.join(estimate.patterns)})" if estimate.patterns else ""
    return (f"is worth about {int(estimate.bits)} bits{found}, fewer than {MIN_KEY_BITS}")
