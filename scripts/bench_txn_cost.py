"""What one Kafka transaction costs the client's loop and the broker, apart from its records.

One transactional producer commits N transactions paced at R per second, each with M records
of 400 bytes spread over K output partitions (up to 9, over three 4-partition topics) and an
input offset, as the worker's commit does. Prints the CPU of this process and of the local
broker per transaction, the broker's idle CPU (measured just before, as long) subtracted.

    flock /work/it.lock sh -c 'newsflow kafka start; python scripts/bench_txn_cost.py 300 20 25 9'

Arguments: N R M K [linger_ms]. Its topics are deleted at the end.
"""

import asyncio
import json
import os
import sys
import time
import uuid

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition

from pipeline.config import load_settings
from pipeline.tools import bench

N, R, M, K = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
LINGER = int(sys.argv[5]) if len(sys.argv) > 5 else 0
settings = load_settings()
BROKER = bench._broker_pid(settings)
TICK = os.sysconf("SC_CLK_TCK")


def broker_cpu() -> float:
    with open(f"/proc/{BROKER}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def main() -> None:
    run = uuid.uuid4().hex[:8]
    topics = [f"txcost-{run}-{t}" for t in ("in", "a", "b", "c")]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    await admin.create_topics([NewTopic(t, 4, 1) for t in topics])
    await asyncio.sleep(2)
    # K partitions touched: a0..a3, b0..b3, c0 in that order
    targets = (
        [(topics[1], p) for p in range(4)] + [(topics[2], p) for p in range(4)] + [(topics[3], 0)]
    )
    targets = targets[:K]
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        transactional_id=f"txcost-{run}",
        enable_idempotence=True,
        acks="all",
        retry_backoff_ms=20,
        linger_ms=LINGER,
    )
    await producer.start()
    value = b"x" * 400
    for warm in range(5):  # metadata, coordinators
        async with producer.transaction():
            for i in range(M):
                t, p = targets[i % K]
                await producer.send(t, value=value, key=b"k", partition=p)
            await producer.send_offsets_to_transaction(
                {TopicPartition(topics[0], 0): warm}, f"txcost-{run}"
            )
    idle0 = broker_cpu()
    t0 = time.monotonic()
    await asyncio.sleep(N / R)
    idle = (broker_cpu() - idle0) / (time.monotonic() - t0)
    b0, c0, t0 = broker_cpu(), time.process_time(), time.monotonic()
    for n in range(N):
        due = t0 + n / R
        if (wait := due - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        async with producer.transaction():
            for i in range(M):
                t, p = targets[i % K]
                await producer.send(t, value=value, key=b"k", partition=p)
            await producer.send_offsets_to_transaction(
                {TopicPartition(topics[0], 0): 5 + n}, f"txcost-{run}"
            )
    took = time.monotonic() - t0
    client = time.process_time() - c0
    broker = broker_cpu() - b0 - idle * took
    await producer.stop()
    await admin.delete_topics(topics)
    await admin.close()
    print(
        json.dumps(
            {
                "transactions": N,
                "rate": R,
                "records": M,
                "partitions": K,
                "linger_ms": LINGER,
                "seconds": round(took, 1),
                "achieved_rate": round(N / took, 1),
                "client_ms_per_tx": round(1000 * client / N, 2),
                "broker_ms_per_tx": round(1000 * broker / N, 2),
                "broker_idle_cores": round(idle, 3),
                "load": os.getloadavg()[0],
            }
        )
    )


asyncio.run(main())
