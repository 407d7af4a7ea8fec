"""A destination's file name as the disks it lands on take it (check/file_names.py):
one too long for the temporary names a run writes beside it is refused before anything
runs (OCX460), one Windows cannot save is warned about (OCX461). Against the demo CPO
and a real file system."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ocpispec.check.file_names import LONGEST_NAME, NAME_MAX

# a `since last run` export of the demo reads all of it: where what a test looks at is the
# commit, not the records, a tenth of the demo's 20,000 sessions (a fifth of the time)
SMALL_DEMO = ("--demo-size", "2000")
KEY = {"TEST_PSEUDONYM_KEY": "9c1e5a7f3b0d24c8e6a2f9b1d5c3e7a04b8f2d6c1a9e3f5b7d0c2e4a6f8b1d3c"}
SPEC = """export names_test
  consumer "Test consumer"
  purpose "Tests of destination file names"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions previous month
select round(kwh, 1) as energy_kwh
output csv to "{out}/{name}"
"""


def _run(run_cli, tmp_path: Path, name: str):
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "out", name=name))
    return run_cli("-v", "run", str(spec), "--demo", env=KEY)


def _name(length: int) -> str:
    """A file name of `length` bytes with two-byte letters in it."""
    stem = "é" * 20 + "x" * (length - 40 - len("-2026-01-01.csv"))
    return f"{stem}-{{run.date}}.csv"


def test_the_longest_file_name_allowed_is_written_with_its_companions(run_cli,
                                                                      tmp_path: Path) -> None:
    name = _name(LONGEST_NAME)
    result = _run(run_cli, tmp_path, name)
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(written) == 3 and len(written[0].encode()) == LONGEST_NAME
    assert "GET" in result.stderr  # the requests are logged (none in the refusal below)
    assert max(len(n.encode()) for n in written) + 34 <= NAME_MAX  # room for `.PID-...partial`


@pytest.mark.parametrize("extra", [1, 40])
def test_a_file_name_too_long_to_write_is_refused_before_any_request(run_cli, tmp_path: Path,
                                                                     extra: int) -> None:
    """230 bytes: the run read every page, then failed with `File name too long` and
    the help to check that the directory exists."""
    result = _run(run_cli, tmp_path, _name(LONGEST_NAME + extra))
    assert result.exit_code == 1
    assert "error[OCX460]: the file name is too long" in result.stderr
    assert f"{LONGEST_NAME + extra} bytes" in result.stderr
    assert "GET" not in result.stderr and "cannot write" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name, said", [
    ("utrecht: week {run.date}.csv", "holds `:`"),
    ("sessions?{run.date}.csv", "holds `?`"),
    ("NUL.csv", "is `NUL`, a name Windows keeps for a device"),
    ("com1.{run.date}.csv", "is `com1`"),
    ("sessions {run.date}.csv.", "ends in a dot or a space"),
])
def test_a_file_name_windows_cannot_save_is_warned_about(run_cli, tmp_path: Path, name: str,
                                                         said: str) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out="exports", name=name))
    result = run_cli("check", str(spec), env=KEY)
    assert result.exit_code == 0
    assert "warning[OCX461]: the file name " + said in " ".join(result.output.split())


@pytest.mark.parametrize("name", ["sessions-{run.date}.csv", "{export}_{window.start}.csv",
                                  "con-{run.date}.csv", "sessions..{run.date}.csv"])
def test_an_ordinary_file_name_checks_clean(run_cli, tmp_path: Path, name: str) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out="exports", name=name))
    result = run_cli("check", str(spec), env=KEY)
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def _spec_into(tmp_path: Path, destination: str) -> Path:
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.replace('"{out}/{name}"', f'"{destination}"'))
    return spec


@pytest.mark.parametrize("blocker", ["file", "dangling link"])
def test_a_folder_the_run_cannot_make_is_refused_before_any_request(run_cli, tmp_path: Path,
                                                                    blocker: str,
                                                                    snapshot) -> None:
    """`exports` a file (or a link to nothing) where `exports/2026/x.csv` needs a
    folder: the run read the lookups' tables, then failed at its first row."""
    exports = tmp_path / "exports"
    if blocker == "file":
        exports.write_text("not a folder\n")
    else:
        exports.symlink_to(tmp_path / "gone")
    spec = _spec_into(tmp_path, f"{exports}/2026/sessions-{{run.date}}.csv")
    result = run_cli("-v", "run", str(spec), "--demo", env=KEY)
    assert result.exit_code == 1
    assert "GET" not in result.stderr
    block = result.stderr[result.stderr.index("error["):].replace(str(tmp_path), "<tmp>")
    block = re.sub(r"\^{2,}", "^^^", block)  # the caret's length is the temporary path's
    assert re.sub(r"\d{4}-\d\d-\d\d", "<date>", block) == snapshot


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes any folder")
def test_a_folder_the_run_cannot_write_is_refused_before_any_request(run_cli,
                                                                     tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir(mode=0o555)
    spec = _spec_into(tmp_path, f"{exports}/sessions-{{run.date}}.csv")
    result = run_cli("-v", "run", str(spec), "--demo", env=KEY)
    assert result.exit_code == 1 and "GET" not in result.stderr
    assert f"the folder `{exports}` is not writable" in result.stderr


def _mounted_read_only(folder: Path) -> bool:
    import subprocess

    folder.mkdir()
    done = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if done.returncode != 0:
        return False
    subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True)
    return os.statvfs(folder).f_flag & os.ST_RDONLY != 0


