"""People named in full and then by surname: evidence the small model misses
(:mod:`pipeline.enrich.surnames`)."""

from __future__ import annotations

import pytest
import spacy

from pipeline.enrich import Enricher
from pipeline.enrich.mentions import RawMention, extract
from pipeline.enrich.nlp import ParsedField
from pipeline.enrich.surnames import census_surnames, given_names, learn_words, unfamiliar_surname
from pipeline.models import Enrichment, RawArticle


def mentions_of(parsed: ParsedField) -> list[RawMention]:
    return extract(parsed)[0]


def run(enricher: Enricher, body: str) -> Enrichment:
    return enricher.enrich(RawArticle(id="t", title="", body=body))


def people(result: Enrichment) -> dict[str, list[str]]:
    """Each person's name and the texts of its mentions."""
    return {e.name: [m.text for m in e.mentions] for e in result.entities if e.label == "PERSON"}


def test_given_names_come_from_the_nicknames_table() -> None:
    names = given_names()
    assert {"carly", "sally", "bob", "patrick", "pat"} <= names
    assert "fiorina" not in names and "the" not in names


@pytest.mark.parametrize(
    ("body", "person", "mentions"),
    [
        # the small model reads both the full name and the surname as an organisation
        (
            "Carly Fiorina studied at Stanford. Fiorina later led HP, and she ran for president.",
            "Carly Fiorina",
            ["Carly Fiorina", "Fiorina"],
        ),
        # NER cuts the name after "Sally" and never tags "Yates" alone
        (
            "Former acting Attorney General Sally Yates testified on Monday. "
            "Yates was fired by the White House.",
            "Sally Yates",
            ["Sally Yates", "Yates"],
        ),
        (
            "Justin Langer scored a century at the WACA. Langer said the pitch was flat.",
            "Justin Langer",
            ["Justin Langer", "Langer"],
        ),
    ],
)
def test_a_full_name_shortened_to_its_surname_is_one_person(
    enricher: Enricher, body: str, person: str, mentions: list[str]
) -> None:
    found = people(run(enricher, body))
    assert found.get(person) == mentions


def test_the_pronoun_then_finds_the_person(enricher: Enricher) -> None:
    result = run(
        enricher,
        "Carly Fiorina studied at Stanford. Fiorina later led HP, and she ran for president.",
    )
    fiorina = next(e for e in result.entities if e.name == "Carly Fiorina")
    assert [r.text for r in fiorina.references] == ["she"]


@pytest.mark.parametrize(
    ("body", "name", "label"),
    [
        # an organisation named after a person is not shortened to its last word
        ("Morgan Stanley cut 300 jobs. Analysts said Morgan Stanley shares fell.",
         "Morgan Stanley", "ORG"),
        # "al-Qaeda" is no surname written alone, "Al" no given name here
        ("Al Qaeda fighters fled. Forces hunted al-Qaeda loyalists near the border.",
         "Al Qaeda", "ORG"),
    ],
)  # fmt: skip
def test_names_that_are_not_people_keep_their_label(
    enricher: Enricher, body: str, name: str, label: str
) -> None:
    found = {e.name: e.label for e in run(enricher, body).entities}
    assert found.get(name) == label


def test_titles_and_hyphenated_words_are_no_surnames(enricher: Enricher) -> None:
    body = (
        "The Prime Minister backed the Governor-General, Dr Peter Hollingworth. "
        "The Governor-General said the claims were unfounded."
    )
    names = [e.name for e in run(enricher, body).entities]
    assert "General" not in names


@pytest.mark.parametrize(
    ("body", "person", "mentions"),
    [
        # the small model reads the lone surname as a place; the gazetteer knows no such place
        ("Pryor mocked Rep. Tom Cotton on Tuesday. Pryor noted that Cotton went to Harvard.",
         "Tom Cotton", ["Tom Cotton", "Cotton"]),
        ("Spokesman Rick Tyler said a Palin endorsement of Trump would be a blow to Sarah Palin.",
         "Sarah Palin", ["Palin", "Sarah Palin"]),
    ],
)  # fmt: skip
def test_a_surname_read_as_a_place_joins_the_person(
    enricher: Enricher, body: str, person: str, mentions: list[str]
) -> None:
    result = run(enricher, body)
    assert people(result).get(person) == mentions
    assert [e.name for e in result.entities if e.label in {"GPE", "LOC", "FAC"}] == []


