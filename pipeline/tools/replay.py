"""``newsflow replay``: re-enrich past raw news with the current code into versioned topics.

A replay with suffix ``v2`` reads the raw topic (unchanged) and writes ``<enriched>.v2``,
``<entities>.v2``, ``<stance>.v2`` and ``<deadletter>.v2`` through the worker's own
:class:`~pipeline.worker.process.Processor` (same validation, enrichment and dead letters; no
de-duplication: a replay is a deliberate second pass). Its consumer group and transactional id
are ``<app id>-replay-v2``: it never moves the live worker's offsets.

Each input partition is read over a span fixed before the first read:

- start: the group's committed offset if this suffix ran before (a replay resumes), else the
  first offset whose timestamp is at or after ``--since`` (``offsets_for_times``; none: the end);
- stop: the first offset at or after ``--until``, else the end offset (last stable offset)
  when the replay starts: articles arriving meanwhile are left to the live worker.

Invariants:

1. A batch's output events and the group's offsets (``min(position, stop)`` per partition)
   commit in one Kafka transaction, so a replay cut short and run again resumes after its last
   committed batch: every article in the span is written to the versioned topics once, as
   seen by read_committed readers.
2. Only records with ``start <= offset < stop`` are processed; the committed offset never
   passes ``stop``, so a resumed run with the same ``--until`` ends at the same place.
3. One transactional id per suffix: a second replay of the same suffix fences the first.

:func:`replay` holds the loop over a :class:`Reader` and a :class:`Sink`;
``tests/unit/test_replay.py`` runs it against in-memory doubles with a crash between batches,
``tests/integration/test_replay.py`` on the real broker.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.worker.process import Incoming, Outgoing, Processor

_SUFFIX_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


@dataclass(frozen=True)
class Span:
    """Offsets ``start <= offset < stop`` of one raw partition."""

    start: int
    stop: int

    @property
    def size(self) -> int:
        return max(0, self.stop - self.start)


def plan(
    committed: Mapping[int, int | None],
    at_since: Mapping[int, int | None],
    at_until: Mapping[int, int | None] | None,
    ends: Mapping[int, int],
) -> dict[int, Span]:
    """Each partition's span (see the module docstring); an offset lookup that found no
    record at or after the time is ``None`` (the end)."""
    spans = {}
    for partition, end in ends.items():
        done = committed.get(partition)
        first = at_since.get(partition)
        start = done if done is not None else (first if first is not None else end)
        last = at_until.get(partition) if at_until is not None else None
        stop = min(last if last is not None else end, end)
        spans[partition] = Span(min(start, stop), stop)
    return spans


def versioned(settings: Settings, suffix: str) -> Settings:
    """The settings a replay writes with: output topics and group carry the suffix."""
    if not suffix or not set(suffix) <= _SUFFIX_CHARS:
        raise ConfigError(f"--version-suffix {suffix!r}: use letters, digits, '_' or '-' (v2)")
    t = settings.topics
    topics = t.model_copy(
        update={
            name: f"{getattr(t, name)}.{suffix}"
            for name in ("enriched", "entities", "stance", "deadletter")
        }
    )
    return settings.model_copy(update={"topics": topics})


def group_id(settings: Settings, suffix: str) -> str:
    return f"{settings.worker.app_id}-replay-{suffix}"


class Reader(Protocol):
    def batches(self, spans: Mapping[int, Span]) -> Iterator[tuple[list[Incoming], dict[int, int]]]:
        """Records within the spans, in offset order per partition, with the offset each
        partition has reached after them (at most its stop)."""
        ...


class Sink(Protocol):
    def commit(self, events: Sequence[Outgoing], offsets: Mapping[int, int]) -> None:
        """Write ``events`` and the group's ``offsets`` in one transaction."""
        ...


@dataclass
class ReplayReport:
    articles: int = 0
    events: dict[str, int] = field(default_factory=dict)  # topic → events written
    seconds: float = 0.0


async def replay(
    processor: Processor,
    reader: Reader,
    sink: Sink,
    spans: Mapping[int, Span],
    progress: Callable[[int], None] = lambda advanced: None,
) -> ReplayReport:
    """Process every record in ``spans`` and commit batch by batch (invariants 1 and 2);
    ``progress`` receives the offsets each batch advanced."""
    report = ReplayReport()
    started = time.monotonic()
    reached = {p: s.start for p, s in spans.items()}
    for messages, offsets in reader.batches(spans):
        results = await asyncio.gather(*(_process(processor, m) for m in messages))
        events = [e for result in results for e in result]
        sink.commit(events, offsets)
        report.articles += len(messages)
        for event in events:
            report.events[event.topic] = report.events.get(event.topic, 0) + 1
        progress(sum(o - reached[p] for p, o in offsets.items()))
        reached.update(offsets)
    report.seconds = time.monotonic() - started
    return report


async def _process(processor: Processor, message: Incoming) -> list[Outgoing]:
    try:
        return await processor.process(message)
    except Exception as exc:  # the worker's policy: an unexpected failure dead-letters it
        return processor.fail(message, exc)


def run_replay(
    settings: Settings, since: datetime, until: datetime | None, suffix: str, as_json: bool
) -> int:
    """``newsflow replay``: plan, enrich in the NLP pool, write; a progress bar on stderr."""
    import json

    from prometheus_client import CollectorRegistry
    from tqdm import tqdm

    from pipeline.kafka.topics import ensure_topics
    from pipeline.observe.metrics import WorkerMetrics
    from pipeline.tools.replay_kafka import KafkaReader, KafkaSink
    from pipeline.worker.nlp_pool import EnrichPool

    target = versioned(settings, suffix)
    ensure_topics(target)
    group = group_id(settings, suffix)
    reader = KafkaReader(settings, group)
    try:
        spans = reader.plan(since, until)
        total = sum(s.size for s in spans.values())
        pool = EnrichPool(
            settings.enrich, settings.worker.processes, settings.worker.enrich_deadline_seconds
        )
        sink = KafkaSink(settings, group)
        try:
            if total:
                pool.start()
            metrics = WorkerMetrics(
                CollectorRegistry(), pool.model_name, (settings.topics.raw, target.topics.enriched)
            )
            processor = Processor(target, pool, metrics)
            with tqdm(total=total, unit="offset", file=sys.stderr, disable=None) as bar:
                report = asyncio.run(replay(processor, reader, sink, spans, bar.update))
        finally:
            sink.close()
            pool.close()
    finally:
        reader.close()
    summary = {
        "group": group,
        "partitions": {str(p): [s.start, s.stop] for p, s in sorted(spans.items())},
        "articles": report.articles,
        "events": report.events,
        "seconds": round(report.seconds, 1),
    }
    if as_json:
        print(json.dumps(summary))
    else:
        written = ", ".join(f"{n} → {t}" for t, n in sorted(report.events.items())) or "nothing"
        print(f"replayed {report.articles} article(s) in {report.seconds:.1f} s: {written}")
    return 0
