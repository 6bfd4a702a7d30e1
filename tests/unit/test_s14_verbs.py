"""Stance verbs and their targets (issue #12): constructions news uses that the structured
rules missed. Invented sentences; whether a candidate becomes a tag is the model's decision."""

from __future__ import annotations

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pipeline.enrich import Enricher
from pipeline.enrich.label_clauses import labelled
from tests.unit.stance_proposals import proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        ("Governor Rosa Diaz shades Tom Reed with a tribute to nurses.", "Rosa Diaz", "Tom Reed"),
        ("On Sunday, Governor Rosa Diaz hit Tom Reed at a rally.", "Rosa Diaz", "Tom Reed"),
        ("Senator Paul Grant has been feuding with Tom Reed.", "Paul Grant", "Tom Reed"),
        ("Senator Paul Grant jumped on Tom Reed's remarks.", "Paul Grant", "Tom Reed's remarks"),
        ("Senator Paul Grant battled Mayor Tom Reed for years.", "Paul Grant", "Tom Reed"),
    ],
)
def test_stance_verbs_news_uses(enricher: Enricher, body: str, holder: str, target: str) -> None:
    assert (holder, target, -1) in proposed(enricher, body)


def test_an_amount_is_no_verbs_target(enricher: Enricher) -> None:
    """ "hit" is a stance verb now; "hit 35 percent" names no target, nor does the phrase
    after the amount."""
    found = proposed(enricher, "Governor Rosa Diaz hit 35 percent in the latest poll.", "verb")
    assert not any(h == "Rosa Diaz" for h, _, _ in found)


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ("Senator Paul Grant was raging at the media on Monday.", "media"),
        ("Senator Paul Grant hopes to lift the sanctions.", "sanctions"),
    ],
)
def test_a_lemma_the_tagger_cut_short_still_reads(
    enricher: Enricher, body: str, target: str
) -> None:
    # spaCy reads "raging" as "rag" and "hoping" as "hop": the cue and the control verb are
    # read all the same (frames.lemma_of)
    assert ("Paul Grant", target, -1) in proposed(enricher, body)


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        # a small clause: the clause's subject is labelled
        ('Journalist Rosa Diaz was blunt, labelling Tom Reed a "bigot".', "Rosa Diaz", "Tom Reed"),
        # a relative pronoun object: the noun the clause modifies is labelled
        (
            'Mayor Tom Reed thanked President Rosa Diaz, whom he called a "great champion".',
            "Tom Reed",
            "Rosa Diaz",
        ),
    ],
)
def test_labels_the_parser_reads_as_clauses(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    assert holder in {h for h, t, _ in proposed(enricher, body, "label") if t == target}


def test_two_predicate_complements_label_the_first() -> None:
    """The parser sometimes reads "called Ardern a 'clown'" as two predicate complements and
    no object (seen on real news, not on short invented text): set that parse by hand."""
    words = ["Grant", "called", "Reed", "a", "clown"]
    doc = Doc(
        Vocab(),
        words=words,
        heads=[1, 1, 1, 4, 1],
        deps=["nsubj", "ROOT", "oprd", "det", "oprd"],
        pos=["PROPN", "VERB", "PROPN", "DET", "NOUN"],
        lemmas=["Grant", "call", "Reed", "a", "clown"],
    )
    found = labelled(doc[1])
    assert found is not None and (found[0].text, found[1].text) == ("Reed", "clown")
