"""Outputs and the ledger are regular files (`replacing._check_kind`,
`statekeeping.check_kind`): a run is refused before any request when its output, the
manifest or data package beside it, or its ledger is a device, a named pipe, a directory
or (for outputs, which are renamed into place) a symbolic link. Renaming a finished
file over such a node would replace the node itself: as root, `--out /dev/full` used to
turn the device into a plain file holding the export."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub

KEY = "5d0c8e1a3f7b29c64e1a0d8f3b6c2e9a7f4d1b8c0e5a3f9d2b7c6e4a1f8d3b05"
SPEC = '''export special_targets
  consumer "Test consumer"
  purpose "Tests that only regular files are replaced"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select
  pseudonymize(id) as session
output csv to "out/sessions.csv"
'''


@pytest.fixture
def server(demo_server_factory):
    return demo_server_factory(version="2.2.1", size=50, max_page_size=100)


@pytest.fixture
def run(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "special_targets.ocx"
    spec.write_text(SPEC)

    def invoke(server, *args: str, state: Path | None = None):
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY}
        return run_cli("run", str(spec), "--state", str(state or tmp_path / "ledger.sqlite"),
                       "--as-of", "2026-01-01T00:00:00Z", *args, env=env)

    return invoke


def _node(kind: str, path: Path, tmp_path: Path) -> None:
    match kind:
        case "fifo":
            os.mkfifo(path)
        case "directory":
            path.mkdir()
        case "symlink":
            (tmp_path / "elsewhere.csv").write_text("kept\n")
            path.symlink_to(tmp_path / "elsewhere.csv")


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink"])
@pytest.mark.parametrize("place", ["sessions.csv", "sessions.csv.manifest.json",
                                   "sessions.csv.datapackage.json"])
def test_an_output_that_is_not_a_regular_file_is_refused_before_any_request(
        run, server, tmp_path: Path, kind: str, place: str) -> None:
    node = tmp_path / "out" / place  # beside the spec's destination, `out/sessions.csv`
    node.parent.mkdir()
    _node(kind, node, tmp_path)
    before = os.lstat(node).st_mode

    result = run(server)

    assert result.exit_code == 1, result.output
    assert "error[OCX554]" in result.output
    assert "not a regular file" in result.output
    assert server.request_log == []
    assert os.lstat(node).st_mode == before
    assert sorted(path.name for path in node.parent.iterdir()) == [place]
    if kind == "symlink":
        assert (tmp_path / "elsewhere.csv").read_text() == "kept\n"


def test_a_device_as_output_is_refused_and_left_a_device(run, server, tmp_path: Path,
                                                           snapshot) -> None:
    result = run(server, "--out", "/dev/null")

    assert result.exit_code == 1
    assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    assert not Path("/dev/null.manifest.json").exists()
    assert server.request_log == []


@pytest.mark.parametrize("kind", ["device", "directory"])
def test_a_ledger_that_is_not_a_regular_file_is_refused(run, server, tmp_path: Path,
                                                        snapshot, kind: str) -> None:
    state = Path("/dev/null") if kind == "device" else tmp_path / "ledger"
    if kind == "directory":
        state.mkdir()

    result = run(server, state=state)

    assert result.exit_code == 1
    assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot
    assert server.request_log == []
    assert not Path("/dev/null-journal").exists()
    assert not list(state.parent.glob(f"{state.name}.*.lock"))
    assert not (tmp_path / "out").exists()
    if kind == "directory":
        assert list(state.iterdir()) == []


def test_a_ledger_reached_by_a_symbolic_link_is_used(run, server, tmp_path: Path) -> None:
    real = tmp_path / "real.sqlite"
    link = tmp_path / "link.sqlite"
    link.symlink_to(real)

    result = run(server, state=link)

    assert result.exit_code == 0, result.output
    assert link.is_symlink() and real.stat().st_size > 0


@pytest.mark.parametrize("destination", ["ledger.sqlite", "ledger.sqlite-journal",
                                         "ledger.sqlite.special_targets.lock",
                                         "runs/special_targets/notes.txt"])
def test_an_output_over_the_ledger_or_the_run_records_is_refused(
        run, server, tmp_path: Path, snapshot, destination: str) -> None:
    """A template may be named anything: written over the ledger it erased the
    disclosure log and the `since last run` state (the run then failed to log itself).
    A name that says it is a ledger (`.sqlite`) is refused by `check` already (OCX250);
    the others when the run meets the ledger's own files (OCX554)."""
    assert run(server).exit_code == 0  # a first run: the ledger holds its record
    ledger = (tmp_path / "ledger.sqlite").read_bytes()
    (tmp_path / "rows.j2").write_text("{% for row in rows %}{{ row.session }}\n{% endfor %}")
    spec = tmp_path / "special_targets.ocx"
    spec.write_text(SPEC.replace('output csv to "out/sessions.csv"',
                                 f'output template "rows.j2" to "{destination}"'))
    requests = len(server.request_log)
    target = tmp_path / destination
    before = target.read_bytes() if target.exists() else None

    result = run(server)

    assert result.exit_code == 1, result.output
    assert f"error[{'OCX250' if destination == 'ledger.sqlite' else 'OCX554'}]" in result.output
    assert len(server.request_log) == requests  # refused before any request
    if destination != "ledger.sqlite":  # the ledger logs the refused run
        assert (target.read_bytes() if target.exists() else None) == before
    assert (tmp_path / "ledger.sqlite").read_bytes()[:16] == b"SQLite format 3\x00"
    assert len((tmp_path / "ledger.sqlite").read_bytes()) >= len(ledger)
    assert not list(target.parent.glob(f"{target.name}*.manifest.json"))
    if destination in ("ledger.sqlite", "ledger.sqlite-journal"):
        assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot


