#!/usr/bin/env python3
"""Split the second held-out stance set into its two halves (tests/data/gold/README.md).

  .venv/bin/python scripts/heldout_halves.py [OUT_DIR]

Half A holds the documents whose id's SHA-256 digest starts with an even byte (development
data: its wrong tags were read), half B the others (held out: read in aggregate only).
Writes ``stance_heldout2_a.jsonl`` and ``stance_heldout2_b.jsonl`` to OUT_DIR (default: the
system's temporary directory), lines unchanged, for ``newsflow eval``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "tests" / "data" / "gold" / "stance_heldout2.jsonl"


def half_of(doc_id: str) -> str:
    """``a`` or ``b``: the half a document belongs to, by its id alone."""
    return "a" if hashlib.sha256(doc_id.encode("utf-8")).digest()[0] % 2 == 0 else "b"


def split(source: Path, out_dir: Path) -> dict[str, Path]:
    lines: dict[str, list[str]] = {"a": [], "b": []}
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            lines[half_of(json.loads(line)["id"])].append(line)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {h: out_dir / f"stance_heldout2_{h}.jsonl" for h in lines}
    for h, path in paths.items():
        path.write_text("".join(f"{x}\n" for x in lines[h]), encoding="utf-8")
    return paths


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir())
    for h, path in split(SOURCE, out_dir).items():
        print(f"half {h.upper()}: {path}")


if __name__ == "__main__":
    main()
