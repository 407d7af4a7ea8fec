"""Delivery to SFTP against a real OpenSSH server (tests/fixtures_sftp.py) on 127.0.0.1:
the file, its manifest and data package uploaded under temporary names, verified and
renamed; a failure mid-upload leaves nothing under the final name and the state where
it was; host keys are checked; credentials are never shown."""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures_cli import cli_block
from fixtures_demo import scrub
from ledger_helpers import has_state, pending, state_dict

from ocpispec.deliver import sftp
from ocpispec.demo import DemoServer
from ocpispec.formats import RemoteError, parse_remote, redact

AS_OF = "2026-01-01T00:00:00Z"
KEY = "9c4e71b2d05a8f36e1b7c92d4a6f03e58b1d7c24f9e60a3b5d8c1f47e2a96b03"
HEADER = '''export delivery_tests
  consumer "Test consumer"
  purpose "Delivery to the consumer's server"
  legal basis public task "test"
  retention 1 months
  pseudonym key env DELIVERY_TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select
  truncate(start_date_time, hour) as started
  round(kwh, 1) as energy_kwh
'''


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=60, max_page_size=50) as demo:
        yield demo


@pytest.fixture
def deliver(run_cli, tmp_path: Path, server):
    """Write the spec with `destination` into tmp and run it with a state file."""

    def invoke(destination: str, *args: str, command: str = "run", before: tuple = (),
               window: str = "since last run"):
        spec = tmp_path / "spec.ocx"
        spec.write_text(HEADER.replace("since last run", window)
                        + f'output csv to "{destination}"\n')
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "DELIVERY_TEST_KEY": KEY}
        extra = ("--state", str(tmp_path / "state.json"), "--as-of", AS_OF) \
            if command == "run" else ()
        return run_cli(*before, command, str(spec), *extra, *args, env=env)

    return invoke


def remote_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


# ---- check time ------------------------------------------------------------------------


@pytest.mark.parametrize("url, fault", [
    ("sftp://files.example.org/in/x.csv", None),
    ("sftp://files.example.org:2222/in/{run.date}.csv", None),
    ("sftp://me:pw@files.example.org/in/x.csv", "credentials"),
    ("sftp:///in/x.csv", "no host"), ("sftp://{export}/in/x.csv", "no host"),
    ("sftp://files.example.org:99999/x.csv", "port"), ("sftp://h/in/", "no file"),
    ("sftp://h/in/../x.csv", "`..`"), ("sftp://h/x.csv?a=1", "`?`"),
])
def test_delivery_urls_are_read_strictly(url, fault) -> None:
    if fault is None:
        assert parse_remote(url).url == url
        return
    with pytest.raises(RemoteError) as caught:
        parse_remote(url)
    assert fault in str(caught.value) or (fault == "credentials" and caught.value.credentials)
    assert "pw" not in str(caught.value).replace("path", "")


def test_redact_cuts_out_a_login() -> None:
    assert redact("sftp://me:secret@host/x.csv") == "sftp://(redacted)@host/x.csv"
    assert redact("sftp://host/x.csv") == "sftp://host/x.csv"
    assert redact("s3://b/x.csv?X-Amz-Signature=secret") == "s3://b/x.csv?(redacted)"
    assert redact("sftp://h/x.csv#token=secret") == "sftp://h/x.csv?(redacted)"


@pytest.mark.parametrize("secret", [
    "?X-Amz-Credential=AKIAOCPISPEC%2F20260101%2Fus-east-1&X-Amz-Signature=Hunter2sig",
    "#access_token=Hunter2sig", "?sig=Hunter2sig#also"])
def test_a_presigned_query_in_a_destination_is_masked(deliver, tmp_path, secret,
                                                      snapshot) -> None:
    """A presigned URL pasted as a destination carries its signature in the query: the
    refusal (OCX423) shows the source line with that part masked."""
    result = deliver(f"s3://consumer-drop/in/x.csv{secret}", command="check")
    assert result.exit_code == 1 and "error[OCX423]" in result.output
    assert "Hunter2sig" not in result.output and "AKIAOCPISPEC" not in result.output
    if secret.startswith("?X-Amz"):
        assert cli_block(result, tmp=tmp_path) == snapshot


@pytest.mark.parametrize("destination, code", [
    ("sftp://me:Hunter2pw@files.example.org/in/x.csv", "OCX422"),
    ("sftp://files.example.org:0/in/x.csv", "OCX423"),
    ("sftp://files.example.org/in/x.parquet", "OCX416"),
    ("ftp://files.example.org/x.csv", "OCX415"),
])
def test_check_refuses_what_cannot_be_delivered(deliver, destination, code) -> None:
    result = deliver(destination, command="check")
    assert result.exit_code == 1 and f"error[{code}]" in result.output
    message = result.output.split("\n")[0]
    assert "Hunter2pw" not in message


def test_the_plan_shows_the_destination_and_its_transport(deliver, snapshot) -> None:
    result = deliver("sftp://files.example.org/incoming/{export}-{run.date}.csv",
                     command="plan")
    assert result.exit_code == 0, result.output
    shown = result.output[result.output.index("> render.csv"):].split("\n\n")[0]
    assert " ".join(shown.split()) == snapshot


def test_the_ftp_refusal_lists_what_is_supported(deliver, tmp_path, snapshot) -> None:
    result = deliver("ftp://files.example.org/top-stations.csv", command="check")
    assert "`sftp://`, `s3://`" in result.output
    assert cli_block(result, tmp=tmp_path) == snapshot


# ---- runs against a real sshd ----------------------------------------------------------


