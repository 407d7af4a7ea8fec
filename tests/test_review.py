"""`ocpispec review`: content snapshots of the three forms for every shipped spec,
escaping of untrusted spec text, plain-word transformations, `-o` and `--sample`."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fixtures_cli import REPO, SPECS, cli_block
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.check.compiler import compile_file, compile_source
from ocpispec.plan.planner import plan as make_plan
from ocpispec.review import SAMPLE_ROWS, build_review, render_review
from ocpispec.render.values import spec_text_shown
from ocpispec.review.model import HeaderItem
from ocpispec.diagnostics.source import SourceFile

CORPUS = sorted(SPECS.glob("*.ocx"))
MUNICIPALITY_TEXT = (SPECS / "municipality_sessions.ocx").read_text()
FORMATS = ("html", "markdown", "json")
STYLE = re.compile(r"<style>.*?</style>", re.S)

HOSTILE = """\
export hostile
  consumer "<script>alert('consumer')</script> | [click](javascript:alert(1))"
  purpose "Plan chargers</td></tr></table><img src=x onerror=alert(2)> & more"
  legal basis public task "Art. 6(1)(e) <b>GDPR</b>"
  retention 1 year
  pseudonym key env HOSTILE_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from sessions
  last 7 days
  where cdr_token.uid = "ABC<i>" because "a fleet <script>x()</script> asked for its own cards"
select
  pseudonymize(cdr_token.uid) as driver
  keep(cdr_token.contract_id) as contract because "the consumer <script>bills</script> | per contract"
output csv to stdout
"""


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO))


def content(text: str) -> str:
    """The HTML without its stylesheet: the snapshot is about what the page says."""
    return STYLE.sub("<style>(the page's stylesheet)</style>", text)


@pytest.mark.parametrize("format_", FORMATS)
@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_review_of_every_shipped_spec(run_cli, snapshot, spec: Path, format_: str) -> None:
    result = run_cli("review", _relative(spec), "--format", format_)
    assert result.exit_code == 0, result.stderr
    assert content(result.stdout) == snapshot


def test_the_review_is_deterministic_and_needs_no_network(run_cli, monkeypatch) -> None:
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("review opened a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    first = run_cli("review", "specs/municipality_sessions.ocx", "--format", "html")
    second = run_cli("review", "specs/municipality_sessions.ocx", "--format", "html")
    assert first.exit_code == 0 and first.stdout == second.stdout


def test_html_is_one_self_contained_accessible_page(run_cli) -> None:
    html = run_cli("review", "specs/utilisation_by_area.ocx", "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "@media print" in html and "size: A4" in html
    for external in ("<link", "<script", "src=", "@import", "url(", "http://", "https://"):
        assert external not in html, external
    tags = _tags(html)
    assert tags["caption"] == tags["table"] and tags["th"] > 0
    headers = re.findall(r"<th(?![a-z])[^>]*>", html)
    assert headers and all(re.fullmatch(r'<th scope="(row|col)">', cell) for cell in headers)
    assert tags["h1"] == 1 and tags["h2"] >= 4 and tags["main"] == 1


def test_json_form_carries_the_model(run_cli) -> None:
    data = json.loads(run_cli("review", "specs/research_cdrs.ocx", "--format", "json").stdout)
    assert data["format"] == "ocpispec-review/1"
    driver = data["datasets"][0]["columns"][0]
    assert driver["transformation"] == (
        "a keyed pseudonym of the contract id, the same in every delivery of this export to "
        "this consumer (as long as the key stays): records of one id link across all "
        "deliveries")
    assert (driver["privacy_before"], driver["privacy_after"]) == ("personal", "pseudonymous (personal data)")
    assert len(data["fingerprints"]["privacy_fingerprint"]) == 64  # what approvals bind to
    assert len(data["fingerprints"]["plan"]) == 64


def _review_of(text: str, name: str = "spec.ocx"):
    checked = compile_source(SourceFile(name, text))
    return build_review(checked, make_plan(checked))


def test_spec_text_is_escaped_in_html() -> None:
    html = render_review(_review_of(HOSTILE), "html")
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;consumer&#39;)&lt;/script&gt;" in html
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;img src=x onerror=alert(2)&gt; &amp; more" in html
    assert "a fleet &lt;script&gt;x()&lt;/script&gt;" in html  # the filter's justification
    text = _text(html)
    assert "<script>alert('consumer')</script> | [click](javascript:alert(1))" in text
    assert html.count('<tr class="attention">') == 1  # the personal column kept as is


def test_spec_text_is_escaped_in_markdown() -> None:
    markdown = render_review(_review_of(HOSTILE), "markdown")
    assert "<script" not in markdown and "<img" not in markdown
    assert not re.search(r"(?<!\\)\]\(javascript", markdown)  # no live link
    assert "\\[click\\](javascript" in markdown
    consumer = next(line for line in markdown.splitlines() if line.startswith("| consumer |"))
    assert len(re.findall(r"(?<!\\)\|", consumer)) == 3
    assert "&lt;script&gt;" in consumer
    assert "| personal → **personal** |" in markdown
    for line in markdown.splitlines():
        if line.startswith("| `contract`"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 6, line


BACKTICKS = """\
export backticks
  consumer "Gemeente Test"
  purpose "Connector counts"
  legal basis public task "Art. 6"
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from locations
  where name = "a`b"
select
  name
  jmespath("length(evses || `[]`)") as evse_count
