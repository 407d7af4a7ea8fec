"""Record deviations in a sample page, through the project's record validation.

This is the one place `doctor` judges wire records. It asks the client's object
check (`ocpi.objects`) which objects are unusable and the schema's record checks
(`schema.records`) which fields are unknown; alternative names, missing required
fields and values of the wrong type are read off the catalogue. Only field paths
are reported, never values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ocpispec.doctor.model import Finding, Status, clip
from ocpispec.ocpi.objects import ObjectCheck, required_fields
from ocpispec.schema import VERSIONS, Kind, catalogue, unknown_fields, wire_root

_EXPECTED = {Kind.STRING: (str,), Kind.ENUM: (str,), Kind.URL: (str,), Kind.DATETIME: (str,),
             Kind.NUMBER: (int, float), Kind.INTEGER: (int,), Kind.BOOLEAN: (bool,), Kind.OBJECT: (dict,)}


@dataclass(slots=True)
class Deviations:
    objects: int = 0
    invalid: Counter[str] = field(default_factory=Counter)        # reason -> objects
    unknown: Counter[str] = field(default_factory=Counter)        # path -> objects
    renamed: dict[str, str] = field(default_factory=dict)         # wire name seen -> what it stands for
    missing: Counter[str] = field(default_factory=Counter)        # required field -> objects
    confused: Counter[str] = field(default_factory=Counter)       # path -> objects


def sample_deviations(version: str, module: str, objects: list[Any]) -> Deviations:
    check = ObjectCheck(version, module)
    required = required_fields(version, module)
    root = wire_root(version, module)
    found = Deviations(objects=len(objects))
    for obj in objects:
        problem = check.problem(obj)
        if problem is not None:
            found.invalid[problem] += 1
        if not isinstance(obj, dict):
            continue
        unknown = unknown_fields(version, module, obj)
        found.unknown.update(unknown)
        for name in unknown:
            meaning = _alternative(version, module, root.fields, name)
            if meaning is not None:
                found.renamed[name] = meaning
        found.missing.update(name for name in required if obj.get(name) is None)
        found.confused.update(confused_paths(version, root.name, obj))
    return found


def confused_paths(version: str, object_name: str, record: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of known fields whose value has the wrong JSON type."""
    fields = catalogue().wire_object(version, object_name).fields
    paths: list[str] = []
    for name, value in record.items():
        spec = fields.get(name)
        if spec is None or value is None:
            continue
        items = value if spec.many and isinstance(value, list) else [value]
        if spec.many and not isinstance(value, list):
            paths.append(prefix + name)
            continue
        for item in items:
            if not _fits(spec.kind, item):
                paths.append(prefix + name)
                break
            if spec.kind is Kind.OBJECT and spec.object is not None:
                paths.extend(confused_paths(version, spec.object, item, f"{prefix}{name}."))
    return list(dict.fromkeys(paths))


def _fits(kind: Kind, value: Any) -> bool:
    if isinstance(value, bool):
        return kind is Kind.BOOLEAN
    return isinstance(value, _EXPECTED.get(kind, (object,)))


def _alternative(version: str, module: str, known: Any, name: str) -> str | None:
    """What an unknown top-level field seems to stand for: a known field spelled in
    another case, or the name of a field in another OCPI version."""
    if "." in name:
        return None
    for known_name in known:
        if known_name.lower() == name.lower():
            return f"`{known_name}` in another case"
    others = [v for v in VERSIONS if v != version and name in wire_root(v, module).fields]
    return f"the OCPI {' / '.join(others)} name" if others else None


def deviation_findings(module: str, version: str, found: Deviations) -> list[Finding]:
    if not found.objects:
        return []
    findings: list[Finding] = []
    if found.invalid:
        total = sum(found.invalid.values())
        reasons = _listed(found.invalid)
        if total >= found.objects:
            findings.append(Finding(module, "invalid objects", Status.BLOCKING,
                                    f"every sampled object is unusable: {reasons}",
                                    "ocpispec leaves unusable objects out, so an export would be empty"))
        else:
            findings.append(Finding(module, "invalid objects", Status.HANDLED,
                                    f"{total} of {found.objects} sampled objects {'is' if total == 1 else 'are'} "
                                    f"unusable: {reasons}",
                                    "ocpispec leaves them out and counts them in the run summary"))
    if found.renamed:
        names = "; ".join(f"`{clip(name)}` ({meaning})" for name, meaning in sorted(found.renamed.items())[:6])
        findings.append(Finding(module, "field names", Status.WARNING, f"alternative field names: {names}",
                                "ocpispec reads them as unknown fields (never exported); the standard field "
                                "counts as missing"))
    unknown = Counter({p: n for p, n in found.unknown.items() if p not in found.renamed})
    if unknown:
        findings.append(Finding(module, "unknown fields", Status.HANDLED,
                                f"fields OCPI {version} does not define: {_listed(unknown)}",
                                "never exported (nothing leaves unless a spec names it); `get` withholds them"))
    reported = " ".join(found.invalid)
    missing = Counter({name: n for name, n in found.missing.items() if f"`{name}`" not in reported})
    if missing:
        findings.append(Finding(module, "missing fields", Status.WARNING,
                                f"required fields absent: {_listed(missing)}",
                                "ocpispec leaves objects without a required top-level field out as invalid"))
    if found.confused:
        findings.append(Finding(module, "value types", Status.WARNING,
                                f"values of the wrong JSON type: {_listed(found.confused)}",
                                "ocpispec never releases an object or list where the schema expects a value; "
                                "a spec that uses these fields gets unexpected values"))
    if not findings:
        findings.append(Finding(module, "records", Status.OK,
                                f"{found.objects} sampled objects match the OCPI {version} schema"))
    return findings


def _listed(counts: Counter[str], most: int = 6) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{clip(name, 80) if ' ' in name else f'`{clip(name)}`'} ({n})" for name, n in items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")
