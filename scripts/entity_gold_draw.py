"""Draw the texts of the entity gold set and derive its all-caps, dateline and results parts.

    python scripts/entity_gold_draw.py draw     # prose + headlines, gold left empty
    python scripts/entity_gold_draw.py derive   # caps, datelines, results from the above

``draw`` samples NewsMTSC's training split with a fixed seed: 160 prose sentences (ending in
a full stop, from articles not in the stance gold set, one sentence per article) and 60
Title-Case sentences without a final stop (headlines; the stance-free articles hold only 38,
so headlines come from the whole split). The gold entities are then written by hand
(docs/entity-annotation.md). ``derive`` builds the rest from the annotated files:

* caps: the headlines upper-cased, same gold;
* datelines: each prose sentence that names a place (a GPE of its gold made of letters and
  spaces, not a bare "US"), prefixed with "<PLACE> (AP) — "; gold = the sentence's gold plus
  AP (ORG). The datelines are built by us; the text after them is real;
* results: every match line of the openfootball excerpts in tests/data/langid/ (teams are
  ORG; a venue's city is GPE; the venue itself is a facility, outside the label set).
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWSMTSC = ROOT.parent / "shared/data/newsmtsc/train.jsonl"
STANCE_GOLD = ROOT.parent / "wt12/tests/data/gold"
GOLD = ROOT / "tests/data/gold"
LANGID = ROOT / "tests/data/langid"
SEED = 12
_SMALL = frozenset(
    {
        "a", "an", "the", "of", "in", "on", "for", "to", "and", "or", "but", "at", "by", "with",
        "as", "from", "is", "vs", "via", "over", "into",
    }
)  # fmt: skip


def _article(gid: str) -> str:
    return "_".join(gid.split("_")[:3])


def is_headline(text: str) -> bool:
    """Title Case (every word but small function words capitalised), no final full stop."""
    text = text.strip()
    if text.endswith((".", '."')):
        return False
    words = re.findall(r"[A-Za-z][\w'\u2019-]*", text)
    big = [w for w in words if w.lower() not in _SMALL]
    return len(words) >= 4 and all(w[0].isupper() for w in big)


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")


def draw() -> None:
    stance_ids = {
        json.loads(line)["id"].split(":", 1)[1]
        for f in sorted(STANCE_GOLD.glob("stance_*.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    rows = [json.loads(line) for line in NEWSMTSC.open(encoding="utf-8")]
    rng = random.Random(SEED)
    heads = sorted(
        {r["sentence_normalized"].strip() for r in rows if is_headline(r["sentence_normalized"])}
    )
    rng.shuffle(heads)
    headline_rows = [
        {"id": f"head{i:03d}", "title": t, "body": "", "gold": {"entities": []}}
        for i, t in enumerate(sorted(heads[:60]))
    ]
    pool = [
        r
        for r in rows
        if _article(r["primary_gid"]) not in stance_ids
        and r["sentence_normalized"].strip().endswith(".")
    ]
    pool.sort(key=lambda r: r["primary_gid"])
    rng.shuffle(pool)
    seen: set[str] = set()
    prose_rows: list[dict[str, object]] = []
    for r in pool:
        art = _article(r["primary_gid"])
        if art in seen:
            continue
        seen.add(art)
        prose_rows.append(
            {
                "id": f"newsmtsc:{r['primary_gid']}",
                "title": "",
                "body": r["sentence_normalized"],
                "gold": {"entities": []},
            }
        )
        if len(prose_rows) == 160:
            break
    _write(GOLD / "entities_prose.jsonl", prose_rows)
    _write(GOLD / "entities_headlines.jsonl", headline_rows)


def _load(name: str) -> list[dict]:
    path = GOLD / f"entities_{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


_SCORE = re.compile(r"\s(\d+-\d+)(?:\s+a\.e\.t\.)?(?:\s+\(\d+-\d+\))?\s")
_GROUP = re.compile(r"^Group \d+\s+\|\s+(.*)$")


def _results() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in sorted(LANGID.glob("openfootball_*.txt")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            group = _GROUP.match(line)
            if group is not None:  # a table row: four teams separated by 2+ spaces
                teams = [{"name": t, "label": "ORG"} for t in re.split(r"\s{2,}", group[1])]
                rows.append(
                    {
                        "id": f"{path.stem}:{n}",
                        "title": "",
                        "body": line,
                        "gold": {"entities": teams},
                    }
                )
                continue
            match = _SCORE.search(line)
            if match is None:
                continue
            text = line.strip()
            left = re.sub(
                r"^(?:\(\d+\)\s+)?(?:\d+ \w+\s+)?(?:\d\d:\d\d\s+)?",
                "",
                line[: match.start()].strip(),
            )
            right, _, venue = line[match.end() :].partition("@")
            ents = [{"name": left.strip(), "label": "ORG"}, {"name": right.strip(), "label": "ORG"}]
            city = venue.rpartition(",")[2].strip()
            if city:
                ents.append({"name": city, "label": "GPE"})
            rows.append(
                {"id": f"{path.stem}:{n}", "title": "", "body": text, "gold": {"entities": ents}}
            )
    return rows


def derive() -> None:
    heads = _load("headlines")
    _write(
        GOLD / "entities_caps.jsonl",
        [{**h, "id": f"caps{h['id'][4:]}", "title": str(h["title"]).upper()} for h in heads],
    )
    datelines: list[dict[str, object]] = []
    for doc in _load("prose"):
        body = str(doc["body"])
        places = [
            e["name"]
            for e in doc["gold"]["entities"]
            if e["label"] == "GPE"
            and re.fullmatch(r"[A-Za-z ]+", e["name"])
            and e["name"] not in {"US", "America"}
            and e["name"] in body
        ]
        if not places:
            continue
        ents = [*doc["gold"]["entities"], {"name": "AP", "label": "ORG"}]
        datelines.append(
            {
                "id": f"dateline:{doc['id']}",
                "title": "",
                "body": f"{places[0].upper()} (AP) \u2014 {body}",
                "gold": {"entities": ents},
            }
        )
    _write(GOLD / "entities_datelines.jsonl", datelines)
    _write(GOLD / "entities_results.jsonl", _results())


if __name__ == "__main__":
    {"draw": draw, "derive": derive}[sys.argv[1]]()
