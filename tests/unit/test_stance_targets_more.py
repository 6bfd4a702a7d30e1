"""Target-side stance rules on invented sentences: the act a judgement gives as its ground
(:mod:`pipeline.enrich.reasons`), and the stance words and constructions that name what a
stance is about. Each case proposes its (holder, target) under its own source and direction.
Unit cases, not figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from tests.unit.stance_proposals import Proposal, proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def has(found: set[Proposal], holder: str, word: str, prior: int) -> bool:
    return any(h == holder and word.lower() in t.lower() and p == prior for h, t, p in found)


# (source, sentence, holder, target word, direction): the rule proposes that candidate.
PROPOSALS = [
    # -- reasons: the one judged holds the stance of the act (``reason_actor``) ...
    # a stance verb as the act: the one criticised backed the deal
    ("reason_actor", "Senator Ann Sanders hammered Hillary Clinton for supporting the trade deal.",
     "Hillary Clinton", "trade deal", 1),
    # a passive judgement: its subject did the act
    ("reason_actor", "Mayor Jon Wexton was criticized for voting for the gun bill.",
     "Jon Wexton", "gun bill", 1),
    # a control chain under the act: refusing to back is against
    ("reason_actor", "Senator Ann Sanders blasted Governor Tim Moss for refusing to back the levy.",
     "Tim Moss", "levy", -1),
    # a stance noun as the act
    ("reason_actor", "Senator Ann Sanders attacked Governor Tim Moss for his support of the levy.",
     "Tim Moss", "levy", 1),
    # "accused X of": the "of" phrase names the act
    ("reason_actor", "Senator Ann Sanders accused Governor Tim Moss of blocking the levy.",
     "Tim Moss", "levy", -1),
    # ... and the judge takes the judgement's way when the act favours its object
    # (``reason``): criticising someone for supporting Y is against Y (an act against Y,
    # "praised X for opposing Y", gives the judge no candidate: test_candidates.py)
    ("reason", "Senator Ann Sanders hammered Hillary Clinton for supporting the trade deal.",
     "Ann Sanders", "trade deal", -1),
    # -- stance adverbials: "in favor of", "in opposition to", on a verb or a noun
    ("stance_adverbial", "Mayor Tom Reed voted in favor of the levy.", "Tom Reed", "levy", 1),
    ("stance_adverbial", "Senator Mike Lee came out on Monday in opposition to the health bill.",
     "Mike Lee", "health bill", -1),
    # a control chain above the verb turns it
    ("stance_adverbial", "Mayor Tom Reed refused to vote in favor of the levy.",
     "Tom Reed", "levy", -1),
    # the owner of the noun the phrase hangs on
    ("stance_adverbial", "Governor Tim Moss's letter in support of the levy was read.",
     "Tim Moss", "levy", 1),
    # -- a stance noun's target after "behind" ("threw her support behind Y")
    ("noun", "Senator Ann Sanders threw her support behind the levy.", "Ann Sanders", "levy", 1),
    # -- acts that take a side: firing someone is against them, pardoning favours them
    ("verb", "Mayor Tom Reed fired Jon Wexton on Monday.", "Tom Reed", "Jon Wexton", -1),
    ("verb", "Governor Tim Moss pardoned Jon Wexton.", "Tim Moss", "Jon Wexton", 1),
    ("noun", "Governor Tim Moss's pardon of Jon Wexton drew criticism.",
     "Tim Moss", "Jon Wexton", 1),
    # idioms whose preposition names the target
    ("verb", "Newt Gingrich pointed a finger at Hillary Clinton.",
     "Newt Gingrich", "Hillary Clinton", -1),
    ("verb", "Roy Moore thumbed his nose at Mitch McConnell.", "Roy Moore", "Mitch McConnell", -1),
    # -- the actors of an act a stance verb is about, each of a coordination
    ("complement", "Mike Pompeo praised the efforts of Nikki Haley and Rex Tillerson.",
     "Mike Pompeo", "Rex Tillerson", 1),
    # -- calls, demands and pleas for Y; the verb they are the object of turns them
    ("stance_noun", "Angela Merkel backed calls for greater data protection.",
     "Angela Merkel", "data protection", 1),
    ("stance_noun", "Mayor Tom Reed rejected calls for a new stadium.", "Tom Reed", "stadium", -1),
    ("stance_noun", "Mayor Tom Reed condemned the campaign against the levy.",
     "Tom Reed", "levy", 1),
    # the owner named by "by"
    ("stance_noun", "The calls by Senator Ann Sanders for a new stadium grew louder.",
     "Ann Sanders", "stadium", 1),
]  # fmt: skip


@pytest.mark.parametrize(("source", "body", "holder", "target", "prior"), PROPOSALS)
def test_rule_proposes_the_candidate(
    enricher: Enricher, source: str, body: str, holder: str, target: str, prior: int
) -> None:
    assert has(proposed(enricher, body, source), holder, target, prior)


def test_an_act_without_a_direction_gives_no_reason(enricher: Enricher) -> None:
    body = "Senator Ann Sanders criticized Governor Tim Moss for being careless with the files."
    assert not proposed(enricher, body, "reason")
    assert not proposed(enricher, body, "reason_actor")


def test_the_judge_never_owns_the_act_of_the_one_judged(enricher: Enricher) -> None:
    # "hammered Clinton for supporting the deal": Sanders did not support the deal
    body = "Senator Ann Sanders hammered Hillary Clinton for supporting the trade deal."
    assert not has(proposed(enricher, body), "Ann Sanders", "trade deal", 1)


def test_a_gerund_after_by_stays_the_subjects(enricher: Enricher) -> None:
    body = "Mayor Tom Reed opened the session by attacking the budget."
    assert has(proposed(enricher, body, "adjunct"), "Tom Reed", "budget", -1)


def test_a_party_in_opposition_is_no_stance(enricher: Enricher) -> None:
    # "in opposition" with nothing it opposes names a role, not a stance
    assert not proposed(enricher, "Mayor Tom Reed sat in opposition for years.", "stance_adverbial")


@pytest.mark.parametrize(
    "body",
    [
        # verbs that on real news rarely state a position toward their object
        "Mayor Tom Reed wants a new stadium.",
        "Mayor Tom Reed sought a meeting with the union.",
        "Mayor Tom Reed denied the report.",
        "Mayor Tom Reed fought the plan.",
        "Mayor Tom Reed loves the city.",
        "Mayor Tom Reed vowed to protect the budget.",
    ],
)
def test_words_that_are_rarely_stances_propose_no_verb_candidate(
    enricher: Enricher, body: str
) -> None:
    assert not proposed(enricher, body, "verb")


def test_the_addressee_of_an_urging_is_no_target(enricher: Enricher) -> None:
    # "urged DeVos to fire Wexton": a position on the firing (and Wexton), not on DeVos
    found = proposed(enricher, "Senator Patty Murray urged Betsy DeVos to fire Jon Wexton.")
    assert not any(t == "Betsy DeVos" for _, t, _ in found)
    assert has(found, "Patty Murray", "Jon Wexton", -1)


def test_a_time_is_no_target_of_a_stance_noun(enricher: Enricher) -> None:
    body = "Governor Bobby Jindal filed a lawsuit on Wednesday against the Obama administration."
    found = proposed(enricher, body, "noun")
    assert has(found, "Bobby Jindal", "obama administration", -1)
    assert not any("wednesday" in t.lower() for _, t, _ in found)


def test_a_challenge_to_act_is_a_position_on_the_act(enricher: Enricher) -> None:
    # "challenged Congress to approve Y": favor Y, and no stance on the addressee
    body = "Barack Obama challenged Congress to approve the new authorization."
    found = proposed(enricher, body)
    assert has(found, "Barack Obama", "authorization", 1)
    assert not any(t == "Congress" for _, t, _ in found)


def test_a_plural_subject_of_a_reported_clause_is_not_the_speaker(enricher: Enricher) -> None:
    # the taxpayers approved the measures, not Haldane; a verb the parser coordinated with
    # such a clause may still be the speaker's own
    body = (
        "Patricia Haldane said she opposed the bond, saying taxpayers had already approved "
        "two housing measures in a decade."
    )
    found = proposed(enricher, body)
    assert has(found, "Patricia Haldane", "bond", -1)
    assert not any("housing measures" in t for _, t, p in found if p)
    body = (
        'Park Ji-won said the two governments had "turned a new page" and praised Prime '
        "Minister Yoshiro Tanabe for his courage."
    )
    assert has(proposed(enricher, body), "Park Ji-won", "Yoshiro Tanabe", 1)


@pytest.mark.parametrize(
    ("body", "holder", "target", "not_target"),
    [
        # an act's "for" / "of" names who acts: the decision is condemned, not the bank
        ('"It is a decision for the Reserve Bank, and we respect that," Michael Tranh said. '
         "The Australian Council of Trade Unions condemned the decision.",
         "Australian Council of Trade Unions", "decision", "Reserve Bank"),
        ("The Australian Council of Trade Unions condemned the decision of the Reserve Bank.",
         "Australian Council of Trade Unions", "decision", "Reserve Bank"),
        # "the council's decision" is a council's, never the nearest organisation's
        ("The debate was hosted by the League of Women Voters. Luis Echeverria defended the "
         "council's decision to shift funds.", "Luis Echeverria", "shifting funds",
         "League"),
    ],
)  # fmt: skip
def test_the_actor_of_an_act_is_not_its_target(
    enricher: Enricher, body: str, holder: str, target: str, not_target: str
) -> None:
    # the verb's own object (the complement rule may add the actor of an act it names)
    found = {p for source in ("verb", "bare_reference") for p in proposed(enricher, body, source)}
    assert not any(h == holder and t.startswith(not_target) for h, t, _ in found)
    assert any(h == holder and target in t for h, t, _ in found)


def test_a_company_named_by_its_trade_is_the_company(enricher: Enricher) -> None:
    body = (
        "Drivers at Northern Crown Railways walked out on Monday. The union's general "
        "secretary, Siobhan McAllister, accused the company of negotiating in bad faith."
    )
    assert has(proposed(enricher, body), "Siobhan McAllister", "Northern Crown Railways", -1)


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        # a bare definite noun repeats the fuller mention before it
        ("The Commission imposed anti-subsidy duties on heat pumps on Wednesday. "
         "Giulia Ferrante welcomed the duties.", "Giulia Ferrante", "anti-subsidy duties"),
        ("The finance bill adds a mobile money levy. Grace Odhiambo condemned the levy.",
         "Grace Odhiambo", "mobile money levy"),
        # an amount is no complement
        ("Giulia Ferrante welcomed duties of up to 38.2% on heat pumps.", "Giulia Ferrante",
         "duties"),
    ],
)  # fmt: skip
def test_a_repeated_noun_is_the_thing_named_before(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    assert any(h == holder and t == target and p for h, t, p in proposed(enricher, body, "verb"))


def test_a_person_s_role_is_no_referent_of_a_policy(enricher: Enricher) -> None:
    # "backed the measures" never means the association's president
    body = (
        "The association's president, Giulia Ferrante, welcomed the plan. "
        "France backed the measures."
    )
    assert not any(h == "France" and "Ferrante" in t for h, t, _ in proposed(enricher, body))


@pytest.mark.parametrize(
    ("body", "holder", "target", "prior"),
    [
        # "called for X to be lifted / scrapped": against X; "... to be approved": for X
        ("Senator Ann Reed called for the ban to be lifted.", "Ann Reed", "ban", -1),
        ("Senator Ann Reed called for the levy to be scrapped.", "Ann Reed", "levy", -1),
        ("Senator Ann Reed called for the treaty to be approved.", "Ann Reed", "treaty", 1),
        # introducing an amendment to do something is a position on what it does
        ("Labour MP Jane Cole introduced an amendment to scrap the levy.", "Jane Cole", "levy", -1),
    ],
)
def test_what_a_call_or_an_amendment_asks_gives_the_side(
    enricher: Enricher, body: str, holder: str, target: str, prior: int
) -> None:
    assert has(proposed(enricher, body), holder, target, prior)


@pytest.mark.parametrize(
    ("body", "holders"),
    [
        ("A cross-party group of lawmakers including Senator Ann Reed and Senator Tom Moss "
         "criticised the ban.", {"Ann Reed", "Tom Moss"}),
        ("Groups such as the American Civil Liberties Union opposed the ban.",
         {"American Civil Liberties Union"}),
    ],
)  # fmt: skip
def test_the_members_a_group_names_hold_its_position(
    enricher: Enricher, body: str, holders: set[str]
) -> None:
    found = proposed(enricher, body, "verb")
    assert holders <= {h for h, t, p in found if "ban" in t and p == -1}


def test_counterexamples_to_the_organisation_and_member_rules(enricher: Enricher) -> None:
    # a trade word inside a public body's name does not make it "the company"
    body = (
        "Microsoft was fined by the Federal Communications Commission. "
        "The ACLU criticised the company."
    )
    assert has(proposed(enricher, body, "verb"), "ACLU", "Microsoft", -1)
    # people tied to an organisation speak for themselves, not for it
    for body in (
        "Shell shareholders on Tuesday rejected a resolution calling for tougher targets.",
        "Boeing machinists approved the contract on Monday.",
    ):
        assert not any(h in {"Shell", "Boeing"} for h, _, _ in proposed(enricher, body))
    # the members of someone else's "of" phrase are not the holders
    for body in (
        "Critics of tech giants such as Google and Meta welcomed the ruling.",
        "Customers of banks including HSBC and Barclays condemned the fees.",
    ):
        assert not proposed(enricher, body, "verb")
    # a named group and the member it names both hold the position
    found = proposed(enricher, "Republicans, including Mitch McConnell, opposed the bill.", "verb")
    assert {h for h, t, p in found if t == "bill" and p == -1} == {"Republicans", "Mitch McConnell"}


@pytest.mark.parametrize(
    ("body", "holder", "wrong"),
    [
        # an amendment to a law is no position on the law, a petition to a body none on it
        ("Republicans rejected the amendment to the Affordable Care Act.", "Republicans",
         "Affordable Care Act"),
        ("Senator Elizabeth Warren signed a petition to the Federal Reserve urging lower rates.",
         "Elizabeth Warren", "Federal Reserve"),
        # an amount ends the complement: the bid is no position on Sky
        ("Comcast abandoned the bid of $65 billion for Sky.", "Comcast", "Sky"),
        # "tabled" shelves in American English
        ("The House voted to table the impeachment resolution against President Donald Trump.",
         "House", "Donald Trump"),
        # an earlier noun marked as another one is not the one repeated
        ("Israel began the offensive on Friday. Egypt said an earlier Israeli offensive in 2014 "
         "had killed 2,000 people. Turkey condemned the offensive.", "Turkey", "earlier"),
        ("Israel launched a ground offensive on Friday. Hamas said the first offensive in 2008 "
         "had failed. Egypt condemned the offensive.", "Egypt", "first"),
        ("Washington had imposed much higher duties on Chinese cars. BYD criticized the duties.",
         "BYD", "higher"),
        # a public body is not "the company" for a trade word in its name
        ("Shell was fined on Monday by the Swiss Federal Office of Energy. Greenpeace criticized "
         "the company.", "Greenpeace", "Swiss Federal Office"),
    ],
)  # fmt: skip
def test_counterexamples_to_the_target_rules(
    enricher: Enricher, body: str, holder: str, wrong: str
) -> None:
    found = proposed(enricher, body)
    assert not any(h == holder and t.lower().startswith(wrong.lower()) and p for h, t, p in found)


def test_counterexamples_to_the_speaker_and_negation_rules(enricher: Enricher) -> None:
    # "cannot thank X enough" is praise
    found = proposed(enricher, "Israel cannot thank the United States enough, Netanyahu said.")
    assert not any(t == "United States" and p < 0 for _, t, p in found)
    found = proposed(enricher, '"I can\'t praise Marcus Rashford too highly," Johnson said.')
    assert not any(t == "Marcus Rashford" and p < 0 for _, t, p in found)
    # "its members", and members without an owner, are the speaker's own side; the union's
    # members are not the chief executive's
    body = "The RMT union said its members had voted overwhelmingly to reject the pay offer."
    assert has(proposed(enricher, body), "RMT", "pay offer", -1)
    assert has(
        proposed(enricher, "Unite said members had rejected the offer."), "Unite", "offer", -1
    )
    body = "Boeing chief executive Kelly Ortberg said the union's members had rejected the offer."
    assert not any(
        h == "Kelly Ortberg" and t == "offer" and p for h, t, p in proposed(enricher, body)
    )
    # a public body folded with its acronym is still "the agency"
    body = (
        "The Securities and Exchange Commission (SEC) met on Monday. The agency criticized Ripple."
    )
    found = proposed(enricher, body, "verb")
    assert has(found, "Securities and Exchange Commission", "Ripple", -1)
