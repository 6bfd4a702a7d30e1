"""One bare spaCy process: the reference ``newsflow bench`` compares the pipeline with.

The configured model loaded whole (``spacy.load``, every component), ``nlp.pipe`` over each
article's title and body, in one process of its own — what a user gets from the model alone
on one core. Model loading and a warm-up call are not timed.

The bench runs ``python -m pipeline.tools.bench_bare MODEL`` with the texts as a JSON list on
stdin; it prints ``{"texts": n, "seconds": wall, "cpu_seconds": cpu}`` on stdout, CPU being
this process's user + system time, all threads included.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from pipeline.errors import BenchError
from pipeline.models import RawArticle
from pipeline.tools.bench_report import Bare

TIMEOUT_SECONDS = 1800.0


def measure_bare(model: str, articles: list[RawArticle]) -> Bare:
    """Run the bare process on ``articles`` and return its rate and CPU."""
    texts = [text for a in articles for text in (a.title, a.body) if text.strip()]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.tools.bench_bare", model],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"bare spaCy run took over {TIMEOUT_SECONDS:.0f}s") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"bare spaCy run failed (exit {done.returncode}): {last}")
    result = json.loads(done.stdout)
    return Bare(len(articles), result["seconds"], result["cpu_seconds"])


def main(argv: list[str]) -> int:
    import spacy

    if len(argv) != 1:
        print("usage: python -m pipeline.tools.bench_bare MODEL < texts.json", file=sys.stderr)
        return 2
    texts = json.loads(sys.stdin.read())
    nlp = spacy.load(argv[0])
    nlp("A warm-up sentence from Washington, said Jane Doe on Monday.")
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(texts):
        pass
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"texts": len(texts), "seconds": wall, "cpu_seconds": cpu}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
