"""Shared fixtures. CLI helpers live in fixtures_cli.py, the demo OCPI server in
fixtures_demo.py; both are plain modules imported here so every test sees them."""

import os
import tempfile

import pytest
from fixtures_cli import *  # noqa: F401,F403
from fixtures_demo import *  # noqa: F401,F403
from fixtures_secrets import _kept_secrets_per_test  # noqa: F401
from fixtures_sftp import sshd  # noqa: F401
from fixtures_s3 import _moto_servers, s3_server  # noqa: F401
from hypothesis import settings
from precompile import precompile

# Hypothesis' default deadline (200 ms an example) and its too_slow health check (data
# drawn for more than 5 deadlines) fail a test by the machine's load, not by a bug: a
# CI machine three times slower, or an example that meets a lazy import or a collection
# first, fails an unchanged test (as FlakyFailure, "Unreliable test timings"). The suite
# holds no timed tests, so no example has a deadline; settings(...) made in the test
# modules (imported after this file) inherit it.
settings.register_profile("ocpispec", deadline=None)
# CI (.ci/run exports OCPISPEC_CI) draws the same examples on every run: a red CI stops a
# whole submission from landing, so a counterexample must show up in the run before it is
# submitted, not by chance in the one after. Runs on a developer's machine keep drawing new
# examples, which is where new counterexamples are found.
settings.register_profile("ocpispec-ci", deadline=None, derandomize=True, database=None)
settings.load_profile("ocpispec-ci" if os.environ.get("OCPISPEC_CI") else "ocpispec")


@pytest.hookimpl(trylast=True)
def pytest_configure(config) -> None:
    """Each process that runs tests gets a temporary folder of its own: TMPDIR (for this
    process, `tempfile` and every subprocess it starts) points into its `tmp_path` root.
    The workers of `-n` and the other processes on the machine shared /tmp: a run sweeps
    the scratch folders and delivery spools of runs that are gone (`ocpispec.scratch`),
    so one worker's run swept (and said it removed) what another's killed run left, and
    a test looking for its own leftovers there found another's. The xdist controller
    runs no tests and keeps the TMPDIR it was given. Before anything, the process that
    starts the workers (or runs the tests alone) writes the bytecode they read
    (tests/precompile.py)."""
    if not hasattr(config, "workerinput"):
        precompile(config)
    distributing = getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput")
    factory = getattr(config, "_tmp_path_factory", None)
    if distributing or factory is None:
        return
    own = factory.getbasetemp() / "tmp"
    own.mkdir(mode=0o700, exist_ok=True)
    os.environ["TMPDIR"] = str(own)
    tempfile.tempdir = str(own)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto` (pyproject's addopts): one worker more than the cores this process may
    run on (not the host's count a container may show), at most 4. Many tests wait on a
    server, a subprocess or a clock second; on two cores two workers kept the CPU idle
    about a quarter of the time. Optional, so that `-p no:xdist` runs the suite alone."""

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    return max(2, min(usable + 1, 4))


# the longest files (a CI's junit, longest first): collected first, so that the workers
# (one file each at a time, `--dist loadfile`) start on them and finish together instead
# of one worker running the last long file alone. Against the CI of 2026-12-07 (junit59),
# a simulation of the schedule ends the last worker 13 s sooner than with the list before
# (1,052 s -> 1,039 s; the whole suite is 3,105 test-seconds, 1,035 a worker)
_LONG_FILES = ("test_crash_loop.py", "test_independent_deviation_increments.py", "test_benchmarks_run.py",
               "test_crash_steps.py", "test_canary_anywhere_in_a_page.py", "test_disclosure_control.py",
               "test_platform_text_unshown.py", "test_independent_deviations.py", "test_fast_pages.py",
               "test_lazy_workers.py", "test_delivery.py", "test_run_e2e.py", "test_run_signals.py",
               "test_run_fault_matrix.py", "test_doctor.py", "test_review.py", "test_output_faults.py",
               "test_clean_columns.py", "test_independent_deviations_part2.py",
               "test_independent_deviations_part3.py")


def pytest_collection_modifyitems(session, config, items) -> None:
    rank = {name: place for place, name in enumerate(_LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_terminal_summary(terminalreporter) -> None:
    """Beside `--durations`' slowest tests, the slowest files: the time each test file kept
    its worker (setup, call and teardown of its tests), which is what `--dist loadfile`
    schedules and what _LONG_FILES above should name, longest first; and each worker's
    busy time (a worker far above the others ran the suite's tail alone)."""
    if not terminalreporter.config.getoption("durations", None):
        return
    files: dict[str, float] = {}
    workers: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid, duration = getattr(report, "nodeid", ""), getattr(report, "duration", None)
            if nodeid and isinstance(duration, float) and getattr(report, "when", None):
                path = nodeid.split("::", 1)[0]
                files[path] = files.get(path, 0.0) + duration
                worker = getattr(getattr(report, "node", None), "gateway", None)
                if worker is not None:
                    workers[worker.id] = workers.get(worker.id, 0.0) + duration
    if files:
        busy = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in sorted(workers.items()))
        terminalreporter.write_sep("=", f"slowest 20 files of {len(files)} ({sum(files.values()):.0f} s in all"
                                   f"{'; ' + busy if busy else ''})")
        for path, seconds in sorted(files.items(), key=lambda item: -item[1])[:20]:
            terminalreporter.write_line(f"{seconds:8.2f}s {path}")
