"""`sample 10%`: whether a record is in a dataset's keyed sample (plan/sample.py lowers
the clause to `sampled(KEY, UNIT, PERCENT)` in the filter).

The value (the record's id, or its driver's contract id or card) is canonicalised as
its pseudonym's is and hashed with HMAC-SHA-256 under a key derived from the master key
for the export and consumer, never the pseudonym scope's period: the same records are
in the sample on every run, in every incremental file and in every period. A record is
in it when the first 64 bits of the hash, read as a number, fall below that share of
2**64. A record without the value is in no sample."""

from __future__ import annotations

from collections.abc import Callable

from typing import Any

from ocpispec.execute.pseudonyms import PseudonymDomain, canonicalizer, derive_key, \
    hmac_sha256

_SPACE = 1 << 64


def sampler(master: bytes, domain: PseudonymDomain) -> Callable[[str, Any], Callable[[Any], bool]]:
    """`sampled`'s specialiser: given the unit (`records`, `drivers`) and the share in
    percent, the test of one value."""
    unscoped = PseudonymDomain(domain.export, domain.consumer)

    def specialize(unit: str, percent: Any) -> Callable[[Any], bool]:
        family = "token" if unit == "drivers" else "record"
        digest = hmac_sha256(derive_key(master, unscoped, f"sample of {family}s"))
        canonical = canonicalizer(family)
        bound = int(_SPACE * float(percent) / 100)

        def kept(value: Any) -> bool:
            message = canonical(value)
            return bool(message) and int.from_bytes(digest(message)[:8], "big") < bound

        return kept

    return specialize
