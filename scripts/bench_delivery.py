"""Throughput, p99 latency and CPU per kind of one checkout's worker, on the bench's articles.

`newsflow bench` of older checkouts has no ``--corpus`` and its own corpus, so comparing two
delivery paths with their own benches compares different articles. This driver runs the
``newsflow worker`` of ANY checkout (``--checkout``, with its own ``.venv``) against this
checkout's bench machinery: the same real-news corpus (seed 7), the same burst-throughput
window (first consumed article to last enriched event), the same paced latency phase at a
fixed offered rate (so both checkouts see the same load), and the same CPU accounting per
process kind. One worker × ``--processes`` NLP processes, the worker's default settings.

With ``--stub-seconds S`` the worker's NLP pool is replaced by one fixed stand-in (the same
code for every checkout, built from the checkout's own models): each article takes S seconds
(asleep, so the loop is free meanwhile, as with the real pool) and gets the same 20 entities
and 4 stance tags (25 output events, about what a real article makes), so two checkouts differ
only in what they do around the enrichment — parsing, de-duplication and delivery — and the
delivery's own cost is not hidden behind spaCy's.
``--processes`` then sets only the worker's slots (articles at once).
With ``--replay DUMP`` as well (``scripts/enrich_dump.py --only bench`` of the same number of
articles), the stand-in answers each article with its real enrichment from the dump, and the
story MinHash its NLP process would have sent (computed here, before the workers start), so the
worker's loop does all it does for real articles — entities, stance tags, stories, trends — and
only the NLP processes' CPU is left out.

    flock /work/it.lock python scripts/bench_delivery.py --checkout ../old --out old.json

Needs a running broker (``newsflow kafka start``); its topics are deleted at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

from pipeline.config import load_settings
from pipeline.kafka.topics import ensure_topics
from pipeline.models import RawArticle
from pipeline.stories.assign import SHINGLE_WORDS
from pipeline.stories.signature import minhash
from pipeline.tools import bench, bench_proc
from pipeline.tools.bench_report import Figures, Shape, _cpu_json, load_average
from pipeline.tools.bench_workers import WorkerGroup, say

# Run by each worker (``python -c``, in its checkout) when ``--stub-seconds`` is given: the
# checkout's own CLI, with its NLP pool replaced by the stand-in.
STUB_WORKER = """
import asyncio, json, sys
from pipeline import models
from pipeline.cli import main
import pipeline.worker.runner as runner

SECONDS = float(sys.argv[1])
REPLAY = json.loads(open(sys.argv[2]).read()) if len(sys.argv) > 2 else {}  # body -> answer
PROFILE = sys.argv[3] if len(sys.argv) > 3 else None  # where a cProfile of the worker goes
NAMES = [f"Entity {i}" for i in range(20)]


def _enrichment():
    tag = {"holder": NAMES[0], "target": "ceasefire", "target_text": "the ceasefire",
           "target_kind": "phrase", "stance": "favor", "confidence": 0.6, "predicate": "back",
           "evidence": {"text": "Entity 0 backs the ceasefire.", "start": 0, "end": 29}}
    if "target_text" not in models.StanceTag.model_fields:
        del tag["target_text"]
    return models.Enrichment.model_validate({
        "entities": [{"name": n, "label": "PERSON", "count": 1, "salience": 0.5,
                      "mentions": [{"text": n, "start": 0, "end": len(n)}]} for n in NAMES],
        "stances": [{**tag, "holder": n} for n in NAMES[:4]],
        "tone": {"compound": 0.1, "positive": 0.2, "negative": 0.1, "neutral": 0.7},
    })


class StubPool:
    model_name, model_version, on_restart = "stub", "0", None

    def __init__(self, *args, **kwargs):
        self.enrichment = _enrichment()

    def start(self):
        pass

    def close(self):
        pass

    async def enrich(self, article):
        await asyncio.sleep(SECONDS)
        found = REPLAY.get(article.body)
        enrichment, minhash = self.enrichment, None
        if found is not None:  # validated from JSON on the loop, as the pool's answer is
            enrichment = models.Enrichment.model_validate_json(found["e"])
            minhash = tuple(found["m"])
        if hasattr(models, "Enriched"):  # the pool's result carries the story MinHash
            return models.Enriched(enrichment, {"total": SECONDS}, minhash)
        return enrichment, {"total": SECONDS}


