"""Construction rules that reach stances the basic sources of :mod:`candidates` miss.

Each rule records its own ``source`` so that the trained model learns how far to trust it:

* ``adjunct`` — a stance verb with no subject of its own takes the holder of what its clause
  hangs on: "Corker's statement *criticizing* the President" (the possessor), "the first
  senator *to endorse* Trump" (the subject the noun is said of), "explained the decision by
  *accusing* Acosta" (the subject of the verb the preposition hangs on), "Obama's tax plan
  *calls for* Y" (the owner of a subject that is no holder itself);
* ``possessive`` — a stance noun owned by a possessive pronoun: "*his* criticisms of his
  staff" (the pronoun resolved to the entity it refers to);
* ``apposition`` — a stance noun in apposition to a named holder: "Noel, a vocal opponent of
  the monument";
* ``stance_noun`` — a noun whose preposition gives the direction: "a campaign *against* the
  media", "his stance *against* illegal immigration", "a position *in favor of* X", "waged a
  filibuster against the bill";
* ``necessity`` — what a speaker says must, should, has to or needs to happen, or is needed:
  "'We have to secure our borders,' Trump said" -> Trump favor "securing borders";
* ``pronoun_target`` — a stance verb's object pronoun resolved to the entity it refers to
  (never the verb's own subject): "Obama also endorsed *her*" -> the woman named before;
* ``complement`` — the actor of an act a stance verb is about: "praised the efforts of X",
  "criticised Y's handling of the crisis" -> also X, Y;
* ``label`` — a holder naming what something is: "Perry called the case 'outrageous'",
  "described the movement as weak", "referred to his remarks as 'wild speculation'";
* ``relative_object`` — a stance verb whose object is a relative pronoun judges the noun its
  clause modifies: "Mr. Cohn, *whom* he has aggressively criticized";
* ``colon_speaker`` — a name and a colon opening a sentence ("Clapper: Trump rhetoric ...
  alarming allies") speak what follows; its subjects, objects and actions are targets.

Every rule looks at a bounded neighbourhood of one token, so the whole pass stays linear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from spacy.tokens import Token

from pipeline.enrich import cues
from pipeline.enrich import gazetteer as gz
from pipeline.enrich import lexicon as lx
from pipeline.enrich.entities import Cluster
from pipeline.enrich.frames import (
    Target,
    agent_of,
    asks,
    bare_adjective,
    compose,
    is_medium,
    is_passive,
    is_venue,
    mismatched_conjunct,
    named_clauses,
    negated,
    not_a_demand,
    particle_of,
    particle_reading,
    per_token,
    prep_targets,
    retreat_from_stance,
    sideless_sense,
    with_particle_preps,
    without_object,
)
from pipeline.enrich.holders import HOLDER_LABELS, conjuncts, one_member, platform
from pipeline.enrich.mentions import in_title_run
from pipeline.enrich.tone import polarity

if TYPE_CHECKING:
    from pipeline.enrich.candidates import Candidate, SentenceReader

_VERBAL = frozenset({"VERB", "AUX"})
_NOMINAL = frozenset({"NOUN", "PROPN"})
_MAX_CLIMB = 4  # clause levels climbed to find an adjunct's owner
_MODALS = frozenset({"must", "should", "ought"})
NEED_HEADS = frozenset({"have", "need"})  # "have to", "need to"
_NEEDED = frozenset({"needed", "necessary", "essential", "vital", "required"})


def verb_reading(tok: Token) -> tuple[int, list[Token]]:
    """A stance verb's direction and its object tokens: phrasal ("pushed back against Y")
    first, then the verb's own object ("attacked Y"); (0, []) for any other word."""
    lemma = tok.lemma_.lower()
    particled = particle_reading(tok)
    if particled is not None:
        return particled[0], particled[1]
    for prep in with_particle_preps(tok):
        if prep.dep_ not in {"prep", "prt"}:
            continue
        key = (lemma, prep.lower_)
        if without_object(tok, key) or not_a_demand(tok, key):
            continue
        polarity = cues.PHRASAL.get(key) or lx.PHRASAL.get(key)
        needed = lx.PARTICLES.get(key)
        if polarity and (needed is None or particle_of(tok) == needed):
            objects = prep_targets(prep)
            if objects and not retreat_from_stance(tok, objects):
                return polarity, objects
    if takes_to_court(tok):
        return -1, [c for c in tok.children if c.dep_ == "dobj"]
    polarity = cues.VERBS.get(lemma, 0)
    if not polarity or sideless_sense(tok):
        return 0, []  # "sent his troops to blast the targets": force, no side (as the verb rule)
    objects = [c for c in tok.children if c.dep_ in {"dobj", "dative"}]
    if not objects:
        objects = [
            o
            for p in tok.children
            if p.dep_ == "prep" and p.lower_ in {"on", "against", "for", "to", "of", "at"}
            for o in prep_targets(p)
        ] or named_clauses(tok)
    return polarity, objects


