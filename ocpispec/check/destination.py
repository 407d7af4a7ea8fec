"""Where an output goes and how it is written, checked before anything runs: the
destination's URL scheme, its extension against the format, its compression suffix,
and the CSV dialect (`ocpispec.formats`)."""

from __future__ import annotations

import dataclasses

from ocpispec import formats
from ocpispec.language import syntax
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.destination_reads import read_as_settings
from ocpispec.diagnostics import error
from ocpispec.formats import dialects
from ocpispec.diagnostics.source import Span
from ocpispec.text import with_article


def check_file_destination(output: syntax.Output, ctx: Context) -> None:
    destination, fmt = output.destination, output.format.name
    if destination is None or not destination.value.strip():
        return  # an empty destination is OCX407, not a folder
    described = formats.describe(destination.value)
    if described.scheme is not None and described.scheme not in formats.SUPPORTED_SCHEMES:
        supported = [f"`{scheme}://`" for scheme in formats.SUPPORTED_SCHEMES]
        ctx.emit(error("OCX415", f"destinations with `{described.scheme}:` are not supported",
                       destination.span, "not a supported destination",
                       notes=[f"supported: {formats.DESTINATION_KINDS}"
                              + (", " + ", ".join(supported) if supported else ""),
                              "a run would otherwise write a local folder named "
                              f"`{described.scheme}:`"],
                       help="write to a local path, e.g. `\"exports/{export}-{run.date}."
                            f"{_suggested(fmt)}\"`, or to `sftp://host/path/name."
                            f"{_suggested(fmt)}`"))
        return
    if described.scheme is not None and not _remote_ok(destination, ctx):
        return
    if described.scheme is None and _backslashed(destination, ctx):
        return
    if described.scheme is None and _names_a_folder(destination.value):
        folder = destination.value if destination.value.endswith(("/", "\\")) \
            else destination.value + "/"
        ctx.emit(error("OCX426", "the destination names a folder, not a file",
                       destination.span, "no file name",
                       notes=["a run writes one file per dataset, with its manifest and "
                              "data package beside it"],
                       help=f'write `"{folder}{{export}}-{{run.date}}.{_suggested(fmt)}"`'))
        return
    if described.scheme is None and formats.named_like_template(destination.value):
        _named_like_template(destination, fmt, ctx)
        return
    if (why := read_as_settings(_local_path(destination.value, described.scheme))):
        ctx.emit(error("OCX250", "the destination is a file programs read, not a data file",
                       destination.span, why,
                       notes=["a template is copied into its output as it is, and a name "
                              "without an extension fits any format: through an export "
                              "signed for its data, a spec could write an approval, a login "
                              "key, a cron job or a setting on the machine that runs it"],
                       help=f'deliver to a data file: `"exports/{{export}}-{{run.date}}.'
                            f'{_suggested(fmt)}"`'))
        return
    if described.foreign is not None:
        ctx.emit(error("OCX417", f"`{described.foreign}` is not a compression ocpispec writes",
                       destination.span, "unknown compression suffix",
                       notes=["compressions: " + ", ".join(
                           f"`{suffix}` ({name})" for suffix, name in formats.COMPRESSIONS.items())],
                       help=f"end the file name with `.{_suggested(fmt)}.gz` or "
                            f"`.{_suggested(fmt)}.zst`, or leave out the suffix"))
        return
    if described.compression is not None and fmt in formats.UNCOMPRESSIBLE:
        ctx.emit(error("OCX418", f"`{fmt}` output cannot be compressed with "
                       f"`{described.compression_suffix}`", destination.span,
                       "compression suffix", notes=[f"`{fmt}` files compress their own "
                                                    "columns"],
                       help=f"end the file name with `.{_suggested(fmt)}`"))
        return
    if not formats.fits(fmt, described.extension):
        owner = formats.format_for(described.extension or "")
        hint = f"; `{described.extension}` is {with_article(f'`{owner}`')} file" if owner else ""
        ctx.emit(error("OCX416", f"{with_article(f'`{fmt}`')} output cannot be named `{described.extension}`",
                       destination.span, "extension does not fit the format",
                       notes=[f"`{fmt}` files end in {backticked(formats.EXTENSIONS[fmt])}"
                              + hint],
                       help=f"write `output {owner} ...`" if owner and owner != fmt else
                       f"end the file name with `.{_suggested(fmt)}`"))


def _local_path(destination: str, scheme: str | None) -> str:
    """The path on a file system the destination writes to: a local path as written, an
    SFTP server's path (its `~/.ssh/authorized_keys` too); "" for object storage."""
    if scheme is None:
        return destination
    return formats.parse_remote(destination).path if scheme == "sftp" else ""