output csv to "exports/x`y`.csv"
"""
EXPRESSION = "length(evses || `[]`)"


def test_backticks_in_spec_text_show_in_markdown() -> None:
    """A JMESPath literal (``evses || `[]` ``, as the help for a missing value says to
    write) ended the review's code span early: the officer read `length(evses || [])`, a
    different expression from the one that runs, and a destination or filter value
    lost its backticks (or had them turned into `'`). CommonMark shows each as written."""
    markdown_it = pytest.importorskip("markdown_it")
    markdown = render_review(_review_of(BACKTICKS), "markdown")
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(markdown)
    code = [child.content for token in tokens if token.type == "inline"
            for child in token.children or () if child.type == "code_inline"]
    assert EXPRESSION in code and "exports/x`y`.csv" in code
    assert 'where name = "a`b"' in code


def test_spec_text_is_not_struck_through_or_emphasised_in_markdown() -> None:
    """A justification `drivers ~~do not~~ consent` showed `do not` struck through, as
    if deleted, where a merge request renders the review (and `_x_` in italics): the
    officer read other words than the spec holds."""
    markdown_it = pytest.importorskip("markdown_it")
    why = "the drivers ~~do not~~ consent, _really_ (see DPIA_2026_07)"
    spec = HOSTILE.replace("the consumer <script>bills</script> | per contract", why)
    markdown = render_review(_review_of(spec), "markdown")
    tokens = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]) \
        .parse(markdown)
    inline = [token for token in tokens if token.type == "inline" and why[:11] in token.content]
    assert inline
    for token in inline:
        kinds = {child.type for child in token.children or ()}
        assert not kinds & {"s_open", "em_open"}, kinds
        assert why in "".join(child.content for child in token.children or ())
    assert "DPIA_2026_07" in markdown  # `_` inside a word needs no escape


def test_personal_filter_is_marked_and_its_values_blanked() -> None:
    review = _review_of(HOSTILE)
    (flt,) = review.datasets[0].flow.filters
    assert flt.sensitive and ("cdr_token.uid", "personal") in flt.reads
    assert "ABC" not in flt.condition
    html = render_review(review, "html")
    assert "ABC" not in html and "filters on personal <code>cdr_token.uid</code>" in html


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=4)
                | st.sampled_from(list("<>&\"'`|[]()*_#\\") + ["<script>", "</td>", "-->", "<!--"]),
                max_size=12).map("".join))
def test_any_consumer_text_reads_back_as_text(consumer: str) -> None:
    review = _BASE
    header = tuple(HeaderItem(item.label, consumer) if item.label == "consumer" else item
                   for item in review.header)
    html = render_review(_replace(review, header=header), "html")
    parser = _Cells()
    parser.feed(html)
    # an invisible character (a soft hyphen, a zero-width space) reads as its code point
    assert parser.rows["consumer"] == spec_text_shown(consumer)
    assert parser.tags <= _ALLOWED_TAGS
    row = next(line for line in render_review(_replace(review, header=header),
                                               "markdown").splitlines()
               if line.startswith("| consumer |"))
    assert len(re.findall(r"(?<!\\)\|", row.replace("\\\\", ""))) == 3
    assert "<" not in row


def test_transformations_in_plain_words() -> None:
    spec = HOSTILE.replace(
        "pseudonymize(cdr_token.uid) as driver", "\n  ".join([
            "pseudonymize(cdr_token.uid) as driver",
            "truncate(start_date_time, quarter_hour) as started",
            "hours(start_date_time, end_date_time) as hours",
            "weekday(start_date_time) as day",
            "hour_of_day(end_date_time) as hour",
            "bucket(kwh, [0, 10, 20]) as energy",
            "constant(\"NL\") as country",
            "round(kwh) as kwh",
        ])).replace("  pseudonym key env HOSTILE_KEY\n",
                    "  pseudonym key env HOSTILE_KEY\n  pseudonym scope per month\n")
    words = {c.name: c.transformation for c in _review_of(spec).datasets[0].columns}
    assert words == {
        "driver": "a keyed pseudonym of the token's uid, stable for this consumer within one "
                  "month of the record's time, new in the next month",
        "started": "the start time, cut to the quarter of an hour",
        "hours": "the hours from the start time to the end time",
        "day": "the day of the week of the start time (UTC)",
        "hour": "the hour of the day (0-23) of the end time (UTC)",
        "energy": "the energy (kWh), as a range: under 0, 0-10, 10-20, 20 or more",
        "country": "the fixed value \u201cNL\u201d",
        "kwh": "the energy (kWh), rounded to a whole number",
        "contract": "the contract id, as it is",
    }


MEASURES = """export measures
  consumer "Test consumer"
  purpose "Measures in plain words"
  legal basis public task
  retention 1 year
  pseudonym key env MEASURES_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
group by
  status
compute
  count() as sessions
  count(distinct pseudonymize(cdr_token.uid)) as cards
  count(distinct evse_uid) as evses
  median(kwh) as median_kwh
  percentile(kwh, 0.9) as p90_kwh
  round(percentile(kwh, 0.25), 1) as p25_kwh
  round(sum(kwh), -2) as energy_hundreds
  round(max(jmespath("max(charging_periods[].dimensions[].volume)")), 1) as peak
  minimum group size 10
