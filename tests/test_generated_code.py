"""The Python a run generates (page loops, row, key and line functions, fused rows) is
compiled once per process, and what is written from the catalogue alone once per user
cache (`ocpispec.generated_code`): a second run compiles no long text of the page
loops and checks, writes the same output, and the cache holds nothing of the spec; a
cache file that cannot be read is compiled again."""

from __future__ import annotations

import os
import subprocess
import sys

from fixtures_cli import REPO

from ocpispec import generated_code, user_cache

_PROBE = """
import sys
compiled = open(sys.argv.pop(1), "w")
def said(event, args):
    if event != "compile" or args[1] not in ("<string>", "<jmespath>"):
        return
    text = args[0] if isinstance(args[0], bytes) else args[0].encode()
    if not text.startswith(b"def __create_fn__"):  # (a dataclass's methods)
        compiled.write(f"{len(text)} {text.split(b'(', 1)[0].decode()}\\n")
        compiled.flush()
sys.addaudithook(said)
sys.argv = ["ocpispec", *sys.argv[1:]]
from ocpispec.launch import main
main()
"""
_MARKER = "Zq7-literal-of-the-spec"
_SPEC = f"""export generated
  consumer "Test consumer"
  purpose "Testing generated code"
  legal basis public task "test"
  retention 1 months
  pseudonym key env GENERATED_KEY
source ocpi env URL token env TOKEN
from sessions
  where status = "COMPLETED" and cdr_token.contract_id != "{_MARKER}" because "the test team excludes the card it uses for its own trial charges"
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started
  round(kwh, 1) as energy_kwh
  auth_method as zq_method_column
output csv to "generated.csv"
"""


def test_a_second_run_compiles_no_long_generated_text(tmp_path):
    spec = tmp_path / "generated.ocx"
    spec.write_text(_SPEC)
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(tmp_path / "cache"),
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
           "OCPISPEC_LEDGER": str(tmp_path / "ledger.sqlite"), "GENERATED_KEY": "f08b3e6a1d94c27f5b0e8a3d6c19f47e2b5d8a0c3f6e91b4d7a2c05e8f1b3d6a"}
    lengths, outputs = [], []
    for run in range(2):
        compiled, out = tmp_path / f"compiled{run}.txt", tmp_path / f"out{run}.csv"
        done = subprocess.run([sys.executable, "-c", _PROBE, str(compiled), "run", str(spec),
                               "--demo", "--demo-size", "300", "--workers", "2", "--out", str(out),
                               "--state", str(tmp_path / f"state{run}.sqlite"), "--quiet"],
                              cwd=REPO, capture_output=True, text=True, timeout=180, env=env)
        assert done.returncode == 0, done.stderr
        lengths.append([(int(line.split(" ", 1)[0]), line.split(" ", 1)[1])
                        for line in compiled.read_text().splitlines()])
        outputs.append(out.read_bytes())
    long = [{name for size, name in texts if size >= 400} for texts in lengths]
    # the page loop and the checks of the catalogue: compiled once per cache
    assert {"def accept", "def clean", "def check"} <= long[0]
    # the rows of this spec: once per process
    assert long[1] == {"def fused", "def keyed", "def key", "def _f"}
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") > 10
    kept = list((tmp_path / "cache").glob("code-*.pickle"))
    assert len(kept) >= 5
    # nothing of the spec is kept: its literals, its column names
    assert not any(_MARKER.encode() in path.read_bytes() for path in kept)
    assert not any(b"zq_method_column" in path.read_bytes() for path in kept)


def test_an_unreadable_cache_file_is_compiled_again(tmp_path, monkeypatch):
    monkeypatch.setenv("OCPISPEC_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(generated_code, "_CODE", {})
    source = "def made(a):\n    return a + 1\n" + "#" * 500 + "\n"
    first: dict = {}
    exec(generated_code.code_of(source), first)  # noqa: S102 - a fixed text
    [path] = tmp_path.glob("code-*.pickle")
    for spoiled in (path.read_bytes()[:40], b"not a pickle"):
        path.write_bytes(spoiled)
        monkeypatch.setattr(generated_code, "_CODE", {})
        again: dict = {}
        exec(generated_code.code_of(source), again)  # noqa: S102 - a fixed text
        assert again["made"](41) == first["made"](41) == 42
    key = f"{sys.version}\n<string>\n{source}"
    user_cache.write(path, key, b"\x00 not marshal", user_cache.Pickler)
    monkeypatch.setattr(generated_code, "_CODE", {})
    third: dict = {}
    exec(generated_code.code_of(source), third)  # noqa: S102 - a fixed text
    assert third["made"](1) == 2
