"""The de-duplication keys' table (``newsflow-seen``): a Faust GlobalTable written outside
stream iteration, after each transaction commits (:mod:`pipeline.worker.dedup`).

Its changelog records are partitioned by key, by Kafka's default partitioner (every worker reads
every partition anyway). Faust would pick that partition when the key is set, from its
producer's cached metadata and without waiting for it; aiokafka's producer keeps every topic's
metadata only until it first waits for a topic it does not know (a send to a Faust changelog
created after it started, which its refresh after creating it missed). From then on it asks
the broker about the topics it has sent to alone, the seen changelog drops out of its cache,
and every write of a key raises ``TypeError`` in the partitioner. Here the record leaves
without a partition: aiokafka's producer picks it, with the same partitioner, when it sends
the record, after waiting for the topic's metadata, so a key lands where it always did.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.types import CodecArg, FutureMessage


class SeenTable(faust.GlobalTable):
    """A GlobalTable whose changelog records get their partition when sent, not when set."""

    @classmethod
    def of(cls, app: faust.App, name: str, partitions: int) -> SeenTable:
        # As app.GlobalTable builds one (standby changes applied one by one).
        return cls(
            app,
            name=name,
            default=None,
            beacon=app.tables.beacon,
            partitions=partitions,
            standby_buffer_size=1,
            is_global=True,
            use_partitioner=True,
            help="De-duplication keys: key -> when its article was committed.",
        )

    def send_changelog(
        self,
        partition: int | None,
        key: Any,
        value: Any,
        key_serializer: CodecArg | None = None,
        value_serializer: CodecArg | None = None,
    ) -> FutureMessage:
        return self.changelog_topic.send_soon(
            key=key,
            value=value,
            partition=partition,  # None: the producer's partitioner, when it sends
            key_serializer=key_serializer or self.key_serializer,
            value_serializer=value_serializer or self.value_serializer,
            callback=self._on_changelog_sent,
        )

    # Faust's own read the partition just picked back from the message (for windowed tables'
    # expiry); this table has no windows, and its records have no partition yet.
    def on_key_set(self, key: Any, value: Any) -> None:
        self.send_changelog(None, key, value)
        self._sensor_on_set(self, key, value)

    def on_key_del(self, key: Any) -> None:
        self.send_changelog(None, key, value=None, value_serializer="raw")
        self._sensor_on_del(self, key)
