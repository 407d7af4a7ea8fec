"""A conservative estimate of how many bits of a secret an attacker must guess.

The key is read left to right as a sequence of pieces, each costing the bits needed
to describe it: a character drawn from the key's alphabet costs log2(alphabet); a
piece seen before (`passwordpassword`) costs where and how long; a run with a fixed
step (`abcd`, `9753`, `aaaa`) or along a keyboard row or column (`qwerty`, `1qaz`)
costs its start, length and kind; a well-known word (`password`, `secret`) costs
little. The total is what the key is worth to someone who tries structured guesses
first. Random keys lose almost nothing: `openssl rand -hex 32` estimates near 256
bits, `openssl rand -base64 32` well above 200.
"""

from __future__ import annotations

import math
import string
from ocpispec.frozen import frozen


_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "+/-_")
_CLASSES = ((frozenset(string.ascii_lowercase), 26), (frozenset(string.ascii_uppercase), 26),
            (frozenset(string.digits), 10))
_OTHER = 33
_MIN_RUN = 4
_KEYBOARD_ROWS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./")
_WORDS = ("password", "passwd", "secret", "changeme", "letmein", "welcome", "admin", "qwerty",
          "ocpispec", "ocpi", "pseudonym", "example", "default", "monkey", "dragon", "master",
          "test", "demo", "key", "token")


_WORDS_BY_START: dict[str, tuple[str, ...]] = {}
for _word in _WORDS:
    _WORDS_BY_START[_word[:2]] = (*_WORDS_BY_START.get(_word[:2], ()), _word)


@frozen
class Estimate:
    bits: float
    patterns: tuple[str, ...]  # what made it cheaper: "a repeated part", "a keyboard run"...


_LONGEST = 512  # characters read: far beyond any key's need, and the search stays fast


def estimate_bits(secret: str, known: tuple[str, ...] = ()) -> Estimate:
    """The estimate over the first 512 characters (a longer key is judged by them). A
    key that is text written in hex or base64 (`echo -n "utrecht pseudonym" | xxd -p`)
    is worth what the text is: the encoding looks random, and adds nothing. `known`: the
    words of the spec the key serves (its export's name, its consumer, the key's
    variable): the consumer reads them in every manifest, so they cost what a
    well-known word costs."""
    text = secret[:_LONGEST].rstrip("=")  # base64 padding carries nothing
    if not text:
        return Estimate(0.0, ())
    encoded = _encoded_text(secret.strip())
    if encoded is not None:
        inner = estimate_bits(encoded, known)
        return Estimate(inner.bits + 1, ("text written in hex or base64", *inner.patterns))
    per_char = _bits_per_character(text)
    lowered = text.lower()
    spec_words = _spec_words(known)
    bits, position, found = 0.0, 0, []
    while position < len(text):
        length, cost, kind = _cheapest_piece(lowered, position, per_char, spec_words)
        bits += cost
        if kind:
            found.append(kind)
        position += length
    if len(set(text)) * 4 <= _pool(set(text)):
        found.insert(0, "few different characters")
    return Estimate(bits, tuple(dict.fromkeys(found)))


def _encoded_text(key: str) -> str | None:
    """The printable text a hex or base64 key decodes to, or None. The bytes of a random
    key are printable text by chance about once in 10^14 keys of 32 bytes."""
    import base64
    import binascii

    raw = None
    if len(key) % 2 == 0 and set(key) <= _HEX:
        raw = bytes.fromhex(key)
    elif set(key.rstrip("=")) <= _BASE64:
        padded = key + "=" * (-len(key) % 4)
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            return None
    if raw is None or len(raw) < 8:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if all(ch.isprintable() for ch in text) else None


def _bits_per_character(text: str) -> float:
    """log2 of the alphabet the key seems drawn from; a key that uses only a small part
    of its alphabet (at most a quarter) is worth log2 of what it uses."""
    chars = set(text)
    pool = _pool(chars)
    distinct = len(chars)
    if distinct * 4 <= pool:  # e.g. only `0` and `1`, or three letters
        pool = max(distinct, 1)
    return math.log2(pool) if pool > 1 else 0.0


