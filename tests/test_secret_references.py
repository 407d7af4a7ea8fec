"""A secret given where its reference belongs: the token as `--token-env`'s variable
name, a password or an S3 secret as a destination profile's `*_env` name, a private
key's text (a CI secret) as `OCPISPEC_SFTP_KEY_FILE` or `OCPISPEC_SIGNING_KEY`. Each
was quoted whole in the error (a key too long for a file name ended `approve` as an
internal error and left an unsigned approval behind); now only a reference that reads
as a name or a path is shown, anything else is described by its length."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from fixtures_cli import REPO, cli_block
from ocpispec import secret_refs
from ocpispec.demo import DemoServer

# the shape of an OpenSSH private key as a CI secret holds it (made up: no real key)
KEY_BODY = ("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
            "QyNTUxOQAAACAJ4iveDxlQYltj0LuyS6HARYeZwe5zU8VtGxEVmkxjTgAAAJDIM4y4yDOM"
            "uAAAAAtzc2gtZWQyNTUxOQAAACAJ4iveDxlQYltj0LuyS6HARYeZwe5zU8VtGxEVmkxjTg"
            "AAAEC3by4oUpSfIXLOzEgG3V48in79rHYKEvO11MAdvjr3FgniK94PGVBiW2PQu7JLocBF")
PEM = ("-----BEGIN OPENSSH PRIVATE KEY-----\n"
       + "\n".join(KEY_BODY[i:i + 70] for i in range(0, len(KEY_BODY), 70))
       + "\n-----END OPENSSH PRIVATE KEY-----\n")
# a key's text in the forms a key file's variable was found holding
KEY_TEXTS = {"pem": PEM, "pem-start": PEM[:80], "one-line-body": KEY_BODY[20:120],
             "base64-of-pem": "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0K" + KEY_BODY[:60]}
SECRET_PARTS = ("BEGIN", "PRIVATE", "LS0tLS1", KEY_BODY[20:40], KEY_BODY[60:80], KEY_BODY[150:170])


def _never_shown(text: str) -> None:
    assert not any(part in text for part in SECRET_PARTS), text


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=20) as demo:
        yield demo


def test_a_token_given_as_its_variable_s_name_is_not_shown(run_cli, server, snapshot) -> None:
    """`--token-env "$OCPI_TOKEN"`: the error said "environment variable `<the token>` is
    empty or not set" and "export <the token>=...", in login and doctor."""
    token = "9f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f"
    login = run_cli("login", server.versions_url, "--token-env", token, "--party", "NL-ABC")
    doctor = run_cli("doctor", server.versions_url, "--token-env", token, "--party", "NL-ABC")
    hex_token = run_cli("login", server.versions_url, "--token-env", "a1b2c3d4e5f60718293a4b5c",
                        "--party", "NL-ABC")
    named = run_cli("login", server.versions_url, "--token-env", "CPO_TOKEN_2", "--party", "NL-ABC")
    for result in (login, doctor, hex_token):
        assert result.exit_code == 1 and "OCX511" in result.output
        assert token not in result.output and "a1b2c3d4e5f6" not in result.output
        assert "`--token-env OCPI_TOKEN`, not `--token-env \"$OCPI_TOKEN\"`" in result.output
    assert "environment variable `CPO_TOKEN_2` is empty or not set" in named.stderr
    assert "export CPO_TOKEN_2=..." in named.stderr
    assert server.request_log == []
    assert cli_block(login) == snapshot


def _sftp_spec(tmp_path: Path, destination: str = "sftp://drop.example/in/sites.geojson") -> Path:
    spec = tmp_path / "sites.ocx"
    text = (REPO / "specs" / "open_data_locations.ocx").read_text(encoding="utf-8")
    spec.write_text(text.replace('"exports/open-data/charging-locations-{run.date}.geojson"',
                                 f'"{destination}"'), encoding="utf-8")
    return spec


