"""Words that can carry a stance in news, beyond the attitude verbs of :mod:`lexicon`.

They only *propose* candidates: the trained model (:mod:`stance_model`) decides whether a
candidate is a stance and which way, so these lists favour recall. All entries are lemmas;
polarity +1 favor, -1 against.
"""

from __future__ import annotations

from pipeline.enrich.lexicon import ATTITUDE_VERBS, OBJECT_CONTROL


def _lemmas(text: str) -> frozenset[str]:
    """The whitespace-separated lemmas of a block of text."""
    return frozenset(text.split())


def _polar(favor: str, against: str) -> dict[str, int]:
    return {**dict.fromkeys(favor.split(), 1), **dict.fromkeys(against.split(), -1)}


# Verbs whose subject takes a position toward their object ("X attacked Y").
VERBS: dict[str, int] = {
    # Not "urge", "encourage" and the like: with a clause their object is the addressee
    # ("urged DeVos to fire Jackson"); the frames read them (:data:`lexicon.OBJECT_CONTROL`).
    **{lemma: v for lemma, v in ATTITUDE_VERBS.items() if lemma not in OBJECT_CONTROL},
    **_polar(
        """thank credit celebrate tout admire salute honor honour congratulate sponsor
        cosponsor introduce recommend trust respect like reward nominate
        appoint reaffirm restore fund vouch cheer herald pardon enact spearhead""",
        """attack accuse blame question criticize criticise sue mock ridicule bash berate chide
        scold rebuke castigate disparage smear undermine obstruct filibuster impeach dispute
        contest deride lament fault excoriate assail insult vilify demonize demonise
        ridicule taunt belittle lampoon skewer hammer knock pan trash rip savage target
        overturn repeal undo strike threaten warn sanction punish
        indict subpoena snub shun abandon ditch disown distance downplay dismiss
        override thwart scuttle sink derail torpedo stall halt defy disavow denigrate
        lampoon scorn doubt detest chastise admonish reprimand pillory malign
        discredit confront renounce fire oust depose expel disapprove shelve""",
    ),
}

# Verb + preposition/particle: the target is the preposition's object.
PHRASAL: dict[tuple[str, str], int] = {
    ("speak", "for"): 1,
    ("stick", "by"): 1,
    ("stand", "with"): 1,
    ("fight", "for"): 1,
    ("insist", "on"): 1,
    ("commit", "to"): 1,
    ("oppose", "to"): -1,
    ("come", "out"): 0,  # "came out for/against" is decided by the preposition below
    ("lash", "at"): -1,
    ("hit", "at"): -1,
    ("take", "at"): -1,  # "took aim at", "took a swipe at"
    ("turn", "on"): -1,
    ("break", "with"): -1,
    ("disagree", "with"): -1,
    ("agree", "with"): 1,  # not a deal struck with a party (frames.without_object)
    ("pour", "on"): -1,  # "poured cold water on"
    ("go", "after"): -1,
    ("fire", "at"): -1,
    ("crack", "on"): -1,
    ("rage", "at"): -1,
    ("hurl", "at"): -1,  # "hurled jabs at"
    ("lace", "into"): -1,
    ("unload", "on"): -1,
    ("pounce", "on"): -1,
    ("battle", "against"): -1,
    ("fight", "against"): -1,
    ("stand", "to"): -1,  # "stood up to"
    ("throw", "behind"): 1,  # "threw her support behind"
    ("stand", "behind"): 1,
    ("rally", "around"): 1,
    ("vouch", "for"): 1,
    ("advocate", "for"): 1,
    ("thumb", "at"): -1,  # "thumbed his nose at"
    ("point", "at"): -1,  # "pointed a finger at"
    ("raise", "about"): -1,  # "raised questions about"
    ("raise", "over"): -1,
    ("take", "with"): -1,  # "took issue with"
    ("throw", "on"): -1,  # "threw cold water on"
    ("put", "on"): -1,  # "put the brakes on"
    ("lobby", "against"): -1,
    ("caution", "against"): -1,
    ("distance", "from"): -1,  # "distanced herself from"
    ("turn", "against"): -1,
    ("cast", "for"): 1,  # "cast her vote for"
    ("cast", "against"): -1,
    # "ripped into", "tore into", "balked at", "scoffed at". Not "teed off on" or "worked
    # against" ("worked with Democrats against the deal"): the preposition alone says too
    # little.
    **dict.fromkeys(
        [
            ("rip", "into"),
            ("tear", "into"),
            ("align", "against"),
            ("balk", "at"),
            ("scoff", "at"),
            ("side", "against"),
        ],
        -1,
    ),
}
# Phrasal predicates that take a side only with their object: "took *aim* at", "poured cold
# *water* on", "pointed the *finger* at", "threw her *support* behind" (not "takes in the
# crowd at", "pointed at the map", "threw a party behind closed doors").
PHRASAL_OBJECTS: dict[tuple[str, str], frozenset[str]] = {
    ("take", "at"): frozenset({"aim", "swipe", "shot", "jab", "dig", "potshot", "stab", "swing"}),
    ("pour", "on"): frozenset({"water", "scorn", "cold"}),
    ("point", "at"): frozenset({"finger"}),
    ("raise", "about"): frozenset({"question", "flag", "alarm", "concern"}),
    ("raise", "over"): frozenset({"question", "flag", "alarm", "concern"}),
    ("cast", "for"): frozenset({"vote", "ballot"}),
    ("cast", "against"): frozenset({"vote", "ballot"}),
    ("thumb", "at"): frozenset({"nose"}),
    ("throw", "behind"): frozenset({"support", "weight"}),
    ("take", "with"): frozenset({"issue", "exception"}),  # not "took the stage with"
    ("throw", "on"): frozenset({"water", "cold", "doubt", "scorn"}),
    ("put", "on"): frozenset({"brake", "brakes"}),
    ("hurl", "at"): frozenset({"insult", "jab", "barb", "accusation", "abuse", "epithet", "slur"}),
}

