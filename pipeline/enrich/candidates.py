"""Stance candidates: (holder, target, evidence) proposals read from the parse.

The rules here aim for recall; :mod:`stance_model` decides which candidates are stances and
which way. Sources, each recorded on the candidate as ``source``:

* ``frame`` — the attitude frames of :mod:`frames` ("X backed Y", control chains);
* ``verb`` / ``noun`` / ``adj`` / ``prep`` — a stance word of :mod:`cues` with its holder
  (subject, passive agent, possessor, apposition, "including A and B") and its object;
* ``reported`` — a judgement in reported speech or a quote ("the plan was a mistake, X said"),
  the speaker taken from the sentence or, for an unattributed quote, the sentence before;
* ``quote_next`` — a quote with no speech verb of its own whose speaker is named in the
  sentence after it ('"The law is a disaster.' + 'It will cost jobs," Smith said.');
* ``pair`` — any two entities of a sentence (a holder-type one and the eight nearest on each
  side), for what the constructions above miss. Alone it never makes a tag: a pair that
  no other rule proposes is no candidate (:meth:`CandidateReader.candidates`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from spacy.tokens import Span, Token

from pipeline.enrich import constructions, cues, passives, target_rules
from pipeline.enrich import gazetteer as gz
from pipeline.enrich import lexicon as lx
from pipeline.enrich.document import Document, Sentence
from pipeline.enrich.entities import Cluster
from pipeline.enrich.frames import (
    WISHING,
    FrameReader,
    Target,
    agent_of,
    asks,
    compose,
    demand_reading,
    is_passive,
    named_clauses,
    negated,
    particle_of,
    particle_reading,
    prep_targets,
    sideless_sense,
    subject_of,
    wanted_object,
    wished_act,
    with_particle_preps,
    without_object,
)
from pipeline.enrich.holders import HOLDER_LABELS, HolderResolver, conjuncts, lede_description
from pipeline.enrich.moods import unstated_verb
from pipeline.enrich.referents import ReferentIndex, bare_reference
from pipeline.enrich.targets import Catalogue, core_tokens, phrase
from pipeline.models import TextField

_QUOTES = frozenset({'"', "\u201c", "\u201d"})
# Verbs that attribute a quote or a reported clause, beyond the speech verbs other rules
# share ('"…," Ryan responded', "Mr Ward commented"). Only the quote rules read these: in
# mentions.py a speech verb's subject becomes a person, and "the report concluded" or "the
# data showed" must not.
_REPORTING = lx.SPEECH_VERBS | frozenset(
    {
        "respond", "reply", "comment", "explain", "acknowledge", "admit", "observe",
        "remark", "quip", "joke", "predict", "testify", "recall", "answer", "allege",
        "assert", "counter", "retort", "concede", "lament", "muse", "scoff", "boast",
        "vow", "promise", "pledge", "declare", "recount", "exclaim",
    }
)  # fmt: skip
# Verbs of belief, whose negation is their clause's ("does not think Y is fair" thinks Y
# unfair); not "expect" or "imagine", whose negation is mostly surprise ("did not expect Y
# to be so damaging").
_BELIEFS = frozenset({"think", "believe", "feel", "suppose", "reckon"})
_FACTIVE = frozenset({"realize", "realise", "know", "understand", "recognize", "recognise",
                      "notice", "discover", "forget", "regret", "learn"})  # fmt: skip
_MAX_PATH = 5
_MAX_DEPTH = 40  # ancestors climbed to find a common one: deeper is no stance relation
# A quotation is taken to run on across at most this many sentences without a mark: quotes
# whose closing mark is lost (NewsMTSC keeps some sentences of an article, feeds cut text)
# must not make the rest of an article a quote.
_QUOTE_CARRY = 3
_CLAUSE_TOKENS = 60  # a reported clause is read from at most this many tokens
_LOCAL_TOKENS = 30  # the clause around a target, for the model's local tone
_PAIR_WINDOW = 8  # entities on each side of a holder paired with it
# What a reported clause judges: its subjects and objects.
_CLAUSE_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "attr"})


@dataclass(frozen=True)
class Candidate:
    """One proposed stance with what the model needs to judge it."""

    holder: Cluster
    target: Target
    surface: str  # the target as written in the text
    sentence: Sentence
    source: str
    cue: str  # lemma of the stance word ("" for pairs)
    prior: int  # the cue's direction after negation: +1, -1 or 0 (unknown)
    negated: bool
    in_quote: bool
    holder_via: str  # subject, agent, speaker, possessor, apposition, sentence
    path: str  # dependency labels from the cue (or the holder, for pairs) to the target
    lca: str  # lemma of the lowest common ancestor of the two ends of ``path``
    lca_prior: int  # the stance-word direction of that lemma, 0 if it is none
    has_cue: bool  # does the sentence hold any stance word or judgement?
    anchor: Token  # the cue, or the holder's token for pairs
    target_token: Token
    clause: str  # the text the judgement is read from (the sentence or a reported clause)
    # Read once here for the model's features: :func:`sides` of (anchor, target_token), and
    # the clause around the target (its head's subtree, at most 30 tokens).
    up: tuple[str, ...]
    down: tuple[str, ...]
    local_clause: str
    # The rule read a stance word whose holder denies it ("did not criticize Y", "voiced no
    # opposition to Y"): the guidelines tag none, so neither it nor a candidate of this
    # holder and target in this sentence without a direction of its own (the pair rule's)
    # may become a tag (:func:`stance.undenied`).
    denied: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.holder.name, self.target.text)

    @property
    def rule(self) -> str:
        """The rule that proposed it: ``source``, but for a holder found by looking ahead,
        whose source is ``holder_ahead`` and whose rule is kept in ``holder_via``."""
        return self.holder_via if self.source == "holder_ahead" else self.source

    @property
    def where(self) -> tuple[str, int]:
        """The sentence, as its field and start."""
        return (str(self.sentence.field), self.sentence.start)

    @property
    def reading(self) -> int:
        """The direction the rule read toward a named entity, else 0. Toward an act phrase
        ("called on X to defy the shutdown" favours *defying the shutdown*) a rule's direction
        is not the direction toward the act's object, which is what a tag is matched on, so
        the model alone decides those."""
        return self.prior if self.target.kind == "entity" else 0


@dataclass(frozen=True)
class _Pair:
    """A (holder, target) the entity-pair rule proposes in one sentence, and their tokens."""

    holder: Cluster
    htok: Token
    via: str
    target: Cluster
    ttok: Token

    @property
    def key(self) -> tuple[str, str]:
        return (self.holder.name, self.target.name)


class CandidateReader:
    """Proposes candidates for one article; built once per article."""

    def __init__(
        self, doc: Document, catalogue: Catalogue, holders: HolderResolver | None = None
    ) -> None:
        self.doc = doc
        self.catalogue = catalogue
        self.holders = holders or HolderResolver(doc)
        self.readers = {
            p.field: FrameReader(doc, p.field, self.holders, catalogue) for p in doc.fields
        }
        self.referents = ReferentIndex(doc, self.readers)
        self._local: dict[tuple[TextField, int], str] = {}

    def local_clause(self, field_name: TextField, token: Token) -> str:
        """The text of ``token``'s head's subtree (at most 30 tokens), read once per head:
        the many candidates of one sentence share a few heads."""
        key = (field_name, token.head.i)
        text = self._local.get(key)
        if text is None:
            text = self._local[key] = subtree_text(token.head, _LOCAL_TOKENS)
        return text

    def candidates(self, pairs_alone: bool = False) -> list[Candidate]:
        """Every rule's candidates, sentence by sentence; the entity-pair rule's only for a
        (holder, target) another rule proposes somewhere in the article, unless
        ``pairs_alone`` (training: they teach the model what an unrelated pair looks like).

        Why: the pair rule proposes ~86 % of an article's ~190 candidates, and a pair no
        stance word links is too weak a sign to judge by itself: out of fold, one in tens of
        thousands of such candidates of the gold set's development and training parts
        reaches the default threshold (docs/enrichment.md). The guidelines need a stance word or
        judgement, so :func:`stance.judgeable` never judges one, and the extractor does not
        pay for making them."""
        sentences: list[tuple[list[Candidate], SentenceReader, list[_Pair]]] = []
        for parsed in self.doc.fields:
            reader = self.readers[parsed.field]
            speaker: list[Cluster] = []
            open_for = 0  # sentences a quotation has stayed open across
            sents = list(parsed.doc.sents)
            for k, sent in enumerate(sents):
                sentence = self.doc.sentence_of(parsed.field, sent.start)
                if sentence is None:
                    continue
                following = sents[k + 1] if k + 1 < len(sents) else None
                inside = 0 < open_for <= _QUOTE_CARRY
                rules = SentenceReader(
                    self, reader, parsed.field, sent, sentence, speaker, following, inside
                )
                sentences.append((list(rules.all()), rules, rules.pairs()))
                speaker = rules.speakers()[0]  # the next sentence's previous speaker
                # counted from the latest opening mark: news reopens each quoted paragraph
                # with a mark and leaves the one before unclosed
                open_for = 0 if not rules.quote_open else 1 if rules.quote_opened else open_for + 1
        proposed = {c.key for made, _, _ in sentences for c in made}
        found: list[Candidate] = []
        for made, rules, pairs in sentences:
            found += made
            found += [rules.pair(p) for p in pairs if pairs_alone or p.key in proposed]
        return found


# Verbs that give up the position their object names ("withdrew his opposition to Y",
# "dropped her objections to Y"): the guidelines tag a position given up no more than one
# denied, so such a stance noun reads no side.
# Verbs that give a stance noun up or keep clear of it: "withdrew his opposition", "avoided
# direct criticism of teachers".
_GIVING_UP = (
    lx.REVERSING_VERBS
    | {"retract", "rescind", "reverse", "renounce", "soften"}
    | {
        "avoid",
        "shun",
        "eschew",
        "refrain",
        "forgo",
    }
)


def _lost(cue: Token) -> bool:
    """ "lost confidence / faith in Y": against Y, not a confidence given up to no side."""
    return (
        cue.dep_ == "dobj"
        and cue.head.lemma_.lower() == "lose"
        and cue.lemma_.lower() in {"confidence", "faith"}
    )


def _given_up(cue: Token) -> bool:
    """Is the stance noun ``cue`` given up ("withdrew his opposition", "backed off her
    criticism"), and not kept ("refused to drop her opposition", "has not withdrawn it")?"""
    particle: str | None
    if cue.dep_ == "pobj" and cue.head.dep_ == "prep":
        verb, particle = cue.head.head, cue.head.lower_  # "backed off her criticism"
        if verb.dep_ in {"advmod", "prt"}:  # "backed away from": "from" hangs on "away"
            verb, particle = verb.head, verb.lower_
    elif cue.dep_ in {"dobj", "nsubjpass"}:
        verb, particle = cue.head, particle_of(cue.head)
    else:
        return False
    if verb.pos_ not in {"VERB", "AUX"}:
        return False
    lemma = verb.lemma_.lower()
    # "backed off her criticism", "backed down on / away from her support"
    retreat = (lemma, particle) in lx.RETREATS or (lemma, particle_of(verb)) in lx.RETREATS
    # a phrase gives up only after a retreat: "ended her speech with a jab at Y" jabs
    if not retreat and (cue.dep_ == "pobj" or lemma not in _GIVING_UP):
        return False
    return compose(verb, -1)[0] == -1


def _speakers(reader: FrameReader, sent: Span) -> list[Cluster]:
    """Entities a sentence's speech verb is attributed to ("…," he said)."""
    for tok in sent:
        if _speech(tok):
            holders = reader.subject_holders(tok)
            if holders.entities:
                return holders.entities
    return []


def _speech(tok: Token) -> bool:
    """Is ``tok`` a verb that reports speech? Not in a comparison: "raises more questions
    than it answers" reports nothing, and its "it" speaks for no one."""
    return (
        tok.lemma_.lower() in _REPORTING
        and tok.pos_ in {"VERB", "AUX"}
        and not any(c.dep_ == "mark" and c.lower_ == "than" for c in tok.children)
    )


def _unnamed_speaker(reader: FrameReader, verb: Token) -> bool:
    """Does a speech verb's own subject name no one ("*The mayor* says the explanation
    raises questions")? Then what it reports goes to no holder: never to another speaker of
    the same sentence."""
    return subject_of(verb) is not None and not reader.subject_holders(verb).entities


# Verbs that doubt a thing but ask a person: "questioned the decision" is against it,
# "questioned Morrison about his testimony" asks him (docs/annotation.md).
_ASKING = frozenset({"question"})


# Verbs with a phrasal reading (``cues.PHRASAL``, and "come out for / against"): only their
# prepositions are worth reading.
_PHRASAL_VERBS = frozenset(lemma for lemma, _ in cues.PHRASAL) | {"come"}


# Objects the parser hangs a phrasal predicate's preposition on: "took aim *at* Y" (but
# "took a swipe at Y" on the verb), "raised questions *about* Y".
_HUNG_ON_OBJECT = frozenset({"aim", "question"})


def _phrasal_children(verb: Token) -> list[Token]:
    """A verb's children, and the prepositions on those of its objects that carry them."""
    hung = [
        p
        for o in verb.children
        if o.dep_ == "dobj" and o.lemma_.lower() in _HUNG_ON_OBJECT
        for p in o.children
    ]
    return [*with_particle_preps(verb), *hung]


# The parts of speech the token rules of :meth:`SentenceReader.all` read (each rule checks its
# own; ``_cue`` and ``participle_opener`` read the others too).
_RULE_POS = frozenset({"VERB", "AUX", "NOUN", "PROPN", "ADJ"})


# Verbs whose subject answers a stance noun rather than voicing it: "denied the
# accusations", "dismissed the criticism of Y".
_ANSWERING = frozenset({"deny", "refute", "rebut", "ignore", "address", "answer", "brush"})


def _rushed_to(noun: Token) -> Token | None:
    """The verb of "came / rushed / leapt to the *defense* of Y", if ``noun`` is in one."""
    to = noun.head
    if noun.dep_ != "pobj" or to.lower_ != "to" or to.dep_ != "prep":
        return None
    return to.head if to.head.lemma_.lower() in _RUSHING else None


_RUSHING = frozenset({"come", "rush", "leap", "spring", "jump", "race", "ride"})


def _among_them(prep: Token) -> bool:
    """ "X was *among* the critics of Y": one of them, as "one of the critics" is (not "spoke
    among the supporters of Y", a place)."""
    be = prep.head
    # not "was popular among critics of Y"
    return (
        prep.lower_ == "among"
        and be.lemma_ == "be"
        and not any(c.dep_ in {"acomp", "attr"} for c in be.children)
    )


def _judges(verb: Token) -> bool:
    """Does ``verb``'s subject judge its object rather than own it: "called the allegations
    against Y disturbing", "condemned the attacks on Y", "denied the accusations" are no
    allegation, attack or accusation of the subject's, unlike "made / voiced / backed
    the accusations against Y"?"""
    lemma = verb.lemma_.lower()
    if lemma == "threaten":
        return False  # "threatened a lawsuit against Y": the subject's own act
    if lemma in cues.LABEL_VERBS and constructions.names_object(verb):
        return True  # not "called a protest against Y", which organises it
    return lemma in _ANSWERING or cues.VERBS.get(lemma, 0) < 0


class SentenceReader:
    """Candidate sources applied to one sentence."""

    def __init__(
        self,
        owner: CandidateReader,
        reader: FrameReader,
        field_name: TextField,
        sent: Span,
        sentence: Sentence,
        previous_speakers: list[Cluster],
        following: Span | None = None,
        inside_quote: bool = False,
    ) -> None:
        self.owner = owner
        self.following = following
        self.reader = reader
        self.field: TextField = field_name
        self.sent = sent
        self.sentence = sentence
        self.previous = previous_speakers
        self._speakers: tuple[list[Cluster], str] | None = None
        self._reading: tuple[int, tuple[int, list[Token]]] | None = None
        self.quote_mask, self.quote_open, self.quote_opened = _quote_mask(sent, inside_quote)
        # A sentence in the middle of a quotation opened before it has no quotation mark of
        # its own ('"The law is a disaster. It will cost jobs. …'), yet is quoted.
        self.quoted = any(self.quote_mask.values())
        self.has_cue = any(_prior(t.lemma_.lower()) for t in sent) or self._judged(sentence.text)

    def all(self) -> Iterator[Candidate]:
        for tok in self.sent:
            if tok.pos_ not in _RULE_POS:
                # Every other rule reads a verb, noun, name or adjective; half of a
                # sentence's words are none of these (a stance preposition is ``_cue``'s).
                yield from self._cue(tok)
                yield from passives.participle_opener(self, tok)
                continue
            for frame in self.reader.frames(tok):
                for holder in frame.holders.entities:
                    for target in frame.targets:
                        yield self.make(
                            holder,
                            target,
                            tok,
                            "frame",
                            frame.polarity * target.polarity,
                            "subject",
                            frame.predicate,
                            self.sentence.text,
                            denied=frame.denied,
                        )
            yield from self._cue(tok)
            yield from constructions.adjunct(self, tok)
            yield from constructions.possessive(self, tok)
            yield from constructions.stance_noun(self, tok)
            yield from constructions.pronoun_target(self, tok)
            yield from constructions.label(self, tok)
            yield from constructions.apposition(self, tok)
            yield from constructions.complement(self, tok)
            yield from target_rules.each_token(self, tok)
            yield from bare_reference(self, tok)
            yield from passives.passive_agent(self, tok)
            yield from passives.passive_feeling(self, tok)
            yield from passives.participle_opener(self, tok)
        yield from self._reported()
        yield from self._quote_next()
        yield from constructions.necessity(self, *self.speakers())
        yield from constructions.colon_speaker(self)

    # -- sources --------------------------------------------------------------------------

    def _cue(self, tok: Token) -> Iterator[Candidate]:
        lemma = tok.lemma_.lower()
        if tok.pos_ in {"VERB", "AUX"}:
            yield from self._verb(tok, lemma)
        elif tok.pos_ in {"NOUN", "PROPN"} and lemma in cues.NOUNS:
            yield from self._noun(tok, lemma)
        elif tok.pos_ == "ADJ" and lemma in cues.ADJECTIVES:
            holders = self._subject_of(tok.head) if tok.dep_ == "acomp" else ([], "")
            objects = constructions.prep_objects(tok)
            yield from self.emit(holders, objects, tok, "adj", cues.ADJECTIVES[lemma])
        elif tok.dep_ == "prep" and tok.lower_ in cues.PREPOSITIONS and tok.head.lemma_ == "be":
            objects = [c for c in tok.children if c.dep_ == "pobj"]
            yield from self.emit(
                self._subject_of(tok.head), objects, tok, "prep", cues.PREPOSITIONS[tok.lower_]
            )

    def _verb(self, tok: Token, lemma: str) -> Iterator[Candidate]:
        particled = particle_reading(tok)
        if particled is not None:  # "called out X (for Y)": X, never Y
            if particled[0]:
                yield from self.emit(self._subject_of(tok), particled[1], tok, "verb", particled[0])
            return
        for prep in _phrasal_children(tok) if lemma in _PHRASAL_VERBS else ():
            key = (lemma, prep.lower_)
            polarity = None if without_object(tok, key) else cues.PHRASAL.get(key)
            if polarity is None and lemma == "come" and particle_of(tok) == "out":
                polarity = cues.PREPOSITIONS.get(prep.lower_)
            if polarity and prep.dep_ == "prep":
                objects = prep_targets(prep)  # "fought for hours" names no target
                # "called for X to resign" is against X, "… to release the report" no side
                polarity *= demand_reading(tok, prep)
                if polarity:
                    yield from self.emit(self._subject_of(tok), objects, tok, "verb", polarity)
        if constructions.takes_to_court(tok):
            objects = [c for c in tok.children if c.dep_ == "dobj"]
            yield from self.emit(self._subject_of(tok), objects, tok, "verb", -1)
            return
        if lemma not in cues.VERBS or sideless_sense(tok):
            return
        agent = agent_of(tok)
        if agent is not None:
            objects = [c for c in tok.children if c.dep_ == "nsubjpass"]
        elif (done_to := wanted_object(tok)) is not None:
            objects = [done_to]  # "wants Sessions (to be) fired": the wanter's stance
        elif is_passive(tok):
            return  # "X was indicted on eight counts", "X was criticized for Y": X is no holder
        elif lemma in WISHING and any(wished_act(c) for c in tok.children):
            return  # "would like Sessions to be fired": the act wished is the stance
        else:
            objects = [c for c in tok.children if c.dep_ in {"dobj", "dative"}]
            if not objects:
                objects = constructions.prep_objects(tok) or named_clauses(tok)
        if not objects:
            return  # no target to take a side on: skip resolving the holders
        if agent is not None:
            holders = (self.owner.holders.agent(self.field, agent, objects).entities, "agent")
        else:
            holders = self._subject_of(tok)
        if lemma in _ASKING and (
            any(self._person(o) for o in objects)
            or any(c.dep_ == "prep" and c.lower_ == "about" for c in tok.children)
        ):
            return  # "questioned Morrison (or the FBI) about ..." asks; "questioned the deal"
        yield from self.emit(holders, objects, tok, "verb", cues.VERBS[lemma])

    def _person(self, tok: Token) -> bool:
        """Does ``tok`` name a person: a personal pronoun, a person's name, or a person's
        role ("Facebook's chief executive, Mark Zuckerberg", "the witness")?"""
        if tok.lower_ in {"him", "her", "them", "me", "us", "you"}:
            return True
        if tok.lemma_.lower() in gz.PERSON_ROLES:
            return True
        c = self.owner.doc.entity_of(self.field, tok)
        return c is not None and c.label == "PERSON"

    def _noun(self, tok: Token, lemma: str) -> Iterator[Candidate]:
        """ "opponents of the bill, including A", "his criticism of Y", "X's backing for Y"."""
        if _violent(tok):
            return  # "the September 11 terrorist attacks on the United States": an event
        objects = constructions.noun_objects(self, tok)
        if not objects and tok.dep_ == "dobj":
            # "showered praise on Y", "expressed doubts about Y": the parser hangs the
            # preposition on the verb
            forum = lemma in cues.FORMAL_ACTIONS
            objects = [o for o in constructions.prep_objects(tok.head, forum) if o.i > tok.i]
            objects += _given_to(tok)
        poss = next((c for c in tok.children if c.dep_ == "poss"), None)
        holders: list[Cluster] = []
        via = "possessor"
        for child in tok.subtree:
            if (child.dep_ in {"appos", "pobj"} and child.head.lower_ in {"including", "like"}) or (
                child.dep_ == "appos" and child.head is tok
            ):
                holders += self._resolve(child, with_conjuncts=True)
                via = "apposition"
        agentive = lemma.endswith(("er", "or", "ist", "ent", "ate", "ion", "y", "an"))
        rush = _rushed_to(tok)
        if rush is not None and not holders:
            # "came to the defense of Y", "rushed to Y's defense": the subject's, toward Y
            holders, via = self._subject_of(rush)
            objects = objects or ([poss] if poss is not None else [])
        if poss is not None and not holders and lemma not in cues.TARGET_OWNERS:
            # "Trump's critics": Trump is the target, among the noun's objects already
            holders = self._resolve(poss)
        node = constructions.described(tok)
        # "had the support of X", "drew criticism from X": the subject receives the stance
        # (passive_agent proposes X toward it), it does not hold it; nor "faced criticism for
        # backing Y", whose act is the subject's own (reasons.received_reason)
        received = passives.received_only(node) or (
            passives.received(node) and bool(passives.givers(tok, node))
        )
        # "X is a Trump supporter" is X's, but "X told / met Moore supporters" is not: people
        # named by their stance as an object are others than the subject
        people = node.dep_ == "dobj" and lemma in cues.TARGET_OWNERS
        # "joined the chorus of critics of Y" makes the subject one of them
        people = people and not (
            node is not tok and node.head.lemma_.lower() in constructions.JOINING
        )
        judged = node.dep_ == "dobj" and _judges(node.head)
        if not holders and node.dep_ in {"attr", "dobj"} and not (received or people or judged):
            holders, via = self._subject_of(node.head)
        if (
            not holders
            and node.dep_ == "pobj"
            and (node.head.lower_ == "as" or _among_them(node.head))
            and lemma in cues.STANCE_PEOPLE
        ):
            # "emerged as a critic of Y", "was among the critics of Y"; but "denounced the
            # bill as an attack on Z" says what the bill does, not what the subject is
            holders, via = self._subject_of(node.head.head)
        if not holders and agentive and tok.dep_ in {"nsubj", "nsubjpass"}:
            holders = [
                e for c in tok.children if c.dep_ in {"amod", "compound"} for e in self._resolve(c)
            ]
            via = "modifier"
        yield from self.emit((holders, via), objects, tok, "noun", cues.NOUNS[lemma])

    def reading(self, tok: Token) -> tuple[int, list[Token]]:
        """:func:`constructions.verb_reading` of ``tok``, read once for the rules sharing it."""
        if self._reading is None or self._reading[0] != tok.i:
            self._reading = (tok.i, constructions.verb_reading(tok))
        return self._reading[1]

    def speakers(self) -> tuple[list[Cluster], str]:
        """Who speaks in this sentence (a speech verb's subject), or, for an unattributed
        quote, the speaker of the sentence before; and how that was found (read once)."""
        if self._speakers is None:
            speakers = _speakers(self.reader, self.sent)
            if not speakers and self.quoted:
                self._speakers = (self.previous, "previous_speaker")
            else:
                self._speakers = (speakers, "speaker")
        return self._speakers

    def _reported(self) -> Iterator[Candidate]:
        """Judgements in reported speech and quotes, owned by the speaker."""
        speakers, via = self.speakers()
        if not speakers:
            return
        for tok in self.sent:
            if not _speech(tok):
                continue
            clauses = [c for c in tok.children if c.dep_ in {"ccomp", "parataxis"}]
            if clauses and via == "speaker" and _unnamed_speaker(self.reader, tok):
                continue
            for clause in clauses:
                yield from self._clause(speakers, clause, via)
                yield from self._nested(speakers, clause, via)
        if via == "previous_speaker":
            root = self.sent.root
            yield from self._clause(speakers, root, via)
            yield from self._nested(speakers, root, via)

    def _quote_next(self) -> Iterator[Candidate]:
        """Source ``quote_next``: a quote with no speech verb of its own, attributed in the
        sentence after it ('"The law is a disaster.' + 'It will cost jobs," Smith said.'):
        that speaker judges its clause, as a reported clause is judged."""
        if self.following is None or not self.quoted or _speakers(self.reader, self.sent):
            return
        speakers = _speakers(self.reader, self.following)
        if speakers:
            root = self.sent.root
            yield from self._clause(speakers, root, "next_speaker", "quote_next")
            yield from self._nested(speakers, root, "next_speaker", "quote_next")

    def _nested(
        self, speakers: list[Cluster], root: Token, via: str, source: str = "reported_nested"
    ) -> Iterator[Candidate]:
        """Source ``reported_nested``: what a reported clause's own clauses judge ("I believe
        *the death penalty violates* the Eighth Amendment", "it turns out that *advancing
        equal opportunity is right*"), and clausal subjects ("*Conducting business by ballot*
        is a bad development")."""
        yield from self._clause(speakers, root, via, source, {"csubj", "csubjpass"})
        for inner in root.children:
            if inner.dep_ in {"ccomp", "conj"} and inner.pos_ in {"VERB", "AUX"}:
                yield from self._clause(speakers, inner, via, source)

    def _clause(
        self,
        speakers: list[Cluster],
        root: Token,
        via: str,
        source: str = "reported",
        deps: frozenset[str] | set[str] = _CLAUSE_DEPS,
    ) -> Iterator[Candidate]:
        """The speakers judge the subjects and objects (``deps``) of a reported clause."""
        if any(c.dep_ == "expl" for c in root.children):
            return  # "X said there was Y" states a fact, not a position toward Y
        found = [c for c in root.children if c.dep_ in deps and _judged_part(c)]
        if not found:
            return  # no subject or object to judge: skip reading the clause's text and words
        text = subtree_text(root, _CLAUSE_TOKENS)
        found.sort(key=lambda c: c.dep_ not in {"nsubj", "nsubjpass", "csubj", "csubjpass"})
        label = root.lemma_.lower()
        prior, denied = _judgement(root), False
        above = root.head.lemma_.lower()
        if prior and root.dep_ == "ccomp" and negated(root.head) and above not in _FACTIVE:
            # "did not think the bill would help" thinks it would not: a belief denied is its
            # clause denied; "did not say the bill would help" says nothing of the bill. Other
            # verbs keep the clause's reading: "didn't realize Y was a liar" still holds it,
            # "does not doubt that Y is a disaster" too
            if above in _BELIEFS:
                prior = -prior
            elif above in _REPORTING:
                prior, denied = 0, True
        yield from self.each(speakers, found, root, source, prior, via, label, text, denied)

    def pairs(self) -> list[_Pair]:
        """Every holder-type entity (or resolved pronoun subject) with the other entities of
        its sentence, the ``_PAIR_WINDOW`` nearest on each side (linear in a hostile list):
        the entity-pair rule's proposals, made into candidates by :meth:`pair`."""
        entities: list[tuple[Cluster, Token]] = []
        holders: list[tuple[Cluster, Token, str]] = []
        seen_entities: set[int] = set()
        seen_holders: set[int] = set()
        for tok in self.sent:
            c = self.owner.doc.entity_of(self.field, tok)
            if c is not None and id(c) not in seen_entities:
                seen_entities.add(id(c))
                entities.append((c, tok))
                if c.label in HOLDER_LABELS and id(c) not in seen_holders:
                    seen_holders.add(id(c))
                    subject = tok.dep_ in {"nsubj", "nsubjpass"}
                    holders.append((c, tok, "subject" if subject else "sentence"))
            elif c is None and tok.pos_ == "PRON" and tok.dep_ == "nsubj":
                for found in self.owner.holders.resolve(self.field, tok).entities:
                    if id(found) not in seen_holders:
                        seen_holders.add(id(found))
                        holders.append((found, tok, "pronoun"))
        positions = [t.i for _, t in entities]
        proposals: list[_Pair] = []
        for holder, htok, via in holders:
            at = bisect_left(positions, htok.i)
            for target, ttok in entities[max(0, at - _PAIR_WINDOW) : at + _PAIR_WINDOW + 1]:
                if target is not holder:
                    proposals.append(_Pair(holder, htok, via, target, ttok))
        return proposals

    def pair(self, p: _Pair) -> Candidate:
        """The entity-pair rule's candidate of one proposal (no direction of its own)."""
        target = Target(p.target.name, "entity", 1)
        text = self.sentence.text
        return self.make(p.holder, target, p.ttok, "pair", 0, p.via, "", text, p.ttok, p.htok)

    # -- pieces ---------------------------------------------------------------------------

    def emit(
        self,
        holders: tuple[list[Cluster], str],
        objects: list[Token],
        cue: Token,
        source: str,
        polarity: int,
        keep: bool = False,
    ) -> Iterator[Candidate]:
        """Candidates for each holder and each target of ``objects``; a verb cue's direction
        is composed over its control chain, whose top's subject then holds the stance
        (``keep``: the holders given were already found for that top)."""
        entities, via = holders
        label = cue.lemma_.lower()
        if cue.pos_ in {"VERB", "AUX"}:
            prior, top = compose(cue, polarity)  # "refused to back Y" is against Y
            denial = polarity != 0 and prior == 0 and negated(top)
            if top is not cue:
                if not keep:
                    entities, via = self._subject_of(top)
                label = f"{top.lemma_.lower()} to {label}"  # the chain is the stance word
        else:
            # "voiced no opposition to Y" is denied as "did not oppose Y" is; "withdrew his
            # opposition to Y" gives up a side, tagged no more than one denied
            denial = polarity != 0 and (negated(cue) or _given_up(cue))
            if _lost(cue) and negated(cue.head):
                denial = True  # "never lost confidence in Y": no side, as a stance denied
            prior = 0 if denial else -polarity if _lost(cue) else polarity
        yield from self.each(entities, objects, cue, source, prior, via, label, denied=denial)

    def each(
        self,
        holders: list[Cluster],
        objects: list[Token],
        cue: Token,
        source: str,
        prior: int,
        via: str,
        label: str,
        clause: str | None = None,
        denied: bool = False,
    ) -> Iterator[Candidate]:
        """One candidate per holder and per target each object names, the direction turned
        by the target's own polarity ("an end to Y"); ``clause`` is the text the judgement is
        read from (default: the sentence); ``denied``: see :attr:`Candidate.denied`."""
        text = self.sentence.text if clause is None else clause
        for obj in objects:
            for target in self.reader.targets(obj):
                for holder in holders:
                    yield self.make(
                        holder,
                        target,
                        cue,
                        source,
                        prior * target.polarity,
                        via,
                        label,
                        text,
                        obj,
                        denied=denied,
                    )

    def _subject_of(self, verb: Token) -> tuple[list[Cluster], str]:
        holders = self.reader.subject_holders(verb)
        if not holders.entities and verb.dep_ in {"acomp", "attr", "xcomp"}:
            holders = self.reader.subject_holders(verb.head)  # "X is opposed to Y"
        return holders.entities, "subject"

    def _resolve(self, tok: Token, with_conjuncts: bool = False) -> list[Cluster]:
        found = self.owner.holders.resolve(self.field, tok).entities
        if with_conjuncts:
            return found
        c = self.owner.doc.entity_of(self.field, tok)
        return [c] if c is not None and c.label in HOLDER_LABELS else found[:1]

    def judged(self, root: Token, relatives: bool = True) -> int:
        """Direction of the judgement words under ``root`` (0 if none); without its relative
        clauses when ``relatives`` is False (a name given: "an 'anti-Semitic Catholic' who
        collaborates ... to achieve the greater good" is abuse, not praise)."""
        return _judgement(root, relatives)

    def _judged(self, text: str) -> bool:
        words = {w.strip('.,;:"').lower() for w in text.split()}
        return any(w in cues.JUDGEMENTS for w in words)

    def _named_ahead(self, holder: Cluster) -> bool:
        """Is ``holder`` named only after this sentence ("The prime minister said ... " +
        "Netanyahu ...", or a quote attributed in the next sentence)? A function of the
        holder and the sentence alone, so a candidate's source never depends on which rule
        resolved a pronoun first (it once came from a set the look-ahead filled as it went).
        """
        end = (0 if self.field == "title" else 1, self.sentence.span.end)
        later = bool(holder.mentions) and all(
            (0 if m.field == "title" else 1, m.tok_start) >= end for m in holder.mentions
        )
        return later and not self._described(holder)

    def _described(self, holder: Cluster) -> bool:
        """Does the sentence describe ``holder`` as the lede does before naming it ("A
        Nigerian senator has sued ..." + "Senator Ebiere Tonye-Alagoa filed ...")? The title
        or kind the next sentence names it by makes that as sure as a name here, unlike a
        pronoun resolved ahead."""
        holders = self.owner.holders
        return any(
            lede_description(t) and holders.named_after(self.field, t) is holder
            for t in self.sentence.span
        )

    def _obliged(self, holder: Cluster, cue: Token) -> bool:
        """Is ``holder`` named as the subject a duty is laid on ("Gore said *Trump* should
        fire Pruitt")? That is the speaker's demand (the necessity rule's), not the
        subject's position (docs/annotation.md), so no tag of the subject's. A speaker's
        own "we must" resolves to no entity here, and a holder found through the speaker
        ("X wrote that the debate should proceed") is not the subject."""
        subject = obliged_subject(cue)
        if subject is None or any(holder is c for c in self.speakers()[0]):
            # the speaker's own duty ("Trump should have fired Comey sooner, Trump told
            # Fox News") is their position, as "we must" is
            return False
        entity_of = self.owner.doc.entity_of
        return any(entity_of(self.field, t) is holder for t in [subject, *conjuncts(subject)])

    def make(
        self,
        holder: Cluster,
        target: Target,
        cue: Token,
        source: str,
        prior: int,
        via: str,
        lemma: str,
        clause: str,
        target_tok: Token | None = None,
        path_from: Token | None = None,
        denied: bool = False,
    ) -> Candidate:
        target_tok = target_tok if target_tok is not None else target.head
        head = target_tok if target_tok is not None else cue
        start = path_from if path_from is not None else cue
        if not denied and via in {"subject", "adjunct", "agent"}:
            # A duty laid on the holder is the speaker's demand (the adjunct rule finds the
            # controller of "has to fire Y" when "fire" has none; a passive lays the duty on
            # its agent: "Pruitt should be fired by Trump"), and "X might snub Y" a possible
            # position: neither is the holder's (guidelines). A speaker's "Y might be the
            # worst" is a stated judgement (via "speaker").
            denied = self._obliged(holder, cue) or unstated_verb(cue)
        surface = target.text
        if target.kind == "catalogue" and target_tok is not None:
            # the words that name it: the target's own noun, not the act or conjunct that led
            # to it ("removing tariffs" names the tariffs; "backed X and Y": Y's own words)
            named = target.head if target.head is not None else target_tok
            surface = phrase(core_tokens(named)) or target.text
        if self._named_ahead(holder):
            # A holder found by looking ahead ("The prime minister said ... Netanyahu") has a
            # source of its own, so that the model learns how far to trust it; the rule that
            # proposed it stays in ``holder_via``.
            source, via = "holder_ahead", source
        up, down, top = sides(start, head)
        top_lemma = top.lemma_.lower() if top is not None else ""
        top_prior = _prior(top_lemma)
        if top is not None and top_prior and top.pos_ in {"VERB", "AUX"}:
            top_prior = compose(top, top_prior)[0]  # "refused to back": against
        return Candidate(
            holder=holder,
            target=target,
            surface=surface,
            sentence=self.sentence,
            source=source,
            cue=lemma,
            prior=prior,
            negated=negated(cue),
            in_quote=self.quote_mask.get(cue.i, False),
            holder_via=via,
            path=_path(up, down, top),
            lca=top_lemma,
            lca_prior=top_prior,
            has_cue=self.has_cue,
            anchor=start,
            target_token=head,
            clause=clause,
            up=tuple(up),
            down=tuple(down),
            local_clause=self.owner.local_clause(self.field, head),
            denied=denied,
        )


_OBLIGATION = frozenset({"should", "must", "ought"})


# "has to", "needs to": a duty spelt by a verb with an infinitive, as "must" is by an aux.
_OBLIGING_VERBS = frozenset({"have", "need"})
_RELATIVES = frozenset({"who", "that", "which"})


def obliged_subject(verb: Token) -> Token | None:
    """The subject a duty is laid on when ``verb`` (or a verb whose control chain it ends:
    "should stop criticizing Y") has "should", "must" or "ought", or is the infinitive of
    "has to" / "needs to": "Trump" in "Gore said Trump should fire Pruitt", "… Trump has to
    fire Pruitt", "… Trump, who must fire Pruitt" (the noun a relative "who" stands for).
    Bounded: a chain of at most four verbs."""
    node, below = verb, None
    for _ in range(4):
        if node.pos_ not in {"VERB", "AUX"}:
            return None
        # "ought" is the head of its clause ("Congress ought to reject Y"), the others aux
        if (
            node.lower_ == "ought"
            or any(c.dep_ == "aux" and c.lower_ in _OBLIGATION for c in node.children)
            or (below is not None and node.lemma_.lower() in _OBLIGING_VERBS)
        ):
            if is_passive(node):
                return agent_of(node)  # "Pruitt should be fired by Trump": Trump's duty
            subject = next((c for c in node.children if c.dep_ == "nsubj"), None)
            if subject is not None and subject.lower_ in _RELATIVES and node.dep_ == "relcl":
                return node.head
            return subject
        if node.dep_ != "xcomp":
            return None
        below, node = node, node.head
    return None


def _quote_mask(sent: Span, inside: bool = False) -> tuple[dict[int, bool], bool, bool]:
    """Which tokens of a sentence are inside quotation marks, starting ``inside`` when a
    quotation opened before it is still open; whether one is open at its end; and whether
    the last mark of the sentence opened one.

    A mark with a space before it and none after opens, one the other way round closes, so
    'It will cost jobs," Smith said.' leaves "Smith said" outside even when the sentence
    that opened the quotation is not there; a mark between two spaces or two words turns
    the state. (Curly quotes reach the parser as straight ones.)"""
    mask = {}
    doc = sent.doc
    opened = False
    for tok in sent:
        if tok.text in _QUOTES:
            # read across the sentence's bounds: the parser may start a sentence with the
            # mark that closes the one before ('."' then a blank line)
            before = doc[tok.i - 1] if tok.i > 0 else None
            after = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
            spaced_before = before is None or bool(before.whitespace_) or before.is_space
            spaced_after = after is None or bool(tok.whitespace_) or after.is_space
            inside = spaced_before if spaced_before != spaced_after else not inside
            opened = inside
        mask[tok.i] = inside
    return mask, inside, opened


# Words that make an attack a physical one, an event the guidelines tag no stance in ("the
# terrorist attacks on the United States", "a missile attack on the base"), unlike a
# verbal one ("his attack on the bill", "Trump's Tuesday attack on Powell", "a violent
# rhetorical attack").
_VIOLENCE = frozenset(
    {"terrorist", "terror", "military", "missile", "rocket", "suicide", "air", "bomb"}
    | {"armed", "deadly", "chemical", "drone", "gun", "knife", "mortar", "artillery"}
    | {"militant", "insurgent", "physical", "sexual", "fatal", "grenade", "shark", "dog"}
    | {"arson", "acid", "cyber", "ground", "naval", "airstrike", "knifepoint", "gunpoint"}
)


def _violent(noun: Token) -> bool:
    """Is ``noun`` a physical attack or assault: a modifier of violence, or the September 11
    attacks?"""
    if noun.lemma_.lower() not in {"attack", "assault"}:
        return False
    for c in noun.children:
        if c.dep_ not in {"amod", "compound", "nmod"}:
            continue
        words = " ".join(t.lower_ for t in c.subtree)
        if c.lower_ in _VIOLENCE or words in {"september 11", "sept. 11", "9/11", "9-11"}:
            return True
    return False


# Verbs that hand a stance noun to its target: "gave his support *to* Y", "lent her backing
# to Y" (the parser makes that "to" the verb's dative, not the noun's preposition).
_GIVING = frozenset({"give", "lend", "offer", "pledge", "extend", "throw"})


def _given_to(noun: Token) -> list[Token]:
    """The targets a stance noun is given to, when it is a giving verb's object."""
    verb = noun.head
    if verb.lemma_.lower() not in _GIVING:
        return []
    return [
        o
        for p in verb.children
        if p.dep_ == "dative" and p.lower_ == "to" and p.i > noun.i
        for o in prep_targets(p)
    ]


def _judged_part(tok: Token) -> bool:
    """Can this part of a reported clause be what the speaker judges? A copula's attribute
    is the judgement itself ("Todd is *the best doubles player*", "the remarks were
    *cynical tactics*"), not its target, unless the subject is the judgement word and the
    attribute what it names ("the mistake is *the tax*")."""
    if tok.dep_ != "attr":
        return True
    return any(
        s.dep_ in {"nsubj", "nsubjpass"} and s.lemma_.lower() in cues.JUDGEMENTS
        for s in tok.head.children
    )


def _judgement(root: Token, relatives: bool = True) -> int:
    """Direction of a reported clause from its judgement words and modals (0 if none); a
    duty that its subject be put out or ended ("Pruitt should be fired", "the law must be
    repealed") counts against."""
    score = 0
    asked = root
    if root.lemma_.lower() in constructions.NEED_HEADS:  # "X needs to step down"
        asked = next((c for c in root.children if c.dep_ == "xcomp"), root)
    place = asks(asked) if asked.pos_ in {"VERB", "AUX"} else 0
    duty = -1 if place < 0 else 1
    if asked is not root and place and root.lemma_.lower() not in cues.NECESSITY:
        # "has to resign": a necessity no word of the lexicon names, about the subject's
        # place (not "has yet to apologize", "has to do with Y")
        score += duty
    previous = ""
    skipped = [] if relatives else [c for c in root.children if c.dep_ in {"relcl", "acl"}]
    for tok in _subtree(root, _CLAUSE_TOKENS):
        if any(c.left_edge.i <= tok.i <= c.right_edge.i for c in skipped):
            continue
        if tok.text == "-":
            continue  # "politically-motivated", "witch-hunt": the pair across the hyphen
        lemma = tok.lemma_.lower()
        if tok.pos_ != "PROPN":  # a name's words judge nothing: "the Patriot Act", "Great Lakes"
            pair = cues.JUDGEMENT_PAIRS.get((previous, lemma))
            # the pair replaces what its second word alone would have added
            score += cues.JUDGEMENTS.get(lemma, 0) if pair is None else pair
        previous = lemma
        if lemma in cues.NECESSITY:
            score += duty
    sign = (score > 0) - (score < 0)
    return -sign if negated(root) else sign


def _subtree(root: Token, limit: int) -> Span:
    """The first ``limit`` tokens of ``root``'s subtree (contiguous: the parse is projective),
    so that reading a clause never costs more than ``limit`` tokens."""
    start = root.left_edge.i
    return root.doc[start : min(root.right_edge.i + 1, start + limit)]


def subtree_text(root: Token, limit: int) -> str:
    return " ".join(t.text for t in _subtree(root, limit))


def _prior(lemma: str) -> int:
    return (
        cues.VERBS.get(lemma)
        or cues.NOUNS.get(lemma)
        or cues.ADJECTIVES.get(lemma)
        or cues.JUDGEMENTS.get(lemma)
        or 0
    )


def sides(a: Token, b: Token) -> tuple[list[str], list[str], Token | None]:
    """Dependency labels from ``a`` up to the common ancestor, from there down to ``b``, and
    that ancestor (None when the two are in different sentences)."""
    chain_b = [b, *islice(b.ancestors, _MAX_DEPTH)]
    depth = {t.i: n for n, t in enumerate(chain_b)}
    up: list[str] = []
    for t in (a, *islice(a.ancestors, _MAX_DEPTH)):
        if t.i in depth:
            return up, [x.dep_ for x in reversed(chain_b[: depth[t.i]])], t
        up.append(t.dep_)
    return up, [], None


def _path(up: list[str], down: list[str], top: Token | None) -> str:
    """ "^nsubj/vdobj": up to the common ancestor, then down (the parts :func:`sides` reads)."""
    if top is None:
        return "none"
    if len(up) + len(down) > _MAX_PATH:
        return "far"
    return "/".join(["^" + d for d in up] + ["v" + d for d in down]) or "self"
