"""Delivery to S3-compatible object storage against a local server (moto's server mode,
its own process on 127.0.0.1; tests/fixtures_s3.py): put under a temporary key,
verified, copied to the final key, the temporary key deleted; a failure leaves nothing
under the final key and the state where it was."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest

from fixtures_s3 import SECRET_KEY
from ledger_helpers import has_state, state_dict

from ocpispec.deliver import s3
from ocpispec.deliver.faults import TransferError
from ocpispec.demo import DemoServer

AS_OF = "2026-01-01T00:00:00Z"
KEY = "b71e04c9a3d58f26e9c1b74d02a6f83e5c9d1b07a4e62f38d5b9c0e71a4f26d8"
HEADER = '''export s3_tests
  consumer "Test consumer"
  purpose "Delivery to the consumer's bucket"
  legal basis public task "test"
  retention 1 months
  pseudonym key env S3_TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select
  truncate(start_date_time, hour) as started
  round(kwh, 1) as energy_kwh
'''
NAMES = ["x.csv", "x.csv.datapackage.json", "x.csv.manifest.json"]


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=60, max_page_size=50) as demo:
        yield demo


@pytest.fixture
def deliver(run_cli, tmp_path: Path, server):
    def invoke(destination: str, *args: str, command: str = "run", before: tuple = ()):
        spec = tmp_path / "spec.ocx"
        spec.write_text(HEADER + f'output csv to "{destination}"\n')
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "S3_TEST_KEY": KEY}
        extra = ("--state", str(tmp_path / "state.json"), "--as-of", AS_OF) \
            if command == "run" else ()
        return run_cli(*before, command, str(spec), *extra, *args, env=env)

    return invoke


def test_the_plan_shows_the_bucket_and_how_it_is_written(deliver, snapshot) -> None:
    result = deliver("s3://consumer-drop/incoming/{export}-{run.date}.csv", command="plan")
    assert result.exit_code == 0, result.output
    shown = result.output[result.output.index("> render.csv"):].split("\n\n")[0]
    assert " ".join(shown.split()) == snapshot


@pytest.mark.parametrize("url", ["s3://Not_A_Bucket/x.csv", "s3://bucket:9000/x.csv"])
def test_a_bucket_is_a_bucket_name(deliver, url) -> None:
    result = deliver(url, command="check")
    assert result.exit_code == 1 and "error[OCX423]" in result.output


def test_a_run_delivers_the_file_its_manifest_and_data_package(deliver, s3_server, tmp_path,
                                                               ) -> None:
    s3_server.profile(tmp_path / "config")
    result = deliver("s3://consumer-drop/incoming/x.csv")
    assert result.exit_code == 0, result.output
    assert s3_server.keys() == [f"incoming/{name}" for name in NAMES]
    data = s3_server.get("incoming/x.csv")
    manifest = json.loads(s3_server.get("incoming/x.csv.manifest.json"))
    assert manifest["output"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert data.startswith(b"started,energy_kwh")
    assert state_dict(tmp_path / "state.json")["datasets"]
    assert "s3://consumer-drop/incoming/x.csv" in result.output
    logged = sqlite3.connect(tmp_path / "state.json").execute(
        "SELECT path FROM run_outputs ORDER BY path").fetchall()
    assert [path for path, in logged] == [f"s3://consumer-drop/incoming/{name}"
                                          for name in NAMES]  # not the local spool


def test_a_profile_may_name_the_bucket_for_the_spec(deliver, s3_server, tmp_path) -> None:
    s3_server.profile(tmp_path / "config", name="drop")
    result = deliver("s3://drop/x.csv")
    assert result.exit_code == 0, result.output
    assert s3_server.keys() == NAMES


def test_a_server_lost_mid_delivery_leaves_nothing_under_a_final_key(
        deliver, s3_server, tmp_path, monkeypatch) -> None:
    """The server dies as the second file (the data package) starts uploading: until
    then only temporary keys exist, and the run fails without advancing the state."""
    s3_server.profile(tmp_path / "config")
    seen: list[list[str]] = []
    upload = s3.Session.upload

    def dying(self, local, directory, name):
        if name.endswith(".datapackage.json") and not seen:
            seen.append(s3_server.keys())
            s3_server.stop()
        return upload(self, local, directory, name)

    monkeypatch.setattr(s3.Session, "upload", dying)
    result = deliver("s3://consumer-drop/x.csv")
    assert result.exit_code == 1 and "error[OCX595]" in result.output, result.output
    assert "s3://consumer-drop/x.csv.datapackage.json" in result.output
    assert len(seen[0]) == 1 and seen[0][0].startswith(".x.csv.") \
        and seen[0][0].endswith(".partial")
    assert not has_state(tmp_path / "state.json")


def test_a_failed_verification_is_refused(deliver, s3_server, tmp_path, monkeypatch) -> None:
    s3_server.profile(tmp_path / "config")
    verify = s3.Session._verify

    def tamper(self, temp, size, digest):
        s3_server.client().put_object(Bucket=s3_server.bucket, Key=temp[1:],
                                      Body=b"y" * size)
        verify(self, temp, size, digest)

    monkeypatch.setattr(s3.Session, "_verify", tamper)
    result = deliver("s3://consumer-drop/x.csv")
    assert result.exit_code == 1 and "error[OCX598]" in result.output, result.output
    assert s3_server.keys() == [] and not has_state(tmp_path / "state.json")


def test_a_copy_that_fails_after_the_commit_point_is_finished_by_the_next_run(
        deliver, s3_server, tmp_path, monkeypatch) -> None:
    s3_server.profile(tmp_path / "config")
    rename = s3.Session.rename

    def refuse(self, temp, final):
        raise TransferError("copy failed: AccessDenied")

    monkeypatch.setattr(s3.Session, "rename", refuse)
    # each window its own object: the next run's window must not replace the object the
    # recovery finishes (tests/test_replacing.py)
    url = "s3://consumer-drop/x-{window.start}.csv"
    result = deliver(url)
    assert result.exit_code == 1 and "error[OCX553]" in result.output, result.output
    assert all(key.endswith(".partial") for key in s3_server.keys())
    assert not has_state(tmp_path / "state.json")
    monkeypatch.setattr(s3.Session, "rename", rename)
    again = deliver(url)
    assert again.exit_code == 0, again.output
    assert "finished the commit an interrupted run left" in again.output
    assert s3_server.keys() == sorted(
        f"x-{start}.csv{suffix}" for start in ("19700101T000000Z", "20260101T000000Z")
        for suffix in ("", ".datapackage.json", ".manifest.json"))


def test_a_wrong_secret_is_refused_and_never_shown(deliver, s3_server, tmp_path,
                                                   monkeypatch) -> None:
    """moto accepts any key; a bucket that does not exist stands in for a refusal."""
    s3_server.profile(tmp_path / "config", name="drop", bucket="no-such-bucket")
    log = tmp_path / "run.log"
    result = deliver("s3://drop/x.csv", before=("-vv", "--log-file", str(log)))
    assert result.exit_code == 1 and "error[OCX595]" in result.output, result.output
    assert "NoSuchBucket" in result.output or "404" in result.output
    assert SECRET_KEY not in result.output and SECRET_KEY not in log.read_text()


def test_missing_credentials_are_named(deliver, s3_server, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    result = deliver("s3://consumer-drop/x.csv")
    assert result.exit_code == 1 and "error[OCX596]" in result.output
    assert "AWS_ACCESS_KEY_ID" in result.output


def _session(s3_server):
    from ocpispec.deliver.profiles import Login

    login = Login(host=s3_server.bucket, port=0, user="AKIAOCPISPECTEST0001",
                  known_hosts=None, source="test", password=SECRET_KEY, retries=0,
                  scheme="s3", endpoint_url=s3_server.endpoint, region="us-east-1")
    return s3.Session(login)


def _big_file(tmp_path: Path, size: int = 11 << 20) -> Path:
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        for block in range(size >> 20):
            out.write(bytes([48 + block % 10]) * (1 << 20))
    return path


def test_a_large_file_goes_up_and_is_copied_in_parts(s3_server, tmp_path, monkeypatch) -> None:
    """Above the threshold (64 MB; 5 MB here, S3's smallest part) the upload and the
    copy to the final key are multipart: no single request of 5 GB or more, S3's
    limit for one PUT or copy."""
    monkeypatch.setattr(s3, "MULTIPART_BYTES", 5 << 20)
    monkeypatch.setattr(s3, "PART_BYTES", 5 << 20)
    session = _session(s3_server)
    local = _big_file(tmp_path)
    temp = session.upload(local, "/in", "big.csv")
    head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=temp[1:])
    assert head["ETag"].strip('"').endswith("-3")  # three parts
    session.rename(temp, "/in/big.csv")
    final = s3_server.client().head_object(Bucket=s3_server.bucket, Key="in/big.csv")
    assert final["ETag"].strip('"').endswith("-3")  # copied in parts
    assert s3_server.keys() == ["in/big.csv"]
    assert hashlib.sha256(s3_server.get("in/big.csv")).digest() == \
        hashlib.sha256(local.read_bytes()).digest()


def test_a_multipart_upload_failing_mid_way_is_aborted(s3_server, tmp_path,
                                                       monkeypatch) -> None:
    """The second part is refused: nothing under any key, and no unfinished multipart
    upload left on the server (S3 keeps and bills those until they are aborted)."""
    monkeypatch.setattr(s3, "MULTIPART_BYTES", 5 << 20)
    monkeypatch.setattr(s3, "PART_BYTES", 5 << 20)
    session = _session(s3_server)
    parts: list[int] = []

    def refuse_the_second(params, **_):
        parts.append(params["PartNumber"])
        if params["PartNumber"] == 2:
            raise ConnectionResetError("the connection broke")

    session.client.meta.events.register("before-parameter-build.s3.UploadPart",
                                        refuse_the_second)
    with pytest.raises(TransferError):
        session.upload(_big_file(tmp_path), "/in", "big.csv")
    assert 2 in parts
    assert s3_server.keys() == []
    assert s3_server.client().list_multipart_uploads(
        Bucket=s3_server.bucket).get("Uploads", []) == []


def test_temporary_keys_and_unfinished_uploads_a_killed_run_left_are_removed(
        deliver, s3_server, tmp_path, monkeypatch) -> None:
    from ocpispec.deliver import leftovers

    monkeypatch.setattr(leftovers, "LEFTOVER_SECONDS", 0)
    s3_server.profile(tmp_path / "config")
    client = s3_server.client()
    client.put_object(Bucket=s3_server.bucket, Key="in/.x.csv.4242-0badcafe.partial",
                      Body=b"started\n")
    client.put_object(Bucket=s3_server.bucket, Key="in/.other.csv.4242-0badcafe.partial",
                      Body=b"started\n")
    client.create_multipart_upload(Bucket=s3_server.bucket,
                                   Key="in/.x.csv.manifest.json.4243-deadbeef.partial")
    result = deliver("s3://consumer-drop/in/x.csv")
    assert result.exit_code == 0, result.output
    assert s3_server.keys() == ["in/.other.csv.4242-0badcafe.partial",
                                *[f"in/{name}" for name in NAMES]]
    assert client.list_multipart_uploads(Bucket=s3_server.bucket).get("Uploads", []) == []
    assert "removed 2 temporary files" in " ".join(result.output.split())


def test_a_delivered_object_of_another_window_is_never_replaced(deliver, s3_server,
                                                                tmp_path) -> None:
    """`execute/replacing.py` on S3: the manifest delivered beside the object says its
    window; a run of the next window to the same key stops before fetching."""
    s3_server.profile(tmp_path / "config")
    url = "s3://consumer-drop/incoming/x.csv"
    assert deliver(url, "--as-of", "2025-07-01T00:00:00Z").exit_code == 0
    first = s3_server.get("incoming/x.csv")
    state = state_dict(tmp_path / "state.json")
    result = deliver(url)  # the next window, as of 2026-01-01
    assert result.exit_code == 1
    assert "error[OCX556]: this run would replace a delivered file: " \
           "`s3://consumer-drop/incoming/x.csv` holds an earlier delivery" in result.stderr
    assert s3_server.get("incoming/x.csv") == first
    assert state_dict(tmp_path / "state.json") == state
    assert s3_server.keys() == [f"incoming/{name}" for name in NAMES]


@pytest.mark.parametrize("endpoint", [
    "not a url", "https://AKIAOCPISPECTEST0001:leaked-in-endpoint@[::1",
    "ftp://AKIAOCPISPECTEST0001:leaked-in-endpoint@host",
    "https://AKIAOCPISPECTEST0001:leaked-in-endpoint@127.0.0.1:99999",
    "http://AKIAOCPISPECTEST0001:leaked-in-endpoint@127.0.0.1:9/",
    "http://127.0.0.1:9/?X-Amz-Signature=leaked-in-endpoint"])
def test_an_endpoint_that_cannot_be_used_is_a_diagnostic_without_its_login(
        deliver, s3_server, tmp_path, endpoint) -> None:
    """An endpoint_url boto3 refuses (or one with a login in it) fails as OCX596 or
    OCX595 before anything is fetched, never as a traceback, and never shows what
    stands before its `@`."""
    s3_server.profile(tmp_path / "config", endpoint_url=endpoint)
    result = deliver("s3://consumer-drop/incoming/x.csv")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit), result.output
    assert re.search(r"error\[OCX59[56]\]", result.output), result.output
    assert "leaked-in-endpoint" not in result.output and SECRET_KEY not in result.output
    assert "nothing was read or written" in result.output
    assert not has_state(tmp_path / "state.json")


@pytest.mark.parametrize("failing", ["HEAD", "GET"])
def test_a_server_error_in_the_preflight_does_not_hide_a_delivered_object(
        deliver, s3_server, tmp_path, failing) -> None:
    """The server answers 503 while the preflight looks for an earlier delivery under
    the final key (HEAD of the object, GET of its manifest): that must not read as "no
    object there" (the object of another window would be replaced, its rows lost)."""
    from fixtures_s3 import FaultyProxy

    s3_server.profile(tmp_path / "config")
    url = "s3://consumer-drop/incoming/x.csv"
    assert deliver(url, "--as-of", "2025-07-01T00:00:00Z").exit_code == 0
    first = s3_server.get("incoming/x.csv")
    target = "/consumer-drop/incoming/x.csv" + (".manifest.json" if failing == "GET" else "")
    proxy = FaultyProxy(s3_server.endpoint, lambda method, path: 503 if (
        method, path.split("?")[0]) == (failing, target) else None)
    try:
        s3_server.profile(tmp_path / "config", endpoint_url=proxy.endpoint)
        result = deliver(url)  # the next window, as of 2026-01-01
    finally:
        proxy.close()
    assert result.exit_code == 1
    assert "error[OCX595]" in result.output and "checked before fetching" in result.output, \
        result.output
    assert "the server did not say whether the object is there" in \
        " ".join(result.output.split())
    assert s3_server.get("incoming/x.csv") == first


def test_a_copy_made_before_a_kill_is_not_made_again(deliver, s3_server, tmp_path,
                                                     monkeypatch) -> None:
    """S3 renames by copying to the final key, then deleting the temporary one. A run
    killed between left both; the next run copied again, so the consumer's bucket
    announced the same object a second time (an event-driven consumer processed the
    file twice). Recovery sees the copy was made and only deletes the temporary key."""
    s3_server.profile(tmp_path / "config")

    class Killed(BaseException):
        """kill -9 right after the copy."""

    remove, copies = s3.Session.remove, []

    def killed(self, path):
        raise Killed()

    monkeypatch.setattr(s3.Session, "remove", killed)
    url = "s3://consumer-drop/x-{window.start}.csv"
    with pytest.raises(Killed):
        deliver(url)
    first = [key for key in s3_server.keys() if not key.endswith(".partial")]
    assert len(first) == 1 and len(s3_server.keys()) == 4  # one copied, its copy too
    modified = s3_server.client().head_object(Bucket=s3_server.bucket,
                                              Key=first[0])["LastModified"]
    monkeypatch.setattr(s3.Session, "remove", remove)
    rename = s3.Session.rename

    def counted(self, temp, final):
        copies.append(final)
        return rename(self, temp, final)

    monkeypatch.setattr(s3.Session, "rename", counted)
    again = deliver(url)
    assert again.exit_code == 0, again.output
    assert "finished the commit an interrupted run left" in again.output
    assert f"/{first[0]}" not in copies
    assert s3_server.client().head_object(Bucket=s3_server.bucket,
                                          Key=first[0])["LastModified"] == modified
    assert not [key for key in s3_server.keys() if key.endswith(".partial")]
    assert has_state(tmp_path / "state.json")


def test_a_short_upload_names_a_full_store(deliver, s3_server, tmp_path, monkeypatch) -> None:
    """A store that kept only part of the upload (a quota of an S3-compatible server;
    simulated by cutting the object before it is verified) got the generic 'nothing on
    the way may rewrite files' OCX598; it names the likely cause, as SFTP does."""
    s3_server.profile(tmp_path / "config")
    verify = s3.Session._verify

    def cut(self, temp, size, digest):
        s3_server.client().put_object(Bucket=s3_server.bucket, Key=temp[1:],
                                      Body=b"y" * (size // 2))
        verify(self, temp, size, digest)

    monkeypatch.setattr(s3.Session, "_verify", cut)
    result = deliver("s3://consumer-drop/x.csv")
    assert result.exit_code == 1 and "error[OCX598]" in result.output, result.output
    text = " ".join(result.output.split())
    assert "is probably full" in text and "help: free space on the server" in text
    assert s3_server.keys() == [] and not has_state(tmp_path / "state.json")


def test_a_second_ledger_delivering_into_the_same_folder_is_named(
        deliver, s3_server, tmp_path) -> None:
    """A second ledger's first run into a folder of the bucket that holds the export's
    deliveries delivers them again: a local folder's first run said so, a bucket's
    nothing. The bucket's folder is listed (its subfolders and other folders not)."""
    s3_server.profile(tmp_path / "config")
    s3_server.client().put_object(Bucket=s3_server.bucket, Key="elsewhere/x.csv", Body=b"")
    url = "s3://consumer-drop/incoming/{window.end}.csv"
    assert deliver(url).exit_code == 0
    again = deliver(url, "--state", str(tmp_path / "other.sqlite"))
    assert again.exit_code == 0, again.output
    assert f"`s3://consumer-drop/incoming` holds its deliveries up to {AS_OF}" in again.output


def test_a_run_stopped_mid_upload_leaves_no_temporary_object(deliver, s3_server, tmp_path,
                                                             monkeypatch) -> None:
    """Ctrl-C while an object went up (here, as its last bytes were read): the object
    the put made stayed in the bucket, since only a transfer error removed it."""
    import os
    import signal

    s3_server.profile(tmp_path / "config")
    stopped: list[int] = []

    def stop_now(sent: int) -> None:
        if not stopped:
            stopped.append(sent)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(s3, "progress", stop_now)
    result = deliver("s3://consumer-drop/incoming/x.csv")
    assert stopped and result.exit_code == 1, result.output
    assert "OCX558" in result.output
    assert s3_server.keys() == []
    assert not has_state(tmp_path / "state.json")


def test_a_key_that_may_not_list_the_bucket_still_delivers(deliver, s3_server,
                                                           tmp_path) -> None:
    """A drop bucket's key that may put and get but not list (the server answers 403
    to a listing): the runs deliver as before (the listing of earlier deliveries sees
    nothing), while a server error on the listing fails the run before fetching."""
    from fixtures_s3 import FaultyProxy

    s3_server.profile(tmp_path / "config")
    url = "s3://consumer-drop/incoming/{window.end}.csv"
    status = [403]
    proxy = FaultyProxy(s3_server.endpoint, lambda method, path: status[0] if (
        method, path.split("?")[0]) == ("GET", "/consumer-drop") and "list-type=2" in path
        else None)
    try:
        s3_server.profile(tmp_path / "config", endpoint_url=proxy.endpoint)
        assert deliver(url, "--as-of", "2025-07-01T00:00:00Z").exit_code == 0
        again = deliver(url)
        assert again.exit_code == 0, again.output
        status[0] = 503
        failed = deliver(url, "--as-of", "2026-02-01T00:00:00Z")
    finally:
        proxy.close()
    assert failed.exit_code == 1 and "checked before fetching" in failed.output, failed.output
    assert s3_server.keys() == [f"incoming/{end}.csv{suffix}"
                                for end in ("20250701T000000Z", "20260101T000000Z")
                                for suffix in ("", ".datapackage.json", ".manifest.json")]


def test_a_server_quoting_the_credentials_in_its_error_is_not_echoed(deliver, s3_server, tmp_path) -> None:
    """An S3-compatible server whose error names no `Code` but a `Message` quoting the
    request's key id and secret (an echoing gateway, or a hostile endpoint): the
    delivery's diagnostic quoted that message, and with it the secret key, into the
    terminal and the run's log. The destination's keys are now hidden where the
    platform's token is (`errors.without_secrets`)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from fixtures_s3 import ACCESS_KEY

    body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Message>refused {ACCESS_KEY} with "
            f"{SECRET_KEY.lower()}</Message></Error>").encode()

    class Echoing(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.command == "HEAD":    # the bucket is there, no object is
                self.send_response(200 if self.path.split("?")[0].rstrip("/") == "/consumer-drop" else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(400)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _answer

        def log_message(self, *args) -> None:
            pass

    echoing = ThreadingHTTPServer(("127.0.0.1", 0), Echoing)
    threading.Thread(target=echoing.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        s3_server.profile(tmp_path / "config", endpoint_url=f"http://127.0.0.1:{echoing.server_address[1]}")
        result = deliver("s3://consumer-drop/incoming/x.csv")
    finally:
        echoing.shutdown()
        echoing.server_close()
    assert result.exit_code == 1, result.output
    assert "refused (redacted) with (redacted)" in result.output
    assert ACCESS_KEY not in result.output and SECRET_KEY.lower() not in result.output.lower()
