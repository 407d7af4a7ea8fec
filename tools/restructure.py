#!/usr/bin/env python3
"""Restructure the ocpispec package so that the tree reads as the pipeline (issue 13, item 9).

    language -> check -> plan -> execute -> render, beside ocpi, demo, review, ledger, deliver, cli

Run it from the repository root, on a clean git tree (no changes, no untracked files), with
the project's editable install in `.venv` (the verification imports and tests with it):

    python3 tools/restructure.py              # every pending stage: move, rewrite, verify, commit
    python3 tools/restructure.py --dry-run    # list what each pending stage would move; change nothing
    python3 tools/restructure.py --no-commit  # do everything but commit (review with `git diff --stat -M`)
    python3 tools/restructure.py --verify full    # also run the whole test suite after the last stage

After merging every other branch into main, the lead runs:

    git checkout t-restructure -- tools/restructure.py tests/test_restructure.py
    git commit -m "tools/restructure.py: the package restructure, re-runnable"
    python3 tools/restructure.py              # one commit per stage, each verified
    .venv/bin/pytest -q -p no:cacheprovider   # the whole suite, once
    python3 tools/restructure.py              # again: prints `done`, changes nothing

then brings the prose of docs/architecture.md and the README's stage table over from the
last commit of t-restructure (by hand: the script rewrites paths in prose, not sentences).
Review with `git log --stat -M --oneline ORIG..` (every move shows as a rename: `git log
--follow` and `git blame` keep the history) and `git diff -M ORIG.. -- .
':!ocpispec/diagnostics/codes'` (only rewritten references and the new `__init__` faces).

The script uses only the standard library. It is driven by STAGES below: a list of moves from old
paths to new ones (a file, or a directory that moves with every file in it, including files this
script has never seen). Each stage

1. moves its files with `git mv` (history follows them; `git log --follow`, `git blame -M`),
2. writes the new package's public face (`__init__.py`) where the package is new,
3. rewrites every reference to a moved module in every tracked text file (Python, Markdown,
   TOML, snapshots, CI scripts): `from ocpispec.X import name`, `from ocpispec import X`
   (split by new parent package when names now live apart), `import ocpispec.X [as y]`,
   dotted strings (`"ocpispec.X.attr"` in monkeypatch targets, `python -m ocpispec.X`, lazy
   imports, entry points), paths (`ocpispec/X.py`, `executor/atomic.py`, `"ocpispec" / "codes"`),
4. applies the few fixups no generic rule can make (a path computed from `__file__`),
5. verifies (`--verify quick`, the default: `import ocpispec.cli`, every module imported alone
   in a fresh interpreter, so no package face imports itself back, tests/test_import_graph.py
   and a quick subset of the suite), and
6. commits, one commit per stage (`--no-commit` leaves the changes staged instead).

Idempotent: a stage is pending only while one of its old paths still exists. Run again, the
script moves nothing; it only sweeps references to old module names that no longer exist (from
a branch merged after the first run) and commits that sweep, if any, as its own commit. Names
that live on as something else (`ocpispec.plan` was the IR module and is now the plan package;
`ocpispec.diagnostics` was a module and is now a package) are rewritten only in the run that
moves them; both packages re-export the old module's public names, so code written later
against the old spelling still works.

If a stage fails verification the script stops with that stage's changes uncommitted: inspect
with `git status`, fix, and either commit by hand and re-run, or `git reset --hard && git clean
-fd ocpispec` and re-run after fixing the cause.

To review the result: `git log --stat -M --oneline <base>..` (renames show as renames), and
`git diff -M <base>.. -- . ':!ocpispec/diagnostics/codes'` shows only the rewritten references.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT_PACKAGE = "ocpispec"
# never rewritten: this script and its test hold old paths on purpose
SELF = ("tools/restructure.py", "tests/test_restructure.py")


@dataclass(frozen=True)
class Stage:
    name: str
    title: str
    # (old, new): a file or a directory; earlier entries win for a file both name
    moves: tuple[tuple[str, str], ...]
    # new package faces: path -> text (`{names:...}` filled from a module's public names)
    faces: dict[str, str] = field(default_factory=dict)
    # (path after the move, old text, new text) for what no generic rule can rewrite
    fixups: tuple[tuple[str, str, str], ...] = ()
    # a module that becomes a package of the same name, whose face re-exports the module's
    # names and imports nothing lazily: `from ocpispec.X import name` may stay as it is
    keep_face_imports: bool = False


DIAGNOSTICS_FACE = '''"""Diagnostics: what is wrong in a spec (or a run), and where.

