"""The check stage: `syntax.Spec` becomes `CheckedSpec`, every field bound to the OCPI
catalogue and every column classified, or every problem found (OCX1xx-OCX4xx, collected).

- `checker.check(spec, source)`: runs the passes, one module per concern: header, scope, types
  and arguments, filters and filter privacy, columns, privacy, generaliser floors,
  differencing, private sites (`private_sites`), output and destinations, templates and the
  template policy, the JMESPath escape hatch.
- `checked`: the checked spec, the value the planner consumes.
- `compiler.compile_file(path)`: read, parse and check; the call every command starts with.
"""

from ocpispec.check.checked import CheckedSpec
from ocpispec.check.checker import check
from ocpispec.check.compiler import compile_file, compile_source, read_source

__all__ = ["CheckedSpec", "check", "compile_file", "compile_source", "read_source"]
