"""Readings that made wrong stance tags on real news, each on invented sentences of the same
shape: an act only weighed, a stance noun its verb's subject judges,
an organisation's officer, a copula's "not" on a stance noun, a platform's account, a news
outlet as a bare reference, an owner's role, one member of a group. Unit cases, not
figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import CandidateReader
from pipeline.enrich.stance import judgeable
from pipeline.models import RawArticle
from tests.unit.stance_proposals import Proposal, proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def live(enricher: Enricher, body: str) -> set[Proposal]:
    """The candidates the model judges: a denied one and its holder's and target's pair
    in that sentence are none (:func:`pipeline.enrich.stance.judgeable`)."""
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    found = judgeable(CandidateReader(doc, enricher.catalogue).candidates())
    return {(c.holder.name, c.surface, c.prior) for c in found}


def pairs(found: set[Proposal]) -> set[tuple[str, str]]:
    return {(h, t) for h, t, _ in found}


@pytest.mark.parametrize(
    "body",
    [
        "The White House said that Donald Trump was mulling firing James Comey for months.",
        "Donald Trump is considering suing James Comey.",
        "Donald Trump was weighing firing James Comey.",
    ],
)
def test_an_act_only_weighed_is_no_position(enricher: Enricher, body: str) -> None:
    assert ("Donald Trump", "James Comey") not in pairs(live(enricher, body))


def test_an_act_taken_is_still_a_position(enricher: Enricher) -> None:
    found = live(enricher, "Donald Trump fired James Comey on Tuesday.")
    assert ("Donald Trump", "James Comey", -1) in found


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ("Jim Mattis warned Iran on Tuesday.", "Iran"),
        # a warning not to act threatens the one warned
        ("Ben Carson warned Trump's opponents not to try to mess with him.", "Trump's opponents"),
        # with no one warned, what it warns of is the target
        ("Barack Obama spoke on Monday, warning of a Balkanization of society.", "Balkanization"),
        # a warning about the one warned, or to stop, threatens it
        ("Donald Trump warned North Korea that it would be met with fire and fury.", "North Korea"),
        ("China warned the United States to stop meddling in Hong Kong.", "United States"),
        ("Trump warned Iran that the United States would respond forcefully.", "Iran"),
    ],
)
def test_a_warning_is_against_the_one_warned(enricher: Enricher, body: str, target: str) -> None:
    assert any(target in t and p == -1 for _, t, p in proposed(enricher, body, "verb"))


@pytest.mark.parametrize(
    "body",
    [
        "Charlie Baker called the allegations against Jane Joyce disturbing.",
        "Senator Ann Warren dismissed the criticism of Jane Joyce.",
        "Senator Ann Warren denied the accusations against Jane Joyce.",
    ],
)
def test_a_stance_noun_its_verbs_subject_judges_is_not_the_subjects(
    enricher: Enricher, body: str
) -> None:
    # the allegations are someone else's: Baker judges them, he does not make them
    assert not any(t == "Jane Joyce" and p < 0 for _, t, p in proposed(enricher, body, "noun"))


@pytest.mark.parametrize(
    "body",
    [
        "Senator Ann Warren made allegations against Jane Joyce.",
        # a threatened lawsuit is the subject's own act
        "Senator Ann Warren threatened a lawsuit against Jane Joyce.",
        # "called" with no name given organises it
        "Senator Ann Warren called a protest against Jane Joyce.",
    ],
)
def test_a_stance_noun_its_verbs_subject_voices_is_the_subjects(
    enricher: Enricher, body: str
) -> None:
    assert ("Ann Warren", "Jane Joyce", -1) in proposed(enricher, body, "noun")


def test_an_organisations_officer_named_after_it_is_the_holder(enricher: Enricher) -> None:
    # the parser makes "Order" the subject and hangs the rest on "of"
    body = (
        "In a statement, Fraternal Order of Police president Chuck Canterbury said Jeff "
        'Sessions is "a great friend of police."'
    )
    holders = {h for h, _, _ in proposed(enricher, body)}
    assert "Chuck Canterbury" in holders
    assert "Fraternal Order of Police" not in holders


def test_an_organisation_with_no_officer_named_holds_its_own(enricher: Enricher) -> None:
    body = "The Fraternal Order of Police criticized Jeff Sessions on Monday."
    assert ("Fraternal Order of Police", "Jeff Sessions", -1) in proposed(enricher, body, "verb")


def test_a_copulas_not_denies_a_stance_noun(enricher: Enricher) -> None:
    assert ("Ann Warren", "Trump") not in pairs(
        live(enricher, "Senator Ann Warren is not a Trump supporter.")
    )
    assert ("Ann Warren", "Trump", 1) in live(enricher, "Senator Ann Warren is a Trump supporter.")
    # "not the only critic" says she is one
    found = live(enricher, "Senator Ann Warren is not the only critic of Donald Trump.")
    assert ("Ann Warren", "Donald Trump", -1) in found


def test_a_platforms_account_speaks_for_itself(enricher: Enricher) -> None:
    body = (
        "The Daily Beast claimed that Brooks is a forklift driver who lived in the Bronx, since "
        "then a Twitter account claiming to be Brooks has disputed these details stating that "
        "he is not a Trump supporter."
    )
    # (the reported rule's speaker-to-named-thing candidates read no direction)
    assert not any(h == "Daily Beast" and p for h, _, p in live(enricher, body))


def test_a_news_outlet_reporting_is_no_bare_reference(enricher: Enricher) -> None:
    body = "Politico reported that Senator Ann Warren opposes the plan."
    found = proposed(enricher, body, "bare_reference")
    assert not any(t == "Politico" for _, t, _ in found)
    body = "The Sierra Club unveiled a carbon tax. Senator Ann Warren opposes the plan."
    assert ("Ann Warren", "carbon tax", -1) in proposed(enricher, body, "bare_reference")


@pytest.mark.parametrize(
    ("body", "target", "holds"),
    [
        # "take ... at" takes a side only when aim (a swipe, a shot) is taken
        ("Bernie Sanders takes in the crowd at a campaign event in New York.", "event", False),
        ("Senator Ann Warren took a swipe at Donald Trump.", "Donald Trump", True),
        ("Senator Ann Warren pointed at the map of Ohio.", "map", False),
        ("Senator Ann Warren pointed the finger at Donald Trump.", "Donald Trump", True),
        # or what the object measures out
        ("Donald Trump hurled a barrage of insults at Hillary Clinton.", "Hillary Clinton", True),
    ],
)
def test_a_phrasal_predicate_that_needs_its_object(
    enricher: Enricher, body: str, target: str, holds: bool
) -> None:
    found = proposed(enricher, body, "verb")
    assert any(target in t and p == -1 for _, t, p in found) is holds


@pytest.mark.parametrize(
    "body",
    [
        "Jon Somerville descended to insults, calling Steve Bannon an “anti-Semitic Catholic”.",
        "Senator Ann Warren called Steve Bannon a bigot.",
    ],
)
def test_a_name_of_bigotry_is_abuse(enricher: Enricher, body: str) -> None:
    assert any(t == "Steve Bannon" and p == -1 for _, t, p in proposed(enricher, body, "label"))


@pytest.mark.parametrize(
    "body",
    [
        # what victims suffer is no judgement of them
        "Angela Merkel said Jews in Germany faced xenophobic and anti-Semitic abuse.",
        # "anti-" names the opponents of bigotry
        "Mayor Ted Wheeler called the group an anti-fascist organization.",
    ],
)
def test_bigotry_words_judge_only_a_name_given_to_the_bigot(enricher: Enricher, body: str) -> None:
    assert not any(p for _, _, p in proposed(enricher, body))


def test_the_others_is_no_target(enricher: Enricher) -> None:
    body = "Council members Allan Mansoor and Jim Righeimer, who often oppose the others, won."
    assert not any(t.lower() in {"others", "the others"} for _, t, _ in proposed(enricher, body))


def test_removing_someone_is_against_them(enricher: Enricher) -> None:
    body = "Council members Allan Mansoor and Jim Righeimer voted to remove Ray Foley as mayor."
    found = proposed(enricher, body, "frame")
    assert ("Allan Mansoor", "Ray Foley", -1) in found
    assert not any(p > 0 and "Foley" in t for _, t, p in found)


@pytest.mark.parametrize(
    "named",
    [
        "China's ambassador to Britain Liu Xiaoming has said that the unrest must end.",
        "Liu Xiaoming, China's ambassador, has said that the unrest must end.",
    ],
)
def test_an_owners_role_is_the_person_the_article_names_in_it(
    enricher: Enricher, named: str
) -> None:
    # before or after, the article names who holds the role: his, not China's
    for body in (
        f"China's ambassador accused Britain of meddling. Police fired tear gas. {named}",
        f"{named} Police fired tear gas. China's ambassador accused Britain of meddling.",
    ):
        found = pairs(proposed(enricher, body, "verb"))
        assert ("Liu Xiaoming", "Britain") in found
        assert ("China", "Britain") not in found


@pytest.mark.parametrize(
    "body",
    [
        "Russia's ambassador to the talks with John Kerry condemned the U.S. strikes.",
        "Germany's ambassador to Washington under Angela Merkel condemned the tariffs.",
    ],
)
def test_a_person_a_role_phrase_goes_on_to_name_does_not_hold_it(
    enricher: Enricher, body: str
) -> None:
    assert not {h for h, _, _ in proposed(enricher, body)} & {"John Kerry", "Angela Merkel"}


@pytest.mark.parametrize(
    "body",
    [
        # a former holder of the post does not hold it
        "Britain's former ambassador Kim Darroch retired last year. Britain's ambassador "
        "criticized the plan.",
        # nor does the holder of the same post elsewhere, or of the post unplaced
        "Britain's ambassador to Washington Kim Darroch resigned on Monday. Britain's "
        "ambassador to the EU criticized the plan.",
        "Kim Darroch, Britain's ambassador, resigned on Monday. Britain's ambassador to the "
        "EU criticized the plan.",
        # nor the one a new holder follows, nor the holder of another minister's post
        "Britain's outgoing ambassador Kim Darroch left Washington. Britain's new ambassador "
        "criticized the plan.",
        "Britain's deputy prime minister Kim Darroch spoke on Monday. Britain's prime minister "
        "criticized the plan.",
        "Britain's finance minister Kim Darroch spoke on Monday. Britain's foreign minister "
        "criticized the plan.",
    ],
)
def test_a_role_is_not_a_former_or_other_posts_holder(enricher: Enricher, body: str) -> None:
    assert "Kim Darroch" not in {h for h, t, _ in proposed(enricher, body) if t == "plan"}


def test_a_role_with_its_words_is_the_same_post(enricher: Enricher) -> None:
    body = (
        "Britain's foreign minister, Kim Darroch, spoke on Monday. Britain's foreign minister "
        "criticized the plan."
    )
    assert ("Kim Darroch", "plan") in pairs(proposed(enricher, body))


def test_an_owners_role_no_one_is_named_in_stays_the_owners(enricher: Enricher) -> None:
    body = "Russia's foreign minister criticized the sanctions on Monday."
    assert ("Russia", "sanctions") in pairs(proposed(enricher, body))


def test_a_name_read_without_its_relative_clause(enricher: Enricher) -> None:
    # the "greater good" is what the relative clause says he seeks, not a name given
    body = (
        "Jon Somerville descended to insults, calling Steve Bannon an “anti-Semitic Catholic” "
        "who only collaborates with Jews to achieve the greater good of defeating Islam."
    )
    assert ("Jon Somerville", "Steve Bannon", -1) in proposed(enricher, body, "label")


def test_pieces_of_a_hyphenated_word_are_no_targets(enricher: Enricher) -> None:
    # the parser reads "re-election" as three objects of "backs"
    body = "Jes Staley is chief executive. Barclays said it backs his re-election."
    assert not {t for _, t, _ in proposed(enricher, body)} & {"re", "-"}


def test_they_is_no_one_its_own_clause_names(enricher: Enricher) -> None:
    body = (
        "The F.B.I. had deemed the email classified, but the State Department disagreed. "
        "In a letter, they accused Pat Kennedy, the State Department and the F.B.I. of collusion."
    )
    holders = {h for h, t, _ in proposed(enricher, body) if t == "Pat Kennedy"}
    assert not holders & {"F.B.I.", "State Department"}
    body = "The F.B.I. deemed the email classified. It criticized the State Department."
    assert ("F.B.I.", "State Department", -1) in proposed(enricher, body, "verb")
    # named again further on in its clause, it is still who "it" is
    body = (
        "The European Union issued a statement on Monday. It rejected the British plan, "
        "saying it would undermine the European Union's single market."
    )
    assert ("European Union", "british plan", -1) in proposed(enricher, body, "verb")


@pytest.mark.parametrize(
    "body",
    [
        "A Republican criticized the tax plan on Monday.",
        "The bombastic Chicago Democrat gave Paul Ryan heartfelt praise for his views.",
    ],
)
def test_one_member_of_a_group_is_no_holder(enricher: Enricher, body: str) -> None:
    # one person, unnamed: not the party
    assert not {h for h, _, _ in proposed(enricher, body)} & {"Republican", "Democrat"}


@pytest.mark.parametrize(
    ("body", "holder"),
    [
        ("Republicans criticized the tax plan on Monday.", "Republicans"),
        # "the" alone says nothing of number: the people
        ("The French criticized the tax plan on Monday.", "French"),
    ],
)
def test_a_group_is_a_holder(enricher: Enricher, body: str, holder: str) -> None:
    assert (holder, "tax plan", -1) in proposed(enricher, body, "verb")


def test_a_place_the_parser_moves_onto_the_name_is_still_the_posts(enricher: Enricher) -> None:
    # "to" left without an object, "Britain Liu Xiaming" the role's apposition
    body = (
        "China's ambassador to Britain accused the UK and the US of meddling in the "
        "country's affairs.\n\nPolice fired tear gas.\n\nChina's ambassador to Britain Liu "
        'Xiaming has said that China has the "resolution and power" to end Hong Kong unrest '
        "amid protests."
    )
    found = pairs(proposed(enricher, body, "verb"))
    assert ("Liu Xiaming", "Britain") in found
    assert ("China", "Britain") not in found


@pytest.mark.parametrize(
    ("body", "holder", "target", "prior"),
    [
        ("Hillary Clinton faced criticism for backing the Iraq war.", "Hillary Clinton",
         "Iraq war", 1),
        ("Barack Obama won praise for opposing the Iraq war.", "Barack Obama", "Iraq war", -1),
        ("Nancy Pelosi came under fire for praising Fidel Castro.", "Nancy Pelosi",
         "Fidel Castro", 1),
        ("Dana Rohrabacher is facing criticism from his Democratic opponent for defending "
         "Vladimir Putin.", "Dana Rohrabacher", "Vladimir Putin", 1),
    ],
)  # fmt: skip
def test_a_received_judgement_names_the_subjects_own_act(
    enricher: Enricher, body: str, holder: str, target: str, prior: int
) -> None:
    found = live(enricher, body)
    assert (holder, target, prior) in found
    # the criticism or praise is others', never the subject's
    assert not any(h == holder and t.startswith(("backing", "opposing")) for h, t, _ in found)


def test_a_judgement_the_subject_has_is_still_its_own(enricher: Enricher) -> None:
    found = live(enricher, "Elizabeth Warren voiced sharp criticism of the bill.")
    assert ("Elizabeth Warren", "bill", -1) in found


def test_calling_someone_for_a_meeting_is_a_summons(enricher: Enricher) -> None:
    body = "Shimon Peres called all the ministers of the Labour Party for a special meeting."
    assert not any(t.endswith("meeting") for _, t, _ in live(enricher, body))
    found = live(enricher, "Shimon Peres called for a special meeting of the cabinet.")
    assert any(h == "Shimon Peres" and "meeting" in t and p == 1 for h, t, p in found)


@pytest.mark.parametrize(
    "body",
    [
        "Osama bin Laden admitted planning the September 11 terrorist attacks on the United "
        "States.",
        "Iran carried out a missile attack on the United States base.",
    ],
)
def test_a_physical_attack_is_an_event_not_a_stance(enricher: Enricher, body: str) -> None:
    assert not any(t.endswith(("United States", "base")) for _, t, _ in live(enricher, body))


def test_a_verbal_attack_is_a_stance(enricher: Enricher) -> None:
    found = live(enricher, "Donald Trump's attack on Senator John McCain drew criticism.")
    assert ("Donald Trump", "John McCain", -1) in found


def test_asking_for_something_is_a_demand_but_not_for_comment(enricher: Enricher) -> None:
    found = live(enricher, "Ilhan Omar asked for compassion during the sentencing.")
    assert ("Ilhan Omar", "compassion", 1) in found
    for body in (
        "Mitsubishi declined to comment when asked for comment by Reuters.",
        "A spokesman for Mitsubishi did not respond when asked for details by Reuters.",
    ):
        assert not live(enricher, body) - {p for p in live(enricher, body) if p[2] == 0}


@pytest.mark.parametrize(
    ("body", "holder", "target", "prior"),
    [
        # a day or a count is no physical attack, nor "Tuesday" the one called
        ("Donald Trump's Tuesday attack on Jerome Powell rattled markets.", "Donald Trump",
         "Jerome Powell", -1),
        ("Senator Rosa Diaz called Tuesday for a ceasefire in Gaza.", "Rosa Diaz", "ceasefire",
         1),
        # what a subject wins support for is its own cause
        ("Senator Rosa Diaz won approval for the budget.", "Rosa Diaz", "budget", 1),
    ],
)  # fmt: skip
def test_a_reviewers_counterexample_keeps_its_stance(
    enricher: Enricher, body: str, holder: str, target: str, prior: int
) -> None:
    assert any(h == holder and target in t and p == prior for h, t, p in live(enricher, body))


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ("Hillary Clinton faced criticism for her husband's support of the trade deal.",
         "trade deal"),
        ("Senator Rosa Diaz said she would not ask for a recount.", "recount"),
        ("Exxon Mobil did not respond when asked for a statement on the spill.", "statement"),
    ],
)  # fmt: skip
def test_a_reviewers_counterexample_takes_no_side(
    enricher: Enricher, body: str, target: str
) -> None:
    assert not any(target in t and p != 0 for _, t, p in live(enricher, body))
