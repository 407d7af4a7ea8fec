"""The compiler of the sandbox's templates: it refuses Jinja's internal names,
`{% call %}` and namespace assignments, and makes lists, tuples, mappings and `~` weigh
what they build (`ReportSandbox.weighed`, `ReportSandbox.bounded_concat`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator

from ocpispec.render.sandbox_vocabulary import FORBIDDEN_NAMES


class RefusingCodeGenerator(CodeGenerator):
    """Refuses Jinja's internal names and `{% call %}` when a template is compiled:
    `self` and friends are compiled to objects the sandbox never sees as attributes."""

    def visit_Name(self, node: nodes.Name, frame: Any) -> None:
        if node.ctx == "load" and node.name in FORBIDDEN_NAMES:
            self.fail(f"`{node.name}` is not available in a template", node.lineno)
        super().visit_Name(node, frame)

    def visit_CallBlock(self, node: nodes.CallBlock, frame: Any) -> None:
        self.fail("`{% call %}` blocks are not available in a template", node.lineno)

    def visit_NSRef(self, node: nodes.NSRef, frame: Any) -> None:
        self.fail("namespace assignments are not available in a template", node.lineno)

    # `[a, a, a, ...]` holds one long text many times, cheaply, until it is written out
    def visit_List(self, node: nodes.List, frame: Any) -> None:
        self._weighed(super().visit_List, node, frame)

    def visit_Tuple(self, node: nodes.Tuple, frame: Any) -> None:
        if node.ctx != "load":  # `{% for a, b in ... %}`: names to assign, no value
            return super().visit_Tuple(node, frame)
        self._weighed(super().visit_Tuple, node, frame)

    def visit_Dict(self, node: nodes.Dict, frame: Any) -> None:
        self._weighed(super().visit_Dict, node, frame)

    def _weighed(self, visit: Callable[[Any, Any], None], node: nodes.Node, frame: Any) -> None:
        self.write("environment.weighed(")
        visit(node, frame)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
        # `a ~ b`, bounded like `*` and `+`: `{% set b = a ~ a ~ a %}` repeated grows fast
        markup = bool(frame.eval_ctx.volatile or frame.eval_ctx.autoescape)
        self.write(f"environment.bounded_concat({markup!r}, (")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")
