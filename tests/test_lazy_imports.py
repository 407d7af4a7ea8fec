"""Each command loads only what it uses: a fresh interpreter runs the command and
reports which heavy modules ended up in `sys.modules`. A module-level import of any of
them on the `check` path (or of the HTTP stack on `--help`) makes this fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fixtures_cli import REPO

HEAVY = ("httpx", "httpcore", "h11", "ssl", "jinja2", "pyarrow", "openpyxl", "paramiko",
         "boto3", "hypothesis", "pandas", "rich", "pygments", "sqlite3", "zstandard", "jmespath",
         "platformdirs", "regex", "orjson", "csv", "concurrent.futures", "email")

_PROBE = """
import contextlib, io, json, sys
heavy = set(json.loads(sys.argv[2]))
sys.argv = ["ocpispec", *json.loads(sys.argv[1])]
from ocpispec.cli import main
# a text stream with a byte buffer, as a terminal's: `get` writes its lines to the buffer
with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())), \
        contextlib.redirect_stderr(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps(sorted(set(sys.modules) & heavy)))
"""


def loaded_by(*args: str, watched: tuple[str, ...] = HEAVY) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(watched)],
                          cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout)


@pytest.mark.parametrize("args", [("--help",), ("check", "specs/municipality_sessions.ocx"),
                                  ("check", "--format", "json", "specs/municipality_sessions.ocx"),
                                  ("explain", "OCX101")])
def test_offline_commands_load_no_heavy_module(args):
    assert loaded_by(*args) == []


def test_get_loads_the_http_stack_but_not_the_run_machinery():
    """`get` needs httpx, not the templates, the ledger, the expression compiler, the
    output writers, nor httpx's own command-line tool (pygments, rich)."""
    loaded = loaded_by("get", "sessions", "--demo", "--limit", "1")
    assert "httpx" in loaded
    assert not {"jinja2", "sqlite3", "jmespath", "csv", "rich", "pyarrow", "openpyxl",
                "concurrent.futures"} & set(loaded)


_LEAN_SPEC = """export lean
  consumer "tests"
  purpose "import probe"
  legal basis public task "tests"
  retention 1 months
source ocpi env URL token env TOKEN
from sessions
  where status = "COMPLETED"
select
  round(kwh, 1) as energy_kwh
  auth_method
output csv to "lean.csv"
"""


