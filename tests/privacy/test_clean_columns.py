"""Every field read whole or alone that checks clean leaves nothing non-public.

The invariant behind default-deny, tested from the outside: a column that `check`
passes with no error, no warning about a quasi-identifier (OCX303) and no `because`
releases only what the catalogue classes public at its place. The demo CPO marks every
other text with `CANARY` (at a private site, the site's details too), so every column
`jmespath("PATH")` (and `to_string(PATH)`) over every field and object of the module
and of a join, that checks clean, runs against it in one spec per case and must put no
canary into the file. `jmespath("tariffs")` in a CDR dataset with private sites was
clean and released each home charger's own tariff (`CANARY-HOME`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpispec.check.compiler import compile_source
from ocpispec.diagnostics import CompileError
from ocpispec.diagnostics.source import SourceFile
from ocpispec.schema import catalogue

HEADER = '''export clean_columns
  consumer "Test consumer"
  purpose "Exercise the checker against canaries"
  legal basis legitimate interests
  retention 1 year
  pseudonym key env CLEAN_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
KEY = "q8Zr3vN1xT7LmP0aYc5WbE2sKd9HfJ4uGi6RoVnQ0f8e3a6c1d5b92e4"
INCLUDE = '  include private locations because "employer reimbursement of home charging"\n'
CASES = [("sessions", ""), ("sessions", "join locations on location_id"),
         ("sessions", "join tariffs on charging_periods.tariff_id"),
         ("cdrs", ""), ("cdrs", "join locations on cdr_location.id"),
         ("cdrs", "join tariffs on tariffs.id"), ("cdrs", "join sessions on session_id")]
ALIASES = {"locations": "location", "tariffs": "tariff", "sessions": "session"}


def _paths(object_name: str, written: str = "", seen: frozenset[str] = frozenset()):
    """JMESPath of every field and object below `object_name`, lists read at `[0]`."""
    for field in catalogue().object(object_name).fields.values():
        here = f"{written}.{field.name}" if written else field.name
        yield here
        if field.object and field.object not in seen:
            yield from _paths(field.object, here + ("[0]" if field.many else ""),
                              seen | {field.object})


def _clean(form: str, body: str) -> bool:
    try:
        checked = compile_source(SourceFile("t.ocx", HEADER + body.format(column=form)))
    except CompileError:
        return False
    return not any(d.code == "OCX303" for d in checked.warnings)


def _spec(module: str, join: str, private: bool, grouped: bool = False) -> str:
    released = ("group by\n{column}\ncompute\n  count() as n\n  minimum group size 1\n"
                if grouped else "select\n{column}\n")
    body = (f"from {module}\n" + (INCLUDE if private else "") + (f"  {join}\n" if join else "")
            + released + "output ndjson to \"x\"\n")
    candidates = [*_paths(catalogue().root(module).name)]
    if join:
        target = join.split()[1]
        candidates += [f"{ALIASES[target]}.{path}"
                       for path in _paths(catalogue().root(target).name)]
    columns = []
    for path in candidates:
        clean = next((form for form in (f'jmespath("{path}")', f'jmespath("to_string({path})")')
                      if _clean(f"  {form} as c", body)), None)
        if clean is not None:
            columns.append(f"  {clean} as c{len(columns)}")
    assert columns
    return HEADER + body.format(column="\n".join(columns))


@pytest.mark.parametrize("grouped", [False, True], ids=["rows", "groups"])
@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
@pytest.mark.parametrize(("module", "join"), CASES, ids=[f"{m}:{j.split(' ')[1] if j else '-'}"
                                                         for m, j in CASES])
def test_a_clean_column_releases_no_canary(run_cli, demo_server_factory, tmp_path: Path,
                                           module: str, join: str, private: bool,
                                           grouped: bool) -> None:
    """Also as a group key (every group released: `minimum group size 1`)."""
    server = demo_server_factory(version="2.2.1", size=300, canaries=True)
    spec = tmp_path / "clean.ocx"
    spec.write_text(_spec(module, join, private, grouped))
    out = tmp_path / "out.ndjson"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", "2026-01-01T00:00:00Z",
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                          "CLEAN_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert text
    leaked = sorted({line.split("CANARY")[1][:40] for line in text.splitlines()
                     if "CANARY" in line})
    assert leaked == []
