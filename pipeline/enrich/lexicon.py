"""Stance-bearing words: predicates, embedding verbs, and words that reverse a target.

All lists are lemmas. Polarity +1 is favor, -1 against.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a block of text: keeps long word lists compact."""
    return text.split()


# Verbs whose subject takes a stance toward their object ("X backed Y").
ATTITUDE_VERBS: dict[str, int] = {
    **dict.fromkeys(
        _words("""support back endorse praise welcome approve favor favour champion defend embrace
        hail applaud request demand propose accept advocate commend laud promote
        uphold ratify sign adopt urge prefer greenlight authorize authorise
        safeguard preserve"""),
        1,
    ),
    **dict.fromkeys(
        _words("""oppose reject condemn denounce criticise criticize veto block refuse slam
        decry resist protest dismiss boycott blast challenge rebuff spurn disavow
        repudiate lambaste lambast scrap oppose deplore revoke"""),
        -1,
    ),
}

# Verb + particle/preposition predicates; the target is the preposition's object.
# A key (lemma, word) matches a particle or preposition child; "sign off on" is
# ("sign", "on") with the particle "off" checked separately.
PHRASAL: dict[tuple[str, str], int] = {
    ("call", "for"): 1,
    ("push", "for"): 1,
    ("sign", "on"): 1,
    ("argue", "for"): 1,
    ("vote", "for"): 1,
    ("side", "with"): 1,
    ("lobby", "for"): 1,
    ("press", "for"): 1,
    ("agree", "to"): 1,
    ("agree", "on"): 1,
    ("appeal", "for"): 1,
    ("ask", "for"): 1,  # "asked for more money"; not what a reporter asks for (frames)
    ("campaign", "for"): 1,
    ("opt", "for"): 1,
    ("stand", "by"): 1,
    ("stand", "for"): 1,  # "stood up for": only with the particle (PARTICLES)
    ("settle", "on"): 1,
    ("rally", "behind"): 1,
    ("complain", "about"): -1,
    ("object", "to"): -1,
    ("vote", "against"): -1,
    ("argue", "against"): -1,
    ("warn", "against"): -1,
    ("speak", "against"): -1,
    ("campaign", "against"): -1,
    ("rail", "against"): -1,
    ("protest", "against"): -1,
    ("lash", "at"): -1,
    ("push", "against"): -1,
    ("walk", "from"): -1,
    ("back", "from"): -1,
    ("rule", "out"): -1,
}
# Particles required by some phrasal predicates ("sign *off* on", "walk *away* from").
PARTICLES: dict[tuple[str, str], str] = {
    ("sign", "on"): "off",
    ("walk", "from"): "away",
    ("back", "from"): "away",
    ("lash", "at"): "out",
    ("stand", "for"): "up",
    ("push", "against"): "back",
    ("speak", "against"): "out",
}
# Verb + particle whose *object* is the target: "called out Saudi Arabia (for the killing)",
# "voted down the repeal", "shot down the proposal". Read before the phrasal prepositions,
# so that "called out X for Y" is never "called for Y".
PARTICLE_VERBS: dict[tuple[str, str], int] = {
    ("call", "out"): -1,
    ("vote", "down"): -1,
    ("shoot", "down"): -1,
    ("shout", "down"): -1,
    ("talk", "up"): 1,
}
# Forces "called out" may deploy ("called out the military to guard the border") or criticise
# ("called out the police over the shooting"); those it deploys unless blamed for a wrong.
FORCES = frozenset(
    _words("""guard military army troops troop police reserve reserves militia soldier soldiers
    force forces marines navy""")
)
MUSTERED = frozenset(_words("guard reserve reserves militia"))
# What a force is called out for when it is blamed: "for the killing of", "for its treatment
# of", not "for the first time" or "for flood relief".
BLAME_NOUNS = frozenset(
    _words("""killing killings shooting shootings death deaths brutality failure failures
    treatment abuse abuses misconduct handling response violence conduct spending waste
    racism corruption collision collisions action actions behavior behaviour tactics role
    silence inaction atrocity atrocities violation violations coup aggression crackdown
    repression crime crimes profiling raid raids""")
)
# A particle that turns a stance verb into a retreat: "backed off the comment", "backed down"
# take no side toward the object ("backed away from the deal" is read by PHRASAL above).
RETREATS = frozenset({("back", "off"), ("back", "down"), ("back", "away"), ("back", "out")})

