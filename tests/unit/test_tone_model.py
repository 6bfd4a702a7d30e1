"""Per-mention tone model: the shipped file, deterministic training, target dependence."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from spacy.language import Language

from pipeline.enrich import Enricher
from pipeline.enrich.linear import LinearModel
from pipeline.enrich.nlp import normalise
from pipeline.enrich.tone_model import DEFAULT_PATH, FEATURE_SET_VERSION, ToneModel, features
from pipeline.models import (
    EnrichedArticle,
    Enrichment,
    EnrichmentMeta,
    RawArticle,
    split_events,
)

ROOT = Path(__file__).resolve().parents[2]
NEWSMTSC = ROOT.parent / "shared" / "data" / "newsmtsc" / "train.jsonl"


@pytest.fixture(scope="module")
def nlp(spacy_model: Language) -> Language:
    return spacy_model


@pytest.fixture(scope="module")
def model() -> ToneModel:
    return ToneModel.load()


def _offsets(text: str, mention: str) -> tuple[int, int]:
    start = text.index(mention)
    return start, start + len(mention)


def test_shipped_model_loads_fast_and_names_its_training_data() -> None:
    assert DEFAULT_PATH.is_file()
    assert DEFAULT_PATH.stat().st_size < 3_000_000
    started = time.perf_counter()
    loaded = ToneModel.load()
    # The budget is 0.5 s; the bound is loose so a busy test machine does not flake.
    assert time.perf_counter() - started < 2.0
    meta = loaded.meta
    assert meta["feature_set"] == FEATURE_SET_VERSION
    assert meta["seed"] == 13
    digest = meta["training_data"]["sha256"]
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert (
        meta["cv"]["model"]["macro_f1"]["mean"] > meta["cv"]["vader_baseline"]["macro_f1"]["mean"]
    )
    if NEWSMTSC.is_file():
        assert digest == hashlib.sha256(NEWSMTSC.read_bytes()).hexdigest()


def test_a_model_of_another_feature_set_is_refused(tmp_path: Path) -> None:
    stale = LinearModel(
        ("negative", "neutral", "positive"),
        {"m:x": [0.0, 0.0, 0.0]},
        [0.0, 0.0, 0.0],
        meta={"feature_set": "0"},
    )
    path = tmp_path / "stale.json"
    path.write_text(stale.to_json(), encoding="utf-8")
    with pytest.raises(ValueError, match="feature set"):
        ToneModel.load(path)


# One sentence, two targets, opposite tone: a sentence-level score cannot separate them.
MIXED = [
    (
        "Republicans hailed Johnson as a hero, while they blasted Pelosi for her reckless "
        "spending.",
        "Johnson",
        "Pelosi",
    ),
    (
        "Critics accused Hastings of corruption and fraud, but voters celebrated Miller as an "
        "honest and brilliant leader.",
        "Miller",
        "Hastings",
    ),
    (
        "The governor praised Garcia for her courage, but he attacked Brown for lying.",
        "Garcia",
        "Brown",
    ),
    ("Lee was praised for her courage, while Kim was attacked for lying.", "Lee", "Kim"),
]


def _argmax(probs: tuple[float, float, float]) -> int:
    return max(range(3), key=lambda k: probs[k])


@pytest.mark.parametrize(("text", "praised", "criticised"), MIXED)
def test_tone_depends_on_the_mention(
    nlp: Language, model: ToneModel, text: str, praised: str, criticised: str
) -> None:
    doc = nlp(normalise(text))
    good = model.predict(doc, *_offsets(text, praised))
    bad = model.predict(doc, *_offsets(text, criticised))
    assert _argmax(bad) == 0
    assert _argmax(good) != _argmax(bad)
    assert good[2] > bad[2] and bad[0] > good[0]


def test_a_bare_mixed_sentence_still_moves_each_mention_its_way(
    nlp: Language, model: ToneModel
) -> None:
    # Short, with no other cue than the two verbs: the sentence's negative words still pull
    # "Smith" towards negative (a known limit of the model), but the two mentions must differ.
    text = "The senator praised Smith but attacked Jones over the tax bill."
    doc = nlp(text)
    smith = model.predict(doc, *_offsets(text, "Smith"))
    jones = model.predict(doc, *_offsets(text, "Jones"))
    assert _argmax(jones) == 0
    assert smith[2] > 2 * jones[2]
    assert jones[0] > smith[0] + 0.1


def test_probabilities_are_a_distribution_and_predict_many_agrees(
    nlp: Language, model: ToneModel
) -> None:
    text = (
        "The mayor opened a new park on Sunday. Residents said she had wasted money, "
        "and the council condemned the plan. Smith, a local teacher, called it a gift."
    )
    doc = nlp(text)
    spans = [
        _offsets(text, "The mayor"),
        _offsets(text, "Residents"),
        _offsets(text, "she"),
        _offsets(text, "the council"),
        _offsets(text, "Smith"),
        (text.index("ayor"), text.index("ayor") + 2),  # cuts a token: widened, not an error
    ]
    many = model.predict_many(doc, spans)
    assert len(many) == len(spans)
    for (start, end), probs in zip(spans, many, strict=True):
        assert sum(probs) == pytest.approx(1.0, abs=1e-9)
        assert all(0.0 < p < 1.0 for p in probs)
        assert probs == pytest.approx(model.predict(doc, start, end), abs=1e-12)


def test_features_come_from_the_mentions_own_context(nlp: Language) -> None:
    text = "The senator praised Smith but attacked Jones over the tax bill."
    doc = nlp(text)
    smith = features(doc, *_offsets(text, "Smith"))
    jones = features(doc, *_offsets(text, "Jones"))
    assert smith["gr:obj|praise"] == 1.0
    assert jones["gr:obj|attack"] == 1.0
    assert "gr:obj|attack" not in smith
    assert smith["l1:praised"] == 1.0 and jones["l1:attacked"] == 1.0


def _subset(tmp_path: Path, lines: int) -> Path:
    if not NEWSMTSC.is_file():
        pytest.skip("NewsMTSC training data is not available")
    rows = NEWSMTSC.read_text(encoding="utf-8").splitlines()
    # Every 25th sentence: several articles, all three classes.
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(rows[::25][:lines]) + "\n", encoding="utf-8")
    return subset


def test_training_twice_writes_identical_bytes(nlp: Language, tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from pipeline.tools.train_tone import train

    data = _subset(tmp_path, 200)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    meta = train(data, first, seed=13, folds=3, nlp=nlp)
    train(data, second, seed=13, folds=3, nlp=nlp)
    assert first.read_bytes() == second.read_bytes()
    assert meta["training_data"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert meta["cv"]["folds"] == 3 and len(meta["cv"]["model"]["macro_f1"]["per_fold"]) == 3
    raw = json.loads(first.read_text(encoding="utf-8"))
    assert raw["meta"]["seed"] == 13 and raw["weights"]
    # The file is a usable model.
    trained = ToneModel.load(first)
    text = "The senator praised Smith."
    probs = trained.predict(nlp(text), *_offsets(text, "Smith"))
    assert sum(probs) == pytest.approx(1.0)


# -- the entity's tone class (tone_label) ---------------------------------------------------


def test_the_label_is_the_likeliest_class_not_a_cut_of_the_score() -> None:
    from pipeline.enrich.enricher import _summarise

    assert _summarise([]) == (None, None)
    # Neutral is likeliest though the score leans negative: a cut at -0.05 would say negative.
    assert _summarise([(0.34, 0.45, 0.21)]) == (-0.13, "neutral")
    assert _summarise([(0.6, 0.3, 0.1)]) == (-0.5, "negative")
    # Over several mentions the class comes from the mean probabilities.
    assert _summarise([(0.1, 0.2, 0.7), (0.5, 0.4, 0.1), (0.2, 0.6, 0.2)]) == (0.0667, "neutral")
    assert _summarise([(0.1, 0.2, 0.7), (0.3, 0.2, 0.5)]) == (0.4, "positive")
    # A tie between the two poles is no evidence of either.
    assert _summarise([(0.45, 0.1, 0.45)])[1] == "neutral"


def test_label_classes_follow_the_models_class_order() -> None:
    from typing import get_args

    from pipeline.enrich.tone_model import CLASSES
    from pipeline.models import ToneLabel

    # the label is CLASSES[index of the likeliest class]: its values are the schema's
    assert get_args(ToneLabel) == CLASSES


def test_every_enriched_entity_with_a_tone_has_the_label_of_its_mean_probabilities(
    enricher: Enricher, model: ToneModel
) -> None:
    body = (
        "Mayor Ana Costa praised the volunteers who rebuilt the bridge. "
        "Critics accused Governor Tom Reyes of corruption and incompetence. "
        "The council met in Springfield on Tuesday."
    )
    enriched = enricher.enrich(RawArticle(id="t1", body=body))
    doc = enricher._nlp(normalise(body))
    toned = [e for e in enriched.entities if e.tone is not None]
    assert {e.name for e in toned} >= {"Ana Costa", "Tom Reyes"}
    for e in enriched.entities:
        assert (e.tone is None) == (e.tone_label is None)
    for e in toned:
        probs = model.predict_many(doc, [(m.start, m.end) for m in e.mentions])
        means = [sum(p[k] for p in probs) / len(probs) for k in range(3)]
        assert e.tone_label == ("negative", "neutral", "positive")[means.index(max(means))]
    by_name = {e.name: e for e in toned}
    assert by_name["Tom Reyes"].tone_label == "negative"
    events = split_events(_article(enriched, body))[0]
    assert {ev.name: ev.tone_label for ev in events} == {
        e.name: e.tone_label for e in enriched.entities
    }


def test_mentions_and_resolved_pronouns_carry_their_own_tone(
    enricher: Enricher, model: ToneModel
) -> None:
    body = (
        "Senator Maria Lopez won praise from farmers on Monday. "
        "Critics later said she had betrayed them and called her a liar."
    )
    enriched = enricher.enrich(RawArticle(id="t2", title="Lopez under fire", body=body))
    doc = enricher._nlp(normalise(body))
    lopez = next(e for e in enriched.entities if e.name == "Maria Lopez")
    assert [r.text for r in lopez.references] == ["she", "her"]
    for m in (*lopez.mentions, *lopez.references):
        text = enriched_field(body, "Lopez under fire", m.field)
        assert text[m.start : m.end] == m.text
        assert m.tone is not None and m.tone_label is not None
        if m.field == "body":
            p = model.predict(doc, m.start, m.end)
            assert m.tone == round(p[2] - p[0], 4)
    # The pronouns' sentence is hostile, the name's is not: each mention keeps its own.
    first = next(m for m in lopez.mentions if m.field == "body")
    assert first.tone is not None and lopez.references[1].tone is not None
    assert first.tone > lopez.references[1].tone
    assert lopez.count == len(lopez.mentions)  # references are not counted
    event = split_events(_article(enriched, body, "Lopez under fire"))[0]
    assert not any("references" in ev.model_dump() for ev in event)


def enriched_field(body: str, title: str, field: str) -> str:
    return title if field == "title" else body


def _article(enriched: Enrichment, body: str, title: str = "") -> EnrichedArticle:
    """The enrichment as it travels on news.enriched (through JSON)."""
    meta = EnrichmentMeta.model_validate(
        {"pipeline_version": "t", "model_name": "m", "model_version": "0",
         "enriched_at": datetime(2026, 1, 1, tzinfo=UTC), "processing_seconds": 0}
    )  # fmt: skip
    article = EnrichedArticle(id="t", title=title, body=body, meta=meta, **enriched.model_dump())
    return EnrichedArticle.model_validate_json(article.model_dump_json())
