from __future__ import annotations

import json

import pytest

from pipeline.tools.bench_proc import CpuUse, Memory
from pipeline.tools.bench_report import (
    Bare,
    Ceiling,
    Figures,
    Latency,
    Throughput,
    goals,
    table,
    to_json,
)
from pipeline.tools.bench_steps import StepCost

CONDITIONS = {
    "cores": 2,
    "load_before": [0.5, 0.4, 0.3],
    "load_after": [1.9, 1.0, 0.5],
    "articles": 100,
    "corpus": "real",
    "mean_words": 520.0,
    "others": [{"process": "java (77)", "cores": 0.31}],
    "warm_up": {
        "broker_seconds": 15.0,
        "broker_transactions": 600,
        "broker_records": 15000,
        "articles_per_process": 30,
        "articles": "60 other articles of the real corpus, re-tagged",
        "designs": {"1x2": {"articles": 60, "seconds": 7.2}},
    },
}


def _cpu(window: str, nlp: float, loop: float, broker: float) -> CpuUse:
    seconds = {"nlp": nlp, "loop": loop, "broker": broker, "bench": 0.4, "other": 0.6}
    return CpuUse(window, seconds=10.0, articles=100, cpu_seconds=seconds)


def figures(*, rate: float, nlp: float, loop: float, broker: float, p99: float) -> Figures:
    """A 1 worker × 2 process run of 100 articles against a bare process at 10 articles/s
    using 80 ms of CPU per article."""
    return Figures(
        conditions=dict(CONDITIONS),
        bare=Bare(articles=100, seconds=10.0, cpu_seconds=8.0),
        ceilings=[Ceiling(2, 19.0, 0.1)],
        throughputs=[Throughput(1, 2, 100, 100 / rate)],
        latency=Latency(rate / 2, 60, 300, 0.2, 0.25, p99, 0.4),
        memory=[Memory("1x2", 1, 100 * 2**20, 400 * 2**20)],
        cpu=[_cpu("ceiling 2p", 9.0, 0, 0), _cpu("pipeline 1x2", nlp, loop, broker)],
    )


def _judged(fig: Figures) -> dict[str, tuple[float, bool]]:
    return {g.name: (g.measured, g.met) for g in goals(fig)}


def test_goals_met() -> None:
    fig = figures(rate=18.0, nlp=6.0, loop=0.5, broker=0.4, p99=0.29)
    judged = _judged(fig)
    assert judged["pipeline / one bare spaCy process"] == (pytest.approx(1.8), True)
    # 60 ms of NLP CPU per article against the bare process's 80 ms.
    assert judged["enrichment CPU / bare spaCy CPU per article"] == (pytest.approx(0.75), True)
    # (5 + 4) ms per article at 15 articles/s is 0.135 of a core.
    assert judged["worker loop + broker at 15 articles/s (cores)"] == (pytest.approx(0.135), True)
    assert judged["p99 latency at half load (s)"] == (0.29, True)
    assert judged["rebalances"] == (0, True)
    assert judged["worker peak RSS (MB)"] == (500.0, True)


def test_goals_missed() -> None:
    fig = figures(rate=14.0, nlp=8.5, loop=0.7, broker=0.4, p99=0.31)
    fig.rebalances = 2
    fig.memory.append(Memory("2x1", 2, 300 * 2**20, 401 * 2**20))
    judged = _judged(fig)
    assert all(not met for _, met in judged.values())
    assert judged["pipeline / one bare spaCy process"][0] == pytest.approx(1.4)
    assert judged["enrichment CPU / bare spaCy CPU per article"][0] == pytest.approx(85 / 80)


def test_a_goal_without_its_figure_is_left_out() -> None:
    fig = figures(rate=18.0, nlp=6.0, loop=0.5, broker=0.4, p99=0.29)
    fig.bare, fig.latency, fig.cpu = None, None, []
    assert set(_judged(fig)) == {"rebalances", "worker peak RSS (MB)"}


def test_table_and_json_carry_cpu_per_kind_bare_and_conditions() -> None:
    fig = figures(rate=18.0, nlp=6.0, loop=0.5, broker=0.4, p99=0.29)
    text = table(fig)
    assert "bare spaCy   1 process:  10.00 articles/s, 80 ms CPU per article" in text
    assert "pipeline 1x2, 100 articles in 10.0 s" in text
    assert "nlp 0.60 (60 ms), loop 0.05 (5 ms), broker 0.04 (4 ms)" in text
    assert "java (77) 0.31" in text and "real corpus" in text
    assert "warm-up (untimed): broker 15 s, 600 transactions; 1x2 60 articles in 7 s" in text
    assert "MISS" not in text
    data = json.loads(json.dumps(to_json(fig)))
    assert data["conditions"]["warm_up"]["designs"]["1x2"]["articles"] == 60
    assert data["pipeline"]["ratio_to_bare"] == pytest.approx(1.8)
    assert data["pipeline"]["cpu_ratio_to_bare"] == pytest.approx(0.75)
    assert data["bare"]["cpu_ms_per_article"] == pytest.approx(80.0)
    main = data["cpu"][1]
    assert main["window"] == "pipeline 1x2"
    assert main["cores"]["nlp"] == pytest.approx(0.6)
    assert main["ms_per_article"]["loop"] == pytest.approx(5.0)
    assert data["steps"] == []  # stories off: no step timed, and the table says none
    assert "step " not in text


def test_the_story_steps_cost_is_printed_and_in_the_json() -> None:
    fig = figures(rate=18.0, nlp=6.0, loop=0.5, broker=0.4, p99=0.29)
    fig.steps.append(StepCost("stories", 600, 600, 2.345, 1.9, 8.0))
    assert (
        "step         stories (on the worker's event loop, timed alone): mean 2.35 ms, "
        "p50 1.90 ms, p99 8.00 ms per article" in table(fig)
    )
    assert json.loads(json.dumps(to_json(fig)))["steps"][0]["p99_ms"] == 8.0
