"""Figures for the schema catalogue: start-up cost and per-record cost.

    .venv/bin/python benchmarks/schema_catalogue.py [--records N]

Prints medians. Start-up is measured in fresh interpreters against a baseline of
`python -c pass` in the same run; per-record checks against a plain recursive walk
over the same records (the least any per-record check must do).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "ocpi-examples"


def fresh_interpreter_ms(code: str, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def per_call_us(call: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            call()
        samples.append((time.perf_counter() - start) / repeat * 1e6)
    return statistics.median(samples)


def walk(node: Any) -> int:
    if isinstance(node, dict):
        return sum(1 + walk(value) for value in node.values())
    if isinstance(node, list):
        return sum(walk(item) for item in node)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()

    baseline = fresh_interpreter_ms("pass")
    imported = fresh_interpreter_ms("import ocpispec.schema")
    built = fresh_interpreter_ms("import ocpispec.schema as s; s.catalogue()")
    print(f"start-up (median of 7 fresh interpreters): python {baseline:.1f} ms, "
          f"+import {imported - baseline:.1f} ms, +import+build {built - baseline:.1f} ms")

    from ocpispec.schema import catalogue, public_projection, unknown_fields
    from ocpispec.schema.catalogue import _build

    build = per_call_us(_build, 20) / 1000
    print(f"catalogue build in-process, modules already imported (median): {build:.2f} ms")

    cat = catalogue()
    for version, name in (("2.2.1", "cdrs"), ("2.1.1", "sessions"), ("2.3.0", "locations")):
        record = json.loads((EXAMPLES / version / f"{name}.json").read_text())
        n = args.records
        base = per_call_us(lambda: walk(record), n)
        unknown = per_call_us(lambda: unknown_fields(version, name, record), n)
        public = per_call_us(lambda: public_projection(version, name, record), n)
        print(f"{version} {name:<9} walk {base:6.1f} us | unknown_fields {unknown:6.1f} us "
              f"({unknown / base:.2f}x) | public_projection {public:6.1f} us ({public / base:.2f}x)")
    paths = [info for info in cat.root("cdrs").fields]
    expr = per_call_us(lambda: cat.normalizer_expression("cdrs", "2.3.0", [[p] for p in paths]), 50)
    print(f"normalizer_expression, every cdrs field, 2.3.0: {expr:.0f} us")


if __name__ == "__main__":
    main()
