"""Write ocpispec/language/shipped_table.py: the spec parser's table, made from
grammar/ocx.lark by lark, which the package ships so that no install builds it at run time.
Run it after changing the grammar or the lexer (tests/test_shipped_table.py says when).

    .venv/bin/python tools/ship_parse_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocpispec.language.table_source import SHIPPED, current_source  # noqa: E402


def main() -> None:
    target = REPO / "ocpispec" / "language" / SHIPPED
    text = current_source()
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        print(f"{target.relative_to(REPO)} is up to date")
        return
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.relative_to(REPO)}")


if __name__ == "__main__":
    main()
