"""`ocpispec.toml` configuration: discovery, precedence, diagnostics with lines, no
secrets, `ocpispec config`, and the values in `run`, `plan`, `get` and `check`
(real files in tmp dirs, the demo CPO over HTTP)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.config import ConfigError, load_config, user_config_dir
from ocpispec.config.locate import key_spans

KEY = "7c2e9b41d08f3a65e1b7c940d2a8f36b5e09c7d14a2f8b63e5d0c9a71b4f2e86"
SPEC = '''export config_test
  consumer "Test consumer"
  purpose "Configuration tests of ocpispec"
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
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with a spec two levels below it; the user config dir in tmp."""
    monkeypatch.setenv("OCPISPEC_CONFIG_DIR", str(tmp_path / "config"))
    for variable in ("OCPISPEC_PAGE_SIZE", "OCPISPEC_RPS", "OCPISPEC_PROFILE",
                     "OCPISPEC_TEMPLATES_ROOT", "OCPISPEC_REQUIRE_APPROVAL"):
        monkeypatch.delenv(variable, raising=False)
    spec_dir = tmp_path / "project" / "specs" / "consumer"
    spec_dir.mkdir(parents=True)
    (spec_dir / "spec.ocx").write_text(SPEC)
    return tmp_path / "project"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def scrubbed(result, tmp_path: Path) -> str:
    return cli_block(result).replace(str(tmp_path.resolve()), "<tmp>").replace(
        str(tmp_path), "<tmp>")


# ---- discovery and precedence --------------------------------------------------------------

def test_built_in_defaults_without_files(project: Path) -> None:
    config = load_config(project / "specs", env={})
    assert config.get("page_size") == 500 and config.origin("page_size") == "built-in"
    assert config.get("profile") is None and config.files == ()


def test_the_project_file_is_found_upward_and_beats_the_user_file(project: Path,
                                                                   tmp_path: Path) -> None:
    write(tmp_path / "config" / "ocpispec.toml", "page_size = 100\nconcurrency = 2\n")
    write(project / "ocpispec.toml", "# defaults\n\npage_size = 200\n")
    config = load_config(project / "specs" / "consumer", env={})
    assert config.get("page_size") == 200
    assert config.origin("page_size") == f"{(project / 'ocpispec.toml').resolve()}:3"
    assert config.get("concurrency") == 2
    assert config.origin("concurrency") == f"{tmp_path / 'config' / 'ocpispec.toml'}:2"


def test_environment_beats_files_and_a_flag_beats_everything(project: Path) -> None:
    write(project / "ocpispec.toml", "rps = 1.5\n")
    config = load_config(project, env={"OCPISPEC_RPS": "3"})
    assert (config.get("rps"), config.origin("rps")) == (3.0, "env OCPISPEC_RPS")
    flagged = config.with_flag("rps", 7.0, "--rps")
    assert (flagged.get("rps"), flagged.origin("rps")) == (7.0, "flag --rps")


def test_relative_paths_in_a_file_are_relative_to_the_file(project: Path) -> None:
    write(project / "ocpispec.toml", 'output_root = "exports"\nstate_dir = "/var/state"\n')
    config = load_config(project / "specs", env={"OCPISPEC_TEMPLATES_ROOT": "lib"})
    assert config.get("output_root") == project.resolve() / "exports"
    assert config.get("state_dir") == Path("/var/state")
    assert config.get("runs_dir") == Path("/var/state/runs")
    assert config.origin("runs_dir") == "built-in: beside state_dir"
    assert config.get("templates_root") == Path("lib")  # env: relative to the current dir


@pytest.mark.parametrize(("written", "expected"), [
    ('"signed"', "signed approval"), ('"approval"', "approval"), ("true", "approval"),
    ('"no"', None), ("false", None)])
def test_require_approval_values(project: Path, written: str, expected) -> None:
    write(project / "ocpispec.toml", f"require_approval = {written}\n")
    assert load_config(project, env={}).get("require_approval") == expected