# Control verbs: "agreed to X" keeps X's polarity, "refused to X" reverses it.
EMBEDDING_VERBS: dict[str, int] = {
    **dict.fromkeys(
        _words("""agree want vow pledge promise plan decide seek try hope intend offer move prepare
        commit aim urge call ask press continue keep wish insist propose threaten
        vote choose strive challenge implore invite pressure dare"""),
        1,
    ),
    **dict.fromkeys(
        ["refuse", "decline", "reject", "oppose", "resist", "stop", "cease", "quit"], -1
    ),
}
# Adjectives that embed the same way: "ready to sign", "unwilling to accept".
EMBEDDING_ADJECTIVES: dict[str, int] = {
    **dict.fromkeys(["ready", "willing", "prepared", "eager", "keen", "determined", "open"], 1),
    **dict.fromkeys(["unwilling", "reluctant", "loath", "opposed"], -1),
}

# Verbs acting on their object that reveal a stance toward it when embedded:
# "pledged to *lift* sanctions" is against sanctions, "agreed to *extend* the truce" favor.
REVERSING_VERBS = frozenset(
    _words("""lift end halt stop suspend pause cut scrap cancel withdraw abandon drop ease
    repeal freeze abolish dismantle terminate reduce phase remove""")
)
SUSTAINING_VERBS = frozenset(
    _words("""extend continue resume expand increase boost provide send deliver supply impose keep
    maintain renew restore approve pass implement tighten fund finance raise sign
    ratify hold protect safeguard preserve""")
)


def act_direction(lemma: str) -> int:
    """An act's side toward its object: -1 for a reversing verb (lift, end, block), +1 for a
    sustaining one (send, extend), 0 for any other verb."""
    if lemma in REVERSING_VERBS:
        return -1
    return 1 if lemma in SUSTAINING_VERBS else 0


# Nouns that turn their complement's polarity: "an end to the war", "a ban on guns".
REVERSING_NOUNS = frozenset(
    _words("""cessation end halt suspension withdrawal removal lifting ban freeze moratorium
    repeal abolition cut cuts rollback""")
)

# Verbs reporting speech or a position: their subject owns the reported clause's stance.
SPEECH_VERBS = frozenset(
    _words("""say tell announce insist underscore stress warn argue claim add note state confirm
    reiterate emphasize emphasise signal indicate assure declare write tweet post suggest
    maintain contend believe think""")
)
# Verbs whose object is the addressee when a clause follows: "urged *both sides* to accept".
OBJECT_CONTROL = frozenset(
    _words("""urge ask press push encourage persuade call tell challenge implore invite pressure
    dare""")
)

# Intransitive verbs whose *subject* is the target in reported speech: "X would continue".
CONTINUE_VERBS = frozenset({"continue", "resume", "proceed"})
STOP_VERBS = frozenset({"end", "stop", "cease", "halt", "expire"})

NEGATORS = frozenset({"not", "n't", "never", "no"})

# Where or through what something was said: "applauded the move *on Twitter*", "attacked
# him *in an interview with CNN*", "*at a rally*". Such a phrase is never the target
# (:func:`pipeline.enrich.frames.is_venue`).
VENUE_PREPOSITIONS = frozenset({"on", "in", "at", "via", "through", "during", "over"})
MEDIA = frozenset(
    _words("""twitter facebook instagram youtube tiktok snapchat reddit linkedin telegram
    whatsapp cnn msnbc cnbc fox nbc abc cbs npr bbc pbs c-span television tv radio podcast
    air media""")
)
# Nouns a medium's name qualifies: "on *Fox* News", "on his *Twitter* account" (a "*TikTok*
# ban" or "*television* advertising" is no medium).
MEDIA_HEADS = frozenset(_words("news account page feed channel network station show program"))
VENUE_NOUNS = frozenset(
    _words("""interview rally speech appearance show broadcast conference briefing statement
    tweet post message video op-ed column editorial remarks address debate event forum
    meeting hall conversation chat""")
)
# Nouns for what was said or done, whose "on Twitter" is where: "Sessions' move on Twitter",
# "his remarks on Fox News"; after any other noun the phrase is the topic ("the restrictions
# on the media", "the bill on TikTok").
SAID_NOUNS = frozenset(
    _words("""move post remark remarks statement comment comments message tweet announcement
    decision video ad appearance speech interview response reaction attack""")
)
