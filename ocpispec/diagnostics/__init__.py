"""Diagnostics: what is wrong in a spec (or a run), and where.

- `source`: a spec's text (`SourceFile`) and positions in it (`Span`), which every stage's
  diagnostics point into.
- `model`: diagnostics as values (`Diagnostic`: code, severity, message, labels with spans,
  notes, help) and `CompileError`, which carries them out of a stage.
- `report`: rendering them, in full (rustc-style, with the source line and a caret), concise
  (`file:line:col: error[OCX104]: ...`) or JSON form; `sarif`: SARIF 2.1.0 for code-scanning views.
- `codes`: the documentation page of every code (`codes/OCXnnn.md`), which `ocpispec explain` prints.
"""

from ocpispec.diagnostics.model import (CompileError, Diagnostic, error, has_errors, Label,
                                        Severity, warning)
from ocpispec.diagnostics.source import SourceFile, Span
