"""The credentials tokens a test's code kept for redaction (`ocpispec.ocpi.errors.keep_secret`)
are forgotten after the test."""

from __future__ import annotations

import pytest

from ocpispec.ocpi import errors


@pytest.fixture(autouse=True)
def _kept_secrets_per_test():
    kept = set(errors._SECRETS)
    yield
    errors._SECRETS.intersection_update(kept)
