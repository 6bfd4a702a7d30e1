#!/usr/bin/env python3
"""Draw the stance precision-recall curve and reliability diagram from `newsflow eval --json`.

  newsflow eval tests/data/gold/stance_test.jsonl --json > /tmp/eval.json
  python scripts/stance_curve.py /tmp/eval.json docs/stance_curve.png

Needs matplotlib (in the dev extra).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main(report_path: Path, out: Path) -> None:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    curve = [p for p in report["curve"] if p["tags"]]  # no tags: no precision to draw
    bins = report["reliability"]
    threshold = report["stance_threshold"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=110)
    left.plot([p["recall"] for p in curve], [p["precision"] for p in curve], marker="o", ms=3)
    for p in curve:
        if abs(p["threshold"] - threshold) < 1e-9:
            left.scatter([p["recall"]], [p["precision"]], color="red", zorder=3)
            left.annotate(
                f"default {threshold:.2f}",
                (p["recall"], p["precision"]),
                textcoords="offset points",
                xytext=(8, -12),
            )
    left.set(xlabel="recall", ylabel="precision", xlim=(0, 0.5), ylim=(0, 1.02))
    left.set_title("Stance tags by confidence threshold")
    left.grid(alpha=0.3)
    mids = [(b["low"] + b["high"]) / 2 for b in bins]
    right.bar(mids, [b["correct"] / b["tags"] for b in bins], width=0.09, alpha=0.7)
    right.plot([0, 1], [0, 1], ls="--", color="grey")
    for m, b in zip(mids, bins, strict=True):
        right.annotate(str(b["tags"]), (m, b["correct"] / b["tags"] + 0.02), ha="center", size=7)
    right.set(xlabel="confidence", ylabel="share of tags that are right", xlim=(0, 1), ylim=(0, 1))
    right.set_title("Reliability (tags per bin above bars)")
    fig.suptitle(f"{report['dataset']}: {report['documents']} documents, real news")
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
