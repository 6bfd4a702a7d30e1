"""The trained step of stance tagging: is a candidate a stance, and which way?

:func:`features` describes a :class:`~pipeline.enrich.candidates.Candidate` by named binary
and numeric features (the stance word and its direction, how the holder was found, the
dependency path to the target, quote position, negation, VADER tone of the clause);
:class:`StanceModel` scores them with a :class:`~pipeline.enrich.linear.LinearModel` trained
on the development half of the real-news gold set (``newsflow train stance``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pipeline.enrich.candidates import Candidate
from pipeline.enrich.lexicon import SPEECH_VERBS
from pipeline.enrich.linear import Features, LinearModel
from pipeline.enrich.moods import clause_mood
from pipeline.enrich.tone import polarity

# Bump whenever :func:`features` changes: a model is only valid for the features it was fit on.
FEATURE_SET_VERSION = "9"
CLASSES = ("none", "favor", "against")
MODEL_FILE = "data/stance_model.json"


def _compound(text: str) -> float:
    """VADER compound of a text (cached: many candidates of one sentence share a clause)."""
    return float(polarity(text)["compound"])


def _bucket(score: float) -> str:
    if score <= -0.5:
        return "--"
    if score <= -0.05:
        return "-"
    if score < 0.05:
        return "0"
    return "+" if score < 0.5 else "++"


Sources = dict[tuple[str, str], frozenset[str]]
# The mood of each anchor already read in one article, by (id of its Doc, token index): an
# article's ~190 candidates share ~70 anchors.
Moods = dict[tuple[int, int], str]


def sources_by_pair(candidates: list[Candidate]) -> Sources:
    """Which rules propose each (holder, target) of an article: a pair that a stance word
    and the entity-pair rule both propose is more likely a stance than either alone."""
    found: dict[tuple[str, str], set[str]] = {}
    for c in candidates:
        found.setdefault(c.key, set()).add(c.source)
    return {k: frozenset(v) for k, v in found.items()}


def features(c: Candidate, sources: Sources | None = None, moods: Moods | None = None) -> Features:
    """Named features of one candidate; ``sources`` are the rules proposing its pair;
    ``moods``, when given, keeps :func:`clause_mood` per anchor across an article's candidates."""
    tone = _compound(c.clause)
    prior = str(c.prior)
    tone_b = _bucket(tone)
    names = [
        "bias",
        f"src={c.source}",
        f"prior={prior}",
        f"src={c.source}|prior={prior}",
        f"cue={c.cue}",
        f"cue={c.cue}|prior={prior}",
        f"via={c.holder_via}",
        f"via={c.holder_via}|src={c.source}",
        f"tkind={c.target.kind}",
        f"hlabel={c.holder.label}",
        f"neg={c.negated}",
        f"quote={c.in_quote}",
        f"quote={c.in_quote}|src={c.source}",
        f"path={c.path}",
        f"path={c.path}|src={c.source}",
        f"tone={tone_b}",
        f"tone={tone_b}|prior={prior}",
        f"tone={tone_b}|src={c.source}",
        f"twords={min(len(c.surface.split()), 6)}",
        f"lca={c.lca}",
        f"lca_prior={c.lca_prior}",
        f"lca_prior={c.lca_prior}|src={c.source}",
        f"lca_prior={c.lca_prior}|path={c.path}",
        f"has_cue={c.has_cue}",
        f"has_cue={c.has_cue}|src={c.source}",
        f"tone={tone_b}|lca_prior={c.lca_prior}",
    ]
    names += _token_features(c)
    names += _structure(c)
    if moods is None:
        mood = clause_mood(c.anchor, c.sentence.text)
    else:
        key = (id(c.anchor.doc), c.anchor.i)
        mood = moods.get(key) or moods.setdefault(key, clause_mood(c.anchor, c.sentence.text))
    names += [f"mood={mood}", f"mood={mood}|src={c.source}"]
    proposed = (sources or {}).get(c.key, frozenset({c.source}))
    names += [f"also={x}" for x in sorted(proposed) if x != c.source]
    names += [f"nsrc={len(proposed)}", f"srcset={'+'.join(sorted(proposed))}"]
    feats: Features = dict.fromkeys(names, 1.0)
    feats["tone_value"] = tone
    feats["tone_x_prior"] = tone * c.prior
    return feats


