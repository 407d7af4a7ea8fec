"""`ocpispec diff OLD NEW`: privacy-relevant changes, the verdict and its exit code."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fixtures_cli import SPECS, cli_block

RAW_START = ("truncate(start_date_time, hour) as started_hour",
             'start_date_time as started_hour because "the planners need exact start times"')


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli) -> Path:
    """A copy of specs/ in a temporary working directory (names in snapshots stay short)."""
    shutil.copytree(SPECS, tmp_path / "specs", ignore=shutil.ignore_patterns("*.approvals"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "specs"


def _variant(specs: Path, name: str, *edits: tuple[str, str],
             base: str = "municipality_sessions.ocx") -> str:
    text = (specs / base).read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (specs / name).write_text(text)
    return f"specs/{name}"


def test_raw_start_time_needs_a_new_review(run_cli, specs, snapshot) -> None:
    new = _variant(specs, "raw.ocx", RAW_START)
    assert run_cli("check", new).exit_code == 0  # the spec still checks
    result = run_cli("diff", "specs/municipality_sessions.ocx", new)
    assert result.exit_code == 1
    assert "weakened" in result.stdout and "needs a new review" in result.stdout
    assert cli_block(result) == snapshot


@pytest.mark.parametrize("format_", ["markdown", "json"])
def test_other_formats(run_cli, specs, snapshot, format_: str) -> None:
    new = _variant(specs, "raw.ocx", RAW_START)
    result = run_cli("diff", "specs/municipality_sessions.ocx", new, "--format", format_)
    assert result.exit_code == 1
    if format_ == "json":
        data = json.loads(result.stdout)
        assert data["needs_review"] is True and data["changes"][0]["kind"] == "weakened"
    assert result.stdout == snapshot


def test_comments_and_layout_are_no_change(run_cli, specs, snapshot) -> None:
    new = _variant(specs, "relaid.ocx",
                   ("# Weekly export", "# A weekly export, reworded."),
                   ("  round(kwh, 1) as energy_kwh", "      round(kwh, 1)   as energy_kwh  # kWh"),
                   ("select\n", "\n\nselect   # what leaves\n"))
    result = run_cli("diff", "specs/municipality_sessions.ocx", new)
    assert result.exit_code == 0
    assert cli_block(result) == snapshot


def test_many_kinds_of_change(run_cli, specs, snapshot) -> None:
    new = _variant(
        specs, "changed.ocx",
        ("retention 24 months", "retention 36 months"),
        ("  since last run", "  last 30 days"),
        ('  where status = "COMPLETED"', '  where status = "COMPLETED" and cdr_token.uid in '
         '["04A2B3C4D5E6F7"] because "the fraud team reviews this blocked card"'),
        ("as started_hour", "as start_hour"),
        ("round(kwh, 1) as energy_kwh", "round(kwh) as energy_kwh"),
        ("pseudonymize(cdr_token.contract_id) as driver\n", ""),
        ("  location.connector.standard as connector_standard",
         "  location.connector.standard as connector_standard\n  status as status"),
        ("schedule weekly on monday at 06:00", "schedule daily at 06:00"),
        ("utrecht-sessions-{run.date}", "utrecht-{run.date}"))
    result = run_cli("diff", "specs/municipality_sessions.ocx", new)
    assert result.exit_code == 1
    assert "04A2B3C4D5E6F7" not in result.stdout  # a personal value is never shown
    assert cli_block(result) == snapshot


def test_a_personal_value_alone_changes_the_verdict(run_cli, specs) -> None:
    card = ('  where status = "COMPLETED"', '  where status = "COMPLETED" and cdr_token.uid in '
            '["04A2B3C4D5E6F7"] because "the fraud team reviews this blocked card"')
    old = _variant(specs, "card.ocx", card)
    new = _variant(specs, "card2.ocx", (card[0], card[1].replace("04A2B3C4D5E6F7", "04FF")))
    result = run_cli("diff", old, new)
    assert result.exit_code == 1
    assert "a value compared in a filter on personal fields changed" in result.stdout
    assert "04FF" not in result.stdout and "04A2" not in result.stdout


def test_a_side_with_errors_is_a_diagnostic(run_cli, specs, snapshot) -> None:
    broken = _variant(specs, "broken.ocx", RAW_START,
                      ('because "the planners need exact start times"', ""),
                      ("pseudonymize(cdr_token.contract_id)", "cdr_token.contract_id"))
    result = run_cli("diff", "specs/municipality_sessions.ocx", broken)
    assert result.exit_code == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert cli_block(result) == snapshot


def test_a_missing_file_is_a_diagnostic(run_cli, specs) -> None:
    result = run_cli("diff", "specs/nonexistent.ocx", "specs/municipality_sessions.ocx")
    assert result.exit_code == 1 and "OCX010" in result.stderr


# ---- REV:path from git ------------------------------------------------------------------


def _git(*args: str) -> None:
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                   check=True, capture_output=True)


@pytest.fixture
def repo(specs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(specs.parent))
    _git("init", "-q", "-b", "main")
    _git("add", "-A")
    _git("commit", "-q", "-m", "specs")
    return specs.parent


def test_a_revision_against_the_working_file(run_cli, repo, snapshot) -> None:
    spec = repo / "specs" / "municipality_sessions.ocx"
    spec.write_text(spec.read_text().replace(*RAW_START))
    result = run_cli("diff", "HEAD:specs/municipality_sessions.ocx",
                     "specs/municipality_sessions.ocx")
    assert result.exit_code == 1
    assert cli_block(result) == snapshot
    _git("commit", "-qam", "raw start time")
    unchanged = run_cli("diff", "HEAD:specs/municipality_sessions.ocx",
                        "./specs/municipality_sessions.ocx")
    assert unchanged.exit_code == 0, unchanged.stderr
    back = run_cli("diff", "HEAD~1:specs/municipality_sessions.ocx",
                   "HEAD:./specs/municipality_sessions.ocx")
    assert back.exit_code == 1 and "weakened" in back.stdout


def test_an_unknown_revision_is_a_diagnostic(run_cli, repo, snapshot) -> None:
    result = run_cli("diff", "nosuchrev:specs/municipality_sessions.ocx",
                     "specs/municipality_sessions.ocx")
    assert result.exit_code == 1
    missing = run_cli("diff", "HEAD:specs/missing.ocx", "specs/municipality_sessions.ocx")
    assert missing.exit_code == 1 and "OCX614" in missing.stderr
    assert cli_block(result) == snapshot


def test_template_contents_and_minimum_group_size(run_cli, repo, snapshot) -> None:
    """The old side is read from git with its folder: its template as it was then."""
    template = repo / "specs" / "templates" / "monthly_report.md.j2"
    template.write_text(template.read_text() + "\nRevised.\n")
    new = _variant(repo / "specs", "monthly_report.ocx",
                   ("minimum group size 10", "minimum group size 5"),
                   ("  join locations on location_id", "  include private locations because "
                    "\"home chargers count too\"\n  join locations on location_id"),
                   ("power_type as power_type", "power_type as power_type because \"a type, "
                    "not a place\""), base="monthly_report.ocx")
    result = run_cli("diff", "HEAD:specs/monthly_report.ocx", new)
    assert result.exit_code == 1
    assert "template `templates/monthly_report.md.j2` content changed" in result.stdout
    assert "weakened     private locations" in result.stdout
    assert cli_block(result) == snapshot



def test_a_file_a_template_now_includes_is_named(run_cli, repo, snapshot) -> None:
    """A new include writes into the output as the template does: the diff names it
    (and its sha256), not only that the including template changed."""
    templates = repo / "specs" / "templates"
    main = templates / "monthly_report.md.j2"
    main.write_text(main.read_text() + '{% include "rows.md.j2" %}\n')
    (templates / "rows.md.j2").write_text("Every row: {{ rows|tojson }}\n")
    result = run_cli("diff", "HEAD:specs/monthly_report.ocx", "specs/monthly_report.ocx")
    assert result.exit_code == 1
    assert "template file `templates/rows.md.j2` now loaded" in result.stdout
    assert cli_block(result) == snapshot
    _git("add", "-A")
    _git("commit", "-qm", "include")
    main.write_text(main.read_text().replace('{% include "rows.md.j2" %}\n', ""))
    back = run_cli("diff", "HEAD:specs/monthly_report.ocx", "specs/monthly_report.ocx")
    assert "template file `templates/rows.md.j2` no longer loaded" in back.stdout


def test_a_measure_says_what_it_computes_and_releasing_a_value_is_weakened(
        run_cli, specs, snapshot) -> None:
    """`avg` -> `median` releases a record's value (a quasi-identifier, not a summary):
    weakened, and the diff says `median(kwh)`, not `formula()`; likewise a count that
    became `count(distinct ...)`."""
    new = _variant(specs, "median.ocx", ("avg(kwh) as avg_kwh", "median(kwh) as avg_kwh"),
                   ("count() as sessions", "count(distinct location.id) as sessions"),
                   base="monthly_report.ocx")
    result = run_cli("diff", "specs/monthly_report.ocx", new)
    assert result.exit_code == 1
    assert "formula()" not in result.stdout
    assert "weakened     measure: `avg_kwh` = `avg(kwh)`, public -> `avg_kwh` = " \
        "`median(kwh)`" in result.stdout
    assert cli_block(result) == snapshot

TOTALS = '''
from sessions as by_district
  previous week
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 2) as postal_district
compute
  count() as sessions
  minimum group size 10
output csv to "exports/by-district-{run.date}.csv"
'''


def test_disclosure_control_rules_are_named_with_their_direction(run_cli, specs,
                                                                 snapshot) -> None:
    """Dominance, rounding of counts and secondary suppression are rules the officer
    approved: dropping or loosening one is a named weakening, not an anonymous
    "other details changed"."""
    protected = ("  minimum group size 10\n", "  minimum group size 10\n  dominance 1 85%\n"
                 "  round counts to 5\n")
    old = _variant(specs, "protected.ocx", protected,
                   ("schedule weekly", TOTALS + "\nschedule weekly"),
                   base="utilisation_by_area.ocx")
    for name, edits, expected in (
            ("no_dominance.ocx", [("  dominance 1 85%\n", "")],
             "weakened     dominance rule removed"),
            ("looser.ocx", [("dominance 1 85%", "dominance 1 95%"),
                            ("round counts to 5", "round counts to 2")],
             "weakened     dominance rule: withhold a group where the 1 largest driver gives "
             "more than 85%"),
            ("no_totals.ocx", [(TOTALS, "")], "secondary suppression removed: against the totals of `by_district`"),
    ):
        text = (specs / "protected.ocx").read_text()
        for before, after in edits:
            text = text.replace(before, after)
        (specs / name).write_text(text)
        result = run_cli("diff", old, f"specs/{name}")
        assert result.exit_code == 1, result.stderr
        assert expected in result.stdout
        assert "other privacy-relevant details changed" not in result.stdout
        assert cli_block(result) == snapshot(name=name)


def test_spec_text_cannot_hide_or_forge_lines_of_the_markdown_diff(run_cli, specs) -> None:
    """Markdown diffs are posted where they render (a merge request): a justification
    holding `<!--` hid every change after it, a line break forged a list item."""
    new = _variant(specs, "hostile.ocx", (
        'consumer "Gemeente Utrecht, afdeling Ruimte en Mobiliteit"',
        'consumer "Gemeente Utrecht <script>alert(1)</script> <!-- the rest is hidden"'), (
        "truncate(start_date_time, hour) as started_hour",
        'start_date_time as started_hour because "the planners need exact start times'
        '\\n- **strengthened**: nothing else changed <b>ok</b>"'))
    result = run_cli("diff", "specs/municipality_sessions.ocx", new, "--format", "markdown")
    assert result.exit_code == 1
    out = result.stdout
    assert "<!--" not in out and "<script" not in out and "<b>" not in out
    assert not any(line.startswith("- **strengthened**") for line in out.splitlines())
    assert "&lt;!--" in out and "**weakened**" in out


def test_a_jmespath_literal_shows_as_written_in_the_markdown_diff(run_cli, specs) -> None:
    """A JMESPath literal (``x || `[]` ``) ended the change's code span: a merge request
    showed `length(charging_periods \\|\\| [])`, its backticks gone and its pipes with a
    backslash, not the expression that runs."""
    markdown_it = pytest.importorskip("markdown_it")
    standard = "  location.connector.standard as connector_standard\n"
    old = _variant(specs, "counts.ocx", (standard, standard + '  jmespath("length('
                                         'charging_periods || `[]`)") as periods\n'))
    expression = 'jmespath("length(charging_periods[?tariff_id==\'NIGHT\'] || `[]`)")'
    new = _variant(specs, "night.ocx", ('length(charging_periods || `[]`)',
                                        "length(charging_periods[?tariff_id=='NIGHT'] || `[]`)"),
                   base="counts.ocx")
    result = run_cli("diff", old, new, "--format", "markdown")
    assert result.exit_code == 1, result.stderr
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(result.stdout)
    code = [child.content for token in tokens if token.type == "inline"
            for child in token.children or () if child.type == "code_inline"]
    assert 'jmespath("length(charging_periods || `[]`)")' in code and expression in code


def test_a_justification_is_not_struck_through_in_the_markdown_diff(run_cli, specs) -> None:
    """`because "drivers ~~do not~~ consent"` showed `do not` struck through, as if
    deleted, in the merge request the officer approves from."""
    markdown_it = pytest.importorskip("markdown_it")
    new = _variant(specs, "struck.ocx", (
        "truncate(start_date_time, hour) as started_hour",
        'start_date_time as started_hour because "drivers ~~do not~~ consent"'))
    result = run_cli("diff", "specs/municipality_sessions.ocx", new, "--format", "markdown")
    assert result.exit_code == 1, result.stderr
    tokens = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]) \
        .parse(result.stdout)
    items = [token for token in tokens if token.type == "inline" and "consent" in token.content]
    assert items and all("s_open" not in {c.type for c in token.children or ()}
                         for token in items)
    assert any("drivers ~~do not~~ consent" in "".join(c.content for c in token.children or ())
               for token in items)


def test_a_top_n_limit_is_part_of_what_was_approved(run_cli, specs, snapshot) -> None:
    """`order by ... limit N` decides which groups leave: raising or dropping the limit
    kept the privacy fingerprint (and so an approval of the top 3 let every group go)."""
    top = ("  minimum group size 10\n", "  minimum group size 10\norder by energy_kwh desc\n"
           "limit 3\n")
    old = _variant(specs, "top3.ocx", top, base="utilisation_by_area.ocx")
    for name, edits, kind in (
            ("top300.ocx", [("limit 3\n", "limit 300\n")], "weakened"),
            ("all.ocx", [("limit 3\n", "")], "weakened"),
            ("by_sessions.ocx", [("energy_kwh desc", "sessions desc")], "changed")):
        text = (specs / "top3.ocx").read_text()
        for before, after in edits:
            text = text.replace(before, after)
        (specs / name).write_text(text)
        result = run_cli("diff", old, f"specs/{name}")
        assert result.exit_code == 1, result.stdout
        assert f"{kind:<12} released groups: the first 3 by energy_kwh desc" in result.stdout
        assert cli_block(result) == snapshot(name=name)


def test_an_order_without_a_limit_is_no_change(run_cli, specs) -> None:
    ordered = _variant(specs, "ordered.ocx", ("  minimum group size 10\n",
                                              "  minimum group size 10\norder by sessions\n"),
                       base="utilisation_by_area.ocx")
    assert run_cli("diff", "specs/utilisation_by_area.ocx", ordered).exit_code == 0


@pytest.mark.parametrize("where", ["consumer", "comment", "escape"])
def test_a_direction_control_is_refused_before_anyone_reads_the_spec(run_cli, specs,
                                                                     where: str) -> None:
    """A right-to-left override shows a reviewer the rest of its line reversed (in the
    spec, the review page and the diff): such a spec is an error, not a change."""
    edit = {"consumer": ('consumer "Gemeente Utrecht', 'consumer "Gemeente Utrecht\u202e'),
            "comment": ("# Weekly export", "# Weekly \u202e export"),
            "escape": ('consumer "Gemeente Utrecht', 'consumer "Gemeente \x1b[2K\rUtrecht')}[where]
    new = _variant(specs, "bidi.ocx", edit)
    for command in (("diff", "specs/municipality_sessions.ocx", new), ("review", new),
                    ("plan", new)):
        result = run_cli(*command)
        assert result.exit_code == 1
        assert "error[OCX016]" in result.stderr
        assert not {"\u202e", "\x1b", "\r"} & set(result.stderr)


def test_a_comment_inside_a_column_is_not_shown_as_part_of_it(run_cli, specs) -> None:
    """The diff (and plan, and review) showed a column's source text, comments included:
    `prefix(location.postal_code, # 4) ...` read as a cut to 4 characters."""
    new = _variant(specs, "commented.ocx", (
        "  prefix(location.postal_code, 4) as postal_area\n",
        "  prefix(location.postal_code, # 4) as postal_area\n    5) as postal_area\n"))
    result = run_cli("diff", "specs/municipality_sessions.ocx", new)
    assert "generalised `prefix(location.postal_code, 5)`" in result.stdout
    assert "# 4" not in result.stdout
    assert "# 4" not in run_cli("plan", new).stdout
    assert "# 4" not in run_cli("review", new).stdout


def test_a_k_rule_that_recodes_differently_says_how(run_cli, specs, snapshot) -> None:
    """A wider postal cut keeps k, columns and limit but recodes from 5 characters: the
    change read "k 5 over ..., limit 5% -> k 5 over ..., limit 5%", the same twice."""
    new = _variant(specs, "wider.ocx", ("prefix(location.postal_code, 4)",
                                        "prefix(location.postal_code, 5)"))
    result = run_cli("diff", "specs/municipality_sessions.ocx", new)
    assert "postal_area to 3, 2 characters -> " in " ".join(result.stdout.split())
    assert cli_block(result) == snapshot


@pytest.mark.parametrize(("old", "new"), [
    ("truncate(start_date_time, hour) as started_hour",
     "truncate(start_date_time, minute) as started_hour"),
    ("round(kwh, 1) as energy_kwh", "round(kwh, 3) as energy_kwh"),
    ("prefix(location.postal_code, 4) as postal_area",
     "prefix(location.postal_code, 6) as postal_area"),
    ("round(minutes(start_date_time, end_date_time)) as duration_min",
     "round(minutes(start_date_time, end_date_time), 2) as duration_min"),
])
def test_a_finer_cut_of_the_same_value_is_weakened(run_cli, specs, old: str, new: str) -> None:
    """`truncate(start_date_time, hour)` -> `minute` keeps the class and the treatment
    (quasi-identifier, generalised) and was "~ changed": the officer read no widening."""
    finer = _variant(specs, "finer.ocx", (old, new))
    result = run_cli("diff", "specs/municipality_sessions.ocx", finer, "--format", "json")
    assert result.exit_code == 1
    column = old.split(" as ")[1]
    (change,) = [c for c in json.loads(result.stdout)["changes"]
                 if c["text"].startswith(f"column `{column}`")]
    assert change["kind"] == "weakened"
    back = run_cli("diff", finer, "specs/municipality_sessions.ocx", "--format", "json")
    (change,) = [c for c in json.loads(back.stdout)["changes"]
                 if c["text"].startswith(f"column `{column}`")]
    assert change["kind"] == "strengthened"
