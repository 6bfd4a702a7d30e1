"""Who holds a stance: the subject of a predicate, resolved to an entity of the article.

Besides names, subjects can be pronouns ("he", "they"), relative pronouns ("Putin, who
refused ..."), or definite descriptions ("the minister"); these resolve to the nearest
preceding compatible entity, preferring recent sentence subjects, as news prose does. When
nothing compatible was named before (an excerpt opening on "The prime minister said ..."),
the first compatible entity named in the next two sentences, a subject first (stance
candidates whose holder is named only after their sentence carry a source of their own).
Tone's pronoun mentions never look ahead.

A sentence's subject, for a later pronoun, is its main clause's ("X urged Y, Z said ...":
"he" is Z), and a subject pronoun never means a name its own clause goes on to use ("He
took a swipe at Mr. Obama"). A person's campaign or administration ("Biden campaign",
"the Trump administration") and the members of a party or country ("GOP leaders") are
holders of their own, named as written; they are no entities of the article and get no
tone.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

from spacy.tokens import Doc, Token

from pipeline.enrich import cues
from pipeline.enrich import gazetteer as gz
from pipeline.enrich.document import Document
from pipeline.enrich.entities import Cluster
from pipeline.enrich.lexicon import MEDIA, SPEECH_VERBS
from pipeline.enrich.mentions import RawMention, clean_name, name_key
from pipeline.models import TextField

HOLDER_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_GROUP_LABELS = frozenset({"ORG", "GPE", "NORP"})
_MEMBER_NOUNS = frozenset(
    {"leader", "leadership", "member", "head", "spokesman", "spokeswoman", "official"}
)
# Nouns for the organisation around a person: "the Trump administration", "Biden campaign".
_PERSON_GROUPS = frozenset({"campaign", "administration", "camp", "team", "network", "government"})
# Plural nouns for the members of a party, a country or a body: "GOP leaders" hold a stance
# as a group, and news names them so; the party alone ("GOP") is not the holder.
_MEMBERS_OF = frozenset(
    {"leader", "lawmaker", "official", "critic", "senator", "member", "legislator",
     "politician", "activist", "medium", "media"}
)  # fmt: skip
# The same, but only in the plural: "Democratic governors" are a group, "the Democratic
# governor" is one person.
_MEMBERS_PLURAL = frozenset(
    {"councillor", "councilor", "mp", "minister", "delegate", "representative", "governor",
     "mayor"}
)  # fmt: skip
# A person's followers or foes, named after the person ("Bernie Sanders supporters", "Clinton
# critics"): a group the text does not name, whose position is not the person's own.
_FOLLOWERS = frozenset(
    {"supporter", "critic", "opponent", "fan", "follower", "backer", "loyalist", "voter",
     "ally", "detractor", "admirer", "defender", "donor", "sympathizer", "sympathiser",
     "devotee", "foe"}
)  # fmt: skip
# People tied to an organisation who speak for themselves, not for it: "Shell shareholders
# rejected the resolution", "Boeing machinists approve contract".
_STAKEHOLDERS = frozenset(
    {"shareholder", "stockholder", "investor", "machinist", "worker", "employee", "customer",
     "user", "subscriber", "driver", "pilot", "nurse", "doctor", "teacher", "student",
     "resident", "passenger", "patient", "creditor", "bondholder", "franchisee", "contractor"}
)  # fmt: skip
# Bodies a place's name can qualify that are not its government: "the NY police union"
# warns as a union, not as New York ("China's commerce ministry" stays China's).
_PLACE_BODIES = frozenset(
    {"union", "company", "firm", "group", "bank", "airline", "manufacturer", "retailer",
     "startup", "movement", "militia", "network", "organization", "organisation",
     "association", "federation", "league", "club", "party", "newspaper"}
)  # fmt: skip
_RELATIVES = frozenset({"who", "which", "that", "whom"})
_NOMINAL = frozenset({"he", "him", "she", "her", "they", "them", "it"})
_POSSESSIVE_LABELS: dict[str, tuple[frozenset[str], bool]] = {
    "his": (frozenset({"PERSON"}), False),
    "hers": (frozenset({"PERSON"}), False),
    "their": (frozenset({"ORG", "GPE", "NORP"}), True),
    "its": (frozenset({"ORG", "GPE"}), False),
}
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
# Words of a role between an organisation's name and a person's: "police *president*",
# "Tesla *chief executive*", "the union's *vice president*".
_ROLE_WORDS = gz.PERSON_ROLES | {"vice", "deputy", "chief", "executive", "general", "national"}
_LOOKBACK_SENTENCES = 3
_LOOKAHEAD_SENTENCES = 2  # how far ahead a description or pronoun named nothing before looks
_ANTECEDENT_STEPS = 12  # earlier mentions an object pronoun looks through: bounded, so linear
_OBJECT_PRONOUNS: dict[str, frozenset[str]] = {
    "him": frozenset({"PERSON"}),
    "her": frozenset({"PERSON"}),
    "them": frozenset({"PERSON", "ORG", "GPE", "NORP"}),
}
# Verbs whose "it" subject is impersonal: how things are, not what an organisation does.
_IMPERSONAL_VERBS = frozenset(
    {"be", "seem", "appear", "become", "remain", "mean", "take", "come", "happen", "look",
     "sound", "feel", "matter", "get", "go", "make"}
)  # fmt: skip
_PREDICATE_TOKENS = 12  # words of an impersonal verb's predicate read for a stance word
MAX_CONJUNCTS = 24
_CLAUSE_TOKENS = 60  # tokens of a pronoun's clause read for names it cannot mean

# Confidence factors: the less direct the resolution, the less sure the tag.
PRONOUN_FACTOR = 0.85
DESCRIPTION_FACTOR = 0.75
LINKED_FACTOR = 0.9


@dataclass(frozen=True)
class Occurrence:
    """A mention's position and role, for looking back from a pronoun."""

    order: tuple[int, int]
    sentence: int
    cluster: Cluster
    subject: bool
    conjoined: tuple[int, ...]  # ids of entities coordinated with it as one subject
    main: bool = False  # the subject of its sentence's main clause
    in_phrase: bool = False  # its coordination is a preposition's object ("supporters of A and B")


@dataclass
class _Prefix:
    """Look-ups over the occurrences before a position, for one set of entity labels:
    ``last[k]`` is the index of the last fitting occurrence among the first ``k`` (-1 if
    none); built once per article and label set, so that each look-back costs O(log n)."""

    last: list[int]
    last_subject: list[int]
    first_subject: dict[int, int]  # sentence -> first fitting subject occurrence in it
    titled: dict[str, list[int]] = field(default_factory=dict)


def _prefix_last(items: list[Occurrence], keep: Callable[[Occurrence], bool]) -> list[int]:
    found, last = [-1], -1
    for i, o in enumerate(items):
        if keep(o):
            last = i
        found.append(last)
    return found


@dataclass(frozen=True)
class Holders:
    entities: list[Cluster]
    factor: float


