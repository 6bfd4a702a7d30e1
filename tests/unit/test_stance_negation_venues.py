"""Stance targets and polarity on invented sentences: denials, venues, titles and names
called; what the rules propose (holder, target as written, direction). Unit cases, not figures."""

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


def directions(found: set[Proposal], holder: str, word: str) -> set[int]:
    """The directions proposed from ``holder`` toward a target containing ``word``."""
    return {p for h, t, p in found if holder in h and word in t.lower()}


@pytest.mark.parametrize(
    "verb", ["did not endorse", "never criticized", "no longer opposes", "did not oppose"]
)
def test_a_denied_stance_verb_reads_no_direction(enricher: Enricher, verb: str) -> None:
    found = proposed(enricher, f"Senator Rosa Diaz {verb} Governor Tom Reed.")
    assert directions(found, "Rosa Diaz", "reed") == {0}


@pytest.mark.parametrize(
    ("verb", "prior"),
    [("declined to endorse", -1), ("refused to back", -1), ("agreed not to back", -1)],
)
def test_a_refusal_still_composes_its_direction(enricher: Enricher, verb: str, prior: int) -> None:
    found = proposed(enricher, f"Senator Rosa Diaz {verb} Governor Tom Reed.")
    assert directions(found, "Rosa Diaz", "reed") == {prior}


@pytest.mark.parametrize(
    ("verb", "prior"),
    [
        # a refusal said with a modal is a position against
        ("will never accept", -1),
        ("cannot support", -1),
        ("won't back", -1),
        ("would not endorse", -1),
        # a counterfactual is none, and so is a modal refusing to oppose
        ("would not have endorsed", 0),
        ("will not oppose", 0),
    ],
)
def test_a_modal_refusal_is_against(enricher: Enricher, verb: str, prior: int) -> None:
    found = proposed(enricher, f"Senator Rosa Diaz {verb} the pension reform.", "verb")
    assert directions(found, "Rosa Diaz", "reform") == {prior}


@pytest.mark.parametrize(
    ("body", "holder", "kept"),
    [
        ("Senator Rosa Diaz applauded Governor Tom Reed's move on Twitter.", "Rosa Diaz", "move"),
        ("Mayor Tom Reed fired back on Twitter.", "Tom Reed", None),
        ("Senator Rosa Diaz fired back on Facebook on Monday.", "Rosa Diaz", None),
        ("Senator Rosa Diaz praised the plan in an interview with CNN.", "Rosa Diaz", "plan"),
    ],
)
def test_where_something_was_said_is_not_its_target(
    enricher: Enricher, body: str, holder: str, kept: str | None
) -> None:
    found = proposed(enricher, body)
    for venue in ["twitter", "facebook", "cnn"]:
        assert not directions(found, holder, venue)
    if kept is not None:
        assert directions(found, holder, kept)


@pytest.mark.parametrize(
    ("body", "target", "prior"),
    [
        ("Senator Rosa Diaz lashed out at CNN.", "cnn", -1),
        ("Senator Rosa Diaz launched an attack on Fox News.", "fox", -1),
    ],
)
def test_a_medium_a_stance_word_takes_as_its_object_stays_the_target(
    enricher: Enricher, body: str, target: str, prior: int
) -> None:
    assert prior in directions(proposed(enricher, body), "Rosa Diaz", target)


def test_a_title_cut_from_its_name_is_no_target(enricher: Enricher) -> None:
    body = (
        "Senator Rosa Diaz praised the efforts of U.S. Ambassador to the United Nations "
        "Nikki Haley and Secretary of State Rex Tillerson."
    )
    found = proposed(enricher, body)
    assert not directions(found, "Rosa Diaz", "ambassador")
    assert directions(found, "Rosa Diaz", "haley") == {1}  # the complement rule names her
    named = proposed(enricher, "Senator Rosa Diaz praised the work of Governor Tom Reed.")
    assert 1 in directions(named, "Rosa Diaz", "reed")


def test_a_negation_carries_over_or_not_over_and(enricher: Enricher) -> None:
    either = proposed(enricher, "Senator Rosa Diaz did not praise or endorse Governor Tom Reed.")
    assert directions(either, "Rosa Diaz", "reed") == {0}
    body = "Senator Rosa Diaz never condemned the plan nor criticized Governor Tom Reed."
    assert directions(proposed(enricher, body), "Rosa Diaz", "reed") == {0}
    both = proposed(
        enricher, "Senator Rosa Diaz did not praise Mayor Ann Cole and endorsed Governor Tom Reed."
    )
    assert directions(both, "Rosa Diaz", "reed") == {1}


