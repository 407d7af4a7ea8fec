"""The spec language: `.ocx` text becomes `syntax.Spec`, a typed tree with source spans.

- `parser.parse(source)`: the parse stage (lark, `grammar/ocx.lark`); the lark tree never leaves
  it. `parse_errors` turns a syntax error into one OCX0xx diagnostic; `syntax_builder` turns the
  lark tree into `syntax`.
- `syntax`: the frozen dataclasses every later stage reads.
- `functions`: the functions a spec may call, with their signatures and privacy effects.
- `schedule`: the `schedule` clause as words, as a cron line and as the next run time.
- `pseudonym_scope`: the `pseudonym scope` header values and what each mixes into a pseudonym.
- `revisions`: a spec as it was in a git revision (`REV:path`, for `ocpispec diff`).
"""

from ocpispec.language.parser import parse

__all__ = ["parse"]