class HolderResolver:
    """Resolves subject tokens; built once per article."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._occurrences = sorted(self._index(), key=lambda o: o.order)
        self._orders = [o.order for o in self._occurrences]
        self._last_group = _prefix_last(
            self._occurrences, lambda o: o.subject and len(o.conjoined) > 1
        )
        # People named together in any role: "... got the attention of Senator A and
        # Congresswoman B. They criticised ..."
        self._last_people = _prefix_last(
            self._occurrences,
            lambda o: len(o.conjoined) > 1 and o.cluster.label == "PERSON" and not o.in_phrase,
        )
        self._by_id = {id(c): c for c in doc.clusters}
        self._prefixes: dict[frozenset[str], _Prefix] = {}
        self._anonymous: dict[str, tuple[int, int]] | None = None
        self._roles: (
            dict[tuple[str, int], list[tuple[Cluster, frozenset[str], str | None]]] | None
        ) = None
        # Holders that are no entity of the article: "the Trump administration" (see _group).
        self._groups: dict[str, Cluster] = {}
        # tone never looks ahead (pronoun_mentions turns it off)
        self._ahead = True

    def _index(self) -> list[Occurrence]:
        found: list[Occurrence] = []
        by_field = {p.field: p for p in self.doc.fields}
        groups = {p.field: _coordinations(p.doc) for p in self.doc.fields}
        for c in self.doc.clusters:
            for m in c.mentions:
                parsed = by_field[m.field]
                root = parsed.doc[m.tok_start : m.tok_end].root
                sent = self.doc.sentence_of(m.field, root.i)
                top, members = groups[m.field]
                partners = tuple(
                    id(e)
                    for i in members.get(top[root.i], [root.i])
                    if (e := self.doc.entity_of(m.field, parsed.doc[i])) is not None
                )
                found.append(
                    Occurrence(
                        (_field_order(m.field), root.i),
                        sent.index if sent else -1,
                        c,
                        _is_subject(root),
                        partners,
                        _is_main_subject(root),
                        _in_phrase(parsed.doc[top[root.i]]),
                    )
                )
        return found

    def resolve(self, field_name: TextField, token: Token) -> Holders:
        """Entities the subject ``token`` (and its conjuncts) stands for; an impersonal
        "it" ("it was a signal that ...", "it seems ...") stands for no holder."""
        entities: list[Cluster] = []
        factor = 1.0
        if impersonal_it(token) or platform(token):
            return Holders([], 0.0)
        parts = [token, *conjuncts(token)]
        if _counted_members(token, parts[1:], lambda t: self._entity(field_name, t)):
            parts = parts[1:]  # "Two Republicans from Arizona, Senator A and Senator B, …"
        for t in parts:
            found, f = self._resolve_one(field_name, t)
            for c in found:
                if c not in entities:
                    entities.append(c)
            factor = min(factor, f)
        return Holders(entities, factor if entities else 0.0)

    def agent(self, field_name: TextField, agent: Token, done_to: Iterable[Token]) -> Holders:
        """Who the agent of a passive stands for: never whom the verb is done to (the
        passive's subject, the noun a participle modifies, the subject a participle opener
        describes). A description resolves to the nearest fitting person, who may be that
        one ("Jeff Sessions was fired by the president"): then it is not known."""
        found = self.resolve(field_name, agent)
        patients = [self.doc.entity_of(field_name, t) for d in done_to for t in (d, *conjuncts(d))]
        kept = [c for c in found.entities if all(c is not p for p in patients)]
        return Holders(kept, found.factor if kept else 0.0)

    def possessor(self, field_name: TextField, t: Token) -> list[Cluster]:
        """Who a possessive names: "Corker's" -> Corker, "his"/"their" -> the entity the
        pronoun refers to (nearest fitting one before it)."""
        c = self._entity(field_name, t)
        if c is not None:
            return [c]
        spec = _POSSESSIVE_LABELS.get(t.lower_)
        if spec is not None and t.pos_ == "PRON":
            return self._look_back(field_name, t, spec[0], spec[1])
        return self._resolve_one(field_name, t)[0]

    def object_referent(
        self, field_name: TextField, t: Token, exclude: list[Cluster]
    ) -> list[Cluster]:
        """What an object pronoun ("endorsed *her*", "oppose *them*") refers to: the nearest
        earlier fitting entity that is not the subject (``exclude``), within the last few
        sentences; an object is never its own verb's subject."""
        labels = _OBJECT_PRONOUNS.get(t.lower_)
        if labels is None or t.pos_ != "PRON":
            return []
        found = self._recent(
            field_name, t, lambda c: c.label in labels and all(c is not x for x in exclude)
        )
        return agreeing(t.lower_, found)

    def _recent(
        self, field_name: TextField, t: Token, fits: Callable[[Cluster], bool]
    ) -> list[Cluster]:
        """The nearest entity before ``t`` that ``fits``, within the last few sentences and
        mentions (a bounded scan)."""
        k = bisect_left(self._orders, (_field_order(field_name), t.i))
        sent = self.doc.sentence_of(field_name, t.i)
        current = sent.index if sent else 0
        for o in reversed(self._occurrences[max(0, k - _ANTECEDENT_STEPS) : k]):
            if current - o.sentence > _LOOKBACK_SENTENCES:
                break
            if fits(o.cluster):
                return [o.cluster]
        return []

    def pronoun_mentions(self) -> list[tuple[TextField, Token, Cluster]]:
        """Personal and possessive pronouns with the entity each refers to, for tone."""
        found: list[tuple[TextField, Token, Cluster]] = []
        self._ahead = False
        try:
            self._pronouns(found)
        finally:
            self._ahead = True
        entities = {id(c) for c in self.doc.clusters}  # a campaign holder has no tone
        return [item for item in found if id(item[2]) in entities]

    def _pronouns(self, found: list[tuple[TextField, Token, Cluster]]) -> None:
        for parsed in self.doc.fields:
            for t in parsed.doc:
                lower = t.lower_
                if t.pos_ != "PRON" or (lower not in _POSSESSIVE_LABELS and lower not in _NOMINAL):
                    continue
                if lower in _POSSESSIVE_LABELS:
                    labels, plural = _POSSESSIVE_LABELS[lower]
                    clusters = self._look_back(parsed.field, t, labels, plural)
                else:
                    clusters = self._resolve_one(parsed.field, t)[0]
                found += [(parsed.field, t, c) for c in clusters]

    def _resolve_one(self, field_name: TextField, t: Token) -> tuple[list[Cluster], float]:
        apposed = self._apposed_people(field_name, t)
        if apposed:
            return apposed, 1.0
        members = self._included(field_name, t)
        c = self._entity(field_name, t)
        titled = self._titled_after(field_name, t, c) if c is not None else None
        if titled is not None:
            return [titled], 1.0
        if c is not None and c.label == "NORP" and one_member(t):
            return [], 1.0  # "a Republican", "the Chicago Democrat": one person, unnamed
        if c is not None:  # "Republicans, including Mitch McConnell": the party and he
            return [c, *(m for m in members if m is not c)], 1.0
        if members:
            return members, 1.0
        linked = self._linked(field_name, t)
        if linked is not None:
            return [linked], LINKED_FACTOR
        lower = t.lower_
        if lower in _RELATIVES and t.head.dep_ == "relcl":
            found, f = self._resolve_one(field_name, t.head.head)
            return found, f * 0.95
        speaker = _speaker_subject(t)
        if lower in _PERSON_PRONOUNS | {"they"} and speaker is not None:
            found, f = self._resolve_one(field_name, speaker)
            if found and (lower == "they" or all(c.label == "PERSON" for c in found)):
                return agreeing(lower, found), f * PRONOUN_FACTOR
        first = _first_subject(t) if lower in _PERSON_PRONOUNS else None
        meant = self.doc.entity_of(field_name, first) if first is not None else None
        if first is not None and (meant is None or (meant.label != "PERSON" and _personal(meant))):
            # it means a name the recogniser missed, or a lone name it took for an
            # organisation: guess none rather than a person named inside the first clause. A
            # group or a known place it cannot mean, and the look-back below goes on
            # ("Democrats criticized John Smith, but he …")
            return [], PRONOUN_FACTOR
        if lower in _PERSON_PRONOUNS:
            found = self._look_back(field_name, t, {"PERSON"}, plural=False)
            if found and t.dep_ in _SUBJECT_DEPS:
                named = self._named_in_clause(field_name, t)
                if id(found[0]) in named:
                    found = []  # the likeliest antecedent is impossible: guess no further
            return found, PRONOUN_FACTOR
        if lower in {"they", "them", "it"}:
            labels, plural = (_GROUP_LABELS, True) if lower != "it" else ({"ORG", "GPE"}, False)
            found = self._look_back(field_name, t, labels, plural=plural)
            if found and t.dep_ in _SUBJECT_DEPS:
                # "they accused Kennedy, the State Department and the F.B.I. of collusion":
                # not the F.B.I., whom their verb's object names
                named = self._objects_named(field_name, t.head)
                found = [c for c in found if id(c) not in named]
            return found, PRONOUN_FACTOR
        return self._description(field_name, t), DESCRIPTION_FACTOR

    def _titled_after(self, field_name: TextField, t: Token, c: Cluster) -> Cluster | None:
        """The person an organisation's name and a role introduce: "Fraternal Order of
        Police president Chuck Canterbury said", which the parser reads with the
        organisation as the subject ("Tesla CEO Elon Musk", read right, is Musk's)."""
        if c.label == "PERSON":
            return None
        doc = t.doc
        end = t.i
        while end < len(doc) and self.doc.entity_of(field_name, doc[end]) is c:
            end += 1
        role = end
        while role < min(end + 3, len(doc)) and doc[role].lemma_.lower() in _ROLE_WORDS:
            role += 1
        if role == end or role >= len(doc) or doc[role - 1].lemma_.lower() not in gz.PERSON_ROLES:
            return None
        person = self.doc.entity_of(field_name, doc[role])
        return person if person is not None and person.label == "PERSON" else None

    def _apposed_people(self, field_name: TextField, t: Token) -> list[Cluster]:
        """People named in apposition to a group or a title the recogniser took for one:
        "Two Republicans from Arizona, Senator John McCain and Senator Jeff Flake,
        denounced ..." and "the Grand Mufti of Jerusalem, Mohammad Hussein, called ..." are
        the positions of the people named, not of the party or of a "Grand Mufti" entity.
        A person's own name keeps it ("Obama, the president, said ...")."""
        own = self.doc.entity_of(field_name, t)
        if own is not None and own.label == "PERSON":
            return []
        found: list[Cluster] = []
        # An apposition stands next to its noun: one the parser hung on the subject from
        # beyond its verb ("Americans for Tax Reform's Norquist is lashing out at X --
        # especially Rep. Peter King --") belongs to something else.
        limit = t.head.i if t.head.i > t.i else len(t.doc)
        # "the incoming speaker of the State Assembly, Vincent Prieto, stood …": the parser
        # hangs the name on the nearer noun; a person is no apposition of an organisation,
        # a place or a group
        of_objects = [
            o
            for p in t.children
            if p.dep_ == "prep" and p.lower_ == "of"
            for o in p.children
            if o.dep_ == "pobj" and _is_body(self._entity(field_name, o))
        ]
        for child in [*t.children, *(c for o in of_objects for c in o.children)]:
            if child.dep_ != "appos" or child.i > limit:
                continue
            for name in [child, *conjuncts(child)]:
                c = self._entity(field_name, name)
                if c is not None and c.label == "PERSON" and c not in found:
                    found.append(c)
        return found

    def _included(self, field_name: TextField, t: Token) -> list[Cluster]:
        """The people and organisations a subject names as its members: "an all-party group
        *including* Labour MP Jane Cole and Tim Hart", "opponents such as the ACLU",
        "Republicans, including Mitch McConnell". A group's "of" names its members too ("a
        group of lawmakers including A and B"), anyone else's not ("critics of tech giants
        such as Google" are not Google)."""
        if t.pos_ not in {"NOUN", "PROPN"}:
            return []
        found: list[Cluster] = []
        of = [
            o
            for p in t.children
            if p.lower_ == "of" and t.lemma_.lower() in _COLLECTIVES
            for o in p.children
            if o.dep_ == "pobj"
        ]
        for prep in (p for noun in [t, *of] for p in noun.children):
            if prep.dep_ != "prep" or prep.lower_ not in {"including", "as"}:
                continue
            if prep.lower_ == "as" and not any(c.lower_ == "such" for c in prep.children):
                continue
            for o in prep.children:
                if o.dep_ != "pobj":
                    continue
                for name in [o, *conjuncts(o)]:
                    c = self._entity(field_name, name)
                    if c is not None and c.label in {"PERSON", "ORG"} and c not in found:
                        found.append(c)
        return found

    def _named_in_clause(self, field_name: TextField, pronoun: Token) -> set[int]:
        """Entities named after a subject pronoun in its own clause. A pronoun never means a
        name its clause goes on to use: in "He took a swipe at Mr. Obama", "he" is not
        Obama. At most ``_CLAUSE_TOKENS`` tokens are read, so that a sentence of many
        pronouns stays linear."""
        doc = pronoun.doc
        end = min(pronoun.head.right_edge.i + 1, pronoun.i + 1 + _CLAUSE_TOKENS)
        found = (self.doc.entity_of(field_name, tok) for tok in doc[pronoun.i + 1 : end])
        return {id(c) for c in found if c is not None}

    def _objects_named(self, field_name: TextField, verb: Token) -> set[int]:
        """Entities a verb's direct objects name, coordinated ones included (also where the
        parser hangs the list on the first as an apposition: "Kennedy, the State Department
        and the F.B.I.")."""
        objects = [c for c in verb.children if c.dep_ == "dobj"]
        objects += [a for c in objects for a in c.children if a.dep_ == "appos"]
        named = (self.doc.entity_of(field_name, o) for c in objects for o in [c, *conjuncts(c)])
        return {id(c) for c in named if c is not None}

    def role_holder(self, field_name: TextField, t: Token) -> Cluster | None:
        """The person an owner's role names where the article names who holds it: "China's
        ambassador to Britain accused ..." is Liu Xiaoming when the article says "China's
        ambassador to Britain Liu Xiaoming" or "Liu Xiaoming, China's ambassador", before or
        after; None when it names no one, or several, so titled. The post must be the same
        one, its words and its place: a former or a new holder, a deputy prime minister or a
        finance minister is another post than the prime minister or the defence minister,
        and "Britain's ambassador to the EU" is neither its ambassador to Washington nor the
        one the article names only as its "ambassador"; an unplaced "ambassador" is whoever
        the article names as the only one."""
        owner = self._role_owner(field_name, t)
        if owner is None:
            return None
        if self._roles is None:
            self._roles = self._index_roles()
        post, place = _post_words(t), self._post_place(field_name, t)
        found = {
            id(p): p
            for p, p_post, p_place in self._roles.get((t.lemma_.lower(), id(owner)), [])
            if p_post == post and place in {None, p_place}
        }
        return next(iter(found.values())) if len(found) == 1 else None

    def _role_owner(self, field_name: TextField, t: Token) -> Cluster | None:
        """The entity owning a person's role noun: "*China*'s ambassador"."""
        if t.pos_ != "NOUN" or t.lemma_.lower() not in gz.PERSON_ROLES:
            return None
        poss = next((c for c in t.children if c.dep_ == "poss"), None)
        return self._entity(field_name, poss) if poss is not None else None

    def _post_place(self, field_name: TextField, role: Token) -> str | None:
        """Where a post is held: "ambassador *to Washington*", "envoy *to the EU*"; None."""
        for prep in role.children:
            if prep.dep_ != "prep" or prep.lower_ not in {"to", "at", "in", "for"}:
                continue
            # the parser may glue the place to the name after it: "to [Britain Liu Xiaoming]"
            # as the preposition's object, or "to" left bare and "Britain Liu Xiaoming" the
            # role's apposition
            objects = [o for o in prep.children if o.dep_ == "pobj"] or [
                a for a in role.children if a.dep_ == "appos" and a.i > prep.i
            ]
            for obj in objects:
                places = [c for c in obj.children if c.dep_ == "compound"]
                for tok in [*places, obj]:
                    named = self.doc.entity_of(field_name, tok)
                    if named is not None and named.label != "PERSON":
                        return named.name
                if obj.dep_ == "pobj":
                    return obj.lower_
        return None

    def _index_roles(
        self,
    ) -> dict[tuple[str, int], list[tuple[Cluster, frozenset[str], str | None]]]:
        """(role lemma, owner) -> the people named in apposition with that owner's role,
        the words that make the post ("former", "deputy", "finance") and where it is held."""
        found: dict[tuple[str, int], list[tuple[Cluster, frozenset[str], str | None]]] = {}
        for parsed in self.doc.fields:
            for tok in parsed.doc:
                owner = self._role_owner(parsed.field, tok)
                if owner is None:
                    continue
                named = [c for c in tok.children if c.dep_ == "appos"]
                if tok.dep_ == "appos":
                    named.append(tok.head)  # "Liu Xiaoming, China's ambassador"
                # "China's ambassador to Britain Liu Xiaoming": the name ends the phrase, where
                # the parser takes it for the object of "to", glued to the place
                last = parsed.doc[tok.right_edge.i]
                if _glued_to_place(self.doc, parsed.field, tok, last):
                    named.append(last)
                entry = (_post_words(tok), self._post_place(parsed.field, tok))
                for n in named:
                    person = self.doc.entity_of(parsed.field, n)
                    if person is not None and person.label == "PERSON":
                        found.setdefault((tok.lemma_.lower(), id(owner)), []).append(
                            (person, *entry)
                        )
        return found

    def _linked(self, field_name: TextField, t: Token) -> Cluster | None:
        """An entity naming a noun subject: "his adviser, X", "the Trump administration",
        "China's commerce ministry", "leaders of the X union"."""
        titled = self.role_holder(field_name, t)
        if titled is not None:
            return titled
        lemma = t.lemma_.lower()
        if lede_description(t):
            return self.named_after(field_name, t)
        for child in t.children:
            c = self._entity(field_name, child)
            if c is None:
                continue
            if lemma in _PERSON_GROUPS and child.dep_ in {"compound", "poss"} and _personal(c):
                return self._group(field_name, child, t, c)
            members = (lemma in _MEMBERS_OF or (lemma in _MEMBERS_PLURAL and t.tag_ == "NNS")) and (
                c.label in _GROUP_LABELS
            )
            if members and child.dep_ in {"amod", "compound"}:  # "GOP leaders"
                named = self._qualified_person(field_name, child, t)
                return named or self._group(field_name, child, t, c, whole=False)
            if child.dep_ == "appos":
                return c
            if child.dep_ in {"compound", "poss"} and _local_body(c, child, t):
                return self._group(field_name, child, t, c)
            if child.dep_ == "compound" and lemma in _FOLLOWERS and c.label == "PERSON":
                return None  # "Bernie Sanders supporters accused X": not Sanders
            if child.dep_ == "compound" and lemma in _STAKEHOLDERS:
                return None
            if child.dep_ == "compound" and lemma not in gz.PERSON_ROLES:
                return c  # "UN chief" is a person we cannot name, not the UN
            if child.dep_ in {"poss", "amod", "compound"} and lemma in gz.ORG_ROLES:
                return c if c.label == "GPE" else None
        for prep in t.children:
            if prep.dep_ == "prep" and prep.lower_ == "of" and lemma in _MEMBER_NOUNS:
                for obj in prep.children:
                    c = self._entity(field_name, obj) or self._linked(field_name, obj)
                    if c is not None and c.label in _GROUP_LABELS:
                        return c
        return None

    def _qualified_person(
        self, field_name: TextField, qualifier: Token, t: Token
    ) -> Cluster | None:
        """ "*The Palestinian leader* said": one person, the last one the text introduced with
        those words ("Palestinian leader Yasser Arafat"), not the Palestinians' leaders."""
        if t.tag_ != "NN" or not _definite(t):
            return None
        doc = t.doc
        found: tuple[int, Cluster] | None = None
        for c in self.doc.clusters:
            if c.label != "PERSON":
                continue
            for m in c.mentions:
                at = m.tok_start
                if m.field != field_name or not 2 <= at < t.i or (found and found[0] >= at):
                    continue
                if doc[at - 1].lower_ == t.lower_ and doc[at - 2].lower_ == qualifier.lower_:
                    found = (at, c)
        return found[1] if found else None

    def named_after(self, field_name: TextField, t: Token) -> Cluster | None:
        """The one actor a lede describes without naming ("A Nigerian senator has sued ...",
        "Britain's largest nursing union rejected ...") is the one the next sentences name:
        a person so titled, or an organisation its kind allows; else no one (the
        description is no name, and no group either)."""
        lemma = t.lemma_.lower()
        person = lemma in gz.PERSON_ROLES or lemma in _MEMBERS_OF
        k = bisect_left(self._orders, (_field_order(field_name), t.i))
        sent = self.doc.sentence_of(field_name, t.i)
        current = sent.index if sent else 0
        for o in self._occurrences[k : k + _ANTECEDENT_STEPS]:
            if not 1 <= o.sentence - current <= _LOOKAHEAD_SENTENCES:
                continue
            c = o.cluster
            if person and c.label == "PERSON" and lemma in c.titles:
                return c
            if not person and c.label == "ORG" and not _other_kind(c, lemma):
                return c
        return None

    def _group(
        self, field_name: TextField, owner: Token, noun: Token, person: Cluster, whole: bool = True
    ) -> Cluster:
        """The organisation a person's name qualifies: "Biden campaign accuses Trump" is the
        campaign's position, not Biden's own, and news names it so ("the Trump
        administration", "Clinton's campaign"); also a party's or a country's members
        ("GOP leaders", "Democratic lawmakers"), named by the entity's mention and the noun
        alone (``whole`` False: "Democratic and GOP lawmakers" gives "Democratic
        lawmakers"). One holder per name in the article."""
        mention = next(
            (
                m
                for m in person.mentions
                if m.field == field_name and m.tok_start <= owner.i < m.tok_end
            ),
            None,
        )
        doc = noun.doc
        start = mention.tok_start if mention is not None else owner.i
        a, b = doc[start].idx, noun.idx + len(noun.text)
        text = next(p.text for p in self.doc.fields if p.field == field_name)[a:b]
        if not whole and mention is not None:
            text = f"{mention.text} {noun.text}"
        key = name_key(text)
        found = self._groups.get(key)
        if found is None:
            raw = RawMention(field_name, a, b, text, start, noun.i + 1)
            found = Cluster([raw], clean_name(text), "ORG")
            self._groups[key] = found
        return found

    def _entity(self, field_name: TextField, t: Token) -> Cluster | None:
        c = self.doc.entity_of(field_name, t)
        return c if c is not None and c.label in HOLDER_LABELS else None

    def _prefix(self, labels: set[str] | frozenset[str]) -> _Prefix:
        key = frozenset(labels)
        found = self._prefixes.get(key)
        if found is None:
            occ = self._occurrences
            # A sentence's subject is its main clause's, when that is a fitting entity: in
            # "X urged Y, Z said Wednesday", a later "he" is the speaker Z, not X.
            first: dict[int, int] = {}
            main: dict[int, int] = {}
            for i, o in enumerate(occ):
                if o.subject and o.cluster.label in key and o.sentence >= 0:
                    first.setdefault(o.sentence, i)
                    if o.main:
                        main.setdefault(o.sentence, i)
            first.update(main)
            found = _Prefix(
                _prefix_last(occ, lambda o: o.cluster.label in key),
                _prefix_last(occ, lambda o: o.subject and o.cluster.label in key),
                first,
            )
            self._prefixes[key] = found
        return found

    def _look_back(
        self, field_name: TextField, t: Token, labels: set[str] | frozenset[str], plural: bool
    ) -> list[Cluster]:
        """:meth:`_nearest`; when its pick contradicts the pronoun's gender, the nearest
        person before whose titles agree with it, if any ("Mr. Macron met Mrs. Merkel. She
        said …": Merkel)."""
        at = _before_own_quote(t)
        found = self._nearest(field_name, at, labels, plural)
        kept = agreeing(t.lower_, found)
        if kept or not found:
            return kept
        wanted = "m" if t.lower_ in _MALE_PRONOUNS else "f"
        return self._recent(field_name, at, lambda c: c.label in labels and _gender(c) == wanted)

    def _nearest(
        self, field_name: TextField, t: Token, labels: set[str] | frozenset[str], plural: bool
    ) -> list[Cluster]:
        """Nearest preceding compatible entity, preferring subjects of recent sentences."""
        here = (_field_order(field_name), t.i)
        k = bisect_left(self._orders, here)  # occurrences [0, k) come before ``t``
        sent = self.doc.sentence_of(field_name, t.i)
        current = sent.index if sent else 0
        occ = self._occurrences
        if plural:
            g = self._last_group[k]
            if g >= 0 and current - occ[g].sentence <= 1:
                ids = dict.fromkeys(occ[g].conjoined)
                return [self._by_id[i] for i in ids if i in self._by_id]
        fit = self._prefix(labels)
        same = fit.last_subject[k]
        if same >= 0 and occ[same].sentence == current:
            return [occ[same].cluster]
        if plural and fit.first_subject.get(current - 1) is None:
            # no group was the last sentence's subject: the people it named together, not a
            # nationality adjective beside them ("two Democratic politicians: A and B",
            # "Reporters asked A and B about the wall. They rejected ..."); with none, a
            # plural noun that was its subject is who they are, named nowhere ("Voters in
            # Ohio turned against A and B. They backed C")
            g = self._last_people[k]
            if g >= 0 and occ[g].sentence == current - 1:
                ids = dict.fromkeys(occ[g].conjoined)
                people = [self._by_id[i] for i in ids if i in self._by_id]
                return [c for c in people if c.label == "PERSON"]
            if current > 0 and self._plural_subject(current - 1):
                return []  # not a place or a company the protesters, farmers ... were at

        for back in range(1, _LOOKBACK_SENTENCES + 1):
            first = fit.first_subject.get(current - back)
            if first is not None and first < k:
                return [occ[first].cluster]
        if fit.last[k] >= 0:
            return [occ[fit.last[k]].cluster]
        return self._look_ahead(k, current, labels)

    def _plural_subject(self, index: int) -> bool:
        """Is the main subject of sentence ``index`` a plural common noun ("Voters",
        "Protesters")?"""
        sent = self.doc.sentences[index].span
        return any(
            t.dep_ in _SUBJECT_DEPS and t.tag_ == "NNS" and t.head.i == sent.root.i for t in sent
        )

    def _look_ahead(self, k: int, current: int, labels: set[str] | frozenset[str]) -> list[Cluster]:
        """Nothing fitting was named before: a document often opens on "the prime minister"
        or "he" and names him in the next sentence or two. The first fitting subject among
        the next few mentions of those sentences, else the first fitting mention. Never in
        its own sentence: there the name is mostly someone else ("the minister criticised
        X"), and looking there cost cross-validated precision (0.668 against 0.704 at 0.55
        on dev+train)."""
        ahead = [
            o
            for o in self._occurrences[k : k + _ANTECEDENT_STEPS]
            if o.cluster.label in labels and 1 <= o.sentence - current <= _LOOKAHEAD_SENTENCES
        ]
        pick = next((o for o in ahead if o.subject), ahead[0] if ahead else None)
        if pick is None or not self._ahead:
            return []
        return [pick.cluster]

    def _description(self, field_name: TextField, t: Token) -> list[Cluster]:
        """ "the minister" -> the nearest person titled minister, else the nearest person."""
        if not _definite(t):
            return []
        if t.tag_ in {"NNS", "NNPS"}:
            return []  # "the two governments", "the companies": several, never one entity
        lemma = t.lemma_.lower()
        if lemma in gz.PERSON_ROLES:
            if self._introduced_anonymously(field_name, t):
                return []  # "a senior official ... the official said": not a named entity
            labels = {"PERSON"}
        elif lemma in _GOVERNMENTS:
            # "the government" is a government named before ("the Trump administration",
            # "Japan's foreign ministry", the White House), never the nearest organisation
            # of any kind: a party, a news agency or a company criticised nothing for it
            return self._recent(field_name, t, _is_government)
        elif lemma in gz.ORG_ROLES:
            labels = {"ORG"}
        elif lemma in gz.GPE_ROLES:
            labels = {"GPE"}
        else:
            return []
        k = bisect_left(self._orders, (_field_order(field_name), t.i))
        fit = self._prefix(labels)
        titled = self._titled(labels, lemma)
        pick = titled[k] if titled[k] >= 0 else fit.last[k]
        if pick < 0:
            sent = self.doc.sentence_of(field_name, t.i)
            return self._look_ahead(k, sent.index if sent else 0, labels)
        found = self._occurrences[pick].cluster
        if titled[k] < 0 and labels == {"PERSON"} and _holds_another_post(found, lemma):
            # "Opposition Leader Simon Crean ... the Prime Minister has": not Crean
            return []
        if labels == {"ORG"} and _other_kind(found, lemma):
            # "the union" is no ministry: the nearest organisation its name allows, if any
            return self._recent(
                field_name, t, lambda c: c.label == "ORG" and not _other_kind(c, lemma)
            )
        return [found]

    def _titled(self, labels: set[str], lemma: str) -> list[int]:
        """For each occurrence position, the last entity before it with the title ``lemma``."""
        fit = self._prefix(labels)
        titled = fit.titled.get(lemma)
        if titled is None:
            titled = _prefix_last(
                self._occurrences, lambda o: o.cluster.label in labels and lemma in o.cluster.titles
            )
            fit.titled[lemma] = titled
        return titled

    def titled_person(self, field_name: TextField, t: Token) -> Cluster | None:
        """The person a definite role description names when someone so titled was named
        before it ("Governor Newland praised *the mayor*": the mayor named earlier); None
        when no one was, since a target, unlike a holder, is not guessed from the nearest
        person."""
        if t.pos_ != "NOUN" or t.tag_ == "NNS" or t.lemma_.lower() not in gz.PERSON_ROLES:
            return None
        if not _definite(t):
            return None
        if any(c.dep_ in {"amod", "compound", "poss", "prep", "nmod"} for c in t.children):
            return None  # "the former president", "the Hamas leader": maybe another one
        k = bisect_left(self._orders, (_field_order(field_name), t.i))
        pick = self._titled({"PERSON"}, t.lemma_.lower())[k]
        return self._occurrences[pick].cluster if pick >= 0 else None

    def described_organisation(self, field_name: TextField, t: Token) -> Cluster | None:
        """The organisation a definite role noun names as a target ("accused *the company* of
        negotiating in bad faith"): the nearest one before it, within the last few sentences,
        whose name says it is of that kind ("Acme Corp", "the National Union of Teachers");
        "the government" only a government. Stricter than for a holder: a name that says
        nothing of its kind ("AURD", "ACT-Wazalendo") is left alone, as a wrong target is a
        wrong tag."""
        if t.pos_ != "NOUN" or t.tag_ != "NN":
            return None
        lemma = t.lemma_.lower()
        if lemma not in gz.ORG_ROLES or lemma in {"campaign", "movement", "network"}:
            return None
        if not any(c.dep_ == "det" and c.lower_ == "the" for c in t.children):
            return None
        if any(c.dep_ in {"amod", "compound", "poss"} for c in t.children):
            return None  # "the rival company", "the Ohio union": another one
        fits = (
            _is_government
            if lemma in _GOVERNMENTS
            else (lambda c: c.label == "ORG" and _of_kind(c, lemma))
        )
        found = self._recent(field_name, t, fits)
        return found[0] if found else None

    def _introduced_anonymously(self, field_name: TextField, t: Token) -> bool:
        """Did an earlier indefinite "a/an ... <role>" without a name introduce someone?"""
        if self._anonymous is None:
            self._anonymous = {}
            for parsed in self.doc.fields:
                order = _field_order(parsed.field)
                for tok in parsed.doc:
                    if not any(c.lower_ in {"a", "an"} for c in tok.children):
                        continue
                    named = any(
                        self.doc.entity_of(parsed.field, c) is not None
                        for c in tok.children
                        if c.dep_ in {"appos", "compound"}
                    )
                    if not named:
                        self._anonymous.setdefault(tok.lemma_.lower(), (order, tok.i))
        first = self._anonymous.get(t.lemma_.lower())
        return first is not None and first < (_field_order(field_name), t.i)


