"""The disclosure log end to end over real HTTP against the demo CPO: every run is
logged (committed, failed), `ocpispec history` lists them as text, JSON and CSV, and
`--register` groups what each consumer received (Markdown, HTML, with the spec's
untrusted text escaped). Never a value, token or key in the ledger."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fixtures_cli import REPO, SPECS, WITHOUT_K, cli_block
from ledger_helpers import runs, state_dict

import ocpispec.ledger.log as log

KEY = "7d2f9a4c1e8b3065f2a9c7d4e1b80f63a5c2e9d74b1f08a6c3e5d92b7f4a1c08"
MID, AS_OF = "2025-07-01T00:00:00Z", "2026-01-01T00:00:00Z"
# The municipality spec without its k rule: these tests are about the disclosure log, not
# disclosure control, and run against demos of a few hundred sessions, where k 5 would
# suppress every row (the rule's own runs are logged in tests/test_disclosure*.py).
SPEC = REPO / WITHOUT_K


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch):
    """Who and when, fixed: the log's user, host and clock."""
    clock = (f"2026-02-0{day}T08:00:00Z" for day in itertools.count(1))
    monkeypatch.setattr(log, "_user", lambda: "officer")
    monkeypatch.setattr(log, "_host", lambda: "exports-host")
    monkeypatch.setattr(log, "_now", lambda: next(clock))


@pytest.fixture
def history(run_cli, demo_server_factory, tmp_path: Path, logged):
    """Two deliveries and a refused run of the municipality spec in one ledger."""
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    ledger = tmp_path / "ledger.sqlite"
    for out, as_of, code in (("a.csv", MID, 0), ("b.csv", "2025-03-01T00:00:00Z", 1),
                             ("c.csv", AS_OF, 0)):
        result = run_cli("run", str(SPEC), "--out", str(tmp_path / out), "--state", str(ledger),
                         "--as-of", as_of, "-q", env=env)
        assert result.exit_code == code, result.stderr
    return lambda *args: run_cli("history", "--ledger", str(ledger), *args)


def normal(text: str, tmp_path: Path) -> str:
    for path, name in ((tmp_path, "<tmp>"), (SPEC.parent, "<specs>"), (SPECS, "<specs>")):
        text = text.replace(str(path), name).replace(str(path).replace("_", "\\_"), name)
    text = re.sub(r"\b[0-9a-f]{32}\b", "<id>", text)
    return re.sub(r'"duration_s": [0-9.]+', '"duration_s": <s>', text)


def test_every_run_is_logged_with_its_counts(history, tmp_path: Path) -> None:
    logged_runs = runs(tmp_path / "ledger.sqlite")
    assert [(r["outcome"], r["code"]) for r in logged_runs] == [
        ("committed", None), ("failed", "OCX581"), ("committed", None)]
    data = json.loads(history("--format", "json").stdout)
    first = data[0]["datasets"][0]
    assert first["window_start"] == "1970-01-01T00:00:00Z" and first["window_end"] == MID
    counts = first["counts"]
    assert counts["read"] == counts["outside_window"] + counts["duplicates_dropped"] + \
        counts["excluded_private"] + counts["filtered"] + sum(counts["invalid"].values()) + \
        counts["written"]
    output = next(o for o in data[0]["outputs"] if o["kind"] == "output")
    assert output["size"] == (tmp_path / "a.csv").stat().st_size
    import hashlib

    assert output["sha256"] == hashlib.sha256((tmp_path / "a.csv").read_bytes()).hexdigest()
    assert data[0]["spec_sha256"] == hashlib.sha256(SPEC.read_bytes()).hexdigest()
    assert state_dict(tmp_path / "ledger.sqlite")["datasets"]["sessions"]["watermark"] == AS_OF


def test_history_text(history, tmp_path: Path, snapshot) -> None:
    result = history()
    assert result.exit_code == 0
    assert normal(cli_block(result), tmp_path) == snapshot


def test_history_json_and_csv(history, tmp_path: Path, snapshot) -> None:
    as_json, as_csv = history("--format", "json"), history("--format", "csv")
    assert as_json.exit_code == as_csv.exit_code == 0
    assert normal(as_json.stdout, tmp_path) == snapshot
    assert normal(as_csv.stdout, tmp_path) == snapshot


