"""`newsflow deadletter` on the real broker: list, show, and redrives run at the same time
and one after another, each dead letter reaching the raw topic at most once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from pipeline.consume.deadletters import REDRIVE_HEADER
from pipeline.models import DeadLetter, ErrorCode
from tests.integration.conftest import Env, producer, read_all


def _raw_with_headers(topic: str) -> list[tuple[bytes | None, bytes, dict[str, bytes]]]:
    return [(r.key, r.value, dict(r.headers)) for r in read_all(topic)]


def test_redrive_sends_original_bytes_once_even_when_run_concurrently(env: Env) -> None:
    deadletter, raw = env.vars["NEWSFLOW_TOPICS_DEADLETTER"], env.vars["NEWSFLOW_TOPICS_RAW"]
    p = producer()
    for n, code in enumerate([ErrorCode.INVALID_JSON] * 4 + [ErrorCode.TOO_LARGE]):
        letter = DeadLetter(error_code=code, error=f"reason {n}", source_topic=raw, partition=0,
                            offset=n, key=f"k{n}", value=f"{{broken {n}",
                            first_seen=datetime.now(UTC))  # fmt: skip
        p.send(deadletter, key=f"k{n}".encode(), value=letter.model_dump_json().encode())
    p.flush()
    p.close()

    listed = env.run("deadletter", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["0:0", "0:1", "0:2", "0:3", "0:4"]
    assert env.run("deadletter", "list", "--code", "too_large").stdout.count("too_large") == 1

    # Three redrives of the same dead letters at once, then two more after them.
    command = [sys.executable, "-m", "pipeline.cli", "deadletter", "redrive", "--code",
               "invalid_json", "--json"]  # fmt: skip
    running = [
        subprocess.Popen(
            command,
            env={**os.environ, **env.vars},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(r.wait(timeout=120), *r.communicate()) for r in running]
    assert all(code in (0, 5) for code, _, _ in results), results
    for code, _, err in results:
        if code == 5:  # fenced by a redrive that started later: one line, nothing sent twice
            assert "another redrive started meanwhile" in err and err.count("\n") == 1
    for _ in range(2):
        again = env.run("deadletter", "redrive", "0:0", "0:1", "--json")
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["sent"] == []

    redriven = [m for m in _raw_with_headers(raw) if REDRIVE_HEADER in m[2]]
    origins = sorted(m[2][REDRIVE_HEADER].decode() for m in redriven)
    assert len(origins) == len(set(origins))  # at most once
    assert set(origins) <= {f"{deadletter}:0:{n}" for n in range(4)}
    sent = {m[2][REDRIVE_HEADER].decode(): (m[0], m[1]) for m in redriven}
    for origin, (key, value) in sent.items():
        n = origin.rsplit(":", 1)[1]
        assert (key, value) == (f"k{n}".encode(), f"{{broken {n}".encode())

    table = env.run("deadletter", "list").stdout.splitlines()
    states = {line.split()[0]: line.split()[-3] for line in table[1:]}
    assert {i for i, s in states.items() if s == "sent"} == {o.split(":", 1)[1] for o in sent}
    shown = env.run("deadletter", "show", "4")
    assert shown.returncode == 0 and json.loads(shown.stdout)["error"] == "reason 4"
    assert json.loads(shown.stdout)["redrive"] is None