def impersonal_it(t: Token) -> bool:
    """Is ``t`` an "it" whose verb says how things are rather than what someone does: a
    copula or a raising verb ("it was a signal that ...", "it seems ...", "it takes ...",
    "it means ..."). On real news such an "it" is almost never an organisation holding a
    stance, yet the look-back would give it the last organisation named."""
    if t.lower_ != "it" or t.head.lemma_.lower() not in _IMPERSONAL_VERBS:
        return False
    verb = t.head
    if any(c.dep_ == "prt" for c in verb.children):
        return False  # "it came out against the law"
    # "It is opposed to the law", "It has been critical of", "It was quick to condemn",
    # "It is a longtime supporter of": a stance word in the predicate makes it a holder
    predicate = (
        w
        for c in verb.children
        if c.dep_ in {"acomp", "attr", "xcomp", "oprd", "dobj"}
        for w in islice(c.subtree, _PREDICATE_TOKENS)
    )
    return not any(_stance_word(w) for w in predicate)


def _stance_word(w: Token) -> bool:
    lemma = w.lemma_.lower()
    return lemma in cues.VERBS or lemma in cues.NOUNS or lemma in cues.ADJECTIVES


# Titles that say a person's gender ("Mrs. Clinton", "Mr. Trump"): mentions keep the titles
# before the name, lower-cased.
_MALE_TITLES = frozenset({"mr", "mr.", "sir", "lord", "king", "prince", "father", "brother"})
_FEMALE_TITLES = frozenset(
    {"mrs", "mrs.", "ms", "ms.", "miss", "lady", "dame", "queen", "princess", "sister"}
)
_MALE_PRONOUNS = frozenset({"he", "him", "his", "himself"})
_FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself"})


