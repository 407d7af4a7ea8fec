"""The per-record cost of reading a joined record's free text against the joining
record's own card ids (`execute/joined_own_ids.py`): a session against a site with four
texts, none holding its ids (the usual case). Prints CPU microseconds per record, and
with `--calls N` alone does N calls and nothing else, for an instruction count:

    .venv/bin/python benchmarks/bench_joined_texts.py [--records 200000]
    valgrind --tool=callgrind .venv/bin/python benchmarks/bench_joined_texts.py --calls 0
    valgrind --tool=callgrind .venv/bin/python benchmarks/bench_joined_texts.py --calls 10000

(the second count minus the first, divided by 10,000, is the instructions per record).
"""

from __future__ import annotations

import argparse
import time

from ocpispec.execute.joined_own_ids import joined_text_guard

SITE = {"name": "Q-Park Vaartsche Rijn", "address": "Stationsplein 1", "city": "Utrecht",
        "operator": {"name": "Vattenfall InCharge"}}
SESSION = {"cdr_token": {"uid": "04A2B3C4D5E6F7", "contract_id": "NL-TNM-C12345678-X"},
           "authorization_reference": "AUTH-77889900"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=None)
    args = parser.parse_args()
    guard = joined_text_guard("sessions", "locations", "2.2.1")
    assert guard is not None
    screen = guard.screen(SITE)
    if args.calls is not None:
        for _ in range(args.calls):
            guard.guarded(SESSION, SITE, screen)
        return
    start = time.process_time()
    for _ in range(args.records):
        guard.guarded(SESSION, SITE, screen)
    spent = time.process_time() - start
    print(f"{spent / args.records * 1e6:.2f} us CPU per record ({args.records:,} records)")


if __name__ == "__main__":
    main()
