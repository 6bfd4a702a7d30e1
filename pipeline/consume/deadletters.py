"""Dead letters for operators (``newsflow deadletter list|show|redrive``).

A dead letter is addressed by its place on the dead-letter topic, ``<partition>:<offset>``
(the topic has one partition, so ``0:17``; ``17`` is short for it). Redriving one sends its
original key and value bytes back to the raw topic with the header
``newsflow-redrive: <dead-letter topic>:<partition>:<offset>``, so the worker enriches it again
with the current code.

The redrive journal, ``<dead-letter topic>.redrives`` (compacted, one partition), keeps each
redriven dead letter's state under its id: ``claimed`` then ``sent``.

Invariants (each dead letter is redriven at most once):

1. Every redrive opens the journal with one fixed transactional id (``<app id>-redrive``):
   Kafka fences any earlier redrive still running (its later writes fail) and waits for that
   one's open transaction to finish before ours starts, so at most one redrive acts at a time.
2. After fencing, the journal is read to its end with read_committed: every claim committed
   before is seen.
3. A dead letter is claimed (journal transaction committed) before its record is sent, and a
   dead letter with any journal state is never claimed again. A redrive that dies between
   claim and send leaves it ``claimed``: never sent twice, possibly not at all (``list``
   shows it; ``show`` gives its bytes).
4. The raw records and their ``sent`` states commit in one transaction.

:func:`redrive` holds the rules over a :class:`Journal`; ``tests/unit/test_deadletters.py``
checks them against an in-memory journal with crashes between the steps, and
``tests/integration/test_deadletter_redrive.py`` with concurrent redrives on the real broker.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, ProducerFencedError
from pydantic import ValidationError

from pipeline.config import Settings
from pipeline.errors import ConfigError, KafkaUnavailable
from pipeline.kafka.clients import kafka_python_config
from pipeline.kafka.topics import TopicSpec, ensure_topics
from pipeline.models import DeadLetter

REDRIVE_HEADER = "newsflow-redrive"


@dataclass(frozen=True)
class Stored:
    """A dead letter and where it sits on the dead-letter topic."""

    partition: int
    offset: int
    timestamp_ms: int
    letter: DeadLetter

    @property
    def id(self) -> str:
        return f"{self.partition}:{self.offset}"

    def original(self) -> tuple[bytes | None, bytes]:
        """The rejected message's key and value bytes, as they arrived."""
        letter = self.letter
        key = None if letter.key is None else _decode(letter.key, letter.key_encoding)
        return key, _decode(letter.value, letter.value_encoding)


def _decode(text: str, encoding: str) -> bytes:
    return base64.b64decode(text) if encoding == "base64" else text.encode("utf-8")


def parse_id(text: str) -> str:
    """``0:17`` or ``17`` (partition 0) as the canonical ``partition:offset``."""
    partition, _, offset = text.strip().rpartition(":")
    if not offset.isdigit() or (partition and not partition.isdigit()):
        raise ConfigError(f"dead letter {text!r}: give partition:offset (e.g. 0:17) or an offset")
    return f"{int(partition or 0)}:{int(offset)}"


def journal_topic(settings: Settings) -> str:
    return f"{settings.topics.deadletter}.redrives"


# --- reading -------------------------------------------------------------------------------


def _read_all(settings: Settings, topic: str) -> Iterable[tuple[int, int, int, bytes, bytes]]:
    """(partition, offset, timestamp ms, key, value) of every committed record of ``topic``."""
    try:
        consumer = KafkaConsumer(
            **kafka_python_config(settings),
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
    except KafkaError as exc:
        raise KafkaUnavailable.at(settings.bootstrap_servers, str(exc)) from exc
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)  # read_committed: up to the last stable offset
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=1000).values():
                for r in records:
                    if r.offset < ends[TopicPartition(r.topic, r.partition)]:
                        yield r.partition, r.offset, r.timestamp, r.key or b"", r.value or b""
    finally:
        consumer.close()


def read_dead_letters(settings: Settings) -> list[Stored]:
    """Every dead letter on the dead-letter topic, oldest first (unreadable records skipped)."""
    found = []
    for partition, offset, ts, _, value in _read_all(settings, settings.topics.deadletter):
        try:
            letter = DeadLetter.model_validate_json(value)
        except ValidationError:
            continue
        found.append(Stored(partition, offset, ts, letter))
    return found


def read_journal(settings: Settings) -> dict[str, str]:
    """Dead-letter id → its redrive state (``claimed`` or ``sent``); the latest record wins."""
    states: dict[str, str] = {}
    for _, _, _, key, value in _read_all(settings, journal_topic(settings)):
        states[key.decode("utf-8")] = json.loads(value)["state"]
    return states


@dataclass(frozen=True)
class Selection:
    """Which dead letters: by id, or by code and first-seen time (all given must hold)."""

    ids: frozenset[str] = frozenset()
    code: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, stored: Stored) -> bool:
        letter = stored.letter
        return (
            (not self.ids or stored.id in self.ids)
            and (self.code is None or letter.error_code.value == self.code.casefold())
            and (self.since is None or letter.first_seen >= self.since)
            and (self.until is None or letter.first_seen < self.until)
        )


