#!/usr/bin/env python3
"""Agreement of an independent second annotation with the stance gold (every 4th test doc).

  python scripts/gold_agreement.py tests/data/gold/stance_test.jsonl \
      tests/data/gold/stance_test_second_annotation.jsonl

Tags are paired one-to-one (maximum matching) by the evaluation's own matching rules.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from pipeline.tools.matching import holders_match, targets_match

Tag = dict[str, str]


def pairs(gold: list[Tag], other: list[Tag], same: Callable[[Tag, Tag], bool]) -> int:
    """Size of a maximum one-to-one matching (augmenting paths; documents are small)."""
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j, tag in enumerate(other):
            if j in seen or not same(gold[i], tag):
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    return sum(augment(i, set()) for i in range(len(gold)))


def main(gold_path: Path, second_path: Path) -> None:
    gold = {d["id"]: d["gold"]["stances"] for d in map(json.loads, gold_path.open())}
    second = {d["id"]: d["tags"] for d in map(json.loads, second_path.open())}

    def pair(g: Tag, p: Tag) -> bool:
        return holders_match(g["holder"], p["holder"]) and targets_match(g["target"], p["target"])

    n_gold = n_second = agreed = 0
    table = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for doc_id, tags in second.items():
        g = gold[doc_id]
        n_gold, n_second = n_gold + len(g), n_second + len(tags)
        agreed += pairs(g, tags, lambda a, b: pair(a, b) and a["stance"] == b["stance"])
        table[(bool(g), bool(tags))] += 1
    n = len(second)
    p, r = agreed / n_second, agreed / n_gold
    observed = (table[(True, True)] + table[(False, False)]) / n
    gold_yes = (table[(True, True)] + table[(True, False)]) / n
    second_yes = (table[(True, True)] + table[(False, True)]) / n
    chance = gold_yes * second_yes + (1 - gold_yes) * (1 - second_yes)
    print(f"{n} documents, {n_gold} gold tags, {n_second} second-annotation tags, {agreed} agreed")
    print(
        f"tag F1 {2 * p * r / (p + r):.3f} (P {p:.3f}, R {r:.3f}); "
        f"kappa on 'has a tag' {(observed - chance) / (1 - chance):.3f}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
