"""The mood of the clause a stance word stands in: stated, denied, or only possible.

The guidelines (docs/annotation.md) tag a stated position only: "X may oppose Y", "if X
supports Y", "X denied opposing Y" and "X did not criticise Y" are none. The stance model
reads the mood as a feature; a stance verb its holder may only take, takes on a condition
or denies taking (:func:`unstated_verb`) is no candidate's position at all
(:meth:`~pipeline.enrich.candidates.SentenceReader.make` marks it denied).
"""

from __future__ import annotations

from spacy.tokens import Token

_POSSIBLE = frozenset({"may", "might", "could"})
_CONDITIONS = frozenset({"if", "whether", "unless"})
# "X denied (reports) that she had opposed Y", "X rejected claims that he backs Y".
_DENYING_VERBS = frozenset({"deny", "reject", "dismiss", "refute", "rebut"})
_CONFIRMING_VERBS = frozenset({"confirm", "acknowledge", "admit", "verify", "concede"})
_CLAIM_NOUNS = frozenset(
    {"claim", "report", "allegation", "accusation", "suggestion", "rumor", "rumour", "charge"}
)
_BEFORE = 8
# Verbs of weighing an act not yet decided: "was mulling firing Y", "is considering
# suing Y", "weighed whether to back Y" state no position toward Y.
_DELIBERATING = frozenset(
    {"consider", "mull", "weigh", "contemplate", "ponder", "debate", "discuss", "explore"}
)


def clause_mood(anchor: Token, sentence_text: str) -> str:
    """Whether the clause around the anchor states a position, denies it ("did not endorse
    Y") or states only a possible one: a modal of possibility ("might snub Y", "may oppose
    Y"), a condition or an indirect question ("if X supports Y", "asked whether X backs Y"),
    a question. The guidelines tag none but the first, and nothing else in the features
    tells them apart (the entity-pair rule reads no negation of its own)."""
    verb = anchor
    for _ in range(6):
        if verb.pos_ in {"VERB", "AUX"} or verb.head.i == verb.i:
            break
        verb = verb.head
    before = _just_before(verb)
    if any(t.dep_ == "neg" for t in before):
        return "denied"  # "Rowe did not endorse Mr. Romney": the pair rule reads no negation
    auxiliaries = {t.lower_ for t in before if t.dep_ == "aux"}
    if auxiliaries & _POSSIBLE:
        return "possible"
    if "would" in auxiliaries:
        return "would"  # a conditional, or a future in reported speech ("said she would …")
    node = verb
    for _ in range(3):
        if any(t.dep_ == "mark" and t.lower_ in _CONDITIONS for t in _just_before(node)):
            return "condition"
        if node.head.i == node.i:
            break
        node = node.head
    # the sentence's last mark, quotes and spaces aside (read from the end: linear)
    text = sentence_text
    end = len(text)
    while end and text[end - 1] in " \"'\u201d\u2019":
        end -= 1
    return "question" if text[end - 1 : end] == "?" else "stated"


def _just_before(head: Token) -> list[Token]:
    """The dependents of ``head`` among the eight words before it, where English puts its
    auxiliaries and subordinators: read in constant time, where ``head.children`` of a verb
    with a hundred phrases would make a sentence's candidates quadratic."""
    doc = head.doc
    return [t for t in doc[max(0, head.i - _BEFORE) : head.i] if t.head.i == head.i]


def unstated_verb(verb: Token) -> bool:
    """Is a stance verb's position one its holder does not state: possible only ("may",
    "might" or "could": "X might snub Y", "X could try to block Y"), taken on a condition
    ("if X backs Y", "X would back Y if it included Z"), or denied by the clause above it
    ("X denied that she had opposed Y", "X rejected claims that he opposes Y"), only
    alleged ("faced accusations that it favors Y", "amid reports that X backed Y"), or only
    weighed ("X was mulling firing Y")? Only the
    verb's own control chain is read ("refused to back Y" composes as it does): "X, a critic
    of Y, could face a primary" states the criticism, and a speaker's "Y might be the worst
    president" is the speaker's stated judgement."""
    node = verb
    for _ in range(4):
        verbal = node.pos_ in {"VERB", "AUX"}
        if verbal and any(t.dep_ == "aux" and t.lower_ in _POSSIBLE for t in _just_before(node)):
            return True
        if _conditional(node) or _denied_above(node):
            return True
        if node.dep_ != "xcomp" or not verbal:
            return False
        node = node.head
    return False


def _conditional(verb: Token) -> bool:
    """The verb heads an "if" / "unless" / "whether" clause, or has one of its own."""
    if any(t.dep_ == "mark" and t.lower_ in _CONDITIONS for t in _just_before(verb)):
        return True
    return any(
        c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in _CONDITIONS for m in c.children)
        for c in verb.children
        if c.i > verb.i
    )


def _denied_above(verb: Token) -> bool:
    head = verb.head
    if verb.dep_ in {"ccomp", "xcomp"} and head.lemma_.lower() == "deny":
        return True  # "denied that she had opposed Y", "denied opposing Y"
    if verb.dep_ in {"xcomp", "ccomp"} and verb.tag_ == "VBG":
        # "was mulling firing Y", "is considering suing Y": an act weighed, not taken
        return head.lemma_.lower() in _DELIBERATING
    if verb.dep_ in {"acl", "ccomp", "relcl"} and head.lemma_.lower() in _CLAIM_NOUNS:
        verb_above = head.head.lemma_.lower() if head.dep_ == "dobj" else ""
        if verb_above in _DENYING_VERBS:
            return True
        # "faced accusations that it favors Y", "amid reports that X backed Y": alleged, not
        # stated. Not when confirmed ("confirmed reports that X backed Y"), when the claim
        # is someone's own ("repeated her claim that she opposed Y": a possessor may be the
        # holder), nor in a relative clause, whose "that" is the verb's own object ("the
        # report that X criticized")
        content = any(c.dep_ == "mark" and c.lower_ == "that" for c in verb.children)
        owned = any(c.dep_ == "poss" for c in head.children)
        return content and not owned and verb_above not in _CONFIRMING_VERBS
    return False