def test_the_user_directory_is_the_one_logins_use(project: Path) -> None:
    from ocpispec.ocpi.profiles import config_dir

    assert user_config_dir() == config_dir()


def test_destination_profiles_are_kept_as_tables(project: Path) -> None:
    write(project / "ocpispec.toml", '[destinations.archive]\nkind = "sftp"\n'
          'host = "files.example"\nport = 22\npassword_env = "ARCHIVE_PASSWORD"\n')
    table, origin = load_config(project, env={}).destinations["archive"]
    assert table == {"kind": "sftp", "host": "files.example", "port": 22,
                     "password_env": "ARCHIVE_PASSWORD"}
    assert origin.endswith("ocpispec.toml")


# ---- diagnostics ---------------------------------------------------------------------------

BAD_FILE = '''# team defaults
page_size = 200
concurency = 8
rps = "fast"
api_token = "tok-5f1e0c9a"

[destinations.archive]
kind = "sftp"
password = "hunter2-secret"
'''


def test_problems_are_diagnostics_with_lines_and_no_secret(run_cli, project: Path,
                                                           tmp_path: Path, snapshot) -> None:
    write(project / "ocpispec.toml", BAD_FILE)
    result = run_cli("config", "--spec", str(project / "specs" / "consumer" / "spec.ocx"))
    assert result.exit_code == 1
    assert "tok-5f1e0c9a" not in result.output and "hunter2" not in result.output
    assert "did you mean `concurrency`?" in result.stderr
    assert scrubbed(result, tmp_path) == snapshot


def test_invalid_toml_points_at_the_place(run_cli, project: Path, tmp_path: Path,
                                          snapshot) -> None:
    write(project / "ocpispec.toml", "page_size = 200\nprofile = cpo\n")
    result = run_cli("config", "--spec", str(project / "specs" / "consumer" / "spec.ocx"))
    assert result.exit_code == 1 and "ocpispec.toml:2:11" in result.stderr
    assert scrubbed(result, tmp_path) == snapshot


def test_a_wrong_environment_value_is_named_not_shown(run_cli, project: Path,
                                                      snapshot) -> None:
    result = run_cli("config", env={"OCPISPEC_PAGE_SIZE": "lots-9f2c"})
    assert result.exit_code == 1 and "lots-9f2c" not in result.output
    assert cli_block(result) == snapshot


@pytest.mark.parametrize("text", ["page_size = 0\n", "concurrency = 33\n", "rps = -1\n",
                                  "rps = true\n", 'profile = ""\n', "output_root = 3\n",
                                  'require_approval = "maybe"\n', "destinations = 1\n",
                                  "[destinations.x]\nnested = { a = 1 }\n"])
def test_wrong_types_are_ocx632(project: Path, text: str) -> None:
    write(project / "ocpispec.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(project, env={})
    assert [d.code for d in caught.value.diagnostics] == ["OCX632"]
    assert caught.value.diagnostics[0].labels  # points at the line


@pytest.mark.parametrize("key", ["token", "api_key", "client_secret", "sftp_password",
                                 "private_key", "Authorization"])
def test_secret_keys_are_refused(project: Path, key: str) -> None:
    write(project / "ocpispec.toml", f'{key} = "value-0c1d"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(project, env={})
    assert [d.code for d in caught.value.diagnostics] == ["OCX631"]
    _, source = caught.value.problems[0]
    assert "value-0c1d" not in source.text


@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True), min_size=1,
                max_size=6, unique=True))
@settings(max_examples=50, deadline=None)
def test_every_key_is_located_on_its_own_line(keys: list[str]) -> None:
    text = "# header\n" + "".join(f"{key} = {i}\n" for i, key in enumerate(keys))
    spans = key_spans(text)
    for line, key in enumerate(keys, start=1):
        span = spans[(key,)]
        assert text[span.start:span.end] == key
        assert text.count("\n", 0, span.start) == line


# ---- `ocpispec config` ---------------------------------------------------------------------