output csv to "out.csv"
"""


def test_measures_in_plain_words() -> None:
    """A count of different values is not a count of records, and a percentile says
    which one."""
    words = {c.name: c.transformation for c in _review_of(MEASURES).datasets[0].columns}
    assert words == {
        "status": "the status, as it is",
        "sessions": "the number of records in the group",
        "cards": "the number of different values of the token's uid in the group, counted "
                 "by keyed pseudonym (none is released)",
        "evses": "the number of different values of the evse uid in the group",
        "median_kwh": "the median of the energy (kWh) over the group",
        "p90_kwh": "the 90th percentile of the energy (kWh) over the group",
        "p25_kwh": "the 25th percentile of the energy (kWh) over the group, rounded to "
                   "1 decimal",
        "energy_hundreds": "the total of the energy (kWh) over the group, rounded to the "
                           "nearest 100",
        # a JMESPath value inside a measure: it read "the largest value of computed by ..."
        "peak": "the largest value of the result of the JMESPath expression "
                "`max(charging_periods[].dimensions[].volume)` over the record in the group "
                "(one record's own value), rounded to 1 decimal",
    }


def test_aggregate_protection_states_the_floor_in_drivers() -> None:
    review = build_review(*_compiled(SPECS / "utilisation_by_area.ocx"))
    protection = review.datasets[0].protection
    assert protection is not None
    assert (protection.min_group_size, protection.counted_in) == (10, "distinct drivers")
    assert build_review(*_compiled(SPECS / "municipality_sessions.ocx")).datasets[0] \
        .protection is None


def test_a_top_n_says_which_groups_are_released() -> None:
    """`order by ... limit N` releases only the first N groups; the page said nothing."""
    text = (SPECS / "utilisation_by_area.ocx").read_text().replace(
        "  minimum group size 10\n", "  minimum group size 10\norder by energy_kwh desc\nlimit 3\n")
    review = _review_of(text, str(SPECS / "top.ocx"))
    words = ("only the first 3 groups by `energy_kwh` (highest first) are released, chosen "
             "among the groups that pass the minimum group size")
    assert review.datasets[0].flow.top == words
    assert f"| released groups | {words} |" in render_review(review, "markdown")
    html = render_review(review, "html")
    assert ('<tr><th scope="row">released groups</th><td>only the first 3 groups by '
            "<code>energy_kwh</code> (highest first)") in html
    assert build_review(*_compiled(SPECS / "utilisation_by_area.ocx")).datasets[0].flow.top == ""


def test_a_comment_inside_a_filter_is_not_shown_as_part_of_it() -> None:
    """The page showed the condition's source text, comments included: a comment
    `# and location.country_code = "NLD"` read as a filter that does not exist."""
    text = MUNICIPALITY_TEXT.replace(
        '  where status = "COMPLETED"\n',
        '  where status = "COMPLETED" # and location.country_code = "NLD"\n'
        '    and location.postal_code != "3511 #1"  # not the station\n')
    review = _review_of(text)
    (shown,) = review.datasets[0].flow.filters
    assert shown.condition == 'status = "COMPLETED" and location.postal_code != "3511 #1"'
    for form in ("markdown", "html"):
        assert "NLD" not in render_review(review, form)


def test_warnings_are_shown_in_plain_words(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "warned.ocx"
    spec.write_text((SPECS / "utilisation_by_area.ocx").read_text()
                    .replace("  minimum group size 10\n", ""))
    result = run_cli("review", str(spec), "--format", "markdown")
    assert result.exit_code == 0
    assert "- **The aggregate sets no minimum group size** (OCX319, " in result.stdout
    assert "This is the default: the spec states no minimum group size." in result.stdout


def test_the_review_shows_the_privacy_fingerprint_approvals_bind_to() -> None:
    from ocpispec.privacy_summary import privacy_fingerprint

    checked, plan = _compiled(SPECS / "municipality_sessions.ocx")
    review = build_review(*_compiled(SPECS / "municipality_sessions.ocx"))
    assert review.fingerprints.privacy_fingerprint == privacy_fingerprint(plan)
    for format_ in ("html", "markdown"):
        assert review.fingerprints.privacy_fingerprint in render_review(review, format_)
    unset = _replace(review, fingerprints=_replace(review.fingerprints, privacy_fingerprint=None))
    assert "privacy fingerprint" not in render_review(unset, "html")


def test_output_file_format_follows_its_extension(run_cli, tmp_path: Path) -> None:
    for name, marker in (("r.html", "<!DOCTYPE html>"), ("r.md", "# Privacy review"),
                         ("r.json", '"format": "ocpispec-review/1"')):
        result = run_cli("review", "specs/monthly_report.ocx", "-o", str(tmp_path / name))
        assert result.exit_code == 0 and result.stdout == ""
        assert marker in (tmp_path / name).read_text()
    names = {p.name for p in tmp_path.iterdir()}
    assert {"r.html", "r.json", "r.md"} <= names
    assert not [name for name in names if name.endswith(".tmp")]  # no temporary file left


def test_unwritable_output_is_a_diagnostic(run_cli, snapshot, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("")
    result = run_cli("review", "specs/monthly_report.ocx", "-o",
                     str(tmp_path / "notes.txt" / "review.html"))
    assert result.exit_code == 1
    assert cli_block(result, tmp=tmp_path) == snapshot


def test_a_broken_spec_shows_its_diagnostics(run_cli, snapshot, tmp_path: Path) -> None:
    spec = tmp_path / "broken.ocx"
    spec.write_text((SPECS / "municipality_sessions.ocx").read_text()
                    .replace("pseudonymize(cdr_token.contract_id)", "cdr_token.contract_id"))
    result = run_cli("review", str(spec))
    assert result.exit_code == 1 and result.stdout == ""
    assert cli_block(result, tmp=tmp_path) == snapshot


def test_sample_rows_come_from_the_demo_and_write_nothing(run_cli, snapshot, monkeypatch,
                                                          tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = run_cli("review", str(SPECS / "municipality_sessions.ocx"), "--sample",
                     "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert list(work.iterdir()) == []  # no export, manifest, state or run record
    sample = result.stdout[result.stdout.index("## Sample rows"):result.stdout.index(
        "## Fingerprints")]
    assert "SYNTHETIC" in sample and "demo CPO" in sample
    rows = [line for line in sample.splitlines() if line.startswith("| ")][1:]
    assert 0 < len(rows) <= SAMPLE_ROWS
    assert sample.replace(SPECS.as_posix(), "specs") == snapshot  # the path as given


# quarter hours x 4-digit postal areas: the demo's few sessions never put ten drivers in
# one cell, so every cell is withheld (tests/test_series.py checks its totals with a
# lower minimum)
SUPPRESSED_ON_DEMO = {"dso_load_profile"}


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_sample_of_every_shipped_spec(spec: Path, tmp_path: Path, monkeypatch) -> None:
    from ocpispec.review import demo_sample

    monkeypatch.chdir(tmp_path)
    checked, plan = _compiled(spec)
    sample = demo_sample(plan, spec.parent)
    (table,) = sample.tables
    assert table.columns == plan.datasets[0].column_names
    if spec.stem in SUPPRESSED_ON_DEMO:
        assert table.rows == ()
    else:
        assert 0 < len(table.rows) <= SAMPLE_ROWS
    assert all(len(row) == len(table.columns) for row in table.rows)
    html = render_review(build_review(checked, plan, sample=sample), "html")
    assert "SYNTHETIC DATA" in html and "Synthetic sample of" in html
    assert list(tmp_path.iterdir()) == []


# ---- helpers ----------------------------------------------------------------------------


def _compiled(path: Path):
    checked = compile_file(path)
    return checked, make_plan(checked)


def _replace(value, **changes):
    import dataclasses

    return dataclasses.replace(value, **changes)


_BASE = _review_of((SPECS / "municipality_sessions.ocx").read_text(), "specs/m.ocx")
_ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "p", "h1", "h2",
                 "h3", "main", "section", "table", "caption", "tbody", "thead", "tr", "th",
                 "td", "code", "span", "strong", "footer", "wbr", "br", "ul", "li", "div",
                 "colgroup", "col", "dl", "dt", "dd", "pre"}


def _tags(html: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for tag in re.findall(r"<([a-z0-9]+)[\s>]", html):
        counts[tag] = counts.get(tag, 0) + 1
    return counts


class _Cells(HTMLParser):
    """Text of each header table row, by its row heading; every tag name seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: dict[str, str] = {}
        self.tags: set[str] = set()
        self._label: str | None = None
        self._in: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        if tag in ("th", "td"):
            self._in, self._buffer = tag, ""

    def handle_endtag(self, tag) -> None:
        if tag == "th" and self._in == "th":
            self._label = self._buffer
        elif tag == "td" and self._in == "td" and self._label is not None:
            self.rows.setdefault(self._label, self._buffer)
            self._label = None
        if tag in ("th", "td"):
            self._in = None

    def handle_data(self, data) -> None:
        if self._in:
            self._buffer += data


def _text(html: str) -> str:
    parser = _Cells()
    parser.feed(html)
    return " ".join(parser.rows.values())