@pytest.mark.parametrize(
    ("word", "prior"), [("a hero", 1), ("a patriot", 1), ("a traitor", -1), ("a coward", -1)]
)
def test_a_name_called_judges_its_bearer(enricher: Enricher, word: str, prior: int) -> None:
    body = f"Mayor Tom Reed called Governor Ann Cole {word}."
    assert prior in directions(proposed(enricher, body, "label"), "Tom Reed", "cole")


@pytest.mark.parametrize(
    ("verb", "prior"),
    [("never stopped criticizing", -1), ("did not fail to praise", 1)],
)
def test_a_denied_refusal_or_stop_turns_back(enricher: Enricher, verb: str, prior: int) -> None:
    found = proposed(enricher, f"Senator Rosa Diaz {verb} Governor Tom Reed.")
    assert directions(found, "Rosa Diaz", "reed") == {prior}


def test_a_denied_side_leaves_no_candidate_of_that_pair_in_its_sentence(
    enricher: Enricher,
) -> None:
    from pipeline.enrich.candidates import CandidateReader
    from pipeline.enrich.stance import undenied
    from pipeline.models import RawArticle

    body = "Senator Rosa Diaz did not criticize Governor Tom Reed. Rosa Diaz praised Tom Reed."
    doc, _ = enricher.read(RawArticle(id="t", body=body))
    found = CandidateReader(doc, enricher.catalogue).candidates()
    pairs = {(c.key, c.where[1] > 0, c.source) for c in found if "Reed" in c.key[1]}
    assert any(src == "pair" and not second for _, second, src in pairs)  # the pair rule's
    kept = {(c.where[1] > 0, c.source) for c in undenied(found) if "Reed" in c.key[1]}
    assert not any(not second for second, _ in kept)  # none left in the denying sentence
    assert any(second for second, _ in kept)  # the stated praise after it stays


@pytest.mark.parametrize(
    ("body", "label_prior"),
    [
        ('Senator Rosa Diaz did not call Mayor Tom Reed a "hero".', 0),
        # no judgement word the lexicon knows: denied all the same
        ('Senator Rosa Diaz would never call Mayor Tom Reed a "friend".', 0),
        ('Senator Rosa Diaz called Mayor Tom Reed a "hero".', 1),
    ],
)
def test_a_name_withheld_gives_no_side_a_name_given_does(
    enricher: Enricher, body: str, label_prior: int
) -> None:
    """The pair rule alone read the denied ones as favor (0.86 and 0.62 with the shipped
    model): the denied label now takes the pair's candidates of that sentence with it."""
    from pipeline.enrich.candidates import CandidateReader
    from pipeline.enrich.stance import undenied
    from pipeline.models import RawArticle

    doc, _ = enricher.read(RawArticle(id="t", body=body))
    found = [c for c in CandidateReader(doc, enricher.catalogue).candidates() if "Reed" in c.key[1]]
    labels = [c for c in found if c.source == "label"]
    assert [(c.key[0], c.prior, c.denied) for c in labels] == [
        ("Rosa Diaz", label_prior, label_prior == 0)
    ]
    kept = undenied(found)
    assert bool(kept) is (label_prior != 0)


def test_an_office_is_a_target_where_a_title_cut_from_its_name_is_not(enricher: Enricher) -> None:
    found = proposed(enricher, "Senator Rosa Diaz opposed the impeachment of the President.")
    assert directions(found, "Rosa Diaz", "impeachment") == {-1}


def test_nor_denies_its_clause_with_a_subject_of_its_own(enricher: Enricher) -> None:
    body = "Governor Tom Reed never criticized the plan, nor did he praise Senator Rosa Diaz."
    assert directions(proposed(enricher, body), "Tom Reed", "diaz") == {0}


def test_a_denial_drops_the_pair_rules_candidate_not_another_stance_word(
    enricher: Enricher,
) -> None:
    from pipeline.enrich.candidates import CandidateReader
    from pipeline.enrich.stance import undenied
    from pipeline.models import RawArticle

    body = "Governor Tom Reed, who never supported Senator Rosa Diaz, attacked her on Sunday."
    doc, _ = enricher.read(RawArticle(id="t", body=body))
    kept = undenied(CandidateReader(doc, enricher.catalogue).candidates())
    sources = {c.source: c.prior for c in kept if c.key[0] == "Tom Reed" and "Diaz" in c.key[1]}
    assert "pair" not in sources and "verb" not in sources  # the denied "supported"
    assert -1 in sources.values()  # "attacked her" stays


