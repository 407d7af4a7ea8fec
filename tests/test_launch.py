"""The fast entry point (ocpispec/launch): a `check` command line is read without click
and gives the same output and exit status as the click command; anything it does not
fully understand goes to click."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
from fixtures_cli import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.cli.check import check as click_check
from ocpispec.launch import check_arguments
from ocpispec.launch.arguments import COLORS, FORMATS
from ocpispec.launch.stopped import command_of

VALID = "specs/municipality_sessions.ocx"
BROKEN = "tests/cases/OCX101_unknown_module.ocx"
SYNTAX = "tests/cases/OCX001_unexpected_token.ocx"

_CLICK = "import sys; sys.argv[0] = 'ocpispec'; from ocpispec.cli import main; main()"


def run(entry: list[str], *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "NO_COLOR": "", "OCPISPEC_DEBUG": ""}
    done = subprocess.run([sys.executable, *entry, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("args", [
    ("check", VALID),
    ("check", BROKEN),
    ("check", SYNTAX),
    ("check", VALID, BROKEN, SYNTAX),
    ("check", "specs"),
    ("check", "no/such/spec.ocx"),
    ("check", "--format", "json", VALID, BROKEN),
    ("check", "--format=sarif", BROKEN),
    ("check", "--format", "concise", "--max-errors", "1", "tests/cases"),
    ("check", "--color", "always", BROKEN),
    ("check", "--color=never", "--max-errors=2", BROKEN),
    ("check", "--", VALID),
], ids=lambda args: " ".join(args[1:]))
def test_the_fast_path_prints_what_click_prints(args):
    assert check_arguments(list(args)) is not None
    assert run(["-m", "ocpispec"], *args) == run(["-c", _CLICK], *args)


@pytest.mark.parametrize("args", [
    ("check",), ("check", "-h"), ("check", "--help"), ("check", "--format", "xml", VALID),
    ("check", "--max-errors", "0", VALID), ("check", "--max-errors", "many", VALID),
    ("check", "--format", "json", "--format", "full", VALID), ("check", "--format"),
    ("check", "--colour", "always", VALID), ("-v", "check", VALID), ("plan", VALID), (),
])
def test_anything_else_goes_to_click(args):
    assert check_arguments(list(args)) is None


def test_a_usage_error_is_still_click_s():
    status, _, err = run(["-m", "ocpispec"], "check", "--format", "xml", VALID)
    assert status == 2 and "Invalid value for '--format'" in err


_PROBE = """
import contextlib, io, json, sys
sys.argv = ["ocpispec", *json.loads(sys.argv[1])]
import ocpispec.launch
from ocpispec.launch import main


def leave(status):
    raise SystemExit(status)


ocpispec.launch._leave = leave  # the process must live on to report its modules
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in ("click", "lark", "inspect") if m in sys.modules)))
"""


@pytest.mark.parametrize("spec", [VALID, "tests/cases/OCX101_unknown_module.ocx"])
def test_check_loads_neither_click_nor_lark(spec):
    """lark only when the spec's parse table is not in the user's cache yet; nor
    `inspect`, which `dataclasses` loads for a dataclass without a docstring."""
    args = json.dumps(["check", spec])
    for _ in range(2):  # the first run may fill the cache
        done = subprocess.run([sys.executable, "-c", _PROBE, args], cwd=REPO,
                              capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(done.stdout) == []


def test_the_choices_are_the_click_command_s():
    options = {option.name: option for option in click_check.params}
    assert tuple(options["fmt"].type.choices) == FORMATS
    assert tuple(options["color"].type.choices) == COLORS


WORDS = st.sampled_from(["check", VALID, "x.ocx", "-", "--", "--format", "json", "full",
                         "--format=concise", "--max-errors", "3", "0", "+2", " 4", "--color",
                         "never", "--color=always", "-h", "--bogus", "--max-errors=7", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=7))
def test_a_line_read_without_click_means_what_click_reads(words):
    argv = ["check", *words]
    read = check_arguments(argv)
    if read is None:
        return
    try:
        context = click_check.make_context("check", list(words))
    except click.exceptions.UsageError as exc:  # pragma: no cover - a disagreement
        raise AssertionError(f"click refuses what the fast path read: {exc}") from None
    params = context.params
    assert (read.specs, read.fmt, read.max_errors, read.color) == (
        params["specs"], params["fmt"], params["max_errors"], params["color"])


def _cpu_seconds(pid: int) -> float:
    """The user and system CPU time process `pid` has used (`/proc/PID/stat`); 0 where
    it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")
def test_ctrl_c_during_a_check_ends_as_click_ends_it(tmp_path):
    """SIGINT while the fast path checks: "Aborted!" and exit 1, no traceback."""
    import signal
    import time

    specs = tmp_path / "many"
    specs.mkdir()
    text = (REPO / VALID).read_text(encoding="utf-8")
    for n in range(400):
        (specs / f"s{n:03}.ocx").write_text(text, encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "ocpispec", "check", str(specs)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # checking, not still starting: past 0.3 s of its own CPU time (loading takes some
    # 0.03 s, the 400 checks 2 s), where a pause of wall time is too short on a loaded
    # machine (the signal killed the interpreter before its handler, exit -2)
    waited = time.monotonic() + 60
    while process.poll() is None and _cpu_seconds(process.pid) < 0.3 and time.monotonic() < waited:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the check ended before the signal")
    assert process.returncode == 1
    assert err.endswith("\nAborted!\n") and "Traceback" not in err


@pytest.mark.parametrize(("args", "status"), [
    (("check", VALID), 0), (("check", "--format", "json", VALID), 0), (("check", BROKEN), 1),
    (("explain", "OCX101"), 0), (("--help",), 0),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value))
@pytest.mark.parametrize("closed", [">&-", "2>&-", ">&- 2>&- <&-"])
def test_a_command_started_without_its_standard_streams_does_not_fail(args, status, closed):
    """cron and service managers may start a command with stdout, stderr or stdin
    closed: what it would print is dropped, its exit status is its own."""
    done = subprocess.run(["sh", "-c", f'"$@" {closed}', "sh", sys.executable, "-m", "ocpispec",
                           *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == status
    assert "internal error" not in done.stderr


def test_an_export_started_without_its_standard_streams_writes_its_output(tmp_path):
    out = tmp_path / "sample.ndjson"
    command = [sys.executable, "-m", "ocpispec", "run", "specs/research_cdrs.ocx", "--demo",
               "--limit", "20", "--out", str(out)]
    done = subprocess.run(["sh", "-c", '"$@" >&- 2>&- <&-', "sh", *command], cwd=REPO,
                          timeout=180)
    assert done.returncode == 0
    assert out.read_text(encoding="utf-8").count("\n") >= 1


@pytest.mark.parametrize(("argv", "command"), [
    (["run", "spec.ocx"], "run"),
    (["-vv", "--log-file", "run", "get", "sessions"], "get"),
    (["--log-format=json", "run", "x.ocx"], "run"),
    (["--log-format", "json", "--", "get"], "get"),
    (["--version"], None),
    ([], None),
])
def test_an_early_stop_knows_its_command(argv: list[str], command: str | None) -> None:
    """A stop while loading is reported for the command the line names: the group's
    options (and the value of those that take one) come before it."""
    assert command_of(argv) == command