def test_a_run_delivers_the_file_its_manifest_and_data_package(deliver, sshd, tmp_path,
                                                               run_cli) -> None:
    sshd.profile(tmp_path / "config")
    other = tmp_path / "config" / "destinations" / "bucket.toml"  # an S3 profile beside it
    other.write_text('bucket = "drop"\nendpoint_url = "http://127.0.0.1:9"\n')
    other.chmod(0o600)
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/{{export}}-{{run.date}}.csv"
    result = deliver(url)
    assert result.exit_code == 0, result.output
    name = "delivery_tests-2026-01-01.csv"
    assert remote_files(sshd.root) == [name, f"{name}.datapackage.json",
                                       f"{name}.manifest.json"]
    data = (sshd.root / name).read_bytes()
    manifest = json.loads((sshd.root / f"{name}.manifest.json").read_text())
    assert manifest["output"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["output"]["file"] == name and data.startswith(b"started,energy_kwh")
    assert state_dict(tmp_path / "state.json")["datasets"]
    assert f"sftp://127.0.0.1:{sshd.port}{sshd.root}/{name}" in result.output
    assert not list(Path(tempfile.gettempdir()).glob(f"ocpispec-outbox-*/{name}*"))


def test_delivered_files_are_not_readable_by_other_accounts_on_the_server(
        deliver, sshd, tmp_path, monkeypatch) -> None:
    """The server's umask (022) made every uploaded file 0644: any account on the
    consumer's server could read the released pseudonyms, while the same run's local files
    are 0640. Uploads get the local mode from their first byte on, under the temporary
    name too."""
    sshd.profile(tmp_path / "config")
    modes: list[int] = []

    def look(sent: int, total: int) -> None:
        modes.extend(path.stat().st_mode & 0o777 for path in sshd.root.glob(".*.partial"))

    monkeypatch.setattr(sftp, "progress", look)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 0, result.output
    expected = 0o640 & ~_umask()
    assert modes and set(modes) == {expected}
    assert {name: (sshd.root / name).stat().st_mode & 0o777
            for name in remote_files(sshd.root)} == dict.fromkeys(
        ["x.csv", "x.csv.datapackage.json", "x.csv.manifest.json"], expected)


def _umask() -> int:
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_the_url_host_may_name_the_profile(deliver, sshd, tmp_path) -> None:
    sshd.profile(tmp_path / "config", name="lab")
    result = deliver(f"sftp://lab{sshd.root}/x.csv")
    assert result.exit_code == 0, result.output
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json",
                                       "x.csv.manifest.json"]


def test_a_second_run_replaces_nothing_it_should_not(deliver, sshd, tmp_path) -> None:
    """The same final name delivered again is replaced in one step (posix-rename)."""
    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv"
    assert deliver(url).exit_code == 0
    first = (sshd.root / "x.csv").read_bytes()
    result = deliver(url, "--restart")
    assert result.exit_code == 0, result.output
    assert (sshd.root / "x.csv").read_bytes() == first
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json",
                                       "x.csv.manifest.json"]


@pytest.fixture(scope="module")
def larger_server():
    """Enough sessions for a CSV of several upload chunks (32 KiB each)."""
    with DemoServer(version="2.2.1", size=3000, max_page_size=1000) as demo:
        yield demo


def test_a_server_killed_mid_upload_leaves_nothing_and_the_state_unchanged(
        run_cli, sshd, tmp_path, monkeypatch, larger_server) -> None:
    sshd.profile(tmp_path / "config")
    seen: list[tuple[int, int]] = []

    def kill(sent: int, total: int) -> None:
        seen.append((sent, total))
        sshd.stop()

    monkeypatch.setattr(sftp, "progress", kill)
    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER + f'output csv to "sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv"\n')
    result = run_cli("run", str(spec), "--state", str(tmp_path / "state.json"), "--as-of",
                     AS_OF, env={"OCPI_VERSIONS_URL": larger_server.versions_url,
                                 "OCPI_TOKEN": larger_server.token, "DELIVERY_TEST_KEY": KEY})
    assert seen and seen[0][0] < seen[0][1]  # stopped with part of the file sent
    assert result.exit_code == 1
    assert "error[OCX595]" in result.output and "failed after 2 attempts" in result.output
    assert "nothing was placed under the final name" in result.output
    assert not [name for name in remote_files(sshd.root) if not name.endswith(".partial")]
    assert not has_state(tmp_path / "state.json")
    assert not list(Path(tempfile.gettempdir()).glob("ocpispec-outbox-*/x.csv*"))


def test_a_failed_verification_is_retried_then_refused(deliver, sshd, tmp_path,
                                                        monkeypatch) -> None:
    """A server that stores other bytes than were sent (simulated by changing the
    remote file between upload and verification) never gets the final name."""
    sshd.profile(tmp_path / "config")
    verify = sftp.Session._verify

    def tamper(self, temp: str, size: int, digest: str) -> None:
        Path(temp).write_bytes(b"x" * size)  # the server's disk, seen from here
        verify(self, temp, size, digest)

    monkeypatch.setattr(sftp.Session, "_verify", tamper)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 1 and "error[OCX598]" in result.output, result.output
    assert "sha256" in result.output
    assert remote_files(sshd.root) == []
    assert not has_state(tmp_path / "state.json")


def test_an_unknown_host_key_is_refused_before_anything_is_fetched(deliver, sshd, tmp_path,
                                                                    server) -> None:
    sshd.profile(tmp_path / "config")
    sshd.known_hosts.write_text("")
    before = server.stats.requests if hasattr(server, "stats") else None
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 1 and "error[OCX597]" in result.output, result.output
    assert "not in" in result.output and "ssh-keyscan" in result.output
    assert remote_files(sshd.root) == [] and not has_state(tmp_path / "state.json")
    if before is not None:
        assert server.stats.requests == before


def test_a_server_that_closes_sftp_after_the_login_is_named_so(deliver, tmp_path,
                                                                 snapshot) -> None:
    """An account the server lets log in but gives no SFTP (a shell-only account, a
    `ForceCommand`, a broken `Subsystem sftp`) was 'SSH failed (SSHException)' with the
    help to check the disk space and permissions. It is named, with what to ask."""
    from fixtures_sftp import start_sshd

    server = start_sshd(tmp_path, subsystem="/bin/false")
    try:
        server.profile(tmp_path / "config")
        result = deliver(f"sftp://127.0.0.1:{server.port}{server.root}/x.csv")
    finally:
        server.stop()
    assert result.exit_code == 1
    assert remote_files(server.root) == [] and not has_state(tmp_path / "state.json")
    text = cli_block(result, tmp=tmp_path).replace(str(server.port), "<port>")
    assert re.sub(r"\^{2,}", "^^^", text) == snapshot


def test_a_login_that_may_write_but_not_rename_is_refused_before_fetching(
        deliver, tmp_path, snapshot) -> None:
    """A server that lets the login write but not rename (`internal-sftp -P
    rename,posix-rename`, a drop box): the run fetched everything, uploaded, passed its
    commit point and then failed every rename, and so did every next run's recovery,
    until the server was changed. The write probe renames its file too: refused before
    fetching, nothing left on the server."""
    from fixtures_sftp import start_sshd

    server = start_sshd(tmp_path, "-P rename,posix-rename")
    try:
        server.profile(tmp_path / "config")
        result = deliver(f"sftp://127.0.0.1:{server.port}{server.root}/x.csv")
    finally:
        server.stop()
    assert result.exit_code == 1
    assert remote_files(server.root) == []
    assert not has_state(tmp_path / "state.json") and pending(tmp_path / "state.json") == 0
    text = cli_block(result, tmp=tmp_path).replace(str(server.port), "<port>")
    assert re.sub(r"\^{2,}", "^^^", text) == snapshot


