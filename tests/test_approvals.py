"""Approvals bound to the privacy fingerprint: `approve`, `approvals`, and `run`
refusing a spec that must be approved, before any request. Signatures with the real
ssh-keygen (keys generated per test)."""

from __future__ import annotations

import json
import re
import shutil
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fixtures_cli import REPO, WITHOUT_K, cli_block
from fixtures_demo import demo_server_factory  # noqa: F401 - fixture

KEY = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f9011223344556677889900aabbccdde"
PAT = "Pat Jansen <pat@cpo.example>"
RAW_START = ("truncate(start_date_time, hour) as started_hour",
             'start_date_time as started_hour because "the planners need exact start times"')
SPEC = "specs/sessions.ocx"

needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                                      reason="ssh-keygen is not installed (openssh-client); "
                                             ".ci/run installs it")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli) -> Path:
    """specs/sessions.ocx (the municipality spec with `requires approval`) in a temporary
    working directory, and a clock that ticks a minute per approval."""
    (tmp_path / "specs").mkdir()
    # the municipality spec without its k rule: the approval workflow runs it against a
    # demo of 200 sessions, where k 5 would suppress every row
    text = (REPO / WITHOUT_K).read_text()
    (tmp_path / SPEC).write_text(text.replace("  retention 24 months\n",
                                              "  retention 24 months\n  requires approval\n"))
    monkeypatch.chdir(tmp_path)
    ticks = iter(range(1000))
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    monkeypatch.setattr("ocpispec.approval.records.now",
                        lambda: start + timedelta(minutes=next(ticks)))
    for name in ("OCPISPEC_REQUIRE_APPROVAL", "OCPISPEC_SIGNING_KEY", "OCPISPEC_ALLOWED_SIGNERS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def server(demo_server_factory):  # noqa: F811
    return demo_server_factory(version="2.2.1", size=200, max_page_size=100)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))


def _run(run_cli, server, *args: str, env: dict[str, str] | None = None):
    return run_cli("run", SPEC, "--out", "out", "--state", "state/s.json", "--as-of",
                   "2026-01-01T00:00:00Z", "--quiet", *args,
                   env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                        "UTRECHT_PSEUDONYM_KEY": KEY, **(env or {})})


def test_the_officers_workflow(run_cli, workdir: Path, server, snapshot) -> None:
    """docs/review.md end to end: review, approve, run, change a column to the raw start
    time, see diff flag it and the run refused until it is approved again, then both
    runs in the disclosure log and the register."""
    review = run_cli("review", SPEC, "-o", "review.html")
    assert review.exit_code == 0, review.stderr
    page = (workdir / "review.html").read_text()
    assert "privacy fingerprint" in page and "Gemeente" in page
    refused = _run(run_cli, server)
    assert refused.exit_code == 1 and "OCX610" in refused.stderr
    assert server.request_log == []  # refused before any request

    approved = run_cli("approve", SPEC, "--by", PAT, "--note", "DPIA-2026-07")
    assert approved.exit_code == 0, approved.stderr
    first = _run(run_cli, server)
    assert first.exit_code == 0, first.stderr
    assert (workdir / "out").exists() and server.request_log
    record = json.loads(next((workdir / "state" / "runs").glob("*/*.json")).read_text())
    assert record["approval"]["approved_by"] == PAT and record["approval"]["requires"] == "approval"
    assert record["privacy_fingerprint"] == record["approval"]["privacy_fingerprint"]

    original = (workdir / SPEC).read_text()
    (workdir / "old.ocx").write_text(original)
    _edit(workdir / SPEC, *RAW_START)
    assert run_cli("diff", "old.ocx", SPEC).exit_code == 1
    requests = len(server.request_log)
    changed = _run(run_cli, server)
    assert changed.exit_code == 1 and len(server.request_log) == requests
    listed = run_cli("approvals", SPEC)
    assert "stale" in listed.stdout and "0 valid" in listed.stdout

    assert run_cli("approve", SPEC, "--by", PAT, "--note", "exact times for the planners")\
        .exit_code == 0
    second = _run(run_cli, server, "--restart")
    assert second.exit_code == 0, second.stderr
    assert run_cli("approvals", SPEC, "--check").exit_code == 0
    history = json.loads(run_cli("history", "--state", "state/s.json", "--format", "json").stdout)
    delivered = [run for run in history if run["outcome"] == "committed"]
    refusals = [run["code"] for run in history if run["outcome"] == "failed"]
    assert refusals == ["OCX610", "OCX610"]  # never approved; changed since approved
    assert len(delivered) == 2
    assert {run["approval"].split(" at ")[0] for run in delivered} == {PAT}
    register = run_cli("history", "--state", "state/s.json", "--register")
    assert register.exit_code == 0 and "Gemeente" in register.stdout
    (workdir / SPEC).write_text(original)  # back to the first approved version: valid again
    assert run_cli("approvals", SPEC, "--check").exit_code == 0
    assert cli_block(refused) == snapshot(name="never approved")
    assert cli_block(changed) == snapshot(name="changed since approved")
    assert cli_block(approved) == snapshot(name="approve")
    assert cli_block(listed) == snapshot(name="approvals")


