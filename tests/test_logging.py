"""`-v`, `--log-file`, `--log-format json`: a request log and stage timings that hold no
token, key, query value or record value."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from fixtures_cli import WITHOUT_K
from ocpispec.demo import Faults

KEY = "8c2e5a0f7d14b93e6a1c0f5d8b2e74a9c3f61d0b8e5a27c4f9d3b06e1a8c5f2d7"


@pytest.fixture(autouse=True)
def _quiet_loggers():
    yield
    root = logging.getLogger("ocpispec")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.NOTSET)


def _run(run_cli, server, tmp_path: Path, *front: str):
    env = {"OCPI_VERSIONS_URL": server.versions_url + "?session=s3cr3t-query",
           "OCPI_TOKEN": server.token, "UTRECHT_PSEUDONYM_KEY": KEY}
    # the municipality spec without its k rule: these tests are about logs, against a
    # 300-session demo where k 5 would suppress every row
    return run_cli(*front, "run", WITHOUT_K, "--out",
                   str(tmp_path / "out.csv"), "--state", str(tmp_path / "state.json"),
                   "--as-of", "2026-01-01T00:00:00Z", "-q", env=env)


def test_a_json_log_of_requests_and_stages(run_cli, demo_server_factory, tmp_path: Path) -> None:
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100, canaries=True,
                                 faults=Faults(rate_limit_every=3, retry_after=0))
    log = tmp_path / "run.log"
    result = _run(run_cli, server, tmp_path, "-vv", "--log-format", "json", "--log-file", str(log))
    assert result.exit_code == 0, result.stderr
    text = log.read_text(encoding="utf-8")
    events = [json.loads(line) for line in text.splitlines()]
    requests = [e for e in events if e.get("event") == "request"]
    assert len(requests) >= 5 and all(e["method"] == "GET" and e["ms"] >= 0 for e in requests)
    assert {e["status"] for e in requests} == {200, 429}
    retries = [e for e in events if e.get("event") == "retry"]
    assert retries and all(e["reason"].startswith("HTTP 429") for e in retries)
    stages = {e["stage"] for e in events if e.get("event") == "stage"}
    assert stages == {"dataset", "commit"}
    for secret in (server.token, KEY, "s3cr3t-query", "CANARY"):
        assert secret not in text, secret
    assert "session=(redacted)" in text


def test_text_log_on_stderr_and_quiet_without_v(run_cli, demo_server_factory, tmp_path: Path) -> None:
    server = demo_server_factory(version="2.2.1", size=100)
    verbose = _run(run_cli, server, tmp_path, "-v")
    assert verbose.exit_code == 0
    assert "INFO    ocpispec.http: GET http://127.0.0.1" in verbose.stderr
    assert "ocpispec.run: dataset `sessions`" in verbose.stderr
    plain = _run(run_cli, server, tmp_path / "again")
    assert "ocpispec.http" not in plain.stderr


def test_the_global_options_are_in_the_help(run_cli, snapshot) -> None:
    from fixtures_cli import cli_block

    assert cli_block(run_cli("--help")) == snapshot


def test_a_log_file_that_cannot_be_opened_is_a_usage_error(run_cli, tmp_path: Path) -> None:
    """`--log-file` in a folder that could not be opened ended in "internal error:
    FileNotFoundError" (exit 70), before the command ran. (A missing folder is made.)"""
    (tmp_path / "notes.txt").write_text("")
    result = run_cli("--log-file", str(tmp_path / "notes.txt" / "log.txt"), "check", WITHOUT_K)
    assert result.exit_code == 2
    assert "Error: Invalid value for '--log-file': cannot open `" in result.stderr
    assert "a path above it is a file" in result.stderr and "internal error" not in result.stderr


def test_an_object_lookup_the_platform_redirects_shows_no_id(run_cli, demo_server_factory,
                                                             tmp_path: Path) -> None:
    """A `--limit` run looks locations up one by one (`GET {locations}/{id}`); a platform
    that redirects such a request to a path of its own (`/sites/LOC042/detail`) had the
    site's id shown in the `-v` log, as the redirect's target. No hop of an object's
    request shows its path."""
    from fixtures_proxy import RewritingProxy

    server = demo_server_factory(version="2.2.1", size=100)
    ids: list[str] = []
    early = _sites_redirect(server, ids)
    with RewritingProxy(server.origin, lambda *answer: answer[1:], early) as proxy:
        env = {"OCPI_VERSIONS_URL": proxy.origin + "/ocpi/cpo/versions",
               "OCPI_TOKEN": server.token, "UTRECHT_PSEUDONYM_KEY": KEY}
        result = run_cli("-v", "run", WITHOUT_K, "--limit", "5", "--out", str(tmp_path / "out.csv"),
                         "--state", str(tmp_path / "state.json"), "--as-of", "2026-01-01T00:00:00Z",
                         env=env)
    assert result.exit_code == 0, result.stderr
    assert ids and "-> 307" in result.stderr
    assert "GET http://127.0.0.1:" in result.stderr and "/(path of a redirect from an object's URL) -> 200" \
        in result.stderr
    for site in ids:
        assert site not in result.stderr, site


