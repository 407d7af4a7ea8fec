"""Keyed pseudonyms: HMAC-SHA-256 under a key derived per export, consumer, scope
period and field family.

The master key never hashes values itself. Each field family (`token`, `session`,
`cdr`, `location`, ...) gets its own key from HKDF-SHA-256 (RFC 5869): extract with a
fixed salt, then expand with an `info` that lists, length-prefixed, the export name,
the consumer, the scope period and the family. So a card uid and a session id of
equal text never share a pseudonym, two exports are unlinkable, two consumers who
happen to share an export name are unlinkable, and with `pseudonym scope per month`
(or `per run`, ...) the same driver gets another pseudonym in another period.

Values are canonicalised first by `canonical_identifier`: an id as `ocpispec.ids`
says ids are the same (the crawl's dedup, joins and lookups read them so), a token id
without its separators; group counting (`executor.aggregate`) shares it; the
pseudonym is the first 128 bits of the HMAC as lowercase hex.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Callable

from typing import Any

from ocpispec.frozen import frozen
from ocpispec.ids import id_text, number_text
from ocpispec.plan import ir
from ocpispec.language import pseudonym_scope
from ocpispec.execute.errors import TransformError
from ocpispec.execute.memo import text_memo
from ocpispec.timestamps import TimestampError, read_timestamp

KEY_DERIVATION = "ocpispec/v2"
_SALT = b"ocpispec pseudonym keys v2"
PSEUDONYM_BITS = 128
_CACHE_LIMIT = 50_000
_PERIODS_KEPT = 8          # (family, period) keys and caches kept by `periodic_pseudonymizer`
# drivers remembered in all by the kept periods' caches: a driver charges about once a
# week, so a week's cache seldom hits beyond a few thousand; at 50,000 (6,250 a
# period) 1,000,000 realistic sessions held some 7 MB more than 100,000 did
_PERIODIC_CACHE_LIMIT = 16_384


@frozen
class PseudonymDomain:
    """Whose pseudonyms these are: the export, its consumer and the scope period
    (`""` for `pseudonym scope export`, `2025-Q1`, `2025-03`, `run <random>` ...)."""

    export: str
    consumer: str = ""
    period: str = ""


def run_domain(export: ir.Export, run_salt: str) -> PseudonymDomain:
    """The domain of one run: export and consumer, and for `per run` the run's random
    value (calendar periods come from each record, see `periodic_pseudonymizer`)."""
    scope = export.pseudonym_scope
    period = f"run {run_salt}" if scope == "per run" else ""
    return PseudonymDomain(export.name, export.consumer or "", period)


def pseudonym_manifest(plan: ir.Plan, module: str, zone: str | None = None
                       ) -> dict[str, Any] | None:
    """What a manifest says about the pseudonyms: scheme, scope and period (never the
    key, never a run's random value); None when the plan has no key. `zone`: the time
    zone of the dataset's calendar window, whose periods a calendar scope follows."""
    if plan.pseudonym_key is None:
        return None
    scope = plan.export.pseudonym_scope
    return {"scheme": f"HMAC-SHA-256, {PSEUDONYM_BITS} bits, keys by HKDF-SHA-256 "
                      f"({KEY_DERIVATION}) per export, consumer, period and field family",
            "scope": scope, "period": pseudonym_scope.manifest_period(scope, module, zone)}


def consumer_identity(consumer: str | None) -> str:
    """The consumer as the derivation reads it: case and spacing do not matter, so
    re-wrapping the header line keeps the pseudonyms."""
    return " ".join((consumer or "").split()).casefold()


def hkdf_sha256(master: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256 (RFC 5869) extract-then-expand with the fixed ocpispec salt."""
    pseudo_random = hmac.digest(_SALT, master, "sha256")
    output, block, counter = b"", b"", 1
    while len(output) < length:
        block = hmac.digest(pseudo_random, block + info + bytes([counter]), "sha256")
        output += block
        counter += 1
    return output[:length]


def derivation_info(domain: PseudonymDomain, family: str) -> bytes:
    """`info` for HKDF: every part length-prefixed, so no choice of names can make two
    different (export, consumer, period, family) tuples collide."""
    parts = (KEY_DERIVATION, domain.export, consumer_identity(domain.consumer), domain.period,
             family)
    return b"".join(len(data).to_bytes(4, "big") + data
                    for data in (str(part or "").encode("utf-8") for part in parts))


def derive_key(master: bytes, domain: PseudonymDomain, family: str) -> bytes:
    """The HMAC key of one field family within one pseudonym domain."""
    return hkdf_sha256(master, derivation_info(domain, family))


# ---- canonical identifiers --------------------------------------------------------------


def canonical_identifier(value: Any, family: str) -> bytes | None:
    """The canonical bytes of an identifier; None for null. OCPI ids are
    case-insensitive (CiString) and may carry surrounding spaces; token ids (card
    uids, eMA-IDs) also appear with and without separators (`NL-TNM-C0123`,
    `NL*TNM*C0123`, `nltnmc0123`, `04:A2:...`): only their letters and digits count.
    Text is read as `ids.id_text` reads it (Unicode compatibility form, case folded), so
    full-width `ＮＬ－ＴＮＭ－Ｃ０１２３` is the same id as `NL-TNM-C0123`.

    An empty result (`""`, `"  "`, or a token id of separators only, `"---"`) is no
    identifier: pseudonyms of it are null (`pseudonymizer`), and group counting adds no
    driver for it (`execute/aggregate.py`)."""
    return canonicalizer(family)(value)


# for ASCII, `casefold` is `lower`, and `isalnum` keeps exactly [0-9A-Za-z] (which also
# drops the whitespace `strip` would)
_ASCII_NOT_ALNUM = bytes(code for code in range(128) if not chr(code).isalnum())


def canonicalizer(family: str) -> Callable[[Any], bytes | None]:
    """`canonical_identifier` for one family, with the per-family choice made once
    (it runs once per record)."""
    token = family == "token"

    def canonical(value: Any) -> bytes | None:
        if value.__class__ is str:
            if value.isascii():  # the usual id: `id_text` inline; a token id at a quarter of the cost
                if token:
                    return value.encode().lower().translate(None, _ASCII_NOT_ALNUM)
                return value.strip().lower().encode()
            text = id_text(value)
            if token:
                text = "".join(char for char in text if char.isalnum())
            return text.encode("utf-8")
        match value:
            case None:
                return None
            case bool():
                return b"true" if value else b"false"
            case int() | float():  # off-schema: read as the text it would be
                return canonical(number_text(value))
            case str():  # a str subclass
                return canonical(str(value))
        raise TransformError("cannot pseudonymise an object or a list")

    return canonical


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

    digest.pads = (inner, outer)  # type: ignore[attr-defined]  # for `_inline_pseudonym`
    return digest


def pseudonymizer(master: bytes, domain: PseudonymDomain | str,
                  family: str, cache_limit: int = _CACHE_LIMIT) -> Callable[[Any], str | None]:
    """HMAC-SHA-256 under the family's derived key, first 128 bits as lowercase hex;
    null stays null, and so does an id whose canonical form is empty (`""`, `"  "`,
    `"---"` as a token id): one pseudonym for all of them would make unrelated drivers
    look like one person. Families whose values repeat (drivers, places) are cached."""
    if isinstance(domain, str):
        domain = PseudonymDomain(domain)
    digest = hmac_sha256(derive_key(master, domain, family))
    canonical = canonicalizer(family)
    size = PSEUDONYM_BITS // 8

    def compute(value: Any) -> str | None:
        message = canonical(value)
        return digest(message)[:size].hex() if message else None

    if family in _REPEATING:
        return text_memo(compute, cache_limit)
    compute.inline = _inline_pseudonym(compute, digest, family == "token")  # type: ignore[attr-defined]
    return compute


def _inline_pseudonym(compute: Callable[[Any], str | None], digest: Callable[[bytes], bytes],
                      token: bool) -> Callable[[Any, list[str]], str | None]:
    """`compute`'s common case written into a generated expression (`jmes_codegen`): an
    ASCII text canonicalised as `canonicalizer` does it and its HMAC taken from the
    prepared pads, with no call; any other value through `compute`. A session id is
    never remembered (it does not repeat), so each row paid three calls for it."""
    def inline(source: Any, texts: list[str]) -> str | None:
        if len(texts) != 1:
            return None
        value, message, state, result = (source.temp() for _ in range(4))
        inner, outer = (source.constant(pad) for pad in digest.pads)  # type: ignore[attr-defined]
        call = source.constant(compute)
        canonical = f"{value}.encode().lower().translate(None, {source.constant(_ASCII_NOT_ALNUM)})" \
            if token else f"{value}.strip().lower().encode()"
        mac = (f"(({result} := {outer}.copy()).update(({state} := {inner}.copy()).update("
               f"{message}) or {state}.digest()) or {result}.digest()[:{PSEUDONYM_BITS // 8}].hex())")
        return (f"({call}({value}) if ({value} := {texts[0]}).__class__ is not str or not "
                f"{value}.isascii() else ({mac} if ({message} := {canonical}) else None))")

    return inline


def periodic_pseudonymizer(master: bytes, domain: PseudonymDomain) -> Callable[..., str | None]:
    """`pseudonymize_in(value, family, moment, scope)`: the pseudonym under the key of
    the calendar period that contains `moment` (the record's time).

    Only the `_PERIODS_KEPT` periods used last keep their keys and caches: records come
    about in time order, so a week long past is not asked again, and keeping every
    period's cache would grow with the number of periods times the drivers of each. The
    kept periods share one cache bound (`_PERIODIC_CACHE_LIMIT` in all): 8 caches of
    50,000 drivers each held 23 MB at a million realistic sessions (`bench_memory.py`)."""
    keyed: OrderedDict[tuple[str, str], Callable[[Any], str | None]] = OrderedDict()

    def pseudonym(value: Any, family: str, moment: Any, scope: str) -> str | None:
        if value is None:
            return None
        try:
            period = pseudonym_scope.period_of(scope, read_timestamp(moment))
        except (TimestampError, ValueError):
            raise TransformError("no record time to place the pseudonym in its period") \
                from None
        found = keyed.get((family, period))
        if found is None:
            if len(keyed) >= _PERIODS_KEPT:
                keyed.popitem(last=False)
            found = keyed[(family, period)] = pseudonymizer(
                master, PseudonymDomain(domain.export, domain.consumer, period), family,
                _PERIODIC_CACHE_LIMIT // _PERIODS_KEPT)
        else:
            keyed.move_to_end((family, period))
        return found(value)

    return pseudonym