def test_a_directory_missing_on_the_server_is_named_with_what_to_do(deliver, sshd, tmp_path,
                                                                     snapshot) -> None:
    """A destination directory the server does not have was 'the directory ... on the
    server: No such file' with the help to check the disk space and permissions there.
    It says the directory does not exist, and to fix the URL or have it made."""
    sshd.profile(tmp_path / "config")
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/incoming/x.csv")
    assert result.exit_code == 1
    assert remote_files(sshd.root) == [] and not has_state(tmp_path / "state.json")
    text = cli_block(result, tmp=tmp_path).replace(str(sshd.port), "<port>")
    assert re.sub(r"\^{2,}", "^^^", text) == snapshot


def test_a_changed_host_key_is_refused(deliver, sshd, tmp_path) -> None:
    sshd.profile(tmp_path / "config")
    other = (sshd.client_key.with_suffix(".pub")).read_text().split()
    sshd.known_hosts.write_text(f"[127.0.0.1]:{sshd.port} {other[0]} {other[1]}\n")
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 1 and "error[OCX597]" in result.output
    assert "differs" in result.output and remote_files(sshd.root) == []


def test_credentials_never_appear_in_output_or_logs(deliver, sshd, tmp_path,
                                                    monkeypatch, snapshot) -> None:
    """A password from the environment that the server refuses (it takes keys only)."""
    secret = "Pw-7c1e9a4f-never-shown"
    monkeypatch.setenv("LAB_SFTP_PASSWORD", secret)
    profile = sshd.profile(tmp_path / "config", password_env="LAB_SFTP_PASSWORD")
    text = profile.read_text().replace(f'key_file = "{sshd.client_key}"\n', "")
    profile.write_text(text)
    log = tmp_path / "run.log"
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv",
                     before=("-vv", "--log-file", str(log)))
    assert result.exit_code == 1 and "error[OCX596]" in result.output, result.output
    assert "the server refused the login" in result.output
    assert "failed after" not in result.output  # not tried again: lock-outs
    shown = re.sub(r"\^{3,}", "^^^", scrub(cli_block(result), tmp_path=tmp_path))
    assert re.sub(r":\d{4,5}/", ":PORT/", shown.replace(getpass.getuser(), "USER")) \
        == snapshot
    assert secret not in result.output and secret not in log.read_text()
    assert secret not in profile.read_text()


@pytest.mark.parametrize("setup, message", [
    ("mode", "may be read by others"), ("user", "gives no `user`"),
    ("key", "does not exist"), ("env", "gives no `OCPISPEC_SFTP_USER`"),
])
def test_a_login_that_cannot_be_used_is_named(deliver, sshd, tmp_path, setup, message,
                                              snapshot) -> None:
    config = tmp_path / "config"
    profile = sshd.profile(config)
    match setup:
        case "mode":
            profile.chmod(0o644)
        case "user":
            profile.write_text("\n".join(line for line in profile.read_text().splitlines()
                                         if not line.startswith("user")))
        case "key":
            sshd.client_key.unlink()
        case "env":
            profile.unlink()
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 1 and "error[OCX596]" in result.output
    assert message in result.output
    shown = re.sub(r"\^{3,}", "^^^", scrub(cli_block(result), tmp_path=tmp_path))
    assert shown == snapshot  # carets as long as the tmp path: shortened


def test_a_rename_that_fails_after_the_commit_point_is_finished_by_the_next_run(
        deliver, sshd, tmp_path, monkeypatch) -> None:
    """The uploads are verified before the commit point; the ledger's pending commit
    then holds the remote renames with the new state, so the next run finishes them
    (roll forward)."""
    sshd.profile(tmp_path / "config")
    rename = sftp.Session.rename

    def refuse(self, temp: str, final: str) -> None:
        raise sftp.TransferError("rename failed: Permission denied")

    monkeypatch.setattr(sftp.Session, "rename", refuse)
    # each window its own file: the next run's window must not replace the file the
    # recovery finishes (tests/test_replacing.py)
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x-{{window.start}}.csv"
    first = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x-19700101T000000Z.csv"
    result = deliver(url)
    assert result.exit_code == 1 and "error[OCX553]" in result.output, result.output
    assert "the commit stopped half way" in result.output
    [(renames,)] = _pending_rows(tmp_path / "state.json")
    assert [url for url, _ in json.loads(renames)["remote"]] == [
        f"{first}", f"{first}.datapackage.json", f"{first}.manifest.json"]
    assert not has_state(tmp_path / "state.json")
    assert all(name.endswith(".partial") for name in remote_files(sshd.root))
    assert len(remote_files(sshd.root)) == 3

    monkeypatch.setattr(sftp.Session, "rename", rename)
    again = deliver(url)
    assert again.exit_code == 0, again.output
    assert "finished the commit an interrupted run left" in again.output
    assert remote_files(sshd.root) == [
        f"x-{start}.csv{suffix}" for start in ("19700101T000000Z", "20260101T000000Z")
        for suffix in ("", ".datapackage.json", ".manifest.json")]
    assert pending(tmp_path / "state.json") == 0
    assert state_dict(tmp_path / "state.json")["datasets"]



def test_a_file_another_exports_stopped_commit_will_deliver_is_refused(
        deliver, run_cli, sshd, tmp_path, server, monkeypatch, snapshot) -> None:
    """A commit of another export of the ledger stopped after its commit point, its
    rename to the SFTP file pending: this run delivered that file (none was there yet),
    and the other export's next run finished its commit by renaming over it: this
    delivery's records were lost. Refused before fetching, as for a local file."""
    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/shared.csv"
    other = tmp_path / "other.ocx"
    other.write_text((HEADER + f'output csv to "{url}"\n').replace(
        "export delivery_tests", "export other_export"))

    def refuse(self, temp: str, final: str) -> None:
        raise sftp.TransferError("rename failed: Permission denied")

    with monkeypatch.context() as patched:
        patched.setattr(sftp.Session, "rename", refuse)
        stopped = run_cli("run", str(other), "--state", str(tmp_path / "state.json"),
                          "--as-of", AS_OF, env={"OCPI_VERSIONS_URL": server.versions_url,
                                                 "OCPI_TOKEN": server.token,
                                                 "DELIVERY_TEST_KEY": KEY})
    assert stopped.exit_code == 1 and "the commit stopped half way" in stopped.output
    result = deliver(url)
    assert result.exit_code == 1
    assert not [name for name in remote_files(sshd.root) if not name.endswith(".partial")]
    assert pending(tmp_path / "state.json") == 1
    text = cli_block(result, tmp=tmp_path).replace(str(sshd.port), "<port>")
    assert re.sub(r"\^{2,}", "^^^", text) == snapshot