def _post_words(role: Token) -> frozenset[str]:
    """The words before a role noun that make the post what it is: "*deputy prime* minister",
    "*finance* minister", "*former* ambassador", "*new* ambassador" (names aside)."""
    return frozenset(
        c.lower_
        for c in role.subtree
        if c.i < role.i and c.dep_ in {"amod", "compound", "nmod", "advmod"} and c.ent_type_ == ""
    )


def _glued_to_place(doc: Document, field_name: TextField, role: Token, last: Token) -> bool:
    """Is ``last`` a name the parser made the object of the role's own preposition together
    with the place before it ("ambassador to [Britain Liu Xiaoming]"), not someone the
    phrase goes on to name ("ambassador to the talks with John Kerry", "to Washington under
    Angela Merkel")?"""
    prep = last.head
    if last.dep_ != "pobj" or prep.head.i != role.i:
        return False
    return any(
        c.dep_ == "compound"
        and (p := doc.entity_of(field_name, c)) is not None
        and p.label == "GPE"
        for c in last.children
    )


def one_member(t: Token) -> bool:
    """Is a group's word used of one member: a singular noun with an article or a modifier
    ("a Republican criticized ...", "the bombastic Chicago Democrat gave ...")?"""
    if t.tag_ not in {"NN", "NNP"} or t.lower_.endswith("s"):
        return False
    # "The French rejected the proposal" is the people: "the" alone says nothing of number
    return any(
        (c.dep_ == "det" and c.lower_ in {"a", "an", "one", "another"})
        or c.dep_ in {"amod", "compound"}
        for c in t.children
    )