@pytest.fixture
def bind_mounted(tmp_path: Path):
    """Mounts `source` on `target` (a file on a file, as `docker run -v` does), unmounted
    afterwards; skips where this process may not mount."""
    import subprocess

    mounted: list[Path] = []

    def mount(source: Path, target: Path) -> None:
        done = subprocess.run(["mount", "--bind", str(source), str(target)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot bind-mount here: {done.stderr.strip()}")
        mounted.append(target)

    yield mount
    for target in mounted:
        subprocess.run(["umount", str(target)], check=True)


@pytest.mark.skipif(not Path("/proc/self/mountinfo").exists(), reason="Linux mounts")
@pytest.mark.parametrize("place", ["sessions.csv", "sessions.csv.manifest.json"])
def test_a_file_mounted_on_its_own_is_refused_before_any_request(
        run, server, tmp_path: Path, bind_mounted, place: str, snapshot) -> None:
    """A container with its output file mounted (`-v /srv/x/sessions.csv:/app/out/...`,
    here a folder with a space): the run fetched the whole window, and the rename at the
    commit failed (EBUSY) after the commit point, so every later run failed with 'cannot
    finish the commit an interrupted run left' and a help about permissions."""
    host = tmp_path / "host side" / place
    host.parent.mkdir()
    host.write_text("the host's file\n")
    node = tmp_path / "out" / place
    node.parent.mkdir()
    node.write_text("")
    bind_mounted(host, node)

    result = run(server)

    assert result.exit_code == 1, result.output
    assert server.request_log == []
    assert host.read_text() == "the host's file\n"
    assert not list(node.parent.glob(".*.partial"))
    if place == "sessions.csv":
        assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot
    else:
        assert "is a mount point" in result.output


def test_a_mount_point_s_escaped_name_is_read() -> None:
    from ocpispec.execute.mount_points import _mount_point

    line = ("812 27 0:52 /host\\040side/x.csv /tmp/a\\040b/out\\011x/sessions.csv rw,relatime "
            "shared:1 - tmpfs tmpfs rw\n")
    assert _mount_point(line) == "/tmp/a b/out\tx/sessions.csv"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("words", [["--help"], ["--version"], ["run", "--help"]],
                         ids=["help", "version", "a command's help"])
def test_help_on_a_full_disk_is_a_diagnostic(words: list[str], snapshot) -> None:
    """`ocpispec --help > /dev/full`: the group's own `--help` and `--version` are printed
    while click reads the group's options, outside the guard of the commands, and ended in
    a traceback and exit 120. All three now say OCX554 and exit 1, as a command's output does."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "ocpispec", *words], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert (done.returncode, done.stderr) == snapshot