- `source`: a spec's text (`SourceFile`) and positions in it (`Span`), which every stage's
  diagnostics point into.
- `model`: diagnostics as values (`Diagnostic`: code, severity, message, labels with spans,
  notes, help) and `CompileError`, which carries them out of a stage.
- `report`: rendering them, in full (rustc-style, with the source line and a caret), concise
  (`file:line:col: error[OCX104]: ...`) or JSON form; `sarif`: SARIF 2.1.0 for code-scanning views.
- `codes`: the documentation page of every code (`codes/OCXnnn.md`), which `ocpispec explain` prints.
"""

{imports}
'''

LANGUAGE_FACE = '''"""The spec language: `.ocx` text becomes `syntax.Spec`, a typed tree with source spans.

- `parser.parse(source)`: the parse stage (lark, `grammar/ocx.lark`); the lark tree never leaves
  it. `parse_errors` turns a syntax error into one OCX0xx diagnostic; `syntax_builder` turns the
  lark tree into `syntax`.
- `syntax`: the frozen dataclasses every later stage reads.
- `functions`: the functions a spec may call, with their signatures and privacy effects.
- `schedule`: the `schedule` clause as words, as a cron line and as the next run time.
- `pseudonym_scope`: the `pseudonym scope` header values and what each mixes into a pseudonym.
- `revisions`: a spec as it was in a git revision (`REV:path`, for `ocpispec diff`).
"""

from ocpispec.language.parser import parse

__all__ = ["parse"]
'''

CHECK_FACE = '''"""The check stage: `syntax.Spec` becomes `CheckedSpec`, every field bound to the OCPI
catalogue and every column classified, or every problem found (OCX1xx-OCX4xx, collected).

- `checker.check(spec, source)`: runs the passes, one module per concern: header, scope, types
  and arguments, filters and filter privacy, columns, privacy, generaliser floors,
  differencing, private sites (`private_sites`), output and destinations, templates and the
  template policy, the JMESPath escape hatch.
- `checked`: the checked spec, the value the planner consumes.
- `compiler.compile_file(path)`: read, parse and check; the call every command starts with.
"""

from ocpispec.check.checked import CheckedSpec
from ocpispec.check.checker import check
from ocpispec.check.compiler import compile_file, compile_source, read_source

__all__ = ["CheckedSpec", "check", "compile_file", "compile_source", "read_source"]
'''

PLAN_FACE = '''"""The plan stage: a `CheckedSpec` becomes a `Plan`, the contract a run executes.

- `ir`: the plan itself, a closed, JSON-serialisable IR of fetch, normalize, join, filter,
  project, aggregate and render steps with stable ids and a fingerprint. Its names are
  exported here.
- `planner.plan(checked)`: the planner, deterministic and offline; `lower` turns spec
  expressions into JMESPath text, `datasets` and `columns` build the steps, `describe` words
  them. `plan`, `Options` and `dataset_names` are exported here too, loaded on first use, so
  that the IR's many users (execute, render, the ledger) do not import the checker.