def test_a_run_carries_the_fingerprint_the_review_shows(run_cli, tmp_path: Path) -> None:
    """write -> check -> review -> run: the delivery's manifest names the reviewed plan."""
    spec = "specs/municipality_sessions.ocx"
    assert run_cli("check", spec).exit_code == 0
    reviewed = json.loads(run_cli("review", spec, "--format", "json").stdout)
    out = tmp_path / "sessions.csv"
    # the demo's default 20,000 sessions: the spec's k rule fails a run on a few hundred
    result = run_cli("run", spec, "--demo", "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads(Path(f"{out}.manifest.json").read_text())
    assert manifest["plan_fingerprint"] == reviewed["fingerprints"]["plan"]


def test_private_location_allowance_is_shown_with_its_reason() -> None:
    spec = (SPECS / "utilisation_by_area.ocx").read_text().replace(
        "  join locations on location_id\n",
        "  join locations on location_id\n  include private locations because \"our own depot "
        "chargers, agreed with the works council\"\n")
    review = _review_of(spec)
    flow = review.datasets[0].flow
    assert flow.private_locations.startswith("records at non-public locations are INCLUDED")
    assert flow.private_locations_justification == ("our own depot chargers, agreed with the "
                                                    "works council")
    assert [w.code for w in review.warnings] == ["OCX310"]
    assert "Because: &ldquo;our own depot chargers" in render_review(review, "html")


@pytest.mark.parametrize(("window", "words"), [
    (dict(kind="all"), "all records the platform holds (no time window)"),
    (dict(kind="since", start="2026-01-01T00:00:00Z"), "records updated since 2026-01-01T00:00:00Z"),
    (dict(kind="between", start="2026-01-01T00:00:00Z", end="2026-02-01T00:00:00Z"),
     "records updated from 2026-01-01T00:00:00Z up to 2026-02-01T00:00:00Z"),
    (dict(kind="last", amount=1, unit="month"), "the last month, counted back from the time "
                                                "of each run"),
    (dict(kind="last", amount=30, unit="days"), "the last 30 days, counted back from the time "
                                                "of each run"),
    (dict(kind="last", amount=2, unit="week"), "the last 2 weeks, counted back from the time "
                                               "of each run"),
])
def test_windows_in_plain_words(window: dict, words: str) -> None:
    from ocpispec.plan import ir
    from ocpispec.review.words import window_words

    assert window_words(ir.Window(**window)) == words


def test_ci_installs_chromium_when_missing() -> None:
    """The browser test needs Chromium; CI installs it when it runs as root."""
    ci = (REPO / ".ci" / "run").read_text()
    assert "apt-get install -y -qq chromium" in ci and '[ "$(id -u)" -eq 0 ]' in ci


UNJUSTIFIED = """\
export unjustified
  consumer "Grid operator"
  purpose "Largest and smallest sessions per postal area for grid planning"
  legal basis legitimate interests "grid planning agreement"
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from sessions
  last 7 days
  join locations on location_id
group by
  prefix(location.postal_code, 4) as postal_area
compute
  sum(kwh) as energy_kwh
  max(kwh) as max_kwh
  min(kwh) as min_kwh because "the planners size cables for the smallest session too"
  minimum group size 10
output csv to stdout
"""


@pytest.mark.parametrize("format_", ("markdown", "html"))
def test_a_column_a_warning_asks_to_justify_is_not_shown_as_needing_none(
        run_cli, snapshot, tmp_path: Path, format_: str) -> None:
    """`max(kwh)` releases one record's exact energy (OCX303, no `because`): its
    justification cell says none was given and points at the warning, where a column
    that needs none says so."""
    spec = tmp_path / "unjustified.ocx"
    spec.write_text(UNJUSTIFIED)
    result = run_cli("review", str(spec), "--format", format_)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    names = ("energy_kwh", "max_kwh", "min_kwh")
    if format_ == "markdown":
        rows = [line for line in lines if line.startswith(tuple(f"| `{n}`" for n in names))]
    else:  # a row's cells are on the lines after its header cell
        rows = [" ".join(part.strip() for part in lines[i:i + 5]) for i, line in enumerate(lines)
                if line.strip().startswith(tuple(
                    f'<th scope="row"><code>{n.replace("_", "_<wbr>")}</code>' for n in names))]
    assert len(rows) == 3
    assert any("none given" in row and "OCX303" in row for row in rows)
    assert not any("none needed" in row for row in rows if "max_kwh" in row)
    assert "\n".join(rows) == snapshot


WITH_TOTALS = """\
export with_totals
  consumer "Statistics office"
  purpose "Charging per postal district and power type, with district totals"
  legal basis legal obligation "statistics act"
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from sessions as by_type
  last 7 days
  join locations on location_id
group by
  prefix(location.postal_code, 2) as district
  location.connector.power_type as power_type
compute
  sum(kwh) as energy_kwh
  minimum group size 10
output csv to "by-type.csv"

from sessions as totals
  last 7 days
  join locations on location_id
group by
  prefix(location.postal_code, 2) as district
compute
  sum(kwh) as energy_kwh
  minimum group size 10
output csv to "totals.csv"
"""


@pytest.mark.parametrize("format_", ("markdown", "html"))
def test_the_protection_names_the_totals_dataset_as_code(run_cli, snapshot, tmp_path: Path,
                                                         format_: str) -> None:
    """The sentence on secondary suppression names the totals' dataset as code, not
    with escaped backticks the reader sees as `\\`totals\\``."""
    spec = tmp_path / "with_totals.ocx"
    spec.write_text(WITH_TOTALS)
    result = run_cli("review", str(spec), "--format", format_)
    assert result.exit_code == 0, result.stderr
    named = "(<code>totals</code>)" if format_ == "html" else "(`totals`)"
    lines = [line.strip() for line in result.stdout.splitlines()
             if "also releases totals" in line and named in line]
    assert len(lines) == 1 and "\\`" not in lines[0]
    assert ("(<code>totals</code>)" if format_ == "html" else "(`totals`)") in lines[0]
    assert lines[0] == snapshot


def test_count_over_unnested_rows_says_what_it_counts() -> None:
    """In the load profile a record becomes one row per charging period and quarter
    hour: `count()` counts those rows, and the review must not call them records."""
    review = build_review(*_compiled(SPECS / "dso_load_profile.ocx"))
    periods = next(c for c in review.datasets[0].columns if c.name == "periods")
    assert "records in the group" not in periods.transformation
    assert "one per element of `charging_periods` and quarter hour slot" in \
        periods.transformation
    plain = build_review(*_compiled(SPECS / "monthly_statistics.ocx"))
    sessions = next(c for c in plain.datasets[0].columns if c.name == "sessions")
    assert sessions.transformation == "the number of records in the group"


STOLEN_CARD = '''export fraud_flags
  consumer "Fraud desk, Example eMSP"
  purpose "Flag the sessions of a card reported stolen for the fraud desk"
  legal basis legitimate interests "LIA-2026-09 fraud prevention"
  retention 3 months

source
  ocpi env OCPI_VERSIONS_URL
  token env OCPI_TOKEN

from sessions
select
  jmespath("cdr_token.uid == '04A2B3C4D5E6F7'") as stolen because "the fraud desk needs to know which sessions used the stolen card"
  truncate(start_date_time, day) as day
output csv to "exports/flags.csv"
'''


def test_a_card_uid_in_a_jmespath_column_is_not_shown(run_cli, tmp_path: Path, snapshot) -> None:
    """A column comparing a personal field in `jmespath(...)` put the card uid it names
    on the review page, in the plan, the diff and the approval record committed beside
    the spec. It is blanked out there as a filter's value is; the fingerprint still
    holds it (another uid needs a new review)."""
    spec = tmp_path / "flags.ocx"
    spec.write_text(STOLEN_CARD, encoding="utf-8")
    shown = [run_cli("review", str(spec)).stdout,
             run_cli("review", str(spec), "--format", "html").stdout,
             run_cli("review", str(spec), "--format", "json").stdout,
             run_cli("plan", str(spec)).stdout,
             # the projection's expression holds every column's JMESPath
             run_cli("plan", str(spec), "--format", "json").stdout]
    assert all("04A2" not in text for text in shown)
    assert [line for line in shown[0].splitlines() if line.startswith("| `stolen`")] == snapshot
    approved = run_cli("approve", str(spec), "--by", "Pat Jansen <pat@cpo.example>")
    assert approved.exit_code == 0, approved.stderr
    record = next((tmp_path / "flags.ocx.approvals").glob("*.toml")).read_text()
    assert "04A2" not in record and "(personal value)" in record
    other = tmp_path / "other.ocx"
    other.write_text(STOLEN_CARD.replace("04A2B3C4D5E6F7", "05FFFFFFFFFFFF"), encoding="utf-8")
    diff = run_cli("diff", str(spec), str(other))
    assert diff.exit_code == 1 and "04A2" not in diff.stdout and "05FF" not in diff.stdout
    assert "a value a `jmespath(...)` column compares personal fields with changed" \
        in diff.stdout


def test_a_card_uid_in_a_jmespath_measure_is_not_shown(run_cli, tmp_path: Path) -> None:
    """The same inside a measure (`sum(jmespath(...))`): the plan showed the uid and the
    approval record stored it as the measure's argument."""
    spec = tmp_path / "counts.ocx"
    spec.write_text(STOLEN_CARD.replace(
        "select\n  jmespath(\"cdr_token.uid == '04A2B3C4D5E6F7'\") as stolen",
        "group by\n  truncate(start_date_time, month) as month\ncompute\n"
        "  sum(jmespath(\"(cdr_token.uid == '04A2B3C4D5E6F7') && `1` || `0`\")) as stolen")
        .replace("  truncate(start_date_time, day) as day\n", "  minimum group size 10\n"),
        encoding="utf-8")
    plan = run_cli("plan", str(spec))
    assert plan.exit_code == 0, plan.stderr
    assert "04A2" not in plan.stdout and "(personal value)" in plan.stdout
    assert "04A2" not in run_cli("review", str(spec)).stdout
    # the measure's `argument`, and a composed one's `parts`, hold its JMESPath
    assert "04A2" not in run_cli("plan", str(spec), "--format", "json").stdout
    composed = tmp_path / "composed.ocx"
    composed.write_text(spec.read_text().replace(
        "  sum(jmespath(\"(cdr_token.uid == '04A2B3C4D5E6F7') && `1` || `0`\")) as stolen",
        "  round(sum(jmespath(\"(cdr_token.uid == '04A2B3C4D5E6F7') && `1` || `0`\")), 0) "
        "as stolen"), encoding="utf-8")
    shown = run_cli("plan", str(composed), "--format", "json")
    assert shown.exit_code == 0 and '"parts"' in shown.stdout, shown.stderr
    assert "04A2" not in shown.stdout and "(personal value)" in shown.stdout
    assert run_cli("approve", str(spec), "--by", "Pat Jansen <pat@cpo.example>").exit_code == 0
    record = next((tmp_path / "counts.ocx.approvals").glob("*.toml")).read_text()
    assert "04A2" not in record


def test_the_licence_is_on_the_review_and_in_the_diff(run_cli, tmp_path: Path, snapshot) -> None:
    """`licence "..."` goes into every data package and into the privacy fingerprint, but
    the review did not show it, and a changed licence read in the diff as 'other
    privacy-relevant details changed'."""
    text = (SPECS / "open_data_locations.ocx").read_text()
    old, new = tmp_path / "old.ocx", tmp_path / "new.ocx"
    old.write_text(text.replace("  retention 12 months\n",
                                '  retention 12 months\n  licence "CC-BY-4.0"\n'))
    new.write_text(text.replace("  retention 12 months\n",
                                '  retention 12 months\n  licence "CC0-1.0"\n'))
    review = run_cli("review", str(new)).stdout
    assert "| licence | CC0-1.0 |" in review
    diff = run_cli("diff", str(old), str(new))
    assert diff.exit_code == 1
    assert [line for line in diff.stdout.splitlines() if "~" in line] == snapshot


@pytest.mark.parametrize("window", ["between 2025-10-24 and 2025-10-28", "since 2025-10-01"])
def test_a_fixed_window_on_an_event_time_is_read_as_that_time(run_cli, tmp_path: Path,
                                                               window: str, snapshot) -> None:
    """A grid operator's load over the night the clocks went back, `between 2025-10-24
    and 2025-10-28` `window on start_date_time`, was reviewed as 'records updated from
    2025-10-24T00:00:00Z up to 2025-10-28T00:00:00Z; applied to `start_date_time`': the
    officer read a window on the last update, then that it was not one. The page says
    which sessions the window keeps: those whose start is in it."""
    spec = tmp_path / "grid.ocx"
    spec.write_text(f"""export grid_load
  consumer "Grid operator"
  purpose "Quarter-hour charging load per postal area for grid planning"
  legal basis legitimate interests "grid planning agreement"
  retention 5 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto
from sessions
  {window}
  window on start_date_time
  join locations on location_id
group by
  truncate(start_date_time, day, "Europe/Amsterdam") as day
  prefix(location.postal_code, 4) as area
compute
  sum(kwh) as energy_kwh
  minimum group size 10
output csv to "exports/grid.csv"
""")
    result = run_cli("review", str(spec), "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("| time window")]
    assert "records updated" not in line
    assert line == snapshot


RAW_START = ("truncate(start_date_time, hour) as started_hour",
             'start_date_time as started_hour because "the planners need exact start times"')
HTML_NOTE = "DPIA-2026-07 <img src=http://127.0.0.1:9/x onerror=alert(1)> | **ok**"


def approved_then_changed(run_cli, tmp_path: Path, monkeypatch) -> Path:
    """The municipality spec with `requires approval`, approved by the officer (CLI, a
    fixed clock), then edited to release the raw start time."""
    from datetime import UTC, datetime

    spec = tmp_path / "sessions.ocx"
    spec.write_text(MUNICIPALITY_TEXT.replace("  retention 24 months\n",
                                              "  retention 24 months\n  requires approval\n"))
    monkeypatch.setattr("ocpispec.approval.records.now",
                        lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    approved = run_cli("approve", str(spec), "--by", "Pat Jansen <pat@cpo.example>",
                       "--note", HTML_NOTE)
    assert approved.exit_code == 0, approved.output
    spec.write_text(spec.read_text().replace(*RAW_START))
    return spec


@pytest.mark.parametrize("format_", ("markdown", "json"))
def test_the_review_says_what_changed_since_the_last_approval(run_cli, snapshot, tmp_path: Path,
                                                             monkeypatch, format_: str) -> None:
    """The officer asked to approve an edited spec got a page that said nothing of
    approvals: not that runs need one, not that one exists for an earlier version, and
    not what changed since. The review now has an Approval section with the records,
    their state in words and the changes `diff` names (here: the raw start time)."""
    spec = approved_then_changed(run_cli, tmp_path, monkeypatch)
    result = run_cli("review", str(spec), "--format", format_)
    assert result.exit_code == 0, result.stderr
    text = result.stdout.replace(str(tmp_path), "<tmp>")
    if format_ == "json":
        assert json.loads(text)["approval"] == snapshot
        return
    section = text[text.index("## Approval"):text.index("## Fingerprints")]
    assert "<img" not in section and "&lt;img" in section
    assert section == snapshot


def test_the_review_of_a_spec_never_approved_says_how(run_cli) -> None:
    result = run_cli("review", _relative(SPECS / "municipality_sessions.ocx"))
    assert "**Approval:** not demanded: the spec has no `requires approval` line" in result.stdout
    assert "No approval is recorded beside the spec. After the review: `ocpispec approve " \
        "specs/municipality_sessions.ocx --by \"Name <email>\"`." in result.stdout


@pytest.mark.parametrize("format_", ("markdown", "html"))
def test_a_minimum_group_size_of_1_is_not_shown_as_a_protection(run_cli, snapshot,
                                                                tmp_path: Path,
                                                                format_: str) -> None:
    """`minimum group size 1` read "Minimum group size 1, counted in distinct drivers. A
    group with fewer than 1 distinct drivers is not released at all": a protection,
    and a false one, since the run then counts records and also releases groups of
    records without a driver id. It reads that every group is released."""
    spec = tmp_path / "statistics.ocx"
    spec.write_text((SPECS / "monthly_statistics.ocx").read_text()
                    .replace("minimum group size 10", "minimum group size 1"))
    result = run_cli("review", str(spec), "--format", format_)
    assert result.exit_code == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "group size" in line
                and ("**" in line or "protection" in line))
    assert "not released at all" not in line
    assert line.strip() == snapshot


@pytest.mark.parametrize("destination", ['stdout', '"sftp://research/in/sessions.csv"',
                                         '"s3://consumer-bucket/in/sessions.csv"'])
def test_the_destination_says_where_the_data_ends_up(run_cli, snapshot, tmp_path: Path,
                                                     destination: str) -> None:
    """`to stdout` read "standard output, as CSV" (jargon: where does it go?) and an SFTP
    upload "the file `sftp://...`", as if a file stayed at the CPO. They say whose
    terminal it reaches and that the spec does not say where it ends up, or that it is
    uploaded to another party's server whose host may come from outside the spec."""
    spec = tmp_path / "sessions.ocx"
    spec.write_text(MUNICIPALITY_TEXT.replace(
        'to "exports/utrecht-sessions-{run.date}.csv"', f"to {destination}"))
    result = run_cli("review", str(spec))
    assert result.exit_code == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("| destination")]
    assert "the file `sftp" not in line and "the file `s3" not in line
    assert line == snapshot


@pytest.mark.parametrize("destination", [
    "exports/../../../srv/www/public/utrecht-{run.date}.csv",
    "/srv/www/public/utrecht-{run.date}.csv", "/srv/www/../public/utrecht-{run.date}.csv",
    "~/public/utrecht-{run.date}.csv", "exports/../utrecht-{run.date}.csv"])
def test_a_destination_outside_the_run_folder_says_so(run_cli, snapshot, tmp_path: Path,
                                                      destination: str) -> None:
    """The docs allow absolute paths, `~` and `..` on purpose, but the review showed
    `exports/../../../srv/www/public/...` as just "the file ... on the machine that runs
    the export": an officer reads the `exports` folder and signs a file that lands two
    folders up, in a web server's public folder. It says where it lands, in words, with
    the path written plainly; a path that stays inside says that too."""
    spec = tmp_path / "sessions.ocx"
    spec.write_text(MUNICIPALITY_TEXT.replace(
        'to "exports/utrecht-sessions-{run.date}.csv"', f'to "{destination}"'))
    assert run_cli("check", str(spec)).exit_code == 0  # allowed, as documented
    result = run_cli("review", str(spec))
    assert result.exit_code == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("| destination")]
    leaves = not destination.startswith("exports/../u")
    assert ("whoever can read the folder it lands in receives the data" in line) == leaves
    assert line == snapshot


