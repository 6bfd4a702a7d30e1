from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.tools import bench_proc
from pipeline.tools.bench_proc import TICK, between, read_stat, sample

BENCH, WORKER, BROKER, OUTSIDER = 100, 200, 300, 400


class FakeProc:
    """A ``/proc`` tree in a temporary directory: processes in CPU seconds, the machine's busy
    seconds, listening sockets."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "net").mkdir(parents=True)
        self.busy(0.0)

    def process(
        self, pid: int, ppid: int, own: float, reaped: float = 0.0, name: str = "python3"
    ) -> None:
        ticks = [round(own * TICK), 0, round(reaped * TICK), 0]
        fields = ["S", ppid, *([0] * 9), *ticks, *([0] * 30)]
        (self.root / str(pid)).mkdir(exist_ok=True)
        (self.root / str(pid) / "stat").write_text(f"{pid} ({name}) {' '.join(map(str, fields))}")

    def gone(self, pid: int) -> None:
        (self.root / str(pid) / "stat").unlink()
        (self.root / str(pid)).rmdir()

    def busy(self, seconds: float) -> None:
        user = round(seconds * TICK)
        (self.root / "stat").write_text(f"cpu  {user} 0 0 999999 7 0 0 0 0 0\ncpu0 0 0 0 0\n")


def test_read_stat_survives_spaces_and_parentheses_in_the_name() -> None:
    fields = "S 42 " + " ".join(["0"] * 9) + f" {3 * int(TICK)} {int(TICK)} {2 * int(TICK)} 0 9 9"
    stat = read_stat(f"7 (a (b) c) {fields}")
    assert stat == bench_proc.Stat(ppid=42, own=4.0, reaped=2.0, name="a (b) c")


def test_each_kind_counts_its_processes_and_a_replaced_child_still_counts(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path)
    proc.process(BENCH, 1, own=1.0)
    proc.process(WORKER, BENCH, own=2.0)
    proc.process(201, WORKER, own=5.0)  # NLP child A
    proc.process(202, WORKER, own=4.0)  # NLP child B
    proc.process(209, WORKER, own=0.3)  # the resource tracker
    (tmp_path / "209" / "cmdline").write_bytes(
        b"python\0-c\0from multiprocessing.resource_tracker import main;main(7)\0"
    )
    proc.process(BROKER, 1, own=50.0, name="java")
    proc.process(OUTSIDER, 1, own=7.0)
    proc.busy(100.0)
    start = sample([WORKER], [WORKER], BROKER, bench=BENCH, proc=tmp_path)
    assert start.used == {
        "nlp": 9.0,
        "loop": 2.3,
        "broker": 50.0,
        "bench": 1.0,
        "other": pytest.approx(100.0 - 62.3),
    }
    # A ends at 6 s and is reaped by the worker; its replacement C uses 0.5 s; B goes on.
    proc.gone(201)
    proc.process(WORKER, BENCH, own=2.5, reaped=6.0)
    proc.process(203, WORKER, own=0.5)
    proc.process(202, WORKER, own=7.0)
    proc.process(BROKER, 1, own=50.4, name="java")
    proc.process(BENCH, 1, own=1.2)
    proc.busy(100.0 + 8.0)
    end = sample([WORKER], [WORKER], BROKER, bench=BENCH, proc=tmp_path)
    use = between("pipeline 1x2", start, end, articles=40)
    cpu = use.cpu_seconds
    assert cpu["nlp"] == pytest.approx(1.0 + 0.5 + 3.0)  # A's last second, C, B
    assert cpu["loop"] == pytest.approx(0.5) and cpu["broker"] == pytest.approx(0.4)
    assert cpu["bench"] == pytest.approx(0.2)
    assert cpu["other"] == pytest.approx(8.0 - 5.6)
    assert use.ms_per_article("nlp") == pytest.approx(1000 * 4.5 / 40)


def test_other_is_never_negative_and_a_window_gives_cores(tmp_path: Path) -> None:
    start = bench_proc.Sample(10.0, {"nlp": 0, "loop": 0, "broker": 0, "bench": 0, "other": 5})
    end = bench_proc.Sample(14.0, {"nlp": 6, "loop": 1, "broker": 0, "bench": 0, "other": 4.9})
    use = between("w", start, end, articles=0)
    assert use.cpu_seconds["other"] == 0.0
    assert use.cores("nlp") == 1.5 and use.cores("loop") == 0.25
    assert use.ms_per_article("nlp") == 0.0  # no articles: no per-article figure


def test_the_ceiling_window_counts_the_bench_pool_children_as_nlp(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path)
    proc.process(BENCH, 1, own=1.0)
    proc.process(101, BENCH, own=3.0)
    got = sample([], [BENCH], None, bench=BENCH, proc=tmp_path).used
    assert got["nlp"] == 3.0 and got["loop"] == 0.0 and got["broker"] == 0.0


def _listen(proc: FakeProc, pid: int, port: int, inode: int) -> None:
    row = f"0: 0100007F:{port:04X} 00000000:0000 0A 0:0 0:0 0 0 0 {inode} 1"
    (proc.root / "net" / "tcp6").write_text("header\n" + row + "\n")
    (proc.root / str(pid) / "fd").mkdir()
    os.symlink("/dev/null", proc.root / str(pid) / "fd" / "0")
    os.symlink(f"socket:[{inode}]", proc.root / str(pid) / "fd" / "9")


def test_broker_from_its_pid_file_else_from_the_listening_socket(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path / "proc")
    proc.process(BROKER, 1, own=1.0, name="java")
    proc.process(OUTSIDER, 1, own=1.0)
    _listen(proc, BROKER, 9092, inode=4711)
    pid_file = tmp_path / "broker.pid"
    assert bench_proc.broker_pid(pid_file, 9092, proc.root) == BROKER  # no pid file
    pid_file.write_text(f"{OUTSIDER}\n")
    assert bench_proc.broker_pid(pid_file, 9092, proc.root) == OUTSIDER
    pid_file.write_text("999\n")  # stale
    assert bench_proc.broker_pid(pid_file, 9092, proc.root) == BROKER
    assert bench_proc.broker_pid(pid_file, 9093, proc.root) is None
    assert bench_proc.port_of("127.0.0.1:9092,other:9093") == 9092
    assert bench_proc.port_of("broker") is None


def test_the_census_sums_other_processes_between_reads_and_leaves_out_the_bench(
    tmp_path: Path,
) -> None:
    proc = FakeProc(tmp_path)
    census = bench_proc.Census(BENCH, BROKER)
    proc.process(BENCH, 1, own=1.0)
    proc.process(BROKER, 1, own=50.0, name="java")
    proc.process(OUTSIDER, 1, own=10.0, name="java")
    proc.process(401, 1, own=1.0, name="pytest")
    census.read(bench_proc.processes(tmp_path))  # the baseline: nothing counted yet
    proc.process(BENCH, 1, own=9.0)
    proc.process(WORKER, BENCH, own=3.0)  # the bench's worker: not "other"
    proc.process(BROKER, 1, own=58.0, name="java")
    proc.process(OUTSIDER, 1, own=12.0, name="java")
    proc.process(401, 1, own=5.0, name="pytest")
    census.read(bench_proc.processes(tmp_path))
    proc.gone(401)  # pytest ends before the bench does: still counted
    proc.process(402, 1, own=0.5, name="make")  # started between reads: counted from 0
    census.read(bench_proc.processes(tmp_path))
    assert census.busiest(seconds=10.0, top=2) == [
        {"process": "pytest (401)", "cores": 0.4},
        {"process": "java (400)", "cores": 0.2},
    ]
    assert [o["process"] for o in census.busiest(seconds=10.0)][2:] == ["make (402)"]


def test_peak_rss_sums_the_worker_and_its_descendants(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path)
    for pid, ppid, kb in ((WORKER, 1, 1000), (201, WORKER, 300), (211, 201, 20)):
        proc.process(pid, ppid, own=0.0)
        (tmp_path / str(pid) / "status").write_text(f"Name:\tx\nVmHWM:\t  {kb} kB\n")
    memory = bench_proc.peak_rss(WORKER, "1x1", tmp_path)
    assert (memory.worker_bytes, memory.children_bytes) == (1000 * 1024, 320 * 1024)


WORKER_SCRIPT = """
import subprocess, sys, time
burn = "import time\\nt = time.process_time()\\nwhile time.process_time() - t < 0.4: pass"
subprocess.run([sys.executable, "-c", burn], check=True)  # an NLP child, reaped when done
t = time.process_time()
while time.process_time() - t < 0.2:
    pass
