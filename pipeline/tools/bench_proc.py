"""What ``/proc`` says about the bench's processes: CPU per kind of process, peak memory.

CPU is counted per kind of process (``KINDS``) over each measurement window:

* ``nlp`` — every descendant of the NLP parents: the workers' NLP children in a pipeline
  window, the bench's own pool children in a ceiling window;
* ``loop`` — each worker's own process (Faust's event loop and its threads), and
  multiprocessing's resource tracker, a descendant that does no enrichment;
* ``broker`` — the local Kafka broker (its JVM), when the bench finds it (:func:`broker_pid`);
* ``bench`` — the bench process itself (producing, consuming, reading ``/proc``);
* ``other`` — everything else on the machine: the busy CPU ``/proc/stat`` counts, less the
  kinds above (never below 0).

The broker's CPU is also split by thread (:func:`jvm_threads`): its JIT compilers and its
garbage collector, by their thread names, which tell whether a window caught the JVM still
compiling.

A process's CPU is ``utime + stime`` of ``/proc/<pid>/stat``, all its threads included. A
worker's NLP children also count what the worker reaped (``cutime + cstime``), so that a
child replaced inside the window still counts. Resolution: one clock tick (10 ms).

Memory is the peak resident set (``VmHWM``) of each worker and its descendants.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("nlp", "loop", "broker", "bench", "other")
TICK = float(os.sysconf("SC_CLK_TCK"))
PROC = Path("/proc")


@dataclass(frozen=True)
class Stat:
    """One process in ``/proc``: its parent, and CPU in seconds (own; reaped children)."""

    ppid: int
    own: float
    reaped: float
    name: str


def read_stat(text: str) -> Stat:
    """Parse one ``/proc/<pid>/stat`` line (the name may hold spaces and parentheses)."""
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text.rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state): ppid is field 4, utime…cstime are fields 14–17.
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return Stat(int(fields[1]), (utime + stime) / TICK, (cutime + cstime) / TICK, name)


def processes(proc: Path = PROC) -> dict[int, Stat]:
    """Every process now running (those that vanish while being read are left out)."""
    found: dict[int, Stat] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = read_stat((entry / "stat").read_text())
            except (OSError, ValueError, IndexError):
                continue
    return found


def machine_busy(proc: Path = PROC) -> float:
    """CPU seconds the whole machine has been busy (all cores; idle and iowait excluded)."""
    first = (proc / "stat").read_text().splitlines()[0].split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in first[1:9])
    return (user + nice + system + irq + softirq + steal) / TICK


def descendants(table: dict[int, Stat], roots: Iterable[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, stat in table.items():
        children.setdefault(stat.ppid, []).append(pid)
    found: set[int] = set()
    frontier = list(roots)
    while frontier:
        kids = children.get(frontier.pop(), [])
        found.update(kids)
        frontier += kids
    return found


@dataclass(frozen=True)
class Sample:
    """CPU seconds used so far by each kind, at ``at`` (monotonic seconds), and by the
    broker's JIT and GC threads."""

    at: float
    used: dict[str, float]
    table: dict[int, Stat] = field(default_factory=dict, repr=False)
    broker_threads: dict[str, float] = field(default_factory=dict)


JVM_THREADS = ("jit", "gc")


def jvm_thread_kind(name: str) -> str | None:
    """``jit`` for HotSpot's compiler threads, ``gc`` for its collector's (G1, Parallel, and
    the VM thread where Serial collects), else None. Thread names are cut at 15 bytes."""
    if name.startswith(("C1 CompilerThre", "C2 CompilerThre")):
        return "jit"
    if name.startswith(("GC Thread", "G1 ")) or name == "VM Thread":
        return "gc"
    return None