def _lab_destination(tmp_path: Path, sshd, monkeypatch) -> Path:
    """`[destinations.lab]` in `<config>/ocpispec.toml`: the lab SFTP server, its login a
    key file named by LAB_SFTP_KEY_FILE (set here; restored by monkeypatch)."""
    config = tmp_path / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "ocpispec.toml").write_text(
        '[destinations.lab]\nkind = "sftp"\nhost = "127.0.0.1"\n'
        f'port = {sshd.port}\nuser = "{getpass.getuser()}"\n'
        f'key_file_env = "LAB_SFTP_KEY_FILE"\nknown_hosts = "{sshd.known_hosts}"\n'
        "retries = 1\nbackoff_seconds = 0.01\n")
    monkeypatch.setenv("LAB_SFTP_KEY_FILE", str(sshd.client_key))
    return config


def test_state_commands_finish_a_remote_commit_with_the_configured_login(
        deliver, run_cli, sshd, tmp_path, monkeypatch) -> None:
    """`ocpispec state` finishes a pending commit first; for a destination whose login
    is a `[destinations.NAME]` table in ocpispec.toml it had no login (it passed no
    configuration), so it failed, and could not reset or move the watermark."""
    _lab_destination(tmp_path, sshd, monkeypatch)
    rename = sftp.Session.rename

    def refuse(self, temp: str, final: str) -> None:
        raise sftp.TransferError("rename failed: Permission denied")

    monkeypatch.setattr(sftp.Session, "rename", refuse)
    result = deliver(f"sftp://lab{sshd.root}/x.csv")
    assert result.exit_code == 1 and "the commit stopped half way" in result.output
    assert pending(tmp_path / "state.json") == 1
    monkeypatch.setattr(sftp.Session, "rename", rename)
    shown = run_cli("state", "set-watermark", "delivery_tests", "2026-01-01T00:00:00Z",
                    "--yes", "--state", str(tmp_path / "state.json"))
    assert shown.exit_code == 0, shown.output
    assert pending(tmp_path / "state.json") == 0
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json",
                                       "x.csv.manifest.json"]

def test_the_spool_of_a_killed_run_is_removed(deliver, sshd, tmp_path) -> None:
    """A run killed before delivering leaves its finished output in a local spool
    (0700); the next run that delivers anywhere removes it."""
    import subprocess
    import sys
    import tempfile

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = Path(tempfile.mkdtemp(prefix=f"ocpispec-outbox-{gone}-"))
    (stale / ".x.csv.1-ab.partial").write_text("started,energy_kwh\n")
    sshd.profile(tmp_path / "config")
    assert deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv").exit_code == 0
    assert not stale.exists()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="/@#?\n\r\t ",
                                      blacklist_categories=("Cs", "Cc")),
               min_size=4, max_size=40))
def test_a_password_in_a_url_is_never_echoed(password) -> None:
    """Nothing of the password shows: the error and the redacted URL read the same as for
    any other password (a test for the password's text in them failed on passwords such
    as `word`, which the message's own words hold)."""
    def refused(secret: str) -> tuple[RemoteError, str]:
        url = f"sftp://me:{secret}@files.example.org/in/x.csv"
        with pytest.raises(RemoteError) as caught:
            parse_remote(url)
        return caught.value, redact(url)

    error, shown = refused(password)
    other_error, other_shown = refused("0ther-Secret")
    assert error.credentials and str(error) == str(other_error)
    assert shown == other_shown


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_after_the_scheme_is_read_or_refused(rest) -> None:
    for scheme in ("sftp", "s3"):
        try:
            parse_remote(f"{scheme}://{rest}")
        except RemoteError:
            pass


def test_a_missing_library_stops_the_run_before_fetching(deliver, tmp_path,
                                                         monkeypatch) -> None:
    import ocpispec.deliver

    monkeypatch.setattr(ocpispec.deliver, "available", lambda scheme: False)
    result = deliver("sftp://files.example.org/in/x.csv")
    assert result.exit_code == 1 and "error[OCX599]" in result.output
    assert "pip install 'ocpispec[sftp]'" in result.output
    assert not has_state(tmp_path / "state.json")


def _pending_rows(ledger: Path) -> list[tuple[str]]:
    import sqlite3

    with sqlite3.connect(ledger) as conn:
        return conn.execute("SELECT renames FROM pending").fetchall()


def test_temporary_files_a_killed_run_left_are_removed_or_reported(deliver, sshd,
                                                                   tmp_path) -> None:
    """A killed run leaves `.NAME.PID-RANDOM.partial` files; the next run removes this
    output's that are over an hour old, names the younger ones (another run may be
    writing them), and leaves other outputs' alone."""
    import os
    import time

    sshd.profile(tmp_path / "config")
    sshd.root.mkdir(parents=True, exist_ok=True)
    old = sshd.root / ".delivery_tests-2025-12-31.csv.4242-0badcafe.partial"
    young = sshd.root / ".delivery_tests-2026-01-01.csv.manifest.json.4243-deadbeef.partial"
    other = sshd.root / ".other.csv.4244-feedf00d.partial"
    for path in (old, young, other):
        path.write_text("started,energy_kwh\n")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    os.utime(other, (time.time() - 7200, time.time() - 7200))
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/{{export}}-{{run.date}}.csv")
    assert result.exit_code == 0, result.output
    assert not old.exists() and young.exists() and other.exists()
    text = " ".join(result.output.split())
    assert f"removed 1 temporary file (`{old.name}`) a killed run left at " \
           f"`sftp://127.0.0.1:{sshd.port}{sshd.root}`" in text
    assert f"1 temporary file (`{young.name}`) at" in text and "left in place" in text


def test_a_destination_table_in_the_configuration_gives_the_login(deliver, sshd, tmp_path,
                                                                  monkeypatch) -> None:
    """`[destinations.lab]` in ocpispec.toml (no secrets: paths and names only) stands in
    for `<config>/destinations/lab.toml`."""
    config = _lab_destination(tmp_path, sshd, monkeypatch)
    result = deliver(f"sftp://lab{sshd.root}/x.csv")
    assert result.exit_code == 0, result.output
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json",
                                       "x.csv.manifest.json"]
    (config / "ocpispec.toml").write_text('[destinations.lab]\nkind = "s3"\n')
    refused = deliver(f"sftp://lab{sshd.root}/y.csv")
    assert refused.exit_code == 1 and "error[OCX596]" in refused.output
    assert "is of kind `s3`, not `sftp`" in " ".join(refused.output.split())