@pytest.mark.skipif(os.geteuid() != 0, reason="bind-mounts a folder read-only")
def test_a_read_only_folder_is_named_so_before_any_request(run_cli, tmp_path: Path,
                                                           snapshot) -> None:
    """A folder on a read-only mount (a container volume with `:ro`) was said to be
    "not writable for this user", and told to be made writable for that user: no
    permission helps there. It is named a read-only file system, to mount writable."""
    import subprocess

    exports = tmp_path / "exports"
    if not _mounted_read_only(exports):
        subprocess.run(["umount", str(exports)], check=False, capture_output=True)
        pytest.skip("cannot bind-mount a folder read-only here")
    try:
        spec = _spec_into(tmp_path, f"{exports}/2026/sessions-{{run.date}}.csv")
        result = run_cli("-v", "run", str(spec), "--demo", env=KEY)
    finally:
        subprocess.run(["umount", str(exports)], check=False)
    assert result.exit_code == 1 and "GET" not in result.stderr
    block = result.stderr[result.stderr.index("error["):].replace(str(tmp_path), "<tmp>")
    block = re.sub(r"\^{2,}", "^^^", block)
    assert re.sub(r"\d{4}-\d\d-\d\d", "<date>", block) == snapshot


def test_the_manifest_is_published_after_the_data_and_its_data_package(
        run_cli, tmp_path: Path, monkeypatch) -> None:
    """A consumer that waits for `NAME.manifest.json` (as outputs.md advises for a server)
    found it in a local folder before `NAME.datapackage.json`, which was renamed after it."""
    from ocpispec.execute import atomic

    published: list[str] = []
    real = atomic.publish

    def recorded(temp: Path, final: Path) -> None:
        published.append(final.name)
        real(temp, final)

    monkeypatch.setattr(atomic, "publish", recorded)
    result = _run(run_cli, tmp_path, "sessions-{run.date}.csv")
    assert result.exit_code == 0, result.stderr
    kinds = [name.rsplit(".csv", 1)[1] for name in published if name.startswith("sessions-")]
    assert kinds == ["", ".datapackage.json", ".manifest.json"]