def jvm_threads(pid: int, proc: Path = PROC) -> dict[str, float]:
    """CPU seconds of a JVM's JIT compiler and garbage collector threads so far."""
    used = dict.fromkeys(JVM_THREADS, 0.0)
    try:
        tasks = list((proc / str(pid) / "task").iterdir())
    except OSError:
        return used
    for task in tasks:
        try:
            stat = read_stat((task / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # a thread that ended meanwhile
        kind = jvm_thread_kind(stat.name)
        if kind is not None:
            used[kind] += stat.own
    return used


def sample(
    loops: Sequence[int],
    nlp_parents: Sequence[int],
    broker: int | None,
    bench: int | None = None,
    proc: Path = PROC,
) -> Sample:
    """Read ``/proc`` once; ``loops`` are the worker pids, ``nlp_parents`` whose descendants
    are the NLP processes (the workers, or the bench itself for its ceiling pool)."""
    busy = machine_busy(proc)
    table = processes(proc)
    bench = os.getpid() if bench is None else bench

    def own(pids: Iterable[int]) -> float:
        return sum(table[p].own for p in pids if p in table)

    tree = descendants(table, nlp_parents) - set(loops)
    helpers = {p for p in tree if _is_helper(p, proc)}
    nlp = tree - helpers
    used = {
        "nlp": own(nlp)
        + sum(table[p].reaped for p in nlp if p in table)
        + sum(table[p].reaped for p in loops if p in table),
        "loop": own(loops) + own(helpers),
        "broker": own([broker]) if broker is not None else 0.0,
        "bench": own([bench]),
    }
    used["other"] = busy - sum(used.values())
    threads = jvm_threads(broker, proc) if broker is not None else {}
    return Sample(time.monotonic(), used, table, threads)


def _is_helper(pid: int, proc: Path) -> bool:
    """Multiprocessing's resource tracker (``…resource_tracker import main…``)."""
    try:
        return b"resource_tracker" in (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


@dataclass(frozen=True)
class CpuUse:
    """CPU per kind over one window of ``seconds`` in which ``articles`` were enriched."""

    window: str
    seconds: float
    articles: int
    cpu_seconds: dict[str, float]
    broker_threads: dict[str, float] = field(default_factory=dict)  # CPU s, part of broker

    def cores(self, kind: str) -> float:
        """Cores the kind kept busy on average over the window (1.0 = one core)."""
        return self.cpu_seconds[kind] / self.seconds if self.seconds > 0 else 0.0

    def ms_per_article(self, kind: str) -> float:
        return 1000 * self.cpu_seconds[kind] / self.articles if self.articles else 0.0


def between(window: str, start: Sample, end: Sample, articles: int) -> CpuUse:
    """What each kind used from ``start`` to ``end`` (``other`` floored at 0: the two reads
    of a sample are a few ms apart)."""
    used = {kind: end.used[kind] - start.used[kind] for kind in KINDS}
    used["other"] = max(0.0, used["other"])
    threads = {
        kind: end.broker_threads[kind] - start.broker_threads.get(kind, 0.0)
        for kind in end.broker_threads
    }
    return CpuUse(window, end.at - start.at, articles, used, threads)


def broker_pid(state_pid_file: Path, port: int, proc: Path = PROC) -> int | None:
    """The broker's pid: from ``newsflow kafka start``'s pid file, else the process that
    listens on ``port`` on this host; None when neither is found (a remote cluster)."""
    try:
        pid = int(state_pid_file.read_text().strip())
        if (proc / str(pid)).exists():
            return pid
    except (OSError, ValueError):
        pass
    return listener(port, proc)


def listener(port: int, proc: Path = PROC) -> int | None:
    """The pid holding a TCP socket that listens on ``port`` (``/proc/net/tcp`` and ``tcp6``)."""
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local_address is HEXIP:HEXPORT; state 0A is LISTEN.
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in wanted for fd in (entry / "fd").iterdir()):
                return int(entry.name)
        except OSError:
            continue
    return None


class Census:
    """CPU of every process outside the bench's own, summed between consecutive reads of
    ``/proc``: what else ran during the bench (a process that starts and ends between two
    reads is missed; the bench reads at every window's start and end)."""

    def __init__(self, bench: int, broker: int | None) -> None:
        self._bench = bench
        self._mine = {bench} if broker is None else {bench, broker}
        self._last: dict[int, Stat] | None = None
        self._used: dict[int, float] = {}
        self._names: dict[int, str] = {}

    def read(self, table: dict[int, Stat]) -> None:
        self._mine |= descendants(table, [self._bench])
        last, self._last = self._last, table
        if last is None:
            return  # the first read is the baseline
        for pid, stat in table.items():
            before = last.get(pid)
            delta = stat.own - (before.own if before is not None else 0.0)
            if pid not in self._mine and delta > 0:
                self._used[pid] = self._used.get(pid, 0.0) + delta
                self._names[pid] = stat.name

    def busiest(self, seconds: float, top: int = 5) -> list[dict[str, object]]:
        """The ``top`` processes by CPU, as cores over ``seconds``."""
        ranked = sorted(
            ((pid, cpu) for pid, cpu in self._used.items() if pid not in self._mine),
            key=lambda item: -item[1],
        )[:top]
        return [
            {"process": f"{self._names[pid]} ({pid})", "cores": round(cpu / seconds, 3)}
            for pid, cpu in ranked
        ]


_PORT = re.compile(r":(\d+)$")


def port_of(bootstrap: str) -> int | None:
    """The port of the first ``host:port`` in a bootstrap list."""
    match = _PORT.search(bootstrap.split(",")[0].strip())
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Memory:
    """Peak resident set (VmHWM) of one worker and the sum over its child processes."""

    config: str
    pid: int
    worker_bytes: int
    children_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.worker_bytes + self.children_bytes


def peak_rss(pid: int, config: str, proc: Path = PROC) -> Memory:
    """VmHWM of ``pid`` and of all its descendants (the NLP children, the resource tracker).

    The children's peaks are summed although they may not coincide: an upper bound.
    """
    children = descendants(processes(proc), [pid])
    return Memory(
        config=config,
        pid=pid,
        worker_bytes=_vm_hwm(pid, proc),
        children_bytes=sum(_vm_hwm(child, proc) for child in children),
    )


def _vm_hwm(pid: int, proc: Path) -> int:
    try:
        status = (proc / str(pid) / "status").read_text()
    except OSError:
        return 0  # gone meanwhile
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) * 1024 if match else 0
