"""Fixtures that start the built-in demo CPO on 127.0.0.1 (filled in with the demo server)."""
