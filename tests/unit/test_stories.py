"""Story clusters without a broker: signatures, the index's rules, story state, and the
processor's handling of copies (kept, marked, enrichment reused)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from annotated_types import Le
from prometheus_client import CollectorRegistry

from pipeline.config import Settings, StoriesSettings
from pipeline.models import (
    Enriched,
    EnrichedArticle,
    Enrichment,
    EnrichmentMeta,
    Entity,
    Evidence,
    Mention,
    RawArticle,
    StanceTag,
    Tone,
)
from pipeline.observe.metrics import WorkerMetrics
from pipeline.stories import summary
from pipeline.stories.assign import SHINGLE_WORDS, EnrichmentCache, Stories
from pipeline.stories.index import NAME_IDS, Rules, StoryIndex, rules_of
from pipeline.stories.metrics import StoriesMetrics
from pipeline.stories.models import StoryInput
from pipeline.stories.signature import PERMUTATIONS, TERMS, Signature, minhash, signature
from pipeline.worker.dedup import Deduplicator
from pipeline.worker.process import Incoming, Processor
from tests.unit.test_process import FakeEnricher

TONE = Tone(compound=0.0, positive=0.0, negative=0.0, neutral=1.0)
WIRE = (
    "The central bank raised its main interest rate by a quarter point on Tuesday, the third "
    "increase this year, and signalled that further moves would depend on how quickly prices "
    "cool over the coming months."
)


def _entity(name: str, label: str = "PERSON") -> Entity:
    return Entity(
        name=name, label=label, mentions=[Mention(text=name, start=0, end=1)], count=1, salience=0.5
    )


def _sig(body: str, *names: str) -> object:
    return signature("", body, [_entity(n) for n in names], 5)


def test_a_signature_keeps_names_and_a_persons_last_name_only() -> None:
    entities = [
        _entity("Hillary Clinton"),
        _entity("New York Times", "ORG"),
        _entity("Tuesday", "DATE"),
    ]
    sig = signature("Title", WIRE, entities, 5)
    assert sig.names == {"hillary clinton", "clinton", "new york times"}
    assert sig.similarity(signature("Title", WIRE.upper(), [], 5).minhash) == 1.0
    other = signature("", "Heavy snow closed every road into the mountain villages.", [], 5)
    assert sig.similarity(other.minhash) < 0.2
    assert signature("", "", [], 5).minhash == ()


def test_a_near_duplicate_joins_the_first_story_and_a_stranger_starts_its_own() -> None:
    index = StoryIndex({}, Rules())
    first = signature("", WIRE, [], 5)
    assert index.match("a", first, now=0).kind == "new"
    index.confirm(0, "a", "a", first, now=0)
    edited = signature("", WIRE + " Markets rose after the decision.", [], 5)
    found = index.match("b", edited, now=10)
    assert (found.story_id, found.kind, found.matched) == ("a", "text", "a")
    unrelated = signature("", "Heavy snow closed every road into the mountain villages.", [], 5)
    assert index.match("c", unrelated, now=10).story_id == "c"


def _filled(index: StoryIndex, n: int, now: float) -> None:
    """``n`` unrelated articles that all name Trump: a common name in the window."""
    for i in range(n):
        sig = signature("", f"filler {i}", [_entity("Trump"), _entity(f"Person{i}")], 5)
        index.confirm(("f", i), f"f{i}", f"f{i}", sig, now)


def test_shared_rare_names_join_a_story_and_a_common_name_does_not() -> None:
    index = StoryIndex({}, Rules(join_by_names=True, name_threshold=4.0, min_shared_names=2))
    _filled(index, 30, now=0)
    sig_a = signature(
        "", "Report one.", [_entity("Dawn Zimmer"), _entity("Chris Christie"), _entity("Trump")], 5
    )
    index.confirm(1, "a", "a", sig_a, now=1)
    other_outlet = signature("", "Another text.", [_entity("Zimmer"), _entity("Christie")], 5)
    found = index.match("b", other_outlet, now=2)
    assert (found.story_id, found.kind) == ("a", "names")
    only_common = signature("", "Third text.", [_entity("Trump"), _entity("Person3")], 5)
    # Shares two names with f3 but Trump is in every article: too little to join.
    assert index.match("c", only_common, now=2).story_id == "c"


def test_without_join_by_names_only_text_joins() -> None:
    """The settings' default: the same rare names no longer join, a copy still does."""
    index = StoryIndex(
        {}, Rules(name_threshold=4.0, min_shared_names=2, join_by_names=False, join_by_words=False)
    )
    _filled(index, 30, now=0)
    names = [_entity("Dawn Zimmer"), _entity("Chris Christie")]
    sig_a = signature("", "Report one of the flood in Hoboken today.", names, 5)
    index.confirm(1, "a", "a", sig_a, now=1)
    other_outlet = signature("", "Another text.", [_entity("Zimmer"), _entity("Christie")], 5)
    assert index.match("b", other_outlet, now=2).story_id == "b"
    copy = signature("", "Report one of the flood in Hoboken today.", names, 5)
    assert (index.match("c", copy, now=2).story_id, index.match("c", copy, now=2).kind) == (
        "a",
        "text",
    )
    assert Settings().stories.join_by_names is False