def test_the_record_is_small_reviewable_toml(run_cli, workdir: Path, snapshot) -> None:
    assert run_cli("approve", SPEC, "--by", PAT, "--note", "DPIA-2026-07").exit_code == 0
    records = list((workdir / "specs" / "sessions.ocx.approvals").iterdir())
    assert [path.name for path in records] == ["20261201T090000Z-" +
                                               records[0].name[17:29] + ".toml"]
    text = records[0].read_text()
    assert text.replace("0.1.0", "VERSION") == snapshot


def test_a_personal_filter_value_is_not_in_the_record(run_cli, workdir: Path) -> None:
    _edit(workdir / SPEC, '  where status = "COMPLETED"',
          '  where status = "COMPLETED" and cdr_token.uid in ["04A2B3C4D5E6F7"] '
          'because "the fraud team reviews this blocked card"')
    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    record = next((workdir / "specs" / "sessions.ocx.approvals").iterdir())
    assert "04A2B3C4D5E6F7" not in record.read_text()
    _edit(workdir / SPEC, "04A2B3C4D5E6F7", "04A2B3C4D5E6F8")
    listed = run_cli("approvals", SPEC, "--check")
    assert listed.exit_code == 1 and "stale" in listed.stdout



def test_a_refused_run_names_a_changed_jmespath_value_as_one(run_cli, workdir: Path,
                                                              server) -> None:
    """A column's `jmespath(...)` value compared with a personal field changed since the
    approval: the refusal said a value in a *filter* changed, where the spec has none."""
    _edit(workdir / SPEC, "  truncate(start_date_time, hour) as started_hour",
          "  truncate(start_date_time, hour) as started_hour\n"
          "  jmespath(\"cdr_token.uid == '04A2B3C4D5E6F7'\") as blocked because "
          "\"the fraud team reviews the sessions of this blocked card\"")
    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    _edit(workdir / SPEC, "04A2B3C4D5E6F7", "04A2B3C4D5E6F8")
    refused = _run(run_cli, server)
    assert refused.exit_code == 1 and "OCX610" in refused.stderr
    assert "a value a `jmespath(...)` column compares personal fields with changed" \
        in refused.stderr
    assert "filter" not in refused.stderr and "04A2" not in refused.stderr

def test_the_setting_demands_approval_of_every_spec(run_cli, workdir: Path, server) -> None:
    _edit(workdir / SPEC, "  requires approval\n", "")
    assert _run(run_cli, server).exit_code == 0
    gated = _run(run_cli, server, env={"OCPISPEC_REQUIRE_APPROVAL": "1"})
    assert gated.exit_code == 1 and "OCPISPEC_REQUIRE_APPROVAL demands approval" in gated.stderr
    mistyped = _run(run_cli, server, env={"OCPISPEC_REQUIRE_APPROVAL": "yess"})
    assert mistyped.exit_code == 1 and "OCX611" in mistyped.stderr  # fails closed: signed


