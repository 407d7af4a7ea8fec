"""The review in three forms: a self-contained HTML page, Markdown and JSON.

HTML and Markdown come from jinja2 templates shipped in `review/templates/`. Every
text from the spec is untrusted: the HTML environment autoescapes everything, and the
Markdown environment escapes every printed value (`finalize`), so a consumer named
`<script>` shows as text in both. A character that hides or reorders text (a
zero-width space in a filter's `"Utr<U+200B>echt"`, which then matches no city) shows as
its code point (`<U+200B>`), as `ocpispec check` names it; in JSON as its escape.
"""

from __future__ import annotations

import functools
import json
import re

import jinja2
from markupsafe import Markup, escape

from ocpispec.language.functions import PSEUDONYMOUS
from ocpispec.review.model import Review
from ocpispec.text import CODE_SPAN, code_span, code_text

FORMATS = ("html", "markdown", "json")
TEMPLATE_INTRO = ("The custom template writes this text into the consumer's file as it "
                  "stands; what is between `{{ }}` or `{% %}` the run fills in with the "
                  "released rows, their column names, the export's header and the run's "
                  "date and window. Any other word in it leaves with the data.")
_MD_SPECIAL = {"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;", "&": "&amp;",
               "[": "\\[", "]": "\\]", "*": "\\*", "`": "\\`", "~": "\\~"}
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
# and a `_` that can open or close emphasis (`_x_`; never one inside a word, `utrecht_sessions`)
_MD_PATTERN = re.compile("|".join(re.escape(c) for c in _MD_SPECIAL)
                         + r"|(?<![^\W_])_|_(?![^\W_])")


def render_review(review: Review, format: str) -> str:
    """The review as `format` (one of FORMATS); deterministic, ends with a newline."""
    from ocpispec.render.values import spec_json_escaped, visible_texts

    match format:
        case "json":  # the texts as they are; a hidden or lookalike letter as its escape
            text = json.dumps(review.to_dict(), indent=2, ensure_ascii=False)
            return spec_json_escaped(text) + "\n"
        case "html":
            return _environment("html").get_template("review.html.j2").render(
                r=visible_texts(review))
        case "markdown":
            text = _environment("markdown").get_template("review.md.j2").render(
                r=visible_texts(review))
            return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    raise ValueError(f"unknown review format `{format}`")


@functools.cache
def _environment(kind: str) -> jinja2.Environment:
    loader = jinja2.PackageLoader("ocpispec.review", "templates")
    if kind == "html":
        env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                                 trim_blocks=True, lstrip_blocks=True)
        env.filters["prose"] = html_prose
        env.filters["paragraph"] = html_prose
        env.filters["breakable"] = html_breakable
    else:
        env = jinja2.Environment(loader=loader, autoescape=False, finalize=markdown_text,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True,
                                 lstrip_blocks=True)
        env.filters["code"] = markdown_code
        env.filters["fenced"] = markdown_fenced
        env.filters["prose"] = markdown_prose
        env.filters["paragraph"] = markdown_paragraph
    env.globals["template_intro"] = TEMPLATE_INTRO
    env.filters["badge"] = badge_class
    env.filters["sentence"] = sentence
    env.filters["capital"] = lambda text: text[:1].upper() + text[1:]
    return env


def sentence(text: str) -> str:
    """A diagnostic's lowercase phrase as a sentence: capital first letter, full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def markdown_code(text: object) -> Markup:
    """A Markdown code span of `text` (its own backticks cannot end it early, and show;
    pipes escaped for tables)."""
    return Markup(code_span(" ".join(str(text).split())).replace("|", "\\|"))


def markdown_fenced(text: object) -> Markup:
    """A fenced code block of `text` as it stands: the fence is longer than any run of
    backticks in it, so no line of the text can end the block early."""
    body = str(text)
    runs = [len(run) for run in re.findall(r"`+", body)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return Markup(f"{fence}text\n{body.rstrip(chr(10))}\n{fence}")


def html_prose(text: object) -> Markup:
    """Escaped text in which `code` spans (``x || `[]` `` too) become <code> elements."""
    escaped = str(escape(str(text)))
    return Markup(CODE_SPAN.sub(lambda m: f"<code>{code_text(m.group(2))}</code>", escaped))


def html_breakable(name: object) -> Markup:
    """An escaped field name that may wrap after its dots and underscores."""
    escaped = str(escape(str(name)))
    return Markup(re.sub(r"([._])", r"\1<wbr>", escaped))


def markdown_text(value: object) -> str:
    """Any printed value, safe inside a Markdown paragraph or table cell: markup
    characters (backticks too) escaped, line breaks folded."""
    if value is None:
        return ""
    if isinstance(value, Markup):  # text the template itself marked as markup
        return str(value)
    return _markdown_escape(_LINE_BREAKS.sub(" ", str(value)))


def markdown_prose(text: object, table: bool = True) -> Markup:
    """A sentence of the review's own: its `code` spans stay code spans (their text is
    literal in Markdown), the rest is escaped. In a table cell a pipe in a code span is
    escaped (the table reads `\\|` as `|`); in a paragraph or list item the backslash
    would show, so `table=False` writes it as it is (`markdown_paragraph`)."""
    flat = _LINE_BREAKS.sub(" ", str(text))
    parts, end = [], 0
    for span in CODE_SPAN.finditer(flat):
        code = span.group(0)
        parts += [_markdown_escape(flat[end:span.start()]),
                  code.replace("|", "\\|") if table else code]
        end = span.end()
    return Markup("".join(parts) + _markdown_escape(flat[end:]))


def markdown_paragraph(text: object) -> Markup:
    """`markdown_prose` for text outside a table."""
    return markdown_prose(text, table=False)


def _markdown_escape(text: str) -> str:
    return _MD_PATTERN.sub(lambda m: _MD_SPECIAL.get(m.group(0), "\\_"), text)


def badge_class(privacy: str) -> str:
    """The CSS class of a privacy class badge."""
    return {"public": "public", "quasi-identifier": "quasi", "personal": "personal", PSEUDONYMOUS: "quasi",
            "never-exportable": "never"}.get(privacy, "other")