def _gender(c: Cluster) -> str | None:
    """ "m", "f" or unknown, from the titles of the person's mentions (never a guess from the
    name: the project ships no name lists)."""
    if c.label != "PERSON":
        return None
    titles = {t for m in c.mentions for t in m.titles}
    male, female = bool(titles & _MALE_TITLES), bool(titles & _FEMALE_TITLES)
    return "m" if male and not female else "f" if female and not male else None


def agreeing(pronoun: str, found: list[Cluster]) -> list[Cluster]:
    """``found`` without the people whose titles contradict a gendered pronoun. The pick is
    not replaced by the next candidate: the resolver's guess was the likeliest one, and when
    it is impossible, no holder beats a wrong one ("Mrs. Merkel criticised the plan. He …")."""
    wrong = "f" if pronoun in _MALE_PRONOUNS else "m" if pronoun in _FEMALE_PRONOUNS else None
    if wrong is None:
        return found
    return [c for c in found if _gender(c) != wrong]


def _first_subject(pronoun: Token) -> Token | None:
    """The name subject of the first clause when ``pronoun`` is the subject of a clause
    coordinated with it ("Flake has long been critical of President Trump, but he ..."):
    the pronoun means that subject. When the recogniser missed the name (or took it for an
    organisation), the look-back would give a person from inside the first clause instead
    (Trump)."""
    if pronoun.dep_ != "nsubj" or pronoun.head.dep_ != "conj":
        return None
    first = _climb(pronoun.head, {"conj"})
    subject = next((c for c in first.children if c.dep_ in _SUBJECT_DEPS), None)
    if subject is None or subject.i > pronoun.i:
        return None
    # the small model tags a missed surname at a sentence's start as a common noun, singular
    # ("Flake"), where a capitalised plural is a group word ("Critics attacked …")
    name = subject.pos_ == "PROPN" or (
        subject.tag_ == "NN" and subject.text[:1].isupper() and subject.is_sent_start
    )
    return subject if name else None