def _named_like_template(destination: syntax.Text, fmt: str, ctx: Context) -> None:
    """`to "exports/rows.j2"`: the delivered rows, in the spec's folder under a name a
    template loads, are a template to any spec there, whose `{% include "exports/rows.j2"
    %}` copies them into its own output: another consumer's export, its review showing
    no such column."""
    stem = destination.value.rsplit(".", 1)[0]
    ctx.emit(error("OCX371", "the destination is named like a template",
                   destination.span, "a template of any spec in this folder could include it",
                   notes=["a template that includes this file would copy its rows into "
                          "another export's output, which its review does not show"],
                   help=f'name the file for what it holds: `"{stem}.{_suggested(fmt)}"`'))


def _backslashed(destination: syntax.Text, ctx: Context) -> bool:
    """A local destination written with a backslash (`"C:\\exports\\x.csv"`, a Windows
    path): in a quoted text a backslash and `e` stand for `e`, and one and `n` for a line
    break, so the file was `C:exportsx.csv`, or a name with a line break in it. Paths
    are written with `/`."""
    written = ctx.source.text[destination.span.start + 1:destination.span.end - 1]
    if "\\" not in written and not any(c < " " for c in destination.value):
        return False
    slashed = written.replace("\\\\", "/").replace("\\", "/")
    ctx.emit(error("OCX429", "the destination is written with `\\`", destination.span,
                   f"read as `{_shown(destination.value)}`",
                   notes=["in a quoted text `\\` starts an escape: `\\n` is a line break, "
                          "`\\t` a tab, and any other character after it stands for itself"],
                   help=f'write the path with `/`: `"{slashed}"` (Windows reads `/` too)'))
    return True


def _shown(text: str) -> str:
    """A destination as a diagnostic shows it: a control character in words."""
    named = {"\n": "<line break>", "\t": "<tab>"}
    return "".join(c if c >= " " else named.get(c, f"<U+{ord(c):04X}>") for c in text)


def _names_a_folder(path: str) -> bool:
    """`exports/`, `.`, `exports/..`, `~`: a local path whose last part is no file name."""
    last = path.replace("\\", "/").rsplit("/", 1)[-1]
    return last in ("", ".", "..", "~")


def _userinfo(destination: syntax.Text, ctx: Context) -> tuple[Span, ...]:
    """Where `user:password@` stands in the source (the part between `://` and the last
    `@` before the path)."""
    written = ctx.source.text[destination.span.start:destination.span.end]
    start = written.find("://")
    if start < 0:
        return (destination.span,)
    authority_end = written.find("/", start + 3)
    authority = written[start + 3: authority_end if authority_end >= 0 else len(written)]
    at = authority.rfind("@")
    if at < 0:
        return (destination.span,)
    begin = destination.span.start + start + 3
    return (Span(begin, begin + at),)


def _query(destination: syntax.Text, ctx: Context) -> tuple[Span, ...]:
    """Where the `?` or `#` part stands in the source, up to the closing quote."""
    written = ctx.source.text[destination.span.start:destination.span.end]
    found = [at for at in (written.find("?"), written.find("#")) if at >= 0]
    if not found:
        return (destination.span,)
    end = len(written) - 1 if written.endswith(('"', "'")) else len(written)
    return (Span(destination.span.start + min(found), destination.span.start + end),)


def _remote_ok(destination: syntax.Text, ctx: Context) -> bool:
    """A delivery URL: no credentials in it (OCX422), a host and a file (OCX423)."""
    try:
        formats.parse_remote(destination.value)
    except formats.RemoteError as exc:
        if exc.credentials:
            found = error("OCX422", "the destination holds credentials", destination.span,
                          "a user name or password in the URL",
                          notes=["a spec is reviewed, versioned and shown in plans: "
                                 "credentials never belong in it; they are masked here"],
                          help="remove `user:password@` and put the login in a destination "
                               "profile (`<config>/destinations/HOST.toml`, mode 0600) or "
                               "in environment variables (docs/outputs.md, Delivery)")
            ctx.emit(dataclasses.replace(found, secrets=_userinfo(destination, ctx)))
        else:
            found = error("OCX423", f"a malformed delivery destination: {exc}",
                          destination.span, "not a delivery URL",
                          notes=["a `?` or `#` part may hold a presigned URL's signature: "
                                 "it is masked here"] if exc.query else [],
                          help="write e.g. `\"sftp://files.example.org/incoming/"
                               "{export}-{run.date}.csv\"` or `\"s3://bucket/incoming/"
                               "{export}-{run.date}.csv\"`")
            ctx.emit(dataclasses.replace(found, secrets=_query(destination, ctx))
                     if exc.query else found)
        return False
    return True