def test_reviewer_must_be_name_and_email(run_cli, workdir: Path) -> None:
    result = run_cli("approve", SPEC, "--by", "pat")
    assert result.exit_code == 2 and "Name <email>" in result.stderr
    assert not (workdir / "specs" / "sessions.ocx.approvals").exists()


def test_a_spec_with_errors_is_not_approved(run_cli, workdir: Path) -> None:
    _edit(workdir / SPEC, "pseudonymize(cdr_token.contract_id)", "cdr_token.contract_id")
    result = run_cli("approve", SPEC, "--by", PAT)
    assert result.exit_code == 1 and "OCX301" in result.stderr
    assert not (workdir / "specs" / "sessions.ocx.approvals").exists()


def test_an_unreadable_record_is_listed_not_trusted(run_cli, workdir: Path) -> None:
    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    record = next((workdir / "specs" / "sessions.ocx.approvals").iterdir())
    record.write_text("privacy_fingerprint = [")
    listed = run_cli("approvals", SPEC, "--check")
    assert listed.exit_code == 1 and "unreadable" in listed.stdout


@pytest.mark.parametrize(("option", "text"), [
    ("--by", "Pat \x1b[2K\rvalid <pat@cpo.example>"),
    ("--note", "DPIA-7\x1b]0;approved\x07"),
    ("--note", "DPIA-7\nvalid         2026-12-01T09:00:00Z  forged"),
    ("--note", "DPIA \u202e7-AIPD"),
], ids=["escape in the reviewer", "terminal title in the note", "line break in the note",
        "direction control in the note"])
def test_texts_that_would_change_how_approvals_show_are_refused(run_cli, workdir: Path,
                                                                option: str, text: str,
                                                                snapshot) -> None:
    """An escape sequence, a line break or a direction control in the reviewer or the note
    rewrote the `approvals` listing on a terminal (a stale record could look valid)."""
    by = text if option == "--by" else PAT
    result = run_cli("approve", SPEC, "--by", by, *(("--note", text) if option == "--note"
                                                      else ()))
    assert result.exit_code == 2 and "control character U+" in result.stderr
    assert not (workdir / "specs" / "sessions.ocx.approvals").exists()
    assert result.stderr.splitlines()[-1] == snapshot


def test_a_record_edited_to_hold_control_characters_is_unreadable(run_cli, workdir: Path,
                                                                  snapshot) -> None:
    assert run_cli("approve", SPEC, "--by", PAT, "--note", "DPIA-7").exit_code == 0
    record = next((workdir / "specs" / "sessions.ocx.approvals").iterdir())
    text = record.read_text()
    record.write_text(text.replace('"DPIA-7"', '"DPIA-7\\u001b[1A\\u001b[2K"'))
    listed = run_cli("approvals", SPEC, "--check")
    assert listed.exit_code == 1 and "\x1b" not in listed.stdout
    assert cli_block(listed) == snapshot
    record.write_text(text.replace('consumer = "Gemeente', 'consumer = "\\u001b[2KGemeente'))
    listed = run_cli("approvals", SPEC)
    assert "its summary holds the control character U+001B" in listed.stdout



def test_a_record_named_with_control_characters_is_shown_escaped(run_cli, workdir: Path) -> None:
    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    record = next((workdir / "specs" / "sessions.ocx.approvals").iterdir())
    record.rename(record.with_name("\x1b[1A\x1b[2K.toml"))
    listed = run_cli("approvals", SPEC, "--check")
    assert listed.exit_code == 1 and "\x1b" not in listed.stdout
    assert ("unreadable    <U+001B>[1A<U+001B>[2K.toml: its file name holds control characters"
            in listed.stdout)
    assert "\x1b" not in _run_refusal(run_cli, workdir)


def _run_refusal(run_cli, workdir: Path) -> str:
    env = {"OCPI_VERSIONS_URL": "http://127.0.0.1:9", "OCPI_TOKEN": "t",
           "UTRECHT_PSEUDONYM_KEY": KEY}
    result = run_cli("run", SPEC, "--out", "out", env=env)
    assert result.exit_code == 1 and "OCX610" in result.stderr
    return result.stderr