def _local_body(c: Cluster, owner: Token, noun: Token) -> bool:
    """Is ``noun`` a body that the name ``owner`` (of ``c``) only places: a union, a
    company, a party of a place ("the Chicago teachers union", "a Texas oil company"), or
    of any name followed by a common noun ("NY *police* union", where the small model calls
    "NY" an organisation)? Such a body holds its stance as a group named as written; a
    measure on dev+train showed that a place's ministry or government is better left the
    place's (the same cross-validated recall, lower precision)."""
    if c.label == "PERSON" or noun.lemma_.lower() not in _PLACE_BODIES:
        return False
    return c.label == "GPE" or any(
        m.dep_ in {"compound", "amod"} and owner.i < m.i < noun.i and m.pos_ == "NOUN"
        for m in noun.children
    )


_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "2": 2, "3": 3, "4": 4, "5": 5}


def _counted_members(
    group: Token, rest: list[Token], entity: Callable[[Token], Cluster | None]
) -> bool:
    """Are the names coordinated after a counted group its members ("Two Republicans from
    Arizona, Senator John McCain and Senator Jeff Flake, denounced …", which the parser
    reads as three conjuncts)? Then the people hold the stance, not the group, as when the
    parser reads them as apposed (:meth:`HolderResolver._apposed_people`)."""
    count = next((_COUNTS.get(c.lower_) for c in group.children if c.dep_ == "nummod"), None)
    if count is None or group.tag_ not in {"NNS", "NNPS"} or len(rest) != count:
        return False
    return all(_is_person(entity(t)) for t in rest)


