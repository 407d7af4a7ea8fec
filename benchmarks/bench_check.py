"""Cold start of `ocpispec check`: the wall and CPU time of a fresh process checking one spec.

Runs `python -c pass` (the floor: the interpreter's own start-up), `ocpispec --help` and
`ocpispec check SPEC` in interleaved rounds (each command once per round, in rotating
order, after a warm-up round) and prints, per command, the median with its spread (25th
to 75th percentile) of wall time and of CPU time (user + system), and the ratio to the
floor measured in the same rounds. Target: `check` at most 80 ms median wall.

An installed package has its bytecode compiled (pip does it at install time), so every
figure runs with a bytecode cache (kept in a temporary PYTHONPYCACHEPREFIX, never in the
repo). `--no-bytecode` adds `check` without any bytecode cache (PYTHONDONTWRITEBYTECODE=1).

`--against REV` also measures the tree of a git revision (exported with `git archive` to a
temporary folder, run with that folder first on the path) in the same rounds, and prints
the ratio of each command to its counterpart there: a before/after figure on one machine
under one load. The machine may be shared: read the CPU times and the ratios.

`--instructions` also counts the instructions each command executes (valgrind's
callgrind, one run each, PYTHONHASHSEED=0): a figure other processes do not disturb.

`--no-cache` adds `check` with no usable cache folder (OCPISPEC_CACHE_DIR under a file):
what a fresh install's first `check` does, but for writing the cache. A fresh install
ships the spec parser's table and lark's parser (ocpispec/language/shipped_table.py,
shipped_lark.py) and, in the wheel, the schema catalogue (hatch_build.py), so its first
`check` builds nothing. Measured on 2026-12-06 with `pip install .` into new venvs and
an empty OCPISPEC_CACHE_DIR (callgrind, municipality_sessions.ocx): before, the first
check 1,247.5 M instructions and the later ones 251.7 M (lark built its parser and the
table, the catalogue was built, all three pickled into the cache); now 252.0 M first
and later, writing nothing. A spec with a syntax error (OCX001_unexpected_token.ocx):
1,244.4 M first, 440.7 M later before; 572.2 M first (lark's parser loaded from the
shipped form, then kept in the cache), 440.3 M later now. An editable install has no
shipped catalogue: its first check builds and keeps it (about 48 M more).

Where a cold `check` goes (2026-12-07, d2f4e9c3, callgrind, municipality_sessions.ocx,
PYTHONHASHSEED=0, bytecode cached): 261.3 M in all; `python -c pass` 39.6 M; `import
ocpispec` (dataclasses, re, enum) 75.1 M; every module of the check 218.2 M; parsing,
checking and the report the other 43 M. Of the imports: 163 modules read from bytecode
(`marshal.loads` 39 M inclusive), about 310 k instructions of importlib each before their
own code runs (150 empty modules cost 46.5 M), and 106 `@frozen` classes at about 290 k
each (two `type` calls, the fields, `__init__`) against 65 k for a plain class. The check
path loads no httpx, click, inspect, jinja2, sqlite3 nor executor (tests/test_lazy_imports.py),
and compiles the lexer's 12 patterns and 19 module-level `re.compile`s (about 0.5-1 M each).

    .venv/bin/python benchmarks/bench_check.py [--runs 15] [--spec PATH] [--against REV]
        [--instructions] [--no-cache]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from revisions import revision  # noqa: E402
TARGET = 0.080
FLOOR = "python -c pass (floor)"

Command = tuple[list[str], dict[str, str]]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of `command`, in the tree `env`
    names (PYTHONPATH, also the working directory: `python -m` puts it first on the path)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=env.get("PYTHONPATH", REPO), env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def interleaved(commands: dict[str, Command], runs: int) -> dict[str, list[tuple[float, float]]]:
    """Each command once per round, in rotating order, after one warm-up round (which fills
    the OS file cache, the bytecode cache and lark's grammar cache)."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    names = list(commands)
    for round_number in range(runs + 1):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            figures = timed(*commands[name])
            if round_number:
                samples[name].append(figures)
    return samples


def environment(pycache: str, tree: Path | None, *, bytecode: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PYTHONPYCACHEPREFIX")}
    env["NO_COLOR"] = "1"
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = pycache
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    return env


def commands_for(spec: str, pycache: str, tree: Path | None, ref: str | None,
                 no_bytecode: bool, no_cache: str | None = None) -> dict[str, Command]:
    python = sys.executable
    here = environment(pycache, None)
    check = [python, "-m", "ocpispec", "check", spec]
    commands: dict[str, Command] = {
        FLOOR: ([python, "-c", "pass"], here),
        "ocpispec --help": ([python, "-m", "ocpispec", "--help"], here),
        f"ocpispec check {Path(spec).name}": (check, here),
    }
    if no_bytecode:
        commands["check, no bytecode cache"] = (check, environment(pycache, None, bytecode=False))
    if no_cache is not None:
        commands["check, no cache folder"] = (
            check, {**here, "OCPISPEC_CACHE_DIR": os.path.join(no_cache, "cache")})
    if tree is not None:
        there = environment(pycache + "-ref", tree)
        commands[f"{ref}: ocpispec --help"] = ([python, "-m", "ocpispec", "--help"], there)
        commands[f"{ref}: ocpispec check"] = (check, there)
    return commands


def report(samples: dict[str, list[tuple[float, float]]], ref: str | None) -> None:
    floor_wall = statistics.median(wall for wall, _ in samples[FLOOR])
    print(f"  {'':34} {'wall median (p25-p75)':>26} {'CPU median (p25-p75)':>26}  x floor")
    for name, values in samples.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(f"  {name:44} {_spread(walls):>26} {_spread(cpus):>26}  "
              f"{statistics.median(walls) / floor_wall:6.2f}x")
    if ref is not None:
        print(f"\n  this tree / {ref} (median; below 1 is faster):")
        for mine in (name for name in samples if name.startswith("ocpispec ")):
            theirs = f"{ref}: ocpispec --help" if "help" in mine else f"{ref}: ocpispec check"
            ratio_wall = _median(samples[mine], 0) / _median(samples[theirs], 0)
            ratio_cpu = _median(samples[mine], 1) / _median(samples[theirs], 1)
            print(f"  {mine:44} wall {ratio_wall:5.2f}x   CPU {ratio_cpu:5.2f}x")
    check = next(name for name in samples if name.startswith("ocpispec check"))
    median = _median(samples[check], 0)
    verdict = "within" if median <= TARGET else "OVER"
    print(f"\n  target {TARGET * 1000:.0f} ms median wall for `check`: {median * 1000:.1f} ms, "
          f"{verdict} (check minus floor: {(median - floor_wall) * 1000:.1f} ms)")
    print("  (wall time grows when other processes share the CPU; CPU time much less)")


def instructions(commands: dict[str, Command], ref: str | None) -> None:
    """Instructions executed by one run of each command (after the timed rounds, so every
    cache is warm), and the ratio to the floor's."""
    if shutil.which("valgrind") is None:
        print("\n  (--instructions: valgrind is not installed)")
        return
    counts = {}
    for name, (command, env) in commands.items():
        done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                               *command], cwd=env.get("PYTHONPATH", REPO),
                              env={**env, "PYTHONHASHSEED": "0"}, capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", done.stderr)
        if found:
            counts[name] = int(found.group(1))
    print("\n  instructions (callgrind, one run each):")
    for name, count in counts.items():
        print(f"  {name:44} {count / 1e6:8.1f} M  {count / counts[FLOOR]:6.2f}x floor")
    for mine in (name for name in counts if name.startswith("ocpispec ") and ref is not None):
        theirs = f"{ref}: ocpispec --help" if "help" in mine else f"{ref}: ocpispec check"
        if theirs in counts:
            print(f"  {mine} / {ref}: {counts[mine] / counts[theirs]:.2f}x")


def _median(values: list[tuple[float, float]], index: int) -> float:
    return statistics.median(value[index] for value in values)


def _spread(values: list[float]) -> str:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return f"{statistics.median(values) * 1000:6.1f} ms ({q[0] * 1000:.0f}-{q[2] * 1000:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--spec", default="specs/municipality_sessions.ocx")
    parser.add_argument("--against", metavar="REV", help="also measure this git revision")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="also measure `check` without a bytecode cache")
    parser.add_argument("--instructions", action="store_true",
                        help="also count each command's instructions with valgrind")
    parser.add_argument("--no-cache", action="store_true",
                        help="also measure `check` with no usable cache folder")
    args = parser.parse_args()
    spec = str((REPO / args.spec).resolve())
    with tempfile.TemporaryDirectory(prefix="ocx-bench-pyc-") as pycache, \
            revision(args.against) as tree:
        no_cache = None
        if args.no_cache:  # a file where the cache folder's parent would be: never usable
            no_cache = os.path.join(pycache, "not-a-folder")
            Path(no_cache).write_text("")
        commands = commands_for(spec, pycache, tree, args.against, args.no_bytecode, no_cache)
        samples = interleaved(commands, args.runs)
        print(f"cold start, {args.runs} interleaved rounds, bytecode cached, times in ms")
        report(samples, args.against)
        if args.instructions:
            instructions(commands, args.against)


if __name__ == "__main__":
    main()
