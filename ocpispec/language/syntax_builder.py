"""The parse tree (`ocpispec.language.tree`) -> the typed syntax tree (`ocpispec.language.syntax`), with spans.

Only `ocpispec.language.parser` uses this; the lark tree never leaves the parse stage.
"""

from __future__ import annotations

from ocpispec.language.tree import Builder, Token, Tree

from ocpispec.language import syntax as s
from ocpispec.diagnostics import CompileError, error
from ocpispec.diagnostics.source import Span


def build(tree: Tree) -> s.Spec:
    return _ToSyntax().build_tree(tree)


def _span(item: Token | Tree | s.Ident | s.Text) -> Span:
    if isinstance(item, Token):
        return Span(item.start_pos or 0, item.end_pos or 0)
    if isinstance(item, Tree):
        return Span(item.meta.start_pos, item.meta.end_pos)
    return item.span


def _meta_span(meta) -> Span:
    if getattr(meta, "empty", True):
        return Span(0, 0)
    return Span(meta.start_pos, meta.end_pos)


def _ident(token: Token) -> s.Ident:
    return s.Ident(str(token), _span(token))


def _text(token: Token) -> s.Text:
    return s.Text(unescape(str(token)[1:-1]), _span(token))


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unescape(body: str) -> str:
    """Resolve `\\"`, `\\\\`, `\\n` and `\\t`; any other escaped character stands for itself."""
    out: list[str] = []
    chars = iter(body)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append(_ESCAPES.get(nxt, nxt))
        else:
            out.append(ch)
    return "".join(out)


MAX_DIGITS = 15  # every integer of 15 digits is exact as a float and in JSON


def _number(token: Token) -> int | float:
    """A NUMBER or INT token; more than MAX_DIGITS digits on either side of the point
    is OCX013 (no count, size or threshold needs them, and beyond them values stop
    being exact, overflow to infinity or exceed Python's int-to-text limit)."""
    text = str(token)
    whole, _, fraction = text.partition(".")
    if len(whole) > MAX_DIGITS or len(fraction) > MAX_DIGITS:
        raise CompileError([error(
            "OCX013", "the number is too long", _span(token),
            f"more than {MAX_DIGITS} digits" + (" after the point" if len(fraction) > MAX_DIGITS
                                                 and len(whole) <= MAX_DIGITS else ""),
            notes=[f"numbers in a spec have at most {MAX_DIGITS} digits before and "
                   f"{MAX_DIGITS} after the decimal point"],
            help="write a smaller number; counts and sizes this large are never needed")])
    return float(text) if "." in text else int(text)


def _int(token: Token) -> int:
    return int(_number(token))


def _of(items: list, kind: type) -> tuple:
    return tuple(item for item in items if isinstance(item, kind))


