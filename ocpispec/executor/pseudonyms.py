"""Keyed pseudonyms: HMAC-SHA-256 with a key derived per export and field family.

The master key never hashes values itself: each family (`token`, `session`, `cdr`,
`location`, ...) gets HMAC(master, `ocpispec/v1/<export>/<family>`), so a card uid and
a session id of equal text never share a pseudonym and two exports are unlinkable.
Values are canonicalised first (OCPI ids are case-insensitive); the pseudonym is the
first 128 bits of the HMAC as lowercase hex.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from ocpispec.executor.errors import TransformError
from ocpispec.executor.memo import text_memo

KEY_DERIVATION = "ocpispec/v1"
PSEUDONYM_BITS = 128
_CACHE_LIMIT = 50_000


def derive_key(master: bytes, export: str, domain: str) -> bytes:
    """The HMAC key of one field family of one export: separate families never share
    pseudonyms, and two exports with the same master key are unlinkable."""
    info = f"{KEY_DERIVATION}/{export}/{domain}".encode()
    return hmac.digest(master, info, "sha256")


def canonical_identifier(value: Any, domain: str) -> bytes:
    """OCPI ids are case-insensitive (CiString): lowercase them so a server that
    changes case still yields the same pseudonym. Token ids also lose separators
    (`NL-TNM-C0123` and `NLTNMC0123` are the same eMA-ID)."""
    match value:
        case bool():
            text = "true" if value else "false"
        case int() | float():
            text = repr(value)
        case str():
            text = value.strip().lower()
            if domain == "token":
                text = text.replace("-", "").replace("*", "").replace(" ", "")
        case _:
            raise TransformError("cannot pseudonymise an object or a list")
    return text.encode()


# families whose values repeat across records (drivers, places): worth a cache
_REPEATING = frozenset({"token", "location", "evse", "connector", "tariff"})


def hmac_sha256(key: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA-256 (RFC 2104) with the key's inner and outer pads hashed once: the
    same digests as `hmac.digest`, at half the cost per message."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def digest(message: bytes) -> bytes:
        state = inner.copy()
        state.update(message)
        result = outer.copy()
        result.update(state.digest())
        return result.digest()

    digest.inner, digest.outer = inner, outer  # type: ignore[attr-defined]
    return digest


def pseudonymizer(master: bytes, export: str, domain: str) -> Callable[[Any], str | None]:
    """HMAC-SHA-256 under the family's derived key, first 128 bits as lowercase hex;
    null stays null. Families whose values repeat (drivers, places) are cached."""
    compute = _hasher(derive_key(master, export, domain), domain)
    if domain in _REPEATING:
        return text_memo(compute, _CACHE_LIMIT)
    return compute


def _hasher(key: bytes, domain: str) -> Callable[[Any], str | None]:
    digest = hmac_sha256(key)
    inner, outer = digest.inner, digest.outer  # type: ignore[attr-defined]
    size = PSEUDONYM_BITS // 8
    plain_text = domain != "token"

    def compute(value: Any) -> str | None:
        if value.__class__ is str and plain_text:
            message = value.strip().lower().encode()
        elif value is None:
            return None
        else:
            message = canonical_identifier(value, domain)
        state = inner.copy()  # hmac_sha256, inlined: this runs once per record
        state.update(message)
        result = outer.copy()
        result.update(state.digest())
        return result.digest()[:size].hex()

    return compute
