"""What one Kafka transaction costs the client's loop and the broker, apart from its records.

One transactional producer commits N transactions paced at R per second, each with M records
of 400 bytes spread over K output partitions (up to 9, over three 4-partition topics) and an
input offset, as the worker's commit does. Prints the CPU of this process and of the local
broker per transaction, the broker's idle CPU (measured just before, as long) subtracted.

On the running broker (``newsflow kafka start``), warmed up by a few transactions:

    flock /work/it.lock sh -c 'newsflow kafka start; python scripts/bench_txn_cost.py 300 20 25 9'

With ``--variants``, the script starts the embedded broker itself once per variant (JVM flags
and ``server.properties`` settings, ``VARIANTS`` below), in a scratch state directory whose
data is wiped before each start, warms it up for ``--warm-seconds`` with article-shaped
transactions read back by a consumer (``pipeline/tools/bench_warm.py``, what ``newsflow
bench`` does), then measures; ``--rounds`` repeats the variants, every other round in reverse
order, so that a drift of the machine's load falls on all of them. Nothing may listen on the
broker's port:

    flock /work/it.lock python scripts/bench_txn_cost.py 300 20 25 9 \
        --variants g1,serial,parallel --rounds 2 --state-dir /tmp/txcost

Arguments: N R M K [linger_ms]. Its topics are deleted at the end. One JSON line per run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition

from pipeline.config import Settings, load_settings
from pipeline.kafka.broker import JVM_OPTIONS, LocalBroker
from pipeline.tools import bench, bench_proc
from pipeline.tools.bench_warm import warm_broker

TICK = os.sysconf("SC_CLK_TCK")

# name → (JVM flags besides -Xmx, server.properties overrides). The heap's ceiling is
# NEWSFLOW_BROKER_HEAP (512m by default) in every variant.
FEWER_THREADS = {"num.network.threads": "1", "num.io.threads": "2"}
VARIANTS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "g1": (JVM_OPTIONS, {}),
    "serial": (("-Xms128m", "-XX:+UseSerialGC"), {}),
    "parallel": (("-Xms128m", "-XX:+UseParallelGC"), {}),
    "g1-fixed-heap": (("-Xms{heap}", "-XX:+UseG1GC", "-XX:+AlwaysPreTouch"), {}),
    "serial-fixed-heap": (("-Xms{heap}", "-XX:+UseSerialGC", "-XX:+AlwaysPreTouch"), {}),
    "g1-few-threads": (JVM_OPTIONS, FEWER_THREADS),
    "serial-few-threads": (("-Xms128m", "-XX:+UseSerialGC"), FEWER_THREADS),
}


def broker_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def broker_memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM in MB."""
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
    return {k: round(int(v) / 1024, 1) for k, v in found.items()}


