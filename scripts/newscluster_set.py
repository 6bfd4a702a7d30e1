"""Whole multi-outlet news articles labelled by event: the story-cluster set of Giveme5W1H.

The Giveme5W1H project (Hamborg et al., JCDL 2018; Apache License 2.0) ships a "news_cluster"
data set: whole news articles crawled from many outlets with news-please, each labelled with
the event it reports (``newsCluster.Event``, e.g. ``north_Korea_hokkaido_missile``: the
name, since the set reuses some ``EventId`` numbers for different events). Articles of one
event from several outlets are one story; the other events are unrelated stories.

``import DIR OUT [--first N]`` reads the data set's JSON files (one article each, news-please
format; the ``N`` whose file names sort first) and writes the fields the evaluation needs to
``OUT`` (gzipped JSON lines, sorted by id); ``rows FILE [--aligned]`` prints the evaluation
rows of ``scripts/stories_eval.py`` (``id``, ``title``, ``text``, ``story``, ``time``,
``source``): ``time`` is the publication time, or with ``--aligned`` the time since the
event's first article (every event starting at the same instant, so that all the others are
news of the same day).

    .venv/bin/python scripts/newscluster_set.py rows tests/data/stories/news_cluster.jsonl.gz \\
        > /tmp/nc.jsonl
    .venv/bin/python scripts/stories_eval.py /tmp/nc.jsonl --split test --background 1000 \\
        --cache /tmp/nc_enrichment.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIELDS = ("title", "text", "source_domain", "url", "date_publish")


def load_dir(folder: Path, first: int | None = None) -> list[dict[str, Any]]:
    """The articles of a folder of Giveme5W1H news_cluster JSON files (the ``first`` by file
    name), sorted by id."""
    out = []
    for path in sorted(folder.glob("*.json"))[:first]:
        doc = json.loads(path.read_text(encoding="utf-8"))
        cluster = doc["newsCluster"]
        out.append(
            {
                "id": doc["dId"],
                **{k: doc.get(k) for k in FIELDS},
                "event_id": cluster["EventId"],
                "event": cluster["Event"],
                "category": cluster.get("Category"),
            }
        )
    return sorted(out, key=lambda d: d["id"])


def _time(article: dict[str, Any]) -> float:
    return datetime.fromisoformat(article["date_publish"]).replace(tzinfo=UTC).timestamp()


def rows(articles: list[dict[str, Any]], seed: int, aligned: bool) -> list[dict[str, Any]]:
    """Evaluation rows; ``aligned`` moves every event to start at the same instant (keeping
    the spacing of its own articles), so that every other event is news of the same day."""
    start: dict[str, float] = {}
    for a in articles:
        event = a["event"].lower()
        start[event] = min(start.get(event, _time(a)), _time(a))
    out = [
        {
            "id": a["id"],
            "title": a["title"] or "",
            "text": a["text"],
            "story": a["event"].lower(),  # EventIds are reused across events: the name is the label
            "day": 0,
            "time": _time(a) - (start[a["event"].lower()] if aligned else 0.0),
            "source": a["source_domain"],
        }
        for a in articles
    ]
    random.Random(seed).shuffle(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="the data set's JSON files -> one gzipped JSONL")
    imp.add_argument("folder", type=Path)
    imp.add_argument("out", type=Path)
    imp.add_argument("--first", type=int, help="only the N files whose names sort first")
    make = sub.add_parser("rows", help="evaluation rows for scripts/stories_eval.py")
    make.add_argument("file", type=Path)
    make.add_argument("--seed", type=int, default=18)
    make.add_argument(
        "--aligned",
        action="store_true",
        help="every event starts at the same instant: all the others are same-day news",
    )
    args = parser.parse_args()
    if args.command == "import":
        articles = load_dir(args.folder, args.first)
        with gzip.open(args.out, "wt", encoding="utf-8") as out:
            for a in articles:
                out.write(json.dumps(a, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"{len(articles)} articles -> {args.out}", file=sys.stderr)
        return
    with gzip.open(args.file, "rt", encoding="utf-8") as lines:
        articles = [json.loads(line) for line in lines]
    for row in rows(articles, args.seed, args.aligned):
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