def suggested_extension(fmt: str) -> str:
    """The extension a file of `fmt` gets in an example destination (`txt` for none)."""
    return _suggested(fmt)


def _suggested(fmt: str) -> str:
    return formats.EXTENSIONS.get(fmt, (".txt",))[0].lstrip(".")


# Excel's CSV by the country whose Excel opens it: `;` and a decimal comma in most of
# continental Europe and Latin America (`excel-be` was told `excel-en`, a decimal point)
_COMMA_COUNTRIES = frozenset("be fr es it pt at ch dk se no fi pl cz sk hu ro gr tr ru ua "
                             "br ar cl co id za lu si hr ee lv lt bg is".split())
_POINT_COUNTRIES = frozenset("us gb uk ie au nz ca in sg hk jp cn kr mx il my ph th".split())


def _locale_dialect(preset: str) -> str | None:
    country = preset.lower().removeprefix("excel").strip("-_")
    if country in _COMMA_COUNTRIES:
        return "excel-de" if country == "at" else "excel-nl"
    return "excel-en" if country in _POINT_COUNTRIES else None


def check_dialect(output: syntax.Output, ctx: Context) -> None:
    fmt = output.format.name
    if fmt != "csv":
        given = output.dialect.span if output.dialect else output.options[0].span \
            if output.options else None
        if given is not None:
            ctx.emit(error("OCX421", f"`{fmt}` output takes no CSV dialect", given,
                           "a CSV dialect", help="remove it, or write `output csv ...`"))
        return
    preset = output.dialect.name if output.dialect else None
    if preset is not None and preset not in formats.PRESETS:
        guess = _locale_dialect(preset) or did_you_mean(preset, formats.PRESETS)
        ctx.emit(error("OCX419", f"unknown CSV dialect `{preset}`", output.dialect.span,
                       "not a dialect",
                       notes=[f"`{name}`: {note}" for name, note in dialects.PRESET_NOTES.items()],
                       help=f"did you mean `{guess}`?" if guess else
                       "write one of the dialects, or options such as `delimiter \";\"`"))
        return
    for option in output.options:
        try:
            dialects.validate_option(option.name, option.value)
        except formats.DialectError as exc:
            _bad_option(option, exc, ctx)
            return
    if _twice(output.options, ctx):
        return
    try:
        dialects.settings(formats.base_dialect(
            preset, output.destination.value if output.destination else None),
            ((o.name, o.value) for o in output.options))
    except formats.DialectError as exc:
        culprit = [o for o in output.options if o.name == exc.option]
        span = culprit[-1].span if culprit else output.dialect.span  # type: ignore[union-attr]
        ctx.emit(error("OCX420", str(exc), span, "this option", notes=[_OPTIONS],
                       help='add `delimiter ";"`, or write `decimal point`'))


_OPTIONS = ("options: `delimiter \"C\"`, `decimal point|comma`, `bom`, `no bom`, "
            "`quote minimal|all`, `lines crlf|lf`")


def _twice(options: tuple[syntax.OutputOption, ...], ctx: Context) -> bool:
    """OCX420 for an option written twice: the second would silently win over the first
    (`bom no bom`, `delimiter ";" delimiter ","`)."""
    first: dict[str, syntax.OutputOption] = {}
    for option in options:
        if (before := first.get(option.name)) is None:
            first[option.name] = option
            continue
        written = _written(before), _written(option)
        same = written[0] == written[1]
        ctx.emit(error("OCX420", f"`{option.name}` is given twice" if same else
                       f"`{written[0]}` and `{written[1]}` contradict each other", option.span,
                       "again" if same else "this one", notes=[_OPTIONS],
                       help="remove this one" if same else
                       f"keep the one you mean: `{written[0]}` or `{written[1]}`"))
        return True
    return False


def _written(option: syntax.OutputOption) -> str:
    match option.value:
        case True:
            return option.name
        case False:
            return f"no {option.name}"
        case str() as value if option.name == "delimiter":
            return f'delimiter "{value}"'
        case value:
            return f"{option.name} {value}"


def _bad_option(option: syntax.OutputOption, exc: formats.DialectError, ctx: Context) -> None:
    if exc.choices:
        message = f"`{option.name}` takes " + " or ".join(f"`{c}`" for c in exc.choices)
        fix = " or ".join(f"`{option.name} {choice}`" for choice in exc.choices)
        help = f"write {fix}"
    else:
        message, help = str(exc), 'choose another delimiter, e.g. `delimiter ";"`'
    ctx.emit(error("OCX420", message, option.span, "this option", notes=[_OPTIONS], help=help))
