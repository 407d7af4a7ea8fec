"""The per-record cost of reading ids and links for a driver's card or an e-mail address:
`run`'s strict page fit of demo sessions (`ocpi/fast_pages.strict_fit`, with or without
the probe of public ids), the wire reader (`schema/wire_check.wire_reader`, after
`orjson.loads`), and the joined-record guard against a site with EVSEs, connectors and a
link (`execute/joined_own_ids`). Prints CPU microseconds per record, and with
`--calls N` does N rounds and nothing else, for an instruction count:

    .venv/bin/python benchmarks/bench_id_checks.py fit [--ids]
    valgrind --tool=callgrind .venv/bin/python benchmarks/bench_id_checks.py fit --calls 0
    valgrind --tool=callgrind .venv/bin/python benchmarks/bench_id_checks.py fit --calls 5

(the second count minus the first, divided by the records of N rounds: 1,000 per round
for `fit`, one per round for `reader` and `guard`, is the instructions per record).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import orjson

SITE = {"id": "LOC1", "name": "Q-Park Vaartsche Rijn", "address": "Stationsplein 1",
        "city": "Utrecht", "postal_code": "3511 AB",
        "operator": {"name": "Vattenfall InCharge", "website": "https://www.example.com"},
        "evses": [{"uid": "3256", "evse_id": "BE*BEC*E041503001",
                   "connectors": [{"id": "1", "tariff_ids": ["11"]}, {"id": "2", "tariff_ids": ["13"]}]},
                  {"uid": "3257", "evse_id": "BE*BEC*E041503002",
                   "connectors": [{"id": "1", "tariff_ids": ["12"]}]}]}
SESSION = {"cdr_token": {"uid": "04A2B3C4D5E6F7", "contract_id": "NL-TNM-C12345678-X"},
           "authorization_reference": "AUTH-77889900"}


def _fit(ids: bool) -> tuple[Callable[[], object], int]:
    from ocpispec.demo import DemoServer
    from ocpispec.ocpi.fast_pages import strict_fit

    demo = DemoServer(version="2.2.1", size=1000, max_page_size=1000)
    content = orjson.dumps({"data": [demo.render("2.2.1", "sessions", index) for index in range(1000)],
                            "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"})
    fits = strict_fit("2.2.1", "sessions", ids)
    assert fits is not None

    def once() -> object:
        body = orjson.loads(content)
        return fits(body["data"], content, False, body)
    assert once(), "the demo's page fits the strict types"
    return once, 1000


def _reader() -> tuple[Callable[[], object], int]:
    from ocpispec.demo import DemoServer
    from ocpispec.schema.wire_check import wire_reader

    demo = DemoServer(version="2.2.1", size=50, max_page_size=50)
    texts = [orjson.dumps(demo.render("2.2.1", "sessions", index)) for index in range(50)]
    read, turn = wire_reader("2.2.1", "sessions"), iter(range(1 << 62))
    return lambda: read(orjson.loads(texts[next(turn) % len(texts)])), 1


def _guard() -> tuple[Callable[[], object], int]:
    from ocpispec.execute.joined_own_ids import joined_text_guard

    guard = joined_text_guard("sessions", "locations", "2.2.1")
    assert guard is not None
    screen = guard.screen(SITE)
    return lambda: guard.guarded(SESSION, SITE, screen), 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("fit", "reader", "guard"))
    parser.add_argument("--ids", action="store_true", help="fit: with the probe of public ids")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--calls", type=int, default=None)
    args = parser.parse_args()
    once, records = {"fit": lambda: _fit(args.ids), "reader": _reader, "guard": _guard}[args.what]()
    if args.calls is not None:
        for _ in range(args.calls):
            once()
        return
    rounds = args.rounds or (20 if args.what == "fit" else 100_000)
    start = time.process_time()
    for _ in range(rounds):
        once()
    spent = time.process_time() - start
    print(f"{args.what}: {spent / rounds / records * 1e6:.2f} us CPU per record "
          f"({rounds * records} records)")


if __name__ == "__main__":
    main()