_TO_COURT = frozenset({"take", "drag", "haul", "bring"})
_COURTS = frozenset({"court", "tribunal", "arbitration"})
_DISPUTES = frozenset(
    {"case", "matter", "dispute", "fight", "issue", "claim", "challenge", "complaint", "it"}
)


def takes_to_court(tok: Token) -> bool:
    """ "would take the Commission to court", "hauled X before a tribunal": against X, as
    "sued X" is (the guidelines' "takes to court")."""
    lemma = tok.lemma_.lower()
    if tok.pos_ != "VERB" or lemma not in _TO_COURT:
        return False
    if any(c.dep_ == "dobj" and c.lemma_.lower() in _DISPUTES for c in tok.children):
        return False  # "take the dispute to court": the dispute is no side
    prepositions = {"before"} if lemma == "bring" else {"to", "before"}
    return any(
        p.dep_ == "prep"
        and p.lower_ in prepositions
        and any(o.dep_ == "pobj" and o.lemma_.lower() in _COURTS for o in p.children)
        for p in tok.children
    )


# Verbs by which a subject puts out what a platform carries: "posted a message on Facebook
# attacking Y" is the poster's attack.
_PUBLISHING = frozenset(
    {"post", "tweet", "write", "publish", "release", "share", "upload", "put", "send"}
)