@pytest.mark.parametrize("form", sorted(KEY_TEXTS))
def test_a_private_key_given_as_its_file_s_path_is_not_shown(run_cli, tmp_path, form, snapshot) -> None:
    """`OCPISPEC_SFTP_KEY_FILE` holding the key itself: OCX596 quoted it ("the key file
    `-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Bl...` ... does not exist"), or, too long
    for a file name, as `[Errno 36] File name too long: '-----BEGIN ...'`."""
    spec = _sftp_spec(tmp_path)
    result = run_cli("run", str(spec), "--demo", env={"OCPISPEC_SFTP_USER": "drop",
                                                      "OCPISPEC_SFTP_KEY_FILE": KEY_TEXTS[form]})
    assert result.exit_code == 1 and "error[OCX596]" in result.stderr, result.output
    assert "is no file's path" in result.stderr
    _never_shown(result.output)
    # no profile was found: the help writes the profile to create, not "mend" one
    assert "mend the destination profile" not in result.stderr
    if form == "pem":
        assert cli_block(result, tmp=tmp_path) == snapshot


def test_a_key_file_s_real_path_is_still_shown(run_cli, tmp_path) -> None:
    spec = _sftp_spec(tmp_path)
    missing = tmp_path / "keys" / "id_ed25519"
    result = run_cli("run", str(spec), "--demo", env={"OCPISPEC_SFTP_USER": "drop",
                                                      "OCPISPEC_SFTP_KEY_FILE": str(missing)})
    assert result.exit_code == 1 and f"the key file `{missing}` named by the environment" in result.stderr