def test_a_log_file_is_not_readable_by_everyone(tmp_path: Path) -> None:
    """A cron job's `-v --log-file logs/run.log` (umask 022) made the log `-rw-r--r--`:
    anyone on the machine read which platform, endpoints and exports the CPO runs,
    where outputs, manifests and the ledger are 0640. The log is 0640 too, and an
    existing one anyone may read loses that right when it is appended to."""
    import os
    import stat
    import subprocess
    import sys

    from fixtures_cli import REPO

    made, older = tmp_path / "logs" / "run.log", tmp_path / "older.log"
    older.write_text("a line from before\n")
    older.chmod(0o664)
    for log in (made, older):
        done = subprocess.run([sys.executable, "-m", "ocpispec", "-v", "--log-file", str(log),
                               "run", "specs/research_cdrs.ocx", "--demo", "--limit", "5",
                               "--out", str(tmp_path / f"{log.stem}.ndjson"), "-q"],
                              cwd=REPO, env={**os.environ, "OCPISPEC_CONFIG_DIR": str(tmp_path / "c")},
                              capture_output=True, text=True, timeout=120,
                              preexec_fn=lambda: os.umask(0o022))
        assert done.returncode == 0, done.stderr
        assert "ocpispec.http: GET http://127.0.0.1" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(made.stat().st_mode) == 0o640
    assert stat.S_IMODE(older.stat().st_mode) == 0o660
    assert older.read_text(encoding="utf-8").startswith("a line from before\n")


def test_a_followed_run_logs_to_the_file_logrotate_made(run_cli, demo_server_factory, tmp_path: Path,
                                                        monkeypatch) -> None:
    """`run --follow -v --log-file /var/log/ocpispec/run.log` runs for months; logrotate
    (its default `create` mode) moves the log away between runs and makes a new one. The
    follower kept writing to the moved file (and to nothing once it was compressed and
    removed): the new log stayed empty. Each run after the move logs to the file under
    its name, made again with mode 0640 when logrotate made none."""
    import re
    import stat

    import ocpispec.cli.run_control as run_control
    from fixtures_cli import REPO

    server = demo_server_factory(version="2.2.1", size=100)
    log, rotated = tmp_path / "logs" / "run.log", tmp_path / "logs" / "run.log.1"
    waits: list = []

    def sleep_until(moment) -> None:   # between runs: logrotate, then the next run
        waits.append(moment)
        if len(waits) == 1:
            log.rename(rotated)
            return
        raise KeyboardInterrupt

    monkeypatch.setattr(run_control, "sleep_until", sleep_until)
    spec = tmp_path / "spec.ocx"
    spec.write_text(re.sub(r'output csv to "[^"]*"', f'output csv to "{tmp_path}/out-{{window.start}}.csv"',
                           (REPO / WITHOUT_K).read_text()))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, "UTRECHT_PSEUDONYM_KEY": KEY}
    result = run_cli("-v", "--log-file", str(log), "run", str(spec), "--follow", "--state",
                     str(tmp_path / "ledger.sqlite"), "-q", env=env)
    assert result.exit_code == 0, result.stderr
    assert len(waits) == 2
    first, second = rotated.read_text(encoding="utf-8"), log.read_text(encoding="utf-8")
    assert first.count("ocpispec.run: commit") == 1
    assert second.count("ocpispec.run: commit") == 1 and "ocpispec.http: GET" in second
    assert stat.S_IMODE(log.stat().st_mode) == 0o640


