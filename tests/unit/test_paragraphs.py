"""Sentences end at paragraph breaks: what the parser gets before it runs
(:func:`pipeline.enrich.nlp.paragraph_starts`). Unit cases on invented texts, not figures."""

from __future__ import annotations

import pytest
from spacy.language import Language

from pipeline.enrich import Enricher
from pipeline.enrich.nlp import MAX_RUN_CHARS
from pipeline.models import RawArticle


@pytest.fixture
def nlp(enricher: Enricher) -> Language:
    return enricher._nlp  # the enricher's own pipeline: the bounded tokenizer and all


def sentences(nlp: Language, text: str) -> list[str]:
    doc = nlp(text)
    assert doc.text == text  # offsets into the field stay offsets into the doc
    return [s.text.strip() for s in doc.sents if s.text.strip()]


HEADLINE = (
    "Senator Jane Roe faces criticism from Governor Tom Reed\n\n"
    "Mayor Ana Ruiz spoke about the city budget on Monday."
)


def test_a_headline_line_ends_at_the_blank_line_after_it(nlp: Language) -> None:
    found = sentences(nlp, HEADLINE)
    assert not [s for s in found if "\n\n" in s]
    assert found[-1] == "Mayor Ana Ruiz spoke about the city budget on Monday."


def test_a_line_break_after_a_stop_ends_a_sentence_and_a_wrapped_line_does_not(
    nlp: Language,
) -> None:
    text = "Ana Ruiz spoke on Monday.\nThe vote is on\nTuesday in the capital."
    assert sentences(nlp, text)[-1] == "The vote is on\nTuesday in the capital."


@pytest.mark.parametrize(
    "text",
    [
        "Nancy Pelosi tweeted:\nDonald Trump is a disgrace to the presidency.",
        "Chuck Schumer criticized Sen.\nMitch McConnell on Monday over the budget.",
        "Nikki Haley (R)\ncriticized Vladimir Putin on Monday.",
        "Senator Mitch McConnell praised the players'\nunion and criticized Nancy Pelosi.",
    ],
)
def test_a_colon_an_abbreviation_or_a_bracket_before_a_line_break_ends_nothing(
    nlp: Language, text: str
) -> None:
    assert len(sentences(nlp, text)) == 1


@pytest.mark.parametrize("space", ["\r\n\r\n", "\u2029", "\n \n"])
def test_other_paragraph_breaks_end_a_sentence(nlp: Language, space: str) -> None:
    text = f"Senator Jane Roe faces criticism from Governor Tom Reed{space}Mayor Ana Ruiz spoke."
    assert sentences(nlp, text)[-1] == "Mayor Ana Ruiz spoke."


@pytest.mark.parametrize("headline", ["Trump hits back", "Budget fight", "Read more"])
def test_the_first_name_after_a_headline_stays_whole(nlp: Language, headline: str) -> None:
    # Given a start at "Nancy", the parser opened another at "Pelosi"
    body = "Nancy Pelosi criticized Donald Trump on Monday."
    assert sentences(nlp, f"{headline}\n\n{body}")[-1] == body


@pytest.mark.parametrize("end", ["'no!'", "(no.)", "no.\"'"])
def test_a_closing_quote_or_bracket_after_a_stop_ends_the_line(nlp: Language, end: str) -> None:
    assert (
        sentences(nlp, f"He said {end}\nMayor Ana Ruiz said yes.")[-1] == "Mayor Ana Ruiz said yes."
    )


@pytest.mark.parametrize("space", ["\x0c", "\x85", "\u2028\u2028"])
def test_form_feeds_and_unicode_line_breaks_count(nlp: Language, space: str) -> None:
    text = f"Senator Jane Roe faces criticism.{space}Mayor Ana Ruiz spoke."
    assert sentences(nlp, text)[-1] == "Mayor Ana Ruiz spoke."


def test_a_closing_quote_after_a_stop_ends_the_line(nlp: Language) -> None:
    text = 'She said "it is fine."\nSenator Jane Roe praised Mayor Ana Ruiz on Monday.'
    assert sentences(nlp, text)[-1] == "Senator Jane Roe praised Mayor Ana Ruiz on Monday."


def test_the_break_holds_where_a_long_run_was_cut(nlp: Language) -> None:
    run = "x" * (MAX_RUN_CHARS + 50)
    found = sentences(nlp, f"{run} faces criticism from Governor Tom Reed\n\n{HEADLINE}")
    assert not [s for s in found if "\n\n" in s]


def test_no_stance_is_read_across_a_blank_line(enricher: Enricher) -> None:
    body = (
        "Governor Tom Reed faces criticism from the state's farmers\n\n"
        "Senator Jane Roe praised Mayor Ana Ruiz on Monday."
    )
    found = enricher.enrich(RawArticle(id="t", body=body)).stances
    assert all("\n\n" not in t.evidence.text.strip() for t in found)
    assert not [t for t in found if t.holder == "Tom Reed"]


def test_an_all_capitals_heading_ends_at_its_line_break(nlp: Language) -> None:
    # a heading or a label has no stop of its own: left alone, the parser ran it into the
    # quote below, whose speaker then seemed to judge what the heading names
    text = 'SENATOR OFFERS RARE PRAISE FOR GOVERNOR\n"The plan is a good one," Ana Ruiz said.'
    assert sentences(nlp, text) == [
        "SENATOR OFFERS RARE PRAISE FOR GOVERNOR",
        '"The plan is a good one," Ana Ruiz said.',
    ]


@pytest.mark.parametrize(
    "text",
    [
        # consecutive capital lines: a wrapped all-capitals story, a table
        "THE SENATOR SAID ON MONDAY THAT THE\nBUDGET WOULD PASS BY THE END OF MAY.",
        # one capital word is no heading ("the\nNATO summit")
        "The leaders met at the\nNATO summit in Brussels on Monday.",
        # a speaker's label: the words below are the speaker's
        "ANA RUIZ:\nThe plan is a good one for the city.",
        # a name in capitals inside a wrapped sentence goes on in lower case
        "Ana Ruiz told the council that the city's\nNEW LEVY PLAN\nwas a disaster for it.",
    ],
)
def test_capital_lines_that_are_no_heading_run_on(nlp: Language, text: str) -> None:
    assert len(sentences(nlp, text)) == 1
