"""`tojson` printed inside a double-quoted attribute of a template writing HTML or XML.

Jinja's `tojson` is safe in a `<script>` and in a single-quoted attribute: it escapes
`<`, `>`, `&` and `'`, not the `"` that delimit its strings. In `title="{{ x|tojson }}"`
its first `"` ends the attribute, so a platform's location named `x onmouseover=alert(1)`
becomes an event handler in the consumer's page. The literal text before each printed
`tojson` is read as a browser would: inside a tag, after `="` with no closing quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jinja2 import nodes

# the tail of a tag's text that leaves a double-quoted attribute value open
_OPEN_ATTRIBUTE = re.compile(r'=\s*"[^"]*\Z')


def tojson_in_attributes(tree: nodes.Template) -> Iterator[int]:
    """The lines where `tojson` is printed inside a double-quoted attribute."""
    text = ""
    for output in tree.find_all(nodes.Output):
        for node in output.nodes:
            if isinstance(node, nodes.TemplateData):
                text = (text + node.data)[-4096:]
            elif _prints_tojson(node) and _in_double_quoted_attribute(text):
                yield node.lineno


def _prints_tojson(node: nodes.Node) -> bool:
    found = [node] if isinstance(node, nodes.Filter) else []
    return any(f.name == "tojson" for f in (*found, *node.find_all(nodes.Filter)))


def _in_double_quoted_attribute(text: str) -> bool:
    tag = text.rpartition("<")[2] if "<" in text else None
    return tag is not None and ">" not in tag and bool(_OPEN_ATTRIBUTE.search(tag))