def _pool(chars: set[str]) -> int:
    if chars <= _HEX:
        return 16
    if chars <= _BASE64:
        return 64
    pool = sum(size for members, size in _CLASSES if chars & members)
    return pool + (_OTHER if any(not any(c in m for m, _ in _CLASSES) for c in chars) else 0)


def _spec_words(known: tuple[str, ...]) -> tuple[str, ...]:
    import re

    return tuple(sorted({word for text in known
                         for word in re.split(r"[^0-9a-z]+", text.lower()) if len(word) >= 4},
                        key=len, reverse=True))


def _cheapest_piece(text: str, position: int, per_char: float,
                    spec_words: tuple[str, ...] = ()) -> tuple[int, float, str]:
    """(length, bits, pattern name) of the piece that starts at `position`."""
    options = [(1, per_char, "")]
    word = _word_at(text, position)
    if word:
        options.append((len(word), math.log2(len(_WORDS)) + 1, "a well-known word"))
    own = next((w for w in spec_words if text.startswith(w, position)), None)
    if own:
        options.append((len(own), math.log2(len(spec_words) + len(_WORDS)) + 1,
                        "a word of the spec's export, consumer or key variable"))
    repeat = _repeat_at(text, position)
    if repeat >= 3:
        options.append((repeat, math.log2(max(position, 2)) + math.log2(repeat),
                        "a repeated part"))
    for length, kind in (_step_run(text, position), _keyboard_run(text, position)):
        if length >= _MIN_RUN:
            options.append((length, per_char + math.log2(length) + 2, kind))
    # the piece that covers the most characters per bit; a single character otherwise
    return min(options, key=lambda option: option[1] / option[0])


def _word_at(text: str, position: int) -> str | None:
    candidates = _WORDS_BY_START.get(text[position:position + 2], ())
    found = [word for word in candidates if text.startswith(word, position)]
    return max(found, key=len) if found else None


def _repeat_at(text: str, position: int) -> int:
    """The longest piece at `position` that also starts earlier (it may overlap): a
    binary search on its length, since every prefix of a repeated piece repeats too."""
    if position + 3 > len(text) or text.find(text[position:position + 3], 0, position + 2) < 0:
        return 0  # shorter repeats do not count: the common case, answered at once
    low, high = 3, len(text) - position
    while low < high:
        middle = (low + high + 1) // 2
        if text.find(text[position:position + middle], 0, position + middle - 1) >= 0:
            low = middle
        else:
            high = middle - 1
    return low


def _step_run(text: str, position: int) -> tuple[int, str]:
    """`aaaa`, `abcd`, `1357`, `zyxw`: characters with one fixed step of at most 2."""
    if position + 1 >= len(text):
        return 1, ""
    step = ord(text[position + 1]) - ord(text[position])
    if abs(step) > 2:
        return 1, ""
    length = 2
    while (position + length < len(text)
           and ord(text[position + length]) - ord(text[position + length - 1]) == step):
        length += 1
    return length, "a repeated character" if step == 0 else "a run like `abcd`"


def _keyboard_run(text: str, position: int) -> tuple[int, str]:
    length = 1
    while (position + length < len(text)
           and _adjacent(text[position + length - 1], text[position + length])):
        length += 1
    return length, "a keyboard run"


def _keys() -> dict[str, tuple[int, float]]:
    places = {}
    for row, keys in enumerate(_KEYBOARD_ROWS):
        for column, key in enumerate(keys):
            places[key] = (row, column + row * 0.5)  # rows are staggered by half a key
    return places


_PLACES = _keys()


def _adjacent(first: str, second: str) -> bool:
    if first not in _PLACES or second not in _PLACES or first == second:
        return False
    (row_a, col_a), (row_b, col_b) = _PLACES[first], _PLACES[second]
    return abs(row_a - row_b) <= 1 and abs(col_a - col_b) <= 1
