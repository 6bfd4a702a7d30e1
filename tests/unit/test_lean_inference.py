"""Lean inference annotates exactly as the model's own forward pass, with less memory."""

from __future__ import annotations

import tracemalloc

import numpy
import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Linear, Relu, chain

from pipeline.config import EnrichSettings
from pipeline.enrich.inference import lean_inference
from pipeline.tools.bench_corpus import bench_corpus


@pytest.fixture(scope="module")
def lean() -> Language:
    nlp = spacy.load(EnrichSettings().model)
    assert lean_inference(nlp) > 0
    return nlp


@pytest.fixture(scope="module")
def longest() -> str:
    """The longest article of the bench corpus (real news, ~3,000 words)."""
    corpus, _ = bench_corpus(200, 7)
    return max(corpus, key=lambda a: len(a.body)).body


def _annotations(doc: Doc) -> list[tuple[str, str, str, str, int, str, str]]:
    return [(t.tag_, t.pos_, str(t.morph), t.dep_, t.head.i, t.ent_iob_, t.ent_type_) for t in doc]


def test_lean_inference_annotates_as_the_models_own(
    spacy_model: Language, lean: Language, longest: str
) -> None:
    texts = [
        "The senator said on Tuesday that the bill would pass, but critics in Paris disagreed.",
        longest,
    ]
    for own, ours in zip(spacy_model.pipe(texts), lean.pipe(texts), strict=True):
        assert _annotations(ours) == _annotations(own)
        assert numpy.array_equal(ours.tensor, own.tensor)  # the tok2vec output, bit for bit


def _traced_peak(nlp: Language, text: str) -> int:
    doc = nlp.make_doc(text)
    tracemalloc.start()
    try:
        for _, component in nlp.pipeline:
            doc = component(doc)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_long_article_needs_far_less_memory(
    spacy_model: Language, lean: Language, longest: str
) -> None:
    own, ours = _traced_peak(spacy_model, longest), _traced_peak(lean, longest)
    assert ours < own / 2, (own, ours)  # measured: 57 MB against 17 on this article


def test_training_still_gets_thincs_own_forward_pass() -> None:
    nlp = spacy.blank("en")
    model = chain(Linear(3, 4), Relu(2, 3))
    model.initialize()
    nlp.add_pipe("tok2vec").model = model  # a component whose network is one chain
    assert lean_inference(nlp) == 1
    inputs = numpy.ones((5, 4), dtype="f")
    outputs, backprop = model(inputs, is_train=True)
    assert backprop(numpy.ones_like(outputs)).shape == inputs.shape
    predicted, no_backprop = model(inputs, is_train=False)
    assert numpy.array_equal(predicted, outputs)
    with pytest.raises(RuntimeError, match="lean inference"):
        no_backprop(numpy.ones_like(outputs))