"""

{imports}

_PLANNER = ("Options", "dataset_names", "plan")


def __getattr__(name: str):
    if name in _PLANNER:
        from ocpispec.plan import planner

        return getattr(planner, name)
    raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
'''

STAGES: tuple[Stage, ...] = (
    Stage(
        "diagnostics",
        "Diagnostics in one package: sources and spans, diagnostics, their rendering, code pages",
        moves=(
            ("ocpispec/diagnostics.py", "ocpispec/diagnostics/model.py"),
            ("ocpispec/source.py", "ocpispec/diagnostics/source.py"),
            ("ocpispec/report.py", "ocpispec/diagnostics/report.py"),
            ("ocpispec/sarif.py", "ocpispec/diagnostics/sarif.py"),
            ("ocpispec/codes.py", "ocpispec/diagnostics/codes.py"),
            ("ocpispec/codes", "ocpispec/diagnostics/codes"),
        ),
        faces={"ocpispec/diagnostics/__init__.py":
               DIAGNOSTICS_FACE.replace("{imports}", "{names:ocpispec/diagnostics/model.py}\n"
                                        "{names:ocpispec/diagnostics/source.py}")},
        keep_face_imports=True,
        fixups=(("ocpispec/diagnostics/codes.py", 'importlib.resources.files("ocpispec").joinpath("codes")',
                 'importlib.resources.files("ocpispec.diagnostics").joinpath("codes")'),),
    ),
    Stage(
        "language",
        "The spec language in one package: parser, syntax, functions, schedules, pseudonym scopes",
        moves=(
            ("ocpispec/parser.py", "ocpispec/language/parser.py"),
            ("ocpispec/parse_errors.py", "ocpispec/language/parse_errors.py"),
            ("ocpispec/syntax.py", "ocpispec/language/syntax.py"),
            ("ocpispec/syntax_builder.py", "ocpispec/language/syntax_builder.py"),
            ("ocpispec/functions.py", "ocpispec/language/functions.py"),
            ("ocpispec/schedule.py", "ocpispec/language/schedule.py"),
            ("ocpispec/pseudonym_scope.py", "ocpispec/language/pseudonym_scope.py"),
            ("ocpispec/spec_revisions.py", "ocpispec/language/revisions.py"),
            # modules other branches add (a move whose file is absent does nothing)
            ("ocpispec/cron.py", "ocpispec/language/cron.py"),                  # t-calendar
            ("ocpispec/lark_without_regex.py", "ocpispec/language/lark_without_regex.py"),  # t-startup
        ),
        faces={"ocpispec/language/__init__.py": LANGUAGE_FACE},
        fixups=(
            ("ocpispec/language/parser.py", "Path(__file__).resolve().parents[1].joinpath(*_GRAMMAR)",
             "Path(__file__).resolve().parents[2].joinpath(*_GRAMMAR)"),
            ("tests/test_codes.py",
             '"parser.py", "parse_errors.py", "syntax_builder.py", "checker.py", "compiler.py")]',
             '"language/parser.py", "language/parse_errors.py", "language/syntax_builder.py",\n'
             '    "checker.py", "compiler.py")]'),
        ),
    ),
    Stage(
        "check",
        "The check stage in one package: checker, its passes, the checked spec, compile_file",
        moves=(
            ("ocpispec/checks/__init__.py", "ocpispec/check/__init__.py"),
            ("ocpispec/checks", "ocpispec/check"),
            ("ocpispec/checker.py", "ocpispec/check/checker.py"),
            ("ocpispec/checked.py", "ocpispec/check/checked.py"),
            ("ocpispec/compiler.py", "ocpispec/check/compiler.py"),
            ("ocpispec/private_sites.py", "ocpispec/check/private_sites.py"),
            ("ocpispec/dataset_names.py", "ocpispec/check/dataset_names.py"),   # t-calendar
        ),
        faces={"ocpispec/check/__init__.py": CHECK_FACE},
        fixups=(
            ("tests/test_codes.py", '    "checker.py", "compiler.py")]\nSOURCES += sorted(',
             '    "check/checker.py", "check/compiler.py")]\nSOURCES += sorted('),
        ),
    ),
    Stage(
        "plan",
        "The plan stage in one package: the IR (plan/ir.py) and the planner",
        moves=(
            ("ocpispec/plan.py", "ocpispec/plan/ir.py"),
            ("ocpispec/planner/__init__.py", "ocpispec/plan/planner.py"),
            ("ocpispec/planner", "ocpispec/plan"),
        ),
        faces={"ocpispec/plan/__init__.py":
               PLAN_FACE.replace("{imports}", "{names:ocpispec/plan/ir.py}")},
    ),
    Stage(
        "execute",
        "The execute stage: ocpispec/executor/ becomes ocpispec/execute/",
        moves=(("ocpispec/executor", "ocpispec/execute"),),
    ),
    Stage(
        "deliver",
        "Delivery to remote destinations: ocpispec/delivery/ becomes ocpispec/deliver/",
        moves=(("ocpispec/delivery", "ocpispec/deliver"),),
    ),
    Stage(
        "ledger",
        "Run state joins the ledger: ocpispec/state.py becomes ocpispec/ledger/state.py",
        moves=(("ocpispec/state.py", "ocpispec/ledger/state.py"),),
    ),
)

QUICK_TESTS = ("tests/test_import_graph.py", "tests/test_codes.py", "tests/test_parser.py",
               "tests/test_cli_check.py", "tests/test_diagnostics.py", "tests/test_schedule.py",
               "tests/test_journal.py", "tests/test_readme.py")


# ---------------------------------------------------------------------------------- git and files

def git(*args: str, capture: bool = True) -> str:
    done = subprocess.run(["git", *args], check=True, text=True,
                          stdout=subprocess.PIPE if capture else None)
    return done.stdout if capture else ""


def tracked() -> list[str]:
    return [line for line in git("ls-files", "-z").split("\0") if line]


def tracked_under(files: list[str], directory: str) -> list[str]:
    prefix = directory.rstrip("/") + "/"
    return [f for f in files if f.startswith(prefix)]


def is_dir(path: str) -> bool:
    """Moves name directories without a suffix (`ocpispec/executor`), files with one."""
    return PurePosixPath(path).suffix == ""


def file_pairs(stage: Stage, files: list[str], forward: bool) -> list[tuple[str, str]]:
    """(old file, new file) for every file the stage moves (forward: from the files as they are
    now, before the move) or moved (not forward: recovered from the files at their new place)."""
    explicit = {old: new for old, new in stage.moves if not is_dir(old)}
    claimed_new = set(explicit.values()) | set(stage.faces)
    for other in STAGES:
        claimed_new |= {new for old, new in other.moves if not is_dir(old)}
        claimed_new |= set(other.faces)
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for old, new in stage.moves:
        if not is_dir(old):
            if forward and old in files or not forward and new in files:
                pairs.append((old, new))
                seen.add(old)
            continue
        if forward:
            for f in tracked_under(files, old):
                if f not in seen and f not in explicit:
                    pairs.append((f, new + f[len(old):]))
                    seen.add(f)
        else:
            for f in tracked_under(files, new):
                if f in claimed_new:
                    continue
                candidate = old + f[len(new):]
                if candidate not in seen and candidate not in explicit:
                    pairs.append((candidate, f))
                    seen.add(candidate)
    return pairs


def pending(stage: Stage, files: list[str]) -> bool:
    return bool(file_pairs(stage, files, forward=True))


def module_of(path: str) -> str | None:
    if not path.endswith(".py"):
        return None
    parts = PurePosixPath(path).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def text_files(files: list[str]) -> list[Path]:
    found = []
    for f in files:
        if f in SELF:
            continue
        path = Path(f)
        if not path.is_file() or path.is_symlink():
            continue
        found.append(path)
    return found


# ------------------------------------------------------------------------------------ the rewrite

@dataclass
class Mapping:
    modules: dict[str, str]      # old dotted module -> new dotted module
    paths: dict[str, str]        # old path (file, or directory without slash) -> new path
    packages: dict[str, str]     # old package dir -> new package dir (for unseen submodules)
    # an old module whose name is now a package that re-exports its names -> those names
    faces: dict[str, set[str]] = field(default_factory=dict)

    def module(self, dotted: str) -> tuple[str, str] | None:
        """(old prefix, new prefix) for the longest old module that `dotted` starts with."""
        parts = dotted.split(".")
        for i in range(len(parts), 1, -1):
            prefix = ".".join(parts[:i])
            if prefix in self.modules:
                return prefix, self.modules[prefix]
        for i in range(len(parts), 1, -1):
            prefix = "/".join(parts[:i])
            if prefix in self.packages and i < len(parts):
                # a submodule nobody listed: it moves with its package
                return ".".join(parts[:i + 1]), \
                    self.packages[prefix].replace("/", ".") + "." + parts[i]
        return None

    def path(self, path: str) -> str | None:
        parts = path.rstrip("/").split("/")
        for i in range(len(parts), 0, -1):
            prefix = "/".join(parts[:i])
            if prefix in self.paths:
                rest = path[len(prefix):]
                return self.paths[prefix] + rest
        return None


def build_mapping(pairs_and_moves: list[tuple[list[tuple[str, str]], Stage]], files_after: set[str],
                  only_gone: bool) -> Mapping:
    modules: dict[str, str] = {}
    paths: dict[str, str] = {}
    packages: dict[str, str] = {}
    existing_modules = {m for m in map(module_of, files_after) if m}
    existing_dirs = {str(PurePosixPath(f).parent) for f in files_after}
    for pairs, stage in pairs_and_moves:
        for old, new in pairs:
            old_module, new_module = module_of(old), module_of(new)
            if old_module and new_module and old_module != new_module:
                if not (only_gone and old_module in existing_modules):
                    modules[old_module] = new_module
            if not (only_gone and old in files_after):
                paths[old] = new
        for old, new in stage.moves:
            if not is_dir(old):
                continue
            if only_gone and old in existing_dirs:
                continue
            paths[old] = new
            packages[old] = new
    faces = {}
    keep = any(stage.keep_face_imports for _, stage in pairs_and_moves)
    for old in modules if keep else ():
        init = Path(*old.split("."), "__init__.py")
        if str(init.as_posix()) in files_after:
            faces[old] = exported_names(init)
    return Mapping(modules, paths, packages, faces)


def exported_names(init: Path) -> set[str]:
    names = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
    return names


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
FILE_SUFFIXES = "sarif|toml|json|ndjson|yaml|yml|log|txt|csv|md|html|lark|sqlite|zip|gz|tar"
_DOTTED = rf"{ROOT_PACKAGE}(?:\.{_NAME})+"
_FROM_IMPORT = (rf"(?P<from>^(?P<indent>[ \t]*)from[ \t]+(?P<base>{ROOT_PACKAGE}(?:\.{_NAME})*)[ \t]+import[ \t]+"
                rf"(?P<names>\([^)]*\)|[^\n#\\]*[^\s#\\]))")
_DOTTED_REF = rf"(?P<dotted>(?<![\w.]){_DOTTED}(?![\w]))"
_PATH_JOIN = rf'(?P<join>"{ROOT_PACKAGE}"(?:\s*/\s*"[\w.]+")+)'


def path_pattern(mapping: Mapping) -> str:
    """Paths with the package prefix (`ocpispec/plan.py`, `ocpispec/checks/`), and paths inside
    a moved package without it (`executor/atomic.py`, `checks/`)."""
    keys = sorted(mapping.paths, key=len, reverse=True)
    with_prefix = "|".join(re.escape(k[len(ROOT_PACKAGE) + 1:]) for k in keys)
    # without the prefix only inside packages renamed in place (`executor/` -> `execute/`)
    renamed = [old for old, new in mapping.packages.items()
               if PurePosixPath(old).parent == PurePosixPath(new).parent]
    inner_files = sorted({k[len(ROOT_PACKAGE) + 1:] for k in keys
                          if any(k.startswith(d + "/") for d in renamed)}, key=len, reverse=True)
    inner_dirs = sorted({d[len(ROOT_PACKAGE) + 1:] for d in renamed}, key=len, reverse=True)
    alternatives = []
    if with_prefix:
        alternatives.append(rf"(?<![\w.-]){ROOT_PACKAGE}/(?:{with_prefix})(?![\w-])")
    if inner_files:
        alternatives.append(rf"(?<![\w./-])(?:{'|'.join(map(re.escape, inner_files))})(?![\w-])")
    if inner_dirs:
        alternatives.append(rf"(?<![\w./-])(?:{'|'.join(map(re.escape, inner_dirs))})(?=/)")
    return "(?P<path>" + "|".join(alternatives) + ")" if alternatives else ""


def rewrite_import(match: re.Match, mapping: Mapping) -> str:
    indent, base, names = match["indent"], match["base"], match["names"]
    inner = names[1:-1] if names.startswith("(") else names
    if "#" in inner:
        inner = "\n".join(line.split("#", 1)[0] for line in inner.splitlines())
    items = [item.strip() for item in inner.replace("\n", " ").split(",") if item.strip()]
    groups: dict[str, list[str]] = {}
    for item in items:
        name, _, alias = (part.strip() for part in item.partition(" as "))
        found = mapping.module(f"{base}.{name}")
        if found and found[0] == f"{base}.{name}":
            parent, _, leaf = found[1].rpartition(".")
            alias = alias or (name if leaf != name else "")
            alias = "" if alias == leaf else alias
        else:
            parent, leaf = base, name
            moved = mapping.module(base)
            if moved and not (base == moved[0] and name in mapping.faces.get(base, ())):
                parent = moved[1] + base[len(moved[0]):]
        groups.setdefault(parent, []).append(f"{leaf} as {alias}" if alias else leaf)
    if list(groups) == [base] and groups[base] == items:
        return match[0]
    if len(groups) == 1:
        (parent, new_items), = groups.items()
        if [i.split(" as ")[0] for i in new_items] == [i.split(" as ")[0] for i in items]:
            return f"{indent}from {parent} import {names}"
    return "\n".join(f"{indent}from {parent} import {', '.join(group)}"
                     for parent, group in sorted(groups.items()))


def rewrite_text(text: str, mapping: Mapping, pattern: re.Pattern) -> str:
    def replace(match: re.Match) -> str:
        if match["from"] is not None:
            return rewrite_import(match, mapping)
        if match["dotted"] is not None:
            if re.fullmatch(rf"{ROOT_PACKAGE}\.(?:{FILE_SUFFIXES})", match["dotted"]):
                return match["dotted"]  # a file name (`ocpispec.sarif`), not a module
            found = mapping.module(match["dotted"])
            return found[1] + match["dotted"][len(found[0]):] if found else match["dotted"]
        if match["join"] is not None:
            parts = re.findall(r'"([\w.]+)"', match["join"])
            new = mapping.path("/".join(parts))
            return " / ".join(f'"{p}"' for p in new.split("/")) if new else match["join"]
        path = match["path"]
        full = path if path.startswith(ROOT_PACKAGE + "/") else f"{ROOT_PACKAGE}/{path}"
        new = mapping.path(full)
        if new is None:
            return path
        return new if path.startswith(ROOT_PACKAGE + "/") else new[len(ROOT_PACKAGE) + 1:]
    return pattern.sub(replace, text)


def compile_pattern(mapping: Mapping) -> re.Pattern:
    parts = [_FROM_IMPORT, _DOTTED_REF, _PATH_JOIN]
    paths = path_pattern(mapping)
    if paths:
        parts.append(paths)
    return re.compile("|".join(parts), re.MULTILINE)


def rewrite_tree(mapping: Mapping, skip: frozenset[str] = frozenset()) -> list[str]:
    if not mapping.modules and not mapping.paths:
        return []
    pattern = compile_pattern(mapping)
    changed = []
    for path in text_files(tracked()):
        if path.as_posix() in skip:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        new = rewrite_text(text, mapping, pattern)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(str(path))
    return changed


# ----------------------------------------------------------------------------------- the stages

def public_names(path: str) -> list[str]:
    names = []
    for node in ast.parse(Path(path).read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return sorted({n for n in names if not n.startswith("_")}, key=lambda n: (n.lower(), n))


def face_text(template: str) -> str:
    def imports(match: re.Match) -> str:
        path = match[1]
        module = module_of(path)
        names = public_names(path)
        lines, line = [], f"from {module} import ("
        for name in names:
            piece = f"{name}, "
            if len(line) + len(piece) > 96:
                lines.append(line.rstrip())
                line = " " * len(f"from {module} import (")
            line += piece
        lines.append(line.rstrip().rstrip(",") + ")")
        if len(lines) == 1:
            return f"from {module} import {', '.join(names)}"
        return "\n".join(lines)
    text = re.sub(r"\{names:([^}]+)\}", imports, template)
    return text.replace("{{", "{").replace("}}", "}")


def move(pairs: list[tuple[str, str]]) -> None:
    batches: dict[str, list[str]] = {}
    for old, new in pairs:
        Path(new).parent.mkdir(parents=True, exist_ok=True)
        if PurePosixPath(old).name == PurePosixPath(new).name:
            batches.setdefault(str(PurePosixPath(new).parent), []).append(old)
        else:
            git("mv", old, new)
    for directory, olds in batches.items():
        for start in range(0, len(olds), 200):
            git("mv", *olds[start:start + 200], directory + "/")


def clean_leftovers(stage: Stage) -> None:
    """An old package directory left with only caches would import as a namespace package."""
    for old, _ in stage.moves:
        path = Path(old)
        if path.is_dir():
            for cache in path.rglob("__pycache__"):
                shutil.rmtree(cache, ignore_errors=True)
            leftovers = [p for p in path.rglob("*") if p.is_file()]
            if leftovers:
                print(f"  warning: {old} still holds untracked files: {leftovers[:5]}")
            else:
                shutil.rmtree(path)
        if old.endswith(".py"):
            cache = Path(old).parent / "__pycache__"
            for stale in cache.glob(Path(old).stem + ".*.pyc"):
                stale.unlink()


def apply_fixups(stage: Stage) -> None:
    for path, old, new in stage.fixups:
        file = Path(path)
        if not file.is_file():
            print(f"  warning: fixup skipped, {path} is missing")
            continue
        text = file.read_text(encoding="utf-8")
        if new in text:
            continue
        if old not in text:
            print(f"  warning: fixup skipped, {path} no longer holds {old!r}; check it by hand")
            continue
        file.write_text(text.replace(old, new), encoding="utf-8")


def run_stage(stage: Stage, done: list[Stage], args: argparse.Namespace) -> None:
    files = tracked()
    pairs = file_pairs(stage, files, forward=True)
    print(f"stage {stage.name}: {stage.title}")
    for old, new in pairs if args.dry_run or args.verbose else []:
        print(f"  {old} -> {new}")
    if args.dry_run:
        return
    move(pairs)
    clean_leftovers(stage)
    for path, template in stage.faces.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(face_text(template), encoding="utf-8")
        git("add", path)
    after = set(tracked())
    earlier = [(file_pairs(s, list(after), forward=False), s) for s in done]
    mapping = build_mapping(earlier, after, only_gone=True)
    current = build_mapping([(pairs, stage)], after, only_gone=False)
    mapping.modules.update(current.modules)
    mapping.paths.update(current.paths)
    mapping.packages.update(current.packages)
    mapping.faces.update(current.faces)
    changed = rewrite_tree(mapping, skip=frozenset(stage.faces))  # faces are written in new terms
    apply_fixups(stage)
    print(f"  moved {len(pairs)} files, rewrote references in {len(changed)} files")
    verify(args, [new for _, new in pairs])
    commit(f"Move {stage.name}: {stage.title} (tools/restructure.py)", pairs, args)


def sweep(args: argparse.Namespace) -> None:
    """References to old module names that no longer exist, written after the stages ran."""
    after = set(tracked())
    mapping = build_mapping([(file_pairs(s, list(after), forward=False), s) for s in STAGES],
                            after, only_gone=True)
    if args.dry_run:
        return
    changed = rewrite_tree(mapping)
    if changed:
        print(f"sweep: rewrote references to old module paths in {len(changed)} files:")
        for path in changed:
            print(f"  {path}")
        verify(args, changed)
        commit("Rewrite references to modules by their old paths (tools/restructure.py)", [], args)


def commit(message: str, pairs: list[tuple[str, str]], args: argparse.Namespace) -> None:
    git("add", "-A")
    if args.no_commit:
        print("  staged, not committed (--no-commit)")
        return
    body = "\n".join(f"{old} -> {new}" for old, new in pairs if not old.endswith(".md"))
    git("commit", "-q", "-m", message + ("\n\n" + body if body else ""))
    print(f"  committed: {git('rev-parse', '--short', 'HEAD').strip()}")


# --------------------------------------------------------------------------------- verification

def python(args: argparse.Namespace) -> str:
    venv = Path(".venv/bin/python")
    return args.python or (str(venv) if venv.exists() else sys.executable)


def verify(args: argparse.Namespace, new_files: list[str] | None = None, final: bool = False) -> None:
    """After a stage: `import ocpispec.cli`, every package and every module the stage moved
    imported alone, the import-graph test and a quick subset. At the end: every module alone,
    and with `--verify full` the whole suite."""
    if args.verify == "none":
        return
    py = python(args)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([py, "-c", "import ocpispec.cli"], check=True, env=env)
    modules = sorted(m for m in map(module_of, tracked()) if m and m.startswith(ROOT_PACKAGE + ".")
                     and m != f"{ROOT_PACKAGE}.__main__")
    if not final:
        moved = {module_of(f) for f in new_files or ()}
        packages = {module_of(f) for f in tracked() if f.endswith("/__init__.py")}
        modules = [m for m in modules if m in moved or m in packages]
    failures = alone(py, env, modules)
    if failures:
        for module, error in failures:
            print(f"  FAILED: `import {module}` in a fresh interpreter: {error}")
        sys.exit("stopped: a module does not import on its own; the stage is left uncommitted")
    print(f"  {len(modules)} modules import on their own")
    if final and args.verify != "full":
        return
    tests = [] if final else [t for t in QUICK_TESTS if Path(t).exists()]
    result = subprocess.run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], env=env)
    if result.returncode != 0:
        sys.exit("stopped: tests fail; the stage is left uncommitted (see `git status`)")


def alone(py: str, env: dict[str, str], modules: list[str]) -> list[tuple[str, str]]:
    """Each module imported first, in a fresh interpreter: a package face that imports one of
    its own users back fails here, which the static import-graph test cannot see."""
    script = ("import subprocess, sys\n"
              "procs = [(m, subprocess.Popen([sys.executable, '-c', 'import ' + m], "
              "stderr=subprocess.PIPE, text=True)) for m in sys.argv[1:]]\n"
              "for m, p in procs:\n"
              "    err = p.communicate()[1]\n"
              "    if p.returncode:\n"
              "        print(m + '\\t' + (err.strip().splitlines() or ['?'])[-1])\n")
    failures = []
    for start in range(0, len(modules), 4):
        out = subprocess.run([py, "-c", script, *modules[start:start + 4]], text=True,
                             stdout=subprocess.PIPE, env=env).stdout
        failures += [tuple(line.split("\t", 1)) for line in out.splitlines() if "\t" in line]
    return failures


# ----------------------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="list the moves; change nothing")
    parser.add_argument("--no-commit", action="store_true", help="stage the changes, do not commit")
    parser.add_argument("--verify", choices=("none", "quick", "full"), default="quick",
                        help="after each stage: nothing, or imports + a quick test subset "
                             "(default); `full` also runs the whole suite at the end")
    parser.add_argument("--python", help="the interpreter to verify with (default .venv/bin/python)")
    parser.add_argument("--allow-dirty", action="store_true", help="do not require a clean tree")
    parser.add_argument("--verbose", action="store_true", help="list every file moved")
    args = parser.parse_args()
    if not Path(ROOT_PACKAGE, "__init__.py").is_file():
        sys.exit(f"run me from the repository root (no {ROOT_PACKAGE}/__init__.py here)")
    if not args.allow_dirty and not args.dry_run and git("status", "--porcelain").strip():
        sys.exit("the git tree is not clean: commit or stash first (`git status`)")
    done: list[Stage] = []
    ran = False
    for stage in STAGES:
        if pending(stage, tracked()):
            run_stage(stage, done, args)
            ran = True
        done.append(stage)
    sweep(args)
    if not args.dry_run and (ran or args.verify == "full"):
        verify(args, final=True)
    print("done" if not args.dry_run else "dry run: nothing changed")


if __name__ == "__main__":
    main()
