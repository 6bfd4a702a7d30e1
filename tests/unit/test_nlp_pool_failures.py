"""The NLP pool's invariants (pipeline/worker/nlp_pool.py) with child doubles
(tests/unit/pool_children.py): a crashed child costs only its own article, a hanging one is
stopped at its deadline by its own alarm or, when it cannot be interrupted, by being killed;
closing never waits; no child outlives its worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import pytest
from prometheus_client import CollectorRegistry

from pipeline.config import EnrichSettings, Settings
from pipeline.errors import RejectedMessage
from pipeline.models import ErrorCode, RawArticle
from pipeline.observe.metrics import WorkerMetrics
from pipeline.worker.nlp_pool import EnrichPool, PoolClosed
from pipeline.worker.process import Incoming, Outgoing, Processor
from tests.unit.pool_children import enrich_or_die, no_model

pytestmark = pytest.mark.timeout(60)


def _pool(deadline: float = float("inf"), grace: float = 1.0, batch: int = 1) -> EnrichPool:
    """Two stand-in children; batches of one unless ``batch`` says more
    (tests/unit/test_nlp_pool_batching.py)."""
    settings = EnrichSettings(batch_max_articles=batch)
    return EnrichPool(settings, 2, deadline, task=enrich_or_die, initializer=no_model, grace=grace)


def _article(body: str) -> RawArticle:
    return RawArticle(id=body[:8], title="t", body=body)


def _wait_until(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Replacements load off the caller's path; wait for them as an operator would."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): only a running or sleeping process counts
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_a_crashed_child_costs_only_its_own_article() -> None:
    pool = _pool()
    restarts: list[int] = []
    pool.on_restart = lambda: restarts.append(1)

    async def scenario() -> list[object]:
        articles = [_article("calm one"), _article("CRASH now"), _article("calm two")]
        return await asyncio.gather(*(pool.enrich(a) for a in articles), return_exceptions=True)

    try:
        results = asyncio.run(scenario())
        # the first crash, then the article's own second one: two children replaced
        assert _wait_until(lambda: len(restarts) == 2)
        assert len(pool.child_pids()) == 2
    finally:
        pool.close()
    assert not isinstance(results[0], BaseException)
    assert not isinstance(results[2], BaseException)
    assert getattr(results[1], "code", None) == ErrorCode.ENRICHMENT_FAILED


def test_a_hanging_article_is_stopped_by_its_childs_alarm_and_the_child_stays() -> None:
    pool = _pool(deadline=1.0)
    restarts: list[int] = []
    pool.on_restart = lambda: restarts.append(1)
    pool.start()
    before = set(pool.child_pids())

    async def scenario() -> tuple[BaseException | None, float]:
        started = time.monotonic()
        try:
            await pool.enrich(_article("HANG here"))
        except RejectedMessage as rejected:
            return rejected, time.monotonic() - started
        return None, time.monotonic() - started

    try:
        rejected, took = asyncio.run(scenario())
        enriched, _, _ = asyncio.run(pool.enrich(_article("calm")))
    finally:
        pool.close()
    assert getattr(rejected, "code", None) == ErrorCode.ENRICHMENT_TIMEOUT
    assert 0.9 < took < 3.0
    assert enriched.tone is not None
    assert restarts == [] and before  # the same children served both articles


def test_an_uninterruptible_article_has_its_child_killed_and_replaced() -> None:
    pool = _pool(deadline=1.0, grace=1.0)
    restarts: list[int] = []
    pool.on_restart = lambda: restarts.append(1)
    pool.start()
    before = set(pool.child_pids())
    try:
        with pytest.raises(RejectedMessage) as caught:
            asyncio.run(pool.enrich(_article("SPIN here")))
        assert _wait_until(lambda: restarts == [1])
        after = set(pool.child_pids())
        enriched, _, _ = asyncio.run(pool.enrich(_article("calm")))
    finally:
        pool.close()
    assert caught.value.code == ErrorCode.ENRICHMENT_TIMEOUT
    assert len(after) == 2 and len(before - after) == 1  # one child replaced
    assert not any(_alive(pid) for pid in before - after)
    assert enriched.tone is not None


def test_closing_kills_children_at_once_and_abandons_running_articles() -> None:
    pool = _pool()
    pool.start()
    pids = pool.child_pids()

    async def scenario() -> tuple[list[object], float]:
        running = [asyncio.ensure_future(pool.enrich(_article(f"HANG {i}"))) for i in range(3)]
        await asyncio.sleep(0.5)  # two running, one waiting for a child
        started = time.monotonic()
        await asyncio.to_thread(pool.close)
        took = time.monotonic() - started
        return await asyncio.gather(*running, return_exceptions=True), took

    results, took = asyncio.run(scenario())
    assert took < 3.0
    assert all(isinstance(r, PoolClosed) for r in results)  # never a rejection: redone later
    assert not any(_alive(pid) for pid in pids)


def test_a_deadline_in_the_processor_dead_letters_and_frees_the_partition() -> None:
    pool = _pool(deadline=1.0, grace=1.0)
    settings = Settings.model_validate({"worker": {"enrich_deadline_seconds": 1.0}})
    registry = CollectorRegistry()
    processor = Processor(settings, pool, WorkerMetrics(registry, "fake"))
    pool.on_restart = processor.metrics.pool_restarts.inc
    pool.start()  # as the worker does before it consumes

    def message(body: str, offset: int) -> Incoming:
        value = RawArticle(id=f"a{offset}", title="t", body=body).model_dump_json().encode()
        return Incoming(b"k", value, "news.raw", 0, offset, timestamp=None)

    async def scenario() -> tuple[list[Outgoing], list[Outgoing]]:
        hung = await processor.process(message("SPIN here", 0))
        calm = await processor.process(message("calm", 1))
        return hung, calm

    try:
        hung, calm = asyncio.run(scenario())
        assert _wait_until(
            lambda: registry.get_sample_value("newsflow_nlp_pool_restarts_total") == 1.0
        )
    finally:
        pool.close()
    assert [o.dead.error_code for o in hung if o.dead] == [ErrorCode.ENRICHMENT_TIMEOUT]
    assert calm[0].enriched is not None


def test_no_child_outlives_a_worker_killed_with_sigkill(tmp_path: object) -> None:
    """Invariant 5: the kernel kills the children when the worker dies, even a child busy in
    code that no signal handler can interrupt."""
    script = textwrap.dedent(
        """
        import asyncio, os, signal, sys, threading
        from pipeline.config import EnrichSettings
        from pipeline.models import RawArticle
        from pipeline.worker.nlp_pool import EnrichPool
        from tests.unit.pool_children import enrich_or_die, no_model

        pool = EnrichPool(EnrichSettings(), 2, task=enrich_or_die, initializer=no_model)
        pool.start()
        print(*pool.child_pids(), flush=True)

        async def main():
            busy = asyncio.ensure_future(pool.enrich(RawArticle(id="s", title="t", body="SPIN")))
            await asyncio.sleep(0.5)
            os.kill(os.getpid(), signal.SIGKILL)
            await busy

        asyncio.run(main())
        """
    )
    worker = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=os.getcwd()
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr
    pids = [int(p) for p in worker.stdout.split()]
    assert len(pids) == 2
    assert _wait_until(lambda: not any(_alive(pid) for pid in pids), seconds=2.0)


def test_an_article_abandoned_at_shutdown_is_neither_output_nor_dead_letter() -> None:
    pool = _pool()
    settings = Settings()
    processor = Processor(settings, pool, WorkerMetrics(CollectorRegistry(), "fake"))
    pool.start()
    value = RawArticle(id="a0", title="t", body="HANG long").model_dump_json().encode()

    async def scenario() -> list[Outgoing]:
        running = asyncio.ensure_future(
            processor.process(Incoming(b"k", value, "news.raw", 0, 0, timestamp=None))
        )
        await asyncio.sleep(0.5)
        await asyncio.to_thread(pool.close)
        return await running

    with pytest.raises(PoolClosed):
        asyncio.run(scenario())