class _ToSyntax(Builder):
    """Parse tree -> syntax dataclasses. Method names are grammar rule names; each is
    called with the node's meta and its built children."""

    # ---- spec, header, source ------------------------------------------------------

    def start(self, meta, children):
        header, source, *rest = children
        datasets = _of(rest, s.Dataset)
        schedules = [c for c in rest if not isinstance(c, s.Dataset)]
        return s.Spec(header, source, datasets, schedules[0] if schedules else None,
                      _meta_span(meta))

    def header(self, meta, children):
        name, *items = children
        return s.Header(
            name=_ident(name),
            consumers=tuple(i[1] for i in items if i[0] == "consumer"),
            purposes=tuple(i[1] for i in items if i[0] == "purpose"),
            legal_bases=_of([i[1] for i in items], s.LegalBasis),
            retentions=_of([i[1] for i in items], s.Retention),
            pseudonym_keys=tuple(i[1] for i in items if i[0] == "key"),
            span=_meta_span(meta),
            pseudonym_scopes=tuple(i[1] for i in items if i[0] == "scope"),
            licences=tuple(i[1] for i in items if i[0] == "licence"),
            approval_requirements=tuple(i[1] for i in items if i[0] == "approval"),
        )

    def licence(self, meta, children):
        return ("licence", _text(children[0]))

    def consumer(self, meta, children):
        return ("consumer", _text(children[0]))

    def purpose(self, meta, children):
        return ("purpose", _text(children[0]))

    def legal_basis(self, meta, children):
        words = tuple(_ident(c) for c in children if c.type == "NAME")
        refs = [_text(c) for c in children if c.type == "STRING"]
        return ("legal_basis", s.LegalBasis(words, refs[0] if refs else None, _meta_span(meta)))

    def retention(self, meta, children):
        amount, unit = children
        return ("retention", s.Retention(_int(amount), _ident(unit), _meta_span(meta)))

    def pseudonym_key(self, meta, children):
        return ("key", children[0])

    def pseudonym_scope(self, meta, children):
        return ("scope", s.PseudonymScope(tuple(_ident(c) for c in children), _meta_span(meta)))

    def requires_approval(self, meta, children):
        return ("approval", s.ApprovalRequirement(tuple(_ident(c) for c in children),
                                                  _meta_span(meta)))

    def env_ref(self, meta, children):
        return s.SecretRef("env", str(children[0]), _meta_span(meta))

    def profile_ref(self, meta, children):
        return s.SecretRef("profile", str(children[0]), _meta_span(meta))

    def literal_ref(self, meta, children):
        return s.SecretRef("literal", unescape(str(children[0])[1:-1]), _meta_span(meta))

    def source(self, meta, children):
        slots: dict[str, object] = {}
        for key, value, span in children:
            if key in slots:
                raise CompileError([error(
                    "OCX009", f"`{key}` is given twice in `source`", span, "second `" + key + "`",
                    help=f"keep one `{key}` line in the `source` section")])
            slots[key] = value
        return s.Source(slots.get("ocpi"), slots.get("token"), slots.get("party"),
                        slots.get("version"), slots.get("profile"), _meta_span(meta))

    def source_versions(self, meta, children):
        return ("ocpi", children[0], _meta_span(meta))

    def source_token(self, meta, children):
        return ("token", children[0], _meta_span(meta))

    def source_party(self, meta, children):
        return ("party", _ident(children[0]), _meta_span(meta))

    def source_version(self, meta, children):
        return ("version", _ident(children[0]), _meta_span(meta))

    def source_profile(self, meta, children):
        return ("profile", _ident(children[0]), _meta_span(meta))

    # ---- datasets --------------------------------------------------------------------

    def dataset(self, meta, children):
        source, body, *rest = children
        order = _of(rest, s.OrderBy)
        limit = _of(rest, s.Limit)
        return s.Dataset(source, body, rest[-1], _meta_span(meta),
                         order[0] if order else None, limit[0] if limit else None)

    def from_clause(self, meta, children):
        module, *items = children
        windows = _of(items, (s.SinceLastRun, s.SinceDate, s.Between, s.LastPeriod,
                              *s.CALENDAR_WINDOWS))
        names = [item[1] for item in items if isinstance(item, tuple) and item[0] == "name"]
        return s.From(_ident(module), windows, _of(items, s.Where), _of(items, s.IncludePrivate),
                      _of(items, s.Join), _meta_span(meta), _of(items, s.Each),
                      _of(items, s.Spread), names[0] if names else None,
                      _of(items, s.EventTime))

    def dataset_name(self, meta, children):
        return ("name", _ident(children[0]))

    def window_on(self, meta, children):
        return s.EventTime(children[0], _meta_span(meta))

    def time_zone(self, meta, children):
        return _text(children[0])

    def previous_period(self, meta, children):
        unit, *zone = children
        return s.PreviousPeriod(_ident(unit), None, zone[0] if zone else None, _meta_span(meta))

    def previous_complete(self, meta, children):
        amount, unit, *zone = children
        return s.PreviousPeriod(_ident(unit), _int(amount), zone[0] if zone else None,
                                _meta_span(meta))

    def month_to_date(self, meta, children):
        return s.MonthToDate(children[0] if children else None, _meta_span(meta))

    def order_clause(self, meta, children):
        return s.OrderBy(tuple(children), _meta_span(meta))

    def order_key(self, meta, children):
        name, *direction = children
        return s.OrderKey(_ident(name), bool(direction) and direction[0].type == "DESCENDING",
                          _meta_span(meta))

    def limit_clause(self, meta, children):
        return s.Limit(_int(children[0]), _meta_span(meta))

    def since_last_run(self, meta, children):
        return s.SinceLastRun(_meta_span(meta))

    def since_date(self, meta, children):
        return s.SinceDate(self._date(children[0]), _meta_span(meta))

    def between(self, meta, children):
        return s.Between(self._date(children[0]), self._date(children[1]), _meta_span(meta))

    def last_period(self, meta, children):
        return s.LastPeriod(_int(children[0]), _ident(children[1]), _meta_span(meta))

    def where_clause(self, meta, children):
        because = [_text(t) for t in children[1:] if isinstance(t, Token)]
        return s.Where(children[0], _meta_span(meta), because[0] if because else None)

    def include_clause(self, meta, children):
        return s.IncludePrivate(_text(children[0]), _meta_span(meta))

    def join_clause(self, meta, children):
        module, key, *alias = children
        return s.Join(_ident(module), key, _ident(alias[0]) if alias else None, _meta_span(meta))

    def each_clause(self, meta, children):
        path, alias = children
        return s.Each(path, _ident(alias), _meta_span(meta))

    def spread_clause(self, meta, children):
        value, unit, *words = children
        *zone, alias = words
        return s.Spread(value, _ident(unit), tuple(_ident(word) for word in zone), _ident(alias),
                        _meta_span(meta))

    def select_clause(self, meta, children):
        rules = [child for child in children if isinstance(child, s.KRule)]
        columns = tuple(child for child in children if not isinstance(child, s.KRule))
        return s.Select(columns, _meta_span(meta), rules[0] if rules else None)

    def k_rule(self, meta, children):
        k, *rest = children
        over = next((item for item in rest if isinstance(item, tuple)), ())
        limit = next((item for item in rest if isinstance(item, list)), None)
        return s.KRule(_int(k), _span(k), over, limit[0] if limit else None,
                       limit[1] if limit else None, _meta_span(meta))

    def k_over(self, meta, children):
        return tuple(_ident(name) for name in children)

    def k_limit(self, meta, children):
        return [float(str(children[0]).rstrip("%")), _meta_span(meta)]

    def aggregate_clause(self, meta, children):
        keys, measures, *rest = children
        minimum = [item for item in rest if isinstance(item, tuple)]
        size, size_span = minimum[0] if minimum else (None, None)
        dominance = [item for item in rest if isinstance(item, s.Dominance)]
        rounding = [item for item in rest if isinstance(item, s.RoundCounts)]
        return s.Aggregate(keys, measures, size, size_span, _meta_span(meta),
                           dominance[-1] if dominance else None,
                           rounding[-1] if rounding else None)

    def dominance(self, meta, children):
        contributors, percent = children
        return s.Dominance(_int(contributors), _int(percent), _meta_span(meta))

    def round_counts(self, meta, children):
        word, base = children
        return s.RoundCounts(_ident(word), _int(base), _meta_span(meta))

    def group_keys(self, meta, children):
        return tuple(children)

    def measures(self, meta, children):
        return tuple(children)

    def min_group_size(self, meta, children):
        return (_int(children[0]), _meta_span(meta))

    def column(self, meta, children):
        expr, *rest = children
        alias = [_ident(t) for t in rest if t.type == "NAME"]
        because = [_text(t) for t in rest if t.type == "STRING"]
        return s.Column(expr, alias[0] if alias else None, because[0] if because else None,
                        _meta_span(meta))

    def output_clause(self, meta, children):
        fmt, *rest = children
        template = [_text(t) for t in rest if isinstance(t, Token) and t.type == "STRING"]
        dialect = [_ident(t) for t in rest if isinstance(t, Token) and t.type == "DIALECT"]
        options = tuple(o for o in rest if isinstance(o, s.OutputOption))
        destination = rest[-1]
        return s.Output(_ident(fmt), template[0] if template else None,
                        destination if isinstance(destination, s.Text) else None, _meta_span(meta),
                        dialect[0] if dialect else None, options)

    def delimiter_option(self, meta, children):
        return s.OutputOption("delimiter", _text(children[0]).value, _meta_span(meta))

    def decimal_option(self, meta, children):
        return s.OutputOption("decimal", str(children[0]), _meta_span(meta))

    def bom_option(self, meta, children):
        return s.OutputOption("bom", True, _meta_span(meta))

    def no_bom_option(self, meta, children):
        return s.OutputOption("bom", False, _meta_span(meta))

    def quote_option(self, meta, children):
        return s.OutputOption("quote", str(children[0]), _meta_span(meta))

    def lines_option(self, meta, children):
        return s.OutputOption("lines", str(children[0]), _meta_span(meta))

    def file_destination(self, meta, children):
        return _text(children[0])

    def stdout_destination(self, meta, children):
        return "stdout"

    # ---- schedule --------------------------------------------------------------------

    def schedule(self, meta, children):
        return children[0]

    def every(self, meta, children):
        return s.Every(_int(children[0]), _ident(children[1]), _meta_span(meta))

    def hourly(self, meta, children):
        return s.Hourly(_meta_span(meta))

    def daily(self, meta, children):
        return s.Daily(_text_of_token(children[0]), _meta_span(meta))

    def weekly(self, meta, children):
        return s.Weekly(_ident(children[0]), _text_of_token(children[1]), _meta_span(meta))

    def monthly(self, meta, children):
        return s.Monthly(_int(children[0]), _text_of_token(children[1]), _meta_span(meta),
                         _span(children[0]))

    def cron(self, meta, children):
        return s.Cron(_text(children[0]), _meta_span(meta))

    # ---- conditions ------------------------------------------------------------------

    def or_condition(self, meta, children):
        return s.Or(tuple(children), _meta_span(meta))

    def and_condition(self, meta, children):
        return s.And(tuple(children), _meta_span(meta))

    def not_condition(self, meta, children):
        return s.Not(children[0], _meta_span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return s.Compare(str(op), left, right, _meta_span(meta))

    def in_list(self, meta, children):
        return s.InList(children[0], children[1], False, _meta_span(meta))

    def not_in_list(self, meta, children):
        return s.InList(children[0], children[1], True, _meta_span(meta))

    def is_null(self, meta, children):
        return s.IsNull(children[0], False, _meta_span(meta))

    def is_not_null(self, meta, children):
        return s.IsNull(children[0], True, _meta_span(meta))

    def matches(self, meta, children):
        return s.Matches(children[0], _text(children[1]), _meta_span(meta))

    # ---- expressions -----------------------------------------------------------------

    def _binary(self, op, meta, children):
        return s.BinaryOp(op, children[0], children[1], _meta_span(meta))

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
        return s.Call(_ident(name), tuple(a for a in args if a is not None), _meta_span(meta))

    def distinct_call(self, meta, children):
        name, argument = children
        return s.Call(_ident(name), (argument,), _meta_span(meta), distinct=True)

    def path(self, meta, children):
        return s.FieldRef(tuple(str(c) for c in children), _meta_span(meta))

    def list(self, meta, children):
        return s.ListLiteral(tuple(c for c in children if c is not None), _meta_span(meta))

    def string(self, meta, children):
        return s.Literal(unescape(str(children[0])[1:-1]), "string", _meta_span(meta))

    def number(self, meta, children):
        return s.Literal(_number(children[0]), "number", _meta_span(meta))

    def negative_number(self, meta, children):
        return s.Literal(-_number(children[0]), "number", _meta_span(meta))

    def date(self, meta, children):
        return self._date(children[0])

    def true(self, meta, children):
        return s.Literal(True, "boolean", _meta_span(meta))

    def false(self, meta, children):
        return s.Literal(False, "boolean", _meta_span(meta))

    def null(self, meta, children):
        return s.Literal(None, "null", _meta_span(meta))

    @staticmethod
    def _date(token: Token) -> s.Literal:
        return s.Literal(str(token), "date", _span(token))


def _text_of_token(token: Token) -> s.Text:
    return s.Text(str(token), _span(token))
