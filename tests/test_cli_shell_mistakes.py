"""A hurried data engineer's command-line mistakes at run time (a shell, cron, CI):
each gets a diagnostic or a note that says what happened and what to type instead,
never a file in a surprising place, a traceback or a silent surprise."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_cli import cli_block


def _said(result, start: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(start)]


def test_out_to_a_missing_folder_without_a_slash_says_it_is_a_file(
        run_cli, tmp_path: Path, snapshot) -> None:
    """`--out exports` with no `exports` folder writes one file named `exports` (no
    extension) beside its manifest, as documented; a user who meant a folder is told
    how to say so, and `exports/` is created as a folder."""
    missing = tmp_path / "exports"
    result = run_cli("run", "specs/research_cdrs.ocx", "--demo", "--limit", "20",
                     "--out", str(missing))
    assert result.exit_code == 0 and missing.is_file()
    assert [line.replace(str(tmp_path), "<tmp>") for line in _said(result, "note: --out")] \
        == snapshot

    folder = tmp_path / "folder"
    done = run_cli("run", "specs/research_cdrs.ocx", "--demo", "--limit", "20",
                   "--out", f"{folder}/")
    assert done.exit_code == 0, done.output
    assert not _said(done, "note: --out")
    assert [p.name for p in folder.iterdir() if p.suffix == ".ndjson"] == \
        ["research-cdrs-2026-01-01.ndjson"]


def test_out_with_an_extension_or_an_existing_name_has_no_note(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "sample"
    target.write_text("")
    for out in (str(tmp_path / "sample.ndjson"), str(target)):
        done = run_cli("run", "specs/research_cdrs.ocx", "--demo", "--limit", "5", "--out", out)
        assert done.exit_code == 0 and not _said(done, "note: --out"), done.output
    assert target.read_text().startswith("{")


def test_state_of_a_mistyped_export_names_the_one_meant(run_cli, tmp_path: Path,
                                                        snapshot) -> None:
    """`state reset utrecht_sesions --yes` in a backfill script said "nothing to reset"
    and the next run went on from the old watermark; it now names the export meant."""
    ledger = str(tmp_path / "ledger.sqlite")
    for export in ("utrecht_sessions", "tue_research"):
        moved = run_cli("state", "set-watermark", export, "2025-06-01T00:00:00Z", "--yes", "--dataset", "sessions",
                        "--state", ledger)
        assert moved.exit_code == 0, moved.output
    said = [run_cli("state", "reset", "utrecht_sesions", "--yes", "--state", ledger),
            run_cli("state", "show", "utrecht_sesions", "--state", ledger),
            run_cli("state", "show", "nobody", "--state", ledger),
            run_cli("state", "rename", "tue_reserch", "tue_research_2", "--state", ledger)]
    assert [cli_block(result, tmp=tmp_path) for result in said] == snapshot


def test_state_reset_on_a_mistyped_ledger_path_makes_nothing(run_cli, tmp_path: Path) -> None:
    """It made the folder and a lock file beside a ledger that was never there."""
    result = run_cli("state", "reset", "utrecht_sessions", "--yes",
                     "--state", str(tmp_path / "typo" / "ledger.sqlite"))
    assert result.exit_code == 0 and "No ledger at" in result.stdout
    assert not (tmp_path / "typo").exists()


def test_a_mistyped_profile_names_the_stored_one(run_cli, demo_server, tmp_path: Path,
                                                 snapshot) -> None:
    """`--profile prd` with `prod` stored said "run `ocpispec login`" and how to log in
    as `prd`: a second profile under the typo, with the production token in it."""
    login = run_cli("login", demo_server.versions_url, "--token", demo_server.token,
                    "--party", "NL-ABC", "--profile", "prod")
    assert login.exit_code == 0, login.output
    said = [run_cli("get", "sessions", "--include-private", "--profile", "prd"),
            run_cli("get", "sessions", "--include-private", "--profile", "staging")]
    assert all(result.exit_code == 1 for result in said)
    assert [cli_block(result, tmp=tmp_path) for result in said] == snapshot


def test_a_config_dir_that_is_a_file_is_said_so(run_cli, demo_server, tmp_path: Path,
                                                snapshot) -> None:
    """`OCPISPEC_CONFIG_DIR` set to a file's path: `login` crashed (internal error,
    exit 70), `get` called the profile damaged and said to log in again."""
    config = tmp_path / "ocpispec.conf"
    config.write_text("")
    env = {"OCPISPEC_CONFIG_DIR": str(config)}
    said = [run_cli("login", demo_server.versions_url, "--token", demo_server.token,
                    "--party", "NL-ABC", env=env),
            run_cli("get", "sessions", "--include-private", env=env),
            run_cli("profiles", env=env)]
    assert [result.exit_code for result in said] == [1, 1, 1]
    assert demo_server.token not in "".join(result.output for result in said)
    assert [cli_block(result, tmp=tmp_path) for result in said] == snapshot


def test_a_second_login_under_one_name_says_what_it_replaced(run_cli, demo_server,
                                                            snapshot) -> None:
    """A second `login` under `prod` replaced the profile without a word, even when it
    now pointed every cron job using `prod` at another party or platform."""
    from fixtures_demo import scrub

    def login(party: str):
        result = run_cli("login", demo_server.versions_url, "--token", demo_server.token,
                         "--party", party, "--profile", "prod")
        assert result.exit_code == 0, result.output
        import re

        shown = re.sub(r"\d{4}-\d\d-\d\dT[\d:]+Z", "<time>",
                       scrub(result.output, token=demo_server.token))
        return [line for line in shown.splitlines() if "replaced" in line]

    assert login("NL-ABC") == []
    assert [login("NL-ABC"), login("NL-XYZ")] == snapshot


def test_review_output_into_a_folder(run_cli, tmp_path: Path, snapshot) -> None:
    """`review -o reviews/` wrote a file named `reviews` (pathlib dropped the slash), and
    `-o reviews/utrecht.html` failed where `run --out` makes the missing folder."""
    into_folder = run_cli("review", "specs/municipality_sessions.ocx", "-o",
                          f"{tmp_path}/reviews/")
    assert into_folder.exit_code == 2 and not (tmp_path / "reviews").exists()
    assert cli_block(into_folder, tmp=tmp_path) == snapshot
    written = run_cli("review", "specs/municipality_sessions.ocx", "-o",
                      str(tmp_path / "reviews" / "utrecht.html"))
    assert written.exit_code == 0, written.output
    assert (tmp_path / "reviews" / "utrecht.html").read_text().startswith("<!DOCTYPE html>")


def test_history_of_a_mistyped_export_names_the_one_meant(run_cli, tmp_path: Path,
                                                          snapshot) -> None:
    """`history tue_charging_reserch` said "No runs logged in LEDGER", as if the log
    were empty, beside a run of `tue_charging_research`."""
    ledger = str(tmp_path / "ledger.sqlite")
    done = run_cli("run", "specs/research_cdrs.ocx", "--demo", "--limit", "5", "-q",
                   "--out", str(tmp_path / "s.ndjson"), "--state", ledger)
    assert done.exit_code == 0, done.output
    said = [run_cli("history", name, "--ledger", ledger, *more) for name, *more in (
        ("tue_charging_reserch",), ("nobody", "--format", "json"),
        ("tue_charging_research", "--since", "2999-01-01"))]
    assert [cli_block(result, tmp=tmp_path) for result in said] == snapshot


def test_wait_lock_takes_a_duration_like_deadline(run_cli, tmp_path: Path, snapshot) -> None:
    """`--deadline 20m --wait-lock 5m` in a crontab: `5m` was "not a valid float range"."""
    done = run_cli("run", "specs/research_cdrs.ocx", "--demo", "--limit", "2", "-q",
                   "--wait-lock", "5m", "--deadline", "20m", "--out", str(tmp_path / "a.ndjson"))
    assert done.exit_code == 0, done.output
    refused = run_cli("run", "specs/research_cdrs.ocx", "--demo", "--wait-lock", "soon")
    assert refused.exit_code == 2
    assert cli_block(refused) == snapshot


def test_init_names_a_spec_file(run_cli, tmp_path: Path, snapshot) -> None:
    """`init specs/new/` wrote a spec named `new`; `init utrecht` one without `.ocx` that
    `check specs/` skips; `init specs/new/utrecht.ocx` failed on the missing folder."""
    refused = [run_cli("init", "--for", "research", f"{tmp_path}/new/"),
               run_cli("init", "--for", "municipality", str(tmp_path / "utrecht"))]
    assert [result.exit_code for result in refused] == [2, 2]
    assert not list(tmp_path.iterdir())
    assert [cli_block(result, tmp=tmp_path) for result in refused] == snapshot
    written = run_cli("init", "--for", "municipality", str(tmp_path / "new" / "utrecht.ocx"))
    assert written.exit_code == 0, written.output
    assert run_cli("check", str(tmp_path / "new")).exit_code == 0


def test_a_ledger_option_naming_a_folder_is_refused(run_cli, tmp_path: Path, snapshot) -> None:
    """`run --state exports/state/` made a ledger file named `state` and a lock beside it;
    every option that names the ledger says it is a file."""
    folder = f"{tmp_path}/state/"
    said = [run_cli("run", "specs/research_cdrs.ocx", "--demo", "--limit", "2",
                    "--out", str(tmp_path / "a.ndjson"), "--state", folder),
            run_cli("state", "show", "tue_charging_research", "--state", folder),
            run_cli("history", "--ledger", folder),
            run_cli("review", "specs/research_cdrs.ocx", "--ledger", folder)]
    assert [result.exit_code for result in said] == [2, 2, 2, 2]
    assert not list(tmp_path.iterdir())
    assert cli_block(said[0], tmp=tmp_path) == snapshot


def test_demo_and_profile_together_are_a_usage_error(run_cli, tmp_path: Path, snapshot) -> None:
    """`run --profile prod --demo -q` ran against the demo CPO without a word (the note
    saying so is quiet under -q), and `get --demo --profile prod` likewise."""
    said = [run_cli("run", "specs/research_cdrs.ocx", "--demo", "--profile", "prod", "-q",
                    "--limit", "2", "--out", str(tmp_path / "a.ndjson")),
            run_cli("get", "sessions", "--include-private", "--demo", "--profile", "prod", "--limit", "1")]
    assert [result.exit_code for result in said] == [2, 2]
    assert not list(tmp_path.glob("a.*"))
    assert [cli_block(result) for result in said] == snapshot


def test_a_ledger_path_that_is_a_directory_is_said_so(run_cli, tmp_path: Path,
                                                      snapshot) -> None:
    """`history --ledger exports/` (an existing folder) said SQLite's "unable to open
    database file", and `state reset --state exports` left a lock file beside the folder."""
    folder = tmp_path / "exports"
    folder.mkdir()
    said = [run_cli("history", "--ledger", str(folder)),
            run_cli("state", "reset", "utrecht_sessions", "--yes", "--state", str(folder))]
    assert [result.exit_code for result in said] == [1, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["exports"] and not list(folder.iterdir())
    assert [cli_block(result, tmp=tmp_path) for result in said] == snapshot


def test_a_module_in_capitals_is_the_module(run_cli) -> None:
    """`get SESSIONS` (as OCPI's documents write the module names) was refused as "not
    one of 'sessions', ..." although `get` lowercased it after the check."""
    done = run_cli("get", "SESSIONS", "--include-private", "--demo", "--limit", "1")
    assert done.exit_code == 0 and done.stdout.count("\n") == 1, done.output
    schema = run_cli("schema", "Sessions")
    assert schema.exit_code == 0 and schema.stdout.startswith("sessions:"), schema.output


def test_log_file_in_a_missing_folder(run_cli, tmp_path: Path, snapshot) -> None:
    """`-v --log-file logs/run.log` in a fresh cron checkout: the run did not start
    ("cannot open ... No such file or directory", exit 2); `--log-file logs/` wrote a
    log file named `logs`."""
    log = tmp_path / "logs" / "run.log"
    done = run_cli("-v", "--log-file", str(log), "run", "specs/research_cdrs.ocx", "--demo",
                   "--limit", "2", "-q", "--out", str(tmp_path / "a.ndjson"))
    assert done.exit_code == 0, done.output
    assert "ocpispec.http: GET" in log.read_text()
    folder = run_cli("--log-file", f"{tmp_path}/other/", "explain", "OCX303")
    assert folder.exit_code == 2 and not (tmp_path / "other").exists()
    assert cli_block(folder, tmp=tmp_path) == snapshot


def test_a_backfill_of_a_mistyped_export_warns(run_cli, tmp_path: Path, snapshot) -> None:
    """`state set-watermark utrecht_sesions 2025-06-01 --dataset sessions --yes` made a
    new state for the typo, and the real export's watermark stayed where it was."""
    ledger = str(tmp_path / "ledger.sqlite")
    args = ("2025-06-01T00:00:00Z", "--yes", "--dataset", "sessions", "--state", ledger)
    assert run_cli("state", "set-watermark", "utrecht_sessions", *args).exit_code == 0
    typo = run_cli("state", "set-watermark", "utrecht_sesions", *args)
    assert typo.exit_code == 0
    assert cli_block(typo, tmp=tmp_path) == snapshot


def test_login_checks_its_profiles_folder_before_the_platform(run_cli, tmp_path: Path) -> None:
    """With `OCPISPEC_CONFIG_DIR` on a file, `login` reached the platform first (its
    token sent, its retries waited out) and only then said the profile could not be
    saved; against a platform that is down it said only that. The folder is checked
    first: OCX509 at once, before any request (here to a port nothing listens on)."""
    config = tmp_path / "ocpispec.conf"
    config.write_text("")
    result = run_cli("login", "http://127.0.0.1:9/ocpi/versions", "--token", "t0k3n-secret",
                     "--party", "NL-ABC", env={"OCPISPEC_CONFIG_DIR": str(config)})
    assert result.exit_code == 1
    assert "OCX509" in result.output and "OCX500" not in result.output
    assert "t0k3n-secret" not in result.output


def test_a_source_variable_no_request_can_carry_is_named(tmp_path: Path, snapshot) -> None:
    """A cron job's environment file put the token on two lines (`OCPI_TOKEN` with a line
    break inside) or the versions URL without its scheme: the run said OCX511 'pass the
    credentials token ... with `--token` or `--token-env`', options `run` has not, named
    no variable and pointed at no line of the spec. It names the variable, points at the
    spec's source line, says what to set, and never shows the token."""
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    spec = tmp_path / "research.ocx"
    spec.write_text((REPO / "specs" / "research_cdrs.ocx").read_text(encoding="utf-8").replace(
        "source profile cpo_production",
        "source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN party NL-ABC"), encoding="utf-8")
    said = []
    for url, token in (("http://127.0.0.1:9/ocpi/versions", "s3cr3t-first\ns3cr3t-second"),
                       ("cpo.example.com/ocpi/versions", "s3cr3t-token")):
        done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "OCPI_VERSIONS_URL": url, "OCPI_TOKEN": token,
                                   "NO_COLOR": "1", "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
                                   "RESEARCH_PSEUDONYM_KEY": "5f0c2e9a7d1b84c36e0f9a2d5b7c1e48"
                                                             "a3f6d0b9c2e7a15f8d4b0c6e9a3d7f21"})
        assert done.returncode == 1 and "s3cr3t" not in done.stderr
        said.append(done.stderr.replace(str(tmp_path), "<tmp>"))
    assert said == snapshot


