"""Newsflow's errors, under one root, split by who catches them.

    NewsflowError
    ├── ConfigError              bad or missing settings; the CLI exits 2
    ├── SetupError               a tool the broker needs is missing (java, mvn); exit 3
    ├── BrokerError              the local broker failed to start, stop or answer; exit 4
    ├── KafkaUnavailable         the cluster cannot be reached in the bounded time; exit 5
    ├── AuthenticationFailed     the cluster answers but refuses our SASL login; exit 9
    ├── IngestError              an input file cannot be read at all; exit 6
    │   └── MalformedInput       input that cannot be split into records (a one-line reason)
    ├── DemoError                `newsflow demo` did not see its articles through; exit 7
    ├── BenchError               `newsflow bench` could not complete a phase; exit 8
    ├── WorkerFailed             the worker stopped on a fatal error (a Kafka error the client
    │                            marks non-retriable, a background task dying); exit 10
    ├── Abandoned                work given up because the worker is stopping (the NLP pool
    │                            closed under it): never dead-lettered, its offset stays
    │                            uncommitted and the next owner redoes it
    └── RejectedMessage          one message is bad; the worker dead-letters it, never exits
        (carries the ErrorCode and a reason; the dead letter adds topic/partition/offset)

Third-party errors are translated at the boundary (``raise ... from exc``); Kafka client
errors in one place, :func:`pipeline.kafka.failures.kafka_error`.
"""

from __future__ import annotations

from pipeline.models import ErrorCode


class NewsflowError(Exception):
    """Root of every error Newsflow raises on purpose."""

    exit_code: int = 1


class ConfigError(NewsflowError):
    exit_code = 2


class SetupError(NewsflowError):
    exit_code = 3


class BrokerError(NewsflowError):
    exit_code = 4


class KafkaUnavailable(NewsflowError):
    exit_code = 5

    @classmethod
    def at(cls, bootstrap: str, hint: str = "") -> KafkaUnavailable:
        suffix = f" ({hint})" if hint else ""
        return cls(f"no Kafka broker answers at {bootstrap}{suffix}")


class AuthenticationFailed(NewsflowError):
    """The broker rejected the configured SASL credentials or mechanism. Not retried: a
    wrong password stays wrong. The message names user and mechanism, never the password."""

    exit_code = 9  # added after DemoError (7) and BenchError (8)

    def __init__(self, bootstrap: str, username: str | None, mechanism: str, reason: str) -> None:
        super().__init__(
            f"authentication failed at {bootstrap} for SASL user {username!r} ({mechanism}): "
            f"{reason}"
        )
        self.bootstrap = bootstrap
        self.username = username
        self.mechanism = mechanism
        self.reason = reason


class Abandoned(NewsflowError):
    exit_code = 1


class IngestError(NewsflowError):
    exit_code = 6


class MalformedInput(IngestError):
    """JSON that cannot be read past a point: not JSON, nested too deeply, an item too long.
    Callers that can go on (the next file, the next line) turn it into a rejection."""


class DemoError(NewsflowError):
    exit_code = 7


class BenchError(NewsflowError):
    exit_code = 8


class WorkerFailed(NewsflowError):
    """The worker stopped itself: going on would be unsafe or useless (the orchestrator
    restarts it)."""

    exit_code = 10


class RejectedMessage(NewsflowError):
    """A message that cannot become an enriched event; it goes to the dead-letter topic."""

    def __init__(
        self, code: ErrorCode, reason: str, *, detected_language: str | None = None
    ) -> None:
        super().__init__(f"{code.value}: {reason}")
        self.code = code
        self.reason = reason
        self.detected_language = detected_language  # ISO 639-1, when the text was identified