def test_a_known_place_never_joins_a_person_of_that_name(enricher: Enricher) -> None:
    found = {e.name: e.label for e in run(enricher, "Michael Jordan visited Jordan.").entities}
    assert found == {"Michael Jordan": "PERSON", "Jordan": "GPE"}


def test_census_surnames_are_lower_case_and_many() -> None:
    names = census_surnames()
    assert len(names) > 80_000
    assert {"rubio", "gorsuch", "smith", "walker"} <= names
    assert "the" not in names and "Rubio" not in names


@pytest.mark.parametrize(
    ("body", "person"),
    [
        # the small model tags neither subject: capitals at a sentence's start say nothing
        ("Rubio came in second with 24 percent of the vote.", "Rubio"),
        ("Gorsuch now counts 55 supporters in the Senate.", "Gorsuch"),
        ("Pelosi has led House Democrats since 2003.", "Pelosi"),
    ],
)
def test_a_lone_census_surname_that_is_no_word_is_a_person(
    enricher: Enricher, body: str, person: str
) -> None:
    assert people(run(enricher, body)) == {person: [person]}


@pytest.mark.parametrize(
    ("body", "person"),
    [
        # NER tags none of these: an object, a passive subject and two owners
        ("Conservatives hailed Gorsuch as a worthy successor.", "Gorsuch"),
        ("Mateen was born in New York.", "Mateen"),
        ("Pelosi's comments were criticized as tone-deaf.", "Pelosi"),
        ("Hyten's job is to be ready all the time.", "Hyten"),
    ],
)
def test_a_lone_census_surname_is_a_person_as_object_or_owner(
    enricher: Enricher, body: str, person: str
) -> None:
    assert people(run(enricher, body)).get(person) == [person]


@pytest.mark.parametrize(
    "body",
    [
        "Voters saw Walker as a reformer.",  # an object, but a surname that is a word
        "Walker's reforms were popular.",
        "The mayor visited Kavanaugh Street.",  # a census surname in a street's name
        "When a clerk called his name, the senator shouted “Aye!”",  # a word quoted
    ],
)
def test_objects_and_owners_that_are_words_or_places_stay_no_people(
    enricher: Enricher, body: str
) -> None:
    assert people(run(enricher, body)) == {}


def test_a_lone_surname_then_takes_its_pronoun(enricher: Enricher) -> None:
    result = run(enricher, "Gorsuch now counts 55 supporters. He met senators on Monday.")
    gorsuch = next(e for e in result.entities if e.name == "Gorsuch")
    assert [r.text for r in gorsuch.references] == ["He"]


@pytest.mark.parametrize(
    "body",
    [
        "Walker courageously stood up to special interests.",  # a surname and a word
        "Christmas brought the town together.",
        "Bitcoin fell sharply on Monday.",  # a word no census lists
    ],
)
def test_words_and_unlisted_names_stay_no_people(enricher: Enricher, body: str) -> None:
    assert people(run(enricher, body)) == {}


def test_without_the_models_dictionary_no_surname_is_unfamiliar() -> None:
    blank = spacy.blank("en")
    learn_words(blank)  # no rule lemmatizer: nothing learnt, nothing guessed
    assert not unfamiliar_surname(blank("Gorsuch spoke")[0])


@pytest.mark.parametrize(
    ("body", "found"),
    [
        # NER tags nothing here; the title says a person, the census list a name
        ("The president fired Acting Attorney General Yates on Monday.", {"Yates": ["Yates"]}),
        ("Director Wray testified before the committee on Tuesday.", {"Wray": ["Wray"]}),
    ],
)
def test_a_census_surname_after_a_title_is_a_person(
    enricher: Enricher, body: str, found: dict[str, list[str]]
) -> None:
    assert people(run(enricher, body)) == found