FLOOD_A = (
    "Floodwater swept through Hoboken after the levee on the Hudson failed overnight. Mayor "
    "Dawn Zimmer ordered evacuations of the waterfront; pumps and sandbags arrived from the "
    "county as the levee breach widened and floodwater reached the train terminal."
)
FLOOD_B = (
    "Hoboken's waterfront was evacuated when the Hudson levee gave way. Zimmer said the "
    "breach widened before dawn, the train terminal took on floodwater, and county crews "
    "brought pumps and sandbags."
)
BUDGET = (
    "Hoboken's council passed the school budget, raising teacher pay. Zimmer signed the "
    "budget, which adds classrooms and a new library wing downtown."
)


def test_two_outlets_wordings_of_one_story_join_by_their_words() -> None:
    index = _words_index()
    first = signature("", FLOOD_A, [_entity("Dawn Zimmer"), _entity("Hoboken", "GPE")], 5)
    index.confirm(1, "a", "a", first, now=1)
    other = signature("", FLOOD_B, [_entity("Zimmer"), _entity("Hoboken", "GPE")], 5)
    assert other.similarity(first.minhash) < 0.5  # not a near-duplicate: the words decide
    found = index.match("b", other, now=2)
    assert (found.story_id, found.kind, found.matched) == ("a", "words", "a")
    assert 0.2 <= found.score <= 1.0
    # The same names, other words: another story.
    budget = signature("", BUDGET, [_entity("Zimmer"), _entity("Hoboken", "GPE")], 5)
    assert index.match("c", budget, now=2).story_id == "c"
    # The same words and no shared name: never compared.
    nameless = signature("", FLOOD_B, [_entity("Somebody Else")], 5)
    assert index.match("d", nameless, now=2).story_id == "d"


WORDS_02 = Rules(words_threshold=0.2, short_words_threshold=0.2)


def _words_index(rules: Rules = WORDS_02, articles: int = 30) -> StoryIndex:
    """An index whose window holds ``articles`` other articles: the rarity of a word is
    measured against them."""
    index = StoryIndex({}, rules)
    for i in range(articles):
        body = f"Council meeting number {i} discussed parking, budget and the weather downtown."
        index.confirm(("f", i), f"f{i}", f"f{i}", signature("", body, [_entity("Hoboken")], 5), 0)
    return index


# More of each report: two whole articles (40 or more distinct content words each).
FLOOD_A_MORE = (
    " Residents of Garden Street waded through knee-deep water carrying children, pets and "
    "documents. Shelters opened at the high school gymnasium and the armory; volunteers "
    "handed out blankets, bottled water and sandwiches. Transit officials suspended ferry "
    "service, rerouted buses and warned commuters about closed tunnels. Engineers blamed "
    "erosion, deferred maintenance and record rainfall for the collapse."
)
FLOOD_B_MORE = (
    " Families on Garden Street carried children and pets through the water to waiting "
    "trucks. The armory and the high school became shelters, where volunteers distributed "
    "blankets and meals. Ferry service stopped, buses were rerouted and commuters were told "
    "to avoid the tunnels. Inspectors pointed to erosion, neglected repairs and heavy "
    "rainfall; insurers estimated damages in the millions."
)


def _words_score(first: Signature, other: Signature) -> float:
    probe = _words_index(Rules(words_threshold=0.01, short_words_threshold=0.01))
    probe.confirm(1, "a", "a", first, now=1)
    found = probe.match("b", other, now=2)
    assert found.kind == "words"
    return found.score


def test_whole_articles_join_at_the_words_threshold_short_ones_at_the_stricter_one() -> None:
    """A cosine over a brief's few words is noisy: two whole articles join at
    ``words_threshold``, a pair with a short text only at ``short_words_threshold``."""
    names = [_entity("Dawn Zimmer"), _entity("Hoboken", "GPE")]
    long_a = signature("", FLOOD_A + FLOOD_A_MORE, names, 5)
    long_b = signature("", FLOOD_B + FLOOD_B_MORE, names, 5)
    short_b = signature("", FLOOD_B, names, 5)
    assert min(len(long_a.terms), len(long_b.terms)) >= Rules().full_article_words
    assert len(short_b.terms) < Rules().full_article_words
    # Either way round: the stored article short and the new one whole counts as short too.
    for stored, other in ((long_a, long_b), (long_a, short_b), (short_b, long_a)):
        score = _words_score(stored, other)
        whole = short_b not in (stored, other)
        for words, short, joins in (
            (score, score + 0.05, whole),  # only the whole pair is judged by words_threshold
            (score + 0.05, score, not whole),  # ... and only the short one by the other
        ):
            index = _words_index(Rules(words_threshold=words, short_words_threshold=short))
            index.confirm(1, "a", "a", stored, now=1)
            assert (index.match("b", other, now=2).kind == "words") is joins