def test_an_export_long_pseudonym_says_it_links_every_delivery(run_cli) -> None:
    """`pseudonym scope export` (the default) read "stable within this export for this
    consumer", which an officer reads as within one file; it links one driver's records
    across every delivery, the most linkable scope there is."""
    result = run_cli("review", _relative(SPECS / "research_cdrs.ocx"))
    assert "a keyed pseudonym of the contract id, the same in every delivery of this export " \
        "to this consumer (as long as the key stays): records of one id link across all " \
        "deliveries" in result.stdout
    assert "stable within this export" not in result.stdout


def test_a_legal_basis_without_its_reference_says_so(run_cli, tmp_path: Path) -> None:
    """`legal basis public task` without the law it rests on read "public task", as
    complete as a basis with its reference: the officer had nothing to check it against."""
    spec = tmp_path / "sessions.ocx"
    spec.write_text(MUNICIPALITY_TEXT.replace(
        'legal basis public task "Art. 6(1)(e) GDPR; data sharing agreement DSA-2026-014"',
        "legal basis public task"))
    result = run_cli("review", str(spec))
    assert "| legal basis | public task (not stated: the law, agreement, consent record or " \
        "balancing test it rests on) |" in result.stdout


def _risk_section(markdown: str) -> str:
    """The rule and what it leaves out (without the path in the command that measures)."""
    section = markdown.split("### Measured risk", 1)[1].split("### Withheld fields", 1)[0]
    return section.split("**Not yet measured.**", 1)[0].strip()