def test_a_spec_text_with_a_line_break_escape_keeps_its_approval(run_cli, workdir: Path) -> None:
    _edit(workdir / SPEC, '"Gemeente Utrecht, ', '"Gemeente Utrecht,\\n')
    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    assert run_cli("approvals", SPEC, "--check").exit_code == 0


def test_a_follower_stops_when_its_approval_is_withdrawn(run_cli, workdir: Path, server,
                                                        monkeypatch, snapshot) -> None:
    """`run --follow` checked the approval once: an approval withdrawn (its record
    deleted) while the follower slept did not stop the next weekly delivery."""
    import ocpispec.cli.run_control as run_control

    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    waits: list[object] = []

    def sleep_until(moment) -> None:
        waits.append(moment)
        if len(waits) > 1:
            raise KeyboardInterrupt
        shutil.rmtree(workdir / "specs" / "sessions.ocx.approvals")  # withdrawn

    monkeypatch.setattr(run_control, "sleep_until", sleep_until)
    result = run_cli("run", SPEC, "--follow", "--out", "out", "--state", "state/s.json",
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                          "UTRECHT_PSEUDONYM_KEY": KEY})
    assert len(waits) == 1 and result.stderr.count("Ran `utrecht_sessions`") == 1
    assert result.exit_code == 1 and "error[OCX610]" in result.stderr
    assert result.stderr.count("approval: approved by") == 1
    refusal = result.stderr[result.stderr.index("error[OCX610]"):]
    assert refusal == snapshot



def test_a_follower_s_refused_run_prints_its_json_summary(run_cli, workdir: Path, server,
                                                         monkeypatch) -> None:
    """`run --follow --summary json` prints a document per scheduled run; the run refused
    because the approval was withdrawn while the follower slept printed none (the
    follower's first run had printed one, so nothing else did), and a reader of the
    stream saw the follower end without a word about that run."""
    import json

    import ocpispec.cli.run_control as run_control

    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    waits: list[object] = []

    def sleep_until(moment) -> None:
        waits.append(moment)
        shutil.rmtree(workdir / "specs" / "sessions.ocx.approvals")  # withdrawn

    monkeypatch.setattr(run_control, "sleep_until", sleep_until)
    result = run_cli("run", SPEC, "--follow", "--out", "out", "--state", "state/s.json", "--summary", "json",
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                          "UTRECHT_PSEUDONYM_KEY": KEY})
    assert result.exit_code == 1 and len(waits) == 1
    documents = [json.loads(text) for text in re.split(r"(?m)^(?=\{$)", result.stdout) if text.strip()]
    assert [document["outcome"] for document in documents] == ["done", "failed"]
    assert documents[1]["error"]["code"] == "OCX610"


# ---- signatures ------------------------------------------------------------------------


def _keypair(directory: Path, name: str) -> Path:
    key = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
                   check=True, capture_output=True)
    return key


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "keys"
    folder.mkdir()
    pat, mallory = _keypair(folder, "pat"), _keypair(folder, "mallory")
    signers = folder / "allowed_signers"
    public = (folder / "pat.pub").read_text().strip()
    signers.write_text(f'pat@cpo.example namespaces="ocpispec-approval" {public}\n')
    return {"pat": pat, "mallory": mallory, "signers": signers}


