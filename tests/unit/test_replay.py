"""`newsflow replay` without a broker: the span of each partition, the versioned names, and
the batch loop over in-memory doubles, cut short after every batch and resumed (invariants 1
and 2 of pipeline.tools.replay)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.observe.metrics import WorkerMetrics
from pipeline.tools.replay import Span, plan, replay, versioned
from pipeline.worker.process import Incoming, Outgoing, Processor
from tests.unit.test_process import FakeEnricher


def test_a_span_starts_at_the_committed_offset_else_at_since_and_stops_at_until_or_the_end() -> (
    None
):
    ends = {0: 10, 1: 10, 2: 10, 3: 10}
    spans = plan(
        committed={0: 7, 1: None, 2: None, 3: None},
        at_since={0: 2, 1: 2, 2: None, 3: 4},
        at_until={0: 8, 1: None, 2: None, 3: 3},
        ends=ends,
    )
    assert spans == {0: Span(7, 8), 1: Span(2, 10), 2: Span(10, 10), 3: Span(3, 3)}
    assert plan({0: None}, {0: 0}, None, {0: 5}) == {0: Span(0, 5)}
    assert plan({0: 9}, {0: 0}, {0: 4}, {0: 12}) == {0: Span(4, 4)}  # resumed past until


def test_output_topics_carry_the_suffix_and_the_raw_topic_does_not() -> None:
    t = versioned(Settings(), "v2").topics
    assert (t.raw, t.enriched, t.entities, t.stance, t.deadletter) == (
        "news.raw", "news.enriched.v2", "news.entities.v2", "news.stance.v2",
        "news.deadletter.v2",
    )  # fmt: skip
    for bad in ("", "v 2", "v2/x", "é"):
        with pytest.raises(ConfigError, match="--version-suffix"):
            versioned(Settings(), bad)


class Log:
    """A raw topic in memory: partition → values by offset."""

    def __init__(self, partitions: dict[int, list[bytes]]) -> None:
        self.partitions = partitions

    def ends(self) -> dict[int, int]:
        return {p: len(v) for p, v in self.partitions.items()}


class Reader:
    def __init__(self, log: Log, batch: int) -> None:
        self.log, self.batch = log, batch

    def batches(self, spans: Mapping[int, Span]) -> Iterator[tuple[list[Incoming], dict[int, int]]]:
        position = {p: s.start for p, s in spans.items()}
        while any(position[p] < s.stop for p, s in spans.items()):
            messages = []
            for p, s in spans.items():
                upto = min(position[p] + self.batch, s.stop)
                values = self.log.partitions[p][position[p] : upto]
                messages += [Incoming(None, v, "news.raw", p, position[p] + i, None)
                             for i, v in enumerate(values)]  # fmt: skip
                position[p] = upto
            yield messages, dict(position)


class Crash(Exception):
    pass


class Sink:
    """Committed transactions only; ``crash_at`` makes that commit fail (nothing written)."""

    def __init__(self, crash_at: int | None = None) -> None:
        self.crash_at = crash_at
        self.commits = 0
        self.events: list[Outgoing] = []
        self.offsets: dict[int, int] = {}

    def commit(self, events: Sequence[Outgoing], offsets: Mapping[int, int]) -> None:
        self.commits += 1
        if self.commits == self.crash_at:
            raise Crash
        self.events += events
        self.offsets.update(offsets)


def _article(p: int, n: int, good: bool = True) -> bytes:
    if not good:
        return b"{not json"
    return json.dumps({"id": f"p{p}n{n}", "title": "T", "body": "Oslo is cold."}).encode()


def _run(log: Log, since: dict[int, int], until: dict[int, int] | None, sink: Sink,
         batch: int) -> None:  # fmt: skip
    s = versioned(Settings(), "v2")
    processor = Processor(s, FakeEnricher(), WorkerMetrics(CollectorRegistry(), "fake"))
    committed: dict[int, int | None] = {p: sink.offsets.get(p) for p in log.partitions}
    at_since: dict[int, int | None] = {p: since[p] for p in log.partitions}
    spans = plan(committed, at_since, dict(until) if until else None, log.ends())
    asyncio.run(replay(processor, Reader(log, batch), sink, spans))


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 7), min_size=1, max_size=3),
    data=st.data(),
    batch=st.integers(1, 3),
    crashes=st.lists(st.integers(1, 6), max_size=3),
)
def test_a_replay_cut_short_and_resumed_writes_each_article_of_its_span_once(
    sizes: list[int], data: st.DataObject, batch: int, crashes: list[int]
) -> None:
    log = Log({p: [_article(p, n, good=n % 5 != 4) for n in range(size)]
               for p, size in enumerate(sizes)})  # fmt: skip
    since = {p: data.draw(st.integers(0, size)) for p, size in enumerate(sizes)}
    until = data.draw(st.none() | st.just({p: data.draw(st.integers(since[p], size))
                                           for p, size in enumerate(sizes)}))  # fmt: skip
    sink = Sink()
    for crash in crashes:  # each run dies at its crash-th commit, the next resumes
        sink.crash_at, sink.commits = crash, 0
        try:
            _run(log, since, until, sink, batch)
        except Crash:
            continue
    sink.crash_at = None
    _run(log, since, until, sink, batch)
    stop = until or log.ends()
    wanted = {(p, n) for p in log.partitions for n in range(since[p], stop[p])}
    written = sorted(
        [(e.topic, e.key) for e in sink.events if e.topic != "news.entities.v2"]
    )  # one enriched event or one dead letter per article, each once
    expected = sorted(
        ("news.enriched.v2", f"p{p}n{n}".encode()) if n % 5 != 4
        else ("news.deadletter.v2", None) for p, n in wanted
    )  # fmt: skip
    assert [t for t, _ in written] == [t for t, _ in expected]
    assert [k for t, k in written if t.startswith("news.enriched")] == [
        k for t, k in expected if t.startswith("news.enriched")
    ]
    assert all(sink.offsets.get(p, since[p]) == stop[p] for p in log.partitions)
