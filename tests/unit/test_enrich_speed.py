"""The enrichment's shortcuts give exactly what the plain computation gives.

Each speed-up of :mod:`pipeline.enrich` must leave outputs byte-identical (checked on the
gold and bench texts by ``scripts/enrich_dump.py``); these tests pin the pieces: the
three-class scorer against the general loop, the shared VADER cache against VADER, the
one-batch parse of title and body against one ``nlp()`` call per field, and the enrichment
of several articles parsed together (as an NLP process does with a batch) against each alone.
"""

from __future__ import annotations

import random

import pytest
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, POS, SENT_START, TAG

from pipeline.enrich import Enricher
from pipeline.enrich.linear import LinearModel
from pipeline.enrich.nlp import normalise, parse_article
from pipeline.enrich.tone import analyser, polarity
from pipeline.enrich.tone_model import ToneModel
from pipeline.models import RawArticle


def test_three_class_scores_are_the_general_loops_floats() -> None:
    shipped = ToneModel.load().model
    names = sorted(shipped.weights)
    rng = random.Random(3)
    for _ in range(200):
        feats = {rng.choice(names): rng.uniform(-3.0, 3.0) for _ in range(rng.randint(1, 80))}
        feats["not a feature of the model"] = 1.0
        assert shipped._three(feats) == shipped._scores(feats)  # equal floats, not close


def test_a_model_of_other_than_three_classes_still_scores() -> None:
    model = LinearModel(("a", "b"), {"x": (1.0, -1.0)}, (0.0, 0.0))
    low, high = model.probabilities({"x": 2.0})
    assert high < low and low + high == pytest.approx(1.0)


def test_shared_vader_scores_are_vaders_and_read_only() -> None:
    text = "The senator called the plan a disaster, and voters were furious."
    assert dict(polarity(text)) == analyser().polarity_scores(text)
    assert polarity(text) is polarity(text)  # read once
    with pytest.raises(TypeError):
        polarity(text)["compound"] = 0.0  # type: ignore[index]


_ATTRS = [TAG, POS, MORPH, LEMMA, DEP, HEAD, SENT_START, ENT_IOB, ENT_TYPE]


def test_title_and_body_parsed_in_one_batch_as_each_alone(enricher: Enricher) -> None:
    nlp = enricher._nlp
    article = RawArticle(
        id="a1",
        title="Senate Republicans Reject Biden Plan for Ukraine Aid",
        body=(
            "WASHINGTON (AP) — Senate Republicans on Tuesday rejected President Joe Biden's "
            "plan for more aid to Ukraine. \u201cIt is a blank cheque,\u201d said Mitch "
            "McConnell, who met Volodymyr Zelensky in Kyiv last year.\n\nThe White House "
            "said it would keep pressing Congress."
        ),
    )
    title, body = parse_article(nlp, article)
    alone_title = nlp(normalise(article.title))
    assert title.doc.to_array(_ATTRS).tolist() == alone_title.to_array(_ATTRS).tolist()
    alone_body = nlp(nlp.make_doc(body.doc.text))
    assert body.doc.to_array(_ATTRS).tolist() == alone_body.to_array(_ATTRS).tolist()
    assert [e.text for e in body.doc.ents] == [e.text for e in alone_body.ents]
    assert "Mitch McConnell" in [e.text for e in body.doc.ents]


def test_articles_enriched_in_one_batch_are_enriched_as_each_alone(enricher: Enricher) -> None:
    articles = [
        RawArticle(
            id="dateline",
            title="Senate Republicans Reject Biden Plan for Ukraine Aid",
            body="WASHINGTON (AP) \u2014 Senate Republicans on Tuesday rejected President Joe "
            "Biden's plan. \u201cIt is a blank cheque,\u201d said Mitch McConnell in Kyiv.",
        ),
        RawArticle(id="untitled", body="Angela Merkel met Emmanuel Macron in Paris on Monday."),
        RawArticle(
            id="capitals",
            title="GERMANY SLAMS RUSSIA OVER GAS",
            body="Berlin said Moscow had cut supplies. The Kremlin denied it, Reuters said.",
        ),
        RawArticle(id="long run", title="Spam", body="Buy now " + "!" * 900 + " said Bob Smith."),
    ]
    alone = [enricher.enrich(a).model_dump_json() for a in articles]
    together = [e.model_dump_json() for e in enricher.enrich_many(articles)]
    assert together == alone
    assert '"Mitch McConnell"' in together[0] and '"Angela Merkel"' in together[1]