def test_an_out_name_too_long_to_write_is_refused_before_any_request(run_cli,
                                                                      tmp_path: Path) -> None:
    """`--out` is no destination `ocpispec check` sees: the run read every page, then
    failed with `File name too long`."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "out", name="sessions.csv"))
    out = tmp_path / "elsewhere" / ("s" * (LONGEST_NAME + 20) + ".csv")
    result = run_cli("-v", "run", str(spec), "--demo", "--out", str(out), env=KEY)
    assert result.exit_code == 1 and "GET" not in result.stderr, result.stderr
    assert "error[OCX554]" in result.stderr and "exceeds the 255 bytes" in result.stderr
    assert f"at most {LONGEST_NAME} bytes" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="bind-mounts a folder read-only")
def test_a_folder_made_read_only_while_the_run_fetched_is_refused_at_the_commit(
        run_cli, tmp_path: Path, monkeypatch, snapshot) -> None:
    """The folder was remounted read-only after the check before fetching (a volume
    remounted on an I/O error does so): the renames failed past the commit point with
    'the commit stopped half way: Read-only file system', naming no path, and every next
    run failed its recovery the same way. The folders are checked again at the commit,
    before its commit point: nothing published, the state unmoved."""
    import subprocess

    from ledger_helpers import has_state, pending

    from ocpispec.execute import deliveries

    exports = tmp_path / "exports"
    exports.mkdir()
    if subprocess.run(["mount", "--bind", str(exports), str(exports)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot bind-mount a folder here")
    uploading = deliveries.upload

    def read_only_meanwhile(*args):  # every record read, the files staged in `exports`
        subprocess.run(["mount", "-o", "remount,bind,ro", str(exports)], check=True)
        return uploading(*args)

    monkeypatch.setattr(deliveries, "upload", read_only_meanwhile)
    spec = _spec_into(tmp_path, f"{exports}/sessions.csv").read_text().replace(
        "previous month", "since last run")
    (tmp_path / "spec.ocx").write_text(spec)
    ledger = tmp_path / "ledger.sqlite"
    try:
        result = run_cli("run", str(tmp_path / "spec.ocx"), "--demo", *SMALL_DEMO, "--state", str(ledger),
                         env=KEY)
    finally:
        subprocess.run(["umount", str(exports)], check=False)
    assert result.exit_code == 1
    assert not (exports / "sessions.csv").exists()
    assert not has_state(ledger) and not pending(ledger)
    monkeypatch.setattr(deliveries, "upload", uploading)
    again = run_cli("run", str(tmp_path / "spec.ocx"), "--demo", *SMALL_DEMO, "--state", str(ledger),
                    env=KEY)
    assert again.exit_code == 0 and (exports / "sessions.csv").is_file(), again.output
    block = result.stderr[result.stderr.index("error["):].replace(str(tmp_path), "<tmp>")
    assert re.sub(r"\^{2,}", "^^^", block) == snapshot


def _can_make_immutable(folder: Path) -> bool:
    """Whether `chattr +i` works on a file in `folder`: a container's root lacks
    CAP_LINUX_IMMUTABLE (Docker's default), and some file systems keep no such flag."""
    import shutil
    import subprocess

    if shutil.which("chattr") is None:
        return False
    probe = folder / "immutable-probe"
    probe.write_text("")
    done = subprocess.run(["chattr", "+i", str(probe)], capture_output=True)
    subprocess.run(["chattr", "-i", str(probe)], capture_output=True)
    probe.unlink(missing_ok=True)
    return done.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a file immutable")
def test_a_final_name_that_cannot_be_renamed_over_is_named(run_cli, tmp_path: Path,
                                                          snapshot) -> None:
    """The final name made immutable (`chattr +i`) while the run fetched: the rename fails
    with EPERM past the commit point. The run said 'the commit stopped half way: Operation
    not permitted', and every next run 'cannot finish the commit an interrupted run left:
    Operation not permitted', naming no file and no folder. Both name the file, its folder
    and what to do; once the file may be replaced, the next run finishes the commit."""
    import subprocess

    from ledger_helpers import has_state, pending

    from ocpispec.execute import deliveries

    exports = tmp_path / "exports"
    exports.mkdir()
    if not _can_make_immutable(exports):
        pytest.skip("cannot make a file immutable here (chattr +i: no CAP_LINUX_IMMUTABLE, "
                    "or a file system without the flag)")
    final = exports / "sessions.csv"
    uploading = deliveries.upload

    def immutable_meanwhile(*args):  # every record read, the files staged in `exports`
        final.write_text("kept\n")
        subprocess.run(["chattr", "+i", str(final)], check=True)
        return uploading(*args)

    spec = _spec_into(tmp_path, f"{exports}/sessions.csv").read_text().replace(
        "previous month", "since last run")
    (tmp_path / "spec.ocx").write_text(spec)
    ledger = tmp_path / "ledger.sqlite"
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(deliveries, "upload", immutable_meanwhile)
            first = run_cli("run", str(tmp_path / "spec.ocx"), "--demo", *SMALL_DEMO, "--state",
                            str(ledger), env=KEY)
        again = run_cli("run", str(tmp_path / "spec.ocx"), "--demo", *SMALL_DEMO, "--state", str(ledger),
                        env=KEY)
    finally:
        subprocess.run(["chattr", "-i", str(final)], check=False)
    assert first.exit_code == 1 and again.exit_code == 1, first.output
    blocks = [result.stderr[result.stderr.index("error["):].replace(str(tmp_path), "<tmp>")
              for result in (first, again)]
    assert all("`<tmp>/exports/sessions.csv`" in block for block in blocks), blocks
    assert pending(ledger)
    finished = run_cli("run", str(tmp_path / "spec.ocx"), "--demo", *SMALL_DEMO, "--state", str(ledger),
                       env=KEY)
    # the commit finished (the demo's clock stands still: the window after it is empty)
    assert has_state(ledger) and not pending(ledger)
    assert final.read_text() != "kept\n"
    assert [re.sub(r"\.\d+-[0-9a-f]+\.partial", ".<run>.partial", block)
            for block in blocks] == snapshot


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a file immutable")
def test_a_run_without_a_ledger_names_the_file_it_cannot_rename_over(run_cli, tmp_path: Path,
                                                                     snapshot) -> None:
    """The same for a run without a ledger (`--demo` without `--state`): 'cannot publish
    the outputs: Operation not permitted', naming no file."""
    import subprocess

    from ocpispec.execute import deliveries

    exports = tmp_path / "exports"
    exports.mkdir()
    if not _can_make_immutable(exports):
        pytest.skip("cannot make a file immutable here (chattr +i: no CAP_LINUX_IMMUTABLE, "
                    "or a file system without the flag)")
    final = exports / "sessions.csv"
    uploading = deliveries.upload

    def immutable_meanwhile(*args):
        final.write_text("kept\n")
        subprocess.run(["chattr", "+i", str(final)], check=True)
        return uploading(*args)

    spec = _spec_into(tmp_path, f"{exports}/sessions.csv").read_text().replace(
        "previous month", "last 30 days")
    (tmp_path / "spec.ocx").write_text(spec)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(deliveries, "upload", immutable_meanwhile)
            result = run_cli("run", str(tmp_path / "spec.ocx"), "--demo", env=KEY)
    finally:
        subprocess.run(["chattr", "-i", str(final)], check=False)
    assert result.exit_code == 1 and final.read_text() == "kept\n", result.output
    block = result.stderr[result.stderr.index("error["):].replace(str(tmp_path), "<tmp>")
    assert "`<tmp>/exports/sessions.csv`" in block, block
    assert re.sub(r"\.\d+-[0-9a-f]+\.partial", ".<run>.partial", block) == snapshot