def test_a_delivered_file_of_another_window_is_never_replaced(deliver, sshd, tmp_path) -> None:
    """`execute/replacing.py` on SFTP: the manifest delivered beside the file says its
    window; a run of the next window to the same name stops before fetching."""
    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv"
    assert deliver(url, "--as-of", "2025-07-01T00:00:00Z").exit_code == 0
    first = (sshd.root / "x.csv").read_bytes()
    state = state_dict(tmp_path / "state.json")
    result = deliver(url)  # the next window, as of 2026-01-01
    assert result.exit_code == 1
    assert "error[OCX556]: this run would replace a delivered file: " \
           f"`sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv` holds an earlier delivery" \
           in result.stderr
    assert (sshd.root / "x.csv").read_bytes() == first
    assert state_dict(tmp_path / "state.json") == state
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json", "x.csv.manifest.json"]


@pytest.fixture
def sshd_without_posix_rename(tmp_path: Path):
    from fixtures_sftp import start_sshd

    server = start_sshd(tmp_path, "-P posix-rename")
    yield server
    server.stop()


def test_a_file_another_export_delivered_while_this_run_fetched_is_not_replaced(
        deliver, sshd, tmp_path, server, monkeypatch, snapshot) -> None:
    """Two exports delivering to one SFTP file both found none before fetching; the one
    that committed second replaced the first's delivery, whose state had moved past its
    records (lost), and both exited 0. The manifest on the server is read again at the
    commit: the second stops with OCX556, nothing of it published, its state unmoved."""
    import os
    import subprocess
    import sys

    from ocpispec.execute import deliveries

    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/shared.csv"
    other = tmp_path / "other.ocx"
    other.write_text((HEADER + f'output csv to "{url}"\n').replace(
        "export delivery_tests", "export other_export"))
    uploading = deliveries.upload

    def first_the_other(*args):  # the other export commits while this run fetched
        done = subprocess.run(
            [sys.executable, "-m", "ocpispec", "run", str(other), "--state",
             str(tmp_path / "other.sqlite"), "--as-of", AS_OF],
            env={**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
                 "OCPI_TOKEN": server.token, "DELIVERY_TEST_KEY": KEY,
                 "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")},
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return uploading(*args)

    monkeypatch.setattr(deliveries, "upload", first_the_other)
    result = deliver(url)
    assert result.exit_code == 1
    manifest = json.loads((sshd.root / "shared.csv.manifest.json").read_text())
    assert manifest["export"]["name"] == "other_export"
    assert remote_files(sshd.root) == ["shared.csv", "shared.csv.datapackage.json",
                                       "shared.csv.manifest.json"]
    assert not has_state(tmp_path / "state.json")
    text = cli_block(result, tmp=tmp_path).replace(str(sshd.port), "<port>")
    assert re.sub(r"\^{2,}", "^^^", text) == snapshot


def test_a_server_without_posix_rename_gets_the_file_replaced(
        deliver, sshd_without_posix_rename, tmp_path) -> None:
    """A server that refuses `posix-rename@openssh.com` (OpenSSH's `-P posix-rename`
    answers "Permission denied"; SFTP v3 servers answer with their own words) gets the
    plain rename, after an older file of that name is removed."""
    sshd = sshd_without_posix_rename
    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv"
    first = deliver(url)
    assert first.exit_code == 0, first.output
    delivered = (sshd.root / "x.csv").read_bytes()
    again = deliver(url, "--restart")
    assert again.exit_code == 0, again.output
    assert (sshd.root / "x.csv").read_bytes() == delivered
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json",
                                       "x.csv.manifest.json"]
    assert state_dict(tmp_path / "state.json")["datasets"]


@pytest.mark.parametrize("other, name, ledgers", [
    ("other_export", "{export}-{window.start}.csv", ("other-state.json", "state.json")),
    ("delivery_tests_b", "{export}-{window.start}.csv", ("other-state.json", "state.json")),
    # a name that is the first export's: only the shared ledger knows the files are needed
    ("other_export", "delivery_tests-{window.start}.csv", ("state.json",)),
])
def test_a_pending_commit_of_another_export_is_never_swept(
        deliver, run_cli, server, sshd, tmp_path, monkeypatch, other, name, ledgers) -> None:
    """Two exports deliver `{export}-{window.start}.csv` to one directory. The commit of the
    first stops after its commit point, its temporary files wait for its next run; the
    second export's sweep, hours later, must leave them: they hold the first export's
    delivered window."""
    import os
    import time

    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/{{export}}-{{window.start}}.csv"
    rename = sftp.Session.rename

    def refuse(self, temp: str, final: str) -> None:
        raise sftp.TransferError("rename failed: Permission denied")

    monkeypatch.setattr(sftp.Session, "rename", refuse)
    assert "error[OCX553]" in deliver(url).output
    monkeypatch.setattr(sftp.Session, "rename", rename)
    waiting = remote_files(sshd.root)
    assert len(waiting) == 3
    for file in waiting:
        os.utime(sshd.root / file, (time.time() - 7200, time.time() - 7200))

    spec = tmp_path / "other.ocx"
    spec.write_text(HEADER.replace("export delivery_tests", f"export {other}")
                    + f'output csv to "{url.replace("{export}-{window.start}.csv", name)}"\n')
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "DELIVERY_TEST_KEY": KEY}
    for ledger in ledgers:  # its own ledger, or the shared one
        second = run_cli("run", str(spec), "--state", str(tmp_path / ledger), "--as-of",
                         AS_OF, "--restart", env=env)
        # the first export's file itself, in its ledger: the recovery would rename over
        # this delivery (refused before fetching, its sweep done)
        claimed = name.startswith("delivery_tests-") and ledger == "state.json"
        assert second.exit_code == (1 if claimed else 0), second.output
        assert not claimed or "which the commit an interrupted run of `delivery_tests` " \
            "left will publish" in " ".join(second.output.split())
        # the server's sweep (not the local one of scratch folders other tests' killed
        # runs left in the shared temporary folder)
        assert "a killed run left at" not in second.output, second.output
        assert set(waiting) <= set(remote_files(sshd.root))

    again = deliver(url)
    assert "finished the commit an interrupted run left" in again.output, again.output
    assert {"delivery_tests-19700101T000000Z.csv", "delivery_tests-20260101T000000Z.csv"} \
        <= set(remote_files(sshd.root))
    assert state_dict(tmp_path / "state.json", "delivery_tests")["datasets"]


