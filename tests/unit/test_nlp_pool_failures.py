"""The NLP pool's failures with child doubles (tests/unit/pool_children.py): a crashed child
costs only its own article, a hanging one is dead-lettered at its deadline, one rebuild each."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from pipeline.config import EnrichSettings, Settings
from pipeline.models import ErrorCode, RawArticle
from pipeline.observe.metrics import WorkerMetrics
from pipeline.worker.nlp_pool import EnrichPool
from pipeline.worker.process import Incoming, Outgoing, Processor
from tests.unit.pool_children import enrich_or_die, no_model


def _pool(deadline: float = float("inf")) -> EnrichPool:
    return EnrichPool(EnrichSettings(), 2, deadline, task=enrich_or_die, initializer=no_model)


def _article(body: str) -> RawArticle:
    return RawArticle(id=body[:8], title="t", body=body)


def test_a_crashed_child_costs_only_its_own_article() -> None:
    pool = _pool()
    restarts: list[int] = []
    pool.on_restart = lambda: restarts.append(1)

    async def scenario() -> list[object]:
        articles = [_article("calm one"), _article("CRASH now"), _article("calm two")]
        return await asyncio.gather(*(pool.enrich(a) for a in articles), return_exceptions=True)

    try:
        results = asyncio.run(scenario())
    finally:
        pool.close()
    assert not isinstance(results[0], BaseException)
    assert not isinstance(results[2], BaseException)
    assert getattr(results[1], "code", None) == ErrorCode.ENRICHMENT_FAILED
    assert len(restarts) == 2  # the first crash, then the suspect's own second one


@pytest.mark.timeout(60)
@pytest.mark.xfail(
    strict=False,
    reason="known bug: after the language tests have run in the same process, the pool rebuilt "
    "at the deadline can hang (passes alone); under investigation in issue 13",
)
def test_a_hanging_article_is_dead_lettered_at_its_deadline_and_the_pool_goes_on() -> None:
    pool = _pool(deadline=1.0)
    settings = Settings.model_validate({"worker": {"enrich_deadline_seconds": 1.0}})
    registry = CollectorRegistry()
    processor = Processor(settings, pool, WorkerMetrics(registry, "fake"))
    pool.on_restart = processor.metrics.pool_restarts.inc

    def message(body: str, offset: int) -> Incoming:
        value = RawArticle(id=f"a{offset}", title="t", body=body).model_dump_json().encode()
        return Incoming(b"k", value, "news.raw", 0, offset, timestamp=None)

    async def scenario() -> tuple[list[Outgoing], list[Outgoing]]:
        hung = await processor.process(message("HANG here", 0))
        for _ in range(300):  # the hung child is replaced off the loop; wait for it
            if registry.get_sample_value("newsflow_nlp_pool_restarts_total") == 1.0:
                break
            await asyncio.sleep(0.05)
        calm = await processor.process(message("calm", 1))
        return hung, calm

    try:
        hung, calm = asyncio.run(scenario())
    finally:
        pool.close()
    assert [o.dead.error_code for o in hung if o.dead] == [ErrorCode.ENRICHMENT_TIMEOUT]
    assert calm[0].enriched is not None
    assert registry.get_sample_value("newsflow_nlp_pool_restarts_total") == 1.0
