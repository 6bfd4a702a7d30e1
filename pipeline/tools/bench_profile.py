"""Where a worker's event loop spends its CPU in a timed burst: py-spy on the bench's workers.

With ``BENCH_PYSPY=DIR`` set (and ``py-spy`` on PATH or beside the interpreter),
``newsflow bench`` samples each worker's own process — its event loop and threads, not the
NLP children — through every timed pipeline window (``py-spy record --nonblocking``, idle
samples left out) into ``DIR/<window>-<pid>.txt`` (collapsed stacks). Off by default: a
sampler takes CPU of its own. (Not a ``NEWSFLOW_*`` name: those are settings, and the
workers, which inherit the bench's environment, refuse unknown ones.)

``python -m pipeline.tools.bench_profile FILE...`` sums the files: the share of samples
in each part (:data:`PARTS`; waits left out) and the functions where samples ended.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ENV = "BENCH_PYSPY"
RATE = 100  # samples per second

# Waits that py-spy's --nonblocking sampling does not always recognise as idle: left out.
IDLE = ("EpollSelector.select", "_PollLikeSelector.select", "Condition.wait", "Event.wait")
# What a sample was spent on: the innermost frame that matches a rule decides, so a socket
# write inside aiokafka inside the worker's commit counts as the socket write.
PARTS = (
    ("socket writes (Kafka requests; loopback TCP in the kernel)", ("SocketTransport.write",)),
    ("waking the loop from another thread", ("_write_to_self",)),
    ("language detection (fastText)", ("fasttext/",)),
    ("pydantic (validate, dump)", ("pydantic/",)),
    ("JSON", ("json/", "orjson")),
    ("worker: trends", ("pipeline/trends",)),
    ("worker: stories", ("pipeline/stories",)),
    ("worker: processor (validate, dedup, build events)", ("pipeline/worker/process",
     "pipeline/worker/dedup", "pipeline/worker/validate", "pipeline/ingest/")),
    ("worker: delivery (transactions, sends)", ("pipeline/worker/delivery",)),
    ("worker: NLP pool client", ("pipeline/worker/nlp_pool",)),
    ("aiokafka (client, protocol, record batches)", ("aiokafka/",)),
    ("faust / mode (consumer thread, streams, tables)", ("faust/", "mode/")),
    ("worker: other", ("pipeline/",)),
    ("asyncio event loop", ("asyncio/",)),
)  # fmt: skip


def _py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def sampled(window: str, pids: Sequence[int]) -> Iterator[None]:
    """Sample ``pids`` while the block runs when ``BENCH_PYSPY`` names a folder."""
    folder = os.environ.get(ENV)
    tool = _py_spy() if folder else None
    if not folder or tool is None:
        yield
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    name = window.replace(" ", "-")
    record = [tool, "record", "--nonblocking", "-r", str(RATE), "-f", "raw"]
    samplers = [
        subprocess.Popen(
            [*record, "-p", str(pid), "-o", str(Path(folder) / f"{name}-{pid}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]
    try:
        yield
    finally:
        for sampler in samplers:
            sampler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for sampler in samplers:
            sampler.wait(timeout=30)


def read_stacks(paths: Sequence[Path]) -> Counter[str]:
    """Collapsed stacks (``outer;…;inner COUNT``) summed over the files."""
    stacks: Counter[str] = Counter()
    for path in paths:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks[stack] += int(count)
    return stacks


def part_of(stack: str) -> str:
    """What the innermost frame that any rule of ``PARTS`` matches belongs to; ``idle`` for
    a wait."""
    frames = stack.split(";")
    if frames[-1].startswith(IDLE):
        return "idle"
    for frame in reversed(frames):
        for name, needles in PARTS:
            if any(needle in frame for needle in needles):
                return name
    return "other"


def summary(stacks: Counter[str], top: int = 15) -> str:
    parts: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for stack, count in stacks.items():
        part = part_of(stack)
        parts[part] += count
        if part != "idle":
            leaves[stack.rsplit(";", 1)[-1]] += count
    idle = parts.pop("idle", 0)
    total = sum(parts.values())
    if not total:
        return "no samples"
    lines = [f"{total} samples ({idle} more in waits, left out)"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in parts.most_common()]
    lines.append("self (innermost frame):")
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in leaves.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(read_stacks([Path(p) for p in sys.argv[1:]])))
