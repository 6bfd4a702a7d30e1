"""Where a worker's event loop spends its CPU in a timed burst: py-spy on the bench's workers.

With ``BENCH_PYSPY=DIR`` set (and ``py-spy`` on PATH or beside the interpreter),
``newsflow bench`` samples each worker's own process — its event loop and threads, not the
NLP children — through every timed pipeline window (``py-spy record --nonblocking``, idle
samples left out) into ``DIR/<window>-<pid>.txt`` (collapsed stacks). Off by default: a
sampler takes CPU of its own. (Not a ``NEWSFLOW_*`` name: those are settings, and the
workers, which inherit the bench's environment, refuse unknown ones.)

``python -m pipeline.tools.bench_profile FILE...`` sums the files: the share of samples
under each part (inclusive) and the functions where samples ended (self).
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

# Inclusive parts, in order of precedence: a stack counts for the first part any of its
# frames is in, so the pipeline's own steps win over the libraries they call.
PARTS = (
    ("worker: processor (validate, dedup, build events)", ("pipeline/worker/process",)),
    ("worker: delivery (transactions, sends)", ("pipeline/worker/delivery",)),
    ("worker: NLP pool client", ("pipeline/worker/nlp_pool",)),
    ("worker: trends", ("pipeline/trends",)),
    ("worker: stories", ("pipeline/stories",)),
    ("worker: other pipeline code", ("pipeline/",)),
    ("faust (consumer, streams, tables)", ("faust/", "mode/")),
    ("aiokafka (client, protocol, record batches)", ("aiokafka/",)),
    ("kafka-python", ("kafka/",)),
    ("asyncio event loop", ("asyncio/",)),
)


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
    """The first of ``PARTS`` that any frame of the stack is in."""
    frames = stack.split(";")
    for name, needles in PARTS:
        if any(needle in frame for frame in frames for needle in needles):
            return name
    return "other"


def summary(stacks: Counter[str], top: int = 15) -> str:
    total = sum(stacks.values())
    if not total:
        return "no samples"
    parts: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for stack, count in stacks.items():
        parts[part_of(stack)] += count
        leaves[stack.rsplit(";", 1)[-1]] += count
    lines = [f"{total} samples"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in parts.most_common()]
    lines.append("self (innermost frame):")
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in leaves.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(read_stacks([Path(p) for p in sys.argv[1:]])))