def test_the_story_settings_reach_the_rules_and_short_texts_are_never_easier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSFLOW_STORIES_WORDS_THRESHOLD", "0.25")
    monkeypatch.setenv("NEWSFLOW_STORIES_SHORT_WORDS_THRESHOLD", "0.35")
    monkeypatch.setenv("NEWSFLOW_STORIES_FULL_ARTICLE_WORDS", "30")
    rules = rules_of(Settings())
    assert (rules.words_threshold, rules.short_words_threshold, rules.full_article_words) == (
        0.25,
        0.35,
        30,
    )
    # A signature keeps TERMS words: a whole article cannot need more.
    limits = StoriesSettings.model_fields["full_article_words"].metadata
    assert [m.le for m in limits if isinstance(m, Le)] == [TERMS]
    monkeypatch.setenv("NEWSFLOW_STORIES_WORDS_THRESHOLD", "0.5")
    with pytest.raises(ValueError, match=r"SHORT_WORDS_THRESHOLD .* is below .*WORDS_THRESHOLD"):
        Settings()


def test_the_words_rule_can_be_turned_off_and_counts_words_over_the_window() -> None:
    assert Settings().stories.join_by_words is True
    first = signature("", FLOOD_A, [_entity("Dawn Zimmer")], 5)
    other = signature("", FLOOD_B, [_entity("Zimmer")], 5)
    for words, kind in ((True, "words"), (False, "new")):
        index = _words_index(replace(WORDS_02, join_by_words=words))
        index.confirm(1, "a", "a", first, now=1)
        assert index.match("b", other, now=2).kind == kind
    # Each article's words count once in the window, again after a redo, none after pruning.
    index = StoryIndex({}, Rules(window_seconds=100, join_by_words=True))
    index.confirm(1, "a", "a", first, now=1)
    index.confirm(1, "a", "a", first, now=1)
    assert index.term_df["levee"] == 1 and index.term_df["floodwater"] == 1
    assert asyncio.run(index.prune(now=200)) == 1 and not index.term_df


@pytest.mark.parametrize("rule", ["words", "names"])
def test_a_redo_is_decided_as_its_first_time_was(rule: str) -> None:
    """Once committed, an article's own record is in the window's statistics; a redo (another
    worker after a rebalance, a replay) must not count it, or a score just at the threshold
    falls under it and the redo starts a story of its own."""
    first = signature("", FLOOD_A, [_entity("Dawn Zimmer"), _entity("Hoboken", "GPE")], 5)
    other = signature("", FLOOD_B, [_entity("Zimmer"), _entity("Hoboken", "GPE")], 5)
    by_words = rule == "words"
    loose = Rules(join_by_words=by_words, join_by_names=not by_words, min_shared_names=1)
    probe = _words_index(
        replace(loose, words_threshold=0.01, short_words_threshold=0.01, name_threshold=0.01)
    )
    probe.confirm(1, "a", "a", first, now=1)
    score = probe.match("b", other, now=2).score
    rules = replace(loose, words_threshold=score, short_words_threshold=score, name_threshold=score)
    index = _words_index(rules)
    index.confirm(1, "a", "a", first, now=1)
    decided = index.match("b", other, now=2)
    assert (decided.story_id, decided.kind) == ("a", rule)
    index.confirm(2, "b", decided.story_id, other, now=2)
    redo = index.match("b", other, now=3)
    assert (redo.story_id, redo.kind, redo.score) == ("a", rule, decided.score)


def test_a_record_replaced_under_other_names_leaves_its_old_names() -> None:
    index = StoryIndex({}, Rules(join_by_names=True, name_threshold=1.0, min_shared_names=2))
    _filled(index, 30, now=0)
    names = [_entity("Dawn Zimmer"), _entity("Chris Christie")]
    index.confirm(1, "x", "x", signature("", "Report one.", names, 5), now=1)
    index.confirm(1, "x", "x", signature("", "Report one.", [_entity("Somebody Else")], 5), now=1)
    probe = signature("", "Another text.", [_entity("Zimmer"), _entity("Christie")], 5)
    assert index.match("p", probe, now=2).kind == "new"
    assert index._ids("n:zimmer") == [] and index._ids("n:somebody else") == ["x"]


