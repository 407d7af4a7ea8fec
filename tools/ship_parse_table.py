"""Write ocpispec/language/shipped_table.py (the lark-free parser's table) and
shipped_lark.py (lark's parser, serialized), made from grammar/ocx.lark by lark, which
the package ships so that no install builds a parser at run time.
Run it after changing the grammar or the lexer (tests/test_shipped_table.py says when).

    .venv/bin/python tools/ship_parse_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocpispec.language.table_source import (  # noqa: E402
    SHIPPED,
    SHIPPED_LARK,
    current_lark_source,
    current_source,
)


def main() -> None:
    for name, make in ((SHIPPED, current_source), (SHIPPED_LARK, current_lark_source)):
        target = REPO / "ocpispec" / "language" / name
        text = make()
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            print(f"{target.relative_to(REPO)} is up to date")
            continue
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(REPO)}")


if __name__ == "__main__":
    main()
