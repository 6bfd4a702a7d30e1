"""Stance tags from the shipped model on invented sentences: the direction it prefers for a
(holder, target), what the default threshold keeps, and the tag's fields. These are unit cases
of specific constructions; the figures come from the real-news gold set (``newsflow eval``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.enrich.candidates import CandidateReader
from pipeline.enrich.stance import side
from pipeline.models import RawArticle, StanceTag


def stances(enricher: Enricher, body: str, title: str = "") -> list[StanceTag]:
    return enricher.enrich(RawArticle(id="t", title=title, body=body)).stances


def preferred(enricher: Enricher, body: str, holder: str, target_word: str) -> StanceTag:
    return next(
        t
        for t in stances(enricher, body)
        if t.holder == holder and target_word in f"{t.target} {t.target_text}".lower()
    )


@pytest.mark.parametrize(
    ("body", "holder", "target", "stance"),
    [
        (
            "Slovak Prime Minister Robert Fico condemned the sanctions.",
            "Robert Fico",
            "sanction",
            "against",
        ),
        (
            "Italian Prime Minister Giorgia Meloni endorsed the new sanctions on Monday.",
            "Giorgia Meloni",
            "sanction",
            "favor",
        ),
        (
            "Hillary Clinton blamed the Democratic National Committee for her defeat.",
            "Hillary Clinton",
            "democratic national committee",
            "against",
        ),
        (
            "Senator Ana Ruiz refused to back the trade agreement with Vietnam.",
            "Ana Ruiz",
            "trade",
            "against",
        ),
        (
            "The gun control bill was vetoed by Governor Kay Brandt on Friday.",
            "Kay Brandt",
            "gun",
            "against",
        ),
        (
            "Argentine lawmaker Sofia Paz criticized Microsoft over its data centres.",
            "Sofia Paz",
            "microsoft",
            "against",
        ),
    ],
)
def test_the_model_prefers_the_right_direction(
    every_tag_enricher: Enricher, body: str, holder: str, target: str, stance: str
) -> None:
    assert preferred(every_tag_enricher, body, holder, target).stance == stance


def test_default_threshold_keeps_only_confident_tags(
    enricher: Enricher, every_tag_enricher: Enricher
) -> None:
    body = (
        "Slovak Prime Minister Robert Fico condemned the sanctions. Mayor Tom Reyes said "
        "Governor Li Wei's budget was late."  # a reported fact: a candidate, no stance
    )
    kept, everything = stances(enricher, body), stances(every_tag_enricher, body)
    assert all(t.confidence >= EnrichSettings().stance_min_confidence for t in kept)
    assert {(t.holder, t.target) for t in kept} <= {(t.holder, t.target) for t in everything}
    assert len(everything) > len(kept)


def test_sentences_without_stance_give_no_tags(enricher: Enricher) -> None:
    body = (
        "Heavy snow closed roads across Bavaria on Tuesday. Chancellor Friedrich Merz "
        "travelled to Munich, where he met local officials. Temperatures fell to minus 20."
    )
    assert stances(enricher, body) == []


def test_said_there_was_is_not_a_position(enricher: Enricher) -> None:
    body = "Health Minister Ana Berg said there was a shortage of nurses in Oslo."
    assert stances(enricher, body) == []


def test_tag_fields(every_tag_enricher: Enricher) -> None:
    body = "Intro sentence here. Premier Li Qiang praised the free trade agreement."
    tags = stances(every_tag_enricher, body)
    assert tags
    for tag in tags:
        assert 0.0 <= tag.confidence <= 1.0
        assert body[tag.evidence.start : tag.evidence.end] == tag.evidence.text
        assert tag.holder != tag.target
        assert tag.target_text.lower() in tag.evidence.text.lower()


def test_one_tag_per_holder_and_target(every_tag_enricher: Enricher) -> None:
    body = "Robert Fico condemned the sanctions and he rejected the sanctions again on Friday."
    pairs = [(t.holder, t.target) for t in stances(every_tag_enricher, body)]
    assert len(pairs) == len(set(pairs))


def test_catalogue_path_is_overridable(tmp_path: Path) -> None:
    catalogue = tmp_path / "targets.yaml"
    catalogue.write_text(
        "version: 1\ntargets:\n  stadium:\n    aliases: [stadium project, arena]\n",
        encoding="utf-8",
    )
    enricher = Enricher(EnrichSettings(targets_path=catalogue, stance_min_confidence=0.0))
    tag = preferred(
        enricher, "Mayor Tom Reyes opposed the new stadium project.", "Tom Reyes", "stadium"
    )
    assert (tag.target, tag.target_kind, tag.stance) == ("stadium", "catalogue", "against")
    assert tag.target_text == "stadium project"


def _stance_seconds(enricher: Enricher, body: str) -> float:
    """Best of three timings of the stance stage alone (holders, candidates, model) on one
    parsed article: the parse is not what is measured. CPU time of this thread with the
    collector paused: other processes and threads on a shared machine do not count."""
    import gc
    from time import thread_time

    from pipeline.enrich.holders import HolderResolver

    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    best = float("inf")
    for _ in range(3):
        gc.collect()
        gc.disable()
        try:
            start = thread_time()
            enricher._stance.extract(doc, HolderResolver(doc))
            best = min(best, thread_time() - start)
        finally:
            gc.enable()
    return best


@pytest.mark.parametrize(
    ("head", "unit", "n"),
    [
        ("", "The official rejected the plan. ", 150),  # "the official", "the plan" look back
        ("", "John Smith met Mary Jones. He said she rejected the plan. They opposed it. ", 50),
        ("", "Paris, Berlin, London, Madrid and Rome ", 150),  # one long coordination
        # one verb with many phrases, each rule asking about that verb
        ("Senator Ana Ruiz voted ", "in favor of the plan, ", 150),
        ("Senator Ana Ruiz criticised Li Wei ", "for backing the plan, ", 150),
    ],
)
def test_stance_stage_time_grows_linearly(enricher: Enricher, head: str, unit: str, n: int) -> None:
    """Four times the text must cost about four times the stance stage's time (a quadratic
    step would cost sixteen times): two doublings, so that timing noise cannot pass for
    linearity."""
    single = _stance_seconds(enricher, head + unit * n + "It opposed the plan.")
    quadruple = _stance_seconds(enricher, head + unit * 4 * n + "It opposed the plan.")
    assert quadruple < 8.0 * single, (single, quadruple)


@pytest.mark.parametrize(
    ("probs", "prior", "side_"),
    [
        ((0.3, 0.2, 0.5), 1, 1),  # the rule read favor: judged as favor, however the model leans
        ((0.3, 0.5, 0.2), -1, 2),
        ((0.3, 0.2, 0.5), 0, 2),  # no reading of its own: the likelier direction
        ((0.3, 0.5, 0.2), 0, 1),
    ],
)
def test_a_candidate_is_judged_in_the_direction_its_rule_read(
    probs: tuple[float, float, float], prior: int, side_: int
) -> None:
    assert side(probs, prior) == side_


def test_a_headline_verb_of_support_never_comes_out_against(enricher: Enricher) -> None:
    # The parse misreads the headline ("Sanders Supporters Protest" is taken for a person);
    # the rule reads "Backed" as favor, so no confident "against" tag may come of it.
    found = stances(enricher, "No comment was made.", "Clinton Backed Sanders Supporters Protest")
    assert not [t for t in found if t.holder == "Clinton" and t.stance == "against"]


def test_only_a_direction_toward_an_entity_binds_the_model(enricher: Enricher) -> None:
    # "defying the shutdown" is favoured, the shutdown opposed: a direction read toward an act
    # phrase leaves the model free; one read toward a named entity binds it.
    body = (
        "The Grand Mufti, Mohammad Hussein, called on Palestinians to defy the shutdown. "
        "Senator Rosa Diaz praised Governor Tom Reed."
    )
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    found = CandidateReader(doc, enricher.catalogue).candidates()
    acts = [c for c in found if c.target.kind != "entity" and c.prior]
    named = [c for c in found if c.target.kind == "entity" and c.prior]
    assert acts and all(c.reading == 0 for c in acts)
    assert named and all(c.reading == c.prior for c in named)
