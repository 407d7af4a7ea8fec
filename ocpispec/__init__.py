"""ocpispec: privacy-first export specs for OCPI charging data."""

from ocpispec.lean_import import import_without as _import_without

# `dataclasses` imports `inspect` (with `ast`, `dis` and `tokenize`, a tenth of a cold
# `check`) only to word the docstring of a dataclass that has none: every dataclass here
# has one, so `inspect` loads only if something else asks for it
_import_without("dataclasses", deferred=("inspect",))

__version__ = "0.1.0"