runner.EnrichPool = StubPool
if PROFILE:  # the event loop's thread only (cProfile does not follow Faust's consumer thread)
    import atexit, cProfile, os, threading, time
    profile = cProfile.Profile(time.thread_time)  # CPU time of the loop's thread

    def _threads():
        # Each thread's CPU seconds (user, system) since it started, by Python thread name.
        names = {t.native_id: t.name for t in threading.enumerate()}
        tick = os.sysconf("SC_CLK_TCK")
        with open(PROFILE + ".threads", "w") as out:
            for tid in os.listdir("/proc/self/task"):
                with open(f"/proc/self/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                name = names.get(int(tid), "?")
                out.write(f"{tid} {name} {int(fields[11]) / tick} {int(fields[12]) / tick}\\n")

    atexit.register(lambda: (profile.disable(), profile.dump_stats(PROFILE), _threads()))
    profile.enable()
sys.exit(main(["worker"]))
"""


class CheckoutWorkers(WorkerGroup):
    """The bench's worker group, each worker started from another checkout's venv."""

    checkout: Path
    metrics_ports: list[int]
    stub_seconds: float | None
    replay: Path | None
    profile: Path | None

    def _env(self, index: int, workdir: Path) -> dict[str, str]:
        env = super()._env(index, workdir)
        self.metrics_ports.append(int(env["NEWSFLOW_METRICS_PORT"]))
        return env

    def transactions(self) -> float | None:
        """Committed output transactions so far (None: the checkout has no such counter)."""
        total, found = 0.0, False
        for port in self.metrics_ports:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith('newsflow_transactions_total{outcome="committed"}'):
                        total += float(line.split()[-1])
                        found = True
        return total if found else None

    def __enter__(self) -> CheckoutWorkers:
        python = str(self.checkout / ".venv" / "bin" / "python")
        command = [python, "-m", "pipeline.cli", "worker"]
        if self.stub_seconds is not None:
            command = [python, "-c", STUB_WORKER, str(self.stub_seconds)]
            if self.replay is not None:
                command.append(str(self.replay))
                if self.profile is not None:
                    command.append(str(self.profile))
        for index, log in enumerate(self.logs):
            with open(log, "ab") as out:
                self.procs.append(
                    subprocess.Popen(
                        command,
                        env=self._env(index, log.parent),
                        cwd=self.checkout,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        return self


def _replay(dump: Path, corpus: list[RawArticle]) -> dict[str, dict[str, object]]:
    """Body -> the dump's enrichment (JSON) and the story MinHash, for the corpus' articles."""
    found = {}
    for line in dump.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found[row["id"]] = json.dumps(row["enrichment"])
    missing = [a.id for a in corpus if a.id not in found]
    if missing:
        raise SystemExit(f"{dump}: no enrichment for {len(missing)} articles ({missing[0]}, …)")
    return {
        a.body: {"e": found[a.id], "m": list(minhash(a.title, a.body, SHINGLE_WORDS))}
        for a in corpus
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=bench.ARTICLES)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rate", type=float, default=3.0, help="latency phase, articles/s")
    parser.add_argument("--latency-seconds", type=float, default=60.0)
    parser.add_argument("--stub-seconds", type=float, default=None,
                        help="a fixed stand-in enricher taking this long per article")  # fmt: skip
    parser.add_argument("--replay", type=Path, default=None,
                        help="with --stub-seconds: answer with the enrichments of this "
                             "enrich_dump.py --only bench file")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cprofile", type=Path, default=None,
                        help="with --replay: a cProfile of the worker's event loop, written "
                             "when it stops")  # fmt: skip
    args = parser.parse_args()
    settings = load_settings()
    corpus, kind = bench.corpus_for(args.articles, False, None)
    run = f"bench-{uuid.uuid4().hex[:8]}"
    broker = bench._broker_pid(settings)
    fig = Figures(conditions={"checkout": str(args.checkout), "corpus": kind,
                              "stub_seconds": args.stub_seconds,
                              "replay": str(args.replay) if args.replay else None,
                              "load_before": load_average()})  # fmt: skip
    meter = bench.Meter(fig, broker, bench_proc.Census(os.getpid(), broker))
    meter.census.read(bench_proc.processes())
    started = time.monotonic()
    session = bench._isolated(settings, f"{run}-s0", settings.topics.partitions)
    workdir = Path(f"/tmp/{run}")
    workdir.mkdir()
    try:
        ensure_topics(session)
        CheckoutWorkers.checkout = args.checkout.resolve()
        CheckoutWorkers.metrics_ports = []
        CheckoutWorkers.stub_seconds = args.stub_seconds
        CheckoutWorkers.replay = None
        CheckoutWorkers.profile = args.cprofile.resolve() if args.cprofile else None
        if args.replay is not None:
            CheckoutWorkers.replay = workdir / "replay.json"
            CheckoutWorkers.replay.write_text(json.dumps(_replay(args.replay, corpus)))
        with CheckoutWorkers(session, Shape(1, args.processes), workdir) as group:
            group.wait_ready()
            counted = [group.transactions()]
            throughput = bench._throughput(session, group, meter, corpus, "1x2t")
            counted.append(group.transactions())
            latency = bench._latency(session, group, meter, corpus, args.rate,
                                     args.latency_seconds)  # fmt: skip
            counted.append(group.transactions())
            memory = group.memory()
            rebalances = group.rebalances
    finally:
        bench._delete_topics(settings, run)
    meter.census.read(bench_proc.processes())
    counts = [c for c in counted if c is not None]
    result = {
        **fig.conditions,
        "load_after": load_average(),
        "others": meter.census.busiest(time.monotonic() - started),
        "articles": throughput.articles,
        "articles_per_second": throughput.articles_per_second,
        "latency": vars(latency),
        "cpu": [_cpu_json(c) for c in fig.cpu],
        "peak_rss_bytes": [m.total_bytes for m in memory],
        "rebalances": rebalances,
        # committed transactions in the throughput and the latency window
        "transactions": [b - a for a, b in itertools.pairwise(counts)]
        if len(counts) == len(counted)
        else None,
    }
    args.out.write_text(json.dumps(result, indent=2))
    say(f"{args.checkout}: {throughput.articles_per_second:.2f} articles/s, "
        f"p99 {latency.p99:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
