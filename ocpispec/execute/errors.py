"""The error a transformation raises for a value it cannot handle."""

from __future__ import annotations


class TransformError(ValueError):
    """A value a transformation cannot handle. `reason` is safe to print."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
