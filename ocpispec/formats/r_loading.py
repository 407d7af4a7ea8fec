"""How base R reads a CSV written for Excel. The byte order mark Excel needs to read
UTF-8 stays in the first column's name under R's `read.csv`/`read.csv2`
(`X.U.FEFF.postcode4`), which skip it only with `fileEncoding = "UTF-8-BOM"`; pandas,
readr, DuckDB and frictionless skip it themselves. The data package's resource says so,
with the call that reads the file as written."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.plan.ir.output import CsvDialect


def bom_description(file: str, dialect: CsvDialect, text_columns: Sequence[str]) -> str:
    """The resource's `description` for a CSV with a byte order mark."""
    return ("UTF-8 with a byte order mark, for Excel. Base R keeps the mark in the first "
            "column's name unless told to skip it: "
            f"`{base_r_call(file, dialect, text_columns)}`. pandas, readr, DuckDB and "
            "frictionless skip the mark themselves.")


def base_r_call(file: str, dialect: CsvDialect, text_columns: Sequence[str]) -> str:
    """`read.csv2(...)` for `;` with decimal commas, `read.csv(...)` for `,` with points,
    else `read.table(...)` with the separators spelt out. Text columns are read as text
    (a postal code `01067` would lose its zero) and an empty cell is missing, as the
    package's `missingValues` says (R's default would also take a text `NA`)."""
    delimiter, comma = dialect.delimiter, dialect.decimal == "comma"
    if delimiter == ";" and comma:
        call, args = "read.csv2", []
    elif delimiter == "," and not comma:
        call, args = "read.csv", []
    else:
        shown = "\\t" if delimiter == "\t" else delimiter.replace("\\", "\\\\")
        call = "read.table"
        args = ["header = TRUE", f'sep = "{shown}"', 'quote = "\\""',
                f'dec = "{"," if comma else "."}"', 'comment.char = ""']
    args += ['fileEncoding = "UTF-8-BOM"', 'na.strings = ""']
    if text_columns:
        classes = ", ".join(f'{name} = "character"' for name in text_columns)
        args.append(f"colClasses = c({classes})")
    return f'{call}("{file}", {", ".join(args)})'
