"""The leaves of the syntax tree: names and quoted texts as written."""

from __future__ import annotations

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen


@frozen
class Ident:
    """A name written in the spec (export name, module, alias, unit, format...)."""

    name: str
    span: Span


@frozen
class Text:
    """A quoted string, already unescaped."""

    value: str
    span: Span
