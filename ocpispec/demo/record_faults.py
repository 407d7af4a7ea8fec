"""Demo faults inside the records: deviating field names, values of the wrong type,
and objects the JSON parser cannot read (see `Faults` and docs/demo-server.md).

`deviate` rewrites one object as it is rendered; `encode_page` turns a list page
into bytes when one of its objects must carry bad bytes or deep nesting.
"""

from __future__ import annotations

from typing import Any

import orjson

from ocpispec.demo.canary import PREFIX
from ocpispec.demo.faults import Faults
from ocpispec.schema import Kind, catalogue

# a Latin-1 byte beside UTF-8 (`é` both ways): a body that is wholly Latin-1 is read as
# such, one mixing the two has a broken object
BAD_BYTES = b'"caf\xc3\xa9 caf\xe9"'
DEEP = 1_100                                 # deeper than the 1,024 levels parsers allow
_BAD_UTF8_MARK = "demo-bad-utf8-object"
_DEEP_MARK = "demo-deep-nesting-object"
# an unknown field whose name is personal data
UNUSUAL_NAME = f"x-{PREFIX}jan.jansen@example.com"
REPEAT = "~repeat~"  # the mark of a key `repeated_flags` sends a second time


def deviate(version: str, module: str, obj: dict[str, Any], index: int, faults: Faults,
            private_sites: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Apply the record faults that are switched on to `obj` (in place); returns it.
    `private_sites`: the ids of the sites that are not public."""
    if faults.cdr_end_date_time and module == "cdrs" and version == "2.1.1" and "stop_date_time" in obj:
        obj["end_date_time"] = obj.pop("stop_date_time")
    if faults.publish_under and module == "locations" and obj.get("id") in private_sites:
        if version != "2.1.1":
            obj["publish"] = True
        obj[faults.publish_under] = False
    if faults.repeated_flags:
        _repeat_flags(module, obj, private_sites)
    if faults.session_kWh and module == "sessions" and "kwh" in obj:
        obj["kWh"] = obj.pop("kwh")
    if faults.tariff_no_tax_included and module == "tariffs":
        obj.pop("tax_included", None)
    if faults.type_confused_values:
        root = catalogue().wired[version].roots[module]
        # every tenth object: its key and required fields too (it becomes invalid)
        keep = () if index % 10 == 0 else tuple(
            name for name, field in catalogue().wire_object(version, root).fields.items() if field.required)
        _confuse(version, root, obj, keep, [index])
        obj[UNUSUAL_NAME] = f"{PREFIX}unknown value"
    return obj


def _repeat_flags(module: str, obj: dict[str, Any], private_sites: frozenset[str]) -> None:
    """Each privacy flag of a private site, or of a CDR at one, again at the end, saying
    public: `encode_repeated` turns the marked keys into the flag's own name."""
    if module == "locations" and obj.get("id") in private_sites:
        obj.setdefault("publish", False)  # 2.1.1 has none: the site says it once, then not
        public = {"publish": True, "parking_type": "ON_STREET", "publish_allowed_to": []}
        obj.update({REPEAT + key: value for key, value in public.items() if key in obj})
    if module == "cdrs" and obj.get("home_charging_compensation"):
        obj[REPEAT + "home_charging_compensation"] = False


def encode_repeated(body: bytes) -> bytes:
    """The encoded answer with the marked keys repeating the flag they mark."""
    return body.replace(b'"' + REPEAT.encode(), b'"')


def _confuse(version: str, object_name: str, node: dict[str, Any], keep: tuple[str, ...],
             counter: list[int]) -> None:
    """Every string field of `node` and below gets a value of another type, or a
    string longer than OCPI allows; each carries a canary."""
    wire = catalogue().wire_object(version, object_name)
    for name, value in list(node.items()):
        field = wire.get(name)
        if field is None or value is None or name in keep:
            continue
        if field.object is not None:
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict):
                    _confuse(version, field.object, item, (), counter)
        elif field.kind in (Kind.STRING, Kind.URL):
            counter[0] += 1
            confused = _confused(value, counter[0])
            node[name] = [confused] if field.many and counter[0] % 4 else confused


def _confused(value: Any, turn: int) -> Any:
    marked = f"{PREFIX}{value}"
    match turn % 4:
        case 0:
            return {"code": value, "driver_email": f"{PREFIX}jan.jansen@example.com"}
        case 1:
            return [marked]
        case 2:
            return 4711
        case _:
            return marked + "-" + "x" * 5000


def mark_unreadable(objects: list[Any], faults: Faults) -> None:
    """One object of the page gets a mark that `encode_page` turns into bad bytes."""
    dicts = [obj for obj in objects if isinstance(obj, dict)]
    if not dicts:
        return
    middle = dicts[len(dicts) // 2]
    if faults.bad_utf8_object:
        middle["remark_x"] = _BAD_UTF8_MARK
    if faults.deep_nesting_object:
        dicts[0 if len(dicts) > 1 and faults.bad_utf8_object else len(dicts) // 2]["nested_x"] = _DEEP_MARK


def encode_page(body: dict[str, Any], faults: Faults) -> dict[str, Any] | bytes:
    if not (faults.bad_utf8_object or faults.deep_nesting_object):
        return body
    raw = orjson.dumps(body)
    raw = raw.replace(f'"{_BAD_UTF8_MARK}"'.encode(), BAD_BYTES)
    return raw.replace(f'"{_DEEP_MARK}"'.encode(), b"[" * DEEP + b"]" * DEEP)
