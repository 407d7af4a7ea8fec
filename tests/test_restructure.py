"""tools/restructure.py rewrites references to moved modules: imports (split when the names
now live in different packages), dotted strings, paths, and leaves alone what only looks
like a module (`ocpispec.toml`, `ocpispec.sarif`) or what a same-named package re-exports."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from fixtures_cli import REPO

_spec = importlib.util.spec_from_file_location("restructure", REPO / "tools" / "restructure.py")
restructure = sys.modules.setdefault("restructure", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(restructure)

PAIRS = [("ocpispec/plan.py", "ocpispec/plan/ir.py"),
         ("ocpispec/planner/__init__.py", "ocpispec/plan/planner.py"),
         ("ocpispec/planner/lower.py", "ocpispec/plan/lower.py"),
         ("ocpispec/syntax.py", "ocpispec/language/syntax.py"),
         ("ocpispec/private_sites.py", "ocpispec/check/private_sites.py"),
         ("ocpispec/sarif.py", "ocpispec/diagnostics/sarif.py"),
         ("ocpispec/diagnostics.py", "ocpispec/diagnostics/model.py"),
         ("ocpispec/codes/OCX104.md", "ocpispec/diagnostics/codes/OCX104.md"),
         ("ocpispec/executor/__init__.py", "ocpispec/execute/__init__.py"),
         ("ocpispec/executor/atomic.py", "ocpispec/execute/atomic.py")]
DIRS = {"ocpispec/planner": "ocpispec/plan", "ocpispec/executor": "ocpispec/execute",
        "ocpispec/codes": "ocpispec/diagnostics/codes"}


def rewrite(text: str) -> str:
    mapping = restructure.Mapping(
        modules={restructure.module_of(old): restructure.module_of(new) for old, new in PAIRS
                 if old.endswith(".py")},
        paths={**dict(PAIRS), **DIRS}, packages=dict(DIRS),
        faces={"ocpispec.diagnostics": {"Diagnostic", "error"}})
    return restructure.rewrite_text(text, mapping, restructure.compile_pattern(mapping))


@pytest.mark.parametrize(("old", "new"), [
    ("from ocpispec import plan as ir\n", "from ocpispec.plan import ir\n"),
    ("from ocpispec import syntax as s\n", "from ocpispec.language import syntax as s\n"),
    ("from ocpispec import private_sites, syntax\n",
     "from ocpispec.check import private_sites\nfrom ocpispec.language import syntax\n"),
    ("from ocpispec import __version__, syntax\n",
     "from ocpispec import __version__\nfrom ocpispec.language import syntax\n"),
    ("    from ocpispec import executor\n", "    from ocpispec import execute as executor\n"),
    ("from ocpispec.planner import plan\n", "from ocpispec.plan.planner import plan\n"),
    ("from ocpispec.planner import lower\n", "from ocpispec.plan import lower\n"),
    ("from ocpispec.plan import CsvDialect\n", "from ocpispec.plan.ir import CsvDialect\n"),
    ("from ocpispec.executor.atomic import (\n    publish,\n)  # late\n",
     "from ocpispec.execute.atomic import (\n    publish,\n)  # late\n"),
    ("from ocpispec.executor.new_module import thing\n",
     "from ocpispec.execute.new_module import thing\n"),
    ("from ocpispec.diagnostics import Diagnostic, error\n",
     "from ocpispec.diagnostics import Diagnostic, error\n"),
    ("from ocpispec.diagnostics import Label\n", "from ocpispec.diagnostics.model import Label\n"),
    ("import ocpispec.executor.atomic as atomic\n", "import ocpispec.execute.atomic as atomic\n"),
    ('monkeypatch.setattr("ocpispec.executor.atomic.os.fsync", f)',
     'monkeypatch.setattr("ocpispec.execute.atomic.os.fsync", f)'),
    ("python -m ocpispec.planner.lower", "python -m ocpispec.plan.lower"),
    ("see `ocpispec/plan.py` and `executor/atomic.py`, `planner/`",
     "see `ocpispec/plan/ir.py` and `execute/atomic.py`, `plan/`"),
    ('REPO / "ocpispec" / "codes"', 'REPO / "ocpispec" / "diagnostics" / "codes"'),
    ("[OCX104](../ocpispec/codes/OCX104.md)", "[OCX104](../ocpispec/diagnostics/codes/OCX104.md)"),
])
def test_references_follow_the_move(old: str, new: str) -> None:
    assert rewrite(old) == new


@pytest.mark.parametrize("text", [
    "write ocpispec.toml beside the spec", "ocpispec check --format sarif > ocpispec.sarif",
    "state in .ocpispec/state/x.json", "the executor runs the plan", "ocpispec.plannerish",
    "from ocpispec import ledger, formats\n", "https://example.org/executor/atomic.py",
])
def test_what_only_looks_like_a_moved_module_stays(text: str) -> None:
    assert rewrite(text) == text