def test_the_demo_and_a_tunnel_on_this_machine_bypass_the_environment_s_proxy(
        demo_server_factory, tmp_path: Path) -> None:
    """On a machine with `HTTPS_PROXY`/`HTTP_PROXY` set (a company laptop, a CI runner),
    the README's first command `run SPEC --demo` failed with 'cannot reach the OCPI
    platform': the requests to the demo CPO on 127.0.0.1, token included, went to the
    proxy, whose 127.0.0.1 is another machine. So did a platform reached through an SSH
    tunnel (`localhost:8443`). This machine's own addresses never go through a proxy."""
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    closed = "http://127.0.0.1:9"    # no proxy listens here: a request through it fails
    env = {**os.environ, "HTTP_PROXY": closed, "HTTPS_PROXY": closed, "ALL_PROXY": closed,
           "http_proxy": closed, "NO_PROXY": "", "no_proxy": "", "OCPISPEC_RETRY_BACKOFF": "0.001",
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    demo = subprocess.run([sys.executable, "-m", "ocpispec", "run", "specs/research_cdrs.ocx", "--demo",
                           "--limit", "3", "--out", str(tmp_path / "sample.ndjson"), "-q"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    server = demo_server_factory(version="2.2.1", size=20)
    tunnel = server.versions_url.replace("127.0.0.1", "localhost")
    login = subprocess.run([sys.executable, "-m", "ocpispec", "login", tunnel, "--token", server.token,
                            "--party", "NL-ABC", "--allow-host", "127.0.0.1"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=120)
    assert login.returncode == 0, login.stderr
    got = subprocess.run([sys.executable, "-m", "ocpispec", "get", "sessions", "--include-private"],
                         cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stderr
    assert len(got.stdout.splitlines()) == 20


def test_a_platform_unreachable_through_the_proxy_names_the_proxy(tmp_path: Path, snapshot) -> None:
    """A cron job's `HTTPS_PROXY` was down: the run said 'cannot reach the OCPI platform
    ... check the URL and your network', and the operator looked at a platform that was
    up. The diagnostic says the requests went through the proxy, names it without its
    user and password, and says to check it or exempt the host with `NO_PROXY`."""
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    spec = tmp_path / "research.ocx"
    spec.write_text((REPO / "specs" / "research_cdrs.ocx").read_text(encoding="utf-8").replace(
        "source profile cpo_production",
        "source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN party NL-ABC"), encoding="utf-8")
    proxy = "http://cron:pr0xy-s3cret@127.0.0.1:9"     # nothing listens there
    clean = {name: value for name, value in os.environ.items() if not name.lower().endswith("_proxy")}
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**clean, "HTTPS_PROXY": proxy, "OCPISPEC_RETRY_BACKOFF": "0.001", "NO_COLOR": "1",
                               "OCPI_VERSIONS_URL": "https://cpo.example.invalid/ocpi/versions",
                               "OCPI_TOKEN": "t0ken-s3cret", "OCPISPEC_CONFIG_DIR": str(tmp_path / "c"),
                               "RESEARCH_PSEUDONYM_KEY": "5f0c2e9a7d1b84c36e0f9a2d5b7c1e48"
                                                         "a3f6d0b9c2e7a15f8d4b0c6e9a3d7f21"})
    assert done.returncode == 1
    assert "s3cret" not in done.stderr
    assert done.stderr.replace(str(tmp_path), "<tmp>") == snapshot


def test_doctor_reaches_the_platform_through_the_environment_s_proxy(demo_server_factory,
                                                                      tmp_path: Path) -> None:
    """Behind a company proxy (`HTTP_PROXY`), `run`, `get` and `login` reached the CPO but
    `doctor`, the check to run before the first export, asked directly: 'cannot reach
    the OCPI platform', not ready. It goes through the proxy the others use."""
    import os
    import subprocess
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    from fixtures_cli import REPO
    from fixtures_proxy import upstream_get

    server = demo_server_factory(version="2.2.1", size=20)
    port = urlsplit(server.origin).port
    outside = f"http://cpo.example.invalid:{port}"     # a name only the proxy can reach
    forwarded: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            forwarded.append(self.path)
            answer = upstream_get(self.path.replace(outside, server.origin),
                                  {k: v for k, v in self.headers.items() if k.lower() == "authorization"})
            body = answer.content.replace(server.origin.encode(), outside.encode())
            self.send_response(answer.status_code)
            for name in ("content-type", "link", "x-total-count", "x-limit"):
                if name in answer.headers:
                    self.send_header(name, answer.headers[name].replace(server.origin, outside))
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    clean = {name: value for name, value in os.environ.items() if not name.lower().endswith("_proxy")}
    env = {**clean, "HTTP_PROXY": f"http://127.0.0.1:{proxy.server_address[1]}", "TOKEN": server.token,
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"), "OCPISPEC_DOCTOR_MAX_RPS": "1000"}
    try:
        doctor = subprocess.run([sys.executable, "-m", "ocpispec", "doctor", f"{outside}/ocpi/cpo/versions",
                                 "--token-env", "TOKEN", "--party", "NL-ABC"], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=120)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "Ready to export" in doctor.stdout
    assert any(path.startswith(f"{outside}/ocpi/cpo/2.2.1/sessions") for path in forwarded)


def test_doctor_s_json_says_why_it_could_not_probe(tmp_path: Path, snapshot) -> None:
    """`doctor --format json | jq -e '.exit_code == 0'` as a CI gate printed nothing on
    stdout when no request could be made (the token's variable not set in the job, no
    profile on the runner): the gate's parser failed instead of reading why. It prints
    the document with `error` (the diagnostic stderr shows) and `exit_code` 1."""
    import json
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    documents = []
    for args in (["--format", "json"],
                 ["http://127.0.0.1:9/ocpi/versions?key=s3cret", "--token-env", "CI_CPO_TOKEN",
                  "--format", "json"]):
        done = subprocess.run([sys.executable, "-m", "ocpispec", "doctor", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
                                   "CI_CPO_TOKEN": ""})
        assert done.returncode == 1 and "s3cret" not in done.stdout + done.stderr
        document = json.loads(done.stdout)
        assert f"error[{document['error']['code']}]" in done.stderr
        documents.append(json.loads(done.stdout.replace(str(tmp_path), "<tmp>")))
    assert documents == snapshot


@pytest.mark.parametrize("variable", ["OCPISPEC_WORKERS", "OCPISPEC_RETRY_BACKOFF"])
def test_a_bad_machine_setting_s_value_is_not_shown(variable: str, tmp_path: Path) -> None:
    """A key pasted into the wrong line of a cron job's environment file
    (`OCPISPEC_WORKERS=<the pseudonym key>`) was echoed in the usage error, into the job's
    mail and log, where every setting of `ocpispec.toml` and its variables keeps its value
    unshown (OCX632). The usage error names the variable and the form, not the value."""
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    secret = "5f0c2e9a7d1b84c36e0f9a2d5b7c1e48"
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run", "specs/research_cdrs.ocx", "--demo",
                           "--limit", "2", "--out", str(tmp_path / "x.ndjson")], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, variable: secret, "OCPISPEC_CONFIG_DIR": str(tmp_path / "c")})
    assert done.returncode == 2
    assert variable in done.stderr and "not shown" in done.stderr
    assert secret not in done.stderr + done.stdout


def test_history_where_no_ledger_is_says_so(tmp_path: Path, snapshot) -> None:
    """An auditor ran `history --register` in another folder than the cron job (or gave
    a mistyped `--ledger`): it said "No runs logged" and wrote a register of nothing,
    exit 0, as if nothing had been disclosed. It is OCX620 'there is no ledger', with
    where the ledger is looked for and where runs keep it, and creates nothing."""
    import os
    import subprocess
    import sys

    said = []
    for args in (["history", "--register"], ["history", "--ledger", "state/ledgr.sqlite"]):
        done = subprocess.run([sys.executable, "-m", "ocpispec", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120,
                              env={**{k: v for k, v in os.environ.items() if k != "OCPISPEC_LEDGER"},
                                   "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"), "NO_COLOR": "1"})
        assert done.returncode == 1 and done.stdout == ""
        said.append(done.stderr)
    assert said == snapshot
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_state_show_where_no_ledger_is_says_so(tmp_path: Path, snapshot) -> None:
    """`state show utrecht_sessions` in another folder than the cron job's said "No state
    ... the next `since last run` window starts at 1970-01-01": the operator read that
    the next run would deliver everything again (and reached for `set-watermark`),
    where the runs' ledger lay elsewhere. It says there is no ledger there, and where
    runs keep it; nothing is created."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "ocpispec", "state", "show", "utrecht_sessions"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**{k: v for k, v in os.environ.items() if k != "OCPISPEC_LEDGER"},
                               "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")})
    assert done.returncode == 0, done.stderr
    assert "1970" not in done.stdout
    assert done.stdout == snapshot
    assert list(tmp_path.iterdir()) == []
