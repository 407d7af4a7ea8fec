"""Whether a location says it is not public under a key other than OCPI's `publish`.

Platforms send the flag in other casing (`Publish`), with a stray space (`publish `),
or under a name of their own (`is_published`, `published`); on OCPI 2.1.1, which has
no `publish`, such a key is the only word the platform says about it. The rule is
conservative: any such key whose value is not exactly `true` makes the location not
public, whatever `publish` itself says, and so does a non-empty `publish_allowed_to`
(a site shown to some drivers only), in `run` and `get` alike (the wire reader of
locations applies it, `schema.wire_check`).
"""

from __future__ import annotations

from typing import Any

# the key's letters, lowercased: `Publish`, `publish `, `is_published`, `IsPublished`
_NAMES = frozenset({"publish", "published", "ispublish", "ispublished"})
_LONGEST = 24


def says_not_public(obj: dict[str, Any]) -> bool:
    """Whether a key of `obj` other than `publish` names the publish flag and does not
    say exactly `true`, or the location lists the tokens it is shown to
    (`publish_allowed_to`, which OCPI allows only beside `publish: false`)."""
    return bool(obj.get("publish_allowed_to")) or any(
        value is not True for key, value in obj.items()
        if key != "publish" and _names_publish(key))


def _names_publish(key: Any) -> bool:
    if not isinstance(key, str) or len(key) > _LONGEST:
        return False
    return "".join(ch for ch in key.lower() if ch.isalpha()) in _NAMES
