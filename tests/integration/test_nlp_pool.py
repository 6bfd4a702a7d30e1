"""The real NLP process pool: a poison article or a dying child costs one article only."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import pytest

from pipeline.config import EnrichSettings
from pipeline.errors import RejectedMessage
from pipeline.models import ErrorCode, RawArticle
from pipeline.worker.nlp_pool import EnrichPool

pytestmark = pytest.mark.integration

OK = RawArticle(id="ok", title="Talks", body="Officials in Oslo said the talks would resume.")


@pytest.fixture(scope="module")
def pool() -> Iterator[EnrichPool]:
    p = EnrichPool(EnrichSettings(), processes=1)
    p.start()
    yield p
    p.close()


def test_an_exception_inside_enrichment_rejects_only_that_article(pool: EnrichPool) -> None:
    # spaCy refuses texts over nlp.max_length (1,000,000 characters): a real exception.
    poison = RawArticle(id="big", body="word " * 200_001)
    with pytest.raises(RejectedMessage) as caught:
        asyncio.run(pool.enrich(poison))
    assert caught.value.code == ErrorCode.ENRICHMENT_FAILED
    enrichment, timings = asyncio.run(pool.enrich(OK))
    assert "Oslo" in {e.name for e in enrichment.entities} and timings["total"] > 0


def test_a_child_killed_mid_article_costs_that_article_and_the_pool_recovers(
    pool: EnrichPool,
) -> None:
    async def enrich_while_killing() -> None:
        long = RawArticle(id="long", body="The minister spoke in Lisbon. " * 3000)
        task = asyncio.ensure_future(pool.enrich(long))
        await asyncio.sleep(0.5)  # the child is parsing
        for pid in pool.child_pids():
            os.kill(pid, signal.SIGKILL)
        await task

    with pytest.raises(RejectedMessage) as caught:
        asyncio.run(enrich_while_killing())
    assert caught.value.code == ErrorCode.ENRICHMENT_FAILED
    assert "died" in caught.value.reason
    enrichment, _ = asyncio.run(pool.enrich(OK))
    assert enrichment.entities