def test_history_filters(history) -> None:
    since = history("--since", "2026-02-02", "--format", "json")
    assert [r["recorded_at"] for r in json.loads(since.stdout)] == [
        "2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z"]
    assert json.loads(history("utrecht_sessions", "--format", "json").stdout)
    assert history("another_export").stdout.startswith("No runs logged in ")


def test_register_markdown_and_html(history, tmp_path: Path, snapshot) -> None:
    markdown = history("--register")
    page = history("--register", "--format", "html")
    assert markdown.exit_code == page.exit_code == 0
    assert "2 deliveries" in markdown.stdout  # the refused run disclosed nothing
    assert normal(markdown.stdout, tmp_path) == snapshot
    assert normal(page.stdout, tmp_path) == snapshot


def test_the_register_never_calls_a_pseudonym_public(history) -> None:
    """A pseudonymised driver id is personal data (GDPR Recital 26): the register, which
    the CPO files as its record of disclosures, says so rather than `public`."""
    from ocpispec.language.functions import PSEUDONYMOUS

    markdown = history("--register").stdout
    rows = [line for line in markdown.splitlines() if "| pseudonymised |" in line]
    assert rows and all(line.endswith(f"| {PSEUDONYMOUS} |") for line in rows)
    assert "| pseudonymised | public |" not in markdown


def test_wrong_forms_and_dates_are_usage_errors(history, snapshot) -> None:
    wrong = history("--register", "--format", "csv")
    late = history("--since", "yesterday")
    assert wrong.exit_code == late.exit_code == 2
    assert cli_block(wrong) + cli_block(late) == snapshot


def test_a_file_that_is_no_ledger_is_a_diagnostic(run_cli, tmp_path: Path, snapshot) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("not a database, just text that is long enough to be read as one\n" * 20)
    result = run_cli("history", "--ledger", str(path))
    assert result.exit_code == 1 and "OCX620" in result.stderr
    assert cli_block(result, tmp=tmp_path) == snapshot


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        self.attributes += attrs


def test_the_register_escapes_the_spec_text(run_cli, demo_server_factory, tmp_path: Path,
                                            logged) -> None:
    hostile = '<img src=x onerror="alert(1)"> | **Consumer** [link](http://x) # & ~~co~~'
    text = SPEC.read_text().replace('consumer "Gemeente Utrecht, afdeling Ruimte en Mobiliteit"',
                                    f'consumer "{hostile.replace(chr(34), chr(39))}"')
    assert text != SPEC.read_text()
    spec = tmp_path / "hostile.ocx"
    spec.write_text(text)
    server = demo_server_factory(version="2.2.1", size=100)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    ledger = tmp_path / "ledger.sqlite"
    assert run_cli("run", str(spec), "--out", str(tmp_path / "o.csv"), "--state", str(ledger),
                   "--as-of", AS_OF, "-q", env=env).exit_code == 0
    page = run_cli("history", "--ledger", str(ledger), "--register", "--format", "html").stdout
    parser = _Tags()
    parser.feed(page)
    assert "img" not in parser.tags and "script" not in parser.tags
    assert not [name for name, _ in parser.attributes if name.startswith("on")]
    assert "&lt;img src=x onerror=&#x27;alert(1)&#x27;&gt;" in page
    markdown = run_cli("history", "--ledger", str(ledger), "--register").stdout
    heading = next(line for line in markdown.splitlines() if line.startswith("## "))
    assert heading == ("## &lt;img src=x onerror='alert(1)'&gt; \\| \\*\\*Consumer\\*\\* "
                       "\\[link\\](http://x) \\# &amp; \\~\\~co\\~\\~")


