"""Summing py-spy's collapsed stacks of the bench's workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.tools import bench_profile
from pipeline.tools.bench_profile import part_of, read_stacks, sampled, summary

DELIVERY = "run (asyncio/events.py:80);commit (pipeline/worker/delivery/kafka_io.py:90)"
SEND = f"{DELIVERY};send (aiokafka/producer/producer.py:400)"
FETCH = "run (asyncio/events.py:80);_fetch (aiokafka/consumer/fetcher.py:300)"


def test_stacks_are_summed_over_files_and_the_pipeline_step_outside_a_library_decides(
    tmp_path: Path,
) -> None:
    one, two = tmp_path / "a.txt", tmp_path / "b.txt"
    one.write_text(f"{SEND} 30\n{FETCH} 50\n")
    two.write_text(f"{SEND} 20\n\n")

    stacks = read_stacks([one, two])

    assert stacks == {SEND: 50, FETCH: 50}
    # The aiokafka send under the worker's commit counts for delivery, a bare fetch for aiokafka.
    assert part_of(SEND) == "worker: delivery (transactions, sends)"
    assert part_of(FETCH) == "aiokafka (client, protocol, record batches)"
    text = summary(stacks)
    assert "100 samples" in text
    assert " 50.0 %  worker: delivery" in text
    assert " 50.0 %  send (aiokafka/producer/producer.py:400)" in text


def test_without_the_variable_nothing_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(bench_profile.ENV, raising=False)
    started: list[object] = []
    monkeypatch.setattr(bench_profile.subprocess, "Popen", lambda *a, **k: started.append(a))

    with sampled("pipeline 1x2", [1, 2]):
        pass

    assert started == []