@pytest.mark.parametrize("over", ["(started_hour, postal_area)", "(started_hour)", None, ""])
def test_the_review_names_the_quasi_identifiers_no_k_rule_covers(run_cli, tmp_path: Path,
                                                                  snapshot, over) -> None:
    """'Rule in force: every class of equal `started_hour` holds at least 5 distinct
    drivers' read as if every row were 5-anonymous, while postal area, energy, duration
    and plug left beside it uncounted; a row export without a k rule (the research CDRs,
    100% of drivers unique on the demo) said nothing of it at all. The review names the
    released quasi-identifiers the rule leaves out, or says there is no rule; and says how
    a driver is counted in words, not as the JMESPath expression (`\\|\\|` in Markdown)."""
    text = MUNICIPALITY_TEXT
    rule = "require k 5 over (started_hour, postal_area) suppression limit 5%"
    assert rule in text
    text = text.replace(rule, "" if over is None else
                        f"require k 5 over {over} suppression limit 5%" if over else
                        "require k 5 suppression limit 5%")
    spec = tmp_path / "sessions.ocx"
    spec.write_text(text)
    result = run_cli("review", str(spec))
    assert result.exit_code == 0, result.stderr
    risk = _risk_section(result.stdout)
    assert "||" not in risk and "cdr_token" not in risk
    if over == "":  # without `over` the rule counts every released quasi-identifier
        assert "Not covered" not in risk and "No k rule" not in risk
    else:
        assert "`energy_kwh`, " in risk and ("**No k rule:**" in risk) == (over is None)
    assert risk == snapshot


