"""The redrive rules against an in-memory journal: at most once, through crashes and a
concurrent redrive that takes over (the Kafka journal's fencing, simulated)."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.consume.deadletters import (
    Selection,
    Stored,
    _fenced,
    parse_id,
    redrive,
    table,
)
from pipeline.errors import ConfigError
from pipeline.models import DeadLetter, ErrorCode

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _stored(offset: int, code: ErrorCode = ErrorCode.INVALID_JSON, *, binary: bool = False,
            key: str | None = "k") -> Stored:  # fmt: skip
    value, encoding = ("{broken", "utf-8") if not binary else (
        base64.b64encode(b"\xff\xfe").decode(), "base64")  # fmt: skip
    letter = DeadLetter(error_code=code, error="why", source_topic="news.raw", partition=1,
                        offset=100 + offset, key=key, value=value, value_encoding=encoding,
                        first_seen=T0 + timedelta(minutes=offset))  # fmt: skip
    return Stored(0, offset, 0, letter)


class Crash(Exception):
    pass


@dataclass
class Broker:
    """What the cluster keeps: committed journal states, committed raw records, the epoch."""

    states: dict[str, str] = field(default_factory=dict)
    raw: list[tuple[bytes | None, bytes, str]] = field(default_factory=list)
    epoch: int = 0


@dataclass
class MemoryJournal:
    broker: Broker
    crash_at: str | None = None  # "claim" or "send": die before that step commits
    epoch: int = -1

    def open(self) -> dict[str, str]:
        self.broker.epoch += 1  # fences every earlier journal
        self.epoch = self.broker.epoch
        return dict(self.broker.states)

    def _fenced(self) -> None:
        if self.epoch != self.broker.epoch:
            raise ConfigError("fenced")

    def claim(self, ids: Sequence[str]) -> None:
        self._fenced()
        if self.crash_at == "claim":
            raise Crash
        self.broker.states.update(dict.fromkeys(ids, "claimed"))

    def send(self, records: Sequence[tuple[str, bytes | None, bytes]]) -> None:
        self._fenced()
        if self.crash_at == "send":
            raise Crash
        for dead_id, key, value in records:
            self.broker.raw.append((key, value, dead_id))
            self.broker.states[dead_id] = "sent"


def test_original_bytes_go_back_once_and_a_second_redrive_skips_them() -> None:
    broker = Broker()
    letters = [_stored(0), _stored(1, binary=True, key=None)]
    report = redrive(MemoryJournal(broker), letters)
    assert report.sent == ["0:0", "0:1"] and report.skipped == {}
    assert broker.raw == [(b"k", b"{broken", "0:0"), (None, b"\xff\xfe", "0:1")]
    again = redrive(MemoryJournal(broker), letters)
    assert again.sent == [] and again.skipped == {"0:0": "sent", "0:1": "sent"}
    assert len(broker.raw) == 2


def test_a_redrive_that_dies_after_claiming_never_sends_twice() -> None:
    broker = Broker()
    with pytest.raises(Crash):
        redrive(MemoryJournal(broker, crash_at="send"), [_stored(0)])
    assert broker.states == {"0:0": "claimed"} and broker.raw == []
    assert redrive(MemoryJournal(broker), [_stored(0)]).skipped == {"0:0": "claimed"}
    assert broker.raw == []
    with pytest.raises(Crash):  # dying before the claim commits leaves nothing behind
        redrive(MemoryJournal(broker, crash_at="claim"), [_stored(1)])
    assert redrive(MemoryJournal(broker), [_stored(1)]).sent == ["0:1"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 5), max_size=6),  # which dead letters this run chooses
            st.sampled_from([None, "claim", "send"]),  # where it dies, if it does
            st.booleans(),  # whether another redrive opens between its open and its claim
        ),
        max_size=8,
    )
)
def test_any_sequence_of_redrives_sends_each_dead_letter_at_most_once(
    runs: list[tuple[list[int], str | None, bool]],
) -> None:
    broker = Broker()
    for chosen, crash_at, overtaken in runs:
        journal = MemoryJournal(broker, crash_at)
        letters = [_stored(i) for i in dict.fromkeys(chosen)]
        if overtaken:
            journal.open()
            rival = MemoryJournal(broker)
            redrive(rival, letters)  # opens (fencing ours) and sends
            with pytest.raises(ConfigError, match="fenced"):
                journal.claim([s.id for s in letters] or ["0:0"])
            continue
        with contextlib.suppress(Crash):
            redrive(journal, letters)
    sent = [dead_id for _, _, dead_id in broker.raw]
    assert len(sent) == len(set(sent))
    assert set(sent) == {i for i, s in broker.states.items() if s == "sent"}


def test_selection_by_id_code_and_time() -> None:
    rows = [_stored(0), _stored(1, ErrorCode.TOO_LARGE), _stored(2, ErrorCode.TOO_LARGE)]
    assert [s.id for s in rows if Selection(code="TOO_LARGE").matches(s)] == ["0:1", "0:2"]
    since = Selection(code="too_large", since=T0 + timedelta(minutes=2))
    assert [s.id for s in rows if since.matches(s)] == ["0:2"]
    until = Selection(until=T0 + timedelta(minutes=1))
    assert [s.id for s in rows if until.matches(s)] == ["0:0"]
    assert [s.id for s in rows if Selection(ids=frozenset({"0:1"})).matches(s)] == ["0:1"]


def test_ids_and_the_table() -> None:
    assert parse_id("17") == "0:17" and parse_id(" 2:005 ") == "2:5"
    for bad in ("x", "1:", "a:3", "-1"):
        with pytest.raises(ConfigError, match="give partition:offset"):
            parse_id(bad)
    text = table([_stored(0), _stored(1, ErrorCode.TOO_LARGE)], {"0:1": "sent"})
    header, first, second = text.splitlines()
    assert header.split() == ["ID", "FIRST", "SEEN", "(UTC)", "CODE", "SOURCE", "KEY",
                              "REDRIVE", "ERROR"]  # fmt: skip
    assert first.split()[:5] == ["0:0", "2026-01-01", "00:00:00", "invalid_json", "news.raw[1]@100"]
    assert second.split()[-2:] == ["sent", "why"]


def test_a_fence_is_recognised_however_kafka_python_reports_it() -> None:
    from kafka.errors import KafkaError, ProducerFencedError

    message = "Cannot perform send because at least one previous request has failed."
    wrapped = KafkaError(message, ProducerFencedError())
    assert _fenced(ProducerFencedError()) and _fenced(wrapped)
    assert not _fenced(KafkaError("NotLeaderForPartition"))
    looped = KafkaError("a")
    looped.__cause__ = KafkaError("b")
    looped.__cause__.__cause__ = looped
    assert not _fenced(looped)
