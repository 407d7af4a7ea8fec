"""Approvals of a spec, bound to its privacy fingerprint (see docs/approvals.md).

- `requirement`: whether a run needs an approval (`requires approval` in the header,
  or `OCPISPEC_REQUIRE_APPROVAL`); the checker imports only this module.
- `records`: the TOML approval records in `SPEC.approvals/` (write, read).
- `signing`: SSH signatures of records (`ssh-keygen -Y sign` / `-Y verify`).
- `status`: which records hold for the spec as it is now (valid, stale, bad signature...).
- `gate.check_approval`: the run's check, before any request (OCX610, OCX611).

This package's face stays empty on purpose: `check` imports `requirement` and must not
pull in the executor that `records` writes with.
"""
