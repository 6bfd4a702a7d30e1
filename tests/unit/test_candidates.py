"""Stance candidates on invented sentences: each construction news uses proposes its
(holder, target) with the right direction. Whether a candidate becomes a tag is the trained
model's decision (tested in test_stance.py); these are unit cases, not figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import Candidate, CandidateReader, _quote_mask
from pipeline.enrich.holders import HolderResolver
from pipeline.models import RawArticle


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def candidates(enricher: Enricher, body: str, title: str = "") -> list[Candidate]:
    doc, _ = enricher.read(RawArticle(id="t", title=title, body=body))
    return CandidateReader(doc, enricher.catalogue).candidates()


def directions(found: list[Candidate], holder: str, target_word: str) -> set[int]:
    """Directions proposed by rule sources (not bare pairs) for holder and a target word."""
    return {
        c.prior
        for c in found
        if c.holder.name == holder
        and target_word in (c.target.text + " " + c.surface).lower()
        and c.source != "pair"
    }


@pytest.mark.parametrize(
    ("body", "holder", "target", "prior"),
    [
        ("Senator Maria Lopez attacked the housing plan on Monday.", "Maria Lopez", "housing", -1),
        ("Mayor Tom Reed accused the police union of lying.", "Tom Reed", "union", -1),
        ("Judge Ann Cole questioned the evidence in the case.", "Ann Cole", "evidence", -1),
        ("Governor Li Wei praised the new transit law.", "Li Wei", "transit", 1),
        ("The tax was criticised by Senator Paul Grant.", "Paul Grant", "tax", -1),
        ("Senator Rosa Diaz is opposed to the pipeline.", "Rosa Diaz", "pipeline", -1),
        ("Senator Rosa Diaz is critical of the pipeline.", "Rosa Diaz", "pipeline", -1),
        ("Senator Rosa Diaz was scathing about the pipeline.", "Rosa Diaz", "pipeline", -1),
        ("Mayor Tom Reed is committed to the bike lanes.", "Tom Reed", "bike", 1),
        ("Senator Rosa Diaz is against the pipeline.", "Rosa Diaz", "pipeline", -1),
        ("Senator Rosa Diaz poured cold water on the merger.", "Rosa Diaz", "merger", -1),
        ("Senator Rosa Diaz insisted on a recount.", "Rosa Diaz", "recount", 1),
        ("Senator Rosa Diaz did not criticise the merger.", "Rosa Diaz", "merger", 0),
        ("Senator Rosa Diaz clearly detests the pipeline.", "Rosa Diaz", "pipeline", -1),
        ("Mayor Tom Reed ripped into the police union.", "Tom Reed", "union", -1),
        (
            "Senator Elizabeth Warren took aim at Facebook on Monday.",
            "Elizabeth Warren",
            "facebook",
            -1,
        ),
        ("Governor Li Wei heralded the new transit law.", "Li Wei", "transit", 1),
        # a stance noun describing a person: "one of the critics", "as a critic", "a loyalist"
        (
            "Senator Ana Ruiz has been one of the harshest critics of Mr. Whitfield.",
            "Ana Ruiz",
            "whitfield",
            -1,
        ),
        ("Senator Ana Ruiz emerged as a critic of the housing plan.", "Ana Ruiz", "housing", -1),
        ("Tom Reed is a Whitfield loyalist.", "Tom Reed", "whitfield", 1),
        # a stance noun as the object of a light verb, the preposition on the verb
        ("Senator Rosa Diaz showered praise on the transit law.", "Rosa Diaz", "transit", 1),
        ("Senator Rosa Diaz expressed doubts about the merger.", "Rosa Diaz", "merger", -1),
        # the preposition on the object the parser hangs it on
        ("Senator Rosa Diaz raised questions about the merger.", "Rosa Diaz", "merger", -1),
        ("Mark Reed, an early Whitfield supporter, praised the plan.", "Mark Reed", "whitfield", 1),
    ],
)
def test_stance_words_propose_their_direction(
    enricher: Enricher, body: str, holder: str, target: str, prior: int
) -> None:
    assert prior in directions(candidates(enricher, body), holder, target)


def test_stance_nouns_with_named_members(enricher: Enricher) -> None:
    body = "Opponents of the bill, including Senator Ann Park and Mayor Joe Kim, rallied."
    found = candidates(enricher, body)
    assert -1 in directions(found, "Ann Park", "bill")
    assert -1 in directions(found, "Joe Kim", "bill")


def test_judgement_in_reported_speech_belongs_to_the_speaker(enricher: Enricher) -> None:
    found = candidates(enricher, "The tariff plan was a mistake, Senator Paul Grant said.")
    assert -1 in directions(found, "Paul Grant", "tariff")


@pytest.mark.parametrize(
    "body",
    [
        '"The tariff plan is a disaster," Senator Paul Grant responded.',
        '"The tariff plan was a mistake," Senator Paul Grant commented on Monday.',
        "Senator Paul Grant acknowledged that the tariff plan was a failure.",
    ],
)
def test_quotes_attributed_by_other_reporting_verbs_belong_to_the_speaker(
    enricher: Enricher, body: str
) -> None:
    assert -1 in directions(candidates(enricher, body), "Paul Grant", "tariff")


@pytest.mark.parametrize(
    ("body", "prior"),
    [
        # a belief denied is its clause denied
        ("Senator Paul Grant said he did not think the tariff plan would be helpful.", -1),
        ("Senator Paul Grant does not believe the tariff plan is a good idea.", -1),
        ("Senator Paul Grant doesn't think the tariff plan is a disaster.", 1),
        # not saying so says nothing of it; not knowing it still holds it
        ("Senator Paul Grant did not say the tariff plan was a good idea.", 0),
        ("Senator Paul Grant said he didn't realize the tariff plan was a disaster.", -1),
        ("Senator Paul Grant believes the tariff plan is a good idea.", 1),
    ],
)
def test_a_negated_belief_turns_its_clause(enricher: Enricher, body: str, prior: int) -> None:
    assert directions(candidates(enricher, body), "Paul Grant", "tariff") == {prior}


@pytest.mark.parametrize(
    "body",
    [
        # the clause is the mayor's, whom no name gives; the union's own verb says nothing
        "The mayor says the tariff plan is a disaster, while the Harbour Union maintains "
        "that wages must rise.",
        # "than it answers" reports no speech: its "it" is no speaker of the plan
        "Harbour Union leaders met in Lisbon on Monday. The mayor says the union's tariff "
        "plan for Lisbon raises more questions than it answers.",
    ],
)
def test_a_clause_is_never_given_to_another_verbs_speaker(enricher: Enricher, body: str) -> None:
    found = candidates(enricher, body)
    assert not [c for c in found if "tariff" in c.surface.lower() and c.source != "pair"]


def test_necessity_in_a_quote_is_favor(enricher: Enricher) -> None:
    body = '"The new powers are needed," Interior Minister Ana Berg said.'
    assert 1 in directions(candidates(enricher, body), "Ana Berg", "powers")


def test_unattributed_quote_takes_the_previous_speaker(enricher: Enricher) -> None:
    body = (
        "Interior Minister Ana Berg said on Monday that the vote would be close. "
        '"The surveillance law is a disaster."'
    )
    assert -1 in directions(candidates(enricher, body), "Ana Berg", "surveillance")


@pytest.mark.parametrize(
    "body",
    [
        # a sentence in the middle of a quotation, with no mark of its own
        '"We will fight this in every court," Senator Paul Grant said on Monday. '
        '"Our farmers deserve better. The tariff plan is a disaster. We will win."',
        # a new paragraph reopens the quotation: counted from its new mark
        'Senator Paul Grant said on Monday: "Farmers deserve better. Prices are up. '
        'Costs are up.\n\n"We lose money. The tariff plan is a disaster. We will win."',
    ],
)
def test_a_sentence_inside_a_longer_quotation_takes_its_speaker(
    enricher: Enricher, body: str
) -> None:
    assert -1 in directions(candidates(enricher, body), "Paul Grant", "tariff")


def test_a_quotation_left_open_runs_on_for_a_few_sentences_only(enricher: Enricher) -> None:
    body = (
        'Senator Paul Grant said on Monday: "We will fight this. Farmers deserve better. '
        "We will win. They know it. The vote is on Friday. "
        "The tariff plan is a disaster, analysts said."
    )
    # The quotation is never closed: six sentences on, the judgement is the analysts'.
    assert -1 not in directions(candidates(enricher, body), "Paul Grant", "tariff")


def test_times_after_a_phrasal_stance_verb_are_no_targets(enricher: Enricher) -> None:
    found = candidates(enricher, "Senator Paul Grant has advocated for years.")
    assert not [c for c in found if c.source != "pair" and "year" in c.surface]


def test_a_closing_mark_leaves_the_attribution_outside_the_quote(enricher: Enricher) -> None:
    doc, _ = enricher.read(RawArticle(id="t", body='It will cost jobs," Smith said.'))
    sent = next(doc.fields[-1].doc.sents)
    mask, still_open, _ = _quote_mask(sent)
    assert [t.text for t in sent if mask[t.i]] == []
    assert not still_open
    mask, _, _ = _quote_mask(sent, inside=True)  # the quotation opened a sentence before
    assert [t.text for t in sent if mask[t.i]] == ["It", "will", "cost", "jobs", ","]


def test_pronoun_holder_resolves_to_the_previous_person(enricher: Enricher) -> None:
    body = "Senator Paul Grant spoke on Monday. He condemned the new tariffs."
    assert -1 in directions(candidates(enricher, body), "Paul Grant", "tariff")


def test_every_entity_pair_is_a_candidate_for_the_model(enricher: Enricher) -> None:
    found = candidates(enricher, "Paul Grant called Maria Lopez a diplomat of rare skill.")
    pairs = {(c.holder.name, c.target.text) for c in found if c.source == "pair"}
    assert ("Paul Grant", "Maria Lopez") in pairs


@pytest.mark.parametrize(
    "body",
    [
        "Paul Grant said there was a shortage of nurses.",
        "There is a real danger of war, Paul Grant said.",
    ],
)
def test_said_there_was_is_no_frame(enricher: Enricher, body: str) -> None:
    # A fact reported, not a position: no rule proposes it (the model never sees it).
    found = candidates(enricher, body)
    assert [c.source for c in found if c.holder.name == "Paul Grant"] in ([], ["pair"])


@pytest.mark.parametrize(
    "body",
    [
        "Kamala Harris took the stage with Joe Biden in Philadelphia.",
        "Marco Rubio worked with Democrats against the deal.",
        "Jay Ortiz rapped about Barack Obama in the song.",
        "Marco Rubio raised money for the campaign of Jeb Bush.",
        "Marco Rubio raised the issue over dinner with Jeb Bush.",
    ],
)
def test_a_preposition_alone_is_no_stance_verb(enricher: Enricher, body: str) -> None:
    # "took ... with", "worked ... against", "rapped about": no stance word proposes them.
    assert [c for c in candidates(enricher, body) if c.source == "verb"] == []


def test_catalogue_targets_keep_the_words_as_written(enricher: Enricher) -> None:
    found = candidates(enricher, "Paul Grant opposed the cease-fire in Gaza.")
    rule = [c for c in found if c.target.kind == "catalogue"]
    assert rule and all("cease-fire" in c.surface for c in rule)


@pytest.mark.parametrize(
    "body",
    [
        "Paul Grant said that removing tariffs is an important condition to any deal.",
        "Paul Grant pledged to lift tariffs on steel.",
        "Paul Grant backed an end to tariffs on steel.",
    ],
)
def test_a_catalogue_target_reached_through_an_act_is_written_as_its_own_words(
    enricher: Enricher, body: str
) -> None:
    # the act's object is the target (against it): its words, not the act's
    rule = [c for c in candidates(enricher, body) if c.target.kind == "catalogue"]
    assert rule and all(c.surface == "tariffs" for c in rule)


def test_participle_opener_takes_the_main_subject(enricher: Enricher) -> None:
    body = "Welcoming the court ruling, Mayor Tom Reed said the city would appeal nothing."
    assert 1 in directions(candidates(enricher, body), "Tom Reed", "ruling")


def test_refused_to_back_composes_to_against(enricher: Enricher) -> None:
    found = candidates(enricher, "Senator Ana Ruiz refused to back the pipeline deal.")
    assert directions(found, "Ana Ruiz", "pipeline") == {-1}


@pytest.mark.parametrize(
    ("body", "target", "prior"),
    [
        (
            "Speaking to reporters, Senator Ana Ruiz criticized the city's mayor, Democrat Tom "
            "Okafor, for his silence.",
            "Tom Okafor",
            -1,
        ),
        ("Senator Ana Ruiz praised her deputy, Anna Brandt, on Monday.", "Anna Brandt", 1),
    ],
)
def test_an_apposed_name_is_the_target_not_the_role(
    enricher: Enricher, body: str, target: str, prior: int
) -> None:
    rules = [c for c in candidates(enricher, body) if c.source != "pair"]
    assert {(c.target.text, c.target.kind, c.prior) for c in rules if c.source == "verb"} == {
        (target, "entity", prior)
    }


def test_a_passive_pronoun_subject_is_the_agents_target(enricher: Enricher) -> None:
    body = (
        "Dana Whitfield is a frequent guest on the show, and she has been endorsed by "
        "Senator Ana Ruiz and Mayor Tom Reed. Tom Reed spoke on Monday. He was criticized "
        "by Senator Ana Ruiz for the delay."
    )
    found = {
        (c.holder.name, c.target.text, c.prior)
        for c in candidates(enricher, body)
        if c.source == "pronoun_target"
    }
    assert found == {
        ("Ana Ruiz", "Dana Whitfield", 1),
        ("Tom Reed", "Dana Whitfield", 1),
        ("Ana Ruiz", "Tom Reed", -1),
    }


def catalogue_targets(found: list[Candidate], holder: str) -> set[str]:
    return {c.target.text for c in found if c.holder.name == holder and c.source != "pair"}


@pytest.mark.parametrize(
    ("body", "target"),
    [
        # Lemmas: an inflected head meets the alias written in the singular.
        ("Paul Grant opposed the new climate change policies.", "climate_policy"),
        ("Paul Grant opposed the cease fire.", "ceasefire"),
        ("Paul Grant backed a full 30-day ceasefire.", "ceasefire (full)"),
        # An action: the verb and its object together name the catalogue entry.
        ("Paul Grant opposed joining NATO.", "nato_membership"),
        ("Paul Grant backed plans to join the European Union.", "eu_membership"),
        ("Paul Grant urged Kyiv to join NATO.", "nato_membership"),
    ],
)
def test_catalogue_matches_on_lemmas(enricher: Enricher, body: str, target: str) -> None:
    assert target in catalogue_targets(candidates(enricher, body), "Paul Grant")


def test_catalogue_does_not_fold_a_name_into_a_common_word(enricher: Enricher) -> None:
    # "Aids" (the disease, a proper noun) is no "aid"; "polled" alone is no election.
    found = candidates(enricher, "Paul Grant criticised the response to Aids.")
    assert "foreign_aid" not in catalogue_targets(found, "Paul Grant")
    found = candidates(enricher, "Paul Grant criticised the firm that polled voters.")
    assert "elections" not in catalogue_targets(found, "Paul Grant")


def test_a_holder_named_only_later_is_found_ahead_under_its_own_source(
    enricher: Enricher,
) -> None:
    body = "The prime minister criticised the levy on Monday. Rosa Diaz left early."
    found = candidates(enricher, body)
    assert ("Rosa Diaz", "verb") in {(c.holder.name, c.holder_via) for c in found}
    assert {c.source for c in found if c.holder.name == "Rosa Diaz" and c.prior} == {"holder_ahead"}


@pytest.mark.parametrize(
    "body",
    [
        # named before: the usual look-back
        "Tom Reed spoke first. He criticised the levy. Rosa Diaz agreed.",
        # named later in the same sentence: mostly someone else, never looked for
        "The minister criticised the levy before Rosa Diaz arrived.",
    ],
)
def test_a_holder_is_looked_for_ahead_only_in_later_sentences(
    enricher: Enricher, body: str
) -> None:
    found = candidates(enricher, body)
    assert not [c for c in found if c.source == "holder_ahead"]
    assert not directions(found, "Rosa Diaz", "levy")


def test_tone_pronouns_never_look_ahead(enricher: Enricher) -> None:
    doc, _ = enricher.read(
        RawArticle(id="t", title="", body="He criticised the levy. Rosa Diaz agreed.")
    )
    holders = HolderResolver(doc)
    assert holders.pronoun_mentions() == []
    assert [c.name for c in holders.resolve("body", doc.fields[-1].doc[0]).entities] == [
        "Rosa Diaz"
    ]


def _by_source(found: list[Candidate], source: str) -> set[tuple[str, str, int]]:
    return {(c.holder.name, c.surface, c.prior) for c in found if c.source == source}


def test_the_judges_stance_on_an_act_only_when_the_act_favours_its_object(
    enricher: Enricher,
) -> None:
    hammered = candidates(
        enricher, "Senator Bernie Sanders hammered Hillary Clinton for supporting the trade deal."
    )
    assert ("Bernie Sanders", "trade deal", -1) in _by_source(hammered, "reason")
    for body in [
        "Senator Bernie Sanders praised Hillary Clinton for opposing the Iraq war.",
        "Senator Bernie Sanders did not criticise Hillary Clinton for supporting the deal.",
    ]:
        assert not _by_source(candidates(enricher, body), "reason")


def test_a_call_is_not_owned_by_whoever_faces_it(enricher: Enricher) -> None:
    faced = candidates(enricher, "Mayor Tom Reed faced calls for his resignation.")
    assert not _by_source(faced, "stance_noun")
    renewed = candidates(enricher, "Senator Ana Ruiz renewed calls for a recount.")
    assert ("Ana Ruiz", "recount", 1) in _by_source(renewed, "stance_noun")


def test_a_mark_closing_a_quote_at_a_sentence_start_opens_nothing(enricher: Enricher) -> None:
    body = (
        'Senator Paul Smith said: "It is unconstitutional."\n\n'
        "Governor Mark Jones praised the law.\n\nMayor Ann Lee said it was a mistake."
    )
    found = candidates(enricher, body)
    assert not [c for c in found if c.holder.name == "Paul Smith" and "Jones" in c.surface]
    assert not _by_source(found, "quote_next")


def test_an_outcome_in_favor_of_someone_is_no_stance(enricher: Enricher) -> None:
    found = candidates(enricher, "Judge Ann Cole ruled in favor of Apple.")
    assert not _by_source(found, "stance_adverbial")


def test_a_time_after_a_phrasal_frame_verb_gives_way_to_the_next_phrase(
    enricher: Enricher,
) -> None:
    found = candidates(enricher, "Senator Ana Ruiz pushed for months for the Dream Act.")
    surfaces = {c.surface for c in found if c.source == "frame"}
    assert not [s for s in surfaces if "month" in s]


@pytest.mark.parametrize(
    "body",
    [
        "Senator Ana Ruiz withdrew her opposition to the housing bill.",
        "Senator Ana Ruiz dropped her objections to the housing bill.",
        "Senator Ana Ruiz softened her criticism of the housing bill.",
        "Senator Ana Ruiz backed off her criticism of the housing bill.",
        "Senator Ana Ruiz backed down on her opposition to the housing bill.",
        "Senator Ana Ruiz backed away from her support for the housing bill.",
        # kept clear of: no position taken
        "Senator Ana Ruiz has avoided direct criticism of the housing bill.",
    ],
)
def test_a_stance_noun_given_up_reads_no_side(enricher: Enricher, body: str) -> None:
    # A position given up is tagged no more than one denied (docs/annotation.md): the noun
    # rule still proposes the pair for the model, with no direction of its own.
    assert directions(candidates(enricher, body), "Ana Ruiz", "housing") == {0}


@pytest.mark.parametrize(
    "verb", ["voiced", "refused to drop", "has not withdrawn", "never softened"]
)
def test_a_stance_noun_kept_keeps_its_side(enricher: Enricher, verb: str) -> None:
    found = candidates(enricher, f"Senator Ana Ruiz {verb} her opposition to the housing bill.")
    nouns = [c for c in found if c.source == "noun"]  # a frame may read "drop" on the phrase
    assert directions(nouns, "Ana Ruiz", "housing") == {-1}


@pytest.mark.parametrize(
    "body",
    [
        "Senator Ana Ruiz had the support of Mayor Tom Reed.",
        "Senator Ana Ruiz won the backing of Mayor Tom Reed.",
        "Senator Ana Ruiz drew the criticism of Mayor Tom Reed.",
    ],
)
def test_a_stance_noun_received_is_the_givers(enricher: Enricher, body: str) -> None:
    # "of" after a received stance noun names who gives it, not what it is about
    found = candidates(enricher, body)
    assert directions(found, "Tom Reed", "ana ruiz") == {-1 if "criticism" in body else 1}
    assert directions(found, "Ana Ruiz", "tom reed") == set()


def test_a_stance_noun_expressed_is_the_subjects(enricher: Enricher) -> None:
    # "from" after a noun the subject expresses is where from, not who gives it
    body = "Senator Ana Ruiz expressed support from the Senate floor for the housing bill."
    assert directions(candidates(enricher, body), "Ana Ruiz", "housing") == {1}
    body = "Senator Ana Ruiz had harsh criticism of Mayor Tom Reed."
    assert directions(candidates(enricher, body), "Ana Ruiz", "tom reed") == {-1}


def test_a_retreat_is_no_stance(enricher: Enricher) -> None:
    for body in (
        "Senator Ana Ruiz backed off the comment about the housing plan.",
        "Senator Ana Ruiz backed down on the housing plan.",
    ):
        assert directions(candidates(enricher, body), "Ana Ruiz", "housing") == set()
    found = candidates(enricher, "Senator Ana Ruiz backed the housing plan.")
    assert directions(found, "Ana Ruiz", "housing") == {1}


def test_a_pair_no_other_rule_proposes_is_no_candidate(enricher: Enricher) -> None:
    # Two names in one sentence and no stance word linking them: the entity-pair rule alone
    # is no stance (docs/enrichment.md), so extraction does not make the candidate; the
    # same pair in another sentence is made where a rule proposes its holder and target.
    body = (
        "Senator Ana Ruiz met Governor Li Wei in Boston. Mayor Tom Reyes met Li Wei there "
        "too. Senator Ana Ruiz later criticized Governor Li Wei over the budget."
    )
    doc, _ = enricher.read(RawArticle(id="t", body=body))
    reader = CandidateReader(doc, enricher.catalogue)
    made = {(c.source, c.key, c.where[1] == 0) for c in reader.candidates()}
    every = {(c.source, c.key, c.where[1] == 0) for c in reader.candidates(pairs_alone=True)}
    assert ("verb", ("Ana Ruiz", "Li Wei"), False) in made
    assert ("pair", ("Ana Ruiz", "Li Wei"), True) in made  # the key a rule proposed
    assert ("pair", ("Tom Reyes", "Li Wei"), False) in every  # training sees it ...
    assert not any(key == ("Tom Reyes", "Li Wei") for _, key, _ in made)  # ... extraction not
    assert made < every


def test_judgeable_never_passes_a_pair_alone() -> None:
    from dataclasses import dataclass

    from pipeline.enrich.stance import judgeable

    @dataclass(frozen=True)
    class Proposal:
        key: tuple[str, str]
        rule: str
        where: tuple[str, int] = ("body", 0)
        denied: bool = False
        prior: int = 0

    found = [
        Proposal(("A", "B"), "pair"),
        Proposal(("A", "B"), "verb", ("body", 40), prior=-1),
        Proposal(("C", "B"), "pair"),
    ]
    assert judgeable(found) == found[:2]


@pytest.mark.parametrize(
    "body",
    [
        # a pronoun holder found in a later sentence: the pair rule's candidate is renamed
        # holder_ahead, and is still the pair rule's
        "He met Governor Li Wei in Boston. Senator Ana Ruiz, who met Li Wei again on Friday, "
        "said the trip was useful.",
        "Senator Ana Ruiz met Governor Li Wei in Boston. Mayor Tom Reyes met Li Wei there "
        "too. Senator Ana Ruiz later criticized Governor Li Wei over the budget.",
        '"He has turned the agency into a total disaster. It will take years to fix," '
        "Senator Ana Ruiz said of Director Tom Reyes and the Environmental Protection Agency.",
    ],
)
def test_training_judges_what_extraction_judges(enricher: Enricher, body: str) -> None:
    # Training makes the lone pairs too (examples of no stance) and extraction does not;
    # what the model judges must be the same candidates, or cross-validation scores
    # decisions extraction never makes.
    from pipeline.enrich.stance import judgeable

    doc, _ = enricher.read(RawArticle(id="t", body=body))
    reader = CandidateReader(doc, enricher.catalogue)

    def judged(pairs_alone: bool) -> set[tuple[str, tuple[str, str], tuple[str, int]]]:
        found = reader.candidates(pairs_alone=pairs_alone)
        return {(c.source, c.key, c.where) for c in judgeable(found)}

    assert judged(True) == judged(False)
    assert any(c.rule == "pair" for c in reader.candidates(pairs_alone=True))


def test_a_speaker_named_only_in_the_next_sentence_is_a_holder_named_ahead(
    enricher: Enricher,
) -> None:
    # Named ahead is a property of the holder and the sentence ("named only after it"), not
    # of which rule reached the holder: a quote attributed in the next sentence is as far
    # from its speaker's name as "The prime minister said ..." is, and the model weighs both
    # by that source (the quote rule stays in holder_via).
    body = '"The levy is a disaster for farmers.' + ' It will cost jobs," Senator Rosa Diaz said.'
    found = [c for c in candidates(enricher, body) if c.sentence.index == 0]
    assert {(c.source, c.holder_via) for c in found if c.holder.name == "Rosa Diaz"} == {
        ("holder_ahead", "quote_next")
    }


def test_a_particle_verb_takes_its_object_never_its_reason(enricher: Enricher) -> None:
    # "called out X for Y" is against X; read as "called for Y" it was favor of the killing
    found = candidates(
        enricher, "Amnesty International called out Saudi Arabia for the killing of a reporter."
    )
    assert directions(found, "Amnesty International", "saudi") == {-1}
    assert directions(found, "Amnesty International", "killing") == set()
    found = candidates(enricher, "The Senate voted down the Affordable Care Act repeal.")
    assert directions(found, "Senate", "repeal") == {-1}
    found = candidates(enricher, "Chancellor Angela Merkel shot down the proposal for joint bonds.")
    assert directions(found, "Angela Merkel", "proposal") == {-1}
    # "called out Trump" parsed with Trump as a predicate; troops called out are deployed
    found = candidates(enricher, "Senator Ben Sasse called out Trump for his comments on Iran.")
    assert directions(found, "Ben Sasse", "trump") == {-1}
    body = "Governor Andrew Cuomo called out the National Guard after the riots in Buffalo."
    assert directions(candidates(enricher, body), "Andrew Cuomo", "guard") == set()
    assert directions(candidates(enricher, body), "Andrew Cuomo", "riots") == set()
    body = "Senator Bernie Sanders called out the police for the killing of George Floyd."
    assert directions(candidates(enricher, body), "Bernie Sanders", "police") == {-1}
    body = "Senator Cory Booker called out the police over the shooting of Breonna Taylor."
    assert directions(candidates(enricher, body), "Cory Booker", "police") == {-1}
    body = "Governor Tim Walz called out the National Guard for the first time since 1967."
    assert directions(candidates(enricher, body), "Tim Walz", "guard") == set()


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ("Senator Rosa Diaz is not opposed to the pipeline.", "pipeline"),
        ("Senator Rosa Diaz wasn't critical of the merger.", "merger"),
        ("Tim Morrison wasn't concerned about the content of the call.", "content"),
    ],
)
def test_an_adjective_denied_by_its_copula_takes_no_side(
    enricher: Enricher, body: str, target: str
) -> None:
    holder = "Tim Morrison" if "Morrison" in body else "Rosa Diaz"
    assert directions(candidates(enricher, body), holder, target) <= {0}
    assert directions(
        candidates(enricher, body.replace("n't", "").replace(" not", "")), holder, target
    ) == {-1}


def test_questioning_a_person_asks_questioning_a_thing_doubts(enricher: Enricher) -> None:
    body = "Republicans also questioned Tim Morrison about his closed-door testimony."
    assert directions(candidates(enricher, body), "Republicans", "morrison") == set()
    body = "Senator Bob Corker questioned Donald Trump's competence."
    assert directions(candidates(enricher, body), "Bob Corker", "competence") == {-1}
    # a person's role is a person; "about" is what is asked
    body = "Senator Ted Cruz questioned Facebook's chief executive, Mark Zuckerberg, for hours."
    assert directions(candidates(enricher, body), "Ted Cruz", "executive") == set()
    body = "Senator Chuck Grassley questioned the FBI about its handling of the inquiry."
    assert directions(candidates(enricher, body), "Chuck Grassley", "fbi") == set()


def test_an_investigation_is_no_stance(enricher: Enricher) -> None:
    # docs/annotation.md counts suing, not investigating; NewsMTSC's gold has no such tag
    found = candidates(enricher, "Senator Maria Lopez is investigating WeWork, two people said.")
    assert [c for c in found if c.holder.name == "Maria Lopez"] == []


@pytest.mark.parametrize(
    ("body", "sides"),
    [
        ("Marco Rubio was welcoming Jeb Bush's staff to his team.", set()),
        # a welcome of someone or something, nowhere: a side taken
        ("Marco Rubio welcomed Jeb Bush back.", {1}),
        # a race run, not opposed; an outcome contested is
        ("Marco Rubio will contest a presidential election later this year.", set()),
        ("Marco Rubio contested the election results.", {-1}),
        # force used on a thing is an event; on a plan, a side
        ("Marco Rubio's troops blasted the security targets in the city.", set()),
        ("Marco Rubio slammed the car door on the reporter.", set()),
        ("The convoy was attacked by Marco Rubio near the border.", set()),
        ("Marco Rubio blasted the plan.", {-1}),
        # an honour accepted; a deal accepted is a side
        ("Marco Rubio accepted the Nobel Peace Prize in Oslo.", set()),
        ("Marco Rubio accepted the deal.", {1}),
    ],
)
def test_a_sense_of_a_stance_verb_that_takes_no_side(
    enricher: Enricher, body: str, sides: set[int]
) -> None:
    found = candidates(enricher, body)
    assert {
        c.prior for c in found if c.holder.name == "Marco Rubio" and c.source != "pair"
    } == sides


def test_a_stance_nouns_owner_is_its_target_once_and_never_a_rivals(enricher: Enricher) -> None:
    critic = "Senator Ann Cole is one of Mayor Tom Reed's fiercest critics."
    found = [c for c in candidates(enricher, critic) if c.source == "noun"]
    assert [c.key for c in found] == [("Ann Cole", "Tom Reed")]
    rival = "Senator Ann Cole is Mayor Tom Reed's opponent in the Senate race."
    assert directions(candidates(enricher, rival), "Ann Cole", "tom reed") == set()


def test_a_challenge_to_someone_to_act_dares_them(enricher: Enricher) -> None:
    dare = "Senator Ann Cole issued a strong challenge to Congress to approve a new budget."
    assert -1 not in directions(candidates(enricher, dare), "Ann Cole", "congress")
    suit = "Senator Ann Cole filed a legal challenge to the new transit law."
    assert -1 in directions(candidates(enricher, suit), "Ann Cole", "transit")


@pytest.mark.parametrize(
    ("body", "holder", "target", "prior"),
    [
        # the speaker's own name for the thing, in a free relative, is what the stance is on
        ("Senator Ana Ruiz denounced what she called a witch hunt.", "Ana Ruiz", "witch", -1),
        ("Mayor Tom Reed slammed what he described as a smear.", "Tom Reed", "smear", -1),
        ("Ana Ruiz pushed back against what she called a smear campaign.", "Ana Ruiz", "smear", -1),
        ("Ana Ruiz opened with an attack on what she called his failures.", "Ana Ruiz", "fail", -1),
        # views shared or disapproved of
        ('"We agree with the court\'s ruling," Ana Ruiz said.', "Ana Ruiz", "ruling", 1),
        ("Mayor Tom Reed disapproved of the transit plan.", "Tom Reed", "transit", -1),
        ("Mayor Tom Reed was disapproving of the transit plan.", "Tom Reed", "transit", -1),
        ("Mayor Tom Reed approved of the transit plan.", "Tom Reed", "transit", 1),
        ("Mayor Tom Reed said he is thankful for the court's ruling.", "Tom Reed", "ruling", 1),
        # acts: a law enacted, an injunction sought or issued
        ("The Ohio legislature enacted the Clean Water Act.", "Ohio", "clean water", 1),
        ("The High Court issued an injunction against the pipeline.", "High Court", "pipe", -1),
        # a stance verb as the gerund of a phrasal one takes its direction from both
        ("Ana Ruiz is balking at committing to the purchase plan.", "Ana Ruiz", "purchase", -1),
        ("Senator Ana Ruiz voted against repealing Obamacare.", "Ana Ruiz", "obamacare", 1),
        ("Senator Ana Ruiz objected to praising the mayor.", "Ana Ruiz", "mayor", -1),
        # phrasal predicates that take a side with their object, or with a particle
        ("Senator Ana Ruiz took issue with the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz threw cold water on the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz put the brakes on the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz tore into Tom Reed.", "Ana Ruiz", "tom reed", -1),
        ("Senator Ana Ruiz distanced herself from Tom Reed.", "Ana Ruiz", "tom reed", -1),
        ("Senator Ana Ruiz cautioned against the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz backed away from the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz gave her blessing to the tax bill.", "Ana Ruiz", "tax", 1),
        ("Senator Ana Ruiz shelved the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz spearheaded the tax bill.", "Ana Ruiz", "tax", 1),
        ("Senator Ana Ruiz stood up for Tom Reed.", "Ana Ruiz", "tom reed", 1),
        ("Senator Ana Ruiz turned against Tom Reed.", "Ana Ruiz", "tom reed", -1),
        ("Senator Ana Ruiz cast her vote for the tax bill.", "Ana Ruiz", "tax", 1),
        ("Senator Ana Ruiz raised red flags about the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz sounded the alarm about the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz took a stand against the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz voiced skepticism about the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz came to the defense of Tom Reed.", "Ana Ruiz", "tom reed", 1),
        ("Senator Ana Ruiz rushed to Tom Reed's defense.", "Ana Ruiz", "tom reed", 1),
        ("Senator Ana Ruiz compared the tax bill to a disaster.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz likened Tom Reed to a coward.", "Ana Ruiz", "tom reed", -1),
        ("Senator Ana Ruiz joined the ranks of Tom Reed's critics.", "Ana Ruiz", "tom reed", -1),
        # a duty that someone leave, or that a thing be stopped, is against them
        ('"Tom Reed needs to step down," Senator Ana Ruiz said.', "Ana Ruiz", "tom reed", -1),
        ('"Tom Reed has to resign," Senator Ana Ruiz said.', "Ana Ruiz", "tom reed", -1),
        ('"Tom Reed must go," Senator Ana Ruiz said.', "Ana Ruiz", "tom reed", -1),
        ("Senator Ana Ruiz called for Tom Reed to go.", "Ana Ruiz", "tom reed", -1),
        ('"The tax bill must be stopped," Senator Ana Ruiz said.', "Ana Ruiz", "tax", -1),
        ('"Tom Reed needs to stay," Senator Ana Ruiz said.', "Ana Ruiz", "tom reed", 1),
        ("Senator Ana Ruiz called on Tom Reed to resign.", "Ana Ruiz", "tom reed", -1),
        ("Senator Ana Ruiz urged Tom Reed to step down.", "Ana Ruiz", "tom reed", -1),
        ("Senator Ana Ruiz demanded that Tom Reed be fired.", "Ana Ruiz", "tom reed", -1),
        ("Senator Ana Ruiz asked Tom Reed to stay on as chairman.", "Ana Ruiz", "tom reed", 1),
        ("Senator Ana Ruiz urged Tom Reed not to step down.", "Ana Ruiz", "tom reed", 1),
        ("Senator Ana Ruiz called for Tom Reed not to resign.", "Ana Ruiz", "tom reed", 1),
        ("Ana Ruiz called for Tom Reed to leave his Senate seat.", "Ana Ruiz", "tom reed", -1),
        ("Ana Ruiz called on Tom Reed to step down from office.", "Ana Ruiz", "tom reed", -1),
        # confidence in someone, and confidence lost
        ("Senator Ana Ruiz expressed confidence in Tom Reed.", "Ana Ruiz", "tom reed", 1),
        ("Senator Ana Ruiz has lost confidence in Tom Reed.", "Ana Ruiz", "tom reed", -1),
        ("Senator Ana Ruiz expressed disappointment with Tom Reed.", "Ana Ruiz", "tom reed", -1),
        # one of them; a name the parser hangs on the object as an apposition
        ("Senator Ana Ruiz was among the critics of the tax bill.", "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz branded the tax bill a disgrace.", "Ana Ruiz", "tax", -1),
        ('Senator Ana Ruiz branded the tax bill "a disgrace."', "Ana Ruiz", "tax", -1),
        ("Senator Ana Ruiz put the emphasis on supporting Tom Reed.", "Ana Ruiz", "tom reed", 1),
        ('"Tom Reed must not go," Senator Ana Ruiz said.', "Ana Ruiz", "tom reed", 1),
        # a relative pronoun as the object is its antecedent
        ("Ana Ruiz met Tom Reed, whom she called a disgrace.", "Ana Ruiz", "tom reed", -1),
        ("Ana Ruiz met Tom Reed, who she called a great champion of reform.", "Ana Ruiz", "tom", 1),
    ],
)
def test_named_things_shared_views_and_phrasal_gerunds(
    enricher: Enricher, body: str, holder: str, target: str, prior: int
) -> None:
    found = directions(candidates(enricher, body), holder, target)
    assert prior in found
    assert -prior not in found


@pytest.mark.parametrize(
    "body",
    [
        "Iran agreed with the European Union to resume the talks.",
        "Iran agreed with the European Union on a ceasefire.",
        # nor a place among people, nor a true apposition after a call (a phone call)
        "Iran's envoy spoke among the supporters of the European Union.",
        "Iran's envoy called the European Union, a close partner, on Sunday.",
        # nor "took the stage with", "weighed X against Y"
        "Iran's envoy took the stage with the European Union envoy.",
        "Iran weighed the costs against the European Union offer.",
        # not a stand in court's sense of a rally, nor a comparison that judges nothing
        "Iran's envoy stood for election against the European Union candidate.",
        "Iran compared its budget to the European Union budget.",
        "Iran's envoy met one of the critics of the European Union.",
        # an act asked of someone that says nothing of their place; "in" as where
        "Iran called on the European Union to lift the sanctions.",
        "Iran called on the European Union to return the money.",
        "Iran called on the European Union to return to talks.",
        "Iran urged the European Union to stay out of the dispute.",
        "Iran asked whether the European Union would resign from the panel.",
        "Iran lost the confidence of the European Union.",
        # a booking; popular among; a deal agreed
        "Iran's envoy made a reservation for the European Union delegation.",
        "Iran's envoy was popular among critics of the European Union.",
        "Iran agreed with the European Union a deal on fishing.",
        "President Trump asked the European Union to leave the Oval Office.",
        "Iran's envoy faced opposition in the European Union.",
    ],
)
def test_no_side_with_a_party(enricher: Enricher, body: str) -> None:
    found = candidates(enricher, body)
    assert not [c for c in found if c.source != "pair" and "European Union" in c.target.text]


@pytest.mark.parametrize(
    "body",
    [
        "Senator Ana Ruiz said Tom Reed has yet to apologize for the remarks.",
        "Senator Ana Ruiz said the probe has to do with Tom Reed's finances.",
        "Senator Ana Ruiz never lost confidence in Tom Reed.",
        "Senator Ana Ruiz insisted that Tom Reed had been fired.",
    ],
)
def test_what_has_yet_to_happen_is_no_duty(enricher: Enricher, body: str) -> None:
    # "has yet to", "has to do with": no necessity, so no direction toward anyone
    found = candidates(enricher, body)
    assert {c.prior for c in found if c.holder.name == "Ana Ruiz"} <= {0}