def test_names_count_from_the_record_when_a_full_posting_list_dropped_it() -> None:
    index = StoryIndex({}, Rules(join_by_names=True, name_threshold=1.0, min_shared_names=2))
    both = [_entity("Rareville", "GPE"), _entity("Common", "ORG")]
    index.confirm(0, "x", "x", signature("", "x", both, 5), now=0)
    for i in range(NAME_IDS):  # "common" now names more articles than its list keeps
        common = signature("", f"t{i}", [_entity("Common", "ORG")], 5)
        index.confirm(("f", i), f"f{i}", f"f{i}", common, 0)
    assert "x" not in index._ids("n:common")
    found = index.match("p", signature("", "p", both, 5), now=1)
    assert (found.story_id, found.kind) == ("x", "names")


def test_titles_sharing_a_name_and_a_word_are_not_one_story() -> None:
    index = _words_index(Rules(short_words_threshold=0.3))
    trump = [_entity("Donald Trump")]
    index.confirm(1, "a", "a", signature("Trump meets Putin in Helsinki", "", trump, 5), now=1)
    other = signature("Trump meets Macron in Paris", "", trump, 5)
    assert index.match("b", other, now=2).story_id == "b"


def test_a_claim_with_a_story_id_that_is_no_string_is_not_held() -> None:
    index = StoryIndex({}, Rules())
    index.claim(1, "a", 7, signature("", WIRE, [], 5), now=1)  # type: ignore[arg-type]
    assert index.match("b", signature("", WIRE, [], 5), now=1).kind == "new"


