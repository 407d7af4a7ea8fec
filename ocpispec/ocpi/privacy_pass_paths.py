"""The paths `--privacy-pass` names, read against the schema: a path the module lacks,
the known paths that look like it (a did-you-mean), and the opened paths that let out
an identifier (card uids, contract ids, record ids)."""

from __future__ import annotations

import difflib

from ocpispec.schema import catalogue


def close_paths(version: str, module: str, path: str) -> list[str]:
    """Known field paths of the module that look like the unknown `path` (for a did-you-mean)."""
    cat = catalogue()
    head, _, last = path.rpartition(".")
    current = cat.wired[version].roots[module]
    for name in head.split(".") if head else ():
        field = cat.wire_object(version, current).get(name) if current else None
        current = field.object if field is not None else None
    if not current:
        return []
    names = list(cat.wire_object(version, current).fields)
    prefix = f"{head}." if head else ""
    return [prefix + name for name in difflib.get_close_matches(last, names, n=3, cutoff=0.6)]


def opened_identifiers(version: str, module: str, open_paths: frozenset[str]) -> list[str]:
    """The opened paths (`.` aside) that let out a field classed personal or never, or an
    object holding one (`cdr_token`): card uids, contract ids, record ids. With version
    `auto`, a path personal in any version counts."""
    from ocpispec.schema import VERSIONS
    from ocpispec.schema.model import PrivacyClass

    cat = catalogue()
    versions = VERSIONS if version == "auto" else (version,)
    identifying = (PrivacyClass.PERSONAL, PrivacyClass.NEVER)

    def personal(current: str | None, names: list[str], wire: str) -> bool:
        field, floor = None, PrivacyClass.PUBLIC
        for name in names:  # an object's class is its fields' highest: read the last one's
            field = cat.wire_object(wire, current).get(name) if current else None
            if field is None:
                return False
            # what an object above declares of its contents: `owner.name` is personal
            # as the owner is, though a company's `name` is not
            floor = PrivacyClass.highest([floor, cat.wired[wire].objects.floor(current, name)])
            current = field.object
        if field is None:
            return False
        if floor in identifying:
            return True
        if field.object is not None:
            return _holds_identifier(wire, field.object, identifying)
        return field.privacy in identifying

    return sorted(path for path in open_paths if path != "." and any(
        module in cat.wired[wire].roots and personal(cat.wired[wire].roots[module],
                                                       path.split("."), wire)
        for wire in versions))


def _holds_identifier(version: str, object_name: str, identifying: tuple,
                      seen: frozenset[str] = frozenset()) -> bool:
    """Whether an opened object lets out a personal field somewhere inside it."""
    if object_name in seen:
        return False
    for field in catalogue().wire_object(version, object_name).fields.values():
        if field.privacy in identifying or (field.object is not None and _holds_identifier(
                version, field.object, identifying, seen | {object_name})):
            return True
    return False


def unknown_path(version: str, module: str, path: str) -> str | None:
    """The first segment of dotted `path` that the module's wire objects lack, or None."""
    cat = catalogue()
    current = cat.wired[version].roots[module]
    for position, name in enumerate(path.split(".")):
        field = cat.wire_object(version, current).get(name) if current else None
        if field is None:
            return ".".join(path.split(".")[: position + 1])
        current = field.object
    return None