def test_a_run_to_a_built_in_format_loads_no_template_engine(tmp_path, monkeypatch):
    """A built-in CSV output is written line by line without jinja2 (its import, with
    the sandbox's, was some 20 ms of every run's serial start)."""
    monkeypatch.setenv("OCPISPEC_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("OCPISPEC_LEDGER", str(tmp_path / "ledger.sqlite"))
    spec = tmp_path / "lean.ocx"
    spec.write_text(_LEAN_SPEC)
    loaded = loaded_by("run", str(spec), "--demo", "--demo-size", "100", "--out",
                       str(tmp_path / "out.csv"), "--state", str(tmp_path / "state.sqlite"),
                       "--quiet", watched=("jinja2", "ocpispec.render.sandbox"))
    assert (tmp_path / "out.csv").read_text().startswith("energy_kwh,auth_method\n6.6,")
    assert loaded == []


_CA_PROBE = """
import contextlib, io, json, ssl, sys
loaded = []
real = ssl.SSLContext.load_verify_locations
ssl.SSLContext.load_verify_locations = lambda self, *a, **k: loaded.append(1) or real(self, *a, **k)
sys.argv = ["ocpispec", *json.loads(sys.argv[1])]
from ocpispec.cli import main
with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())), \\
        contextlib.redirect_stderr(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(len(loaded))
"""


@pytest.mark.parametrize("args", [("get", "sessions", "--demo", "--limit", "1"),
                                  ("get", "sessions", "--demo", "--limit", "1", "--workers", "2")])
def test_get_from_an_http_platform_does_not_read_the_ca_bundle(args):
    """The CA certificates are read at the first TLS handshake (ocpispec/ocpi/tls.py):
    reading them cost every http:// crawl about 240 M instructions (some 50 ms)."""
    done = subprocess.run([sys.executable, "-c", _CA_PROBE, json.dumps(args)], cwd=REPO,
                          capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.split() == ["0"]


def test_the_probe_sees_a_heavy_module_when_one_is_loaded():
    assert "httpx" in loaded_by("get", "--help") or "orjson" in loaded_by("get", "--help")


# what `check` never needs: the later stages, the fetch side's record walk, and what only
# building the parser or an unusual spec needs (lark's grammar loader's own imports, zones)
NOT_FOR_CHECK = ("ocpispec.execute", "ocpispec.plan", "ocpispec.ocpi", "ocpispec.render",
                 "ocpispec.ledger", "ocpispec.deliver", "ocpispec.review", "ocpispec.config",
                 "ocpispec.schema.records", "tempfile", "hashlib", "getpass", "pkgutil",
                 "shutil", "zoneinfo", "subprocess", "socket")


@pytest.mark.parametrize("spec", ["specs/municipality_sessions.ocx",
                                  "tests/cases/OCX101_unknown_module.ocx"])
def test_check_loads_no_later_stage_nor_build_time_module(spec):
    assert (REPO / spec).is_file()
    assert loaded_by("check", spec, watched=NOT_FOR_CHECK) == []


def test_the_check_probe_sees_a_later_stage_when_one_is_loaded():
    assert "ocpispec.plan" in loaded_by("plan", "specs/municipality_sessions.ocx",
                                        watched=NOT_FOR_CHECK)


# `ocpispec check FILE` runs without click (`ocpispec.launch`): it reads files with `os`,
# so pathlib and the URL parser pathlib loads (a twentieth of a cold check) stay out
_FAST_PROBE = """
import contextlib, io, json, sys
from ocpispec.launch.arguments import check_arguments
from ocpispec.launch.check import run_check
# a text stream with a byte buffer, as a terminal's: `get` writes its lines to the buffer
with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())), \
        contextlib.redirect_stderr(io.StringIO()):
    try:
        run_check(check_arguments(json.loads(sys.argv[1])))
    except SystemExit:
        pass
print(json.dumps(sorted(set(sys.modules) & set(json.loads(sys.argv[2])))))
"""
NOT_FOR_A_FAST_CHECK = (*NOT_FOR_CHECK, *HEAVY, "click", "pathlib", "urllib.parse", "ipaddress",
                        # pure-Python layers over what a check uses (typing only for mypy)
                        "typing", "pickle", "signal", "lark")


@pytest.mark.parametrize("spec", ["specs/municipality_sessions.ocx",
                                  "tests/cases/OCX101_unknown_module.ocx",
                                  "tests/cases/OCX426_destination_is_a_folder.ocx"])
def test_a_check_without_click_loads_no_pathlib(spec):
    assert (REPO / spec).is_file()
    args = ["check", spec]
    for _ in range(2):  # the first run may build the user's parser cache
        done = subprocess.run([sys.executable, "-c", _FAST_PROBE, json.dumps(args),
                               json.dumps(NOT_FOR_A_FAST_CHECK)], cwd=REPO, capture_output=True,
                              text=True, check=True, timeout=120)
    assert json.loads(done.stdout) == []


@pytest.mark.parametrize("spec", ["specs/municipality_sessions.ocx", "specs/research_cdrs.ocx",
                                  "specs/dso_load_profile.ocx"])
def test_a_check_of_a_valid_spec_loads_neither_suggestions_nor_decimal(spec):
    """difflib only suggests the name a misspelt one meant (its import compiles a named
    tuple); decimal only writes a power field's numbers in watts (OCX246)."""
    assert loaded_by("check", spec, watched=("difflib", "decimal", "numbers")) == []


# Python source compiled while a command runs: `@dataclass` compiles each method it writes
# (five or six a class), `namedtuple` its `__new__`, `@frozen` an `__init__` per shape of
# class; the first compile of a process also builds the parser's syntax-tree types, a
# tenth of a cold check's instructions on its own. A cold `check` of a valid spec compiles
# none: its classes are `@frozen`, whose `__init__` templates come prebuilt
# (ocpispec/frozen_inits.py). (A spec with a misspelt name loads difflib, whose `Match` is
# a named tuple, to suggest the name meant.)
_COMPILE_PROBE = """
import re, sys  # what an installed command's script imports before ocpispec
compiled = open(sys.argv.pop(1), "w")
def said(event, args):
    if event == "compile" and isinstance(args[1], str) and args[1].startswith("<"):
        compiled.write(args[1] + " " + repr(args[0])[:60] + "\\n")
        compiled.flush()
sys.addaudithook(said)
sys.argv = ["ocpispec", *sys.argv[1:]]
from ocpispec.launch import main
main()
"""


@pytest.mark.parametrize("args", [("check", "specs/municipality_sessions.ocx"),
                                  ("check", "specs/dso_load_profile.ocx"),
                                  ("check", "--format", "json", "specs/research_cdrs.ocx")])
def test_a_check_compiles_no_python_source(args, tmp_path):
    compiled = tmp_path / "compiled.txt"
    for _ in range(2):  # the first run may build the user's parser cache
        done = subprocess.run([sys.executable, "-c", _COMPILE_PROBE, str(compiled), *args],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert compiled.read_text().splitlines() == []


def test_the_record_checks_compile_once_per_user_cache(tmp_path):
    """The wire reader's generated walk of each module (some 600 lines for locations)
    is compiled once, then read from the user's cache: compiling it cost every `get`
    and `run` 5-10 ms of their serial start per module read."""
    compiled = tmp_path / "compiled.txt"
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(tmp_path / "cache"),
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    walks = []
    for _ in range(2):
        compiled.write_text("")
        done = subprocess.run([sys.executable, "-c", _COMPILE_PROBE, str(compiled), "get",
                               "locations", "--demo", "--demo-size", "20", "--limit", "1"],
                              cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith('{"')
        walks.append([line for line in compiled.read_text().splitlines()
                      if "def walk(node, invalid, found, unknown)" in line])
    assert walks[0] != [] and walks[1] == []


# `get` and `run` import the fetch side's classes before their first request: each
# `@dataclass(frozen=True, slots=True)` compiles five or six methods from source at import
# (67 M of the 586 M instructions `import ocpispec.cli.get` took), `@frozen` none
_DATACLASS_PROBE = """
import dataclasses, json, sys
import ocpispec.cli.get, ocpispec.cli.run
compiled = []
for name, module in list(sys.modules.items()):
    for value in vars(module).values() if name.startswith("ocpispec") else ():
        params = getattr(value, "__dataclass_params__", None)
        if isinstance(value, type) and value.__module__ == name and params is not None \\
                and params.frozen and "__slots__" in vars(value) and "__ocx_fields__" not in vars(value):
            compiled.append(f"{name}.{value.__qualname__}")
print(json.dumps(sorted(compiled)))
"""
# (wire_check's `Findings` is left to the split of that module)
_COMPILED_ON_PURPOSE = ["ocpispec.schema.wire_check.Findings"]


def test_the_fetch_side_defines_its_frozen_classes_with_frozen():
    done = subprocess.run([sys.executable, "-c", _DATACLASS_PROBE], cwd=REPO, capture_output=True,
                          text=True, check=True, timeout=120)
    assert [name for name in json.loads(done.stdout) if name not in _COMPILED_ON_PURPOSE] == []


# the patterns a check of a valid spec never uses are compiled on first use
# (ocpispec/lazy_pattern.py): compiled at import, they cost a cold check a twentieth
_PATTERN_PROBE = """
import contextlib, io, sys
from ocpispec.launch.arguments import check_arguments
from ocpispec.launch.check import run_check
from ocpispec.lazy_pattern import LazyPattern
with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
    run_check(check_arguments(sys.argv[1:]))
found = ["json"] if "json" in sys.modules else []
for name, module in list(sys.modules.items()):
    for key, value in vars(module).items() if name.startswith("ocpispec") else ():
        values = [value, *(v for item in value if isinstance(item, tuple) for v in item)] \\
            if isinstance(value, tuple) else [value]
        found += [f"{name}.{key}" for v in values
                  if isinstance(v, LazyPattern) and "match" in vars(v)]
print("\\n".join(sorted(set(found))))
"""


@pytest.mark.parametrize("spec", ["specs/municipality_sessions.ocx", "specs/research_cdrs.ocx",
                                  "specs/dso_load_profile.ocx", "specs/utilisation_by_area.ocx"])
def test_a_check_of_a_valid_spec_compiles_no_lazy_pattern_nor_loads_json(spec):
    done = subprocess.run([sys.executable, "-c", _PATTERN_PROBE, "check", spec], cwd=REPO,
                          capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.split() == []


def test_a_lazy_pattern_is_the_compiled_pattern_once_used():
    import re

    from ocpispec.lazy_pattern import lazy

    word, padded = lazy(r"[a-z]+", re.IGNORECASE), lazy(rb"-\d\d")
    assert "lazy('[a-z]+')" == repr(word) and "match" not in vars(word)
    assert word.fullmatch("Abc").group() == "Abc" and "match" in vars(word)
    assert word.sub("x", "ab 12 CD") == "x 12 x" and word.findall("a1b") == ["a", "b"]
    assert word.pattern == "[a-z]+" and word.flags & re.IGNORECASE
    assert padded.search(b"2026-03").group() == b"-03"


def test_a_check_of_a_spec_in_a_time_zone_does_not_list_the_tz_database():
    """A spec's zone is looked up where zoneinfo would find it: listing every zone
    (`zoneinfo.available_timezones`: the tzdata package through importlib.resources,
    pathlib and tempfile, then every file under /usr/share/zoneinfo opened) cost a cold
    check of monthly_statistics.ocx 100 M instructions, a third of a whole check."""
    assert loaded_by("check", "specs/monthly_statistics.ocx",
                     watched=("importlib.resources", "tempfile", "shutil")) == []