@needs_ssh_keygen
def test_signed_approvals(run_cli, workdir: Path, keys, server, snapshot) -> None:
    _edit(workdir / SPEC, "requires approval", "requires signed approval")
    signers = {"OCPISPEC_ALLOWED_SIGNERS": str(keys["signers"])}
    no_signers = _run(run_cli, server)
    assert no_signers.exit_code == 1 and "OCX611" in no_signers.stderr

    # without a key, `approve` said "Approved" and wrote a record the run never accepts
    refused = run_cli("approve", SPEC, "--by", PAT)
    assert refused.exit_code == 2 and "nothing was recorded" in refused.output
    assert "needs a signed approval (the spec says `requires signed approval`)" in refused.output
    assert not (workdir / "specs" / "sessions.ocx.approvals").exists()
    # a record whose signature file went missing is unsigned
    assert run_cli("approve", SPEC, "--by", PAT, "--sign-key", str(keys["pat"])).exit_code == 0
    next((workdir / "specs" / "sessions.ocx.approvals").glob("*.sig")).unlink()
    unsigned = _run(run_cli, server, env=signers)
    assert unsigned.exit_code == 1 and "no signature that verifies" in unsigned.stderr

    signed = run_cli("approve", SPEC, "--by", PAT, "--sign-key", str(keys["pat"]))
    assert signed.exit_code == 0, signed.stderr
    assert _run(run_cli, server, env=signers).exit_code == 0
    assert server.request_log

    # someone else's key, under Pat's name: not valid
    forged = run_cli("approve", SPEC, "--by", PAT, env={"OCPISPEC_SIGNING_KEY":
                                                        str(keys["mallory"])})
    assert forged.exit_code == 0
    listed = run_cli("approvals", SPEC, env=signers)
    assert listed.stdout.count("bad signature") == 1 and "1 valid" in listed.stdout
    assert cli_block(listed).replace(str(keys["signers"]), "<signers>") == snapshot


@needs_ssh_keygen
def test_an_edited_signed_record_is_refused(run_cli, workdir: Path, keys, server) -> None:
    _edit(workdir / SPEC, "requires approval", "requires signed approval")
    assert run_cli("approve", SPEC, "--by", PAT, "--sign-key", str(keys["pat"])).exit_code == 0
    record = next((workdir / "specs" / "sessions.ocx.approvals").glob("*.toml"))
    _edit(record, 'note = ""', 'note = "edited after signing"')
    result = _run(run_cli, server, "--allowed-signers", str(keys["signers"]))
    assert result.exit_code == 1 and "refused for a bad signature" in result.stderr
    assert server.request_log == []


@needs_ssh_keygen
def test_signing_with_a_missing_key_records_nothing(run_cli, workdir: Path, snapshot) -> None:
    result = run_cli("approve", SPEC, "--by", PAT, "--sign-key", "keys/missing")
    assert result.exit_code == 1
    assert list((workdir / "specs" / "sessions.ocx.approvals").iterdir()) == []
    assert cli_block(result) == snapshot



@needs_ssh_keygen
def test_an_ssh_keygen_that_cannot_be_run_records_nothing(run_cli, workdir: Path, keys,
                                                          tmp_path: Path, snapshot) -> None:
    """An ssh-keygen on PATH whose interpreter line points nowhere: `approve` ended in an
    internal error (exit 70) with a traceback."""
    broken = tmp_path / "bin"
    broken.mkdir()
    (broken / "ssh-keygen").write_text("#!/nonexistent/interpreter\n")
    (broken / "ssh-keygen").chmod(0o755)
    result = run_cli("approve", SPEC, "--by", PAT, "--sign-key", str(keys["pat"]),
                     env={"PATH": f"{broken}:{os.environ['PATH']}"})
    assert result.exit_code == 1, result.output
    assert f"ssh-keygen at {broken / 'ssh-keygen'} could not be run" in result.output
    assert "Traceback" not in result.output
    assert list((workdir / "specs" / "sessions.ocx.approvals").iterdir()) == []
    assert cli_block(result).replace(str(broken), "<bin>") == snapshot

def test_json_listing(run_cli, workdir: Path) -> None:
    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    data = json.loads(run_cli("approvals", SPEC, "--format", "json").stdout)
    assert data["valid"] == 1 and data["requires"] == "approval"
    assert data["approvals"][0]["state"] == "valid"
    assert data["approvals"][0]["approved_at"] == "2026-12-01T09:00:00Z"