def test_a_platform_s_url_cannot_forge_a_log_line(demo_server_factory, tmp_path: Path) -> None:
    """A platform lists its sessions endpoint under a path whose percent-encoding decodes
    into a line break and a terminal escape (`/ocpi%0A<a forged log line>%1B[2J/...`).
    The `-v` log decoded it: a forged `WARNING` line stood in the log below the real
    one, and the terminal's screen was cleared. Such characters are shown escaped."""
    import base64
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO
    from fixtures_proxy import RewritingProxy, upstream_get

    server = demo_server_factory(version="2.2.1", size=50)
    forged = "/ocpi%0A2026-12-05%2002:00:00,000%20WARNING%20ocpispec.http:%20forged%1B[2J"

    def early(path: str):
        if not path.startswith(forged):
            return None
        token = "Token " + base64.b64encode(server.token.encode()).decode()
        answer = upstream_get(server.origin + "/ocpi" + path[len(forged):], {"authorization": token})
        return answer.status_code, {"content-type": "application/json"}, \
            answer.content.replace(server.origin.encode(), proxy.origin.encode())

    def rewrite(path: str, status: int, headers: dict, body: bytes):
        if path.endswith("/2.2.1"):
            body = body.replace(b"/ocpi/cpo/2.2.1/sessions", f"{forged}/cpo/2.2.1/sessions".encode())
        return status, headers, body

    env = {**os.environ, "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    with RewritingProxy(server.origin, rewrite, early) as proxy:
        login = subprocess.run([sys.executable, "-m", "ocpispec", "login", proxy.origin + "/ocpi/cpo/versions",
                                "--token", server.token, "--party", "NL-ABC"], cwd=REPO, env=env,
                               capture_output=True, text=True, timeout=120)
        assert login.returncode == 0, login.stderr
        done = subprocess.run([sys.executable, "-m", "ocpispec", "-v", "get", "sessions", "--limit", "3"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
    assert "\x1b" not in done.stderr
    assert not any(line.startswith("2026-12-05 02:00:00,000") for line in done.stderr.splitlines())
    # the segment is the platform's text: shown as `(segment)`, not even escaped
    assert "/(segment)/cpo/2.2.1/sessions" in done.stderr and "forged" not in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_log_file_on_a_full_disk_is_said_once_and_the_run_goes_on(tmp_path: Path,
                                                                    snapshot) -> None:
    """`-vv --log-file /var/log/ocpispec/run.log` on a full disk: logging's own handler
    printed '--- Logging error ---' with a traceback and the record's arguments for each
    of the run's records (64 KB on stderr, into the cron mail, for 11 requests). One
    warning says the log cannot be written; the run delivers as it would."""
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    done = subprocess.run([sys.executable, "-m", "ocpispec", "-vv", "--log-file", "/dev/full",
                           "run", "specs/research_cdrs.ocx", "--demo", "--limit", "5",
                           "--out", str(tmp_path / "sample.ndjson"), "-q"],
                          cwd=REPO, env={**os.environ, "OCPISPEC_CONFIG_DIR": str(tmp_path / "c")},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "sample.ndjson").exists()
    assert done.stderr == snapshot


_FILL_UP = '''
import logging, resource, signal, sys
from pathlib import Path
from ocpispec.logs import HTTP, configure

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
log = Path(sys.argv[1])
configure(1, log, "text")
HTTP.info("first")
size = log.stat().st_size
resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))
for n in range(3):
    HTTP.info("lost %d", n)
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
HTTP.info("after")
'''


def test_a_log_file_that_takes_lines_again_says_how_many_it_missed(tmp_path: Path) -> None:
    """A `--follow` running for months meets a full log disk for a while: the log goes on
    once there is room again, its next line saying how many records are missing there."""
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    log = tmp_path / "run.log"
    done = subprocess.run([sys.executable, "-c", _FILL_UP, str(log)], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("warning: cannot write the log file") == 1
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr
    lines = [line.split(": ", 1)[1] for line in log.read_text().splitlines()]
    assert lines == ["first", "3 log records are missing here: the log file could not be "
                     "written", "after"]


def test_object_redirects_are_remembered_only_for_the_latest_requests(
        demo_server_factory, monkeypatch) -> None:
    """Every object request the platform redirected added its target's path (the
    object's id in it) to a set kept for the life of the process: a run looking an
    object up per record, or a service using the client for months, held one path per
    lookup. The latest are kept (a request's hops are logged while it is in flight);
    the one just redirected still shows no id."""
    import ocpispec.ocpi.errors as errors
    from fixtures_proxy import RewritingProxy
    from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient

    monkeypatch.setattr(errors, "REDIRECTED_OBJECTS_KEPT", 8)
    monkeypatch.setattr(errors, "_REDIRECTED_OBJECTS", {})
    server = demo_server_factory(version="2.2.1", size=100)
    early = _sites_redirect(server, [])
    with RewritingProxy(server.origin, lambda *answer: answer[1:], early) as proxy, \
            OcpiClient.connect(Credentials(proxy.origin + "/ocpi/cpo/versions", server.token),
                               options=FetchOptions(concurrency=1)) as client:
        ids = [location["id"] for location in client.fetch("locations")][:20]
        assert len(ids) == 20
        for location_id in ids:
            assert client.get_object("locations", location_id)["id"] == location_id
            last = f"{proxy.origin}/ocpi/cpo/2.2.1/sites/{location_id}/detail"
            assert location_id not in errors.safe_url(last)
    assert len(errors._REDIRECTED_OBJECTS) == 8


def _sites_redirect(server, asked_ids: list[str]):
    """A proxy's early answer for a platform that redirects each location's object
    request to a path of its own (`/sites/{id}/detail`), then serves it from the demo
    CPO; the ids asked for are appended to `asked_ids`."""
    import base64
    import re

    from fixtures_proxy import upstream_get

    asked = re.compile(r"^(/ocpi/cpo/2\.2\.1)/locations/([^/?]+)$")
    served = re.compile(r"^(/ocpi/cpo/2\.2\.1)/sites/([^/?]+)/detail$")

    def early(path: str):
        if found := asked.match(path):
            asked_ids.append(found.group(2))
            return 307, {"location": f"{found.group(1)}/sites/{found.group(2)}/detail"}, b""
        if found := served.match(path):
            token = "Token " + base64.b64encode(server.token.encode()).decode()
            answer = upstream_get(f"{server.origin}{found.group(1)}/locations/{found.group(2)}",
                                  {"authorization": token})
            return answer.status_code, {"content-type": "application/json"}, answer.content
        return None

    return early
