"""The worker's logging: secrets kept out of debug dumps, expected retries demoted to debug."""

from __future__ import annotations

import logging


class _RetriedNotEnoughReplicas(logging.Filter):
    """Kafka 4's transaction verification answers this client's first write after a commit
    with NOT_ENOUGH_REPLICAS while the previous transaction's markers are being written;
    aiokafka retries and logs a warning each time. Those become debug records: a retry that
    keeps failing surfaces as a failed transaction, which is logged and retried."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and "NotEnoughReplicas" in record.getMessage():
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def quiet_client_logs(level: int) -> None:
    """kafka-python's admin client logs its whole config (SASL password included) at debug;
    aiokafka's expected NotEnoughReplicas retries become debug records."""
    logging.getLogger("kafka.admin.client").setLevel(max(logging.INFO, level))
    logging.getLogger("aiokafka.producer.sender").addFilter(_RetriedNotEnoughReplicas())