GOOD_FILE = '''# Defaults for every spec of this project.
profile = "cpo_production"
output_root = "exports"
page_size = 250
state_dir = ".ocpispec/state"
require_approval = "signed"

[destinations.archive]
kind = "sftp"
host = "files.example"
password_env = "ARCHIVE_PASSWORD"
'''


def test_config_text_names_every_origin(run_cli, project: Path, tmp_path: Path,
                                        snapshot) -> None:
    write(project / "ocpispec.toml", GOOD_FILE)
    write(tmp_path / "config" / "ocpispec.toml", "concurrency = 8\npage_size = 50\n")
    result = run_cli("config", "--spec", str(project / "specs" / "consumer" / "spec.ocx"),
                     "--page-size", "100", env={"OCPISPEC_RPS": "2.5"})
    assert result.exit_code == 0
    assert "page_size         100  [flag --page-size]" in result.stdout
    assert scrubbed(result, tmp_path) == snapshot


def test_config_json(run_cli, project: Path, tmp_path: Path, snapshot) -> None:
    write(project / "ocpispec.toml", GOOD_FILE)
    result = run_cli("config", "--spec", str(project / "specs" / "consumer" / "spec.ocx"),
                     "--format", "json")
    document = json.loads(result.stdout)
    assert document["settings"]["page_size"]["value"] == 250
    assert document["settings"]["concurrency"]["origin"] == "built-in"
    assert scrubbed(result, tmp_path) == snapshot


def test_config_without_files(run_cli, snapshot) -> None:
    result = run_cli("config")
    assert result.exit_code == 0
    assert cli_block(result) == snapshot


# ---- the values at work ---------------------------------------------------------------------

@pytest.fixture
def env(demo_server_factory) -> dict[str, str]:
    server = demo_server_factory(version="2.2.1", size=200, max_page_size=100)
    return {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
            "TEST_PSEUDONYM_KEY": KEY}


def test_run_writes_under_the_output_root_and_keeps_state_in_state_dir(
        run_cli, project: Path, env: dict[str, str]) -> None:
    write(project / "ocpispec.toml", 'output_root = "exports"\nstate_dir = "state"\n')
    spec = project / "specs" / "consumer" / "spec.ocx"
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "-q", env=env)
    assert result.exit_code == 0, result.output
    assert (project / "exports" / "out" / "sessions.csv").is_file()
    assert (project / "state" / "ledger.sqlite").is_file()
    assert list((project / "state" / "runs" / "config_test").glob("*.json"))


def test_a_flag_beats_the_configured_page_size(run_cli, project: Path) -> None:
    write(project / "ocpispec.toml", "page_size = 123\n")
    spec = str(project / "specs" / "consumer" / "spec.ocx")
    configured = json.loads(run_cli("plan", spec, "--format", "json").stdout)
    flagged = json.loads(run_cli("plan", spec, "--format", "json", "--page-size", "77").stdout)
    assert '"page_size": 123' in json.dumps(configured)
    assert '"page_size": 77' in json.dumps(flagged)


def test_configured_require_approval_stops_the_run(run_cli, project: Path,
                                                   env: dict[str, str]) -> None:
    write(project / "ocpispec.toml", 'require_approval = "approval"\n')
    spec = project / "specs" / "consumer" / "spec.ocx"
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 1 and "OCX610" in result.stderr
    allowed = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "-q",
                      env={**env, "OCPISPEC_REQUIRE_APPROVAL": "no"})
    assert allowed.exit_code == 0, allowed.output