# Verbs by which a subject makes the act or statement in its "into" or "with" phrase its own
# ("launched into an attack", "responded with a jab", "ended her speech with praise",
# "weighed in with a tweet backing Y"). Any other verb may receive, study or answer someone
# else's: "looked into the attack on Y", "disagreed with the criticism of Y", "charged X
# with assault on Y", "has been dealing with criticism of Y".
LAUNCHING = frozenset(
    {"launch", "respond", "reply", "retort", "counter", "retaliate", "hit", "strike", "fire"}
    | {"lash", "open", "begin", "start", "kick", "end", "close", "conclude", "wrap", "follow"}
    | {"weigh", "chime", "burst", "unleash", "break"}
)

# Nouns naming a position ("opponents of the bill", "his criticism of Y").
NOUNS: dict[str, int] = _polar(
    """supporter support backer backing endorsement ally advocate proponent champion
    defender defense defence praise fan admirer booster approval preference commitment
    enthusiasm importance necessity loyalist gratitude admiration pardon blessing confidence
    faith""",
    """opponent opposition critic criticism attack assault condemnation rejection
    denunciation foe enemy adversary detractor skeptic sceptic objection veto lawsuit
    suit complaint challenge boycott protest accusation allegation rebuke concern worry
    injunction skepticism scepticism misgiving qualm alarm disappointment
    scorn contempt disdain jab doubt frustration anger outrage disapproval""",
)
# Stance nouns whose owner is the *target* when written as a possessive ("Trump's critics").
TARGET_OWNERS = _lemmas(
    """opponent critic enemy foe adversary detractor supporter backer ally fan admirer
    defender loyalist"""
)
# Stance nouns naming people by their side: "emerged *as a critic* of Y" is the subject's.
STANCE_PEOPLE = TARGET_OWNERS | _lemmas("advocate proponent champion booster skeptic sceptic")
# Prepositions introducing a stance noun's target ("criticism *of* Y", "concerns *about* Y").
# "threw her support *behind* Y": the parser hangs "behind" on the verb, read for a stance
# noun that is the verb's object.
NOUN_PREPOSITIONS = frozenset(
    {"of", "to", "for", "on", "against", "about", "with", "at", "over", "behind"}
)
# Stance words whose target also follows "in" ("confidence in Y", "disappointed in Y"); for
# the others "in" is where ("opposition in the Senate").
IN_TARGETS = _lemmas("confidence faith disappointment disappointed")

# Legal and formal actions, and the prepositions that name where they are brought, not whom
# against: "filed the suit *at* the Federal High Court", "a complaint *with* the European
# Commission", "a protest *in* Brussels".
FORMAL_ACTIONS = frozenset(
    {"suit", "lawsuit", "complaint", "challenge", "protest", "objection", "injunction"}
)
FORUM_PREPOSITIONS = frozenset({"at", "with", "in", "before"})

