"""The figures ``newsflow bench`` measures, the issue's goals, and how they are printed.

Nothing here touches Kafka: :mod:`pipeline.tools.bench` measures, this module reads ``/proc``
and worker logs, computes percentiles and judges the figures against the goals.
"""

from __future__ import annotations

import math
import os
import platform
import re
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.config import Settings
from pipeline.models import RawArticle
from pipeline.tools.bench_proc import KINDS, CpuUse, Memory
from pipeline.tools.bench_steps import StepCost

# Group-membership trouble in aiokafka / Faust worker logs. Counted only inside measurement
# windows: the joins before a window are how a group forms, not disturbances.
REBALANCE_LINE = re.compile(
    r"rebalanc|heartbeat failed|heartbeat session expired|revoking previously assigned", re.I
)

# The goals ``newsflow bench`` judges (issue 17, "As fast as the cores allow on real news").
GOAL_BARE_RATIO = 1.5  # pipeline ÷ one bare spaCy process, on 2 cores …
AIM_BARE_RATIO = 1.8  # … and what we aim for
GOAL_CPU_RATIO = 0.8  # enrichment CPU per article ÷ bare spaCy CPU per article
GOAL_OVERHEAD_CORES = 0.15  # worker loop + broker …
OVERHEAD_RATE = 15.0  # … at this many articles/s (from their CPU per article)
GOAL_P99_FACTOR = 3.0
GOAL_RSS_BYTES = 700 * 1024 * 1024


@dataclass(frozen=True)
class Shape:
    """W worker processes, each with a pool of P NLP processes."""

    workers: int
    processes: int

    @property
    def label(self) -> str:
        return f"{self.workers}x{self.processes}"


@dataclass(frozen=True)
class Ceiling:
    """Bare enrichment in an ``EnrichPool`` of ``processes`` children, no Kafka."""

    processes: int
    articles_per_second: float
    median_enrich_seconds: float  # one article's ``total`` timing in a child


@dataclass(frozen=True)
class Bare:
    """One bare spaCy process over the corpus (``nlp.pipe``, every component), no Kafka."""

    articles: int
    seconds: float
    cpu_seconds: float

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_article(self) -> float:
        return 1000 * self.cpu_seconds / self.articles if self.articles else 0.0


@dataclass(frozen=True)
class Throughput:
    """Pre-loaded articles through ``workers`` × ``processes``: first consumed to last out."""

    workers: int
    processes: int
    articles: int
    seconds: float

    @property
    def label(self) -> str:
        return f"{self.workers}x{self.processes}"

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Latency:
    """Raw produce timestamp → enriched event timestamp, at a steady offered rate."""

    offered_per_second: float
    seconds: float
    count: int
    p50: float
    p95: float
    p99: float
    max: float


@dataclass(frozen=True)
class Batches:
    """Requests sent to NLP processes in one window, and the articles they carried."""

    window: str
    requests: int
    articles: int

    @property
    def mean(self) -> float:
        return self.articles / self.requests if self.requests else 0.0


@dataclass
class Figures:
    conditions: dict[str, Any]
    bare: Bare | None = None
    ceilings: list[Ceiling] = field(default_factory=list)
    throughputs: list[Throughput] = field(default_factory=list)
    latency: Latency | None = None
    memory: list[Memory] = field(default_factory=list)
    rebalances: int = 0
    cpu: list[CpuUse] = field(default_factory=list)
    batches: list[Batches] = field(default_factory=list)
    steps: list[StepCost] = field(default_factory=list)  # the worker's own steps, timed alone

    @property
    def main(self) -> Throughput:
        """The configuration asked for: the first one measured."""
        return self.throughputs[0]

    def ceiling_for(self, processes: int) -> Ceiling | None:
        return next((c for c in self.ceilings if c.processes == processes), None)

    def throughput(self, label: str) -> Throughput | None:
        return next((t for t in self.throughputs if t.label == label), None)

    @property
    def ratio(self) -> float:
        """Pipeline / ceiling at the same total number of NLP processes."""
        ceiling = self.ceiling_for(self.main.workers * self.main.processes)
        return self.main.articles_per_second / ceiling.articles_per_second if ceiling else 0.0

    @property
    def bare_ratio(self) -> float:
        """Pipeline throughput ÷ one bare spaCy process."""
        if self.bare is None or self.bare.articles_per_second == 0:
            return 0.0
        return self.main.articles_per_second / self.bare.articles_per_second

    @property
    def main_cpu(self) -> CpuUse | None:
        """CPU accounting of the main pipeline window."""
        return next((c for c in self.cpu if c.window == f"pipeline {self.main.label}"), None)

    def cpu_ratio(self) -> float | None:
        """Enrichment CPU per article (the NLP processes in the main pipeline window) ÷ the
        bare process's CPU per article."""
        cpu = self.main_cpu
        if cpu is None or self.bare is None or self.bare.cpu_ms_per_article == 0:
            return None
        return cpu.ms_per_article("nlp") / self.bare.cpu_ms_per_article

    def overhead_cores(self) -> float | None:
        """Worker loop + broker cores at ``OVERHEAD_RATE`` articles/s, from their CPU per
        article in the main pipeline window."""
        cpu = self.main_cpu
        if cpu is None:
            return None
        per_article = cpu.ms_per_article("loop") + cpu.ms_per_article("broker")
        return per_article * OVERHEAD_RATE / 1000

    def scaling(self) -> dict[str, float]:
        """Throughput of each two-process design relative to one worker with one process."""
        one = self.throughput("1x1")
        if one is None or one.articles_per_second == 0:
            return {}
        return {
            f"{t.label}/1x1": t.articles_per_second / one.articles_per_second
            for t in self.throughputs
            if t.workers * t.processes == 2
        }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_of(seconds: list[float], offered: float, duration: float) -> Latency:
    return Latency(
        offered_per_second=offered,
        seconds=duration,
        count=len(seconds),
        p50=percentile(seconds, 50),
        p95=percentile(seconds, 95),
        p99=percentile(seconds, 99),
        max=max(seconds),
    )


