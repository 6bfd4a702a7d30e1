"""The fast attribute ruler and lemmatizer annotate exactly as the model's own components."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

from pipeline.config import EnrichSettings
from pipeline.enrich.fastpipes import FastAttributeRuler, FastLemmatizer, Unsupported, speed_up

# Texts that reach the ruler's rarer rules: several-token patterns ("ain't", "y'all",
# "nothin'"), rules on DEP ("but" as an adverb, auxiliaries, determiners as pronouns),
# pronoun lemmas, modal verbs, spaces; and inflected words for the lemmatizer.
TEXTS = [
    "It ain't over, y'all, and there's nothin' they can do about it.",
    "She said that he would have been elected, but the senators were voting against him.",
    "All of those who came saw that this was what they had wanted.\n\nThe  end.",
    "Running faster than the others, the children ran to the biggest houses; I'd better go.",
    "Nobody knows whether anything changed since the ministers' meetings in Paris.",
]


@pytest.fixture(scope="module")
def pipelines(spacy_model: Language) -> tuple[Language, Language]:
    fast = spacy.load(EnrichSettings().model)
    assert speed_up(fast) == ["attribute_ruler", "lemmatizer"]
    return spacy_model, fast


def _annotations(doc: Doc) -> list[tuple[str, str, str, str, str, int]]:
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


@pytest.mark.parametrize("text", TEXTS)
def test_the_fast_components_annotate_as_the_models_own(
    pipelines: tuple[Language, Language], text: str
) -> None:
    own, fast = pipelines
    assert isinstance(fast.get_pipe("attribute_ruler"), FastAttributeRuler)
    assert isinstance(fast.get_pipe("lemmatizer"), FastLemmatizer)
    for _ in range(2):  # the second time from the memo
        assert _annotations(fast(text)) == _annotations(own(text))


def test_the_rare_rules_do_fire_on_these_texts(pipelines: tuple[Language, Language]) -> None:
    _, fast = pipelines
    doc = fast(TEXTS[0])
    assert [t.lemma_ for t in doc[1:3]] == ["be", "not"]  # "ai" "n't": a two-token rule
    assert next(t for t in doc if t.text == "nothin'").lemma_ == "nothing"


def test_kinds_of_token_with_the_same_answer_share_one_memo_entry(
    pipelines: tuple[Language, Language],
) -> None:
    """The memo's memory grows with the kinds of token it has seen; each kind must cost its
    key, not a copy of an answer most kinds share."""
    _, fast = pipelines
    ruler = fast.get_pipe("attribute_ruler")
    assert isinstance(ruler, FastAttributeRuler)
    fast(
        "The finance minister defended the budget on Tuesday, telling lawmakers that higher "
        "spending on schools, hospitals and roads would lift growth. Opposition leaders "
        "called the plan reckless and warned that borrowing costs were rising quickly. "
        "Analysts at several banks expect the central bank to keep interest rates steady "
        "while inflation slows, although food and energy prices remain stubbornly high."
    )
    kinds = len(ruler._memo)
    answers = len({id(entry) for entry in ruler._memo.values()})
    assert kinds > 50 and answers < kinds / 2


def test_a_ruler_with_a_pattern_the_table_cannot_answer_keeps_its_own_component() -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    assert isinstance(ruler, AttributeRuler)
    ruler.add([[{"TEXT": {"FUZZY": "colour"}}]], {"NORM": "color"})
    with pytest.raises(Unsupported):
        FastAttributeRuler(ruler)
    assert speed_up(nlp) == []
    assert nlp.get_pipe("attribute_ruler") is ruler
