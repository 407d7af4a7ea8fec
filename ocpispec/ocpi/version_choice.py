"""Which OCPI version to speak: the versions a platform offers, read from its labels
(`2.2`, `v2.2.1`, `OCPI 2.2.1`, `2.2.1-d2`, a JSON number), the highest one both sides
speak or the one `--version` pins, and the version its details say they are for."""

from __future__ import annotations

import re
from typing import Any

from ocpispec.ocpi import errors
from ocpispec.ocpi.errors import fail, safe_url
from ocpispec.ocpi.listed_endpoints import Warn, listed_url
from ocpispec.ocpi.options import VERSIONS, Credentials

# `2.2`, `v2.2.1`, `OCPI 2.2.1`, and a document revision (`2.2.1-d2`, the errata of 2.2.1)
_LABEL = re.compile(r"^(?:ocpi[\s_-]*)?v?(\d+)\.(\d+)(?:\.\d+)?(?:-?d\d+)?$", re.IGNORECASE)
# any label that starts with a release's numbers (`2.2.1-rc1`): only `--version` maps it
_RELEASE = re.compile(r"^(?:ocpi[\s_-]*)?v?(\d+)\.(\d+)(?!\d)", re.IGNORECASE)


def supported_version(label: str) -> str | None:
    """The version ocpispec speaks that a platform's label means: itself, or the one
    of the same minor release (`2.2`, `2.2.0`, `v2.2`, `2.2.1-d2` -> `2.2.1`)."""
    if label in VERSIONS:
        return label
    return _of_release(_LABEL.match(label))


def _of_release(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    minor = f"{match.group(1)}.{match.group(2)}."
    return next((v for v in VERSIONS if v.startswith(minor)), None)


def one_version(data: Any) -> bool:
    """Whether a versions answer is its one entry instead of a list of one (an XML-to-JSON
    layer collapsing a one-element array): an object with `version` and `url`, no endpoints."""
    return isinstance(data, dict) and "version" in data and isinstance(data.get("url"), str) \
        and "endpoints" not in data


def offered_versions(data: Any, url: str, warn: Warn) -> dict[str, str]:
    if not isinstance(data, list):
        raise fail(errors.INVALID_VERSION_DETAILS, "the versions URL did not answer with a list of versions",
                   notes=[f"request: GET {safe_url(url)}"],
                   help="pass the platform's OCPI versions URL (often ending in `/versions`)")
    listed = [(_label(entry["version"]), listed_url(url, entry["url"])) for entry in data
              if isinstance(entry, dict) and _label(entry.get("version")) and isinstance(entry.get("url"), str)]
    offered: dict[str, str] = {}
    for label, target in listed:
        if label in VERSIONS:
            offered.setdefault(label, target)
    for label, target in listed:
        mapped = supported_version(label)
        if mapped is not None and mapped != label and mapped not in offered:
            warn(f"the platform labels a version `{label[:20]}`; using it as OCPI {mapped}")
            offered[mapped] = target
        elif mapped is None:          # named in messages only when it reads as a version
            offered.setdefault(errors.shown_version_label(label[:20]), target)
    return offered


def _label(value: Any) -> str:
    """A version label as text: a string, or a JSON number (`2.2`, as some platforms'
    serialisers write a decimal field), which `supported_version` then maps."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def choose_version(offered: dict[str, str], credentials: Credentials, warn: Warn) -> str:
    wanted = VERSIONS if credentials.version == "auto" else (credentials.version,)
    for version in wanted:
        if version in offered:
            return version
    near = {label: mapped for label in offered if (mapped := _of_release(_RELEASE.match(label))) is not None}
    if credentials.version != "auto" and (label := next((k for k, v in near.items() if v in wanted), None)):
        warn(f"the platform labels a version `{label}`; using it as OCPI {credentials.version} (--version)")
        offered[credentials.version] = offered[label]
        return credentials.version
    listed = ", ".join(f"`{v}`" for v in offered) or "none"
    # a pinned version is the login's (`--version`, or the version a stored profile was
    # logged in on, which its runs keep): not all that ocpispec speaks
    ours = f"ocpispec speaks: {', '.join(f'`{v}`' for v in wanted)}" if credentials.version == "auto" \
        else f"asked for: `{credentials.version}` (`--version`, or the version the profile was logged in on)"
    advice = "ask the CPO for a 2.1.1, 2.2.1 or 2.3.0 interface" if credentials.version == "auto" \
        else "if the platform moved to another version, log in again with `--version auto`"
    if near and credentials.version == "auto":
        label, mapped = next(iter(near.items()))
        advice = f"if `{label}` is OCPI {mapped}, log in with `--version {mapped}` to use it as that; {advice}"
    what = "no OCPI version in common with the platform" if credentials.version == "auto" \
        else f"the platform does not offer OCPI {credentials.version}"
    raise errors.NoCommonVersion(fail(errors.NO_COMMON_VERSION, what,
                                      notes=[f"request: GET {safe_url(credentials.versions_url)}",
                                             f"the platform offers: {listed}", ours],
                                      help=advice), tuple(offered))


def details_version(data: dict[str, Any], credentials: Credentials, warn: Warn) -> str:
    stated = str(data.get("version", "")).strip()[:20]
    if credentials.version != "auto":
        return credentials.version
    mapped = supported_version(stated)
    if mapped is not None:
        if mapped != stated:
            warn(f"the version details are labelled `{stated}`; using them as OCPI {mapped}")
        return mapped
    raise fail(errors.NO_COMMON_VERSION, f"the version details are for OCPI "
               f"`{errors.shown_version_label(stated) if stated else '?'}`, "
               "which ocpispec does not speak",
               notes=[f"request: GET {safe_url(credentials.versions_url)}"],
               help="pass the platform's versions URL instead, or set `--version` if the "
                    "details mislabel a supported version")


def as_stated(details: Any, version: str, credentials: Credentials, warn: Warn) -> str:
    """The version the details say they are for, when it is another one ocpispec speaks:
    a platform listing 2.3.0 with its 2.2.1 details serves 2.2.1 records, which read as
    2.3.0 lose their prices (a 2.2.1 Price has no `before_taxes`). `--version` insists."""
    stated = supported_version(str(details.get("version", "")).strip()[:20]) \
        if isinstance(details, dict) else None
    if stated is None or stated == version:
        return version
    if credentials.version != "auto":
        warn(f"the platform's OCPI {version} version details say they are for OCPI {stated}; "
             f"reading them as {version} (`--version`)")
        return version
    warn(f"the platform lists OCPI {version}, but its version details say they are for OCPI {stated}; "
         f"using OCPI {stated} (`--version {version}` insists on {version})")
    return stated