def _between(c: Candidate) -> list[str]:
    """Content lemmas between the anchor and the target (at most eight tokens apart)."""
    a, b = sorted((c.anchor.i, c.target_token.i))
    if b - a > 8:
        return ["btw=far"]
    doc = c.anchor.doc
    return [
        f"btw={t.lemma_.lower()}"
        for t in doc[a + 1 : b]
        if t.pos_ in {"VERB", "NOUN", "ADJ", "ADP", "PART"} or t.dep_ == "neg"
    ]


# Paths on which the holder is the subject and the target the object of one word.
_DIRECT = frozenset(
    {"^nsubj/vdobj", "^nsubj/vprep/vpobj", "^nsubjpass/vagent/vpobj", "^nsubj/vdative"}
)


def _kind(lemma: str, prior: int) -> str:
    if lemma in SPEECH_VERBS:
        return "speech"
    return {1: "favor", -1: "against"}.get(prior, "other")


def _structure(c: Candidate) -> list[str]:
    up, down = c.up, c.down  # :func:`candidates.sides` of the anchor and the target token
    kind = _kind(c.lca, c.lca_prior)
    up_s, down_s = "/".join(up[:3]), "/".join(down[:3])
    # VADER compound of the clause around the target: its head's subtree, at most 30 words.
    local = _bucket(_compound(c.local_clause))
    return [
        f"up={up_s}",
        f"down={down_s}",
        f"up={up_s}|kind={kind}",
        f"down={down_s}|kind={kind}",
        f"len={min(len(up), 4)},{min(len(down), 4)}",
        f"kind={kind}",
        f"kind={kind}|src={c.source}",
        f"local={local}",
        f"local={local}|kind={kind}",
        f"local={local}|prior={c.prior}",
    ]


def _token_features(c: Candidate) -> list[str]:
    t = c.target_token
    head = t.head
    words = c.cue.split()
    chained = " to " in f" {c.cue} "
    direct = c.path in _DIRECT
    return [
        f"cue_head={words[0] if words else ''}|chained={chained}",
        f"chained={chained}|src={c.source}",
        f"tkind={c.target.kind}|src={c.source}",
        f"direct={direct}|lca_prior={c.lca_prior}",
        f"direct={direct}|lca={c.lca}",
        f"hlabel={c.holder.label}|src={c.source}",
        f"lca={c.lca}|tdep={t.dep_}",
        f"via={c.holder_via}|path={c.path}",
        f"tdep={t.dep_}",
        f"thead={head.lemma_.lower()}",
        f"adep={c.anchor.dep_}",
        f"ahead={c.anchor.head.lemma_.lower()}|src={c.source}",
        f"order={'holder_first' if c.anchor.i <= t.i else 'target_first'}",
        *_between(c),
    ]


class StanceModel:
    """Scores candidates; ``probabilities`` gives (none, favor, against)."""

    def __init__(self, model: LinearModel) -> None:
        if model.classes != CLASSES:
            raise ValueError(f"stance model classes {model.classes} != {CLASSES}")
        version = model.meta.get("feature_set_version")
        if version != FEATURE_SET_VERSION:
            raise ValueError(f"stance model features v{version}, code v{FEATURE_SET_VERSION}")
        self.model = model

    @classmethod
    def load(cls, path: Path | None = None) -> StanceModel:
        """The shipped model, or one written by ``newsflow train stance``."""
        if path is None:
            with resources.as_file(resources.files("pipeline").joinpath(MODEL_FILE)) as p:
                return cls(LinearModel.read(p))
        return cls(LinearModel.read(path))

    @classmethod
    def untrained(cls) -> StanceModel:
        """A model that emits nothing: for training, which only needs the candidates."""
        meta = {"version": "untrained", "feature_set_version": FEATURE_SET_VERSION}
        return cls(LinearModel(CLASSES, {}, (0.0, 0.0, 0.0), meta=meta))

    @property
    def version(self) -> str:
        return str(self.model.meta.get("version", "unknown"))

    def probabilities(
        self, c: Candidate, sources: Sources | None = None, moods: Moods | None = None
    ) -> tuple[float, ...]:
        return self.model.probabilities(features(c, sources, moods))
