"""The construction rules of :mod:`pipeline.enrich.constructions` on invented sentences: each
proposes its (holder, target) under its own source and direction. Unit cases, not figures."""

from __future__ import annotations

import pytest

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.enrich.candidates import CandidateReader
from pipeline.enrich.stance_model import StanceModel
from pipeline.models import RawArticle
from tests.unit.stance_proposals import proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def has(found: set[tuple[str, str, int]], holder: str, word: str, prior: int) -> bool:
    return any(h == holder and word in t.lower() and p == prior for h, t, p in found)


@pytest.mark.parametrize(
    ("body", "holder", "target", "prior"),
    [
        # a participle modifying the holder's own noun
        ("Senator Rosa Diaz's statement criticizing the pipeline drew applause.",
         "Rosa Diaz", "pipeline", -1),
        # a preposition's gerund: the subject of the verb it hangs on
        ("Mayor Tom Reed opened the session by attacking the budget.", "Tom Reed", "budget", -1),
        # an infinitive modifying a predicate noun: the subject of the copula
        ("Mayor Tom Reed was the first mayor to endorse the levy.", "Tom Reed", "levy", 1),
        # a participle on the statement its holder answers with
        ("Senator Rosa Diaz responded with a statement criticizing the pipeline.",
         "Rosa Diaz", "pipeline", -1),
    ],
)  # fmt: skip
def test_subjectless_stance_verb_takes_the_owner_of_its_clause(
    enricher: Enricher, body: str, holder: str, target: str, prior: int
) -> None:
    assert has(proposed(enricher, body, "adjunct"), holder, target, prior)


def test_a_verb_with_its_own_subject_is_no_adjunct(enricher: Enricher) -> None:
    assert not proposed(enricher, "Mayor Tom Reed attacked the budget.", "adjunct")