def test_a_spec_repository_cannot_switch_off_the_machine_s_demand(
        run_cli, project: Path, tmp_path: Path, env: dict[str, str]) -> None:
    """The attack (adversarial review, round four): the machine that runs exports demands
    signed approvals in its user file; whoever writes the spec repository commits an
    ocpispec.toml beside the specs with `require_approval = "no"`. The project file is
    the stronger place, so it won: the run went ahead with no approval at all. A project
    file may demand more than the user file, never less (the environment and flags,
    which the machine's operator sets, still decide over both)."""
    write(tmp_path / "config" / "ocpispec.toml", 'require_approval = "signed"\n')
    write(project / "ocpispec.toml", 'require_approval = "no"\n')
    spec = project / "specs" / "consumer" / "spec.ocx"
    config = load_config(spec.parent, env={})
    assert config.get("require_approval") == "signed approval"
    assert config.origin("require_approval") == f"{tmp_path / 'config' / 'ocpispec.toml'}:1"
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 1 and "OCX611" in result.stderr, result.output
    checked = run_cli("approvals", str(spec), "--check", env=env)
    assert checked.exit_code == 1 and "requires signed approval" in checked.stdout
    # the other way round, the project's stricter demand holds
    write(tmp_path / "config" / "ocpispec.toml", 'require_approval = "no"\n')
    write(project / "ocpispec.toml", 'require_approval = "approval"\n')
    assert load_config(spec.parent, env={}).get("require_approval") == "approval"


def test_a_broken_file_stops_run_before_any_request(run_cli, project: Path) -> None:
    write(project / "ocpispec.toml", "pagesize = 100\n")
    result = run_cli("run", str(project / "specs" / "consumer" / "spec.ocx"))
    assert result.exit_code == 1
    assert "OCX630" in result.stderr and "did you mean `page_size`?" in result.stderr


def test_check_finds_templates_under_the_configured_root(run_cli, project: Path) -> None:
    write(project / "ocpispec.toml", 'templates_root = "templates"\n')
    write(project / "templates" / "rows.md.j2", "{% for row in rows %}{{ row.session }}\n"
          "{% endfor %}")
    spec = write(project / "specs" / "consumer" / "templated.ocx",
                 SPEC.replace('output csv to "out/sessions.csv"',
                              'output template "rows.md.j2" to "out/rows.md"'))
    assert run_cli("check", str(spec)).exit_code == 0
    (project / "ocpispec.toml").unlink()
    assert run_cli("check", str(spec)).exit_code == 1


