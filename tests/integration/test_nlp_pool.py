"""The real NLP process pool: a poison article or a dying child costs one article only."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import pytest

from pipeline.config import EnrichSettings
from pipeline.errors import RejectedMessage
from pipeline.models import Enrichment, ErrorCode, RawArticle
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
    # An article the child cannot read (built without validation): a real exception there.
    poison = RawArticle.model_construct(id="bad", title="t", body=None)
    with pytest.raises(RejectedMessage) as caught:
        asyncio.run(pool.enrich(poison))
    assert caught.value.code == ErrorCode.ENRICHMENT_FAILED
    enrichment, timings, _ = asyncio.run(pool.enrich(OK))
    assert "Oslo" in {e.name for e in enrichment.entities} and timings["total"] > 0


def test_a_child_killed_mid_article_is_replaced_and_the_article_retried_once(
    pool: EnrichPool,
) -> None:
    """A child killed from outside is not the article's fault: the pool starts a new child and
    resubmits the article once (a second death would dead-letter it; the unit tests in
    test_nlp_pool_failures.py cover that with stand-in children)."""

    async def enrich_while_killing() -> tuple[Enrichment, list[int]]:
        long = RawArticle(id="long", body="The minister spoke in Lisbon. " * 3000)
        task = asyncio.ensure_future(pool.enrich(long))
        await asyncio.sleep(0.5)  # the child is parsing
        killed = pool.child_pids()
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        retried = (await task).enrichment
        return retried, killed

    retried, killed = asyncio.run(enrich_while_killing())
    assert "Lisbon" in {e.name for e in retried.entities}
    assert not set(killed) & set(pool.child_pids())  # a new child serves now
    enrichment, _, _ = asyncio.run(pool.enrich(OK))
    assert enrichment.entities


def test_a_poison_article_in_a_batch_costs_only_itself(pool: EnrichPool) -> None:
    """Articles that waited behind a long one go to the child together; the unreadable one
    fails the batch's shared parse, and the others, sent again one by one, are enriched as
    they would have been alone."""
    poison = RawArticle.model_construct(id="bad", title="t", body=None)
    other = RawArticle(id="other", title="Vote", body="Lawmakers in Berlin backed the plan.")
    sizes: list[int] = []
    pool.on_batch = sizes.append

    async def behind_a_long_one() -> list[object]:
        long = RawArticle(id="long", body="The minister spoke in Lisbon. " * 1500)
        first = asyncio.ensure_future(pool.enrich(long))
        await asyncio.sleep(0.3)  # the child is parsing: the three below wait together
        found = await asyncio.gather(
            pool.enrich(OK), pool.enrich(poison), pool.enrich(other), return_exceptions=True
        )
        await first
        return found

    try:
        ok, failed, enriched = asyncio.run(behind_a_long_one())
        alone = [asyncio.run(pool.enrich(a))[0] for a in (OK, other)]
    finally:
        pool.on_batch = lambda _: None
    assert sizes[:2] == [1, 3]  # the long one, then the three that waited, together
    assert getattr(failed, "code", None) == ErrorCode.ENRICHMENT_FAILED
    assert isinstance(ok, tuple) and isinstance(enriched, tuple)
    assert [ok[0], enriched[0]] == alone
