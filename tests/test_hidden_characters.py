"""Direction controls (U+202E, U+2066..2069), invisible characters (a zero-width space)
and C1 controls in a platform's text (a location's name). Where a person reads them
(an HTML or Markdown report, `get` on a terminal) a name such as `Laadplein<U+202E>gpj.exe`
showed as `Laadpleinexe.jpg`; they now show as their code points, or as JSON escapes.
Where a machine reads them the data stays as sent: CSV holds the characters, JSON files
escape them (`\\u202e`), which every JSON reader decodes to the same string. Runs go
over HTTP to the demo CPO, whose locations here carry such names."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer

REPO = Path(__file__).resolve().parent.parent
NAME = "Laadplein\u202egpj.exe \u2066x\u2069 a\u200bb \x9b31m ok \u200d \x1b]52;c;eA==\x07"
SHOWN = ("Laadplein<U+202E>gpj.exe <U+2066>x<U+2069> a<U+200B>b <U+009B>31m ok \u200d "
         "<U+001B>]52;c;eA==<U+0007>")
RAW = ("\u202e", "\u2066", "\u2069", "\u200b", "\x9b", "\x1b", "\x07")


class _HiddenServer(DemoServer):
    """The demo CPO, where every public location has the same name with hidden marks."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations":
            obj["name"] = NAME
        return obj


SPEC = '''export hidden_test
  consumer "Gemeente Test"
  purpose "Public charging locations for the municipal map"
  legal basis public task "test"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
select
  id as site
  name
  {extra}
output {output} to "{out}"
'''


@pytest.fixture(scope="module")
def server():
    with _HiddenServer(version="2.2.1", size=10, max_page_size=50) as demo:
        yield demo


def _run(run_cli, server, tmp_path: Path, output: str, name: str, extra: str = "") -> str:
    out = tmp_path / name
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(output=output, out=out, extra=extra))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_reports_show_hidden_characters_as_code_points(run_cli, server, tmp_path) -> None:
    html = _run(run_cli, server, tmp_path, "html", "x.html")
    assert html.count(SHOWN.replace("<", "&lt;").replace(">", "&gt;")) > 3
    markdown = _run(run_cli, server, tmp_path, "markdown", "x.md")
    escaped = SHOWN.replace("<", "\\<").replace(">", "\\>").replace("]", "\\]")
    assert markdown.count(escaped) > 3
    (tmp_path / "page.html.j2").write_text("{% for row in rows %}<p>{{ row.name }}</p>\n"
                                           "{% endfor %}")
    page = _run(run_cli, server, tmp_path, 'template "page.html.j2"', "page.html")
    assert page.count("<p>" + SHOWN.replace("<", "&lt;").replace(">", "&gt;") + "</p>") > 3
    for text in (html, markdown, page):
        assert not any(char in text for char in RAW)
        assert "\u200d" in text   # a joiner Persian, Indic scripts and emoji need


def test_data_files_keep_the_text_as_sent(run_cli, server, tmp_path) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(run_cli, server, tmp_path, "csv", "x.csv"),
                                           newline="")))
    assert len(rows) > 3 and {row["name"] for row in rows} == {NAME}
    for output, name in (("ndjson", "x.ndjson"), ("json", "x.json")):
        text = _run(run_cli, server, tmp_path, output, name)
        assert not any(char in text for char in RAW) and "\\u202e" in text
        values = [json.loads(line) for line in text.splitlines()] if output == "ndjson" \
            else json.loads(text)
        assert {value["name"] for value in values} == {NAME}
    text = _run(run_cli, server, tmp_path, "geojson", "x.geojson", "coordinates")
    assert not any(char in text for char in RAW)
    assert {f["properties"]["name"] for f in json.loads(text)["features"]} == {NAME}