def test_the_history_csv_runs_no_formula_in_excel(run_cli, demo_server_factory,
                                                  tmp_path: Path, logged) -> None:
    """`history --format csv`, which the officer opens in Excel, wrote a consumer named
    `=HYPERLINK(...)` as it is: a live formula. It gets the leading `'` every CSV
    output gives such a text."""
    formula = "=HYPERLINK('http://x.example','open')"
    spec = tmp_path / "formula.ocx"
    spec.write_text(SPEC.read_text().replace(
        'consumer "Gemeente Utrecht, afdeling Ruimte en Mobiliteit"', f'consumer "{formula}"'))
    server = demo_server_factory(version="2.2.1", size=100)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    ledger = tmp_path / "ledger.sqlite"
    assert run_cli("run", str(spec), "--out", str(tmp_path / "o.csv"), "--state", str(ledger),
                   "--as-of", AS_OF, "-q", env=env).exit_code == 0
    text = run_cli("history", "--ledger", str(ledger), "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {row["consumer"] for row in rows} == {"'" + formula}
    assert all(row["read"].isdigit() for row in rows)  # numbers stay numbers


def test_the_ledger_holds_no_value_token_or_key(run_cli, demo_server_factory,
                                                tmp_path: Path) -> None:
    server = demo_server_factory(version="2.2.1", size=200, canaries=True)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    ledger = tmp_path / "ledger.sqlite"
    done = [run_cli("run", str(spec), "--out", str(tmp_path / spec.stem), "--state",
                    str(ledger), "--as-of", AS_OF, "-q",
                    env={**env, "RESEARCH_PSEUDONYM_KEY": KEY}).exit_code
            for spec in sorted(SPECS.glob("*.ocx"))]
    assert done.count(0) >= 4 and len(runs(ledger)) >= done.count(0)
    conn = sqlite3.connect(ledger)
    conn.execute("VACUUM")  # no freed page keeps an old text either
    conn.close()
    raw = ledger.read_bytes()
    for secret in ("CANARY", server.token, KEY, KEY.upper()):
        assert secret.encode() not in raw
    listing = run_cli("history", "--ledger", str(ledger), "--format", "json").stdout
    assert "CANARY" not in listing and server.token not in listing and KEY not in listing


def test_json_state_files_of_the_default_layout_move_into_the_ledger(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    root = tmp_path / ".ocpispec"
    (root / "state").mkdir(parents=True)
    legacy = root / "state" / "utrecht_sessions.json"
    legacy.write_text(json.dumps({"format_version": 1, "export": "utrecht_sessions",
                                  "serial": 4, "datasets": {"sessions": {
                                      "watermark": MID, "plan_fingerprint": "ab" * 32,
                                      "committed_at": MID}}}))
    server = demo_server_factory(version="2.2.1", size=100)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY, "OCPISPEC_LEDGER": str(root / "ledger.sqlite")}
    result = run_cli("run", str(SPEC), "--out", str(tmp_path / "out.csv"), "--as-of", AS_OF,
                     env=env)
    assert result.exit_code == 0, result.stderr
    assert "moved the JSON state of `utrecht_sessions` into the ledger" in result.stderr
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    assert manifest["window"]["start"] == MID  # continued where the JSON state ended
    assert not legacy.exists() and legacy.with_name("utrecht_sessions.json.migrated").exists()
    saved = state_dict(root / "ledger.sqlite")
    assert saved["serial"] == 5 and saved["datasets"]["sessions"]["watermark"] == AS_OF


def test_the_approval_workflow_can_log_its_fingerprint_and_approval(demo_server,
                                                                    tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from ocpispec.cli.plan import build_plan
    from ocpispec.execute import RunOptions, execute
    from ocpispec.ocpi import Credentials, OcpiClient

    plan = build_plan(SPEC, limit=None, page_size=100, concurrency=1)
    ledger = tmp_path / "ledger.sqlite"
    options = RunOptions(out=str(tmp_path / "out.csv"), state_path=ledger,
                         now=datetime(2026, 1, 1, tzinfo=UTC),
                         privacy_fingerprint="c0ffee" * 10 + "c0de",
                         approval="approvals/municipality_sessions.approval#1")
    credentials = Credentials(demo_server.versions_url, demo_server.token)
    with OcpiClient.connect(credentials) as client:
        execute(plan, key=bytes.fromhex(KEY), connect=lambda: client, options=options)
    (logged,) = runs(ledger)
    assert logged["privacy_fingerprint"] == "c0ffee" * 10 + "c0de"
    assert logged["approval"] == "approvals/municipality_sessions.approval#1"


def test_a_json_state_file_of_another_export_is_refused_and_kept(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    text = json.dumps({"format_version": 1, "export": "utrecht_sessions", "serial": 1,
                       "datasets": {}})
    path.write_text(text)
    result = run_cli("state", "show", "another_export", "--state", str(path))
    assert result.exit_code == 1 and "OCX553" in result.stderr
    assert "belongs to export `utrecht_sessions`" in result.stderr
    assert path.read_text() == text  # not moved into a ledger by the wrong export
    assert run_cli("state", "show", "utrecht_sessions", "--state", str(path)).exit_code == 0
    assert path.read_bytes().startswith(b"SQLite format 3")


def test_a_run_without_its_key_is_logged_as_failed(run_cli, demo_server_factory,
                                                   tmp_path: Path) -> None:
    demo_server = demo_server_factory(version="2.2.1", size=50)
    env = {"OCPI_VERSIONS_URL": demo_server.versions_url, "OCPI_TOKEN": demo_server.token}
    ledger = tmp_path / "ledger.sqlite"
    result = run_cli("run", str(SPEC), "--out", str(tmp_path / "o.csv"), "--state", str(ledger),
                     "--as-of", AS_OF, env=env)
    assert result.exit_code == 1
    code = re.search(r"error\[(OCX\d+)\]", result.stderr).group(1)
    assert [(r["outcome"], r["code"]) for r in runs(ledger)] == [("failed", code)]
    assert demo_server.request_log == []  # nothing was fetched


def test_the_register_lists_every_form_a_column_left_in(run_cli, demo_server_factory,
                                                        tmp_path: Path, logged, snapshot) -> None:
    """Card ids released as they are in one delivery (with a justification) and as
    pseudonyms in the next, under one export: the register listed only the last form,
    so the officer's Art. 30 record said the consumer never received a raw contract id."""
    raw = SPEC.read_text().replace(
        "pseudonymize(cdr_token.contract_id) as driver",
        'cdr_token.contract_id as driver because "the city matches its own fleet contracts"')
    assert raw != SPEC.read_text()
    server = demo_server_factory(version="2.2.1", size=100)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    ledger = tmp_path / "ledger.sqlite"
    for name, text, as_of in (("raw.ocx", raw, MID), ("pseudonymised.ocx", SPEC.read_text(),
                                                      AS_OF)):
        (tmp_path / name).write_text(text)
        result = run_cli("run", str(tmp_path / name), "--out", str(tmp_path / f"{name}.csv"),
                         "--state", str(ledger), "--as-of", as_of, "-q", env=env)
        assert result.exit_code == 0, result.stderr
    markdown = run_cli("history", "--ledger", str(ledger), "--register").stdout
    rows = [line for line in markdown.splitlines() if line.startswith("| sessions | driver")]
    assert rows == snapshot
    assert len(rows) == 2
    page = run_cli("history", "--ledger", str(ledger), "--register", "--format", "html").stdout
    assert page.count("<td>driver</td>") == 2


def test_the_register_says_what_a_measure_computes(run_cli, tmp_path: Path, logged,
                                                   demo_server_factory) -> None:
    """A median (one record's value, or a point between two) and an average are both
    composed or plain measures to the log: the register said `formula` for the one and
    `avg` for the other. It says what each computes, as the spec writes it."""
    spec = tmp_path / "report.ocx"
    text = (SPECS / "monthly_report.ocx").read_text()
    text = text.replace("avg(kwh) as avg_kwh", "round(median(kwh), 0) as avg_kwh").replace(
        'output template "templates/monthly_report.md.j2" to '
        '"exports/monthly-report-{run.date}.md"', f'output csv to "{tmp_path}/r.csv"')
    assert "median" in text and "r.csv" in text
    spec.write_text(text)
    ledger = tmp_path / "ledger.sqlite"
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100)
    result = run_cli("run", str(spec), "--state", str(ledger), "--as-of", AS_OF, "-q",
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token})
    assert result.exit_code == 0, result.stderr
    markdown = run_cli("history", "--ledger", str(ledger), "--register").stdout
    rows = [line for line in markdown.splitlines() if line.startswith("| sessions |")]
    assert rows == [
        "| sessions | avg\\_kwh | - | aggregated: round(median(kwh), 0) | quasi-identifier |",
        "| sessions | energy\\_kwh | - | aggregated: sum(kwh) | public |",
        "| sessions | power\\_type | public | kept as is | public |",
        "| sessions | sessions | - | aggregated: count() | public |"]


def test_a_run_on_the_demo_cpo_is_no_disclosure(run_cli, tmp_path: Path, logged) -> None:
    """`run --demo --state LEDGER` (to try `since last run`) was logged as a delivery of
    the demo's synthetic rows to the spec's consumer, and the register of disclosures
    (GDPR Art. 30) listed it as one. The run is logged as a demo run, `history` says so,
    and the register leaves it out."""
    ledger = tmp_path / "ledger.sqlite"
    result = run_cli("run", str(SPEC), "--demo", "--demo-size", "200", "--state", str(ledger),
                     "--out", str(tmp_path / "demo.csv"), "-q")
    assert result.exit_code == 0, result.stderr
    listed = run_cli("history", "--ledger", str(ledger)).stdout
    assert "committed on the built-in demo CPO (synthetic data, nothing disclosed)" in listed
    register = run_cli("history", "--ledger", str(ledger), "--register").stdout
    assert "No disclosure logged." in register and "Utrecht" not in register


def test_history_and_review_read_the_ledger_runs_write(run_cli, demo_server_factory,
                                                       tmp_path: Path, monkeypatch) -> None:
    """With `state_dir` in ocpispec.toml, runs log to `<state_dir>/ledger.sqlite`, but
    `history` (and its Art. 30 register) and the review's measured risk read
    `.ocpispec/ledger.sqlite`: "No disclosure logged" for an export delivered every
    week, "not yet measured" for a measured one. They read the ledger runs write."""
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    spec = project / "specs" / "area.ocx"
    spec.write_text((SPECS / "utilisation_by_area.ocx").read_text())
    (project / "ocpispec.toml").write_text('state_dir = "state"\n')
    monkeypatch.delenv("OCPISPEC_LEDGER", raising=False)
    monkeypatch.chdir(project)
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100)
    result = run_cli("run", "specs/area.ocx", "--as-of", AS_OF, "--out", "out.csv", "-q",
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token})
    assert result.exit_code == 0, result.stderr
    assert (project / "state" / "ledger.sqlite").exists()
    listed = run_cli("history")
    assert "1 run logged in" in listed.stdout and "state/ledger.sqlite" in listed.stdout
    register = run_cli("history", "--register").stdout
    assert "No disclosure logged" not in register and "Provincie Utrecht" in register
    review = run_cli("review", "specs/area.ocx").stdout
    assert "Not yet measured" not in review and "groups released" in review


