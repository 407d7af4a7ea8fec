"""What one page of 1,000 realistic sessions (`realistic.py`, as bench_e2e serves it)
costs to read on `run`'s fast path, and what one decode into the strict types would
cost instead (issue 12's "bytes straight into typed structs"). Each part alone:

- `today`: the worker's read of a page that fits (`execute.workers.prepare_page`):
  `orjson.loads`, `loose_timestamps`, `msgspec.convert` into the strict types, the
  page-at-a-time tests and the written-as-parsed test (`strict_pages.AsParsed`);
- `loads`, `builtins`: the parse alone, by orjson and by msgspec's untyped decoder;
- `strict`: one decode of the bytes into the strict types (DateTimes as instants);
- `structs`: what a page read as structs alone would pay to know it fits as `today`
  knows it: the decode with every DateTime as text (the row reads texts), the canonical
  pattern over the page's stamps, the key fields' test and the counted keys
  (`repeated_counts.exact_counts`: msgspec keeps a repeated key's last silently), no
  loose scan; `stamps`: that pattern over the stamps alone; `instants`: the same test
  in C instead (each stamp `T` at 10 and `Z` at 19, all of them decoded as one JSON
  list of instants: msgspec refuses what the pattern refuses, a leap second, hour 24,
  year 0, a day the month lacks).

Prints CPU microseconds per session; with `--calls N` does N rounds and nothing else,
for an instruction count (the count with N=5 minus N=0, over 5,000 sessions):

    .venv/bin/python benchmarks/bench_page_decode.py
    valgrind --tool=callgrind .venv/bin/python benchmarks/bench_page_decode.py structs --calls 5
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import msgspec
import orjson
import realistic

from ocpispec.ocpi import fast_pages
from ocpispec.ocpi.repeated_counts import exact_counts
from ocpispec.ocpi.strict_pages import _STAMPS, AsParsed, at_sign
from ocpispec.timestamps import loose_timestamps

SESSIONS = 1000


def _parts() -> dict[str, Callable[[], Any]]:
    content = realistic.rendered_pages(SESSIONS, SESSIONS).modules["sessions"][0]
    fits = fast_pages._Builder("2.2.1", "sessions", frozenset(), text_stamp=False).fits()
    as_parsed, untyped = AsParsed(), msgspec.json.Decoder()

    def today() -> bool:
        body = orjson.loads(content)
        if at_sign(content) or loose_timestamps(content):
            return False
        converted = msgspec.convert(body["data"], fits.quick_objects)
        return fits._settled(converted) and as_parsed(body, content)

    texts = fast_pages._Builder("2.2.1", "sessions", frozenset(), text_stamp=True)
    texts.stamp = fast_pages._STAMP_TEXT     # every DateTime as text
    page = msgspec.defstruct("TextPage", [("data", list[texts._strict(texts.shape, root=True)]),
                                          *((name, fast_pages._ENVELOPE_VALUE, msgspec.UNSET)
                                            for name in ("status_code", "status_message", "timestamp"))],
                             forbid_unknown_fields=True)
    decoder = msgspec.json.Decoder(page)
    filled = fast_pages._Builder("2.2.1", "sessions", frozenset()).fits()

    def gathered(data: list[Any]) -> list[str]:
        found: list[str] = []
        add = found.append
        for o in data:
            add(o.start_date_time)
            add(o.last_updated)
            if (end := o.end_date_time).__class__ is str:
                add(end)
            if (periods := o.charging_periods).__class__ is list:
                for period in periods:
                    add(period.start_date_time)
        return found

    def stamps(data: list[Any]) -> bool:
        return _STAMPS.fullmatch("\n".join(gathered(data))) is not None

    instants = msgspec.json.Decoder(list[Annotated[datetime, msgspec.Meta(tz=True)]])

    def in_c(data: list[Any]) -> bool:
        found = gathered(data)
        joined, count = "".join(found), len(found)
        if joined[10::20] != "T" * count or joined[19::20] != "Z" * count or not joined.isascii():
            return False
        try:
            instants.decode(('["' + '","'.join(found) + '"]').encode())
        except (msgspec.ValidationError, msgspec.DecodeError):
            return False
        return True

    def structs() -> bool:
        if at_sign(content):
            return False
        data = decoder.decode(content).data
        return stamps(data) and all(all(map(str.strip, map(read, data))) for read in filled.filled) \
            and exact_counts(content, data, filled.site_keys, every_value=True)

    decoded = decoder.decode(content).data
    assert today() and structs() and in_c(decoded), "the realistic page fits both ways"
    return {"today": today, "loads": lambda: orjson.loads(content),
            "builtins": lambda: untyped.decode(content), "strict": lambda: fits.quick.decode(content),
            "structs": structs, "stamps": lambda: stamps(decoded),
            "instants": lambda: in_c(decoded)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="*", help="the parts to time (all by default)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=None)
    args = parser.parse_args()
    parts = _parts()
    gc.disable()    # as the workers read pages (`execute.few_collections`)
    if args.calls is not None:
        for name in args.what or parts:
            for _ in range(args.calls):
                parts[name]()
        return
    for name in args.what or parts:
        times = []
        for _ in range(args.rounds):
            started = time.process_time()
            parts[name]()
            times.append(time.process_time() - started)
        print(f"{name:10s} {sorted(times)[len(times) // 2] / SESSIONS * 1e6:7.2f} µs a session (median)")


if __name__ == "__main__":
    main()