# --- redriving -----------------------------------------------------------------------------


class Journal(Protocol):
    """The redrive journal under a fencing lock (see the module's invariants)."""

    def open(self) -> dict[str, str]:
        """Fence earlier redrives; every committed state, by dead-letter id."""
        ...

    def claim(self, ids: Sequence[str]) -> None:
        """Commit ``claimed`` for ``ids``, before any of them is sent."""
        ...

    def send(self, records: Sequence[tuple[str, bytes | None, bytes]]) -> None:
        """Commit (id, key, value) records to the raw topic with their ``sent`` states."""
        ...


@dataclass
class RedriveReport:
    sent: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # id → its earlier state


def redrive(journal: Journal, chosen: Sequence[Stored]) -> RedriveReport:
    """Send each chosen dead letter's original message back once (invariants 1–4)."""
    report = RedriveReport()
    states = journal.open()
    todo = []
    for stored in chosen:
        if stored.id in states:
            report.skipped[stored.id] = states[stored.id]
        else:
            todo.append(stored)
    if not todo:
        return report
    journal.claim([s.id for s in todo])
    journal.send([(s.id, *s.original()) for s in todo])
    report.sent = [s.id for s in todo]
    return report


class KafkaJournal:
    """:class:`Journal` on the real cluster: one transactional producer per redrive."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.topic = journal_topic(settings)
        ensure_topics(
            settings,
            [TopicSpec(self.topic, 1, settings.topics.replication, {"cleanup.policy": "compact"})],
        )
        try:
            self._producer = KafkaProducer(
                **kafka_python_config(settings),
                transactional_id=f"{settings.worker.app_id}-redrive",
                acks="all",
                enable_idempotence=True,
            )
        except KafkaError as exc:
            raise KafkaUnavailable.at(settings.bootstrap_servers, str(exc)) from exc

    def open(self) -> dict[str, str]:
        self._producer.init_transactions()
        return read_journal(self.settings)

    def _state(self, dead_id: str, state: str) -> None:
        value = {"state": state, "at": datetime.now(UTC).isoformat(), "to": self._raw}
        self._producer.send(self.topic, key=dead_id.encode(), value=json.dumps(value).encode())

    @property
    def _raw(self) -> str:
        return self.settings.topics.raw

    def _transaction(self, write: list[tuple[str, bytes | None, bytes]] | None, ids: Sequence[str],
                     state: str) -> None:  # fmt: skip
        try:
            self._producer.begin_transaction()
            for dead_id, key, value in write or []:
                header = f"{self.settings.topics.deadletter}:{dead_id}".encode()
                self._producer.send(self._raw, key=key, value=value,
                                    headers=[(REDRIVE_HEADER, header)])  # fmt: skip
            for dead_id in ids:
                self._state(dead_id, state)
            self._producer.commit_transaction()
        except KafkaError as exc:
            # kafka-python reports a fence either as ProducerFencedError or, when a send
            # failed first, as a KafkaError carrying it ("Cannot perform send because ...").
            if _fenced(exc):
                raise KafkaUnavailable(
                    "another redrive started meanwhile and took over; nothing more was sent "
                    "(newsflow deadletter list shows what each did)"
                ) from exc
            raise KafkaUnavailable(f"redrive: {exc!r}") from exc

    def claim(self, ids: Sequence[str]) -> None:
        self._transaction(None, ids, "claimed")

    def send(self, records: Sequence[tuple[str, bytes | None, bytes]]) -> None:
        self._transaction(list(records), [r[0] for r in records], "sent")

    def close(self) -> None:
        self._producer.close()


# --- rendering -----------------------------------------------------------------------------


def table(rows: Sequence[Stored], states: dict[str, str]) -> str:
    """Aligned columns: id, first seen, code, source, key, redrive state, error."""
    header = ("ID", "FIRST SEEN (UTC)", "CODE", "SOURCE", "KEY", "REDRIVE", "ERROR")
    lines = [header]
    for s in rows:
        letter = s.letter
        lines.append(
            (
                s.id,
                letter.first_seen.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                letter.error_code.value,
                f"{letter.source_topic}[{letter.partition}]@{letter.offset}",
                _short(letter.key or "-", 24),
                states.get(s.id, "-"),
                _short(letter.error, 60),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line[:-1], widths, strict=True))
        + "  "
        + line[-1]
        for line in lines
    )


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _fenced(exc: BaseException) -> bool:
    """Is ``exc`` a fence, itself, in its arguments or along its chain of causes?"""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:  # a cause chain may loop
        seen.add(id(found))
        if isinstance(found, ProducerFencedError) or any(
            isinstance(arg, ProducerFencedError) for arg in found.args
        ):
            return True
        found = found.__cause__
    return False
