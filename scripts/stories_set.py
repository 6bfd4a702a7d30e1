"""Build the labelled story-cluster set from the AllSides part of NewsMTSC, deterministically.

Each AllSides document id is ``allsides_<article>_<story>``: AllSides shows one story as
covered by several outlets (left, centre, right), so documents sharing ``<story>`` are the same
story from different outlets. The text of a document is the sentences NewsMTSC kept of it
(one to seven per article), not the whole article. Stories with one document stay in as
unrelated stories of the same period.

A "day" is a block of ``--stories-per-day`` consecutive story ids (AllSides numbers its stories
as it publishes them, so neighbours are close in time); inside a day the documents arrive in a
fixed pseudo-random order (seeded). Output: one JSON object per line,
``{"day", "id", "story", "text"}``, in arrival order.

    .venv/bin/python scripts/stories_set.py > /tmp/stories_set.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

DOCUMENTS = Path(__file__).resolve().parents[1] / "pipeline/data/newsmtsc_documents.jsonl.gz"


def build(stories_per_day: int, seed: int) -> list[dict[str, object]]:
    by_story: dict[int, list[tuple[int, str]]] = defaultdict(list)
    with gzip.open(DOCUMENTS, "rt", encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            parts = doc["id"].split("_")
            if parts[0] != "allsides":
                continue
            text = " ".join(s.replace("\u00a0", " ") for s in doc["sentences"])
            by_story[int(parts[2])].append((int(parts[1]), text))
    stories = sorted(by_story)
    out: list[dict[str, object]] = []
    rng = random.Random(seed)
    for day, start in enumerate(range(0, len(stories), stories_per_day)):
        docs = [
            {"day": day, "id": f"allsides_{article}_{story}", "story": story, "text": text}
            for story in stories[start : start + stories_per_day]
            for article, text in sorted(by_story[story])
        ]
        rng.shuffle(docs)
        out.extend(docs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories-per-day", type=int, default=40)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    for row in build(args.stories_per_day, args.seed):
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
