"""The OCPI schema catalogue: every object and field of the exported modules, per
version on the wire and in version-neutral names, with privacy classes.

    from ocpispec.schema import catalogue
    catalogue().resolve("sessions", ["cdr_token", "uid"]).leaf.privacy
"""

from __future__ import annotations

from ocpispec.schema.catalogue import (
    MODULES,
    VERSIONS,
    Catalogue,
    Resolution,
    catalogue,
)
from ocpispec.schema.hints import RenameHint
from ocpispec.schema.joins import JoinSpec, SubBinding
from ocpispec.schema.model import Field, Kind, ObjectType, PrivacyClass

_FROM_RECORDS = ("public_projection", "unknown_fields")  # the fetch side's; `check` needs neither


def __getattr__(name: str) -> object:
    if name in _FROM_RECORDS:
        from ocpispec.schema import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def wire_root(version: str, module: str) -> ObjectType:
    """Shortcut for `catalogue().wire_root(version, module)`."""
    return catalogue().wire_root(version, module)


__all__ = [
    "MODULES", "VERSIONS", "Catalogue", "Field", "JoinSpec", "Kind", "ObjectType",
    "PrivacyClass", "RenameHint", "Resolution", "SubBinding", "catalogue",
    "public_projection", "unknown_fields", "wire_root",
]
