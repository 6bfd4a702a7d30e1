"""Target-dependent tone of one mention: a linear model over named features of its context.

The model is trained on NewsMTSC by ``pipeline.tools.train_tone`` and shipped as JSON
(``pipeline/data/tone_model.json``): named feature strings with one weight per class, the
intercepts and a calibration temperature. Inference is a dictionary look-up per feature on a
``Doc`` the pipeline has already parsed, so it needs no extra spaCy call and no pickle.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Span, Token
from vaderSentiment.vaderSentiment import NEGATE

from pipeline.enrich.linear import Features, LinearModel
from pipeline.enrich.tone import analyser
from pipeline.models import ToneLabel

# Bump whenever :func:`features` changes: a model is only valid for the features it was fit on.
FEATURE_SET_VERSION = "4"
CLASSES: tuple[ToneLabel, ToneLabel, ToneLabel] = ("negative", "neutral", "positive")
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "tone_model.json"

Probabilities = tuple[float, float, float]

# Left/right windows are in tokens inside the mention's sentence.
_WINDOW = 6
_NEAR = 3
_NEGATIONS = frozenset(NEGATE) | {"not", "n't", "never", "no", "nothing", "without", "nor"}
_SUBJECT_DEPS = frozenset({"nsubj", "csubj", "expl"})
_PASSIVE_SUBJECT_DEPS = frozenset({"nsubjpass", "csubjpass"})
_OBJECT_DEPS = frozenset({"dobj", "dative", "attr", "oprd"})
_CONTENT_POS = frozenset({"NOUN", "VERB", "ADJ", "ADV", "PROPN", "INTJ"})
_CLAUSE_DEPS = frozenset({"conj", "advcl", "ccomp", "relcl", "parataxis", "xcomp", "csubj"})
_VERB_POS = frozenset({"VERB", "AUX"})
_THROUGH_DEPS = frozenset({"prep", "agent", "pcomp"})
_NOMINAL_LINK_DEPS = frozenset({"conj", "appos"})
_QUOTES = frozenset({'"', "\u201c", "\u201d", "``", "''"})


_analyser = analyser  # the shared VADER analyser


def _lexicon() -> dict[str, float]:
    lexicon: dict[str, float] = _analyser().lexicon
    return lexicon


def _valence(token: Token, lexicon: dict[str, float]) -> float:
    """VADER valence of a token (its word, else its lemma), flipped after a nearby negation."""
    value = lexicon.get(token.lower_)
    if value is None:
        value = lexicon.get(token.lemma_.lower(), 0.0)
    if value == 0.0:
        return 0.0
    # VADER's own rule: a negation among the three preceding words scales the valence by -0.74.
    doc = token.doc
    for j in range(max(0, token.i - 3), token.i):
        if doc[j].lower_ in _NEGATIONS:
            return value * -0.74
    return value


def _word(token: Token) -> str:
    if token.like_num:
        return "<num>"
    return token.lower_


def _lemma(token: Token) -> str:
    if token.like_num:
        return "<num>"
    return token.lemma_.lower()


def _mention_span(doc: Doc, start_char: int, end_char: int) -> Span:
    """Tokens covering the offsets; a span that cuts a token is widened to whole tokens."""
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    if span is not None and len(span) > 0:
        return span
    # Offsets on whitespace or past the end: fall back to the nearest token.
    for token in doc:
        if token.idx + len(token.text) > start_char:
            return doc[token.i : token.i + 1]
    return doc[len(doc) - 1 : len(doc)]


def _bin(value: float) -> str:
    """Coarse sign/size bins so the linear model can bend on valence sums."""
    if value <= -2.0:
        return "--"
    if value < -0.05:
        return "-"
    if value >= 2.0:
        return "++"
    if value > 0.05:
        return "+"
    return "0"


def _role(dep: str) -> str:
    if dep in _SUBJECT_DEPS:
        return "subj"
    if dep in _PASSIVE_SUBJECT_DEPS:
        return "subjpass"
    if dep in _OBJECT_DEPS:
        return "obj"
    if dep == "pobj":
        return "pobj"
    if dep == "poss":
        return "poss"
    if dep in {"conj", "appos", "compound"}:
        return dep
    return "other"


def _clause(root: Token, sent: Span) -> set[int]:
    """Token indices of the clause the mention sits in, without its coordinated or
    subordinate clauses; the whole sentence when no verb governs the mention."""
    verb = root
    while verb.pos_ not in _VERB_POS and verb.head.i != verb.i:
        verb = verb.head
    if verb.pos_ not in _VERB_POS:
        return set(range(sent.start, sent.end))
    clause: set[int] = set()
    stack = [verb]
    while stack:
        token = stack.pop()
        clause.add(token.i)
        for child in token.children:
            other_clause = child.dep_ in _CLAUSE_DEPS and child.pos_ in _VERB_POS
            if other_clause and not child.left_edge.i <= root.i <= child.right_edge.i:
                continue
            stack.append(child)
    return clause


@dataclass(frozen=True)
class _SentenceFacts:
    """What every mention of one sentence reads alike: computed once per sentence."""

    valence: list[float]  # per token of the sentence
    content: list[tuple[int, str]]  # (token index, lemma) of its content words, in order
    # Per token of the sentence: _word, _lemma, and whether it is a negation word.
    words: list[str]
    lemmas: list[str]
    negations: list[bool]
    polar: list[tuple[int, float]]  # (token index, valence) of the tokens with one, in order
    spos: float  # sum of the positive valences, in token order
    sneg: float  # sum of the negative valences, in token order
    quotes: list[int]  # token indices of its quotation marks, in order


SentenceCache = dict[tuple[int, int], _SentenceFacts]


def _sentence_facts(doc: Doc, sent: Span) -> _SentenceFacts:
    lexicon = _lexicon()
    tokens = [doc[i] for i in range(sent.start, sent.end)]
    valence = [_valence(t, lexicon) for t in tokens]
    return _SentenceFacts(
        valence,
        [(t.i, _lemma(t)) for t in tokens if t.pos_ in _CONTENT_POS and not t.is_stop],
        [_word(t) for t in tokens],
        [_lemma(t) for t in tokens],
        [t.lower_ in _NEGATIONS for t in tokens],
        [(t.i, v) for t, v in zip(tokens, valence, strict=True) if v != 0.0],
        sum(v for v in valence if v > 0),
        sum(v for v in valence if v < 0),
        [t.i for t in tokens if t.text in _QUOTES],
    )


def features(
    doc: Doc,
    start_char: int,
    end_char: int,
    cache: SentenceCache | None = None,
) -> Features:
    """Named features of the mention at ``[start_char, end_char)`` in its sentence.

    ``cache`` (one per doc) keeps what mentions of the same sentence share."""
    span = _mention_span(doc, start_char, end_char)
    sent = span[0].sent
    root = span.root
    feats: Features = {}
    if span.end > sent.end:
        # A mention across a sentence split of the parser: use both sentences.
        sent = doc[sent.start : span[-1].sent.end]
    key = (sent.start, sent.end)
    facts = cache.get(key) if cache is not None else None
    if facts is None:
        facts = _sentence_facts(doc, sent)
        if cache is not None:
            cache[key] = facts
    valence = facts.valence
    s0, s1 = sent.start, sent.end
    m0, m1 = span.start, span.end
    # Features are counted by adding 1.0 (not a call per feature: ~70 per mention).
    fget = feats.get

    def val(i: int) -> float:
        return valence[i - s0] if s0 <= i < s1 else 0.0

    # The mention itself: pronouns and some names carry a prior in news.
    for token in span:
        feat = "m:" + _word(token)
        feats[feat] = fget(feat, 0.0) + 1.0
    feat = "mpos:" + root.pos_
    feats[feat] = fget(feat, 0.0) + 1.0
    if root.ent_type_:
        feat = "ment:" + root.ent_type_
        feats[feat] = fget(feat, 0.0) + 1.0

    # Left and right windows: bags of words and lemmas, nearest words by position, bigrams.
    # (Windows hold token indices; the sentence's facts answer for each.)
    left = range(max(s0, m0 - _WINDOW), m0)
    right = range(m1, min(s1, m1 + _WINDOW))
    words, lemmas, negations = facts.words, facts.lemmas, facts.negations
    for side, window in (("l", list(reversed(left))), ("r", list(right))):
        previous = "<t>"
        for k, i in enumerate(window):
            word = words[i - s0]
            feat = f"{side}:{lemmas[i - s0]}"
            feats[feat] = fget(feat, 0.0) + 1.0
            if k < 2:
                feat = f"{side}{k + 1}:{word}"
                feats[feat] = fget(feat, 0.0) + 1.0
            feat = f"{side}b:{previous}_{word}" if side == "r" else f"{side}b:{word}_{previous}"
            feats[feat] = fget(feat, 0.0) + 1.0
            previous = word
            if k < _NEAR and negations[i - s0]:
                feat = f"{side}neg"
                feats[feat] = fget(feat, 0.0) + 1.0
        if not window:
            feat = f"{side}:<edge>"
            feats[feat] = fget(feat, 0.0) + 1.0
        # (the windows are inside the sentence: each index has its valence)
        values = [valence[i - s0] for i in window]
        pos = sum(max(0.0, v) for v in values)
        neg = sum(min(0.0, v) for v in values)
        near = sum(values[:_NEAR])
        feats[f"{side}v+"] = pos / 4.0
        feats[f"{side}v-"] = neg / 4.0
        feat = f"{side}vn:{_bin(near)}"
        feats[feat] = fget(feat, 0.0) + 1.0

    # The whole sentence's VADER valence: most sentences carry one tone for all their targets.
    spos, sneg = facts.spos, facts.sneg
    feats["sv+"] = spos / 4.0
    feats["sv-"] = sneg / 4.0
    # VADER's normalisation of a valence sum into (-1, 1), without its 0.3 ms rule engine:
    # in cross-validation the full compound scored no better than this.
    total = spos + sneg
    compound = total / math.sqrt(total * total + 15.0)
    feats["scomp"] = compound
    feat = "scb:" + _bin(compound * 2.5)
    feats[feat] = fget(feat, 0.0) + 1.0

    # Syntax: the mention's role, its governor and the governor's other dependents.
    dep = root.dep_
    head = root.head
    role = _role(dep)
    feat = "dep:" + dep
    feats[feat] = fget(feat, 0.0) + 1.0
    if head.i != root.i:
        # Climb through prepositions and conjunctions to the governing content word.
        gov = head
        path = dep
        while gov.head.i != gov.i and (
            gov.dep_ in _THROUGH_DEPS
            # "Smith and Jones": climb from a conjoined noun, never from a conjoined verb.
            or (gov.dep_ in _NOMINAL_LINK_DEPS and gov.pos_ not in _VERB_POS)
        ):
            path += ">" + (gov.lower_ if gov.pos_ == "ADP" else gov.dep_)
            gov = gov.head
        glemma = _lemma(gov)
        feat = "h:" + _lemma(head)
        feats[feat] = fget(feat, 0.0) + 1.0
        feat = "g:" + glemma
        feats[feat] = fget(feat, 0.0) + 1.0
        feat = f"gp:{path}|{glemma}"
        feats[feat] = fget(feat, 0.0) + 1.0
        feat = f"gr:{role}|{glemma}"
        feats[feat] = fget(feat, 0.0) + 1.0
        gval = val(gov.i)
        feat = f"grv:{role}|{_bin(gval)}"
        feats[feat] = fget(feat, 0.0) + 1.0
        feats[f"gval:{role}"] = gval / 4.0
        if any(c.dep_ == "neg" for c in gov.children):
            feat = "gneg"
            feats[feat] = fget(feat, 0.0) + 1.0
            feat = f"gnegr:{role}"
            feats[feat] = fget(feat, 0.0) + 1.0
        # The governor's other dependents: what the mention's predicate says.
        dv = 0.0
        for child in gov.children:
            if m0 <= child.i < m1 or child.is_punct:
                continue
            if child.i == head.i and head.i != gov.i:
                continue
            feat = f"gc:{child.dep_}|{_lemma(child)}"
            feats[feat] = fget(feat, 0.0) + 1.0
            feat = f"gcr:{role}|{_lemma(child)}"
            feats[feat] = fget(feat, 0.0) + 1.0
            for t in child.subtree:
                ti = t.i
                if s0 <= ti < s1:
                    dv += valence[ti - s0]
        feat = f"gcv:{role}|{_bin(dv)}"
        feats[feat] = fget(feat, 0.0) + 1.0
        feats["gcv"] = dv / 4.0
        # One more step up: "X was criticised" inside "critics said X was ...".
        top = gov.head
        if top.i != gov.i:
            feat = f"g2:{gov.dep_}|{_lemma(top)}"
            feats[feat] = fget(feat, 0.0) + 1.0
    else:
        feat = "g:<root>"
        feats[feat] = fget(feat, 0.0) + 1.0

    # The mention's own modifiers outside the span ("the disgraced senator", "X, who lied").
    mv = 0.0
    for child in root.children:
        if m0 <= child.i < m1:
            continue
        feat = f"mc:{child.dep_}|{_lemma(child)}"
        feats[feat] = fget(feat, 0.0) + 1.0
        for t in child.subtree:
            ti = t.i
            if s0 <= ti < s1:
                mv += valence[ti - s0]
    for token in span:
        mv += val(token.i)
    feat = "mv:" + _bin(mv)
    feats[feat] = fget(feat, 0.0) + 1.0

    # The mention's own clause against the rest of the sentence: in "X praised Y but attacked
    # Z" the sentence is mixed, the clause of each target is not.
    clause = _clause(root, sent)
    cpos = cneg = opos = oneg = 0.0
    wsum = 0.0
    for i, v in facts.polar:  # the tokens of zero valence add nothing to any sum
        if m0 <= i < m1:
            continue
        if i in clause:
            cpos += max(v, 0.0)
            cneg += min(v, 0.0)
        else:
            opos += max(v, 0.0)
            oneg += min(v, 0.0)
        dist = m0 - i if i < m0 else i - m1 + 1
        wsum += v / (1.0 + dist / 3.0)
    # Content lemmas of the sentence, and again of the mention's clause alone.
    for i, lemma in facts.content:
        if not m0 <= i < m1:
            feat = "s:" + lemma
            feats[feat] = fget(feat, 0.0) + 1.0
            if i in clause:
                feat = "c:" + lemma
                feats[feat] = fget(feat, 0.0) + 1.0
    feats["cv+"] = cpos / 4.0
    feats["cv-"] = cneg / 4.0
    feats["ov+"] = opos / 4.0
    feats["ov-"] = oneg / 4.0
    feats["wv"] = wsum / 4.0
    feat = f"cvb:{role}|{_bin(cpos + cneg)}"
    feats[feat] = fget(feat, 0.0) + 1.0
    feat = f"wvb:{_bin(wsum)}"
    feats[feat] = fget(feat, 0.0) + 1.0

    # Quotes: inside a quotation the tone is the speaker's, often harsher.
    quotes_before = bisect_left(facts.quotes, m0)
    quotes_total = len(facts.quotes)
    if quotes_total:
        feat = "q:in" if quotes_before % 2 == 1 else "q:out"
        feats[feat] = fget(feat, 0.0) + 1.0
    # Position in the sentence: the first noun phrase is usually the topic.
    feat = "first" if m0 == s0 else "notfirst"
    feats[feat] = fget(feat, 0.0) + 1.0
    return feats


class ToneModel:
    """Calibrated (negative, neutral, positive) probabilities for a mention in a parsed doc."""

    def __init__(self, model: LinearModel) -> None:
        if tuple(model.classes) != CLASSES:
            raise ValueError(f"tone model classes {model.classes!r}, expected {CLASSES!r}")
        feature_set = model.meta.get("feature_set")
        if feature_set != FEATURE_SET_VERSION:
            # Weights of another feature set would silently score the wrong strings.
            raise ValueError(
                f"tone model was fit on feature set {feature_set!r}, "
                f"this code computes {FEATURE_SET_VERSION!r}"
            )
        self.model = model

    @property
    def meta(self) -> dict[str, Any]:
        return self.model.meta

    @classmethod
    def load(cls, path: Path | None = None) -> ToneModel:
        """Read a model file (by default the one shipped with the package)."""
        return cls(LinearModel.read(path or DEFAULT_PATH))

    def predict_features(self, feats: Features) -> Probabilities:
        """Probabilities from a feature dictionary (unknown features weigh nothing)."""
        p = self.model.probabilities(feats)
        return (p[0], p[1], p[2])

    def predict(self, doc: Doc, start_char: int, end_char: int) -> Probabilities:
        """(negative, neutral, positive) for the mention at these character offsets."""
        return self.predict_features(features(doc, start_char, end_char))

    def predict_many(self, doc: Doc, spans: Iterable[tuple[int, int]]) -> list[Probabilities]:
        """Several mentions of one doc, in the order given."""
        cache: SentenceCache = {}
        return [self.predict_features(features(doc, a, b, cache)) for a, b in spans]
