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
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.models import RawArticle

# Group-membership trouble in aiokafka / Faust worker logs. Counted only inside measurement
# windows: the joins before a window are how a group forms, not disturbances.
REBALANCE_LINE = re.compile(
    r"rebalanc|heartbeat failed|heartbeat session expired|revoking previously assigned", re.I
)

# The goals (issue 7, "As fast as the model allows").
GOAL_CEILING_RATIO = 0.9
GOAL_SCALING = 1.8
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
class Memory:
    """Peak resident set (VmHWM) of one worker and the sum over its child processes."""

    config: str
    pid: int
    worker_bytes: int
    children_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.worker_bytes + self.children_bytes


@dataclass
class Figures:
    conditions: dict[str, Any]
    ceilings: list[Ceiling] = field(default_factory=list)
    throughputs: list[Throughput] = field(default_factory=list)
    latency: Latency | None = None
    memory: list[Memory] = field(default_factory=list)
    rebalances: int = 0

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


def peak_rss(pid: int, config: str, proc: Path = Path("/proc")) -> Memory:
    """VmHWM of ``pid`` and of all its descendants (the NLP children, the resource tracker).

    The children's peaks are summed although they may not coincide: an upper bound.
    """
    children = _descendants(pid, proc)
    return Memory(
        config=config,
        pid=pid,
        worker_bytes=_vm_hwm(pid, proc),
        children_bytes=sum(_vm_hwm(child, proc) for child in children),
    )


def _vm_hwm(pid: int, proc: Path) -> int:
    try:
        status = (proc / str(pid) / "status").read_text()
    except OSError:
        return 0  # gone meanwhile
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) * 1024 if match else 0


def _descendants(pid: int, proc: Path) -> list[int]:
    parents: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ")".
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


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
    ratio_met = fig.ratio >= GOAL_CEILING_RATIO
    found = [Goal("pipeline / ceiling", fig.ratio, f">= {GOAL_CEILING_RATIO}", ratio_met)]
    for name, value in fig.scaling().items():
        found.append(Goal(f"scaling {name}", value, f">= {GOAL_SCALING}", value >= GOAL_SCALING))
    ceiling = fig.ceiling_for(fig.main.workers * fig.main.processes)
    if fig.latency is not None and ceiling is not None:
        bound = GOAL_P99_FACTOR * ceiling.median_enrich_seconds
        found.append(
            Goal("p99 latency (s)", fig.latency.p99, f"<= {bound:.3f}", fig.latency.p99 <= bound)
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


def to_json(fig: Figures) -> dict[str, Any]:
    """Machine-readable figures: rates in articles/s, times in seconds, sizes in bytes."""
    return {
        "conditions": fig.conditions,
        "ceiling": [asdict(c) for c in fig.ceilings],
        "pipeline": {
            **asdict(fig.main),
            "articles_per_second": fig.main.articles_per_second,
            "ratio_to_ceiling": fig.ratio,
        },
        "throughput": {t.label: t.articles_per_second for t in fig.throughputs},
        "scaling": fig.scaling(),
        "latency": asdict(fig.latency) if fig.latency else None,
        "memory": [{**asdict(m), "total_bytes": m.total_bytes} for m in fig.memory],
        "rebalances": fig.rebalances,
        "goals": [asdict(g) for g in goals(fig)],
    }


def table(fig: Figures) -> str:
    """The figures as aligned text lines, for people."""
    c = fig.conditions
    rows = [
        f"conditions   {c['cores']} cores, load {c['load_before']} → {c['load_after']}, "
        f"{c['articles']} articles ({c['mean_words']:.0f} words mean)",
    ]
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
    settings: Settings, corpus: list[RawArticle], workers: int, processes: int, short: bool
) -> dict[str, object]:
    """What the figures depend on: a shared 2-core machine's load belongs beside them."""
    return {
        "cores": os.cpu_count() or 1,
        "load_before": load_average(),
        "articles": len(corpus),
        "mean_words": statistics.mean(len(a.body.split()) for a in corpus),
        "workers": workers,
        "processes": processes,
        "short": short,
        "bootstrap": settings.bootstrap_servers,
        "model": settings.enrich.model,
        "python": platform.python_version(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