def test_approving_a_spec_that_does_not_demand_it(run_cli, workdir: Path) -> None:
    _edit(workdir / SPEC, "  requires approval\n", "")
    listed = run_cli("approvals", SPEC)
    assert "none: approve it with" in listed.stdout and "not required" in listed.stdout
    result = run_cli("approve", SPEC, "--by", PAT)
    assert result.exit_code == 0 and "does not say `requires approval`" in result.stderr
    assert run_cli("approvals", SPEC, "--check").exit_code == 0


def test_a_mangled_summary_still_gives_a_diagnostic(run_cli, workdir: Path, server) -> None:
    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    record = next((workdir / "specs" / "sessions.ocx.approvals").iterdir())
    text = record.read_text()
    record.write_text(text[:text.index("[summary]")] + "[summary]\nformat = 1\n")
    _edit(workdir / SPEC, *RAW_START)
    result = _run(run_cli, server)
    assert result.exit_code == 1 and "OCX610" in result.stderr
    assert "cannot be compared" in result.stderr


@needs_ssh_keygen
def test_a_missing_allowed_signers_file(run_cli, workdir: Path, keys, server) -> None:
    _edit(workdir / SPEC, "requires approval", "requires signed approval")
    assert run_cli("approve", SPEC, "--by", PAT, "--sign-key", str(keys["pat"])).exit_code == 0
    listed = run_cli("approvals", SPEC, "--allowed-signers", "nowhere")
    assert "unverified" in listed.stdout and "`nowhere` is missing" in listed.stdout
    result = _run(run_cli, server, "--allowed-signers", "nowhere")
    assert result.exit_code == 1 and "OCX611" in result.stderr
    assert "`nowhere` does not exist" in result.stderr and server.request_log == []


def test_a_new_pseudonym_key_reference_needs_a_new_approval(run_cli, workdir: Path,
                                                            server) -> None:
    """The officer approved pseudonyms under the key in `UTRECHT_PSEUDONYM_KEY`. Pointing
    the spec at another variable (one holding a key the consumer was given, which makes
    every pseudonym reversible by enumerating card ids) kept the approval valid: the key
    reference was not part of the privacy fingerprint. Now the run is refused before any
    request and says what changed; the key's value is never shown."""
    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    _edit(workdir / SPEC, "pseudonym key env UTRECHT_PSEUDONYM_KEY",
          "pseudonym key env SHARED_KEY")
    refused = _run(run_cli, server, env={"SHARED_KEY": KEY})
    assert refused.exit_code == 1 and "error[OCX610]" in refused.stderr, refused.stderr
    assert 'changed: pseudonym key (where it is read; never its value): ' \
        '"env UTRECHT_PSEUDONYM_KEY" -> "env SHARED_KEY"' in refused.stderr
    assert server.request_log == [] and KEY not in refused.output
    assert run_cli("approvals", SPEC, "--check").exit_code == 1
    record = next((workdir / f"{SPEC}.approvals").glob("*.toml")).read_text()
    assert 'pseudonym_key = "env UTRECHT_PSEUDONYM_KEY"' in record and KEY not in record


def test_require_approval_in_ocpispec_toml_is_what_every_command_demands(
        run_cli, workdir: Path, server, snapshot) -> None:
    """`require_approval = "signed"` in the project's ocpispec.toml gated `run`, but
    `approvals --check` (the CI gate) read only the environment: it said "approval not
    required to run" and passed an unsigned record, `approve` said `run` would not check
    approvals, and the refused run blamed OCPISPEC_REQUIRE_APPROVAL, a variable nobody
    had set. Every command now asks the configuration, and names the file."""
    _edit(workdir / SPEC, "  requires approval\n", "")
    (workdir / "ocpispec.toml").write_text('require_approval = "signed"\n')
    approved = run_cli("approve", SPEC, "--by", PAT)
    assert approved.exit_code == 2 and "does not check approvals" not in approved.output
    assert f"(`require_approval` in {workdir}/ocpispec.toml:1 demands signed approval of " \
        "every spec)" in " ".join(approved.output.split())
    # an unsigned record, made where the variable switched the file's demand off
    assert run_cli("approve", SPEC, "--by", PAT,
                   env={"OCPISPEC_REQUIRE_APPROVAL": "no"}).exit_code == 0
    listed = run_cli("approvals", SPEC, "--check")
    assert listed.exit_code == 1, listed.output
    assert "requires signed approval" in listed.stdout and "unsigned" in listed.stdout
    review = run_cli("review", SPEC)
    assert f"**Approval:** `require_approval` in {workdir}/ocpispec.toml:1 demands signed " \
        "approval of every spec" in review.stdout
    refused = _run(run_cli, server, "--allowed-signers", str(workdir / "allowed_signers"))
    assert refused.exit_code == 1 and server.request_log == []
    assert cli_block(refused, tmp=workdir) == snapshot


