#!/usr/bin/env python3
"""Build the stance gold set from NewsMTSC (see docs/annotation.md).

  gold.py sample OUT_DIR     draw the documents to annotate (fixed seed, batches of 400)
  gold.py merge ANN... OUT   check annotation files of batches 1-4 and write
                             stance_dev/test.jsonl to OUT
  gold.py train ANN... OUT   batches 5 and later: training documents only, stance_train.jsonl
  gold.py append ANN... FILE more training batches appended to FILE (stance_train.jsonl);
                             a document already in it is an error

Documents are all sentences NewsMTSC keeps from one article, in article order. The split
is by a hash of the document id, so it does not depend on annotation order.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared/data/newsmtsc/train.jsonl"
SEED = 20261129
BATCHES, BATCH_SIZE = 14, 400  # 5,444 documents: the last batch holds 244


def documents(data: Path) -> dict[str, list[str]]:
    by_article: dict[str, dict[int, str]] = defaultdict(dict)
    for line in data.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        parts = row["primary_gid"].split("_")
        by_article["_".join(parts[:3])][int(parts[3])] = row["sentence_normalized"]
    return {k: [v[i] for i in sorted(v)] for k, v in by_article.items()}


def sample(out: Path, data: Path = DATA) -> None:
    docs = documents(data)
    keys = sorted(docs)
    random.Random(SEED).shuffle(keys)
    out.mkdir(parents=True, exist_ok=True)
    for b in range(BATCHES):
        with (out / f"batch_{b + 1}.jsonl").open("w", encoding="utf-8") as f:
            for k in keys[b * BATCH_SIZE : (b + 1) * BATCH_SIZE]:
                f.write(json.dumps({"id": "newsmtsc:" + k, "sentences": docs[k]}) + "\n")


def is_test(doc_id: str) -> bool:
    return hashlib.sha256(doc_id.encode()).digest()[0] % 2 == 0


def gold_doc(doc: dict, ann: dict) -> dict:
    sentences: list[str] = doc["sentences"]
    body = " ".join(sentences)
    starts, at = [], 0
    for s in sentences:
        starts.append(at)
        at += len(s) + 1
    stances, seen = [], set()
    for t in ann["tags"]:
        i = int(t["sentence"])
        if t["stance"] not in {"favor", "against"}:
            raise ValueError(f"{doc['id']}: stance {t['stance']!r}")
        if t["target"] not in body:
            raise ValueError(f"{doc['id']}: target {t['target']!r} not in the body")
        key = (t["holder"], t["target"])
        if key in seen:
            continue
        seen.add(key)
        stances.append(
            {
                "holder": t["holder"],
                "target": t["target"],
                "stance": t["stance"],
                "evidence": sentences[i],
                "evidence_start": starts[i],
                "evidence_end": starts[i] + len(sentences[i]),
                "cue": t.get("cue", "other"),
                "holder_in_sentence": bool(t.get("holder_in_sentence", True)),
            }
        )
    return {"id": doc["id"], "title": "", "body": body, "gold": {"stances": stances}}


def _load(ann_path: Path) -> list[dict]:
    batch_path = ann_path.with_name(ann_path.name.replace("ann_", "batch_"))
    docs = [json.loads(x) for x in batch_path.read_text().splitlines() if x.strip()]
    anns = [json.loads(x) for x in ann_path.read_text().splitlines() if x.strip()]
    by_id = {a["id"]: a for a in anns}
    return [gold_doc(d, by_id[d["id"]]) for d in docs if d["id"] in by_id]


def _write(out: Path, name: str, rows: list[dict]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / name).open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tags = sum(len(r["gold"]["stances"]) for r in rows)
    print(f"{name}: {len(rows)} documents, {tags} tags")


def train_part(batches: list[Path], out: Path) -> None:
    _write(out, "stance_train.jsonl", [g for b in batches for g in _load(b)])


def append(batches: list[Path], file: Path) -> None:
    """Training batches annotated after ``file`` was written, added to its end."""
    have = {json.loads(x)["id"] for x in file.read_text(encoding="utf-8").splitlines() if x}
    rows = [g for b in batches for g in _load(b)]
    again = [g["id"] for g in rows if g["id"] in have]
    if again:
        raise ValueError(f"{len(again)} documents are already in {file}, e.g. {again[0]}")
    with file.open("a", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tags = sum(len(r["gold"]["stances"]) for r in rows)
    print(f"{file.name}: {len(rows)} documents, {tags} tags appended")


def merge(batches: list[Path], out: Path) -> None:
    docs = [g for b in batches for g in _load(b)]
    _write(out, "stance_dev.jsonl", [g for g in docs if not is_test(g["id"])])
    _write(out, "stance_test.jsonl", [g for g in docs if is_test(g["id"])])


if __name__ == "__main__":
    if sys.argv[1] == "sample":
        sample(Path(sys.argv[2]))
    elif sys.argv[1] == "train":
        train_part([Path(p) for p in sys.argv[2:-1]], Path(sys.argv[-1]))
    elif sys.argv[1] == "append":
        append([Path(p) for p in sys.argv[2:-1]], Path(sys.argv[-1]))
    else:
        merge([Path(p) for p in sys.argv[2:-1]], Path(sys.argv[-1]))
