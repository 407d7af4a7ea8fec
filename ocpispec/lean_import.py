"""Import a library without loading, at start-up, modules it would load for features
ocpispec never uses, so that a command starts fast.

    import_without("lark", "regex")       # Unicode-category terminal sizing
    import_without("httpx", "pygments")   # httpx's own command-line tool (click, rich)
    import_without("lark", "regex", deferred=("tempfile",))

A *hidden* module looks absent during that import (`import regex` raises ImportError,
which the library handles). A *deferred* module is one the library imports at the top
but uses only inside functions ocpispec does not call (lark imports `tempfile`,
`hashlib`, `getpass` and `pkgutil` for building grammars and for its own cache): the
library gets a stand-in module that imports the real one the first time one of its
names is read, and nobody else sees the stand-in.

Both only during that import: a later `import regex` or `import tempfile` anywhere works
as usual. When the library is already imported, nothing changes; a module that is
already loaded is neither hidden nor deferred.
"""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any


def import_without(name: str, *hidden: str, deferred: tuple[str, ...] = ()) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    blocked = [module for module in hidden if module not in sys.modules]
    stand_ins = [module for module in deferred if module not in sys.modules]
    for module in blocked:
        sys.modules[module] = None  # type: ignore[assignment]  # `import module` raises ImportError
    for module in stand_ins:
        sys.modules[module] = _stand_in(module)
    try:
        return importlib.import_module(name)
    finally:
        for module in blocked:
            del sys.modules[module]
        for module in stand_ins:
            if isinstance(sys.modules.get(module), _StandIn):
                del sys.modules[module]


class _StandIn(ModuleType):
    """What the library binds for a deferred module: a name read from it comes from the
    real module, imported (as everyone else imports it) the first time one is read."""

    def __getattr__(self, attribute: str) -> Any:
        if sys.modules.get(self.__name__) is self:  # read during the library's own import
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


def _stand_in(name: str) -> ModuleType:
    module = _StandIn(name)
    module.__spec__ = ModuleSpec(name, None)  # what `import name` looks at before binding it
    return module