def count_rebalances(log_text: str) -> int:
    return sum(1 for line in log_text.splitlines() if REBALANCE_LINE.search(line))


@dataclass(frozen=True)
class Goal:
    name: str
    measured: float
    goal: str
    met: bool


def goals(fig: Figures) -> list[Goal]:
    """The issue's goals judged on what was measured (a goal lacking its figure is left out)."""
    found: list[Goal] = []
    if fig.bare is not None:
        found.append(
            Goal(
                "pipeline / one bare spaCy process",
                fig.bare_ratio,
                f">= {GOAL_BARE_RATIO} (aim {AIM_BARE_RATIO})",
                fig.bare_ratio >= GOAL_BARE_RATIO,
            )
        )
    cpu_ratio = fig.cpu_ratio()
    if cpu_ratio is not None:
        found.append(
            Goal(
                "enrichment CPU / bare spaCy CPU per article",
                cpu_ratio,
                f"<= {GOAL_CPU_RATIO}",
                cpu_ratio <= GOAL_CPU_RATIO,
            )
        )
    overhead = fig.overhead_cores()
    if overhead is not None:
        found.append(
            Goal(
                f"worker loop + broker at {OVERHEAD_RATE:.0f} articles/s (cores)",
                overhead,
                f"<= {GOAL_OVERHEAD_CORES}",
                overhead <= GOAL_OVERHEAD_CORES,
            )
        )
    ceiling = fig.ceiling_for(fig.main.workers * fig.main.processes)
    if fig.latency is not None and ceiling is not None:
        bound = GOAL_P99_FACTOR * ceiling.median_enrich_seconds
        found.append(
            Goal(
                "p99 latency at half load (s)",
                fig.latency.p99,
                f"<= {bound:.3f} ({GOAL_P99_FACTOR:.0f} x median enrichment)",
                fig.latency.p99 <= bound,
            )
        )
    found.append(Goal("rebalances", fig.rebalances, "== 0", fig.rebalances == 0))
    if fig.memory:
        peak = max(m.total_bytes for m in fig.memory)
        found.append(
            Goal(
                "worker peak RSS (MB)",
                _mb(peak),
                f"<= {_mb(GOAL_RSS_BYTES):.0f}",
                peak <= GOAL_RSS_BYTES,
            )
        )
    return found


def _mb(size: float) -> float:
    return size / (1024 * 1024)


def _cpu_json(cpu: CpuUse) -> dict[str, Any]:
    return {
        "window": cpu.window,
        "seconds": cpu.seconds,
        "articles": cpu.articles,
        "cores": {k: cpu.cores(k) for k in KINDS},
        "ms_per_article": {k: cpu.ms_per_article(k) for k in KINDS},
        "broker_threads_ms_per_article": {
            k: 1000 * v / cpu.articles if cpu.articles else 0.0
            for k, v in cpu.broker_threads.items()
        },
    }


def to_json(fig: Figures) -> dict[str, Any]:
    """Machine-readable figures: rates in articles/s, times in seconds, sizes in bytes,
    CPU in cores and ms per article."""
    bare = fig.bare
    return {
        "conditions": fig.conditions,
        "bare": {
            **asdict(bare),
            "articles_per_second": bare.articles_per_second,
            "cpu_ms_per_article": bare.cpu_ms_per_article,
        }
        if bare
        else None,
        "ceiling": [asdict(c) for c in fig.ceilings],
        "pipeline": {
            **asdict(fig.main),
            "articles_per_second": fig.main.articles_per_second,
            "ratio_to_ceiling": fig.ratio,
            "ratio_to_bare": fig.bare_ratio,
            "cpu_ratio_to_bare": fig.cpu_ratio(),
            "loop_and_broker_cores_at_goal_rate": fig.overhead_cores(),
        },
        "throughput": {t.label: t.articles_per_second for t in fig.throughputs},
        "scaling": fig.scaling(),
        "latency": asdict(fig.latency) if fig.latency else None,
        "cpu": [_cpu_json(c) for c in fig.cpu],
        "steps": [asdict(s) for s in fig.steps],
        "memory": [{**asdict(m), "total_bytes": m.total_bytes} for m in fig.memory],
        "batches": [{**asdict(b), "mean": b.mean} for b in fig.batches],
        "rebalances": fig.rebalances,
        "goals": [asdict(g) for g in goals(fig)],
    }