def _is_body(c: Cluster | None) -> bool:
    """An organisation, place or group: a name apposed to it cannot be a person's name for
    it ("the widow of the late senator, John McCain," is no such case: the senator is no
    entity, and McCain may be the senator)."""
    return c is not None and c.label in _GROUP_LABELS


def _is_person(c: Cluster | None) -> bool:
    return c is not None and c.label == "PERSON"


def _personal(c: Cluster) -> bool:
    """A person's name, or a lone name the small model called an organisation or a place
    only because it modifies a noun ("Biden" in "Biden campaign", "Kasich" in "Kasich's
    campaign"), not a known institution or place."""
    if c.label == "PERSON":
        return True
    words = c.name.split()
    lone = len(words) == 1 and gz.place_label(name_key(c.name)) is None
    return c.label in {"ORG", "GPE"} and lone


_REPORTED_DEPS = frozenset({"ccomp", "parataxis"})
_QUOTES = frozenset({'"', "``", "''"})


def _before_own_quote(pronoun: Token) -> Token:
    """Where a pronoun looks back from: itself, or, for the speaker of a quotation before it
    ("'… the options that Howard put forward,' she said"), the quotation's opening mark. A
    speaker is never someone named in what they are quoted as saying just before: looking
    back from the pronoun itself took Howard, the last subject, for "she". From the opening
    mark, not from where the parser starts the reported words: a lead-in names the speaker
    ('Julia Gillard was defiant: "I will not …," she said'), and a fronted clause hung on
    the speech verb ("Months after Julie Bishop quit, she says …") is no quotation."""
    speech = pronoun.head
    if pronoun.dep_ != "nsubj" or speech.lemma_.lower() not in SPEECH_VERBS:
        return pronoun
    first = min(pronoun.i, speech.i)
    if first == 0 or not pronoun.doc[first - 1].is_punct:
        return pronoun  # the words end at a comma or a quotation mark: not "X hinted he was"
    starts = [c.left_edge.i for c in speech.children if c.dep_ in _REPORTED_DEPS]
    words = speech.head
    # the words as the root, "said" hung on them; not "X says it has warned …", where the
    # speech verb is itself what X says
    hung = speech.dep_ in _REPORTED_DEPS and words.i < speech.i
    if hung and words.lemma_.lower() not in SPEECH_VERBS:
        starts.append(words.left_edge.i)
    before = [i for i in starts if i < pronoun.i]
    if not before:
        return pronoun
    doc = pronoun.doc
    # text reaches the parser with ASCII quotation marks (nlp.normalise)
    opening = next((i for i in range(min(before), pronoun.i) if doc[i].text in _QUOTES), None)
    return pronoun if opening is None else doc[opening]


def _speaker_subject(pronoun: Token) -> Token | None:
    """In "X said he/they would ...", the pronoun most likely refers to the speaker X."""
    verb = pronoun.head
    if pronoun.dep_ != "nsubj" or verb.dep_ != "ccomp":
        return None
    speech = verb.head
    if speech.lemma_.lower() not in SPEECH_VERBS:
        return None
    while speech.dep_ == "conj" and not any(c.dep_ == "nsubj" for c in speech.children):
        speech = speech.head
    subject = next((c for c in speech.children if c.dep_ == "nsubj"), None)
    if subject is None or subject.lower_ in _PERSON_PRONOUNS | {"they", "it", "we", "i"}:
        return None
    return subject


_GOVERNMENTS = frozenset({"government", "administration"})
_GOVERNMENT_HEADS = frozenset({"government", "administration", "ministry", "cabinet", "kremlin"})
_GOVERNMENT_NAMES = frozenset({"white house", "downing street", "elysee", "kremlin"})


_BUSINESSES = frozenset({"company", "firm", "manufacturer", "retailer", "startup", "airline"})
# Words naming the kind of an organisation, each with the role nouns that may refer to it
# ("the union" to a federation, "the company" to an "Inc."): a name with a kind word of its
# own is never "the <other kind>" ("The union rejected the cut" is not the Ministry of Health).
_KINDS: dict[str, frozenset[str]] = {
    **{w: _BUSINESSES | {"group"}
       for w in ("inc", "inc.", "corp", "corp.", "corporation", "co", "co.", "ltd", "ltd.", "llc",
                 "plc", "ag", "sa", "gmbh", "holdings", "company", "airlines", "airways")},
    **{w: frozenset({"union"}) for w in ("union", "federation", "congress", "confederation")},
    **{w: frozenset({w}) for w in ("ministry", "party", "bank", "council", "court",
                                   "committee", "university", "police", "army", "navy",
                                   "parliament", "assembly")},
    # "The Securities and Exchange Commission (SEC) sued Ripple. The agency said ..."
    **{w: frozenset({w, "agency"}) for w in ("agency", "commission", "department", "bureau",
                                             "administration", "authority", "office")},
}  # fmt: skip


# Offices a person's title and a later role noun may name, by post: the words of one post
# name the same person ("Chancellor Sunak ... the minister", "Rep. Schiff ... the
# congressman", "Justice Ginsburg ... the judge"); only offices, since "the official", "the
# executive" or "the chief" fit any title.
_POSTS = {
    **dict.fromkeys(("minister", "premier", "chancellor", "secretary", "treasurer"), "minister"),
    **dict.fromkeys(("congressman", "congresswoman", "representative", "rep", "speaker",
                     "lawmaker"), "congress"),
    **dict.fromkeys(("judge", "justice", "magistrate"), "judge"),
    **dict.fromkeys(("attorney", "prosecutor"), "prosecutor"),
    **dict.fromkeys(("king", "queen", "emir", "sheikh", "prince", "princess"), "monarch"),
    **dict.fromkeys(("president", "president-elect"), "president"),
    **dict.fromkeys(("senator", "sen"), "senator"),
    **dict.fromkeys(("governor", "gov"), "governor"),
    **dict.fromkeys(("mayor",), "mayor"),
    **dict.fromkeys(("ambassador", "envoy"), "ambassador"),
}  # fmt: skip


def _holds_another_post(c: Cluster, lemma: str) -> bool:
    """Is the person titled with an office other than the one the role noun ``lemma`` names?
    Senator Diaz is not "the minister", President Obama not "the prime minister" (the
    nearest person is the guess only for someone titled with no other office)."""
    post = _POSTS.get(lemma)
    if post is None:
        return False
    offices = {_POSTS.get(t.rstrip(".")) for t in c.titles} - {None}
    return bool(offices) and post not in offices