_EXPORT_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(_EXPORT_NAMES, _EXPORT_NAMES, st.sampled_from(
    ["{export}-{run.date}.csv", "{export}{run.timestamp}.csv", "{export}_{window.start}.csv",
     "{dataset}-{export}-{run.time}.csv.gz", "{export}.csv"]))
def test_an_outputs_sweep_matches_its_own_temporary_files_only(mine, theirs, template) -> None:
    from ocpispec.deliver import name_pattern
    from ocpispec.execute.outputs import expand, placeholders
    from datetime import UTC, datetime

    def temporary(export: str) -> str:
        values = placeholders(export, "sessions", datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC),
                              "2026-01-01T00:00:00Z", None)
        return f".{expand(template, values)}.manifest.json.4242-{tag}0badcafe.partial"

    # a run of the ledger tagged 1a2b3c4d: its own, a run's without a ledger and an
    # untagged one (a version before the tags), never another ledger's
    pattern = name_pattern(template, {"export": mine, "dataset": "sessions"}, "1a2b3c4d")
    for tag in ("1a2b3c4d", "00000000", ""):
        assert pattern.match(temporary(mine))
        assert (pattern.match(temporary(theirs)) is not None) == (mine == theirs)
    tag = "9f8e7d6c"
    assert not pattern.match(temporary(mine))


@pytest.mark.parametrize("beside", ["", ".manifest.json", ".datapackage.json"])
def test_a_directory_under_a_final_name_is_refused_before_fetching(deliver, sshd, tmp_path,
                                                                   beside, snapshot) -> None:
    """A rename over a directory fails only after the commit point: every next run
    would fail in recovery until someone removes it. It is refused when the server is
    tried, before anything is fetched, as a local destination is."""
    sshd.profile(tmp_path / "config")
    (sshd.root / f"x.csv{beside}").mkdir(parents=True)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 1 and "error[OCX554]" in result.output, result.output
    assert "is a directory" in result.output
    assert not has_state(tmp_path / "state.json") and pending(tmp_path / "state.json") == 0
    assert remote_files(sshd.root) == [f"x.csv{beside}"]
    if not beside:
        shown = re.sub(r"\^{3,}", "^^^", scrub(cli_block(result), tmp_path=tmp_path))
        assert re.sub(r":\d{4,5}/", ":PORT/", shown) == snapshot


def test_a_directory_made_on_the_server_while_the_run_fetched_is_refused_at_the_commit(
        deliver, sshd, tmp_path, monkeypatch) -> None:
    """The same directory, made on the server after the check before fetching: the
    rename failed past the commit point, and so did every recovery. Found at the commit,
    before its commit point: the uploads removed, the state unmoved."""
    from ocpispec.execute import deliveries

    sshd.profile(tmp_path / "config")
    uploading = deliveries.upload

    def made_meanwhile(*args):
        (sshd.root / "x.csv").mkdir()
        return uploading(*args)

    monkeypatch.setattr(deliveries, "upload", made_meanwhile)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 1 and "error[OCX554]" in result.output, result.output
    assert "is a directory on the server" in " ".join(result.output.split())
    assert "nothing was published and the state did not move" in " ".join(result.output.split())
    assert not has_state(tmp_path / "state.json") and pending(tmp_path / "state.json") == 0
    assert remote_files(sshd.root) == ["x.csv"]


@pytest.mark.parametrize("after", ["check_directory", "obstacle", "exists"])
def test_a_connection_lost_in_the_preflight_does_not_hide_a_delivered_file(
        deliver, sshd, tmp_path, monkeypatch, after) -> None:
    """The connection drops while the preflight looks for an earlier delivery under the
    final name: that must not read as "no file there" (the file of another window would
    be replaced, its rows lost). The look is tried again on a new connection."""
    import time

    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv"
    assert deliver(url, "--as-of", "2025-07-01T00:00:00Z").exit_code == 0
    first = (sshd.root / "x.csv").read_bytes()
    original, dropped = getattr(sftp.Session, after), []

    def then_drop(self, *args):
        found = original(self, *args)
        if not dropped:
            dropped.append(after)
            sshd.drop_connections()
            time.sleep(0.2)
        return found

    monkeypatch.setattr(sftp.Session, after, then_drop)
    result = deliver(url)  # the next window, as of 2026-01-01
    assert dropped and result.exit_code == 1
    assert "error[OCX556]: this run would replace a delivered file" in result.output, \
        result.output
    assert (sshd.root / "x.csv").read_bytes() == first


def test_a_sample_is_never_delivered_to_the_server(deliver, sshd, tmp_path,
                                                   snapshot) -> None:
    """A `--limit` sample sent to the consumer's server would be read there as data,
    and its records arrive again with the whole window: it is written locally only."""
    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/{{run.timestamp}}.csv"
    sample = deliver(url, "--limit", "3")
    assert sample.exit_code == 2, sample.output
    assert cli_block(sample) == snapshot
    assert remote_files(sshd.root) == []
    local = deliver(url, "--limit", "3", "--out", str(tmp_path / "sample.csv"))
    assert local.exit_code == 0, local.output
    assert remote_files(sshd.root) == [] and (tmp_path / "sample.csv").exists()
    assert deliver(url, "--limit", "3", "--dry-run").exit_code == 0


def test_a_rename_whose_answer_was_lost_is_not_a_failure(deliver, sshd, tmp_path,
                                                         monkeypatch) -> None:
    """The server renames the file, then the connection drops before its answer
    arrives: the retry finds the temporary name gone and the final one there, which is
    what the rename did; the run succeeds instead of leaving a commit to finish."""
    sshd.profile(tmp_path / "config")
    original, dropped = sftp.Session.rename, []

    def renamed_then_dropped(self, temp: str, final: str) -> None:
        original(self, temp, final)
        if not dropped:
            dropped.append(final)
            sshd.drop_connections()
            raise sftp.TransferError("rename failed: Server connection dropped")

    monkeypatch.setattr(sftp.Session, "rename", renamed_then_dropped)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert dropped and result.exit_code == 0, result.output
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json",
                                       "x.csv.manifest.json"]
    assert pending(tmp_path / "state.json") == 0
    assert state_dict(tmp_path / "state.json")["datasets"]


