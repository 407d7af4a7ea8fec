"""Approvals of a spec, bound to its privacy fingerprint (see docs/approvals.md)."""
