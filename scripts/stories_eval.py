"""Pairwise precision and recall of the story index on a labelled set of stories.

Sets: the AllSides fragments of NewsMTSC (``scripts/stories_set.py``) and whole articles of
Giveme5W1H's news_cluster set (``scripts/newscluster_set.py``); a row with a ``title`` is
enriched and signed with it, as the worker does.

Each document is enriched by the shipped enricher (cached in ``--cache``: the enrichment is
deterministic) and goes through :class:`pipeline.stories.index.StoryIndex` (the worker's
code, over a dict). Rows without a ``time`` (the AllSides fragments) stream one ``day`` at a
time through a fresh index, pairs are counted within a day and the 95 % interval is a
bootstrap over days. Rows with a ``time`` (whole articles) stream in order of it through one
index whose window prunes them as the worker's does; only pairs published within the window
of each other are counted, and the interval is a bootstrap over stories. Stories are split in
two by a hash of the story id: the rules are tuned on the ``dev`` half (``--grid``), the
``test`` half is read once with the chosen rules.

    .venv/bin/python scripts/stories_set.py > /tmp/stories_set.jsonl
    .venv/bin/python scripts/stories_eval.py /tmp/stories_set.jsonl --split dev --grid \\
        --background 1000 [--rule words|names|both]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import gzip
import hashlib
import itertools
import json
import random
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.models import Enrichment, RawArticle
from pipeline.stories.index import Rules, StoryIndex
from pipeline.stories.signature import signature

DOCUMENTS = Path(__file__).resolve().parents[1] / "pipeline/data/newsmtsc_documents.jsonl.gz"

SHINGLE_WORDS = 5


def half(story: int) -> str:
    return "dev" if hashlib.sha256(str(story).encode()).digest()[0] % 2 == 0 else "test"


def polusa(n: int) -> list[dict[str, Any]]:
    """The first ``n`` POLUSA documents of NewsMTSC by id, as ``{id, text}``."""
    with gzip.open(DOCUMENTS, "rt", encoding="utf-8") as lines:
        docs = [json.loads(line) for line in lines]
    chosen = sorted((d for d in docs if d["id"].startswith("polusa")), key=lambda d: d["id"])
    return [
        {"id": d["id"], "text": " ".join(s.replace("\u00a0", " ") for s in d["sentences"])}
        for d in chosen[:n]
    ]


def enrichments(rows: list[dict[str, Any]], cache: Path) -> dict[str, Enrichment]:
    done: dict[str, Enrichment] = {}
    if cache.exists():
        for line in cache.read_text().splitlines():
            item = json.loads(line)
            done[item["id"]] = Enrichment.model_validate(item["enrichment"])
    todo = [r for r in rows if r["id"] not in done]
    if todo:
        from pipeline.config import EnrichSettings
        from pipeline.enrich import Enricher

        enricher = Enricher(EnrichSettings())
        with cache.open("a") as out:
            for r in todo:
                title = r.get("title", "")
                found = enricher.enrich(RawArticle(id=r["id"], title=title, body=r["text"]))
                done[r["id"]] = found
                item = {"id": r["id"], "enrichment": found.model_dump(mode="json")}
                out.write(json.dumps(item) + "\n")
    return done


def cluster(
    days: dict[int, list[dict[str, Any]]],
    found: dict[str, Enrichment],
    rules: Rules,
    background: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[int, dict[str, str]]:
    """Each day's article id -> story id, streamed in arrival order through a fresh index
    that first holds the ``background`` articles (other news of the window, not scored)."""
    prefilled = _holding(StoryIndex({}, rules), background, 0)
    out: dict[int, dict[str, str]] = {}
    for day, rows in days.items():
        index = StoryIndex(copy.deepcopy(prefilled._table), rules)
        index.articles = prefilled.articles
        index.term_df = copy.copy(prefilled.term_df)
        # the background is from the same window
        out[day] = {r["id"]: _assign(index, i, r, found, 1 + i) for i, r in enumerate(rows)}
    return out


def _holding(index: StoryIndex, background: list[dict[str, Any]], now: float) -> StoryIndex:
    """``index`` once it holds the background articles, each given its story at ``now``."""
    for i, r in enumerate(background):
        sig = signature("", r["text"], r["enrichment"], SHINGLE_WORDS)
        index.confirm(i, r["id"], index.match(r["id"], sig, now).story_id, sig, now)
    return index


def _assign(
    index: StoryIndex, owner: int, row: dict[str, Any], found: dict[str, Enrichment], now: float
) -> str:
    """The row's story, decided and confirmed as the worker does."""
    sig = signature(row.get("title", ""), row["text"], found[row["id"]].entities, SHINGLE_WORDS)
    story = index.match(row["id"], sig, now).story_id
    index.confirm(owner, row["id"], story, sig, now)
    return story


