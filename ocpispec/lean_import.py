"""Import a library while optional modules it would load for features ocpispec never uses
look absent, so that a command starts fast.

    import_without("lark", "regex")       # Unicode-category terminal sizing
    import_without("httpx", "pygments")   # httpx's own command-line tool (click, rich)

The hidden modules are hidden only during that import: a later `import regex` anywhere
works as usual. When the library is already imported, nothing changes.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def import_without(name: str, *hidden: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    blocked = [module for module in hidden if module not in sys.modules]
    for module in blocked:
        sys.modules[module] = None  # type: ignore[assignment]  # `import module` raises ImportError
    try:
        return importlib.import_module(name)
    finally:
        for module in blocked:
            del sys.modules[module]
