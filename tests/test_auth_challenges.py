"""A refusal's `WWW-Authenticate` challenge (d8): an OAuth resource server says why it
refused a token there (RFC 6750: `Bearer error="invalid_token", error_description="The
access token expired"`), often with an empty body. OCX502 said only 'the platform rejected
the token'; it now shows the challenge's scheme and its error words through the closed
vocabulary of error messages (`ocpi/platform_words.py`), never its realm (a host), a
scope's values, a URL, a card or a token."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from independent_cpo import IndependentCpo

from ocpispec.ocpi.platform_words import VOCABULARY, challenge_words

CANARY = "NL-IND-C0042"
CHALLENGE = (f'Bearer realm="auth.cpo.example", error="invalid_token", error_description="The access token '
             f'expired for card {CANARY} see https://auth.cpo.example/why", error_uri="https://auth.cpo.example/e"')


@pytest.mark.parametrize("command", ["login", "get"])
def test_a_refusals_challenge_shows_its_error_words(command: str, run_cli) -> None:
    with IndependentCpo("2.2.1", records=30, challenge=CHALLENGE, quirks=("token revoked",)) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", "wrong-token-0123456789" if command == "login"
                       else cpo.token, "--party", "NL-ABC", "--profile", "independent")
        if command == "get":
            assert done.exit_code == 0, done.output
            done = run_cli("get", "sessions", "--profile", "independent", "--include-private")
        assert done.exit_code != 0 and "Traceback" not in done.output, done.output
        assert "OCX502" in done.output, done.output
        said = [line.strip() for line in done.output.splitlines() if "WWW-Authenticate" in line]
        assert said, done.output
        assert 'Bearer, error "invalid_token": "The access token expired for card (…) see (…)"' in said[0], said
        for secret in ("cpo.example", CANARY, "0042", "auth.", cpo.token, "wrong-token"):
            assert secret not in done.output, secret


@pytest.mark.parametrize(("header", "shown"), [
    ("Token", "Token"),
    ('Basic realm="ocpi.cpo.example"', "Basic"),
    ('Bearer realm="x", error="insufficient_scope", scope="sessions:read NL-IND-C0042"',
     'Bearer, error "insufficient_scope"'),
    ('Bearer error=invalid_token', 'Bearer, error "invalid_token"'),
    ('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"', "(…) or Basic"),
    ('NL-IND-C0042 realm="x"', "(…)"),
    ("", None),
])
def test_a_challenge_read(header: str, shown: str | None) -> None:
    assert challenge_words(header) == shown


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from([*sorted(VOCABULARY)[:40], "Bearer", "error", "=", '"', ",", "realm"]),
                      max_size=30),
       at=st.integers(min_value=0, max_value=30), glue=st.sampled_from(["", " ", "=", '"', ",", "@", "\\"]))
def test_a_canary_anywhere_in_a_challenge_never_shows(words: list[str], at: int, glue: str) -> None:
    canary = "Jq7Xcanary0042"
    header = " ".join(words[:at]) + glue + canary + glue + " ".join(words[at:])
    shown = challenge_words(header)
    assert shown is None or ("canary" not in shown.lower() and "0042" not in shown)
