"""Batching in the NLP pool (pipeline/worker/nlp_pool.py) with stand-in children
(tests/unit/pool_children.py): articles that waited while the children were busy go
together, a lone article goes at once, and a batch that fails costs only its article at
fault: the others are sent again one by one."""

from __future__ import annotations

import asyncio
import time

import pytest

from pipeline.config import EnrichSettings
from pipeline.models import Enrichment, ErrorCode, RawArticle
from pipeline.stories import signature as signatures
from pipeline.stories.assign import SHINGLE_WORDS
from pipeline.worker.nlp_pool import EnrichPool
from tests.unit.pool_children import enrich_or_die, no_model
from tests.unit.test_nlp_pool_failures import _wait_until

pytestmark = pytest.mark.timeout(90)

Outcome = Enrichment | BaseException


def _pool(processes: int, deadline: float = float("inf"), **limits: int) -> EnrichPool:
    settings = EnrichSettings(**({"batch_max_articles": 4} | limits))
    return EnrichPool(
        settings, processes, deadline, task=enrich_or_die, initializer=no_model, grace=1.0
    )


def _article(body: str) -> RawArticle:
    return RawArticle(id=body[:12], title="t", body=body)


async def _behind_a_slow_one(pool: EnrichPool, bodies: list[str]) -> list[Outcome]:
    """Occupy the pool's only child for 1 s, queue ``bodies`` meanwhile, and return what
    became of each (the slow article's own outcome is not returned)."""
    slow = asyncio.ensure_future(pool.enrich(_article("SLOW first")))
    await asyncio.sleep(0.3)
    found = await asyncio.gather(
        *(pool.enrich(_article(b)) for b in bodies), return_exceptions=True
    )
    await slow
    return [r[0] if isinstance(r, tuple) else r for r in found]


def _batched_in(outcome: Outcome) -> int:
    """The size of the request an article was enriched in (the stand-in's tone says it)."""
    assert isinstance(outcome, Enrichment), outcome
    return round(1 / outcome.tone.neutral)


def _code(outcome: Outcome) -> ErrorCode | None:
    return getattr(outcome, "code", None)


def _run(pool: EnrichPool, bodies: list[str]) -> tuple[list[Outcome], list[int]]:
    sizes: list[int] = []
    pool.on_batch = sizes.append
    pool.start()
    time.sleep(0.2)  # every driver waiting for work, as in a worker
    try:
        return asyncio.run(_behind_a_slow_one(pool, bodies)), sizes
    finally:
        pool.close()


def test_articles_that_waited_for_a_busy_child_go_in_one_batch() -> None:
    outcomes, sizes = _run(_pool(1), [f"calm {i}" for i in range(6)])
    assert sizes == [1, 4, 2]  # the slow one alone, then what waited, at most 4 at once
    assert [_batched_in(o) for o in outcomes] == [4, 4, 4, 4, 2, 2]


def test_a_batch_stops_before_its_character_limit() -> None:
    bodies = ["calm " + "x" * 40, "calm " + "y" * 40, "calm " + "z" * 40]
    outcomes, sizes = _run(_pool(1, batch_max_chars=100), bodies)
    assert sizes == [1, 2, 1]  # title + body is 46 characters: two fit in 100, not three
    assert [_batched_in(o) for o in outcomes] == [2, 2, 1]


def test_a_lone_article_goes_at_once_even_while_the_other_child_is_busy() -> None:
    pool = _pool(2)
    sizes: list[int] = []
    pool.on_batch = sizes.append
    pool.start()
    time.sleep(0.2)

    async def scenario() -> float:
        slow = asyncio.ensure_future(pool.enrich(_article("SLOW first")))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        enrichment, _, _ = await pool.enrich(_article("calm alone"))
        took = time.monotonic() - started
        assert _batched_in(enrichment) == 1
        await slow
        return took

    try:
        took = asyncio.run(scenario())
    finally:
        pool.close()
    assert took < 0.6  # its own 0.2 s, not the slow one's second, not a wait for company
    assert sizes == [1, 1]


