"""The worker's log filter for aiokafka's expected verification retries."""

from __future__ import annotations

import logging

from pipeline.worker.logs import _RetriedNotEnoughReplicas


def _record(level: int, message: str) -> logging.LogRecord:
    return logging.LogRecord("aiokafka.producer.sender", level, __file__, 1, message, (), None)


def test_verification_retries_become_debug_and_other_warnings_stay() -> None:
    logging.getLogger("aiokafka.producer.sender").setLevel(logging.INFO)
    retry = _record(logging.WARNING, "Got error produce response ... NotEnoughReplicasError")
    assert _RetriedNotEnoughReplicas().filter(retry) is False
    assert retry.levelno == logging.DEBUG
    other = _record(logging.WARNING, "Got error produce response ... RequestTimedOutError")
    assert _RetriedNotEnoughReplicas().filter(other) is True
    assert other.levelno == logging.WARNING
    logging.getLogger("aiokafka.producer.sender").setLevel(logging.DEBUG)
    assert _RetriedNotEnoughReplicas().filter(_record(logging.WARNING, "NotEnoughReplicas"))
