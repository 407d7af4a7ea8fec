"""What `run` shows on a terminal: checked through a real pseudo-terminal, with the
exporter in its own process (the progress bars are live; the dataset lines, the
warnings and the summary are persistent and must start on lines of their own)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _on_a_terminal(*args: str) -> tuple[int, str]:
    controller, terminal = pty.openpty()
    env = {**os.environ, "COLUMNS": "110", "LINES": "40", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-c", "from ocpispec.cli import main; main()",
                                *args], cwd=REPO, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=terminal, env=env)
    os.close(terminal)
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
    return process.wait(timeout=60), ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on the CI machine")
def test_a_run_on_a_terminal_shows_datasets_bars_and_a_clean_summary(tmp_path: Path,
                                                                     snapshot) -> None:
    out = tmp_path / "cdrs.ndjson"
    code, shown = _on_a_terminal("run", "specs/research_cdrs.ocx", "--demo", "--demo-size",
                                 "20000", "--out", str(out), "--page-size", "200",
                                 "--concurrency", "1")
    assert code == 0, shown
    assert "connecting to http://127.0.0.1:" in shown
    assert re.search(r"fetching cdrs +━+ 1,458/1,458 +100%", shown)
    assert re.search(r"fetching locations +━+ 400/400", shown)
    assert re.search(r"\d[\d,]*/s", shown) and re.search(r"\d:\d\d:\d\d", shown)  # rate, ETA
    started = re.search(r"cdrs -> .*cdrs\.ndjson  \(.*\)", shown).group()
    assert started.replace(str(tmp_path), "<tmp>") == snapshot
    lines = shown.splitlines()
    summary = next(line for line in lines if "Ran `tue_charging_research`" in line)
    assert summary.startswith("Ran "), "the summary starts on a line of its own"


def test_piped_stderr_shows_no_bars(run_cli, tmp_path: Path) -> None:
    result = run_cli("run", "specs/research_cdrs.ocx", "--demo", "--demo-size", "2000",
                     "--out", str(tmp_path / "x.ndjson"))
    assert result.exit_code == 0
    assert "fetching" not in result.stderr and "━" not in result.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on the CI machine")
def test_get_on_a_terminal_counts_to_its_limit() -> None:
    code, shown = _on_a_terminal("get", "sessions", "--demo", "--limit", "1500", "--page-size",
                                 "250", "--concurrency", "1")
    assert code == 0, shown
    assert re.search(r"fetching sessions +━+ 1,500/1,500 +100%", shown), shown[-2000:]
    assert "/20,000" not in shown  # the platform's total, capped by --limit


def test_a_further_list_of_a_module_goes_on_from_where_the_bar_was() -> None:
    """A run reads a module's list, then the objects updated since its end: that second
    crawl counts from 0 again, and the bar must not fall back to it."""
    from ocpispec.ocpi.console import ModuleTally

    tally = ModuleTally()
    assert tally.add("cdrs", 200, 1458) == (200, 1458)
    assert tally.add("cdrs", 1458, 1458) == (1458, 1458)
    assert tally.add("cdrs", 0, 0) == (1458, 1458)
    assert tally.add("cdrs", 3, 3) == (1461, 1461)
    assert tally.add("locations", 0, None) == (0, None)