@pytest.mark.parametrize(
    ("body", "names"),
    [
        # the parser makes "Ejecting" a proper-noun compound of the subject
        ("Ejecting Cordray would require cause.", ["Cordray"]),
        # a census given name ("Shane" has no nickname) is part of the name
        ("Shane Warne took five wickets.", ["Shane Warne"]),
    ],
)
def test_only_given_names_join_a_census_surname(
    enricher: Enricher, body: str, names: list[str]
) -> None:
    from pipeline.enrich.mentions import _speaker_names
    from pipeline.enrich.nlp import parse_article

    parsed = parse_article(enricher._nlp, RawArticle(id="t", title="", body=body))[-1]
    assert [m.text for m in _speaker_names(parsed, [])] == names  # as if NER found none


@pytest.mark.parametrize(
    ("body", "name"),
    [
        # the small model labels both lone surnames an organisation
        ("Trump hasn't actually said what he specifically wants Congress to do.", "Trump"),
        ("It was that Pierson offered her resignation, Earnest said.", "Pierson"),
    ],
)
def test_a_lone_surname_that_is_he_or_she_is_a_person(
    enricher: Enricher, body: str, name: str
) -> None:
    found = {e.name: e.label for e in run(enricher, body).entities}
    assert found[name] == "PERSON"


@pytest.mark.parametrize(
    ("body", "name"),
    [
        # census surnames that are English words, which NER leaves out altogether here
        ("Kelly brought more structure to the West Wing, as he had promised.", "Kelly"),
        ("Porter resigned Wednesday after reports surfaced of his past abuse.", "Porter"),
    ],
)
def test_a_surname_ner_left_out_that_is_he_is_a_person(
    enricher: Enricher, body: str, name: str
) -> None:
    assert people(run(enricher, body)).get(name) == [name]


@pytest.mark.parametrize(
    "body",
    [
        "Police said he fled the scene.",  # a common noun, though "Police" is capitalised
        "Sanders used the occasion to attack Clinton, as he has before.",  # he may be Clinton
    ],
)
def test_he_makes_no_person_of_a_common_word_or_past_another_person(
    enricher: Enricher, body: str
) -> None:
    found = people(run(enricher, body))
    assert "Police" not in found and "Sanders" not in found


@pytest.mark.parametrize(
    ("body", "name", "label"),
    [
        ("Ford said it would cut 300 jobs.", "Ford", "ORG"),  # a company is "it"
        ("Washington said he would veto the bill.", "Washington", "GPE"),  # a known place
    ],
)
def test_a_pronoun_makes_no_person_of_a_company_or_a_place(
    enricher: Enricher, body: str, name: str, label: str
) -> None:
    found = {e.name: e.label for e in run(enricher, body).entities}
    assert found.get(name) == label


def test_a_name_after_the_is_no_person_however_he_follows(enricher: Enricher) -> None:
    found = {e.name: e.label for e in run(enricher, "The Court said he must wait.").entities}
    assert found.get("Court") == "ORG"


def test_a_word_after_a_title_is_no_person(enricher: Enricher) -> None:
    # "Street" is a census surname, and an English word: a street, not Prince Street's person
    assert people(run(enricher, "Prince Street reopened on Monday.")) == {}


def test_he_after_two_lone_surnames_names_neither(enricher: Enricher) -> None:
    from pipeline.enrich.mentions import _person_by_pronoun
    from pipeline.enrich.nlp import parse_article

    parsed = parse_article(
        enricher._nlp, RawArticle(id="t", title="", body="Trump told Christie that he would win.")
    )[-1]
    found = [m for m in mentions_of(parsed) if m.text in {"Trump", "Christie"}]
    for m in found:
        m.votes.clear()
        m.votes["ORG"] += 1.0  # as the small model often reads both
    assert _person_by_pronoun(parsed, found) == []
    assert all(m.votes["PERSON"] == 0 for m in found)


def test_the_dictionary_is_learnt_from_a_sped_up_pipeline_too(enricher: Enricher) -> None:
    from pipeline.enrich.surnames import WORDS_TABLE

    nlp = enricher._nlp  # load_pipeline swapped in fastpipes' lemmatizer
    nlp.vocab.lookups.remove_table(WORDS_TABLE)
    learn_words(nlp)
    assert "walker" in nlp.vocab.lookups.get_table(WORDS_TABLE)