def test_possessive_pronoun_owns_a_stance_noun(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz spoke for an hour. Her criticism of the pipeline was sharp."
    assert has(proposed(enricher, body, "possessive"), "Rosa Diaz", "pipeline", -1)


def test_a_critic_of_someone_is_no_possessive_holder(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz spoke for an hour. Her critics were silent."
    assert not proposed(enricher, body, "possessive")


def test_a_campaign_in_a_place_is_no_stance_noun(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz waged a campaign in Ohio."
    assert not proposed(enricher, body, "stance_noun")


def test_necessity_without_a_speaker_has_no_holder(enricher: Enricher) -> None:
    assert not proposed(enricher, "The ports must be privatised.", "necessity")


def test_object_pronoun_resolves_to_the_person_named_before(enricher: Enricher) -> None:
    body = "Rosa Diaz ran for mayor in May. Senator Tom Reed endorsed her on Monday."
    found = proposed(enricher, body, "pronoun_target")
    assert ("Tom Reed", "Rosa Diaz", 1) in found
    assert all(h != t for h, t, _ in found)  # never the verb's own subject


def test_name_and_colon_speak_the_headline(enricher: Enricher) -> None:
    body = "Rosa Diaz: the pipeline deal is a disaster for the valley"
    found = proposed(enricher, body, "colon_speaker")
    assert any(h == "Rosa Diaz" and "pipeline" in t for h, t, _ in found)


def test_pushed_back_against_reads_back_as_its_particle(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz pushed back against the critics of the levy."
    assert has(proposed(enricher, body, "frame"), "Rosa Diaz", "critics", -1)


def test_calling_someone_by_phone_is_no_label(enricher: Enricher) -> None:
    assert not proposed(enricher, "Senator Rosa Diaz called the mayor on Monday.", "label")


@pytest.mark.parametrize("name", ["disturbing", "deeply disturbing"])
def test_a_name_the_parser_hangs_inside_the_object_is_still_the_label(
    enricher: Enricher, name: str
) -> None:
    # the parser reads the adjective as a second object of "against": it is no target, and
    # the allegations are judged, not made, by the subject
    body = f"Charlie Baker called the allegations against Joyce {name}."
    found = proposed(enricher, body)
    assert has(found, "Charlie Baker", "allegations against joyce", -1)
    assert not [t for _, t, _ in found if t.lower() in {"joyce", "disturbing"}]


def test_referring_to_someone_names_them_only_with_as(enricher: Enricher) -> None:
    # the parser hangs "clear" on "referring": no name is given to the United States
    body = "Senator Rosa Diaz made clear she was referring to the United States."
    assert not proposed(enricher, body, "label")


@pytest.mark.parametrize(
    "name",
    [
        "a lawyer",
        # the name's complement carries the sentiment, not the name
        "a fighter against terrorism",
    ],
)
def test_a_name_with_no_judgement_gives_no_direction(enricher: Enricher, name: str) -> None:
    body = f"Senator Rosa Diaz described Mayor Tom Reed as {name}."
    assert ("Rosa Diaz", "Tom Reed", 0) in proposed(enricher, body, "label")


@pytest.mark.parametrize(
    ("source", "body", "target", "prior"),
    [
        # a preposition gives a stance noun its direction
        ("stance_noun", "Senator Rosa Diaz waged a campaign against the pipeline.", "pipeline", -1),
        ("stance_noun", "Senator Rosa Diaz took a firm stance against the tariffs.", "tariffs", -1),
        ("stance_noun", "Senator Rosa Diaz's campaign for the levy began in May.", "levy", 1),
        # what a speaker says must (not) happen
        ("necessity", '"We have to secure our borders," Senator Rosa Diaz said.', "borders", 1),
        ("necessity", "Senator Rosa Diaz said the ports must be privatised.", "ports", 1),
        ("necessity", "Senator Rosa Diaz said the city should not raise the tax.", "tax", -1),
        # naming what something is judges it
        ("label", "Senator Rosa Diaz called the tariff plan a disaster.", "tariff", -1),
        ("label", "Senator Rosa Diaz described the levy as a disgrace.", "levy", -1),
        ("label", "Senator Rosa Diaz referred to the merger as a success.", "merger", 1),
        # a name the judgement words miss is read by the VADER lexicon
        ("label", "Senator Rosa Diaz called Mayor Tom Reed a killer.", "tom reed", -1),
        ("label", "Senator Rosa Diaz described Mayor Tom Reed as a close friend.", "tom reed", 1),
        ("label", "Senator Rosa Diaz called Mayor Tom Reed a trusted adviser.", "tom reed", 1),
        # labels of news copy the VADER lexicon reads the other way or not at all
        ("label", 'Senator Rosa Diaz called the lawsuit "politically motivated."', "lawsuit",
         -1),
        ("label", 'Senator Rosa Diaz called the plan "a bailout for the wealthy."', "plan", -1),
        ("label", 'Senator Rosa Diaz called the probe "politically-motivated."', "probe", -1),
        ("label", "Senator Rosa Diaz called the union's demands \"unrealistic.\"", "demands",
         -1),
        ("label", 'Senator Rosa Diaz called the treaty "a breakthrough."', "treaty", 1),
        # a reported judgement of those words
        ("reported", "Senator Rosa Diaz said the tax cut was a giveaway to corporations.",
         "tax cut", -1),
        # a formal action is against whom it is brought, not where
        ("noun", "Senator Rosa Diaz filed the suit at the Federal High Court on Monday "
         "against Delta Basin Energy.",
         "delta basin energy", -1),
        ("noun", "Senator Rosa Diaz filed a complaint with the European Commission against FIFA.",
         "fifa", -1),
        # taking someone to court is against them, as suing is
        ("verb", "Senator Rosa Diaz took Acme Corp to court on Monday.", "acme corp", -1),
        ("verb", "Senator Rosa Diaz vowed to take Acme Corp to court.", "acme corp", -1),
        # a judgement inside a reported clause, and a clause as the subject
        ("reported_nested", "Senator Rosa Diaz said she thinks the merger is a disaster.",
         "merger", -1),
        ("reported_nested", '"Raising the levy is a mistake," Senator Rosa Diaz said.', "levy", -1),
        # a bare object stands for the nearest thing named before, not the date beside it
        ("bare_reference", "The city approved a parking fee on Monday. Senator Rosa Diaz "
         "condemned the move.", "parking fee", -1),
        ("bare_reference", "The state unveiled a toll road. Senator Rosa Diaz said she would "
         "oppose it.", "toll road", -1),
        # a passive with its agent; an act noun also stands for the action itself
        ("bare_reference", "Officials announced a curfew. The decision was criticised by "
         "Senator Rosa Diaz.", "announcing curfew", -1),
        # nothing named before: kept as written
        ("bare_reference", "Senator Rosa Diaz condemned it.", "it", -1),
        # an agent the basic rules miss: a participle on its target, a stance noun "from X"
        ("passive_agent", "The toll road, criticised by Senator Rosa Diaz, opened on Monday.",
         "toll road", -1),
        ("passive_agent", "The toll road drew criticism from Senator Rosa Diaz.", "toll road", -1),
        ("passive_agent", "The levy came under criticism from Senator Rosa Diaz.", "levy", -1),
        # a feeling the subject has about the agent; denied, it has no direction
        ("passive_feeling", "Senator Rosa Diaz was incensed by the toll road.", "toll road", -1),
        ("passive_feeling", "Senator Rosa Diaz was impressed by the levy.", "levy", 1),
        ("passive_feeling", "Senator Rosa Diaz was not troubled by the levy.", "levy", 0),
        # a clause opening the sentence shares the main clause's subject
        ("participle_opener", "Welcoming the levy, Senator Rosa Diaz said little.", "levy", 1),
        ("participle_opener", "Critical of the toll road, Senator Rosa Diaz voted no.",
         "toll road", -1),
        ("participle_opener", "Angered by the ruling, Senator Rosa Diaz said she would appeal.",
         "ruling", -1),
        # a quote attributed in the sentence after it
        ("quote_next", '"The toll road is a disaster. It will cost jobs," Senator Rosa Diaz '
         "said.", "toll road", -1),
    ],
)  # fmt: skip
def test_a_rule_proposes_its_target_with_its_direction(
    enricher: Enricher, source: str, body: str, target: str, prior: int
) -> None:
    assert has(proposed(enricher, body, source), "Rosa Diaz", target, prior)


@pytest.mark.parametrize(
    ("body", "target", "prior"),
    [
        ("Rosa Diaz, a longtime critic of the pipeline, spoke on Monday.", "pipeline", -1),
        # past an apposition that names no one: the party and state of a member of Congress
        ("Rosa Diaz, D-Ore., a longtime critic of the pipeline, spoke on Monday.", "pipeline", -1),
        # the name after the stance noun
        ("A longtime critic of the pipeline, Rosa Diaz, spoke on Monday.", "pipeline", -1),
        # past a party word used of her alone
        ("Rosa Diaz, a Republican, a longtime critic of the pipeline, spoke on Monday.",
         "pipeline", -1),
        # "one of" the owner's allies: the name that follows is the ally
        ("One of Mayor Tom Reed's closest allies, Senator Rosa Diaz, spoke on Monday.",
         "tom reed", 1),
    ],
)  # fmt: skip
def test_stance_noun_in_apposition_belongs_to_the_name(
    enricher: Enricher, body: str, target: str, prior: int
) -> None:
    assert has(proposed(enricher, body, "apposition"), "Rosa Diaz", target, prior)


@pytest.mark.parametrize(
    "body",
    [
        # the critic's own party
        "Rosa Diaz, a Republican critic of the pipeline, spoke on Monday.",
        # a rival in a race, not an opposition
        "Senator Rosa Diaz, Mayor Tom Reed's Republican opponent, spoke on Monday.",
    ],
)  # fmt: skip
def test_a_stance_nouns_own_side_is_not_its_target(enricher: Enricher, body: str) -> None:
    found = proposed(enricher, body, "apposition")
    assert not any(t.lower() in {"republican", "tom reed"} for _, t, _ in found)


@pytest.mark.parametrize(
    "body",
    [
        "Senator Rosa Diaz disagreed with a statement criticizing the pipeline.",
        # a launching verb, but the subject receives the statement or it names its author
        "Senator Rosa Diaz was hit with a letter criticizing the pipeline.",
        "Senator Rosa Diaz responded with a statement from her aides criticizing the pipeline.",
    ],
)
def test_a_statement_someone_else_made_is_not_theirs(enricher: Enricher, body: str) -> None:
    assert not has(proposed(enricher, body, "adjunct"), "Rosa Diaz", "pipeline", -1)


def test_owner_of_a_subject_that_is_no_holder(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz's tax plan calls for a cut in the levy."
    assert has(proposed(enricher, body, "adjunct"), "Rosa Diaz", "cut", 1)


def test_the_owner_of_a_name_is_not_its_holder(enricher: Enricher) -> None:
    # a subject with a name of its own acts itself, whoever it belongs to
    body = "Time magazine's 2001 Person of the Year also praised Mayor Tom Reed."
    assert not any(c.holder.name == "Time" for c in proposed(enricher, body, "adjunct"))


def test_a_title_case_headline_s_owned_noun_is_still_its_owner_s(enricher: Enricher) -> None:
    doc, _ = enricher.read(
        RawArticle(
            id="t", title="Biden's Budget Proposal Calls for Higher Taxes on Corporations", body="x"
        )
    )
    found = CandidateReader(doc, enricher.catalogue).candidates(pairs_alone=False)
    assert any(c.source == "adjunct" and "Biden" in c.holder.name for c in found)


def test_the_actor_of_a_praised_act_is_a_target(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz praised the efforts of Mayor Tom Reed during the flood."
    assert has(proposed(enricher, body, "complement"), "Rosa Diaz", "tom reed", 1)
    assert not proposed(enricher, "Senator Rosa Diaz praised the efforts.", "complement")


def test_a_model_judges_only_the_rules_it_was_trained_on() -> None:
    """Candidates of a rule the model never saw in training are not scored by it."""
    from pipeline.enrich.linear import LinearModel
    from pipeline.enrich.stance_model import CLASSES, FEATURE_SET_VERSION

    # Favours every candidate ("bias"), but was trained on the verb rule only.
    weights = {"bias": (0.0, 5.0, 0.0), "src=verb": (0.0, 0.1, 0.0)}
    meta = {"feature_set_version": FEATURE_SET_VERSION}
    model = StanceModel(LinearModel(CLASSES, weights, (0.0, 0.0, 0.0), meta=meta))
    body = (
        "Senator Rosa Diaz's statement criticizing the pipeline drew applause. "
        "Senator Tom Reed praised the levy."
    )
    enricher = Enricher(EnrichSettings(stance_min_confidence=0.5), model)
    tags = enricher.enrich(RawArticle(id="t", title="", body=body)).stances
    assert {t.holder for t in tags} == {"Tom Reed"}  # the adjunct rule's Rosa Diaz waits


def test_bare_reference_falls_back_to_the_headline_subject(enricher: Enricher) -> None:
    body = "Senator Ana Ruiz backed the move."
    found = proposed(enricher, body, "bare_reference", title="Toll road plan unveiled")
    assert has(found, "Ana Ruiz", "toll road", 1)
    assert not has(found, "Ana Ruiz", "move", 1)


def test_a_modified_reference_is_no_bare_reference(enricher: Enricher) -> None:
    body = "The council approved a parking fee. Mayor Tom Reed condemned the toll increase."
    assert proposed(enricher, body, "bare_reference") == set()


def test_a_quote_with_its_own_speaker_is_not_given_the_next_one(enricher: Enricher) -> None:
    body = '"The toll road is a disaster," Senator Rosa Diaz said. Mayor Tom Reed disagreed.'
    assert proposed(enricher, body, "quote_next") == set()


def test_an_opening_passive_gives_its_agent_a_stance_on_the_subject(enricher: Enricher) -> None:
    found = proposed(
        enricher, "Backed by the Teamsters, Senator Rosa Diaz left.", "participle_opener"
    )
    assert ("Teamsters", "Rosa Diaz", 1) in found
    # a participle after the subject opens nothing
    body = "Senator Rosa Diaz, welcoming the levy, said little."
    assert proposed(enricher, body, "participle_opener") == set()


@pytest.mark.parametrize(
    "body",
    [
        "Senator Rosa Diaz filed the suit at the Federal High Court on Monday against Delta "
        "Basin Energy.",
        "Senator Rosa Diaz filed a complaint with the European Commission against FIFA.",
    ],
)
def test_the_forum_of_a_formal_action_is_no_target(enricher: Enricher, body: str) -> None:
    targets = {t.lower() for _, t, _ in proposed(enricher, body)}
    assert targets and not {t for t in targets if "court" in t or "commission" in t}


def test_an_act_is_never_the_organisation_that_did_it(enricher: Enricher) -> None:
    # criticising the fine is not criticising the company fined
    body = "The European Commission fined Google on Tuesday. Senator Rosa Diaz criticised the move."
    targets = {t for _, t, _ in proposed(enricher, body, "bare_reference")}
    assert targets and not targets & {"Google", "European Commission"}


def test_taking_a_dispute_to_court_is_no_side_toward_the_dispute(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz said she would take the dispute to court."
    assert not {t for _, t, p in proposed(enricher, body, "verb") if "dispute" in t}


def test_a_participle_on_a_venue_belongs_to_who_posted(enricher: Enricher) -> None:
    # "accusing" hangs on "Twitter": the platform accused no one
    body = "Then, last week, Taylor Swift posted on Twitter accusing Big Machine of lying."
    found = proposed(enricher, body, "adjunct")
    assert {h for h, _, _ in found} == {"Taylor Swift"}


def test_a_participle_on_an_event_is_no_one_elses(enricher: Enricher) -> None:
    # "a rally backing X": the rally backs X, not the senator booed at it
    body = "Senator Ted Cruz was booed at a rally backing Beto O'Rourke."
    assert not [h for h, _, _ in proposed(enricher, body, "adjunct") if h == "Ted Cruz"]


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ('"We need to put our political differences to the side," Senator Rosa Diaz said.',
         "putting political differences to side"),
        ("Senator Rosa Diaz said the council should direct money from its reserves toward "
         "schools.", "directing money from reserves toward schools"),
    ],
)  # fmt: skip
def test_an_act_is_its_verb_with_the_complements_the_text_gives(
    enricher: Enricher, body: str, target: str
) -> None:
    assert ("Rosa Diaz", target, 1) in proposed(enricher, body, "necessity")


def test_a_names_own_words_stay_in_a_phrase_target(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz praised New York's diversity."
    assert ("Rosa Diaz", "New York's diversity", 1) in proposed(enricher, body, "verb")


def test_a_short_verb_stressed_first_keeps_one_consonant(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz said the city must open the border."
    assert ("Rosa Diaz", "opening border", 1) in proposed(enricher, body, "necessity")


def test_an_act_leaves_out_when_and_where(enricher: Enricher) -> None:
    body = (
        "Senator Rosa Diaz said the EU should grant Ukraine candidate status at its summit in "
        "Brussels on Thursday."
    )
    assert ("Rosa Diaz", "granting Ukraine candidate status", 1) in proposed(
        enricher, body, "necessity"
    )


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ("Senator Rosa Diaz said the state must put more money in schools.",
         "putting money in schools"),
        ("Senator Rosa Diaz said the city should place more teachers in the classroom.",
         "placing teachers in classroom"),
        ("Senator Rosa Diaz said the EU should grant Ukraine candidate status at the summit.",
         "granting Ukraine candidate status"),
    ],
)  # fmt: skip
def test_an_act_keeps_where_it_goes_not_where_it_happens(
    enricher: Enricher, body: str, target: str
) -> None:
    assert ("Rosa Diaz", target, 1) in proposed(enricher, body, "necessity")
