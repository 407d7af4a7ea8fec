"""`ocpispec login` and `ocpispec profiles` against the demo CPO."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from fixtures_cli import cli_block
from fixtures_demo import scrub

from ocpispec.demo import DemoServer, Faults


def login(run_cli, server: DemoServer, *extra: str, **env: str):
    return run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC", *extra, env=env)


def test_login_saves_a_private_profile(run_cli, demo_server_factory, tmp_path: Path, snapshot) -> None:
    server = demo_server_factory(versions=("2.1.1", "2.2.1", "2.3.0"), size=20)
    result = login(run_cli, server)
    assert result.exit_code == 0
    assert server.token not in result.stdout + result.stderr
    assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot
    path = tmp_path / "config" / "profiles" / "default.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["version"] == "2.3.0" and saved["to_party"] == "NL-DMO" and saved["token"] == server.token


def test_login_with_token_from_the_environment(run_cli, demo_server: DemoServer, tmp_path: Path) -> None:
    result = run_cli("login", demo_server.versions_url, "--token-env", "CPO_TOKEN", "--party", "NL-ABC",
                     "--profile", "demo", env={"CPO_TOKEN": demo_server.token})
    assert result.exit_code == 0, result.stderr
    assert "Next: ocpispec get sessions --profile demo" in result.stdout
    assert (tmp_path / "config" / "profiles" / "demo.json").exists()


def test_login_with_empty_token_variable(run_cli, demo_server: DemoServer, snapshot) -> None:
    result = run_cli("login", demo_server.versions_url, "--token-env", "CPO_TOKEN", "--party", "NL-ABC",
                     env={"CPO_TOKEN": ""})
    assert scrub(cli_block(result)) == snapshot


def test_login_learns_the_raw_token_form(run_cli, demo_server_factory, tmp_path: Path) -> None:
    server = demo_server_factory(size=20, faults=Faults(plain_token_only=True))
    assert login(run_cli, server).exit_code == 0
    saved = json.loads((tmp_path / "config" / "profiles" / "default.json").read_text())
    assert saved["token_encoding"] == "plain"


def test_login_with_a_wrong_token(run_cli, demo_server: DemoServer, snapshot) -> None:
    result = run_cli("login", demo_server.versions_url, "--token", "wrong-token", "--party", "NL-ABC")
    assert result.exit_code == 1
    assert "wrong-token" not in result.stdout + result.stderr
    assert scrub(cli_block(result)) == snapshot


def test_login_with_a_bad_party(run_cli, demo_server: DemoServer, snapshot) -> None:
    result = run_cli("login", demo_server.versions_url, "--token", demo_server.token, "--party", "NLABCD")
    assert result.exit_code == 2
    assert demo_server.token not in result.stdout + result.stderr
    assert cli_block(result) == snapshot


def test_login_needs_a_token(run_cli, demo_server: DemoServer, snapshot) -> None:
    result = run_cli("login", demo_server.versions_url, "--party", "NL-ABC")
    assert result.exit_code == 2
    assert scrub(cli_block(result)) == snapshot


def test_profiles_never_show_the_token(run_cli, demo_server: DemoServer, snapshot) -> None:
    assert login(run_cli, demo_server).exit_code == 0
    assert login(run_cli, demo_server, "--profile", "second", "--version", "2.2.1").exit_code == 0
    text, as_json = run_cli("profiles"), run_cli("profiles", "--format", "json")
    for result in (text, as_json):
        assert result.exit_code == 0 and demo_server.token not in result.stdout + result.stderr
    assert scrub(cli_block(text)) == snapshot
    listed = json.loads(as_json.stdout)
    assert [p["name"] for p in listed] == ["default", "second"] and "token" not in listed[0]


def test_no_profiles_yet(run_cli, snapshot, tmp_path: Path) -> None:
    assert scrub(cli_block(run_cli("profiles")), tmp_path=tmp_path) == snapshot


def test_help(run_cli, snapshot) -> None:
    assert cli_block(run_cli("login", "--help")) == snapshot
    assert cli_block(run_cli("profiles", "--help")) == snapshot


def test_profiles_test_checks_the_token_and_the_endpoints(run_cli, demo_server_factory,
                                                          tmp_path: Path, snapshot) -> None:
    server = demo_server_factory(version="2.2.1")
    assert run_cli("login", server.versions_url, "--token", server.token, "--party",
                   "NL-ABC", "--profile", "cpo").exit_code == 0
    works = run_cli("profiles", "test", "cpo")
    assert works.exit_code == 0 and "token accepted, OCPI 2.2.1; works" in works.stderr
    assert server.token not in works.stdout + works.stderr
    profile = tmp_path / "config" / "profiles" / "cpo.json"
    stored = json.loads(profile.read_text())
    stored["endpoints"].pop("tariffs")
    stored["endpoints"]["sessions"] = stored["endpoints"]["sessions"] + "-old"
    profile.write_text(json.dumps(stored))
    changed = run_cli("profiles", "test", "cpo")
    assert changed.exit_code == 1
    assert scrub(cli_block(changed)) == snapshot
    stored["token"] = "not-the-token"
    profile.write_text(json.dumps(stored))
    refused = run_cli("profiles", "test", "cpo")
    assert refused.exit_code == 1 and "OCX502" in refused.stderr
    assert "not-the-token" not in refused.stderr


def test_profiles_rm(run_cli, demo_server: DemoServer, tmp_path: Path) -> None:
    assert run_cli("login", demo_server.versions_url, "--token", demo_server.token,
                   "--party", "NL-ABC", "--profile", "old").exit_code == 0
    missing = run_cli("profiles", "rm", "nope")
    assert missing.exit_code == 2 and "no profile `nope` (stored: old)" in missing.stderr
    assert run_cli("profiles", "rm", "old").exit_code == 0
    assert not (tmp_path / "config" / "profiles" / "old.json").exists()
    assert run_cli("profiles", "rm", "../etc").exit_code == 2


def test_login_doctor_and_profiles_test_use_the_configured_profile(run_cli, demo_server: DemoServer,
                                                                   tmp_path: Path) -> None:
    """`profile = "cpo-test"` in ocpispec.toml: `login` saves under it, `doctor` and
    `profiles test` check it, without `--profile` on any command line."""
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "ocpispec.toml").write_text('profile = "cpo-test"\nrps = 50\n')
    assert login(run_cli, demo_server).exit_code == 0
    assert (tmp_path / "config" / "profiles" / "cpo-test.json").exists()
    assert not (tmp_path / "config" / "profiles" / "default.json").exists()
    tested = run_cli("profiles", "test")
    assert tested.exit_code == 0 and "profile `cpo-test`: token accepted" in tested.stderr
    checked = run_cli("doctor", "--format", "json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)  # rps = 50 is capped at doctor's ceiling, not refused
    other = login(run_cli, demo_server, "--profile", "other")
    assert other.exit_code == 0 and (tmp_path / "config" / "profiles" / "other.json").exists()


def test_login_with_a_token_outside_printable_ascii(run_cli, demo_server: DemoServer) -> None:
    # an HTTP header holds ASCII only: sent as it is (2.1.1, or the raw form a 2.2
    # platform may want) such a token crashed the client with an internal error
    for token in ("sécret-token-1234", "secret\x01token", "secret\x7ftoken"):
        requests = len(demo_server.request_log)
        result = run_cli("login", demo_server.versions_url, "--token", token, "--party", "NL-ABC")
        assert result.exit_code == 1, result.stderr
        assert "error[OCX511]" in result.stderr
        assert token not in result.stdout + result.stderr
        assert len(demo_server.request_log) == requests


def test_a_profile_others_may_read_is_refused(run_cli, demo_server_factory, tmp_path: Path,
                                              snapshot) -> None:
    """A profile copied from another machine or restored from a backup (`-rw-r--r--`)
    was used by `get`, `run --profile` and cron jobs without a word, its token readable
    by anyone on the machine, where a destination profile in the same folder is refused.
    It is OCX509 naming the mode, with `chmod 600` and a new token as help; the token is
    never shown, and the profile works again once it is private."""
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    server = demo_server_factory(size=20)
    assert login(run_cli, server).exit_code == 0
    path = tmp_path / "config" / "profiles" / "default.json"
    env = {**os.environ, "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"), "NO_COLOR": "1"}

    def get() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ocpispec", "get", "sessions", "--limit", "1"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    path.chmod(0o644)
    refused = get()
    assert refused.returncode == 1 and refused.stdout == ""
    assert server.token not in refused.stderr
    assert scrub(refused.stderr, tmp_path=tmp_path) == snapshot
    listed = run_cli("profiles")
    assert listed.exit_code == 1 and "may be read by others (mode 0644)" in listed.stderr
    path.chmod(0o600)
    again = get()
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("\n") == 1
