"""The parse tree (`ocpispec.language.tree`) -> the typed syntax tree (`ocpispec.language.syntax`), with spans.

Only `ocpispec.language.parser` uses this; the lark tree never leaves the parse stage.
"""

from __future__ import annotations

from ocpispec.language.tree import Builder, Token, Tree

from ocpispec.language import syntax as s
from ocpispec.diagnostics import CompileError, error
from ocpispec.language.syntax_leaves import (  # noqa: F401 - unescape: the parser's too
    ident_of,
    int_of,
    items_of,
    meta_span,
    number_of,
    span_of,
    text_of,
    unescape,
)


def build(tree: Tree) -> s.Spec:
    return _ToSyntax().build_tree(tree)


class _ToSyntax(Builder):
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
        return s.SecretRef("profile", str(children[0]), meta_span(meta))

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
        return ("profile", ident_of(children[0]), meta_span(meta))

    # ---- datasets --------------------------------------------------------------------

    def dataset(self, meta, children):
        source, body, *rest = children
        order = items_of(rest, s.OrderBy)
        limit = items_of(rest, s.Limit)
        return s.Dataset(source, body, rest[-1], meta_span(meta),
                         order[0] if order else None, limit[0] if limit else None)

    def from_clause(self, meta, children):
        module, *items = children
        windows = items_of(items, (s.SinceLastRun, s.SinceDate, s.Between, s.LastPeriod,
                              *s.CALENDAR_WINDOWS))
        names = [item[1] for item in items if isinstance(item, tuple) and item[0] == "name"]
        return s.From(ident_of(module), windows, items_of(items, s.Where),
                      items_of(items, s.IncludePrivate),
                      items_of(items, s.Join), meta_span(meta), items_of(items, s.Each),
                      items_of(items, s.Spread), names[0] if names else None,
                      items_of(items, s.EventTime))

    def dataset_name(self, meta, children):
        return ("name", ident_of(children[0]))

    def window_on(self, meta, children):
        return s.EventTime(children[0], meta_span(meta))

    def time_zone(self, meta, children):
        return text_of(children[0])

    def previous_period(self, meta, children):
        unit, *zone = children
        return s.PreviousPeriod(ident_of(unit), None, zone[0] if zone else None, meta_span(meta))

    def previous_complete(self, meta, children):
        amount, unit, *zone = children
        return s.PreviousPeriod(ident_of(unit), int_of(amount), zone[0] if zone else None,
                                meta_span(meta))

    def month_to_date(self, meta, children):
        return s.MonthToDate(children[0] if children else None, meta_span(meta))

    def order_clause(self, meta, children):
        return s.OrderBy(tuple(children), meta_span(meta))

    def order_key(self, meta, children):
        name, *direction = children
        return s.OrderKey(ident_of(name), bool(direction) and direction[0].type == "DESCENDING",
                          meta_span(meta))

    def limit_clause(self, meta, children):
        return s.Limit(int_of(children[0]), meta_span(meta))

    def since_last_run(self, meta, children):
        return s.SinceLastRun(meta_span(meta))

    def since_date(self, meta, children):
        return s.SinceDate(self._date(children[0]), meta_span(meta))

    def between(self, meta, children):
        return s.Between(self._date(children[0]), self._date(children[1]), meta_span(meta))

    def last_period(self, meta, children):
        return s.LastPeriod(int_of(children[0]), ident_of(children[1]), meta_span(meta))

    def where_clause(self, meta, children):
        because = [text_of(t) for t in children[1:] if isinstance(t, Token)]
        return s.Where(children[0], meta_span(meta), because[0] if because else None)

    def include_clause(self, meta, children):
        return s.IncludePrivate(text_of(children[0]), meta_span(meta))

    def join_clause(self, meta, children):
        module, key, *alias = children
        return s.Join(ident_of(module), key, ident_of(alias[0]) if alias else None,
                      meta_span(meta))

    def each_clause(self, meta, children):
        path, alias = children
        return s.Each(path, ident_of(alias), meta_span(meta))

    def spread_clause(self, meta, children):
        value, unit, *words = children
        *zone, alias = words
        return s.Spread(value, ident_of(unit), tuple(ident_of(word) for word in zone),
                        ident_of(alias),
                        meta_span(meta))

    def select_clause(self, meta, children):
        rules = [child for child in children if isinstance(child, s.KRule)]
        columns = tuple(child for child in children if not isinstance(child, s.KRule))
        return s.Select(columns, meta_span(meta), rules[0] if rules else None)

    def k_rule(self, meta, children):
        k, *rest = children
        over = next((item for item in rest if isinstance(item, tuple)), ())
        limit = next((item for item in rest if isinstance(item, list)), None)
        return s.KRule(int_of(k), span_of(k), over, limit[0] if limit else None,
                       limit[1] if limit else None, meta_span(meta))

    def k_over(self, meta, children):
        return tuple(ident_of(name) for name in children)

    def k_limit(self, meta, children):
        return [float(str(children[0]).rstrip("%")), meta_span(meta)]

    def aggregate_clause(self, meta, children):
        keys, measures, *rest = children
        minimum = [item for item in rest if isinstance(item, tuple)]
        size, size_span = minimum[0] if minimum else (None, None)
        dominance = [item for item in rest if isinstance(item, s.Dominance)]
        rounding = [item for item in rest if isinstance(item, s.RoundCounts)]
        return s.Aggregate(keys, measures, size, size_span, meta_span(meta),
                           dominance[-1] if dominance else None,
                           rounding[-1] if rounding else None)

    def dominance(self, meta, children):
        contributors, percent = children
        return s.Dominance(int_of(contributors), int_of(percent), meta_span(meta))

    def round_counts(self, meta, children):
        word, base = children
        return s.RoundCounts(ident_of(word), int_of(base), meta_span(meta))

    def group_keys(self, meta, children):
        return tuple(children)

    def measures(self, meta, children):
        return tuple(children)

    def min_group_size(self, meta, children):
        return (int_of(children[0]), meta_span(meta))

    def column(self, meta, children):
        expr, *rest = children
        alias = [ident_of(t) for t in rest if t.type == "NAME"]
        because = [text_of(t) for t in rest if t.type == "STRING"]
        return s.Column(expr, alias[0] if alias else None, because[0] if because else None,
                        meta_span(meta))

    def output_clause(self, meta, children):
        fmt, *rest = children
        template = [text_of(t) for t in rest if isinstance(t, Token) and t.type == "STRING"]
        dialect = [ident_of(t) for t in rest if isinstance(t, Token) and t.type == "DIALECT"]
        options = tuple(o for o in rest if isinstance(o, s.OutputOption))
        destination = rest[-1]
        return s.Output(ident_of(fmt), template[0] if template else None,
                        destination if isinstance(destination, s.Text) else None, meta_span(meta),
                        dialect[0] if dialect else None, options)

    def delimiter_option(self, meta, children):
        return s.OutputOption("delimiter", text_of(children[0]).value, meta_span(meta))

    def decimal_option(self, meta, children):
        return s.OutputOption("decimal", str(children[0]), meta_span(meta))

    def bom_option(self, meta, children):
        return s.OutputOption("bom", True, meta_span(meta))

    def no_bom_option(self, meta, children):
        return s.OutputOption("bom", False, meta_span(meta))

    def quote_option(self, meta, children):
        return s.OutputOption("quote", str(children[0]), meta_span(meta))

    def lines_option(self, meta, children):
        return s.OutputOption("lines", str(children[0]), meta_span(meta))

    def file_destination(self, meta, children):
        return text_of(children[0])

    def stdout_destination(self, meta, children):
        return "stdout"

    # ---- schedule --------------------------------------------------------------------

    def schedule(self, meta, children):
        return children[0]

    def every(self, meta, children):
        return s.Every(int_of(children[0]), ident_of(children[1]), meta_span(meta))

    def hourly(self, meta, children):
        return s.Hourly(meta_span(meta))

    def daily(self, meta, children):
        return s.Daily(_text_of_token(children[0]), meta_span(meta))

    def weekly(self, meta, children):
        return s.Weekly(ident_of(children[0]), _text_of_token(children[1]), meta_span(meta))

    def monthly(self, meta, children):
        return s.Monthly(int_of(children[0]), _text_of_token(children[1]), meta_span(meta),
                         span_of(children[0]))

    def cron(self, meta, children):
        return s.Cron(text_of(children[0]), meta_span(meta))

    # ---- conditions ------------------------------------------------------------------

    def or_condition(self, meta, children):
        return s.Or(tuple(children), meta_span(meta))

    def and_condition(self, meta, children):
        return s.And(tuple(children), meta_span(meta))

    def not_condition(self, meta, children):
        return s.Not(children[0], meta_span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return s.Compare(str(op), left, right, meta_span(meta))

    def in_list(self, meta, children):
        return s.InList(children[0], children[1], False, meta_span(meta))

    def not_in_list(self, meta, children):
        return s.InList(children[0], children[1], True, meta_span(meta))

    def is_null(self, meta, children):
        return s.IsNull(children[0], False, meta_span(meta))

    def is_not_null(self, meta, children):
        return s.IsNull(children[0], True, meta_span(meta))

    def matches(self, meta, children):
        return s.Matches(children[0], text_of(children[1]), meta_span(meta))

    # ---- expressions -----------------------------------------------------------------

    def _binary(self, op, meta, children):
        return s.BinaryOp(op, children[0], children[1], meta_span(meta))

    def add(self, meta, children):
        return self._binary("+", meta, children)

    def subtract(self, meta, children):
        return self._binary("-", meta, children)

    def multiply(self, meta, children):
        return self._binary("*", meta, children)

    def divide(self, meta, children):
        return self._binary("/", meta, children)

    def call(self, meta, children):
        name, *args = children
        return s.Call(ident_of(name), tuple(a for a in args if a is not None), meta_span(meta))

    def distinct_call(self, meta, children):
        name, argument = children
        return s.Call(ident_of(name), (argument,), meta_span(meta), distinct=True)

    def path(self, meta, children):
        return s.FieldRef(tuple(str(c) for c in children), meta_span(meta))

    def list(self, meta, children):
        return s.ListLiteral(tuple(c for c in children if c is not None), meta_span(meta))

    def string(self, meta, children):
        return s.Literal(unescape(str(children[0])[1:-1]), "string", meta_span(meta))

    def number(self, meta, children):
        return s.Literal(number_of(children[0]), "number", meta_span(meta))

    def negative_number(self, meta, children):
        return s.Literal(-number_of(children[0]), "number", meta_span(meta))

    def date(self, meta, children):
        return self._date(children[0])

    def true(self, meta, children):
        return s.Literal(True, "boolean", meta_span(meta))

    def false(self, meta, children):
        return s.Literal(False, "boolean", meta_span(meta))

    def null(self, meta, children):
        return s.Literal(None, "null", meta_span(meta))

    @staticmethod
    def _date(token: Token) -> s.Literal:
        return s.Literal(str(token), "date", span_of(token))


def _text_of_token(token: Token) -> s.Text:
    return s.Text(str(token), span_of(token))