def test_a_template_s_json_filter_escapes_them_as_the_json_format_does(run_cli, server,
                                                                       tmp_path) -> None:
    """A template writing JSON (`{{ rows | json }}`, the documented way to print rows)
    wrote the characters raw, so the consumer's editor showed a name reversed where the
    built-in `json` format writes `\\u202e`; the filter escapes them as that format
    does, the same string to every JSON reader."""
    (tmp_path / "sites.json.j2").write_text('{"sites": {{ rows | json }}}\n')
    text = _run(run_cli, server, tmp_path, 'template "sites.json.j2"', "sites.json")
    assert not any(char in text for char in RAW) and "\\u202e" in text
    assert {site["name"] for site in json.loads(text)["sites"]} == {NAME}


CLI = [sys.executable, "-c", "from ocpispec.cli import main; main()"]


def _get(server, config: Path, terminal: bool) -> bytes:
    env = {**os.environ, "OCPISPEC_CONFIG_DIR": str(config), "TERM": "xterm", "NO_COLOR": "1"}
    if not config.exists():
        subprocess.run([*CLI, "login", server.versions_url, "--token", server.token,
                        "--party", "NL-ABC"],
                       cwd=REPO, env=env, capture_output=True, timeout=60, check=True)
    return _stdout([*CLI, "get", "locations"], env, terminal)[1]


def _stdout(command: list[str], env: dict[str, str],
            terminal: bool) -> tuple[int, bytes, str]:
    """The exit code, what the command wrote to stdout (a pipe, or a terminal), and
    its stderr (a pipe: a summary, small enough not to fill it)."""
    if not terminal:
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, timeout=60)
        return done.returncode, done.stdout, done.stderr.decode()
    controller, tty = pty.openpty()
    process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=tty,
                               stderr=subprocess.PIPE, env=env)
    os.close(tty)
    chunks = []
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(controller)
    return process.wait(timeout=60), b"".join(chunks), process.stderr.read().decode()


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on the CI machine")
def test_get_on_a_terminal_escapes_hidden_characters_and_a_pipe_gets_them(server,
                                                                         tmp_path) -> None:
    shown = _get(server, tmp_path / "config", terminal=True).decode()
    assert shown.count('"name":"Laadplein\\u202egpj.exe \\u2066x\\u2069') > 3
    assert not any(char in shown for char in RAW)
    piped = [json.loads(line)
             for line in _get(server, tmp_path / "config", terminal=False).splitlines()]
    assert len(piped) > 3 and {obj.get("name") for obj in piped} - {None} == {NAME}


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on the CI machine")
def test_run_to_a_terminal_shows_escape_sequences_and_refuses_binary(server,
                                                                     tmp_path) -> None:
    """`output csv to stdout` on a terminal wrote a platform's escape sequences raw (a
    name holding OSC 52 wrote the user's clipboard); `output parquet to stdout` wrote
    its bytes into the terminal. A text output now shows such characters as their code
    points there, a binary one is refused before any request (OCX589); into a pipe both
    are written as before."""
    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
           "OCPI_TOKEN": server.token, "TERM": "xterm", "NO_COLOR": "1"}
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(output="csv", out="OUT", extra="").replace('to "OUT"',
                                                                            "to stdout"))
    code, shown, _ = _stdout([*CLI, "run", str(spec)], env, terminal=True)
    assert code == 0 and shown.decode().count(SHOWN) > 3
    assert not any(char in shown.decode() for char in RAW)
    code, piped, _ = _stdout([*CLI, "run", str(spec)], env, terminal=False)
    rows = list(csv.DictReader(io.StringIO(piped.decode(), newline="")))
    assert code == 0 and {row["name"] for row in rows} == {NAME}
    spec.write_text(spec.read_text().replace("output csv", "output parquet"))
    code, shown, errors = _stdout([*CLI, "run", str(spec)], env, terminal=True)
    assert code == 1 and shown == b"" and "error[OCX589]" in errors
    assert "records read" not in errors
    code, piped, _ = _stdout([*CLI, "run", str(spec)], env, terminal=False)
    assert code == 0 and piped[:4] == b"PAR1"