def test_an_approval_pins_the_configured_output_root(run_cli, workdir: Path, server) -> None:
    """`output_root` in ocpispec.toml puts every relative destination under it. Moved
    from the exports folder to a shared or published one, the approval held and the run
    wrote the sessions there. The record pins each relative destination with the folder
    it goes under; elsewhere the run is refused before any request (OCX610)."""
    config = workdir / "ocpispec.toml"
    config.write_text('output_root = "/srv/ocpispec/out"\n')
    approved = run_cli("approve", SPEC, "--by", PAT)
    assert approved.exit_code == 0, approved.output
    assert "delivers   exports/utrecht-sessions-{run.date}.csv -> " \
        "/srv/ocpispec/out/exports/utrecht-sessions-{run.date}.csv" in approved.output
    assert run_cli("approvals", SPEC, "--check").exit_code == 0

    published = workdir / "www" / "public"
    config.write_text(f'output_root = "{published}"\n')
    listed = run_cli("approvals", SPEC, "--check")
    assert listed.exit_code == 1 and "moved" in listed.output, listed.output
    refused = run_cli("run", SPEC, "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                      env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                           "UTRECHT_PSEUDONYM_KEY": KEY})
    assert refused.exit_code == 1 and "error[OCX610]" in refused.stderr, refused.stderr
    assert f"now:      exports/utrecht-sessions-{{run.date}}.csv -> {published}/exports/" \
        in refused.stderr
    assert server.request_log == [] and not published.exists()
    assert "help: check where the destinations connect now (the destination profile or the " \
        "configured output_root)" in refused.stderr

    config.write_text('output_root = "/srv/ocpispec/out"\n')  # back where it was approved
    assert run_cli("approvals", SPEC, "--check").exit_code == 0
    config.unlink()  # no root: relative to where the run starts, as before roots were pinned
    assert run_cli("approvals", SPEC, "--check").exit_code == 0


def test_an_approval_pins_where_a_destination_profile_delivers(run_cli, workdir: Path) -> None:
    """The spec names `sftp://research/...`, a destination profile's name; the profile
    says the host. The privacy fingerprint covers the spec only, so a profile moved to
    another host kept the approval valid, and the run delivered there. The record pins
    where each remote destination connects; elsewhere, the run is refused (OCX610)."""
    _edit(workdir / SPEC, 'output csv to "exports/utrecht-sessions-{run.date}.csv"',
          'output csv to "sftp://research/in/utrecht-sessions-{run.date}.csv"')
    profiles = workdir / "config" / "destinations"
    profiles.mkdir(parents=True)
    profile = profiles / "research.toml"
    profile.write_text('host = "files.example.org"\nuser = "ocpispec"\n'
                       'key_file = "~/.ssh/id_ed25519"\n')
    profile.chmod(0o600)
    approved = run_cli("approve", SPEC, "--by", PAT)
    assert approved.exit_code == 0, approved.output
    assert "delivers   sftp://research -> sftp://ocpispec@files.example.org:22" in approved.output
    assert run_cli("approvals", SPEC, "--check").exit_code == 0

    profile.write_text(profile.read_text().replace("files.example.org", "exfil.example.net"))
    listed = run_cli("approvals", SPEC, "--check")
    assert listed.exit_code == 1
    assert "moved" in listed.output and "approved to deliver to sftp://research -> " \
        "sftp://ocpispec@files.example.org:22" in listed.output
    env = {"OCPI_VERSIONS_URL": "http://127.0.0.1:9", "OCPI_TOKEN": "t",
           "UTRECHT_PSEUDONYM_KEY": KEY}
    refused = run_cli("run", SPEC, env=env)
    assert refused.exit_code == 1 and "error[OCX610]" in refused.stderr, refused.stderr
    assert "now:      sftp://research -> sftp://ocpispec@exfil.example.net:22" in refused.stderr
    assert "nothing was requested from the platform" in refused.stderr
    # written locally (`--out`), the files go nowhere the approval did not see
    assert "OCX610" not in run_cli("run", SPEC, "--out", "out", env=env).stderr
    assert "exfil.example.net" not in (workdir / SPEC).read_text()

    profile.write_text(profile.read_text().replace("exfil.example.net", "files.example.org"))
    assert run_cli("approvals", SPEC, "--check").exit_code == 0  # back where it was approved


def test_columns_in_another_order_keep_the_approval(run_cli, workdir: Path, server) -> None:
    """Tidying the `select` (two columns swapped) released the same and still needed a
    new approval: "other privacy-relevant details changed". It keeps the approval. An
    approval recorded by a version of ocpispec that fingerprinted the same export
    differently (its summary's columns in the spec's order) says so, not that the spec
    changed."""
    assert run_cli("approve", SPEC, "--by", PAT).exit_code == 0
    _edit(workdir / SPEC, "  truncate(start_date_time, hour) as started_hour\n"
          "  round(minutes(start_date_time, end_date_time)) as duration_min\n",
          "  round(minutes(start_date_time, end_date_time)) as duration_min\n"
          "  truncate(start_date_time, hour) as started_hour\n")
    assert run_cli("approvals", SPEC, "--check").exit_code == 0
    assert _run(run_cli, server).exit_code == 0

    record = next((workdir / f"{SPEC}.approvals").glob("*.toml"))
    text = record.read_text()
    fingerprint = re.search(r'privacy_fingerprint = "(\w+)"', text).group(1)
    record.write_text(text.replace(fingerprint, "0" * 64))  # as an older version wrote it
    listed = run_cli("approvals", SPEC)
    assert "stale" in listed.stdout
    assert "changed: nothing the spec discloses: the approval was recorded by an earlier " \
        "version of ocpispec" in listed.stdout


def test_joins_in_another_order_keep_the_approval(run_cli, workdir: Path) -> None:
    """The research CDRs join their location and their tariff; writing the two joins the
    other way round joins the same records and releases the same, yet `diff` said
    'needs a new review: other privacy-relevant details changed' and a spec that
    requires approval was refused. The summary lists joins by name, as it lists columns."""
    spec = workdir / "specs" / "research.ocx"
    spec.write_text((REPO / "specs" / "research_cdrs.ocx").read_text().replace(
        "  retention 3 years\n", "  retention 3 years\n  requires approval\n"))
    before = workdir / "before.ocx"
    before.write_text(spec.read_text())
    assert run_cli("approve", "specs/research.ocx", "--by", PAT).exit_code == 0
    _edit(spec, "  join locations on cdr_location.id\n  join tariffs on tariffs.id\n",
          "  join tariffs on tariffs.id\n  join locations on cdr_location.id\n")
    diff = run_cli("diff", "before.ocx", "specs/research.ocx")
    assert diff.exit_code == 0, diff.stdout
    assert "Verdict: no privacy-relevant change." in diff.stdout
    assert run_cli("approvals", "specs/research.ocx", "--check").exit_code == 0
    # a join left out (and the column read through it) still needs one
    _edit(spec, "  join tariffs on tariffs.id\n", "")
    _edit(spec, "  tariff.type as tariff_type\n", "")
    assert run_cli("check", "specs/research.ocx").exit_code == 0
    assert run_cli("approvals", "specs/research.ocx", "--check").exit_code == 1
