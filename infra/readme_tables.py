"""The partners' page's table of partner file columns (docs/partners.md, "Partner files"), made from
the file types' specs (imports.specs).

    python -m infra.readme_tables          rewrites the table in docs/partners.md
    python -m infra.readme_tables --check  exits 1 when the page's table is not the specs'
"""

from __future__ import annotations

import sys
from pathlib import Path

from tanhui.imports.rows import schemas_markdown

PAGE = Path(__file__).resolve().parents[1] / "docs" / "partners.md"
HEAD = "| file type | column | required | value | also accepted as |"


def with_table(text: str) -> str:
    """`text` with the table that starts with HEAD (up to the next blank line) made anew."""
    start = text.index(HEAD)
    end = text.find("\n\n", start)
    end = len(text.rstrip("\n")) if end < 0 else end
    return text[:start] + schemas_markdown() + text[end:]


def main(argv: list[str]) -> int:
    text = PAGE.read_text(encoding="utf-8")
    fresh = with_table(text)
    if "--check" in argv:
        if fresh != text:
            print("docs/partners.md's file column table is not the specs'; run python -m infra.readme_tables")
            return 1
        return 0
    PAGE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
