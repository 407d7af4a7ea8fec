"""Where a record holds a public id a platform may set to a driver's card, found by
walking the catalogue (`own_ids` reads them against the record's own ids, and
`execute/joined_own_ids` against the ids of the record that joins it).

A public id is a text field the catalogue classes public or a quasi-identifier, written
by a platform rather than a person (free text is `own_ids`'s other reading), that can
hold a card's id: plain text of 6 characters or more (`Location.id`, `EVSE.uid`,
`Connector.id`, `Tariff.id`, a charging period's `tariff_id`, a tax's
`account_number`), a list of such texts (`tariff_ids`), or text of an OCPI format a
card's letters and digits fit (an EVSE id, a postal code, a phone number). Coordinates,
times of day, dates and time zones cannot hold one; personal and never-exportable
fields leave only pseudonymised or not at all.

The record's other own ids (`own_id_paths`: its personal texts that are not its card's,
a session's `id`, a CDR's `invoice_reference_id`) are read against its card's ids.

    public_id_paths("2.2.1", "Location")   # (("id",), ("evses[]", "uid"), ...)
"""

from __future__ import annotations

from ocpispec.schema.model import Kind, PrivacyClass

# the OCPI formats (`wire_shapes._FORMATTED`) whose texts a card's letters and digits fit
_ID_FORMATS = frozenset({"evse_id", "postal", "phone"})
_CLASSES = frozenset({PrivacyClass.PUBLIC, PrivacyClass.QUASI})
SHORT = 6   # `own_ids.SHORT`: no card's id is shorter
Path = tuple[str, ...]


def public_id_paths(version: str, root: str) -> tuple[Path, ...]:
    """The paths of the public ids of `root`'s objects in `version` (`[]`: each item of
    a list, the last name's a list of texts)."""
    from ocpispec.schema.catalogue import catalogue

    return catalogue().cached(("public-id-paths", version, root),
                              lambda: tuple(_walk(version, root)))


def _walk(version: str, root: str) -> list[Path]:
    from ocpispec.schema.catalogue import catalogue
    from ocpispec.schema.wire_shapes import _FORMATTED, _Shapes

    shapes = _Shapes(version)
    objects = catalogue().wired[version].objects.objects
    found: list[Path] = []

    def walk(name: str, prefix: Path, seen: frozenset[str]) -> None:
        shape, own = shapes.of(name), shapes.base.get(name, name)
        for field in objects[name].fields.values():
            step = field.name + ("[]" if field.many else "")
            if field.object is not None:
                if field.object not in seen:
                    walk(field.object, (*prefix, step), seen | {field.object})
            elif field.kind is Kind.STRING and field.privacy in _CLASSES:
                code, limit = shape.quick[field.name]
                if field.many or (code in ("text", "id") and limit >= SHORT) or \
                        _FORMATTED.get((own, field.name)) in _ID_FORMATS:
                    found.append((*prefix, step))
    walk(root, (), frozenset({root}))
    return found


def own_id_paths(version: str, root: str, cards: tuple[Path, ...],
                 required: bool | None = None) -> tuple[Path, ...]:
    """The paths of `root`'s other own ids in `version`: its text fields the catalogue
    classes personal (a session's or CDR's `id`, `meter_id`, `authorization_reference`,
    a CDR's `session_id` or `invoice_reference_id`) but for its card's ids at `cards`;
    with `required`, only those OCPI requires (or only those it does not)."""
    from ocpispec.schema.catalogue import catalogue

    return catalogue().cached(("own-id-paths", version, root, cards, required),
                              lambda: tuple(_personal(version, root, frozenset(cards), required)))


def _personal(version: str, root: str, cards: frozenset[Path], required: bool | None) -> list[Path]:
    from ocpispec.schema.catalogue import catalogue

    objects = catalogue().wired[version].objects.objects
    found: list[Path] = []

    def walk(name: str, prefix: Path, seen: frozenset[str]) -> None:
        for field in objects[name].fields.values():
            if field.object is not None:
                if field.object not in seen:
                    walk(field.object, (*prefix, field.name + ("[]" if field.many else "")),
                         seen | {field.object})
            elif field.kind is Kind.STRING and field.privacy is PrivacyClass.PERSONAL \
                    and (*prefix, field.name) not in cards \
                    and required in (None, field.required):
                found.append((*prefix, field.name + ("[]" if field.many else "")))
    walk(root, (), frozenset({root}))
    return found