@pytest.mark.parametrize(
    ("body", "word", "prior"),
    [
        # "not just" adds to the verb
        ("Senator Rosa Diaz did not just criticize Governor Tom Reed; she called for more.",
         "reed", -1),
        # a "nor" denies its own clause, not the next one joined by "and"
        ("Governor Tom Reed did not praise Senator Rosa Diaz, nor did he endorse her, and he "
         "attacked the housing plan.", "housing", -1),
    ],
)  # fmt: skip
def test_what_a_negation_does_not_reach(
    enricher: Enricher, body: str, word: str, prior: int
) -> None:
    holder = "Rosa Diaz" if body.startswith("Senator") else "Tom Reed"
    assert prior in directions(proposed(enricher, body), holder, word)


def test_a_name_before_a_colon_in_a_phrase_that_is_no_venue_still_speaks(
    enricher: Enricher,
) -> None:
    body = "A statement from Senator Rosa Diaz: Governor Tom Reed is a disgrace and must resign."
    assert directions(proposed(enricher, body, "colon_speaker"), "Rosa Diaz", "reed")
    venue = "Senator Rosa Diaz fired back on Twitter: Governor Tom Reed must resign."
    assert not {h for h, _, _ in proposed(enricher, venue, "colon_speaker")} & {"Twitter"}


def test_an_apposed_name_keeps_its_title_from_being_the_target(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz praised the efforts of the U.S. Ambassador, Tom Reed."
    assert directions(proposed(enricher, body), "Rosa Diaz", "ambassador") == set()


@pytest.mark.parametrize(
    ("verb", "judged"),
    [
        ("is calling on", True),
        ("is not calling on", False),
        ("never called on", False),
        # a verb joined to the denied one may say more: the pair is judged
        ("has not called on Governor Tom Reed to resign, but has described", True),
    ],
)
def test_a_demand_denied_leaves_the_pair_unjudged(
    enricher: Enricher, verb: str, judged: bool
) -> None:
    # "says he is not calling on X to resign" demands nothing of X: no candidate of the pair
    # in that sentence reaches the model, the entity-pair rule's included
    if "described" in verb:
        body = f"Senator Rosa Diaz {verb} his handling of the levy as a disgrace."
    else:
        body = f"Senator Rosa Diaz says she {verb} Governor Tom Reed to resign."
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    found = judgeable(CandidateReader(doc, enricher.catalogue).candidates(pairs_alone=False))
    pairs = {(c.holder.name, c.surface, c.prior) for c in found if "Reed" in c.surface}
    assert bool(pairs) is judged
    if verb == "is calling on":
        assert ("Rosa Diaz", "Tom Reed", -1) in pairs


@pytest.mark.parametrize(
    ("clause", "prior"),
    [("lifting up our farming communities", 1), ("lifting the sanctions on farmers", -1)],
)
def test_lifting_up_raises_what_lifting_ends(enricher: Enricher, clause: str, prior: int) -> None:
    found = proposed(enricher, f"Governor Tom Reed is committed to {clause}.")
    word = "communities" if prior > 0 else "sanctions"
    assert directions(found, "Tom Reed", word) == {prior}


@pytest.mark.parametrize(
    ("body", "target_word", "prior"),
    [
        # the second of two coordinated complements is under the same control verb
        ("Senator Rosa Diaz refused to back the levy or to endorse Governor Tom Reed.", "reed", -1),
        (
            "Senator Rosa Diaz urged the council to end the levy and recognize Governor Tom Reed.",
            "reed",
            1,
        ),
        ("Senator Rosa Diaz pledged to cut the levy and to expand the hospital.", "hospital", 1),
        # a verb coordinated with the control verb itself is no complement of it
        ("Senator Rosa Diaz refused to back the levy and praised Governor Tom Reed.", "reed", 1),
        # nor one joined to a gerund, nor one with a modal of its own
        (
            "Senator Rosa Diaz pledged to stop funding the mines and support Governor Tom Reed.",
            "reed",
            1,
        ),
        (
            "Senator Rosa Diaz refused to stop the levy and cannot support Governor Tom Reed.",
            "reed",
            -1,
        ),
    ],
)
def test_a_coordinated_complement_composes_as_the_first_does(
    enricher: Enricher, body: str, target_word: str, prior: int
) -> None:
    assert directions(proposed(enricher, body), "Rosa Diaz", target_word) == {prior}


def test_a_finite_verb_coordinated_with_a_misread_complement_keeps_its_subject(
    enricher: Enricher,
) -> None:
    # the parser hangs "running" on "called" as if it were asked: "has defended" is still
    # the campaign's, not the caller's
    body = (
        "The Reed campaign is running a new attack ad against Mr. Cole featuring his insults "
        "of women over the years and has aggressively defended Ms. Ruiz; Mrs. Reed called her "
        "on Friday to offer thanks."
    )
    found = proposed(enricher, body, "verb")
    assert {h for h, t, _ in found if "Ruiz" in t} == {"Reed campaign"}
