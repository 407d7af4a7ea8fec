"""Fingerprints over values that are shown blanked out.

A filter or `jmespath(...)` column that compares a personal field names its value in the
spec (`where cdr_token.uid = "04A2B3C4" because "..."`); the plan, the review, the diff
and approval records show it as `(personal value)`, but the fingerprints must still
change when it changes. A sha256 over the blanked text and the value would undo the
blanking: whoever reads the blanked text beside its fingerprint (`plan --format json`,
the review page, an approval record, the consumer's manifest) fills in guesses and
hashes them, and a card uid of 4 bytes is 2^32 guesses: hours of one processor core,
minutes on a graphics card.

So such a fingerprint is scrypt (memory-hard: 16 MiB and about 0.1 s a guess, on a
graphics card hardly faster), salted with a digest of the blanked text: one guess costs
that for this very spec, and no table computed once serves another. It remains a hash of
a few bits of secret; it makes guessing cost years of processor time, not minutes.
"""

from __future__ import annotations

import hashlib

# scrypt's cost: N = 2^14 with r = 8 uses 16 MiB (within OpenSSL's default limit of 32 MiB)
_N, _R, _P = 1 << 14, 8, 1


def sealed_fingerprint(exact: str, blanked: str) -> str:
    """The fingerprint of `exact` (a canonical text holding values shown blanked out),
    salted with `blanked` (the same text as shown): 64 hex characters, as sha256's."""
    salt = hashlib.sha256(b"ocpispec sealed fingerprint v1\x00" + blanked.encode()).digest()
    return hashlib.scrypt(exact.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32).hex()
