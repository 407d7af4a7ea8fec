"""The rules of a dataset's clauses (source, shaping, output) and of the schedule:
their parse-tree nodes -> the syntax tree (`syntax_builder._ToSyntax` mixes them in)."""

from __future__ import annotations

from ocpispec.language import syntax as s
from ocpispec.language.syntax_leaves import (date_of, ident_of, int_of, items_of, meta_span,
                                             raw_text_of, span_of, text_of)
from ocpispec.language.tree import Token


class DatasetRules:
    """Method names are grammar rule names; each is called with the node's meta and its
    built children."""

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
                      items_of(items, s.EventTime), items_of(items, s.Sample))

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
        return s.SinceDate(date_of(children[0]), meta_span(meta))

    def between(self, meta, children):
        return s.Between(date_of(children[0]), date_of(children[1]), meta_span(meta))

    def last_period(self, meta, children):
        return s.LastPeriod(int_of(children[0]), ident_of(children[1]), meta_span(meta))

    def where_clause(self, meta, children):
        because = [text_of(t) for t in children[1:] if isinstance(t, Token)]
        return s.Where(children[0], meta_span(meta), because[0] if because else None)

    def sample_clause(self, meta, children):
        percent, *unit = children
        return s.Sample(float(str(percent).rstrip("%")), span_of(percent),
                        ident_of(unit[0]) if unit else None, meta_span(meta))

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
        return s.Daily(raw_text_of(children[0]), meta_span(meta))

    def weekly(self, meta, children):
        return s.Weekly(ident_of(children[0]), raw_text_of(children[1]), meta_span(meta))

    def monthly(self, meta, children):
        return s.Monthly(int_of(children[0]), raw_text_of(children[1]), meta_span(meta),
                         span_of(children[0]))

    def cron(self, meta, children):
        return s.Cron(text_of(children[0]), meta_span(meta))