def test_a_crash_in_a_batch_costs_only_the_article_that_caused_it() -> None:
    pool = _pool(1)
    restarts: list[int] = []
    pool.on_restart = lambda: restarts.append(1)
    outcomes, sizes = _run(pool, ["calm a", "CRASH b", "calm c", "calm d"])
    assert sizes[:2] == [1, 4]
    assert _batched_in(outcomes[0]) == 4  # answered before the crash: kept
    assert _code(outcomes[1]) == ErrorCode.ENRICHMENT_FAILED
    assert [_batched_in(o) for o in outcomes[2:]] == [1, 1]  # sent again, alone
    assert sorted(sizes[2:]) == [1, 1, 1]  # the crash's article alone too, which died again
    assert len(restarts) == 2 or _wait_until(lambda: len(restarts) == 2)


def test_an_error_in_a_batch_costs_only_the_article_that_raised_it() -> None:
    pool = _pool(1)
    restarts: list[int] = []
    pool.on_restart = lambda: restarts.append(1)
    outcomes, sizes = _run(pool, ["calm a", "BOOM b", "calm c"])
    assert _batched_in(outcomes[0]) == 3
    assert _code(outcomes[1]) == ErrorCode.ENRICHMENT_FAILED
    assert "a bug this article triggers" in str(outcomes[1])
    assert _batched_in(outcomes[2]) == 1
    assert sizes == [1, 3, 1, 1] and restarts == []  # the same child throughout


def test_a_hang_in_a_batch_is_cut_at_half_the_deadline_and_costs_only_its_article() -> None:
    outcomes, sizes = _run(_pool(1, deadline=3.0), ["calm a", "HANG b", "calm c"])
    assert _batched_in(outcomes[0]) == 3
    assert _code(outcomes[1]) == ErrorCode.ENRICHMENT_TIMEOUT  # alone, after its own 3 s
    assert _batched_in(outcomes[2]) == 1
    assert sizes == [1, 3, 1, 1]


def test_an_uninterruptible_article_in_a_batch_costs_only_itself() -> None:
    pool = _pool(1, deadline=2.0)
    restarts: list[int] = []
    pool.on_restart = lambda: restarts.append(1)
    outcomes, _ = _run(pool, ["calm a", "SPIN b", "calm c"])
    assert _batched_in(outcomes[0]) == 3
    assert _code(outcomes[1]) == ErrorCode.ENRICHMENT_TIMEOUT
    assert _batched_in(outcomes[2]) == 1
    assert len(restarts) == 2 or _wait_until(lambda: len(restarts) == 2)


def test_the_childs_minhash_comes_back_with_the_enrichment() -> None:
    pool = _pool(1)
    article = _article("calm with a signature")
    pool.start()
    try:
        result = asyncio.run(pool.enrich(article))
    finally:
        pool.close()
    assert result.minhash == (len(article.body),)  # what the stand-in child computed


def test_a_given_minhash_gives_the_signature_computed_on_the_spot() -> None:
    title, body = "Talks resume", "Officials in Oslo said on Monday that the talks would resume."
    computed = signatures.signature(title, body, [], SHINGLE_WORDS)
    given = signatures.minhash(title, body, SHINGLE_WORDS)
    assert signatures.signature(title, body, [], SHINGLE_WORDS, given) == computed
    other = tuple(range(signatures.PERMUTATIONS))
    assert signatures.signature(title, body, [], SHINGLE_WORDS, other).minhash == other


def test_the_minhash_is_datasketchs_without_loading_it_in_the_nlp_process() -> None:
    from datasketch import MinHash

    texts = [
        ("Talks resume", "Officials in Oslo said on Monday that the talks would resume."),
        ("", "Short."),
        ("Markets", " ".join(f"word{i % 97} and {i}" for i in range(3000))),
    ]
    for title, body in texts:
        grams = signatures.shingles(f"{title}\n{body}", SHINGLE_WORDS)
        reference = MinHash(num_perm=signatures.PERMUTATIONS, seed=signatures.SEED)
        reference.update_batch(list(grams))
        expected = tuple(int(v) for v in reference.hashvalues)
        assert signatures.minhash(title, body, SHINGLE_WORDS) == expected
    assert signatures.minhash("", "", SHINGLE_WORDS) == ()