def test_a_delivery_killed_after_its_commit_point_is_in_the_history(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    """A run killed after its commit point (kill -9 between the renames and the log, a
    ledger on a full disk) had published its file, yet `history` said 'No runs logged'
    and the register listed no delivery until the export's next run finished the commit:
    for an export run monthly, or retired after that run, never. The history lists
    such a commit as `pending`, with its windows and files, and once only after the next
    run logged it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from ledger_helpers import pending

    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    ledger, out = tmp_path / "ledger.sqlite", tmp_path / "a.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "ocpispec", "run", str(SPEC), "--out", str(out), "--state",
         str(ledger), "--as-of", MID, "-q"], cwd=REPO,
        env={**os.environ, **env, "OCPISPEC_TEST_COMMIT_PAUSE": "5"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (pending(ledger) and out.exists()):  # the file renamed, the log not written
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    shown = run_cli("history", "--ledger", str(ledger))
    assert shown.exit_code == 0 and "No runs logged" not in shown.stdout
    assert "  pending  " in shown.stdout and "stopped after its commit point" in shown.stdout
    listed = json.loads(run_cli("history", "--ledger", str(ledger), "--format", "json").stdout)
    assert [run["outcome"] for run in listed] == ["pending"]
    assert str(out) in [output["path"] for output in listed[0]["outputs"]]
    assert listed[0]["datasets"][0]["window_end"] == MID
    register = run_cli("history", "--ledger", str(ledger), "--register").stdout
    assert "1 delivery" in register

    assert run_cli("run", str(SPEC), "--out", str(tmp_path / "b.csv"), "--state", str(ledger),
                   "--as-of", AS_OF, "-q", env=env).exit_code == 0
    listed = json.loads(run_cli("history", "--ledger", str(ledger), "--format", "json").stdout)
    assert [run["outcome"] for run in listed] == ["committed", "committed"]
    assert listed[0]["id"] != listed[1]["id"]
