"""``newsflow worker`` whose Faust producer, once the app has started, sends a record to a
topic created after the producer started (``python -m tests.integration.late_topic_worker``).

aiokafka's producer keeps the metadata of every topic until it first waits for one it does not
know; from then on it asks the broker about the topics it has sent to alone, and one it never
sent to — the seen table's changelog — drops out of its cache. A worker meets this when Faust
creates a changelog after the producer started and the refresh after creating it misses the
new topic: the table's first write sends to it. Here the late topic is made on purpose, so
that the worker's producer is in that state before any article arrives.
"""

from __future__ import annotations

import sys
from typing import Any


def main() -> int:
    import faust
    from kafka.admin import KafkaAdminClient, NewTopic

    from pipeline.cli import main as newsflow
    from pipeline.config import Settings
    from pipeline.worker import runner
    from pipeline.worker.app import create_app

    def with_a_late_topic(settings: Settings, *args: Any, **kwargs: Any) -> faust.App:
        app = create_app(settings, *args, **kwargs)

        async def send_to_a_late_topic() -> None:
            topic = f"{settings.worker.app_id}-late"
            admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
            try:
                admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
            finally:
                admin.close()
            await (await app.producer.send(topic, b"k", b"v", None, None, None))
            print("late topic sent", flush=True)

        app.task(send_to_a_late_topic)
        return app

    runner.create_app = with_a_late_topic  # type: ignore[assignment]
    sys.argv = ["newsflow", "worker"]
    return newsflow()


if __name__ == "__main__":  # the NLP processes import this module again: they must not run it
    sys.exit(main())
