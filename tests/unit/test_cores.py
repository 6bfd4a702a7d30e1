"""The NLP process default follows the cores a worker may use, not the host's."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import config
from pipeline.config import Settings, usable_cores


def _cgroup(tmp_path: Path, cpu_max: str) -> Path:
    (tmp_path / "cpu.max").write_text(cpu_max)
    return tmp_path


def test_a_cgroup_quota_caps_the_affinity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config.os, "sched_getaffinity", lambda _: set(range(64)))
    real_path = config.Path
    fake_root = _cgroup(tmp_path, "150000 100000\n")
    monkeypatch.setattr(
        config, "Path", lambda p: fake_root if p == "/sys/fs/cgroup" else real_path(p)
    )
    assert usable_cores() == 2  # 1.5 CPUs: two processes, the second half busy
    (fake_root / "cpu.max").write_text("max 100000\n")
    assert usable_cores() == 64
    monkeypatch.setattr(config.os, "sched_getaffinity", lambda _: {3})
    assert usable_cores() == 1


def test_the_worker_default_is_the_usable_cores_and_a_setting_overrides_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().worker.processes == usable_cores()
    monkeypatch.setenv("NEWSFLOW_WORKER_PROCESSES", "3")
    assert Settings().worker.processes == 3
