"""Make the Faust worker's consumer read ``read_committed``.

The trend agents read ``news.entities`` and ``news.stance``, which the worker writes in Kafka
transactions; read uncommitted, an aborted transaction's events (a fenced or retried commit)
would be counted too. Faust picks ``read_committed`` only under its own exactly_once, which
Newsflow does not use (see :mod:`pipeline.worker.app`), and offers no setting for it, so the
app gets a transport whose consumer is built with it. The other topics of the consumer are
written without transactions (``news.raw``, changelogs, the repartition topic), and for those
both isolation levels read the same records.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka


class _CommittedThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads it when the consumer starts, which happens after this returns.
        consumer._isolation_level = "read_committed"
        return consumer


class _CommittedConsumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _CommittedThread(self, loop=self.loop, beacon=self.beacon)


class _CommittedTransport(faust_aiokafka.Transport):
    Consumer = _CommittedConsumer


def read_committed(app: faust.App) -> None:
    """Give ``app`` a consumer that reads ``read_committed``; call before the worker starts."""
    app.transport = _CommittedTransport(app.conf.broker_consumer, app)