async def measure(
    settings: Settings, broker: int, n: int, rate: float, m: int, k: int, linger: int
) -> dict[str, object]:
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
    targets = targets[:k]
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        transactional_id=f"txcost-{run}",
        enable_idempotence=True,
        acks="all",
        retry_backoff_ms=20,
        linger_ms=linger,
    )
    await producer.start()
    value = b"x" * 400
    for warm in range(5):  # metadata, coordinators
        async with producer.transaction():
            for i in range(m):
                t, p = targets[i % k]
                await producer.send(t, value=value, key=b"k", partition=p)
            await producer.send_offsets_to_transaction(
                {TopicPartition(topics[0], 0): warm}, f"txcost-{run}"
            )
    idle0 = broker_cpu(broker)
    t0 = time.monotonic()
    await asyncio.sleep(min(n / rate, 10.0))
    idle = (broker_cpu(broker) - idle0) / (time.monotonic() - t0)
    b0, c0, t0 = broker_cpu(broker), time.process_time(), time.monotonic()
    busy0 = bench_proc.machine_busy()
    for i_tx in range(n):
        due = t0 + i_tx / rate
        if (wait := due - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        async with producer.transaction():
            for i in range(m):
                t, p = targets[i % k]
                await producer.send(t, value=value, key=b"k", partition=p)
            await producer.send_offsets_to_transaction(
                {TopicPartition(topics[0], 0): 5 + i_tx}, f"txcost-{run}"
            )
    took = time.monotonic() - t0
    client = time.process_time() - c0
    used = broker_cpu(broker) - b0 - idle * took
    # What else ran: the machine's busy CPU less the broker's and this process's.
    others = bench_proc.machine_busy() - busy0 - (broker_cpu(broker) - b0) - client
    await producer.stop()
    await admin.delete_topics(topics)
    await admin.close()
    return {
        "transactions": n,
        "rate": rate,
        "records": m,
        "partitions": k,
        "linger_ms": linger,
        "seconds": round(took, 1),
        "achieved_rate": round(n / took, 1),
        "client_ms_per_tx": round(1000 * client / n, 2),
        "broker_ms_per_tx": round(1000 * used / n, 2),
        "broker_idle_cores": round(idle, 3),
        "other_cores": round(max(0.0, others) / took, 2),
        "load": os.getloadavg()[0],
    }


def run_variant(
    settings: Settings, name: str, args: argparse.Namespace, round_no: int
) -> dict[str, object]:
    """Start the broker as ``name`` says, warm it up, measure, stop it."""
    flags, props = VARIANTS[name]
    jvm = [f.format(heap=settings.broker.heap) for f in flags]
    broker = LocalBroker(settings, jvm_options=jvm, properties=props)
    shutil.rmtree(broker.data, ignore_errors=True)  # the same empty log for every variant
    broker.start()
    try:
        pid = broker.status().pid
        assert pid is not None
        started = broker_cpu(pid)
        prefix = f"txwarm-{uuid.uuid4().hex[:8]}"
        warmed = warm_broker(settings, prefix, args.warm_seconds, args.warm_seconds, pid)
        warm_cpu = broker_cpu(pid) - started
        figures = asyncio.run(
            measure(settings, pid, args.n, args.rate, args.m, args.k, args.linger)
        )
        return {
            "variant": name,
            "round": round_no,
            "jvm": jvm,
            "properties": props,
            "warm_transactions": warmed.transactions,
            "warm_broker_ms_per_tx": round(1000 * warm_cpu / max(1, warmed.transactions), 2),
            "warm_jit_share_last_slice": warmed.jit_share,
            **figures,
            "broker_mb": broker_memory(pid),
        }
    finally:
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="transactions measured")
    parser.add_argument("rate", type=float, help="transactions per second")
    parser.add_argument("m", type=int, help="records per transaction")
    parser.add_argument("k", type=int, help="partitions per transaction (at most 9)")
    parser.add_argument("linger", type=int, nargs="?", default=0, help="producer linger_ms")
    parser.add_argument("--variants", help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warm-seconds", type=float, default=15.0)
    parser.add_argument("--state-dir", type=Path, default=Path("/tmp/newsflow-txcost"))
    args = parser.parse_args()
    settings = load_settings()
    if not args.variants:
        broker = bench._broker_pid(settings)
        if broker is None:
            raise SystemExit("no local broker found: newsflow kafka start")
        figures = asyncio.run(
            measure(settings, broker, args.n, args.rate, args.m, args.k, args.linger)
        )
        print(json.dumps(figures), flush=True)
        return
    names = args.variants.split(",")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    settings = settings.model_copy(update={"state_dir": args.state_dir})
    jars = args.state_dir / "kafka" / "jars"
    own_jars = (Path(".newsflow") / "kafka" / "jars").resolve()
    if not jars.exists() and own_jars.is_dir():  # no second download of the jars
        jars.parent.mkdir(parents=True, exist_ok=True)
        jars.symlink_to(own_jars)
    for round_no in range(args.rounds):
        order = names if round_no % 2 == 0 else names[::-1]
        for name in order:
            print(json.dumps(run_variant(settings, name, args, round_no + 1)), flush=True)


if __name__ == "__main__":
    main()