def test_the_wait_between_attempts_doubles_up_to_a_minute(monkeypatch) -> None:
    """`retries = 12` with the default backoff waits 1, 2, 4 ... 32, then 60 s each
    time: never 2**11 seconds."""
    import ocpispec.deliver as delivery
    from ocpispec.deliver.faults import TransferError
    from ocpispec.deliver.profiles import Login

    waits: list[float] = []
    monkeypatch.setattr(delivery.time, "sleep", waits.append)
    login = Login(host="h", port=22, user="u", known_hosts=None, source="test", retries=12)

    def fail() -> None:
        raise TransferError("upload failed: No space left on device")

    with pytest.raises(delivery.Failure) as failed:
        delivery._retrying(parse_remote("sftp://h/in/x.csv"), login, fail)
    assert failed.value.code == "OCX595" and "after 13 attempts" in failed.value.message
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60]


def test_a_dry_run_removes_nothing_on_the_server(deliver, sshd, tmp_path) -> None:
    """`--dry-run` writes nothing, and that holds on the server: a killed run's old
    temporary file stays for the next real run to sweep."""
    import os
    import time

    sshd.profile(tmp_path / "config")
    old = sshd.root / ".x.csv.4242-0badcafe.partial"
    old.write_text("started,energy_kwh\n")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv"
    assert deliver(url, "--dry-run").exit_code == 0
    assert remote_files(sshd.root) == [old.name]
    assert deliver(url).exit_code == 0
    assert not old.exists()


def test_a_server_that_leaves_the_size_out_is_verified_by_its_bytes(
        deliver, sshd, tmp_path, monkeypatch) -> None:
    """SFTP attributes are optional: a gateway may answer a stat without the size.
    The read-back sha256 decides (OpenSSH always sends it: the answer is thinned here)."""
    import paramiko

    sshd.profile(tmp_path / "config")
    stat = paramiko.SFTPClient.stat

    def without_size(self, path):
        found = stat(self, path)
        found.st_size = None
        return found

    monkeypatch.setattr(paramiko.SFTPClient, "stat", without_size)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 0, result.output
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json",
                                       "x.csv.manifest.json"]


def test_a_temporary_file_of_unknown_age_is_kept(deliver, sshd, tmp_path,
                                                 monkeypatch) -> None:
    """A listing without modification times (SFTP attributes are optional) says nothing
    of a temporary file's age: it may be another run's upload in progress, so it is
    named and kept, never removed as if it were decades old."""
    import paramiko

    sshd.profile(tmp_path / "config")
    young = sshd.root / ".x.csv.4243-deadbeef.partial"
    young.write_text("started,energy_kwh\n")
    listdir_attr = paramiko.SFTPClient.listdir_attr

    def without_times(self, path="."):
        found = listdir_attr(self, path)
        for entry in found:
            entry.st_mtime = None
        return found

    monkeypatch.setattr(paramiko.SFTPClient, "listdir_attr", without_times)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 0, result.output
    assert young.exists() and "left in place" in " ".join(result.output.split())


def test_a_file_where_the_directory_should_be_is_refused_before_fetching(
        deliver, sshd, tmp_path, server) -> None:
    sshd.profile(tmp_path / "config")
    (sshd.root / "in").write_text("not a directory\n")
    before = len(server.request_log)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/in/x.csv")
    assert result.exit_code == 1 and "error[OCX595]" in result.output, result.output
    assert "is not a directory" in result.output
    assert "checked before fetching" in result.output
    assert len(server.request_log) == before


def test_a_connection_lost_between_uploads_leaves_no_temporary_file(
        deliver, sshd, tmp_path, monkeypatch) -> None:
    """The data file is uploaded and verified; the connection drops while its manifest
    goes up, and stays down for every retry: the run fails (OCX595), and the data
    file's temporary copy is removed on a new connection, not left to the next sweep."""
    sshd.profile(tmp_path / "config", retries=0)
    upload = sftp.Session.upload

    def drop_at_the_second(self, local, directory, name):
        if not name.endswith(".csv"):
            sshd.drop_connections()
            raise sftp.TransferError("upload failed: Socket is closed")
        return upload(self, local, directory, name)

    monkeypatch.setattr(sftp.Session, "upload", drop_at_the_second)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 1 and "error[OCX595]" in result.output, result.output
    assert remote_files(sshd.root) == []
    assert not has_state(tmp_path / "state.json")