def adjunct(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """A subjectless stance verb owned by the clause it hangs on (see the module doc)."""
    if tok.pos_ != "VERB" or agent_of(tok) is not None:
        return
    polarity, objects = s.reading(tok)
    if not polarity or not objects or s.reader.subject_holders(tok).entities:
        return
    if any(c.dep_ == "nsubj" and platform(c) for c in tok.children):
        # "posted a message on Facebook attacking Y": the poster attacks Y
        poster = tok.head
        while poster.pos_ not in _VERBAL and poster.head.i != poster.i:
            poster = poster.head
        if poster.lemma_.lower() in _PUBLISHING:  # not "criticized videos on YouTube praising Y"
            owners = s.reader.subject_holders(poster).entities
            yield from s.emit((owners, "adjunct"), objects, tok, "adjunct", polarity, keep=True)
        return
    _, top = compose(tok, polarity)
    if top is not tok and s.reader.subject_holders(top).entities:
        return  # a control chain the ordinary rules read ("refused to back Y")
    owners = clause_owner(s, top)
    subject = next((c for c in top.children if c.dep_ == "nsubj" and c.pos_ in _NOMINAL), None)
    if not owners and subject is not None:
        owners = noun_owner(s, subject)  # "Obama's tax plan calls for Y"
    if owners:
        yield from s.emit((owners, "adjunct"), objects, tok, "adjunct", polarity, keep=True)


def clause_owner(s: SentenceReader, verb: Token) -> list[Cluster]:
    """Who owns a subjectless clause: climb preposition complements, adverbial clauses and
    coordination to a verb with a subject, or stop at the noun a participle modifies."""
    node = verb
    for _ in range(_MAX_CLIMB):
        head = node.head
        if head.i == node.i:
            return []
        if node.dep_ == "pcomp" and head.dep_ == "prep":  # "by accusing Y", "after defending Y"
            if reason_of_object(head):
                return []  # "criticized X for backing Y": X backed Y (:mod:`reasons`)
            node = head.head
        elif mismatched_conjunct(node):
            return []  # "… to get Clinton elected and bashing Trump": not the subject of elected
        elif node.dep_ in {"advcl", "xcomp", "conj"} and head.pos_ in _VERBAL:
            node = head
        elif node.dep_ in {"acl", "relcl"} and head.pos_ in _NOMINAL and is_medium(head):
            node = head.head.head  # "posted on Twitter accusing Y": the poster accuses
        elif node.dep_ in {"acl", "relcl"} and head.pos_ in _NOMINAL:  # "the first to back Y"
            return noun_owner(s, head)
        else:
            return []
        if node.pos_ in _NOMINAL:
            return noun_owner(s, node)
        found = s.reader.subject_holders(node).entities
        if found:
            return found
    return []


def reason_of_object(prep: Token) -> bool:
    """Is ``prep`` the "for" (or "of") of a stance verb that has an object: "criticized X
    *for* backing Y", "accused X *of* blocking Y", "X was praised *for* ...": the act is the
    object's, not the subject's."""
    verb = prep.head
    lemma = verb.lemma_.lower()
    if prep.lower_ not in {"for", "of"} or verb.pos_ != "VERB" or lemma not in cues.VERBS:
        return False
    if prep.lower_ == "of" and lemma not in REASON_OF_VERBS:
        return False
    return per_token(verb, _JUDGES_OBJECT, _has_object)  # once per verb, not per phrase


def _has_object(verb: Token) -> bool:
    return any(c.dep_ in {"dobj", "nsubjpass"} for c in verb.children)


_JUDGES_OBJECT = "newsflow.judges_object"  # the doc's user_data key of reason_of_object()


# Judgements whose "of" phrase, not only their "for" phrase, names the act ("accused X of").
REASON_OF_VERBS = frozenset({"accuse", "suspect", "convict", "charge"})


# What a statement says is its author's: "X issued a *statement* condemning Y", "sent a
# *letter* urging Y", "posted a *tweet* praising Y" (the author is the verb's subject).
_STATEMENTS = frozenset(
    {"statement", "letter", "tweet", "post", "message", "resolution", "motion", "op-ed", "email"}
)


def noun_owner(s: SentenceReader, noun: Token) -> list[Cluster]:
    """The holder a noun stands for or belongs to: its possessor ("Corker's statement", "his
    campaign"), the entity it names, for "X was the first senator to ..." the subject, and
    for a statement the subject of the verb it is the object of ("X issued a statement") or
    that it comes with ("X responded with a statement")."""
    holders = s.owner.holders
    titled = holders.role_holder(s.field, noun)
    if titled is not None:
        return [titled]  # "China's ambassador", named in the article
    poss = next((c for c in noun.children if c.dep_ == "poss"), None)
    if poss is not None:
        if noun.lemma_.lower() in cues.TARGET_OWNERS:
            return []  # "Trump's allies attacked X": the allies act, not Trump
        if noun.pos_ == "PROPN" and not in_title_run(noun):
            # "Time magazine's Person of the Year praised X": a name acts, not Time (a
            # Title-Case headline capitalises common nouns: "Biden's Budget Proposal Calls")
            return []
        return [c for c in holders.possessor(s.field, poss) if c.label in HOLDER_LABELS]
    named = s.owner.doc.entity_of(s.field, noun)
    if named is not None:
        if named.label == "NORP" and one_member(noun):
            return []  # "a Republican": one person, unnamed
        return [named] if named.label in HOLDER_LABELS else []
    if noun.dep_ == "attr":
        return s.reader.subject_holders(noun.head).entities
    if noun.dep_ == "dobj" and noun.lemma_.lower() in _STATEMENTS:
        return s.reader.subject_holders(noun.head).entities  # "X issued a statement ..."
    if noun.dep_ == "pobj" and noun.lemma_.lower() in _STATEMENTS and noun.head.lower_ == "with":
        verb = noun.head.head  # "X responded with a statement ...", "weighed in with a tweet"
        if verb.lemma_.lower() in cues.LAUNCHING and not _received_with(verb, noun):
            return s.reader.subject_holders(verb).entities  # not "disagreed with a statement"
    if noun.dep_ == "appos":
        owner = s.owner.doc.entity_of(s.field, noun.head)
        return [owner] if owner is not None and owner.label in HOLDER_LABELS else []
    return []


def possessive(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """A stance noun of :data:`cues.NOUNS` owned by a possessive pronoun ("his criticism of
    Y"); named possessors ("Corker's criticism") are the ``noun`` source's."""
    lemma = tok.lemma_.lower()
    if tok.pos_ != "NOUN" or lemma not in cues.NOUNS or lemma in cues.TARGET_OWNERS:
        return
    poss = next((c for c in tok.children if c.dep_ == "poss" and c.pos_ == "PRON"), None)
    if poss is None:
        return
    owners = s.owner.holders.possessor(s.field, poss)
    objects = prep_objects(tok)
    yield from s.emit((owners, "possessive"), objects, tok, "possessive", cues.NOUNS[lemma])


def stance_noun(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """ "Trump's campaign against the media", "waged a filibuster against the bill", "his
    position in favor of X": the preposition gives the direction, the owner holds it."""
    if tok.pos_ != "NOUN" or tok.lemma_.lower() not in cues.FRAMED_NOUNS:
        return
    for prep in tok.children:
        if prep.dep_ != "prep":
            continue
        polarity = cues.FRAME_PREPOSITIONS.get(prep.lower_, 0)
        objects = [c for c in prep.children if c.dep_ in {"pobj", "pcomp"}]
        if prep.lower_ == "in" and any(o.lower_ in {"favor", "favour"} for o in objects):
            polarity = 1  # "in favor of X": the object of "of"
            objects = [
                g
                for o in objects
                for p in o.children
                if p.dep_ == "prep" and p.lower_ == "of"
                for g in p.children
                if g.dep_ in {"pobj", "pcomp"}
            ]
        if polarity and objects:
            owners, verb = _framed_owner(s, tok)
            judged = cues.VERBS.get(verb.lemma_.lower(), 0) if verb is not None else 0
            if verb is not None and judged:
                # "rejected calls for Y" is against Y, "backed calls for Y" favours it
                polarity *= compose(verb, judged)[0]
            yield from s.emit((owners, "owner"), objects, tok, "stance_noun", polarity)


def _framed_owner(s: SentenceReader, noun: Token) -> tuple[list[Cluster], Token | None]:
    """Possessor, named modifier ("Trump attacks on Y"), the "by" or "from" phrase ("calls
    by X for Y", "demands from X for Y"), or the subject of the verb the noun is the object
    of ("X waged a campaign against Y", "X backed calls for Y"; that verb is returned too,
    its own direction applying). A call, demand or plea is its subject's only when the verb
    takes a stance or issues it ("made", "renewed", "joined"), not when it receives it."""
    owners = noun_owner(s, noun)
    if owners:
        return owners, None
    for child in noun.children:
        if child.dep_ in {"compound", "amod", "nmod"}:
            named = s.owner.doc.entity_of(s.field, child)
            if named is not None and named.label in HOLDER_LABELS:
                return [named], None
        if child.dep_ == "prep" and child.lower_ in {"by", "from"}:
            found = [
                e
                for o in child.children
                if o.dep_ == "pobj"
                for e in s.owner.holders.resolve(s.field, o).entities
            ]
            if found:
                return found, None
    if noun.dep_ in {"dobj", "attr"} and noun.head.pos_ in _VERBAL:
        verb = noun.head
        lemma = verb.lemma_.lower()
        if (
            noun.lemma_.lower() in cues.ADDRESSED_NOUNS
            and lemma not in cues.VERBS
            and lemma not in cues.ISSUING_VERBS
        ):
            # "faced calls for his resignation", "ignored a plea for clemency": the subject
            # is who the call is addressed to, not who makes it
            return [], None
        return s.reader.subject_holders(verb).entities, verb
    return [], None


def prep_objects(tok: Token, forum: bool = False) -> list[Token]:
    """Objects of the prepositions that introduce a stance word's target ("criticism *of*
    Y", "focus *on* Y"); with ``forum``, not those naming where a formal action is brought
    (:data:`cues.FORUM_PREPOSITIONS`)."""
    # "confidence in Y"; "the confidence of investors" names whose it is
    within = tok.lemma_.lower() in cues.IN_TARGETS or tok.lower_ in cues.IN_TARGETS
    return [
        obj
        for prep in tok.children
        if prep.dep_ == "prep"
        and (prep.lower_ in cues.NOUN_PREPOSITIONS or (within and prep.lower_ == "in"))
        and not (within and prep.lower_ == "of")
        and not (forum and prep.lower_ in cues.FORUM_PREPOSITIONS)
        for obj in prep_targets(prep)
    ]


def _received_with(verb: Token, noun: Token) -> bool:
    """Is the statement in a launching verb's "with" phrase someone else's: the subject
    receives it ("was hit with a letter criticizing Y"), it names its author ("responded
    with a statement from his lawyers"), or the subject only ended up with it?"""
    return (
        is_passive(verb)
        or particle_of(verb) == "up"
        or any(c.dep_ == "prep" and c.lower_ in {"from", "by"} for c in noun.children)
    )


def noun_objects(s: SentenceReader, tok: Token) -> list[Token]:
    """A stance noun's targets: its prepositions' objects, and for a noun whose owner is its
    target, a name before it ("X, an early Trump *supporter*", "X is a NATO *critic*", "one
    of Mr. Obama's key *supporters*, X"); not as a subject, where the name is the group
    holding the stance ("GOP critics said")."""
    if tok.lemma_.lower() == "challenge" and any(
        c.dep_ == "acl" and c.pos_ == "VERB" and any(a.lower_ == "to" for a in c.children)
        for c in tok.children
    ):
        return []  # "a challenge to Congress to approve Y" dares Congress: Y is the target
    lemma = tok.lemma_.lower()
    found = prep_objects(tok, forum=lemma in cues.FORMAL_ACTIONS)
    if lemma in cues.TARGET_OWNERS and tok.dep_ not in {"nsubj", "nsubjpass"}:
        for child in tok.children:
            named = s.owner.doc.entity_of(s.field, child)
            if named is None or child.dep_ not in {"compound", "amod", "poss"}:
                continue
            if child.dep_ == "amod" and named.label == "NORP":
                continue  # "a Republican critic of Y", "his Democratic opponent": their own
            if child.dep_ == "poss" and lemma == "opponent":
                continue  # "Moore's opponent, Doug Jones": a race's, not an opposition
            found.append(child)
    return found


def described(tok: Token) -> Token:
    """The word whose role says whom a stance noun describes: the noun itself, or "one" in
    "one of the harshest *critics* of Y" (who is one of them is the critic), or the group
    in "joined the chorus / the ranks of *critics* of Y"."""
    of = tok.head
    if tok.dep_ != "pobj" or of.lower_ != "of":
        return tok
    if of.head.lower_ == "one" or of.head.lemma_.lower() in _GROUPS:
        return of.head
    return tok


# Groups one joins or leads: "joined the growing chorus of critics of Y".
_GROUPS = frozenset({"chorus", "rank", "ranks", "camp", "legion", "coalition", "army"})
# Verbs by which the subject becomes one of a group of people named by their stance.
JOINING = frozenset({"join", "lead", "swell"})


def necessity(s: SentenceReader, speakers: list[Cluster], via: str) -> Iterator[Candidate]:
    """What a speaker says must / should / has to / needs to happen, or is needed."""
    if not speakers:
        return
    for tok in s.sent:
        found = _necessary(tok)
        if found is not None:
            polarity, anchor, targets_from = found
            label = anchor.lemma_.lower()
            yield from s.each(speakers, targets_from, anchor, "necessity", polarity, via, label)


def _necessary(tok: Token) -> tuple[int, Token, list[Token]] | None:
    """(direction, anchor, tokens the target is read from) when ``tok`` is a necessity:
    "must / should / ought to / has to / needs to V Y" -> the action "V-ing Y"; "Y must be
    V-ed", "Y is needed" -> Y."""
    if tok.pos_ == "VERB" and tok.lemma_ != "be":
        modal = any(c.dep_ == "aux" and c.lower_ in _MODALS for c in tok.children)
        head = tok.head
        # not "has yet to apologize", which says it has not happened, nor "has to do with"
        need = (
            tok.dep_ == "xcomp"
            and head.lemma_.lower() in NEED_HEADS
            and not any(c.lower_ == "yet" for c in head.children)
            and not (tok.lemma_ == "do" and any(c.lower_ == "with" for c in tok.children))
        )
        if not modal and not need:
            return None
        denied = negated(tok) or (need and negated(head))
        polarity = -1 if denied else 1
        if is_passive(tok):
            # "Y must be repealed / fired" asks that Y go: against Y; "… be privatised", for
            subjects = [c for c in tok.children if c.dep_ == "nsubjpass"]
            return (-polarity if asks(tok) < 0 else polarity), tok, subjects
        if tok.lemma_.lower() in {"have", "need"}:
            return None
        if not any(c.dep_ == "dobj" for c in tok.children):  # "should focus on Y"
            return polarity, tok, prep_objects(tok)
        return polarity, tok, [tok]
    if tok.lower_ in _NEEDED and tok.dep_ in {"acomp", "ROOT", "ccomp", "conj"}:
        verb = tok.head if tok.dep_ == "acomp" else tok
        subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
        return (-1 if negated(verb) else 1), tok, subjects
    return None


def pronoun_target(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """ "Obama endorsed *her*": the object pronoun resolved to the entity named before; and
    "*she* was endorsed by X": a passive's pronoun subject, X holding the stance."""
    yield from _object_entities(
        s,
        tok,
        "pronoun_target",
        lambda o: o.pos_ == "PRON",
        lambda o, owners: s.owner.holders.object_referent(s.field, o, owners),
    )
    yield from _passive_pronoun(s, tok)


def _passive_pronoun(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    # Every token of every sentence comes here: the look-up before the parse walk.
    polarity = cues.VERBS.get(tok.lemma_.lower(), 0) if tok.pos_ == "VERB" else 0
    agent = agent_of(tok) if polarity else None
    if agent is None:
        return
    subject = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
    if subject is None or subject.pos_ != "PRON":
        return
    owners = s.owner.holders.resolve(s.field, agent).entities
    prior = -polarity if negated(tok) else polarity
    label, text = tok.lemma_.lower(), s.sentence.text
    for entity in s.owner.holders.resolve(s.field, subject).entities:
        if any(entity is h for h in owners):
            continue  # never one's own target
        target = Target(entity.name, "entity", 1)
        for h in owners:
            yield s.make(h, target, tok, "pronoun_target", prior, "agent", label, text, subject)


def _object_entities(
    s: SentenceReader,
    tok: Token,
    source: str,
    keep: Callable[[Token], bool],
    referents: Callable[[Token, list[Cluster]], list[Cluster]],
) -> Iterator[Candidate]:
    """The objects of an active stance verb that ``keep`` selects stand for the entities
    ``referents`` finds (never the verb's own holders): those are targets of the holders."""
    if tok.pos_ != "VERB" or agent_of(tok) is not None:
        return  # passive: the subject is the target, read by the other rules
    polarity, objects = s.reading(tok)
    chosen = [o for o in objects if keep(o)]
    if not polarity or not chosen:
        return
    prior, top = compose(tok, polarity)
    owners = s.reader.subject_holders(top).entities or clause_owner(s, top)
    label, text = tok.lemma_.lower(), s.sentence.text
    for obj in chosen if owners else []:
        for entity in referents(obj, owners):
            if any(entity is h for h in owners):
                continue
            target = Target(entity.name, "entity", 1)
            for h in owners:
                yield s.make(h, target, tok, source, prior, "subject", label, text, obj)


_COLON_LEAD = 8  # a speaker's name before a colon starts the sentence: "Clapper: ..."
_COLON_TARGETS = 6  # targets read from what follows the colon, in text order
_COLON_SPAN = 40  # tokens after the colon read for targets
_COLON_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "attr", "appos"})


def colon_speaker(s: SentenceReader) -> Iterator[Candidate]:
    """ "Alan Dershowitz: Trump 'perfectly entitled to invoke executive privilege'": a name
    and a colon opening a sentence (a headline, an interview) make that name the speaker of
    what follows; its subjects, objects and actions are the targets."""
    sent = s.sent
    colon = next((t for t in sent[:_COLON_LEAD] if t.text == ":"), None)
    if colon is None or colon.i == sent.start or colon.i + 1 >= sent.end:
        return
    lead = sent.doc[colon.i - 1]
    if is_venue(lead):
        return  # "Trump fired back on Twitter:": where he said it, not who
    speaker = s.owner.doc.entity_of(s.field, lead)
    if speaker is None or speaker.label not in HOLDER_LABELS:
        return
    span = sent.doc[colon.i + 1 : min(sent.end, colon.i + 1 + _COLON_SPAN)]
    seen: set[str] = set()
    found = 0
    for tok in span:
        if found >= _COLON_TARGETS:
            return
        nominal = tok.dep_ in _COLON_DEPS and tok.pos_ in _NOMINAL
        action = tok.pos_ == "VERB" and any(c.dep_ == "dobj" for c in tok.children)
        if not (nominal or action):
            continue
        for target in s.reader.targets(tok):
            if target.text in seen or s.owner.doc.entity_of(s.field, tok) is speaker:
                continue
            seen.add(target.text)
            found += 1
            yield s.make(
                speaker,
                target,
                colon,
                "colon_speaker",
                0,
                "speaker",
                "",
                s.sentence.text,
                tok,
            )


_COMPLEMENT_DEPS = frozenset({"oprd", "xcomp", "ccomp", "acomp", "attr"})


def names_object(verb: Token) -> bool:
    """Does a label verb give its object a name: a complement ("called it disturbing") or
    "as" ("described it as weak")?"""
    return any(
        c.dep_ in _COMPLEMENT_DEPS
        or (c.dep_ == "prep" and c.lower_ == "as")
        or (c.dep_ == "dobj" and stray_name(c) is not None)
        for c in verb.children
    )


# What sets off a true apposition; a quotation mark opens a name ('branded it "a sham"').
_SETTING_OFF = frozenset({",", "(", "-", "–", "—"})


def _judging_apposition(s: SentenceReader, obj: Token) -> Token | None:
    """The name the parser hung on the object as an apposition ("branded the bill a
    *disgrace*"), when it judges; not one set off by a comma, a bracket or a dash, a true
    apposition ("called Tom Reed, the party chairman, on Sunday" phoned him)."""
    appos = next((c for c in obj.children if c.dep_ == "appos"), None)
    if appos is None or obj.doc[appos.left_edge.i - 1].text in _SETTING_OFF:
        return None
    return appos if name_direction(s, appos) else None


def stray_name(obj: Token) -> Token | None:
    """The name a label verb gives that the parser hung inside its object's own phrase, as
    an adjective ending it as a preposition's object ("called the allegations against Joyce
    *disturbing*", read as a second object of "against")."""
    last = obj.doc[obj.right_edge.i]
    last = last.head if last.dep_ == "advmod" else last
    return last if last.dep_ == "pobj" and bare_adjective(last) else None


# Verbs that judge their object by what they liken it to: "compared the bill to theft".
_LIKENING = frozenset({"compare", "liken", "equate"})


def _likened(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """ "likened Reed to a dictator": a name given by comparison, judged as one given by
    "called". "Compared" only with a name that judges ("compared the figures to last
    year's" gives none); a likening is a judgement even in words the lexicons do not know,
    so the model reads it without a direction."""
    objects = [c for c in tok.children if c.dep_ == "dobj"]
    name = next(
        (
            o
            for p in tok.children
            if p.dep_ == "prep" and p.lower_ in {"to", "with"}
            for o in p.children
            if o.dep_ == "pobj"
        ),
        None,
    )
    if not objects or name is None:
        return
    prior = name_direction(s, name)
    owners = s.reader.subject_holders(tok).entities
    if (prior or tok.lemma_.lower() != "compare") and owners and not negated(tok):
        yield from s.each(owners, objects, tok, "label", prior, "subject", tok.lemma_.lower())


def label(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """ "Perry called the case 'outrageous'", "Nuland referred to his remarks as 'wild
    speculation'": the holder judges the object by the name given to it; the direction is
    that of the judgement words of the name (0 when it has none)."""
    lemma = tok.lemma_.lower()
    if tok.pos_ == "VERB" and lemma in _LIKENING:
        yield from _likened(s, tok)
        return
    if tok.pos_ != "VERB" or lemma not in cues.LABEL_VERBS:
        return
    if lemma == "refer":
        objects = [
            o for p in tok.children if p.lower_ == "to" for o in p.children if o.dep_ == "pobj"
        ]
    else:
        objects = [c for c in tok.children if c.dep_ == "dobj"]
    if not objects:
        return
    # "referred to X as Y" names X only through "as" ("making clear he was referring to X":
    # the parser hangs "clear" on "referring")
    name = (
        None
        if lemma == "refer"
        else next((c for c in tok.children if c.dep_ in _COMPLEMENT_DEPS), None)
    )
    if name is None:
        name = next(
            (
                o
                for head in (tok, objects[0])
                for p in head.children
                if p.dep_ == "prep" and p.lower_ == "as"
                for o in p.children
                if o.dep_ in {"pobj", "pcomp"}
            ),
            None,
        )
    if name is None and lemma != "refer":
        name = stray_name(objects[0]) or _judging_apposition(s, objects[0])
    if name is None:
        return
    owners = s.reader.subject_holders(tok).entities or clause_owner(s, tok)
    if owners:
        # "did not call McCain a hero" gives no side, as "did not criticize Y" gives none;
        # denied even when the name carries no judgement word the lexicon knows ("never
        # called him a friend"): a name given is a judgement, a name withheld is none
        denied = negated(tok)
        prior = 0 if denied else name_direction(s, name)
        yield from s.each(owners, objects, tok, "label", prior, "subject", lemma, denied=denied)


_NAME_TOKENS = 30  # a name given is read from at most this many tokens


def _abusive(name: Token) -> int:
    """-1 when a name given holds a word of bigotry (:data:`cues.ABUSIVE_NAMES`) not after
    "anti-" ("an 'anti-Semitic Catholic'", "a bigot"; not "an anti-fascist"), else 0."""
    doc = name.doc
    for tok in doc[name.left_edge.i : name.i + 1]:
        if tok.lemma_.lower() not in cues.ABUSIVE_NAMES:
            continue
        before = doc[max(0, tok.i - 2) : tok.i]
        if tok.lemma_.lower() == "semitic" or not any(t.lower_ == "anti" for t in before):
            return -1
    return 0


_NAME_COMPOUND = 0.3  # VADER compound a name needs to count as praise or abuse


def name_direction(s: SentenceReader, name: Token) -> int:
    """Direction of a name given to someone or something: the judgement words first ("a
    'disgraceful liar'"), else the VADER lexicon's reading of the name up to its head word,
    which knows far more words of praise and abuse ("a killer", "a close friend", "a trusted
    adviser", "the enemy of the people") and reads their negations; a name neither knows
    gives 0."""
    judged = s.judged(name, relatives=False) or _abusive(name)
    if judged:
        return judged
    # the name itself, its head and what stands before it: "a fighter against terrorism"
    # is no abuse, "a solution to the crisis" no attack on the crisis
    start = name.left_edge.i
    text = name.doc[start : min(name.i + 1, start + _NAME_TOKENS)].text
    compound = polarity(text)["compound"]
    return (compound >= _NAME_COMPOUND) - (compound <= -_NAME_COMPOUND)


def apposition(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """ "Noel, a vocal *opponent* of the monument", "Greenwald, a journalist and longtime
    *critic* of the war on terror": a stance noun in apposition to (or coordinated with an
    apposition to) a named holder."""
    lemma = tok.lemma_.lower()
    if tok.pos_ != "NOUN" or lemma not in cues.NOUNS:
        return
    node = described(tok)
    for _ in range(_MAX_CLIMB):
        if node.dep_ != "conj" or node.head.i == node.i:
            break
        node = node.head
    named = _apposed_holder(s, node)
    if named is None or named.label not in HOLDER_LABELS:
        return
    objects = noun_objects(s, tok)
    yield from s.emit(([named], "apposition"), objects, tok, "apposition", cues.NOUNS[lemma])


def _apposed_holder(s: SentenceReader, node: Token) -> Cluster | None:
    """The named one a stance noun (or the "one" of "one of the critics") stands in
    apposition with: the name it follows ("Noel, a vocal opponent of Y"), also past an
    apposition between them that names no one ("Mark Amodei, R-Nev., an early Trump
    supporter", "Tom Cotton, a Republican, a critic of Y"), or the name that follows it
    ("One of Mr. Obama's key supporters, former adviser David Axelrod, ...")."""
    doc = s.owner.doc
    head = node
    for _ in range(2):  # the name, or one apposition naming no one ("R-Nev.") before it
        if head.dep_ != "appos" or head.head.i == head.i:
            break
        head = head.head
        named = doc.entity_of(s.field, head)
        if named is not None and not (named.label == "NORP" and one_member(head)):
            return named  # "Tom Cotton, a Republican, a frequent critic of Y": Cotton
    follower = next((c for c in node.rights if c.dep_ == "appos"), None)
    return None if follower is None else doc.entity_of(s.field, follower)


def complement(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """ "praised the efforts of X", "criticised Y's handling of the crisis": a stance verb
    whose object is someone's act also takes that someone (possessor or "of" object) as a
    target."""
    yield from _object_entities(
        s,
        tok,
        "complement",
        lambda o: o.pos_ == "NOUN" and o.lemma_.lower() in cues.ACT_NOUNS,
        lambda o, _: _act_owners(s, o),
    )


def _possessor_as_target(s: SentenceReader, poss: Token) -> list[Cluster]:
    """Who a possessive names as a target: as for a holder ("the senator's remarks" are the
    senator's named before), but an organisation's role ("the council's decision") only as
    strictly as a role target is resolved — a council named before, never the nearest
    organisation of no stated kind (the League of Women Voters that hosted the debate)."""
    holders = s.owner.holders
    if poss.lemma_.lower() not in gz.ORG_ROLES or s.owner.doc.entity_of(s.field, poss):
        return holders.possessor(s.field, poss)
    named = holders.described_organisation(s.field, poss)
    return [named] if named is not None else []


def _act_owners(s: SentenceReader, act: Token) -> list[Cluster]:
    """Who did an act: its possessor ("Y's handling") or the object of its "of" / "by"."""
    found: list[Cluster] = []
    titled = False  # is an actor a bare title ("the efforts of U.S. Ambassador")?
    for child in act.children:
        if child.dep_ == "poss":
            found += _possessor_as_target(s, child)
        elif child.dep_ == "prep" and child.lower_ in {"of", "by"}:
            titled = _add_actors(s, child, found, None) or titled
    if titled:
        # "the efforts of U.S. Ambassador to the United Nations Nikki Haley": the parser
        # hangs the title's "to" phrase, and the name closing it, on the act itself
        for child in act.children:
            if child.dep_ == "prep" and child.lower_ == "to":
                _add_actors(s, child, found, "PERSON")
    return found


def _add_actors(s: SentenceReader, prep: Token, found: list[Cluster], label: str | None) -> bool:
    """Add to ``found`` the entities (of ``label``, if given) a preposition's objects name,
    each of a coordination ("the efforts of Haley and Tillerson"); is one a bare title?"""
    titled = False
    for pobj in (o for o in prep.children if o.dep_ == "pobj"):
        for obj in (pobj, *conjuncts(pobj, _NOMINAL)):
            named = s.owner.doc.entity_of(s.field, obj)
            titled = titled or (named is None and obj.pos_ == "PROPN")
            if named is None or (label is not None and named.label != label):
                continue
            if all(named is not f for f in found):
                found.append(named)
    return titled


def relative_object(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """ "Mr. Cohn, *whom* he has aggressively criticized": a stance verb whose object is the
    relative pronoun of its clause judges the noun that clause modifies."""
    yield from _object_entities(
        s,
        tok,
        "relative_object",
        lambda o: o.lower_ in {"whom", "who"} and tok.dep_ == "relcl",
        lambda o, _: _relative_referent(s, o),
    )


def _relative_referent(s: SentenceReader, pronoun: Token) -> list[Cluster]:
    named = s.owner.doc.entity_of(s.field, pronoun.head.head)
    return [named] if named is not None else []
