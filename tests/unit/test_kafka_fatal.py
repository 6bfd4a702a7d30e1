"""Which Kafka errors stop the worker (kafka_io.is_fatal) and which are redone."""

from __future__ import annotations

from aiokafka.errors import (
    KafkaConnectionError,
    KafkaError,
    ProducerFenced,
    TopicAuthorizationFailedError,
)

from pipeline.worker.delivery.kafka_io import is_fatal


def _wrapped(cause: BaseException) -> KafkaError:
    """What aiokafka's sender raises when its routine dies: a plain KafkaError over the cause
    (here over the coordinator lookup's own KafkaError, as it does)."""
    try:
        try:
            raise KafkaError(repr(cause)) from cause
        except KafkaError as lookup:
            raise KafkaError("Unexpected error during batch delivery") from lookup
    except KafkaError as delivered:
        return delivered


def test_a_lost_connection_under_the_senders_wrapper_is_redone() -> None:
    assert not is_fatal(_wrapped(KafkaConnectionError("Connection at 127.0.0.1:9092 closed")))
    assert not is_fatal(_wrapped(ConnectionRefusedError(111, "refused")))


def test_configuration_and_authorisation_errors_stop_the_worker() -> None:
    assert is_fatal(TopicAuthorizationFailedError())
    assert is_fatal(_wrapped(TopicAuthorizationFailedError()))
    assert is_fatal(KafkaError("Unexpected error during batch delivery"))  # no known cause
    assert is_fatal(ValueError("a bug"))


def test_retriable_and_fencing_errors_are_redone() -> None:
    assert not is_fatal(KafkaConnectionError())
    assert not is_fatal(ProducerFenced())