def _definite(t: Token) -> bool:
    """ "the minister", "this company": a description that points at someone named."""
    return any(c.dep_ == "det" and c.lower_ in {"the", "this"} for c in t.children)


def lede_description(t: Token) -> bool:
    """Does ``t`` describe one actor without naming it, in the lede (the article's first
    sentence): a singular role noun after "a" ("a Nigerian senator") or with a superlative
    ("Britain's largest nursing union")? Not a part or a kind of something ("a group of
    senators", "a member of the board"), nor a source kept anonymous ("a senator, who asked
    not to be named")."""
    if t.tag_ != "NN" or t.sent.start != 0:
        return False
    lemma = t.lemma_.lower()
    if lemma in _NOT_ONE_ACTOR or not (lemma in gz.PERSON_ROLES or lemma in gz.ORG_ROLES):
        return False
    if any(c.dep_ in {"prep", "relcl", "appos", "acl"} for c in t.children):
        return False
    return any(
        (c.dep_ == "det" and c.lower_ in {"a", "an"}) or (c.dep_ == "amod" and c.tag_ == "JJS")
        for c in t.children
    )


# Nouns for a group whose "of" phrase says who its members are.
_COLLECTIVES = frozenset(
    {"group", "coalition", "alliance", "bloc", "caucus", "delegation", "panel", "handful"}
    | {"number", "dozen", "dozens", "majority", "minority", "cohort", "consortium"}
)

_NOT_ONE_ACTOR = frozenset({"group", "campaign", "movement", "network", "member", "official"})


def _kinds(c: Cluster) -> list[frozenset[str]]:
    """The role nouns each kind word of the organisation's name allows; a name that ends
    with a trade and has no other kind word is a company's ("Northern Crown Railways", not
    the Department of Energy or the Federal Communications Commission)."""
    words = c.name.lower().split()
    found = [_KINDS[w] for w in words if w in _KINDS]
    if not found and words and words[-1] in gz.INDUSTRY_WORDS and _trade_name(words):
        found.append(_KINDS["company"])
    return found


def _trade_name(words: list[str]) -> bool:
    """Is a name ending in a trade a company's: no "of"/"for" and no word of an office or an
    association before it ("Swiss Federal Office of Energy", "International Chamber of
    Shipping", "American Institute of Steel" are not)?"""
    return not any(w in {"of", "for"} or w in gz.ORG_SUFFIXES for w in words[:-1])


def _of_kind(c: Cluster, lemma: str) -> bool:
    """Does the organisation's name say it is of the kind the role noun ``lemma`` names?"""
    if lemma in c.name.lower().split() or any(lemma in k for k in _kinds(c)):
        return True
    return lemma in _BUSINESSES and name_key(c.name) in gz.COMPANIES


def _other_kind(c: Cluster, lemma: str) -> bool:
    """Does the organisation's name say it is of another kind than the role noun ``lemma``?
    A public institution (the EU, the UN, the Fed) is never "the company" or "the firm"."""
    if lemma in _BUSINESSES and name_key(c.name) in gz.INSTITUTIONS:
        return True
    kinds = _kinds(c)
    return bool(kinds) and not any(lemma in k for k in kinds)


def _is_government(c: Cluster) -> bool:
    """A government by its name: "... Ministry", "the Trump administration", the White House
    (not "the House", nor a police department)."""
    name = c.name.lower()
    words = name.split()
    return c.label == "ORG" and (
        name in _GOVERNMENT_NAMES or (bool(words) and words[-1] in _GOVERNMENT_HEADS)
    )


def _field_order(field_name: TextField) -> int:
    return 0 if field_name == "title" else 1


def _is_subject(root: Token) -> bool:
    node = _climb(root, {"conj", "appos"})  # "Her husband, Bill Clinton, said"
    return node.dep_ in _SUBJECT_DEPS


def _is_main_subject(root: Token) -> bool:
    """The subject of the sentence's main verb (or of a verb coordinated with it)."""
    node = _climb(root, {"conj", "appos"})
    return node.dep_ in _SUBJECT_DEPS and _climb(node.head, {"conj"}).dep_ == "ROOT"


def _climb(token: Token, deps: set[str] | frozenset[str]) -> Token:
    """Up the heads while the arc is one of ``deps``, at most ``MAX_CONJUNCTS`` steps."""
    node = token
    for _ in range(MAX_CONJUNCTS):
        if node.dep_ not in deps or node.head is node:
            break
        node = node.head
    return node


def conjuncts(token: Token, pos: frozenset[str] | None = None) -> list[Token]:
    """Tokens coordinated under ``token`` ("A, B and C" from A), in text order, at most
    ``MAX_CONJUNCTS``: a list of hundreds of names is no coordination of holders, and the cap
    keeps hostile lists linear."""
    found: list[Token] = []
    stack = [iter(token.children)]  # depth first, children read lazily
    while stack and len(found) < MAX_CONJUNCTS:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif _is_conjunct(child, pos):
            found.append(child)
            stack.append(iter(child.children))
    return found


def _is_conjunct(token: Token, pos: frozenset[str] | None) -> bool:
    return token.dep_ == "conj" and (pos is None or token.pos_ in pos)


# What someone posts through on a platform: "a Twitter account", not "Fox News".
_ACCOUNTS = frozenset({"account", "page", "feed", "handle", "profile"})


def platform(tok: Token) -> bool:
    """Is ``tok`` a platform where someone else speaks: "posted a message *on Facebook*
    attacking X" (the parser makes the platform the participle's subject), "a *Twitter
    account* mocking X"? The platform holds no position there."""
    if tok.lemma_.lower() in _ACCOUNTS and any(
        c.dep_ == "compound" and c.lower_ in MEDIA for c in tok.children
    ):
        return True
    if tok.lower_ not in MEDIA:
        return False
    if tok.dep_ == "compound" and tok.head.lemma_.lower() in _ACCOUNTS:
        return True
    return (
        tok.dep_ == "nsubj" and tok.head.dep_ == "pcomp" and tok.head.head.lower_ in {"on", "via"}
    )


def _in_phrase(tok: Token) -> bool:
    """Is ``tok`` the object of a preposition other than an agent's or a group's members'
    ("supporters *of* A", "turned *against* A"; not "unveiled *by* A", "a statement *from*
    A", "senators, *including* A and B")?"""
    if tok.dep_ != "pobj" or tok.head.lower_ in {"by", "from"}:
        return False
    # members of the subject ("Several senators, including A and B, spoke"), not of an
    # object or an "of" ("questioned officials, including A", "fans of athletes like A")
    return (
        tok.head.lower_ not in {"including", "as", "like"}
        or tok.head.head.dep_ not in _SUBJECT_DEPS
    )


def _coordinations(doc: Doc) -> tuple[list[int], dict[int, list[int]]]:
    """Coordinations of a parsed field in one pass: the first token of each token's
    coordination ("A, B and C" -> A for all three), and each coordination's members in text
    order (at most ``MAX_CONJUNCTS`` + 1)."""
    top = list(range(len(doc)))
    for t in doc:  # a conjunct follows the word it is attached to
        if t.dep_ == "conj" and t.head.i < t.i:
            top[t.i] = top[t.head.i]
    members: dict[int, list[int]] = {}
    for i, first in enumerate(top):
        if first != i or i in members:
            group = members.setdefault(first, [first])
            if i != first and len(group) <= MAX_CONJUNCTS:
                group.append(i)
    return top, members
