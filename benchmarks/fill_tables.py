"""Replace ``<!-- TABLE:name -->`` markers in a Markdown file with generated tables.

    python benchmarks/fill_tables.py docs/learning.md single=benchmarks/results/learning/onpolicy/single_task.md

Each ``name=PATH`` puts the file's text between ``<!-- TABLE:name -->`` and
``<!-- /TABLE:name -->`` (the end marker is added the first time), so running it again after
new runs updates the tables in place and no figure in the docs is typed by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def fill(doc: str, name: str, table: str) -> str:
    """The document with the table ``name`` replaced (or inserted after its start marker)."""
    start, end = f"<!-- TABLE:{name} -->", f"<!-- /TABLE:{name} -->"
    if start not in doc:
        raise SystemExit(f"no {start} marker in the document")
    block = f"{start}\n{table.strip()}\n{end}"
    if end in doc:
        return re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, doc,
                      flags=re.DOTALL)  # fmt: skip
    return doc.replace(start, block, 1)


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    path = Path(sys.argv[1])
    doc = path.read_text()
    for arg in sys.argv[2:]:
        name, _, source = arg.partition("=")
        doc = fill(doc, name, Path(source).read_text())
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(doc)
    tmp.replace(path)


if __name__ == "__main__":
    main()
