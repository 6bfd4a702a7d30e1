"""Enrichment CPU per article of two checkouts and of bare spaCy, measured in one run.

Three long-lived processes each load their model once: the enricher of checkout A, the
enricher of checkout B, and one bare ``spacy.load`` model (every default component, called
on the title and on the body, as :mod:`pipeline.tools.bench_bare` does; also ``nlp.pipe``
over all the texts at the end). The articles of ``newsflow bench``'s default corpus go to
them one at a time, in an order that rotates per article, so that the load of a shared
machine falls on all three alike. Each process reports its own CPU time (user + system,
``time.process_time``) per article, the enrichment including its JSON serialisation.

    git archive main | tar -x -C /tmp/base
    .venv/bin/python scripts/enrich_ab.py --a /tmp/base --b . [--articles 200]

A checkout is a directory holding the ``pipeline`` package; it is put first on the child's
``PYTHONPATH``, the rest (spaCy, the model) comes from this interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.tools.bench import ARTICLES, SEED
from pipeline.tools.bench_corpus import bench_corpus

_ENRICHER = """
import json, sys, time
from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.models import RawArticle
enricher = Enricher(EnrichSettings())
enricher.enrich(RawArticle(id="warm", body="A warm-up sentence, said Jane Doe on Monday."))
print("ready", flush=True)
for line in sys.stdin:
    article = RawArticle.model_validate_json(line)
    started = time.process_time()
    enricher.enrich(article).model_dump_json()
    print(time.process_time() - started, flush=True)
"""

_BARE = """
import json, sys, time
import spacy
from pipeline.config import EnrichSettings
nlp = spacy.load(EnrichSettings().model)
nlp("A warm-up sentence from Washington, said Jane Doe on Monday.")
print("ready", flush=True)
texts = []
for line in sys.stdin:
    if line.strip() == "pipe":
        started = time.process_time()
        for _ in nlp.pipe(texts):
            pass
        print(time.process_time() - started, flush=True)
        continue
    article = json.loads(line)
    started = time.process_time()
    for text in (article["title"], article["body"]):
        if text.strip():
            texts.append(text)
            nlp(text)
    print(time.process_time() - started, flush=True)
"""


# Each child names the package it runs on stderr, so that a run shows what it compared.
_WHERE = """
import sys
import pipeline
print("measuring", pipeline.__file__, file=sys.stderr, flush=True)
"""


def _start(code: str, checkout: Path | None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(checkout.resolve()), env.get("PYTHONPATH", "")])
    # ``python -c`` puts its working directory first on the path: the checkout's own.
    child = subprocess.Popen(
        [sys.executable, "-c", _WHERE + code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env=env, cwd=checkout,
    )  # fmt: skip
    assert child.stdout is not None
    if child.stdout.readline().strip() != "ready":
        raise SystemExit("a measuring process did not start")
    return child


def _ask(child: subprocess.Popen[str], line: str) -> float:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(line + "\n")
    child.stdin.flush()
    return float(child.stdout.readline())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="checkout A (e.g. main)")
    parser.add_argument("--b", type=Path, required=True, help="checkout B (e.g. this branch)")
    parser.add_argument("--articles", type=int, default=ARTICLES)
    args = parser.parse_args()
    articles = bench_corpus(args.articles, SEED)[0]
    names = ("A", "B", "bare")
    children = [_start(_ENRICHER, args.a), _start(_ENRICHER, args.b), _start(_BARE, None)]
    cpu = dict.fromkeys(names, 0.0)
    for i, article in enumerate(articles):
        line = article.model_dump_json()
        for k in range(3):
            which = (i + k) % 3
            cpu[names[which]] += _ask(children[which], line)
    pipe = _ask(children[2], "pipe")
    for child in children:
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
    n = len(articles)
    result = {
        "articles": n,
        "cpu_ms_per_article": {k: round(v / n * 1000, 1) for k, v in cpu.items()},
        "bare_pipe_cpu_ms_per_article": round(pipe / n * 1000, 1),
        "A_over_bare": round(cpu["A"] / cpu["bare"], 3),
        "B_over_bare": round(cpu["B"] / cpu["bare"], 3),
        "A_over_bare_pipe": round(cpu["A"] / pipe, 3),
        "B_over_bare_pipe": round(cpu["B"] / pipe, 3),
        "B_over_A": round(cpu["B"] / cpu["A"], 3),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
