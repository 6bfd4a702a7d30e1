"""The publisher against a fake kafka-python producer: what counts as sent, what is rejected
before sending, and where publishing stops when Kafka refuses."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from kafka.producer.future import FutureProduceResult, FutureRecordMetadata
from kafka.structs import TopicPartition

from pipeline.config import EnrichSettings, Settings
from pipeline.ingest.loaders import Loaded
from pipeline.ingest.publisher import Publisher, encode
from pipeline.models import RawArticle


class FakeProducer:
    """Acknowledges at once, unless told to refuse sends (``refuse_from``: the n-th send and
    all later raise) or to hold acknowledgements (``hold``)."""

    def __init__(self, refuse_from: int | None = None, hold: bool = False,
                 error: Exception | None = None) -> None:  # fmt: skip
        self.sent: list[str] = []
        self.refuse_from = refuse_from
        self.hold = hold
        self.error = error or KafkaTimeoutError("Failed to update metadata after 1.0 secs.")

    def send(self, topic: str, key: bytes, value: bytes) -> FutureRecordMetadata:
        if self.refuse_from is not None and len(self.sent) >= self.refuse_from:
            raise self.error
        self.sent.append(key.decode())
        result = FutureProduceResult(TopicPartition(topic, 0))
        future = FutureRecordMetadata(result, 0, None, None, len(key), len(value), -1)
        if not self.hold:
            result.success((0, 0, None))
        return future

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


def publisher(producer: FakeProducer, **enrich: Any) -> Publisher:
    settings = Settings(enrich=EnrichSettings(**enrich))
    return Publisher(settings, timeout_seconds=1.0, producer=producer)  # type: ignore[arg-type]


def item(n: int, body: str = "Body.") -> Loaded:
    return Loaded(f"in:{n}", article=RawArticle(id=f"a{n}", body=body))


def test_the_workers_body_limit_is_enforced_before_sending() -> None:
    fake = FakeProducer()
    report = publisher(fake, max_body_chars=10).publish([item(1), item(2, "x" * 11), item(3)])
    assert fake.sent == ["a1", "a3"] and report.ids == ["a1", "a3"]
    assert report.rejected == 1
    assert report.errors == ["in:2: body: 11 characters, over the limit of 10 "
                             "(NEWSFLOW_ENRICH_MAX_BODY_CHARS)"]  # fmt: skip


def test_the_workers_title_limit_is_enforced_before_sending_on_the_text_it_measures() -> None:
    fake = FakeProducer()
    long = Loaded("in:2", article=RawArticle(id="a2", title="t" * 11, body="Body."))
    # Markup the worker removes does not count: 11 characters of tags, 3 of text.
    marked = Loaded("in:3", article=RawArticle(id="a3", title="<b>abc</b><i></i>", body="B."))
    report = publisher(fake, max_title_chars=10).publish([item(1), long, marked])
    assert fake.sent == ["a1", "a3"]
    assert report.errors == ["in:2: title: 11 characters, over the limit of 10 "
                             "(NEWSFLOW_ENRICH_MAX_TITLE_CHARS)"]  # fmt: skip


def test_unencodable_and_oversized_records_are_rejected_one_line_each() -> None:
    limits = EnrichSettings(max_body_chars=2_000_000)
    surrogate = RawArticle(id="s", title="a\ud800b", body="B")
    assert encode(surrogate, limits) == "text is not valid Unicode (a lone surrogate?)"
    huge = encode(RawArticle(id="h", body='"' * 600_000), limits)  # escaping doubles it
    assert isinstance(huge, str) and "over Kafka's message limit" in huge
    fake = FakeProducer(refuse_from=1, error=MessageSizeTooLargeError("too large"))
    report = publisher(fake).publish([item(1), item(2)])
    assert report.sent == 1 and report.rejected == 1 and report.stopped is None


def test_a_refused_send_stops_publishing_with_a_summary_of_what_was_sent() -> None:
    fake = FakeProducer(refuse_from=2)
    pulled: list[int] = []

    def items() -> Any:
        for n in range(10):
            pulled.append(n)
            yield item(n)

    report = publisher(fake).publish(items())
    assert report.sent == 2 and report.ids == ["a0", "a1"]
    assert report.stopped is not None and report.stopped.startswith("Kafka refused a2 (in:2)")
    assert "\n" not in report.stopped and len(pulled) == 3  # stopped reading the input too


def run_deliver(fake: FakeProducer, articles: list[RawArticle], seconds: float) -> Any:
    async def main() -> Any:
        loop = asyncio.get_running_loop()
        return await publisher(fake).deliver(articles, loop.time() + seconds)

    return asyncio.run(main())


def test_deliver_counts_acknowledged_records() -> None:
    articles = [RawArticle(id=f"d{n}", body="B") for n in range(5)]
    report = run_deliver(FakeProducer(), articles, 2.0)
    assert report.ids == ["d0", "d1", "d2", "d3", "d4"] and report.unacknowledged == []


def test_deliver_reports_unacknowledged_and_unsent_apart() -> None:
    articles = [RawArticle(id=f"d{n}", body="B") for n in range(4)]
    held = run_deliver(FakeProducer(hold=True), articles, 0.2)
    assert held.ids == [] and held.unacknowledged == ["d0", "d1", "d2", "d3"]
    refused = run_deliver(FakeProducer(refuse_from=1, hold=True), articles, 0.2)
    assert refused.unacknowledged == ["d0"]  # d1 was refused, d2 and d3 never handed over
    assert refused.stopped is not None and "d1" in refused.stopped


def test_deliver_sends_nothing_after_its_deadline() -> None:
    class SlowProducer(FakeProducer):
        def send(self, topic: str, key: bytes, value: bytes) -> FutureRecordMetadata:
            time.sleep(0.15)  # metadata missing: kafka-python blocks in send()
            return super().send(topic, key, value)

    fake = SlowProducer()
    articles = [RawArticle(id=f"d{n}", body="B") for n in range(10)]
    started = time.monotonic()
    report = run_deliver(fake, articles, 0.4)
    assert time.monotonic() - started < 0.7  # answered at the deadline, not after ten sends
    time.sleep(0.3)  # the thread finishes the send it was in, then stops
    assert len(fake.sent) <= 4 and report.sent + len(report.unacknowledged) >= len(fake.sent)