print("done", flush=True)
time.sleep(30)
"""


def test_real_processes_a_reaped_child_counts_as_nlp_and_the_worker_as_loop() -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT], stdout=subprocess.PIPE, text=True
    )
    try:
        start = sample([worker.pid], [worker.pid], None)
        assert worker.stdout is not None and worker.stdout.readline() == "done\n"
        end = sample([worker.pid], [worker.pid], None)
    finally:
        worker.kill()
        worker.wait()
    use = between("real", start, end, articles=2)
    assert use.cpu_seconds["nlp"] >= 0.38
    assert use.cpu_seconds["loop"] >= 0.19
    assert use.cpu_seconds["bench"] < use.cpu_seconds["loop"]
    assert use.ms_per_article("nlp") == 1000 * use.cpu_seconds["nlp"] / 2


def _thread(proc: FakeProc, pid: int, tid: int, name: str, own: float) -> None:
    task = proc.root / str(pid) / "task"
    task.mkdir(exist_ok=True)
    ticks = [round(own * TICK), 0, 0, 0]
    fields = ["S", 1, *([0] * 9), *ticks, *([0] * 30)]
    (task / str(tid)).mkdir(exist_ok=True)
    (task / str(tid) / "stat").write_text(f"{tid} ({name}) {' '.join(map(str, fields))}")


def test_the_brokers_jit_and_gc_threads_are_counted_by_name_within_a_window(
    tmp_path: Path,
) -> None:
    proc = FakeProc(tmp_path)
    proc.process(BENCH, 1, own=1.0)
    proc.process(BROKER, 1, own=30.0, name="java")
    for tid, name, own in [
        (301, "C2 CompilerThre", 8.0),
        (302, "C1 CompilerThre", 2.0),
        (303, "GC Thread#0", 1.0),
        (304, "G1 Conc#0", 0.5),
        (305, "data-plane-kafk", 15.0),
    ]:
        _thread(proc, BROKER, tid, name, own)
    start = sample([], [], BROKER, bench=BENCH, proc=tmp_path)
    _thread(proc, BROKER, 301, "C2 CompilerThre", 9.0)
    _thread(proc, BROKER, 305, "data-plane-kafk", 19.0)
    proc.process(BROKER, 1, own=35.0, name="java")
    end = sample([], [], BROKER, bench=BENCH, proc=tmp_path)

    assert start.broker_threads == pytest.approx({"jit": 10.0, "gc": 1.5})
    cpu = between("pipeline 1x2", start, end, articles=10)
    assert cpu.cpu_seconds["broker"] == pytest.approx(5.0)
    assert cpu.broker_threads == pytest.approx({"jit": 1.0, "gc": 0.0})
    assert bench_proc.jvm_thread_kind("VM Thread") == "gc"  # where Serial collects
    assert bench_proc.jvm_thread_kind("kafka-scheduler") is None