# Background records stamped in the far future never leave the window (``now - t`` < 0).
ALWAYS = 1e12


def stream(
    rows: list[dict[str, Any]],
    found: dict[str, Enrichment],
    rules: Rules,
    background: list[dict[str, Any]],
) -> dict[str, str]:
    """Article id -> story id, the rows streamed in order of their ``time`` (epoch seconds)
    through one index whose window expires them as the worker's does; the ``background``
    stays in the window throughout (the rest of the news, not scored)."""
    index = _holding(StoryIndex({}, rules), background, ALWAYS)
    assigned: dict[str, str] = {}
    for i, r in enumerate(sorted(rows, key=lambda r: r["time"])):
        asyncio.run(index.prune(r["time"]))  # the worker forgets what left the window
        assigned[r["id"]] = _assign(index, i, r, found, r["time"])
    return assigned


def window_counts(
    rows: list[dict[str, Any]], assigned: dict[str, str], window: float
) -> list[tuple[int, int, int]]:
    """Pairs of articles published within ``window`` seconds of each other (the only ones a
    story can join), counted per gold story of the earlier one (the bootstrap's unit: a
    whole-article set has few days and many stories)."""
    per_story: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for a, b in itertools.combinations(rows, 2):
        if abs(a["time"] - b["time"]) >= window:
            continue
        gold = a["story"] == b["story"]
        said = assigned[a["id"]] == assigned[b["id"]]
        c = per_story[str(min((a, b), key=lambda r: r["time"])["story"])]
        c[0] += gold and said
        c[1] += said and not gold
        c[2] += gold and not said
    return [(c[0], c[1], c[2]) for c in per_story.values()]


def counts(rows: list[dict[str, Any]], assigned: dict[str, str]) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(rows, 2):
        gold = a["story"] == b["story"]
        said = assigned[a["id"]] == assigned[b["id"]]
        tp += gold and said
        fp += said and not gold
        fn += gold and not said
    return tp, fp, fn


def score(per_day: list[tuple[int, int, int]]) -> tuple[float, float]:
    tp, fp, fn = (sum(c[i] for c in per_day) for i in range(3))
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def interval(per_day: list[tuple[int, int, int]], rounds: int = 1000) -> str:
    rng = random.Random(18)
    ps, rs = [], []
    for _ in range(rounds):
        p, r = score([rng.choice(per_day) for _ in per_day])
        ps.append(p)
        rs.append(r)
    ps.sort()
    rs.sort()
    lo, hi = int(rounds * 0.025), int(rounds * 0.975)
    return f"P [{ps[lo]:.3f}, {ps[hi]:.3f}]  R [{rs[lo]:.3f}, {rs[hi]:.3f}]"