def test_a_short_upload_names_a_full_disk(deliver, sshd, tmp_path, monkeypatch) -> None:
    """A server that kept only part of the upload (its disk or quota filled; simulated by
    cutting the remote file before it is verified) is reported with that likely cause."""
    sshd.profile(tmp_path / "config")
    verify = sftp.Session._verify

    def cut(self, temp: str, size: int, digest: str) -> None:
        Path(temp).write_bytes(Path(temp).read_bytes()[: size // 2])
        verify(self, temp, size, digest)

    monkeypatch.setattr(sftp.Session, "_verify", cut)
    result = deliver(f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv")
    assert result.exit_code == 1 and "error[OCX598]" in result.output, result.output
    text = " ".join(result.output.split())
    assert "is probably full" in text and "disk, or the account's quota there" in text
    assert "help: free space on the server, or have its administrator raise" in text
    assert remote_files(sshd.root) == [] and not has_state(tmp_path / "state.json")


def test_a_write_the_server_refuses_without_reason_names_a_full_disk() -> None:
    """OpenSSH's sftp-server answers ENOSPC/EDQUOT on a write with a bare `Failure`."""
    assert "disk or the account's quota is full" in sftp._upload_reason(OSError("Failure"))
    assert sftp._upload_reason(OSError(13, "Permission denied")) == "Permission denied"


@pytest.fixture
def sshd_read_only(tmp_path: Path):
    """An SFTP server whose login may read and not write (`internal-sftp -R`), as the
    root of a chroot or a read-only account answers: 'Permission denied'."""
    from fixtures_sftp import start_sshd

    server = start_sshd(tmp_path, "-R")
    yield server
    server.stop()


def test_a_directory_the_login_cannot_write_is_refused_before_fetching(
        deliver, sshd_read_only, tmp_path, server, snapshot) -> None:
    """The directory existed, so the run fetched every record and failed at the upload
    after it, and so did every scheduled run after that."""
    sshd_read_only.profile(tmp_path / "config", retries=0)
    before = len(server.request_log)
    result = deliver(f"sftp://127.0.0.1:{sshd_read_only.port}{sshd_read_only.root}/x.csv")
    assert result.exit_code == 1 and "error[OCX595]" in result.output, result.output
    assert "checked before fetching" in result.output
    assert len(server.request_log) == before
    assert remote_files(sshd_read_only.root) == []
    assert not has_state(tmp_path / "state.json")
    shown = re.sub(r"\^{3,}", "^^^", scrub(cli_block(result), tmp_path=tmp_path))
    assert re.sub(r":\d{4,5}/", ":PORT/", shown) == snapshot


def test_the_write_probe_leaves_nothing_on_the_server(deliver, sshd, tmp_path) -> None:
    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv"
    assert deliver(url, "--dry-run").exit_code == 0
    assert remote_files(sshd.root) == []
    assert deliver(url).exit_code == 0
    assert remote_files(sshd.root) == ["x.csv", "x.csv.datapackage.json",
                                       "x.csv.manifest.json"]


@pytest.fixture
def sshd_without_remove(tmp_path: Path):
    """A login that may write and rename but not remove (`internal-sftp -P remove`)."""
    from fixtures_sftp import start_sshd

    server = start_sshd(tmp_path, "-P remove,posix-rename")
    yield server
    server.stop()


def test_the_write_probe_leaves_nothing_where_the_login_cannot_remove(
        deliver, sshd_without_remove, tmp_path) -> None:
    """The probe's empty file, which such a login cannot remove, is the one the upload
    fills and renames: no empty temporary file is left in the consumer's folder."""
    sshd_without_remove.profile(tmp_path / "config", retries=0)
    result = deliver(f"sftp://127.0.0.1:{sshd_without_remove.port}"
                     f"{sshd_without_remove.root}/x.csv")
    assert result.exit_code == 0, result.output
    assert "temporary file" not in result.stderr
    assert remote_files(sshd_without_remove.root) == ["x.csv", "x.csv.datapackage.json",
                                                      "x.csv.manifest.json"]


def test_a_login_that_may_rename_but_neither_replace_nor_remove_is_refused_before_fetching(
        deliver, sshd_without_remove, server, tmp_path, snapshot) -> None:
    """A server that refuses `posix-rename` and removing files (`internal-sftp -P
    posix-rename,remove`): the first delivery renames onto a new name, but the same window
    run again removed the older file before its rename, which the server refused past
    the commit point, and so did every next run's recovery. Where an older file is there,
    the write probe renames its file over another: refused before fetching, the state
    and the delivered file as the first run left them."""
    sshd = sshd_without_remove
    sshd.profile(tmp_path / "config", retries=0)
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x.csv"
    window = "between 2025-11-01T00:00:00Z and 2025-12-01T00:00:00Z"
    assert deliver(url, window=window).exit_code == 0
    delivered = (sshd.root / "x.csv").read_bytes()
    before = len(server.request_log)
    again = deliver(url, window=window)
    assert again.exit_code == 1 and "checked before fetching" in again.stderr, again.output
    assert len(server.request_log) == before
    assert pending(tmp_path / "state.json") == 0
    assert (sshd.root / "x.csv").read_bytes() == delivered
    # the server keeps the probe's empty files: it lets nothing be removed
    assert all((sshd.root / name).stat().st_size == 0
               for name in remote_files(sshd.root) if name.endswith(".partial"))
    text = cli_block(again, tmp=tmp_path).replace(str(sshd.port), "<port>")
    assert re.sub(r"\^{2,}", "^^^", text) == snapshot


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_a_run_stopped_mid_upload_leaves_no_temporary_file_on_the_server(
        run_cli, sshd, tmp_path, monkeypatch, larger_server, stop) -> None:
    """Ctrl-C or SIGTERM while a file went up: the run failed as it should (OCX558,
    nothing published, the state unmoved), but the half-sent temporary file stayed on
    the consumer's server (removed only by a run an hour later), since only a transfer
    error removed it."""
    import os
    import signal

    from ocpispec.launch.stop import raise_terminated

    sshd.profile(tmp_path / "config")
    stopped: list[int] = []

    def stop_now(sent: int, total: int) -> None:
        if not stopped and sent < total:
            stopped.append(sent)
            os.kill(os.getpid(), getattr(signal, stop))

    monkeypatch.setattr(sftp, "progress", stop_now)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        signal.signal(signal.SIGTERM, raise_terminated)  # as the `ocpispec` command's
        spec = tmp_path / "spec.ocx"
        spec.write_text(HEADER + f'output csv to "sftp://127.0.0.1:{sshd.port}{sshd.root}'
                        '/x.csv"\n')
        result = run_cli("run", str(spec), "--state", str(tmp_path / "state.json"), "--as-of",
                         AS_OF, env={"OCPI_VERSIONS_URL": larger_server.versions_url,
                                     "OCPI_TOKEN": larger_server.token,
                                     "DELIVERY_TEST_KEY": KEY})
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert stopped
    assert result.exit_code == 1, result.output
    assert "OCX558" in result.output
    assert remote_files(sshd.root) == []
    assert not has_state(tmp_path / "state.json")


def test_another_ledgers_run_of_the_export_never_sweeps_its_pending_commit(
        deliver, run_cli, server, sshd, tmp_path, monkeypatch) -> None:
    """The export run with two ledgers (a copied state folder, a job started in another
    directory) into one SFTP folder: the commit of the first stopped after its commit
    point, its temporary files waiting for its next run; a run of the second ledger,
    hours later, removed them as a killed run's leftovers (the server's temporary names
    did not say whose they were, as local ones do), and the first ledger's next run
    found its published window gone."""
    import os
    import time

    sshd.profile(tmp_path / "config")
    url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/{{export}}-{{window.end}}.csv"
    rename = sftp.Session.rename

    def refuse(self, temp: str, final: str) -> None:
        raise sftp.TransferError("rename failed: Permission denied")

    monkeypatch.setattr(sftp.Session, "rename", refuse)
    assert "error[OCX553]" in deliver(url).output
    monkeypatch.setattr(sftp.Session, "rename", rename)
    waiting = remote_files(sshd.root)
    assert len(waiting) == 3
    for file in waiting:
        os.utime(sshd.root / file, (time.time() - 7200, time.time() - 7200))

    second = deliver(url, "--state", str(tmp_path / "other.sqlite"), "--as-of",
                     "2025-12-01T00:00:00Z")
    assert second.exit_code == 0, second.output
    assert "a killed run left at" not in second.output, second.output
    assert set(waiting) <= set(remote_files(sshd.root))

    again = deliver(url, "--as-of", "2026-02-01T00:00:00Z")
    assert "finished the commit an interrupted run left" in again.output, again.output
    assert {"delivery_tests-20260101T000000Z.csv", "delivery_tests-20260201T000000Z.csv"} \
        <= set(remote_files(sshd.root))
    assert state_dict(tmp_path / "state.json")["datasets"]["sessions"]["watermark"] == \
        "2026-02-01T00:00:00Z"