def test_get_uses_the_configured_profile(run_cli, demo_profile, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from ocpispec.ocpi.profiles import load_profile, save_profile

    save_profile("configured", load_profile("default"))
    write(tmp_path / "config" / "ocpispec.toml", 'profile = "missing"\n')
    monkeypatch.chdir(tmp_path)
    missing = run_cli("get", "locations", "--limit", "2")
    assert missing.exit_code == 1 and "missing" in missing.stderr
    assert run_cli("get", "locations", "--limit", "2", "--profile", "configured").exit_code == 0


def test_state_commands_use_the_configured_state_dir(run_cli, project: Path,
                                                     env: dict[str, str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "ocpispec.toml", 'state_dir = "state"\n')
    spec = project / "specs" / "consumer" / "spec.ocx"
    assert run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "-q",
                   env=env).exit_code == 0
    monkeypatch.chdir(project / "specs")
    shown = run_cli("state", "show", "config_test")
    assert shown.exit_code == 0 and "watermark 2026-01-01T00:00:00Z" in shown.stdout
    assert str(project.resolve() / "state" / "ledger.sqlite") in shown.stdout


@pytest.mark.parametrize(("text", "line"), [
    ("page_size = 1\n[fetch]\npage_size = 2\n", 2),
    ("# x\nfetch.page_size = 2\n", 2),
    ("[destinations.a]\nkind = 1\n[profiles.x]\nname = 2\n", 3)])
def test_unknown_tables_point_at_their_first_line(project: Path, text: str, line: int) -> None:
    write(project / "ocpispec.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(project, env={})
    diagnostic, source = caught.value.problems[0]
    assert diagnostic.code == "OCX630"
    assert source.line_col(diagnostic.primary_span.start)[0] == line


@given(st.fixed_dictionaries({}, optional={
    "flag": st.integers(1, 10_000), "env": st.integers(1, 10_000),
    "project": st.integers(1, 10_000), "user": st.integers(1, 10_000)}))
@settings(max_examples=40, deadline=None)
def test_the_strongest_place_wins(tmp_path_factory, given_values: dict[str, int]) -> None:
    root = tmp_path_factory.mktemp("precedence")
    user_dir, project = root / "user", root / "project"
    project.mkdir()
    if "user" in given_values:
        write(user_dir / "ocpispec.toml", f"page_size = {given_values['user']}\n")
    if "project" in given_values:
        write(project / "ocpispec.toml", f"page_size = {given_values['project']}\n")
    env = {}
    if "env" in given_values:
        env["OCPISPEC_PAGE_SIZE"] = str(given_values["env"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OCPISPEC_CONFIG_DIR", str(user_dir))
        config = load_config(project, env=env)
    if "flag" in given_values:
        config = config.with_flag("page_size", given_values["flag"], "--page-size")
    strongest = next((given_values[place] for place in ("flag", "env", "project", "user")
                      if place in given_values), 500)
    assert config.get("page_size") == strongest


def test_a_configured_runs_dir_holds_the_run_records(run_cli, project: Path,
                                                     env: dict[str, str]) -> None:
    write(project / "ocpispec.toml", 'state_dir = "state"\nruns_dir = "records"\n')
    spec = project / "specs" / "consumer" / "spec.ocx"
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--out",
                     str(project / "out.csv"), "-q", env=env)
    assert result.exit_code == 0, result.output
    assert list((project / "records" / "config_test").glob("*.json"))
    assert not (project / "state" / "runs").exists()


def test_history_and_review_read_the_ledger_of_the_configured_state_dir(project: Path, env: dict[str, str],
                                                                         tmp_path: Path) -> None:
    """With `state_dir = "state"` in the project's `ocpispec.toml`, `run` logged its runs
    in `state/ledger.sqlite`, but `history` in the project read `.ocpispec/ledger.sqlite`
    and said "No runs logged" (an Art. 30 register of nothing), and `review` showed no
    measured risk. Both read the ledger `run` writes."""
    import os
    import subprocess
    import sys

    write(project / "ocpispec.toml", 'state_dir = "state"\n')
    spec = project / "specs" / "consumer" / "spec.ocx"
    base = {name: value for name, value in os.environ.items() if name != "OCPISPEC_LEDGER"}
    base.update(env, OCPISPEC_CONFIG_DIR=str(tmp_path / "config"))

    def ocpispec(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ocpispec", *args], cwd=project, env=base,
                              capture_output=True, text=True, timeout=120)

    ran = ocpispec("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "-q")
    assert ran.returncode == 0, ran.stderr
    logged = ocpispec("history", "--format", "json")
    assert logged.returncode == 0, logged.stderr
    assert [run["outcome"] for run in json.loads(logged.stdout)] == ["committed"]
    register = ocpispec("history", "--register")
    assert "config\\_test" in register.stdout
    review = json.loads(ocpispec("review", str(spec), "--format", "json").stdout)
    assert "committed run" in json.dumps(review)


def test_config_json_with_a_wrong_file_prints_the_problems(project: Path, tmp_path: Path, snapshot) -> None:
    """`ocpispec config --format json | jq` in a deploy check printed nothing on stdout
    when the project's file was wrong (exit 1), so the tool failed on an empty document.
    It prints the problems (code, message, file, line, column, help), never a value."""
    import os
    import subprocess
    import sys

    write(project / "ocpispec.toml", 'page_sise = 5\ntoken = "s3cret-in-the-file"\n')
    done = subprocess.run([sys.executable, "-m", "ocpispec", "config", "--format", "json"], cwd=project,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
                               "OCPISPEC_PAGE_SIZE": "s3cret-in-a-variable"})
    assert done.returncode == 1
    assert "s3cret" not in done.stdout + done.stderr
    assert json.loads(done.stdout.replace(str(project), "<project>")) == snapshot
