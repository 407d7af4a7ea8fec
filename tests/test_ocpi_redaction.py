"""URLs as printed: no query value from a user, a profile or a platform survives, except
the paging parameters ocpispec sends itself; no user info. And version labels."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ocpispec.ocpi import safe_url
from ocpispec.ocpi.version_choice import supported_version

_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=12)
_SECRETS = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz0123456789-._~", min_size=6,
                   max_size=40).map(lambda s: f"Sx{s}")


@given(st.lists(st.tuples(_NAMES, _SECRETS), min_size=1, max_size=5), st.booleans())
def test_no_query_value_survives(pairs: list[tuple[str, str]], userinfo: bool) -> None:
    query = "&".join(f"{name}={value}" for name, value in pairs)
    url = f"https://{'me:Pw0rdSecret@' if userinfo else ''}cpo.example/ocpi/versions?{query}#Frag"
    shown = safe_url(url)
    assert all(value not in shown for _, value in pairs)
    assert "Pw0rdSecret" not in shown and "Frag" not in shown
    assert shown.startswith("https://cpo.example/ocpi/versions?")


def test_path_parameters_are_redacted() -> None:
    assert safe_url("https://cpo.example/ocpi;jsessionid=S3CRET/versions") == \
        "https://cpo.example/ocpi;(redacted)/versions"


def test_our_paging_values_stay_readable() -> None:
    url = ("https://cpo.example/ocpi/2.2.1/sessions?date_from=2025-01-01T00:00:00Z"
           "&date_to=2026-01-01T00%3A00%3A00Z&offset=100&limit=50&session=abc123&offset=abc")
    assert safe_url(url) == ("https://cpo.example/ocpi/2.2.1/sessions?date_from=2025-01-01T00:00:00Z"
                             "&date_to=2026-01-01T00:00:00Z&offset=100&limit=50&session=(redacted)"
                             "&offset=(redacted)")


def test_version_labels_map_to_the_release_we_speak() -> None:
    assert [supported_version(v) for v in ("2.2", "2.2.0", "v2.2", "2.1", "2.3", "2.3.0", "2.2.1")] == [
        "2.2.1", "2.2.1", "2.2.1", "2.1.1", "2.3.0", "2.3.0", "2.2.1"]
    assert [supported_version(v) for v in ("2.2.1-d2", "2.1.1-d2", "OCPI 2.2.1", "V2.3.0")] == [
        "2.2.1", "2.1.1", "2.2.1", "2.3.0"]
    assert [supported_version(v) for v in ("2.0", "3.0", "", "2", "latest", "2.2.1.1", "2.2.1-rc1",
                                           "2.22", "12.2")] == [None] * 9


def test_an_object_id_after_any_endpoint_asked_by_id_is_hidden() -> None:
    """`GET {endpoint}/{id}` of an endpoint not named after its module (`/api/loc`):
    the id (a home charger's location id) is a record value, never shown. A segment
    neither OCPI's nor the versions URL's is not shown before the endpoint is known
    either; once it is, what follows it reads as an id."""
    from ocpispec.ocpi.errors import note_object_endpoint

    assert safe_url("https://cpo.example/api/loc-by-id/LOC00003") == \
        "https://cpo.example/api/(segment)/(segment)"
    note_object_endpoint("https://cpo.example/api/loc-by-id?scope=x")
    assert safe_url("https://cpo.example/api/loc-by-id/LOC00003") == \
        "https://cpo.example/api/(segment)/(id)"
    assert safe_url("https://cpo.example/api/loc-by-id/LOC00003/EVSE-1/2") == \
        "https://cpo.example/api/(segment)/(id)"
    assert safe_url("https://cpo.example/api/loc-by-id") == "https://cpo.example/api/(segment)"


def test_messages_name_each_module_ocpi_defines_and_count_any_other() -> None:
    """A platform's module identifiers in a message: OCPI's own by name (each version's
    `ModuleID` in the schema's tables, and the modules of OCPI documents the tables do not
    hold), any other, which is the platform's text, counted."""
    from ocpispec.ocpi.errors import shown_modules
    from ocpispec.schema.neutral import WIRE_MODULES

    tabled = sorted({module for wired in WIRE_MODULES.values() for module in wired.ENUMS["ModuleID"]})
    assert {"cdrs", "chargingprofiles", "hubclientinfo", "payments", "tokens"} <= set(tabled)
    defined = [*tabled, "invoicereconciliation", "booking", "bookings"]
    assert shown_modules(defined) == ", ".join(defined)
    assert shown_modules(["sessions", "jan@example.org", "nltnm-tokens"]) == \
        "sessions, 2 modules OCPI does not define (not shown)"


def test_an_endpoint_path_shows_each_module_ocpi_defines() -> None:
    """A module discovery keeps (an identifier OCPI defines) is named in a message's URL as
    it is in the message's words; any other segment is the platform's text."""
    from ocpispec.ocpi.errors import OCPI_MODULES

    for module in sorted(OCPI_MODULES):
        url = f"https://cpo.example/ocpi/cpo/2.3.0/{module}?offset=0&limit=10"
        assert safe_url(url) == url
    assert safe_url("https://cpo.example/ocpi/cpo/2.3.0/jan.de.vries") == \
        "https://cpo.example/ocpi/cpo/2.3.0/(segment)"


@given(_SECRETS, st.lists(st.booleans(), min_size=46, max_size=46))
def test_a_kept_token_in_any_case_is_hidden(token: str, upper: list[bool]) -> None:
    """A host name is case-insensitive and platforms write it in lower case: the token
    of a tenant's subdomain, in any case, in its Base64 form or percent-encoded, is hidden
    wherever a URL or a message shows it."""
    import base64
    from urllib.parse import quote

    from ocpispec.ocpi import errors

    kept = set(errors._SECRETS)      # the process's kept tokens hide text in later tests
    errors.keep_secret(token)
    try:
        for form in (token, base64.b64encode(token.encode()).decode(), quote(token, safe="")):
            cased = "".join(c.upper() if up else c.lower() for c, up in zip(form, upper + [False] * len(form)))
            shown = safe_url(f"https://{cased}.cpo.example/{cased}/ocpi/versions")
            assert token.lower() not in shown.lower() and form.lower() not in shown.lower(), shown
            assert cased not in errors.without_secrets(f"cannot connect to '{cased}.cpo.example'")
    finally:
        errors._SECRETS.intersection_update(kept)