# Nouns naming a position whose direction the preposition gives ("a campaign *against* Y",
# "his stance *against* Y", "a position *in favor of* Y", "a filibuster against the bill").
FRAMED_NOUNS = _lemmas(
    """campaign campaigning stance stand position fight battle war crusade push case argument
    vote petition filibuster tack offensive effort drive bid lobbying motion amendment
    call demand desire plea appeal request clamor clamour"""
)
FRAME_PREPOSITIONS: dict[str, int] = {"against": -1, "for": 1}
# Framed nouns addressed to someone: their verb's subject may be who receives them ("faced
# calls for his resignation"), so it owns them only after a verb that issues them (below)
# or takes a stance (:data:`VERBS`).
ADDRESSED_NOUNS = _lemmas("call demand plea appeal request clamor clamour")
ISSUING_VERBS = _lemmas(
    """make issue renew repeat echo voice lead join launch file lodge send submit add
    reiterate step up"""
)

# Nouns that, after "in", say which side a verb or a noun takes: "voted in favor of Y",
# "spoke in opposition to Y", "a rally in solidarity with Y", "marched in protest against Y".
ADVERBIAL_NOUNS: dict[str, int] = _polar(
    "support favor favour defense defence solidarity praise", "opposition protest defiance"
)

# Nouns naming someone's act: "praised *the efforts of* X" is also favor X.
ACT_NOUNS = _lemmas(
    """effort work leadership handling role decision action comment remark statement policy
    record response conduct behavior behaviour performance words stewardship service
    management approach"""
)

# Verbs that name what their object is: "called the plan a disaster", "described X as weak".
LABEL_VERBS = _lemmas(
    """call describe characterize characterise label brand dub term consider deem dismiss
    see view regard refer portray paint"""
)

# Adjectives with a complement ("opposed to", "critical of", "committed to").
ADJECTIVES: dict[str, int] = _polar(
    """supportive committed proud grateful thankful pleased happy enthusiastic favorable
    favourable sympathetic loyal approving""",
    """opposed critical skeptical sceptical wary hostile dismissive angry furious scathing
    frustrated unhappy disappointed concerned worried upset outraged disapproving""",
)

# Prepositions that carry a stance on their own in a predicate ("X is against Y").
PREPOSITIONS: dict[str, int] = {"against": -1, "for": 1}

# Modal necessity: "the powers are needed", "Y must be privatised".
NECESSITY = frozenset({"must", "should", "need", "ought", "necessary", "essential", "vital"})

# Judgements in a reported clause or a name given: "the plan was a mistake, X said", "called
# the bill 'a giveaway to corporations'". Words that judge their subject in news copy; not
# words of feeling about an event ("tragic", "shocking"), which are no stance, nor words
# that as often describe ("the historic old city", "a landmark building", "a damning report").
JUDGEMENTS: dict[str, int] = _polar(
    """good great right correct important necessary needed essential vital crucial fair
    smart wise success win victory excellent strong helpful beneficial hero patriot genius
    breakthrough milestone constructive sensible reasonable effective courageous
    pragmatic legitimate proportionate justified""",
    """mistake wrong bad terrible disaster disastrous failure illegal unconstitutional
    dangerous outrageous unacceptable reckless shameful disgrace disgraceful ridiculous
    absurd stupid dumb corrupt racist liar incompetent unfair irresponsible misguided
    flawed harmful damaging threat hoax scandal fraud lie lies traitor coward hypocrite
    bully clown loser puppet thug crook hitman unrealistic bailout giveaway handout sham
    stunt farce charade travesty betrayal insult undemocratic unjust unworkable unlawful
    misleading dishonest cynical bribery appalling nonsense overreach whitewash smear
    humiliating humiliation deplorable unjustified disproportionate blow slap
    protectionism blackmail sabotage scam""",
)

# Two-word judgements whose words alone judge nothing or the other way ("politically
# motivated": "motivated" reads as praise; "long overdue": "overdue" as blame), by lemma.
JUDGEMENT_PAIRS: dict[tuple[str, str], int] = {
    ("politically", "motivated"): -1,
    ("power", "grab"): -1,
    ("witch", "hunt"): -1,
    ("long", "overdue"): 1,
    ("step", "forward"): 1,
    ("common", "sense"): 1,
}

# Words of bigotry that abuse the one they name ("called Bannon an 'anti-Semitic Catholic'",
# "a bigot"), read in a name given only: in a reported clause they mostly describe what a
# victim suffered ("Jews faced anti-Semitic abuse"). After "anti-" they name its opponents.
ABUSIVE_NAMES = _lemmas(
    """antisemitic semitic bigot bigoted xenophobe xenophobic sexist misogynist homophobic
    fascist"""
)
