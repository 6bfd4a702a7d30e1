"""The second held-out set's halves (scripts/heldout_halves.py): a fixed partition by id."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "heldout_halves", ROOT / "scripts" / "heldout_halves.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_halves_partition_the_set_by_id(tmp_path: Path) -> None:
    halves = _script()
    paths = halves.split(halves.SOURCE, tmp_path)
    source = [x for x in halves.SOURCE.read_text(encoding="utf-8").splitlines() if x.strip()]
    a = paths["a"].read_text(encoding="utf-8").splitlines()
    b = paths["b"].read_text(encoding="utf-8").splitlines()
    assert sorted(a + b) == sorted(source)
    assert all(halves.half_of(json.loads(x)["id"]) == "a" for x in a)
    assert all(halves.half_of(json.loads(x)["id"]) == "b" for x in b)
    # the halves the gold README describes
    tags = [sum(len(json.loads(x)["gold"]["stances"]) for x in h) for h in (a, b)]
    assert (len(a), len(b), *tags) == (915, 929, 404, 401)
