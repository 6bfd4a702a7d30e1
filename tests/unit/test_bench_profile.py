"""Summing py-spy's collapsed stacks of the bench's workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.tools import bench_profile
from pipeline.tools.bench_profile import part_of, read_stacks, sampled, summary

DELIVERY = "run (asyncio/events.py:80);commit (pipeline/worker/delivery/kafka_io.py:90)"
SEND = f"{DELIVERY};send (aiokafka/producer/producer.py:400)"
WRITE = f"{SEND};_SelectorSocketTransport.write (asyncio/selector_events.py:1057)"
FETCH = "run (asyncio/events.py:80);_fetch (aiokafka/consumer/fetcher.py:300)"
WAIT = "run (asyncio/base_events.py:600);EpollSelector.select (selectors.py:468)"


def test_stacks_are_summed_over_files_the_innermost_known_frame_decides_and_waits_are_out(
    tmp_path: Path,
) -> None:
    one, two = tmp_path / "a.txt", tmp_path / "b.txt"
    one.write_text(f"{SEND} 30\n{FETCH} 50\n{WAIT} 70\n")
    two.write_text(f"{SEND} 10\n{WRITE} 10\n\n")

    stacks = read_stacks([one, two])

    assert stacks == {SEND: 40, FETCH: 50, WAIT: 70, WRITE: 10}
    assert part_of(SEND) == "aiokafka (client, protocol, record batches)"
    assert part_of(WRITE) == "socket writes (Kafka requests; loopback TCP in the kernel)"
    assert part_of(DELIVERY) == "worker: delivery (transactions, sends)"
    assert part_of(WAIT) == "idle"
    text = summary(stacks)
    assert "100 samples (70 more in waits, left out)" in text
    assert " 90.0 %  aiokafka" in text and " 10.0 %  socket writes" in text
    assert " 50.0 %  _fetch (aiokafka/consumer/fetcher.py:300)" in text
    assert "EpollSelector" not in text


def test_without_the_variable_nothing_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(bench_profile.ENV, raising=False)
    started: list[object] = []
    monkeypatch.setattr(bench_profile.subprocess, "Popen", lambda *a, **k: started.append(a))

    with sampled("pipeline 1x2", [1, 2]):
        pass

    assert started == []