def evaluate(
    days: dict[int, list[dict[str, Any]]],
    found: dict[str, Enrichment],
    rules: Rules,
    background: list[dict[str, Any]],
) -> list[tuple[int, int, int]]:
    if any("time" in r for rows in days.values() for r in rows):
        rows = [r for day_rows in days.values() for r in day_rows]
        return window_counts(rows, stream(rows, found, rules, background), rules.window_seconds)
    assigned = cluster(days, found, rules, background)
    return [counts(rows, assigned[day]) for day, rows in days.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", type=Path)
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/stories_enrichment.jsonl"))
    parser.add_argument("--grid", action="store_true", help="score a grid of rules")
    parser.add_argument("--name-threshold", type=float, default=Rules.name_threshold)
    parser.add_argument("--min-shared-names", type=int, default=Rules.min_shared_names)
    parser.add_argument("--text-threshold", type=float, default=Rules.text_threshold)
    parser.add_argument(
        "--rule",
        choices=["names", "words", "both"],
        default="words",
        help="which rule joins reports of one story besides the text rule (the default: "
        "words; --grid: its grid)",
    )
    parser.add_argument("--words-threshold", type=float, default=Rules.words_threshold)
    parser.add_argument(
        "--background",
        type=int,
        default=0,
        help="put the first N POLUSA documents of NewsMTSC (by id) in each day's index "
        "first: the rest of the window's news, not scored",
    )
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.set.read_text().splitlines()]
    others = polusa(args.background)
    found = enrichments([*rows, *others], args.cache)
    background = [{**r, "enrichment": found[r["id"]].entities} for r in others]
    days: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if args.split == "all" or half(r["story"]) == args.split:
            days[r["day"]].append(r)
    stories = {r["story"] for rs in days.values() for r in rs}
    docs = sum(len(rs) for rs in days.values())
    all_rows = [r for rs in days.values() for r in rs]
    timed = any("time" in r for r in all_rows)
    if timed:  # whole articles with times: the pairs a story's window can join
        one = {r["id"]: "one" for r in all_rows}  # one story for all: every pair is tp or fp
        in_window = sum(c[0] + c[1] for c in window_counts(all_rows, one, Rules().window_seconds))
        truth = {r["id"]: str(r["story"]) for r in all_rows}
        pairs = window_counts(all_rows, truth, Rules().window_seconds)
    else:
        pairs = [counts(rs, {r["id"]: str(r["story"]) for r in rs}) for rs in days.values()]
    span = f"{in_window} pairs within the window" if timed else f"{len(days)} days"
    print(
        f"{args.split}: {docs} documents, {len(stories)} stories, {span}, "
        f"{sum(p[0] for p in pairs)} same-story pairs"
    )
    by_names, by_words = args.rule in ("names", "both"), args.rule in ("words", "both")
    chosen = Rules(
        text_threshold=args.text_threshold,
        join_by_names=by_names,
        name_threshold=args.name_threshold,
        min_shared_names=args.min_shared_names,
        join_by_words=by_words,
        words_threshold=args.words_threshold,
    )
    grid = [chosen]
    if args.grid and by_names:
        grid = [
            replace(chosen, name_threshold=t, min_shared_names=k)
            for k in (1, 2, 3)
            for t in (6.0, 8.0, 10.0, 12.0, 14.0, 16.0)
        ]
    elif args.grid:
        # One threshold for whole and short articles alike: the grid the defaults came from.
        grid = [
            replace(chosen, words_threshold=t, short_words_threshold=t)
            for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
        ]
    for rules in grid:
        per_day = evaluate(days, found, rules, background)
        p, r = score(per_day)
        names = (
            f"names: {rules.min_shared_names} at {rules.name_threshold:g}"
            if rules.join_by_names
            else "names: off"
        )
        words = (
            f"words: {rules.words_threshold:g} (short: {rules.short_words_threshold:g})"
            if rules.join_by_words
            else "words: off"
        )
        print(
            f"{names}, {words}, text_threshold={rules.text_threshold:g}: "
            f"P {p:.3f} R {r:.3f}  {interval(per_day)}"
        )


if __name__ == "__main__":
    main()
