"""The parse tree (`ocpispec.language.tree`) -> the typed syntax tree (`ocpispec.language.syntax`), with spans.

Only `ocpispec.language.parser` uses this; the lark tree never leaves the parse stage. The
rules of the spec, its header and `source` are here; those of datasets and the schedule in
`syntax_dataset_rules`, those of conditions and expressions in `syntax_expression_rules`.
"""

from __future__ import annotations

from ocpispec.diagnostics import CompileError, error
from ocpispec.language import syntax as s
from ocpispec.language.syntax_dataset_rules import DatasetRules
from ocpispec.language.syntax_expression_rules import ExpressionRules
from ocpispec.language.syntax_leaves import (  # noqa: F401 - unescape: the parser's too
    ident_of,
    int_of,
    items_of,
    meta_span,
    text_of,
    unescape,
)
from ocpispec.language.tree import Builder, Tree


def build(tree: Tree) -> s.Spec:
    return _ToSyntax().build_tree(tree)


class _ToSyntax(DatasetRules, ExpressionRules, Builder):
    """Parse tree -> syntax dataclasses. Method names are grammar rule names; each is
    called with the node's meta and its built children."""

    # ---- spec, header, source ------------------------------------------------------

    def start(self, meta, children):
        header, source, *rest = children
        datasets = items_of(rest, s.Dataset)
        schedules = [c for c in rest if not isinstance(c, s.Dataset)]
        return s.Spec(header, source, datasets, schedules[0] if schedules else None,
                      meta_span(meta))

    def header(self, meta, children):
        name, *items = children
        return s.Header(
            name=ident_of(name),
            consumers=tuple(i[1] for i in items if i[0] == "consumer"),
            purposes=tuple(i[1] for i in items if i[0] == "purpose"),
            legal_bases=items_of([i[1] for i in items], s.LegalBasis),
            retentions=items_of([i[1] for i in items], s.Retention),
            pseudonym_keys=tuple(i[1] for i in items if i[0] == "key"),
            span=meta_span(meta),
            pseudonym_scopes=tuple(i[1] for i in items if i[0] == "scope"),
            licences=tuple(i[1] for i in items if i[0] == "licence"),
            approval_requirements=tuple(i[1] for i in items if i[0] == "approval"),
        )

    def licence(self, meta, children):
        return ("licence", text_of(children[0]))

    def consumer(self, meta, children):
        return ("consumer", text_of(children[0]))

    def purpose(self, meta, children):
        return ("purpose", text_of(children[0]))

    def legal_basis(self, meta, children):
        words = tuple(ident_of(c) for c in children if c.type == "NAME")
        refs = [text_of(c) for c in children if c.type == "STRING"]
        return ("legal_basis", s.LegalBasis(words, refs[0] if refs else None, meta_span(meta)))

    def retention(self, meta, children):
        amount, unit = children
        return ("retention", s.Retention(int_of(amount), ident_of(unit), meta_span(meta)))

    def pseudonym_key(self, meta, children):
        return ("key", children[0])

    def pseudonym_scope(self, meta, children):
        return ("scope", s.PseudonymScope(tuple(ident_of(c) for c in children), meta_span(meta)))

    def requires_approval(self, meta, children):
        return ("approval", s.ApprovalRequirement(tuple(ident_of(c) for c in children),
                                                  meta_span(meta)))

    def env_ref(self, meta, children):
        return s.SecretRef("env", str(children[0]), meta_span(meta))

    def profile_ref(self, meta, children):
        return s.SecretRef("profile", children[0].name, meta_span(meta))

    def profile_name(self, meta, children):
        """`cpo` or `"cpo-prod"`: a name `ocpispec login --profile` takes."""
        if children[0].type != "STRING":
            return ident_of(children[0])
        quoted = text_of(children[0])
        return s.Ident(quoted.value, quoted.span)

    def literal_ref(self, meta, children):
        return s.SecretRef("literal", unescape(str(children[0])[1:-1]), meta_span(meta))

    def source(self, meta, children):
        slots: dict[str, object] = {}
        for key, value, span in children:
            if key in slots:
                raise CompileError([error(
                    "OCX009", f"`{key}` is given twice in `source`", span, "second `" + key + "`",
                    help=f"keep one `{key}` line in the `source` section")])
            slots[key] = value
        return s.Source(slots.get("ocpi"), slots.get("token"), slots.get("party"),
                        slots.get("version"), slots.get("profile"), meta_span(meta))

    def source_versions(self, meta, children):
        return ("ocpi", children[0], meta_span(meta))

    def source_token(self, meta, children):
        return ("token", children[0], meta_span(meta))

    def source_party(self, meta, children):
        return ("party", ident_of(children[0]), meta_span(meta))

    def source_version(self, meta, children):
        return ("version", ident_of(children[0]), meta_span(meta))

    def source_profile(self, meta, children):
        return ("profile", children[0], meta_span(meta))
