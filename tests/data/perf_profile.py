"""Profile the Enricher with py-spy and say where the time goes.

    py-spy record -r 250 -f raw -o /tmp/enrich.txt -- python tests/data/perf_profile.py run 50
    python tests/data/perf_profile.py summarise /tmp/enrich.txt

``run`` enriches N corpus articles in this process (model loading is excluded by reporting
only samples under ``Enricher.enrich``); ``summarise`` reads py-spy's collapsed stacks and
splits the samples by what they are inside (spaCy component, our modules, VADER, pydantic).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

# Frames are scanned from the innermost outwards; the first that matches a rule decides, so
# thinc's layers count for the component that called them.
BUCKETS = (
    ("spacy tok2vec", ("spacy/pipeline/tok2vec.py",)),
    # parser and ner run in Cython (invisible to py-spy); their thinc models are not.
    ("spacy parser + ner models", ("spacy/ml/tb_framework.py",)),
    ("spacy attribute_ruler", ("attributeruler.py",)),
    ("spacy lemmatizer", ("spacy/pipeline/lemmatizer.py",)),
    ("VADER tone", ("vaderSentiment",)),
    ("pipeline/enrich stance", ("enrich/frames.py", "enrich/holders.py", "enrich/stance.py")),
    (
        "pipeline/enrich entities",
        ("enrich/mentions.py", "enrich/entities.py", "enrich/gazetteer.py"),
    ),
    ("pydantic", ("pydantic",)),
    ("spacy other (Cython parse/ner steps, tokenizer)", ("spacy/",)),
)


def bucket(stack: str) -> str:
    """The innermost frame that matches a rule decides (frames are outer;inner)."""
    for frame in reversed(stack.split(";")):
        for name, needles in BUCKETS:
            if any(needle in frame for needle in needles):
                return name
    return "other (our glue, Python)"


def summarise(path: Path) -> None:
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if "enrich (pipeline/enrich/enricher.py" not in stack:
            continue  # model loading and the script itself
        counts[bucket(stack)] += int(samples)
    total = sum(counts.values())
    print(f"{total} samples under Enricher.enrich")
    for name, count in counts.most_common():
        print(f"  {name:<48} {count / total * 100:5.1f} %")


def run(n: int) -> None:
    from pipeline.config import EnrichSettings
    from pipeline.enrich import Enricher
    from pipeline.tools.corpus import generate

    enricher = Enricher(EnrichSettings())
    for article in generate(n, seed=7):
        enricher.enrich(article)


if __name__ == "__main__":
    if sys.argv[1:2] == ["summarise"]:
        summarise(Path(sys.argv[2]))
    else:
        run(int(sys.argv[2]) if len(sys.argv) > 2 else 50)
