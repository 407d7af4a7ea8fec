"""Bytecode written once, before the test processes start (tests/conftest.py).

Under PYTHONDONTWRITEBYTECODE (set on the CI machine) nothing caches a compilation:
each xdist worker rewrote the asserts of every test module it collected (about 20 s of
CPU a worker for the whole suite, against 7 s when read from pytest's cache), and each
`python -m ocpispec` a test starts in the repository compiled the package anew (about
0.35 s of CPU a start). Python still reads bytecode that exists, so the process that
starts the workers writes it first: the package's and the test helpers' in the usual
`__pycache__` folders (git ignores them), the test modules' rewritten code where
pytest's assertion rewriter looks for it. Each pyc is written whole and renamed into
place, so processes reading or writing the same one at once see a complete file."""

import compileall
import importlib.util
import os
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
# test modules get pytest's rewritten pyc below, not a plain one
_TEST_MODULE = re.compile(r"(^|[\\/])(test_[^\\/]*|conftest)\.py$")


def precompile(config: pytest.Config) -> None:
    """The package and the test helpers always; the rewritten test modules only for a run
    whose workers will read them (a single process rewrites each module once anyway)."""
    workers = _usable_cores()
    compileall.compile_dir(REPO / "ocpispec", quiet=2, workers=workers)
    compileall.compile_dir(TESTS, quiet=2, workers=workers, rx=_TEST_MODULE)
    if getattr(config.option, "dist", "no") != "no":
        _rewrite_test_modules(config, _test_modules(config), workers)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _test_modules(config: pytest.Config) -> list[Path]:
    """The test modules and conftests under the paths this run was given (the whole
    `tests` folder when none was), so that a run of one file rewrites only that file."""
    found: set[Path] = set()
    for argument in config.args or [str(TESTS)]:
        path = Path(config.invocation_params.dir, argument.split("::", 1)[0]).resolve()
        if path.is_file() and path.suffix == ".py":
            found.add(path)
        elif path.is_dir():
            found.update(candidate for candidate in path.rglob("*.py") if _TEST_MODULE.search(str(candidate)))
    found.update(parent / "conftest.py" for path in list(found) for parent in path.parents
                 if (parent / "conftest.py").is_file() and parent.is_relative_to(TESTS))
    return sorted(found)


def _rewrite_test_modules(config: pytest.Config, modules: list[Path], workers: int) -> None:
    """pytest's own rewriting (private functions: a pytest that moved them only loses the
    head start, never a test), skipping modules whose cached pyc matches their source."""
    try:
        from _pytest.assertion.rewrite import PYC_TAIL, _rewrite_test, _write_pyc, get_cache_dir
        from _pytest.assertion.rewrite import assertstate_key
        state = config.stash[assertstate_key]
    except (ImportError, KeyError):
        return
    stale = [module for module in modules if not _cached(module, get_cache_dir(module) / (module.name[:-3] + PYC_TAIL))]

    def rewrite(module: Path) -> None:
        # a module that cannot be written or parsed is left to the worker, which says why
        try:
            cache = get_cache_dir(module)
            cache.mkdir(parents=True, exist_ok=True)
            source_hash, code = _rewrite_test(module, config)
            _write_pyc(state, code, source_hash, cache / (module.name[:-3] + PYC_TAIL))
        except (OSError, SyntaxError, ValueError):
            pass

    _in_forks(rewrite, stale, workers)


def _cached(module: Path, pyc: Path) -> bool:
    try:
        head = pyc.read_bytes()[:16]
    except OSError:
        return False
    return head[:4] == importlib.util.MAGIC_NUMBER and head[8:16] == importlib.util.source_hash(
        module.read_bytes())[:8]


def _in_forks(work, items: list[Path], workers: int) -> None:
    """`work` on each item, spread over `workers` forked children (the rewriting needs
    this process's pytest config, which a spawned child would not have)."""
    if workers < 2 or len(items) < 2 or not hasattr(os, "fork"):
        for item in items:
            work(item)
        return
    children = []
    for share in range(workers):
        child = os.fork()
        if child == 0:
            code = 0
            try:
                for item in items[share::workers]:
                    work(item)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children.append(child)
    for child in children:
        os.waitpid(child, 0)