def test_no_k_rule_is_said_only_of_drivers_rows(run_cli) -> None:
    """Aggregates have their minimum group size, and a list of chargers has no drivers."""
    for name in ("open_data_locations", "utilisation_by_area"):
        result = run_cli("review", f"specs/{name}.ocx", "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert [d["risk"]["coverage"] for d in json.loads(result.stdout)["datasets"]] == [None]


JUSTIFIED = """\
export objections
  consumer "ACME Research"
  purpose "Study of charging behaviour"
  legal basis public task "research agreement RA-1"
  retention 1 month
  pseudonym key env K_OBJECTIONS

source
  ocpi env OCPI_VERSIONS_URL
  token env OCPI_TOKEN

from sessions
  where status = "COMPLETED" and cdr_token.uid not in ["AAA111BBB", "CCC222DDD"] because "two employees of the CPO objected under Art. 21"
select
  pseudonymize(cdr_token.contract_id) as driver
  cdr_token.uid as card because "our fraud desk matches blocked cards internally"
  round(kwh, 0) as energy_kwh
output csv to "exports/objections.csv"
"""


def test_the_review_says_the_justifications_leave_with_the_data(run_cli, tmp_path: Path
                                                                ) -> None:
    """The manifest beside every file gives the consumer each justification as written
    (`because "two employees of the CPO objected under Art. 21"`), but the review's
    destination listed 'header, window, columns, filters, withheld fields': the officer
    accepted reasons written for the CPO's eyes that the consumer then read."""
    spec = tmp_path / "objections.ocx"
    spec.write_text(JUSTIFIED)
    out = tmp_path / "objections.csv"
    assert run_cli("run", str(spec), "--demo", "--demo-size", "500", "--out", str(out), "-q").exit_code == 0
    delivered = Path(f"{out}.manifest.json").read_text()
    for reason in ("two employees of the CPO objected under Art. 21",
                   "our fraud desk matches blocked cards internally"):
        assert reason in delivered
    review = run_cli("review", str(spec), "--format", "json")
    destination = json.loads(review.stdout)["datasets"][0]["flow"]["destination"]
    assert "every written justification as it stands in the spec" in destination


OWN_WORDS = """\
export board_report
  consumer "Management team, Example Charging B.V."
  purpose "Monthly overview of energy delivered per connector type"
  legal basis legitimate interests "internal reporting on aggregate figures"
  retention 2 years

source
  ocpi env OCPI_VERSIONS_URL
  token env OCPI_TOKEN

from sessions
  where status = "COMPLETED"
  join locations on location_id
group by
  location.connector.power_type as power_type
compute
  count() as sessions
  minimum group size 10
output template "report.md.j2" to "exports/report.md"
"""
# words of the template's own, which no column holds: a name, markup, a fence, a
# direction control that would show the line reversed
TEMPLATE = ("# Charging report\n\nPrepared by Jan de Vries, whose card 04A2B3C4 was blocked in "
            "May.\n</pre><script>alert(1)</script>\n````\n\u202eevil\n{% for row in rows %}"
            "- {{ row.power_type }}: {{ row.sessions }}\n{% endfor %}")


def test_the_review_shows_what_a_template_writes(run_cli, tmp_path: Path) -> None:
    """A custom template writes its own words into the consumer's file (here a name and
    a card number no column holds), but the review named the template only by its path
    and sha256: the officer signed text they never saw. The review shows each template
    file's text as it stands, markup as text and a direction control as its code point."""
    spec = tmp_path / "report.ocx"
    spec.write_text(OWN_WORDS)
    (tmp_path / "report.md.j2").write_text(TEMPLATE)
    out = tmp_path / "report.md"
    result = run_cli("run", str(spec), "--demo", "--demo-size", "500", "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    assert "Prepared by Jan de Vries, whose card 04A2B3C4 was blocked" in out.read_text()

    markdown = run_cli("review", str(spec)).stdout
    section = markdown.split("### Template text", 1)[1].split("### Aggregate protection")[0]
    assert "Prepared by Jan de Vries, whose card 04A2B3C4 was blocked in May." in section
    assert "\n`````text\n" in section and "\n````\n<U+202E>evil\n" in section
    assert section.rstrip().endswith("`````")  # the template's own fence closes nothing
    html = run_cli("review", str(spec), "--format", "html").stdout
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "Prepared by Jan de Vries, whose card 04A2B3C4 was blocked in May." in html
    assert "\u202e" not in html and "&lt;U+202E&gt;evil" in html
    flow = json.loads(run_cli("review", str(spec), "--format", "json").stdout)[
        "datasets"][0]["flow"]
    assert flow["template_texts"] == [["report.md.j2", TEMPLATE.replace("\u202e", "<U+202E>")]]


def test_the_review_says_what_each_class_means(run_cli) -> None:
    """The officer, who is no engineer, read 'quasi-identifier → quasi-identifier' and
    'personal → pseudonymous (personal data)' on the page they sign, and nothing on it
    said what a quasi-identifier is. Each dataset's released columns are followed by what
    the classes they show mean, and only those."""
    review = json.loads(run_cli("review", "specs/research_cdrs.ocx", "--format", "json").stdout)
    assert [name for name, _ in review["datasets"][0]["classes"]] == [
        "public", "quasi-identifier", "personal", "pseudonymous (personal data)"]
    markdown = run_cli("review", "specs/open_data_locations.ocx").stdout
    legend = next(line for line in markdown.splitlines()
                  if line.startswith("What the classes mean: "))
    assert "**quasi-identifier**" not in legend and "**public**: published or harmless" in legend
    html = run_cli("review", "specs/research_cdrs.ocx", "--format", "html").stdout
    assert '<dl class="legend">' in html and "single out one driver" in html


def test_a_count_of_distinct_ids_is_no_pseudonym_that_links(run_cli, tmp_path: Path) -> None:
    """A statistics office's table counts distinct drivers with
    `count(distinct pseudonymize(cdr_token.contract_id))` and releases only numbers, yet
    the review's header said its pseudonyms were 'the same in every delivery ...: records
    of one id link across all deliveries', and the manifest delivered with the table
    described a pseudonym scheme and scope for pseudonyms it does not hold."""
    spec = "tests/specs/consumers/statistics_quarterly.ocx"
    review = json.loads(run_cli("review", spec, "--format", "json").stdout)
    header = {item["label"]: item["value"] for item in review["header"]}
    assert header["pseudonyms"].startswith("none released: no column is a pseudonym, so "
                                           "nothing links records")
    assert "link across all deliveries" not in header["pseudonyms"]
    out = tmp_path / "quarterly.csv"
    result = run_cli("run", spec, "--demo", "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    assert json.loads(Path(f"{out}.manifest.json").read_text())["pseudonyms"] is None
    # a released pseudonym keeps both
    research = json.loads(run_cli("review", "specs/research_cdrs.ocx", "--format",
                                  "json").stdout)
    assert "records of one id link across all deliveries" in {
        item["label"]: item["value"] for item in research["header"]}["pseudonyms"]


PIPES = """\
export pipes
  consumer "Open data portal"
  purpose "Chargers per site"
  legal basis public task "open data policy"
  retention 1 month

source
  ocpi env OCPI_VERSIONS_URL
  token env OCPI_TOKEN

from locations
select
  jmespath("length(evses || `[]`)") as evse_count
output csv to "exports/a.csv"
"""


def test_a_pipe_in_code_outside_a_table_shows_without_its_backslash(run_cli, tmp_path: Path
                                                                    ) -> None:
    """Markdown reads `\\|` as `|` in a table cell only: in the list of what changed since
    the approval, a paragraph or a warning, the review's code spans showed
    ``length(evses \\|\\| `[]`)`` where the expression is ``length(evses || `[]`)``."""
    spec = tmp_path / "pipes.ocx"
    spec.write_text(PIPES)
    assert run_cli("approve", str(spec), "--by", "Pat Jansen <pat@cpo.example>").exit_code == 0
    spec.write_text(PIPES.replace("`[]`", "`[0]`"))
    markdown = run_cli("review", str(spec)).stdout
    changed = next(line for line in markdown.splitlines() if line.startswith("- **changed**"))
    assert "``jmespath(\"length(evses || `[]`)\")`` -&gt; public, raw JMESPath " \
        "``jmespath(\"length(evses || `[0]`)\")``" in changed
    cell = next(line for line in markdown.splitlines() if line.startswith("| `evse_count`"))
    assert "length(evses \\|\\| `[0]`)" in cell  # a table cell keeps the escape it needs


def test_fields_a_charging_period_s_energy_and_slots_read_are_not_withheld(
        run_cli, tmp_path: Path) -> None:
    """The grid operator's load profile releases each quarter hour's share of every
    charging period's energy, yet the review listed `charging_periods.dimensions.volume`
    (the energy), `charging_periods.start_date_time` and `end_date_time` (what places it
    in its slots) under 'Withheld fields: never leave in this export', as did the
    manifest's count. A derived period field counts as the fields it is computed from."""
    review = json.loads(run_cli("review", "specs/dso_load_profile.ocx", "--format",
                                "json").stdout)
    withheld = {field for group in review["datasets"][0]["withheld"]
                for field in group["fields"]}
    for read in ("charging_periods.dimensions.volume", "charging_periods.dimensions.type",
                 "charging_periods.start_date_time", "end_date_time"):
        assert read not in withheld, read
    # what it does not read stays withheld
    assert {"charging_periods.tariff_id", "start_date_time", "kwh"} <= withheld
    spec = tmp_path / "periods.ocx"
    spec.write_text((SPECS / "dso_load_profile.ocx").read_text().replace(
        "sum(period.energy_kwh)", "sum(period.duration)"))
    out = tmp_path / "load.csv"
    assert run_cli("run", str(spec), "--demo", "--out", str(out), "-q").exit_code == 0
    review = json.loads(run_cli("review", str(spec), "--format", "json").stdout)
    count = sum(len(group["fields"]) for group in review["datasets"][0]["withheld"])
    assert json.loads(Path(f"{out}.manifest.json").read_text())["withheld_fields"] == count


WHOLE = """\
export whole_objects
  consumer "Test consumer"
  purpose "Tests of the privacy review"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
  previous month
select
  jmespath("to_string(cdr_token)") as card because "the fraud desk matches blocked cards by uid"
  jmespath("length(charging_periods || `[]`)") as periods
output csv to "x.csv"
"""


def test_an_object_read_whole_shows_every_field_that_leaves(run_cli, tmp_path: Path) -> None:
    """`to_string(cdr_token)` under a justification about the card's uid released its
    contract id, type and issuer too, while the review named only `cdr_token`, "the
    token used": the officer signed for one field and let five leave."""
    spec = tmp_path / "whole.ocx"
    spec.write_text(WHOLE)
    review = json.loads(run_cli("review", str(spec), "--format", "json").stdout)
    columns = {column["name"]: column for column in review["datasets"][0]["columns"]}
    [card] = columns["card"]["sources"]
    assert card["description"].endswith(
        "; read whole, so all of it leaves: country_code, party_id, uid, type, contract_id")
    [periods] = columns["periods"]["sources"]  # only its length leaves
    assert "read whole" not in periods["description"]