def table(fig: Figures) -> str:
    """The figures as aligned text lines, for people."""
    c = fig.conditions
    rows = [
        f"conditions   {c['cores']} cores, load {c['load_before']} → {c['load_after']}, "
        f"{c['articles']} articles of the {c['corpus']} corpus ({c['mean_words']:.0f} words mean)",
    ]
    if c.get("warm_up"):
        w = c["warm_up"]
        designs = ", ".join(
            f"{label} {d['articles']} articles in {d['seconds']:.0f} s"
            for label, d in w["designs"].items()
        )
        rows.append(
            f"             warm-up (untimed): broker {w['broker_seconds']:.0f} s, "
            f"{w['broker_transactions']} transactions; {designs} ({w['articles']})"
        )
    if c.get("others"):
        busy = ", ".join(f"{o['process']} {o['cores']:.2f}" for o in c["others"])
        rows.append(f"             busiest other processes (cores over the run): {busy}")
    if fig.bare is not None:
        rows.append(
            f"bare spaCy   1 process: {fig.bare.articles_per_second:6.2f} articles/s, "
            f"{fig.bare.cpu_ms_per_article:.0f} ms CPU per article"
        )
    for ceiling in fig.ceilings:
        rows.append(
            f"ceiling      {ceiling.processes} process(es): {ceiling.articles_per_second:6.2f} "
            f"articles/s (median article {ceiling.median_enrich_seconds * 1000:.0f} ms)"
        )
    for t in fig.throughputs:
        rows.append(
            f"pipeline     {t.workers} worker(s) × {t.processes} process(es): "
            f"{t.articles_per_second:6.2f} articles/s ({t.articles} in {t.seconds:.1f} s)"
        )
    rows.append(f"ratio        pipeline / ceiling = {fig.ratio:.2f}")
    for name, value in fig.scaling().items():
        rows.append(f"scaling      {name} = {value:.2f}")
    if fig.latency is not None:
        lat = fig.latency
        rows.append(
            f"latency      {lat.count} articles at {lat.offered_per_second:.2f}/s for "
            f"{lat.seconds:.0f} s: p50 {lat.p50:.3f} s, p95 {lat.p95:.3f} s, "
            f"p99 {lat.p99:.3f} s, max {lat.max:.3f} s"
        )
    for cpu in fig.cpu:
        kinds = ", ".join(f"{k} {cpu.cores(k):.2f} ({cpu.ms_per_article(k):.0f} ms)" for k in KINDS)
        jvm = ", ".join(
            f"{k} {1000 * v / cpu.articles:.0f} ms" for k, v in cpu.broker_threads.items()
        )
        rows.append(
            f"cpu          {cpu.window}, {cpu.articles} articles in {cpu.seconds:.1f} s, "
            f"cores (CPU ms per article): {kinds}"
            + (f"; of the broker's, JIT and GC threads: {jvm}" if jvm and cpu.articles else "")
        )
    for b in fig.batches:
        rows.append(
            f"batches      {b.window}: {b.articles} articles in {b.requests} requests to the "
            f"NLP processes ({b.mean:.2f} a request)"
        )
    for s in fig.steps:
        rows.append(
            f"step         {s.step} (on the worker's event loop, timed alone): mean "
            f"{s.mean_ms:.2f} ms, p50 {s.p50_ms:.2f} ms, p99 {s.p99_ms:.2f} ms per article "
            f"({s.articles} steps; the window held {s.index_articles} articles at the end)"
        )
    for m in fig.memory:
        rows.append(
            f"memory       {m.config} worker {m.pid}: {_mb(m.total_bytes):.0f} MB "
            f"(worker {_mb(m.worker_bytes):.0f} + children {_mb(m.children_bytes):.0f})"
        )
    rows.append(f"rebalances   {fig.rebalances} in the measurement windows")
    rows.append("goals")
    for g in goals(fig):
        rows.append(f"  {'met ' if g.met else 'MISS'} {g.name}: {g.measured:.3f} (goal {g.goal})")
    return "\n".join(rows)


def conditions(
    settings: Settings,
    corpus: list[RawArticle],
    kind: str,
    shape: tuple[int, int],
    short: bool,
) -> dict[str, Any]:
    """What the figures depend on: a shared 2-core machine's load belongs beside them."""
    return {
        "cores": os.cpu_count() or 1,
        "load_before": load_average(),
        "articles": len(corpus),
        "corpus": kind,
        "mean_words": statistics.mean(len(a.body.split()) for a in corpus),
        "median_words": statistics.median(len(a.body.split()) for a in corpus),
        "workers": shape[0],
        "processes": shape[1],
        "short": short,
        "bootstrap": settings.bootstrap_servers,
        "model": settings.enrich.model,
        "python": platform.python_version(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