@pytest.mark.parametrize(("scheme", "profile", "secret"), [
    ("sftp", 'host = "drop.example"\nuser = "drop"\npassword_env = "{secret}"\n',
     "Tr0ub4dor&3-horse-battery"),
    ("sftp", 'host = "drop.example"\nuser = "drop"\nkey_file_env = "{secret}"\n', "hunter2hunter2XyZ99"),
    ("s3", 'bucket = "drop"\naccess_key_env = "DROP_ACCESS_KEY"\nsecret_key_env = "{secret}"\n',
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
])
def test_a_secret_given_as_a_profile_s_variable_name_is_not_shown(run_cli, tmp_path, scheme, profile,
                                                                  secret) -> None:
    """A destination profile whose `password_env` (`key_file_env`, `secret_key_env`) holds
    the secret instead of the name of a variable holding it: OCX596 said "... from the
    environment variable <the password>, which is not set"."""
    folder = tmp_path / "config" / "destinations"
    folder.mkdir(parents=True)
    written = folder / "drop.toml"
    written.write_text(profile.format(secret=secret), encoding="utf-8")
    written.chmod(0o600)
    spec = _sftp_spec(tmp_path, f"{scheme}://drop/in/sites.geojson")
    result = run_cli("run", str(spec), "--demo", env={"DROP_ACCESS_KEY": "AKIAIOSFODNN7EXAMPLE"})
    assert result.exit_code == 1 and "error[OCX596]" in result.stderr, result.output
    assert secret not in result.output and secret[:8] not in result.output
    assert "is no variable's name" in result.stderr


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
@pytest.mark.parametrize("form", ["pem", "one-line-body"])
def test_a_signing_key_given_as_its_path_is_not_shown(run_cli, tmp_path, form) -> None:
    """`OCPISPEC_SIGNING_KEY` holding the key itself: `approve` printed it ("the signing
    key `-----BEGIN ...` does not exist"), or, too long for a file name, ended as an
    internal error (exit 70) that left an unsigned approval the officer meant signed."""
    spec = tmp_path / "research.ocx"
    shutil.copy(REPO / "specs" / "research_cdrs.ocx", spec)
    result = run_cli("approve", str(spec), "--by", "Pat <pat@cpo.example>",
                     env={"OCPISPEC_SIGNING_KEY": KEY_TEXTS[form]})
    assert result.exit_code == 1 and "error[OCX612]" in result.stderr, result.output
    assert "is no file's path" in result.stderr and "no approval was recorded" in result.stderr
    _never_shown(result.output)
    assert not list(tmp_path.glob("research.ocx.approvals/*.toml"))


@pytest.mark.parametrize("name", ["OCPI_TOKEN", "CPO_TOKEN_2", "research_sftp_password", "S3_KEY", "X",
                                  "UTRECHT_KEY_20260101", "OCPISPEC_PSEUDONYM_KEY_2026_Q1", "OcpiToken",
                                  "OcpiToken2", "S3Key", "myS3SecretKey"])
def test_names_of_variables_read_as_names(name: str) -> None:
    assert secret_refs.is_name(name)


@pytest.mark.parametrize("value", ["9f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f", "a1b2c3d4e5f60718293a",
                                   "Tr0ub4dor&3", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                   "Xk9TqL2mVw8RzP4n", "abc def", "", "A" * 65, "x1y2z3w4v5u6t7s8",
                                   "KEY_4f9e2b7c81d34a6fb0e5"])
def test_secrets_do_not_read_as_names(value: str) -> None:
    assert not secret_refs.is_name(value)


@pytest.mark.parametrize("path", ["~/.ssh/id_ed25519", "/etc/ocpispec/keys/drop-2026.key",
                                  "C:\\keys\\id_rsa", "keys/3f2a9c81d4e5b6a7c8d9e0f1a2b3c4d5e6f7a8b9.pem",
                                  os.devnull])
def test_paths_read_as_paths(path: str) -> None:
    assert secret_refs.is_path(path)
    assert secret_refs.key_file(path) == f"the key file `{path}`"


@pytest.mark.parametrize("form", sorted(KEY_TEXTS))
def test_key_texts_do_not_read_as_paths(form: str) -> None:
    assert not secret_refs.is_path(KEY_TEXTS[form])
    assert not secret_refs.is_file(KEY_TEXTS[form])
    _never_shown(secret_refs.key_file(KEY_TEXTS[form]))


@pytest.mark.parametrize("line", ['secret_key_env = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # drop',
                                  "secret_key_env = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'"])
def test_a_secret_given_as_a_configured_variable_name_is_refused_unshown(run_cli, tmp_path, line,
                                                                         snapshot) -> None:
    """`ocpispec.toml` refuses a `password` key (OCX631) but took `secret_key_env = "<the
    secret>"`: `ocpispec config` printed it beside the table, in text and JSON, and the
    run's OCX596 named it as the variable it reads."""
    (tmp_path / "ocpispec.toml").write_text(
        f'[destinations.drop]\nkind = "s3"\nbucket = "drop"\naccess_key_env = "DROP_KEY"\n{line}\n',
        encoding="utf-8")
    spec = _sftp_spec(tmp_path, "s3://drop/in/sites.geojson")
    shown = [run_cli("config", "--spec", str(spec)), run_cli("config", "--spec", str(spec), "--format", "json"),
             run_cli("run", str(spec), "--demo", env={"DROP_KEY": "AKIAIOSFODNN7EXAMPLE"})]
    for result in shown:
        assert result.exit_code == 1 and "OCX631" in result.output, result.output
        assert "wJalr" not in result.output and "EXAMPLEKEY" not in result.output
        assert "secret_key_env = <redacted>" in result.stderr
    assert cli_block(shown[0], tmp=tmp_path) == snapshot


@pytest.mark.parametrize("value", ['"DROP_SECRET_ACCESS_KEY"', '"drop_secret"', "'AWS_SECRET_2'"])
def test_a_configured_variable_name_is_kept_and_shown(run_cli, tmp_path, value) -> None:
    (tmp_path / "ocpispec.toml").write_text(
        f'[destinations.drop]\nkind = "s3"\nbucket = "drop"\nsecret_key_env = {value}\n', encoding="utf-8")
    result = run_cli("config", "--spec", str(_sftp_spec(tmp_path, "s3://drop/in/sites.geojson")))
    assert result.exit_code == 0 and f"secret_key_env = {value.strip(chr(34) + chr(39))}" in result.stdout


@pytest.mark.parametrize("words", [("--token", "Token", "{token}"), ("--token=Token", "{token}"),
                                   ("--token", "4f9e 2b", "{token}")])
def test_a_token_s_second_word_is_not_echoed_as_an_extra_argument(run_cli, server, words) -> None:
    """`--token Token 4f9e...` (pasted with its header's word) or a token holding a space:
    click's usage error quoted the word it did not expect: "Got unexpected extra argument
    (4f9e...)", the token, in login and doctor."""
    token = "4f9e2b7c-81d3-4a6f-b0e5-9c2d7a1f3e84"
    given = [word.format(token=token) for word in words]
    for command in ("login", "doctor"):
        result = run_cli(command, server.versions_url, "--party", "NL-ABC", *given)
        assert result.exit_code == 2 and "Got unexpected extra arguments (not shown" in result.stderr
        assert token not in result.output and "4f9e" not in result.output
    other = run_cli("run", "specs/research_cdrs.ocx", "stray-word")
    assert other.exit_code == 2 and "Got unexpected extra argument (stray-word)" in other.stderr


@pytest.mark.parametrize(("url", "token"), [
    ("https://cpo.example/ocpi/{token}/versions ", "{token}"),
    ("ftp://cpo.example/ocpi/{token}/versions", "{token}"),
    ("https://cpo.example/ocpi/{token}/versions\n", "Token {token}"),
])
def test_a_token_in_the_path_of_a_versions_url_refused_before_any_request_is_hidden(
        run_cli, url, token) -> None:
    """A platform that puts the token in its URLs' paths (`/ocpi/{token}/versions`) had it
    hidden once a request was made; a versions URL refused before any (a trailing space
    or line break, another scheme) showed it in OCX510's 'got: ...', in login and in
    doctor's header, and a token pasted with its header's word was not hidden there."""
    secret = "7d3c1a9e-25b4-4e8f-a6c0-d9b2e5f81a37"  # a token of its own: kept secrets outlive a test
    for command in ("login", "doctor"):
        result = run_cli(command, url.format(token=secret), "--token", token.format(token=secret),
                         "--party", "NL-ABC")
        assert result.exit_code == 1 and "OCX510" in result.output, result.output
        assert secret not in result.output and "/ocpi/(redacted)/versions" in result.output


def test_a_token_given_as_the_party_is_not_shown(run_cli, server) -> None:
    """The token and the party swapped (`--party "$OCPI_TOKEN"`): "Invalid value for
    '--party': `<the token>` is not a party" in login and doctor."""
    token = "c81f0e5a-4d2b-49a7-8e3c-b6f1d0a2e947"
    for command in ("login", "doctor"):
        result = run_cli(command, server.versions_url, "--party", token, "--token", "NL-ABC")
        assert result.exit_code == 2 and "is not a party" in result.stderr, result.output
        assert token not in result.output and "a value of 36 characters" in result.stderr
    short = run_cli("login", server.versions_url, "--party", "Netherlands", "--token", "NL-ABC")
    assert "`Netherlands` is not a party" in short.stderr


ENV_SECRETS_SPEC = '''export x
  consumer "c"
  purpose "statistics for the city council"
  legal basis public task "x"
  retention 1 months
  pseudonym key env a3f9c2d81b7e4f60a9d2c5b8e1f47a03d6c9b2e5f8a1d4c7b0e3f6a9d2c5b8e1
source ocpi env OCPI_VERSIONS_URL token env Xk9TqL2mVw8RzP4nB7cY1dF6hJ3sG5a
from sessions
select
  pseudonymize(id) as s
output csv to "x.csv"
'''


def test_a_secret_written_as_its_variable_s_name_in_a_spec_is_refused_masked(run_cli, tmp_path,
                                                                            snapshot) -> None:
    """`pseudonym key env a3f9...` (the key where its variable's name belongs; `token env
    Xk9T...` alike) checked clean, and plan, review, the approval record beside the spec
    and the run's OCX550 showed the key as the name of a variable: 'key from env
    `a3f9...`'. It is OCX305, as a quoted key is, masked in every rendering."""
    spec = tmp_path / "x.ocx"
    spec.write_text(ENV_SECRETS_SPEC, encoding="utf-8")
    shown = [run_cli("check", str(spec), "--format", fmt) for fmt in ("full", "concise", "json", "sarif")]
    shown += [run_cli("plan", str(spec)), run_cli("review", str(spec), "--format", "markdown")]
    for result in shown:
        assert result.exit_code == 1 and "OCX305" in result.output, result.output
        assert "a3f9c2d8" not in result.output and "Xk9TqL2m" not in result.output
    assert cli_block(shown[0], tmp=tmp_path) == snapshot


def test_a_token_in_a_profile_s_party_is_not_shown(run_cli, server, tmp_path) -> None:
    """A profile edited by hand with the token and the party swapped: OCX509 quoted the
    party field's first 40 characters, the token ('`party` must be a party such as
    `NL-ABC`, found `4f9e...`')."""
    token = "e2b7c81d-3a4f-4f6b-90e5-c9d27a1f3e84"
    login = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert login.exit_code == 0, login.output
    stored = next((tmp_path / "config" / "profiles").glob("default.json"))
    stored.write_text(stored.read_text(encoding="utf-8").replace('"NL-ABC"', f'"{token}"'), encoding="utf-8")
    result = run_cli("get", "tariffs", "--limit", "1")
    assert result.exit_code == 1 and "OCX509" in result.stderr, result.output
    assert token not in result.output and token[:8] not in result.output
    assert "`party` must be a party such as `NL-ABC`, found a value of 36 characters" in result.stderr


@pytest.mark.parametrize(("user", "shown"), [("Pw7c1e9aXq4fLm2Z", False), ("k8-4f9e2b7c81d34a6f", False),
                                             ("nobody-here", True)])
def test_a_password_given_as_the_sftp_user_is_not_shown(run_cli, sshd, tmp_path, user, shown) -> None:
    """OCPISPEC_SFTP_USER and OCPISPEC_SFTP_PASSWORD swapped (or `user = "<password>"`):
    the server refused the login and OCX596 said so with 'user `<the password>`' (a
    real OpenSSH server on 127.0.0.1)."""
    sshd.profile(tmp_path / "config", user=user)
    spec = _sftp_spec(tmp_path, f"sftp://127.0.0.1:{sshd.port}{sshd.root}/sites.geojson")
    result = run_cli("run", str(spec), "--demo")
    assert result.exit_code == 1 and "the server refused the login" in result.stderr, result.output
    assert (f"(user `{user}`)" in result.stderr) is shown
    if not shown:
        assert user not in result.output and "not shown: it may be the password" in result.stderr


@pytest.mark.parametrize("words", [
    ("login", "{url}", "--party", "NL-ABC", "--token-encoding", "{token}"),  # meant --token
    ("login", "{url}", "--party", "NL-ABC", "{token}"),                     # an extra argument
    ("doctor", "{url}", "--version", "{token}"),
    ("run", "specs/research_cdrs.ocx", "--workers", "{token}"),
    ("{token}", "check"),                                                   # as the command
])
@pytest.mark.parametrize("token", ["0f3cA9e17b2d4c5f8a6e", "4f9e2b7c-81d3-4a6f-b0e5-9c2d7a1f3e84",
                                   "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=="])
def test_a_token_given_where_another_value_belongs_is_not_echoed(run_cli, server, words, token) -> None:
    """A usage error quotes the word it refused: the token, pasted after the wrong option
    or without `--token`, went to the terminal and the CI log."""
    given = [word.format(url=server.versions_url, token=token) for word in words]
    result = run_cli(*given)
    assert result.exit_code == 2 and token not in result.output, result.output
    assert f"a value of {len(token)} characters" in result.stderr, result.stderr


@pytest.mark.parametrize(("words", "shown"), [
    (("check", "specs/research_cdrs.ocx", "--format", "exports/city_2026_v2.csv"), "exports/city_2026_v2.csv"),
    (("run", "specs/research_cdrs.ocx", "--workers", "municipality_sessions2"), "municipality_sessions2"),
    (("run", "specs/research_cdrs.ocx", "stray9word_with_digits_2026"), "stray9word_with_digits_2026"),
])
def test_names_paths_and_short_words_in_a_usage_error_stay_shown(run_cli, words, shown) -> None:
    result = run_cli(*words)
    assert result.exit_code == 2 and shown in result.stderr, result.stderr


@pytest.mark.parametrize("words", [
    ("login", "{url}", "--party", "NL-ABC", "--token-encoding", "{token}"),
    ("login", "{url}", "--party", "NL-ABC", "{token}"),
    ("{token}", "check"),
])
def test_the_usage_error_describing_a_token_reads_so(run_cli, server, words, snapshot) -> None:
    token = "4f9e2b7c-81d3-4a6f-b0e5-9c2d7a1f3e84"
    result = run_cli(*(word.format(url=server.versions_url, token=token) for word in words))
    assert cli_block(result).replace(server.versions_url, "<url>") == snapshot
