"""Timing helpers for the linear-time tests, kept free of heavy imports so that a fresh
interpreter can run them (see ``ratio_in_fresh_process``)."""

from __future__ import annotations

import gc
import json
import math
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_RATIO = 2.5
_ROOT = Path(__file__).resolve().parents[2]


def seconds(run: Callable[[], object], repeats: int, floor: float = 0.05) -> float:
    """CPU seconds of one run: the best of ``repeats`` measurements, each repeating a fast
    run until ``floor`` seconds have passed, so that timer noise and a collection cycle do
    not decide a ratio of milliseconds."""
    best = float("inf")
    for _ in range(repeats):
        # The collector's full passes cost what the whole heap holds (models and data of
        # earlier tests), not what the input does: it is kept out of the measurement.
        gc.collect()
        gc.disable()
        try:
            runs, start = 0, time.thread_time()
            while True:
                run()
                runs += 1
                elapsed = time.thread_time() - start
                if elapsed >= floor:
                    break
        finally:
            gc.enable()
        best = min(best, elapsed / runs)
    return best


def ratio(
    work: Callable[[str], object],
    make: Callable[[int], str],
    n: int,
    repeats: int = 3,
    factor: int = 2,
) -> float:
    """How many times the time grows per doubling of the input, from ``work(make(n))`` and
    ``work(make(factor * n))``: the lowest of three attempts (a busy machine only adds time;
    a quadratic cost fails every attempt).

    A ``factor`` of 4 measures two doublings at once: the same error of measurement weighs
    half as much per doubling (a linear cost timed 30 % high reads 2.6 per doubling at 2n,
    2.3 at 4n), while a quadratic one still reads 4."""
    small, large = make(n), make(factor * n)
    work(make(max(1, n // 8)))  # warm up: first-use loading is not what is measured
    doublings = math.log2(factor)
    found = float("inf")
    for _ in range(3):
        grown = seconds(lambda: work(large), repeats) / seconds(lambda: work(small), repeats)
        found = grown ** (1 / doublings)
        if found <= MAX_RATIO:
            break
    return found


def assert_linear(
    work: Callable[[str], object], make: Callable[[int], str], n: int, repeats: int = 3
) -> None:
    """Time ``work(make(n))`` and ``work(make(2n))``; the ratio is at most MAX_RATIO."""
    found = ratio(work, make, n, repeats)
    assert found <= MAX_RATIO, f"time grew {found:.2f}x when the input doubled (n={n})"


def ratio_in_fresh_process(code: str, *args: str) -> Any:
    """Run ``code`` (which prints its ratios as JSON on its last line) in a new interpreter.

    Why: functions of a few milliseconds on strings of megabytes are timed at the scale
    where the process's heap decides how well the caches hold. Inside the whole suite the
    heap holds spaCy models and earlier tests' data, and a linear function measured 2.5–2.8x
    per doubling (2.1x alone); a fresh interpreter measures the function, not the suite."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=_ROOT, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