def test_the_most_frequent_content_words_are_kept_the_same_way_everywhere() -> None:
    sig = signature("Levee fails", FLOOD_A, [], 5)
    assert sig.terms["levee"] == 3 and sig.terms["floodwater"] == 2
    assert "the" not in sig.terms and "after" not in sig.terms  # stop words
    many = " ".join(f"word{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(200))
    assert list(signature("", many, [], 5).terms) == sorted(many.split())[:50]


def test_the_window_a_redo_and_twins_in_flight() -> None:
    index = StoryIndex({}, Rules(window_seconds=100))
    sig = signature("", WIRE, [], 5)
    index.confirm(0, "a", "a", sig, now=0)
    index.confirm(1, "b", "a", sig, now=5)
    assert index.match("a", sig, now=10).story_id == "a"  # a redo of "a" finds "b", not itself
    assert index.match("z", sig, now=200).story_id == "z"  # both out of the window
    # Claimed, not committed: a twin on the same worker still finds it; released, it does not.
    fresh = signature("", "A brand new story about the harbour strike in Rotterdam today.", [], 5)
    index.claim(7, "t1", "t1", fresh, now=200)
    assert index.match("t2", fresh, now=200).story_id == "t1"
    index.release(7)
    assert index.match("t2", fresh, now=200).story_id == "t2"


def test_prune_forgets_only_expired_articles() -> None:
    table: dict[str, object] = {}
    index = StoryIndex(table, Rules(window_seconds=100))
    index.confirm(
        0, "old", "old", signature("", "Snow in Oslo.", [_entity("Jonas Gahr")], 5), now=0
    )
    new = signature("", "Sun in Rome.", [_entity("Giorgia Meloni")], 5)
    index.confirm(1, "new", "new", new, now=90)
    assert asyncio.run(index.prune(now=120, chunk=1)) == 1
    assert index.articles == 1
    ids = {i for key, v in table.items() if not key.startswith("a:") for i in v}  # type: ignore[attr-defined]
    assert "a:old" not in table and ids == {"new"}


def test_articles_remembered_while_prune_yields_are_kept() -> None:
    async def run() -> tuple[StoryIndex, int]:
        index = StoryIndex({}, Rules(window_seconds=100))
        oslo = signature("", "Snow in Oslo.", [_entity("Jonas Gahr")], 5)
        for i in range(5):
            index.confirm(i, f"old{i}", f"old{i}", oslo, now=0)
        task = asyncio.create_task(index.prune(now=150, chunk=1))
        n = 0
        while not task.done():  # another worker's records arrive at every yield
            index.confirm(("n", n), f"new{n}", f"new{n}", oslo, now=150)
            n += 1
            await asyncio.sleep(0)
        assert await task == 5
        return index, n

    index, n = asyncio.run(run())
    assert index._ids("n:gahr") == [f"new{i}" for i in range(n)]
    assert index.articles == n and index.term_df["snow"] == n


def _enriched(id_: str, source: str, stance: str | None = None) -> EnrichedArticle:
    stances = []
    if stance:
        ev = Evidence(text="x", start=0, end=1)
        stances = [
            StanceTag(
                holder="Ann Lee",
                target="tax",
                target_text="tax",
                target_kind="phrase",
                stance=stance,
                confidence=0.9,
                predicate="back",
                evidence=ev,
            )
        ]  # type: ignore[arg-type]
    meta = EnrichmentMeta(
        pipeline_version="t",
        model_name="m",
        model_version="0",
        enriched_at=datetime(2026, 1, 1, tzinfo=UTC),
        processing_seconds=0,
    )
    return EnrichedArticle(
        id=id_,
        body="b",
        source=source,
        entities=[_entity("Ann Lee")],
        stances=stances,
        tone=TONE,
        meta=meta,
        story_id="s",
    )


def test_the_reuse_cache_keeps_json_and_gives_back_the_same_enrichment() -> None:
    """Entries are JSON (a model would cost ~12 times the memory) and validate back to the
    enrichment that was put; the oldest entry goes first past the size."""
    cache = EnrichmentCache(2)
    first, second, third = (
        _enriched("a", "AP", "favor").model_copy(update={"body": f"text {n}"}) for n in range(3)
    )
    cache.put(first)
    found = cache.get(RawArticle(id="other", body="text 0"))
    fields = set(Enrichment.model_fields)
    assert found is not None and found.model_dump() == first.model_dump(include=fields)
    assert cache.stored_bytes == len(first.model_dump_json(include=fields))
    cache.put(second)
    cache.get(RawArticle(id="x", body="text 0"))  # a hit makes it the newest
    cache.put(third)
    assert cache.get(RawArticle(id="x", body="text 1")) is None
    assert cache.get(RawArticle(id="x", body="text 0")) is not None
    assert EnrichmentCache(0).get(RawArticle(id="x", body="text 0")) is None


def _input(id_: str, source: str, stance: str | None = None) -> StoryInput:
    """As the story agent reads an enriched event."""
    return StoryInput.model_validate_json(_enriched(id_, source, stance).model_dump_json())


def test_story_state_counts_each_article_once_and_summarises_it() -> None:
    state = summary.add(None, _input("a", "Outlet A", "favor"))
    state = summary.add(state, _input("b", "Outlet B", "against"))
    state = summary.add(state, _input("c", "Outlet B", "against"))
    assert summary.add(state, _input("b", "Outlet B")) is None  # a replay: counted already
    assert state is not None
    event = summary.event("s", state)
    assert event.article_count == 3 and [a.article_id for a in event.articles] == ["a", "b", "c"]
    assert event.outlets == ["Outlet B", "Outlet A"]
    assert [(e.name, e.articles) for e in event.top_entities] == [("Ann Lee", 3)]
    [row] = event.stances
    assert (row.holder, row.target, row.favor, row.against) == ("Ann Lee", "tax", 1, 2)


def _worker(drop_copies: bool = False) -> tuple[Processor, FakeEnricher, CollectorRegistry]:
    registry = CollectorRegistry()
    enricher = FakeEnricher()
    processor = Processor(Settings(), enricher, WorkerMetrics(registry, "fake"))
    processor.dedup = Deduplicator({}, 86_400, drop_copies=drop_copies)
    processor.stories = Stories(StoryIndex({}, Rules()), StoriesMetrics(registry))
    return processor, enricher, registry


def _run(processor: Processor, offset: int, **article: str) -> EnrichedArticle | None:
    value = RawArticle.model_validate(article).model_dump_json().encode()
    message = Incoming(b"k", value, "news.raw", 0, offset, timestamp=None)
    outs = asyncio.run(processor.process(message))
    for out in outs:
        processor.record_published(out, message)
    processor.release(message)
    return outs[0].enriched if outs else None


class _SignedEnricher(FakeEnricher):
    """An NLP pool that computed the text's MinHash along with the enrichment."""

    async def enrich(self, article: RawArticle) -> Enriched:
        found = await super().enrich(article)
        return found._replace(minhash=tuple(range(PERMUTATIONS)))


def test_the_minhash_the_nlp_process_computed_is_the_one_the_index_keeps() -> None:
    registry = CollectorRegistry()
    table: dict[str, Any] = {}
    processor = Processor(Settings(), _SignedEnricher(), WorkerMetrics(registry, "fake"))
    processor.dedup = Deduplicator({}, 86_400)
    processor.stories = Stories(StoryIndex(table, Rules()), StoriesMetrics(registry))
    _run(processor, 0, id="ap-1", body=WIRE, source="AP", url="https://ap.example/1")
    assert list(table["a:ap-1"]["m"]) == list(range(PERMUTATIONS))  # not hashed again
    # A copy reuses the first copy's enrichment, not its MinHash: the story step hashes it.
    _run(processor, 1, id="tribune-7", body=WIRE, source="Tribune", url="https://t.example/7")
    assert list(table["a:tribune-7"]["m"]) == list(minhash("", WIRE, SHINGLE_WORDS))


def test_a_copy_from_another_outlet_is_kept_marked_and_not_enriched_again() -> None:
    processor, enricher, registry = _worker()
    first = _run(processor, 0, id="ap-1", body=WIRE, source="AP", url="https://ap.example/1")
    copy = _run(
        processor, 1, id="tribune-7", body=WIRE, source="Tribune", url="https://tribune.example/7"
    )
    assert first is not None and copy is not None
    assert enricher.seen == ["ap-1"]  # the copy reused the first copy's enrichment
    assert copy.duplicate_of == "ap-1" and first.duplicate_of is None
    assert copy.story_id == first.story_id == "ap-1"
    assert copy.entities == first.entities and copy.meta.processing_seconds == 0
    assert registry.get_sample_value("newsflow_enrichments_reused_total") == 1
    # Exact re-sends are still skipped: the same id, or the same canonical URL.
    assert _run(processor, 2, id="ap-1", body="Corrected text.") is None
    assert (
        _run(processor, 3, id="ap-2", body="x", url="https://ap.example/1?utm_source=rss") is None
    )
    # The same words with other spacing: a copy, but enriched again (offsets would not hold).
    spaced = _run(processor, 4, id="blog-3", body="  " + WIRE, source="Blog")
    assert spaced is not None and spaced.duplicate_of == "ap-1" and enricher.seen[-1] == "blog-3"


def test_without_stories_a_copy_is_still_kept_and_marked() -> None:
    """The default worker (no story index): copies are coverage all the same."""
    processor, enricher, registry = _worker()
    processor.stories = None
    first = _run(processor, 0, id="ap-1", body=WIRE, source="AP", url="https://ap.example/1")
    copy = _run(
        processor, 1, id="tribune-7", body=WIRE, source="Tribune", url="https://tribune.example/7"
    )
    assert first is not None and copy is not None and enricher.seen == ["ap-1"]
    assert copy.duplicate_of == "ap-1" and copy.story_id is None is first.story_id
    assert registry.get_sample_value("newsflow_enrichments_reused_total") == 1
    assert _run(processor, 2, id="ap-1", body="Corrected text.") is None


def test_copies_can_still_be_dropped() -> None:
    processor, enricher, _ = _worker(drop_copies=True)
    assert _run(processor, 0, id="ap-1", body=WIRE, source="AP") is not None
    assert _run(processor, 1, id="tribune-7", body=WIRE, source="Tribune") is None
    assert enricher.seen == ["ap-1"]


def test_the_enriched_event_carries_its_story() -> None:
    processor, _, _ = _worker()
    value = RawArticle(id="n1", body=WIRE).model_dump_json().encode()
    [out, *_] = asyncio.run(processor.process(Incoming(b"k", value, "news.raw", 0, 0, None)))
    event = json.loads(out.value)
    assert event["story_id"] == "n1" and event["duplicate_of"] is None


def test_create_app_installs_the_index_the_story_table_and_agent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pipeline.worker.app import create_app

    monkeypatch.setenv("NEWSFLOW_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("NEWSFLOW_STORIES_ENABLED", "true")
    default = Processor(Settings(), FakeEnricher(), WorkerMetrics(CollectorRegistry(), "f"))
    app = create_app(Settings(), default)  # story ids, no story agent
    assert default.stories is not None and _feeds(app) == 1
    assert not app.tables or "stories" not in app.tables  # the index is no Faust table
    assert "stories_fold" not in app.agents
    monkeypatch.setenv("NEWSFLOW_STORIES_PUBLISH_EVENTS", "true")
    processor = Processor(Settings(), FakeEnricher(), WorkerMetrics(CollectorRegistry(), "f"))
    app = create_app(Settings(), processor)
    assert "stories" in app.tables and "stories_fold" in app.agents and _feeds(app) == 1
    monkeypatch.setenv("NEWSFLOW_STORIES_ENABLED", "false")
    off = Processor(Settings(), FakeEnricher(), WorkerMetrics(CollectorRegistry(), "f"))
    app = create_app(Settings(), off)
    assert "stories" not in app.tables and off.stories is None and _feeds(app) == 0


def _feeds(app: object) -> int:
    from pipeline.stories.feed import IndexFeed

    return sum(isinstance(c, IndexFeed) for c in app._children)  # type: ignore[attr-defined]


def test_a_record_shared_by_one_worker_lets_another_find_the_story() -> None:
    """Two workers' indexes, kept in step only by the records one shares (as the feed does):
    the second finds the first one's story, and reading its own record back changes nothing."""
    from pipeline.stories.feed import encode, remember_encoded

    registry = CollectorRegistry()
    sent: list[tuple[bytes, bytes]] = []
    first = Stories(StoryIndex({}, Rules()), StoriesMetrics(registry),
                    share=lambda i, r: sent.append(encode(i, r)))  # fmt: skip
    article = _enriched("ap-1", "AP").model_copy(update={"body": WIRE, "story_id": None})
    assert first.assign(article, owner=0, now=10).story_id == "ap-1"
    assert sent == []  # claimed, not committed: nothing leaves the worker
    first.confirm(0, now=10)
    [(key, value)] = sent

    other = StoryIndex({}, Rules())
    assert remember_encoded(other, key, value, now=20)
    assert remember_encoded(other, key, value, now=20)  # read twice: idempotent
    assert other.articles == 1
    near = signature("", WIRE + " Markets rose.", [], 5)
    assert other.match("tribune-2", near, now=20).story_id == "ap-1"
    before = dict(first.index._table)  # type: ignore[attr-defined]
    assert remember_encoded(first.index, key, value, now=20)  # its own record, read back
    assert first.index._table == before and first.index.articles == 1  # type: ignore[attr-defined]


def test_two_workers_deciding_one_new_story_before_either_shares_start_two_stories() -> None:
    """What docs/stories.md promises for two articles of one new story decided on two workers
    before either record reaches the other: two stories, not merged afterwards; a later
    article joins one of them, and each worker reads the other's record without change."""
    from pipeline.stories.feed import encode, remember_encoded

    sent: list[tuple[bytes, bytes]] = []
    workers = [
        Stories(
            StoryIndex({}, Rules()),
            StoriesMetrics(CollectorRegistry()),
            share=lambda i, r: sent.append(encode(i, r)),
        )
        for _ in range(2)
    ]
    first = _enriched("a-1", "AP").model_copy(update={"body": WIRE, "story_id": None})
    second = first.model_copy(update={"id": "b-1", "body": WIRE + " Markets rose."})
    assert workers[0].assign(first, owner=0, now=10).story_id == "a-1"
    assert workers[1].assign(second, owner=0, now=10).story_id == "b-1"
    for w in workers:
        w.confirm(0, now=11)
    for key, value in sent:  # each worker reads both records (its own back, the other's)
        for w in workers:
            assert remember_encoded(w.index, key, value, now=12)
    assert [w.index.articles for w in workers] == [2, 2]
    third = first.model_copy(update={"id": "c-1", "body": WIRE + " Trade resumed."})
    joined = {w.assign(third, owner=1, now=13).story_id for w in workers}
    assert len(joined) == 1 and joined <= {"a-1", "b-1"}  # the same on both workers
    # the two stories stay two: each record still names its own story
    stored = {k: v["s"] for k, v in workers[0].index._table.items() if k.startswith("a:")}  # type: ignore[attr-defined]
    assert stored == {"a:a-1": "a-1", "a:b-1": "b-1"}


def test_records_out_of_the_window_or_unreadable_are_not_remembered() -> None:
    from pipeline.stories.feed import encode, remember_encoded

    index = StoryIndex({}, Rules(window_seconds=100))
    key, value = encode("a", {"s": "a", "t": 0.0, "n": ["oslo"], "m": list(range(64))})
    assert not remember_encoded(index, key, value, now=100)
    assert remember_encoded(index, key, value, now=99)
    assert not remember_encoded(index, b"b", b"{not json", now=0)
    assert not remember_encoded(index, b"c", b'{"s": "c"}', now=0)
    assert not remember_encoded(index, None, value, now=0)
    assert index.articles == 1 and index._ids("n:oslo") == ["a"]


@pytest.mark.parametrize(
    "bad",
    [
        {"s": "x", "t": 5.0, "n": 5, "m": []},  # names not a list
        {"s": "x", "t": 5.0, "n": [], "m": 7},  # minhash not a list
        {"s": "x", "t": 5.0, "n": [], "m": ["a"] * 64},  # minhash values not numbers
        {"s": "x", "t": 5.0, "n": [], "m": [1, 2, 3]},  # minhash of another length
        {"s": "x", "t": 5.0, "n": [["nested"]], "m": []},  # a name not a string
        {"s": "x", "t": "nan", "n": [], "m": []},  # a time that never expires
        {"s": "x", "t": "inf", "n": [], "m": []},
        {"s": 3, "t": 5.0, "n": [], "m": []},  # story id not a string
        {"s": "x", "t": 5.0, "n": [], "m": [], "w": ["levee"]},  # words not a mapping
        {"s": "x", "t": 5.0, "n": [], "m": [], "w": {"levee": "many"}},  # count not a number
        {"s": "x", "t": 5.0, "n": [], "m": [], "w": {"levee": 0}},  # count below one
    ],
)
def test_a_record_of_the_wrong_shape_is_skipped_and_the_index_keeps_working(
    bad: dict[str, object],
) -> None:
    """The index topic is writable by any client: a record the index cannot use is not
    remembered, and neither look-ups nor pruning ever meet it."""
    from pipeline.stories.feed import encode, remember_encoded

    index = StoryIndex({}, Rules(window_seconds=100))
    assert not remember_encoded(index, *encode("bad", bad), now=10)
    good = signature("", WIRE, [], 5)
    assert remember_encoded(index, *encode("ap-1", _record_of("ap-1", good, 5.0)), now=10)
    assert index.match("tribune-2", good, now=10).story_id == "ap-1"
    assert asyncio.run(index.prune(now=200)) == 1 and index.articles == 0
    # a string time that is a finite number is stored as a number (prune compares it)
    text_time = {"s": "y", "t": "50", "n": [], "m": list(good.minhash)}
    assert remember_encoded(index, *encode("y", text_time), now=60)
    assert asyncio.run(index.prune(now=151)) == 1


def _record_of(story_id: str, sig: Signature, at: float) -> dict[str, object]:
    return {"s": story_id, "t": at, "n": sorted(sig.names), "m": list(sig.minhash)}


def test_the_processor_decides_a_story_only_once_the_index_is_read() -> None:
    processor, _, registry = _worker()
    gate = asyncio.Event()
    assert processor.stories is not None
    processor.stories.ready = gate.wait

    async def run() -> list[object]:
        value = RawArticle(id="n1", body=WIRE).model_dump_json().encode()
        task = asyncio.ensure_future(
            processor.process(Incoming(b"k", value, "news.raw", 0, 0, None))
        )
        await asyncio.sleep(0.05)
        waiting = not task.done()
        gate.set()
        outs = await task
        return [waiting, outs]

    waiting, outs = asyncio.run(run())
    assert waiting and outs
    assert registry.get_sample_value("newsflow_story_assignments_total", {"kind": "new"}) == 1


def test_a_feed_that_cannot_catch_up_lets_stories_be_decided_after_its_wait() -> None:
    """Invariant 3 of the feed: the wait for the index is bounded, and is over for good."""
    from pipeline.stories.feed import IndexFeed

    async def run() -> tuple[bool, float, float]:
        feed = IndexFeed(Settings(), StoryIndex({}, Rules()), catch_up_seconds=0.2)
        started = time.monotonic()
        await feed.wait_caught_up()  # nothing read (never started): waits its 0.2 s
        waited = time.monotonic() - started
        started = time.monotonic()
        await feed.wait_caught_up()
        return feed.caught_up.is_set(), waited, time.monotonic() - started

    caught_up, first, second = asyncio.run(run())
    assert caught_up and 0.15 < first < 2.0 and second < 0.05


class _SlowProducer:
    """A producer whose first send waits ``delay`` s (its buffer full), as aiokafka's does;
    a send still waiting when it is stopped fails, as aiokafka's does."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.sent: list[bytes] = []
        self.stopped = False
        self.waited = False

    async def send(self, topic: str, value: bytes, key: bytes) -> asyncio.Future[None]:
        if not self.waited:
            self.waited = True
            started = time.monotonic()
            while time.monotonic() - started < self.delay:
                await asyncio.sleep(0.01)
                if self.stopped:
                    raise ConnectionError("producer stopped")
        self.sent.append(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def flush(self) -> None:
        return None

    async def stop(self) -> None:
        self.stopped = True


class _IdleConsumer:
    """A reader of an empty index topic."""

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[object, list[object]]:
        await asyncio.sleep(timeout_ms / 1000)
        return {}

    async def stop(self) -> None:
        return None


def test_a_record_the_feed_is_sending_at_stop_is_still_sent() -> None:
    """Records confirmed before the worker stops all reach the topic: the one the feed's
    sender has taken and is waiting to hand to the producer (its buffer full) included."""
    from pipeline.stories.feed import IndexFeed

    producer = _SlowProducer(delay=0.3)

    class OfflineFeed(IndexFeed):
        async def on_start(self) -> None:
            self._consumer = _IdleConsumer()  # type: ignore[assignment]
            self._producer = producer  # type: ignore[assignment]

    async def run() -> None:
        feed = OfflineFeed(Settings(), StoryIndex({}, Rules()))
        await feed.start()
        record = {"s": "x", "t": 1.0, "n": [], "m": []}
        feed.share("first", record)
        while not producer.waited:  # the sender takes it and waits on the producer
            await asyncio.sleep(0.01)
        feed.share("second", record)
        await feed.stop()

    asyncio.run(run())
    assert producer.sent == [b"first", b"second"]
