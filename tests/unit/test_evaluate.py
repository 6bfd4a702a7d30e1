"""The evaluation harness: matching rules, scores, confusion table and the dev set's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.tools.evaluate import EvalReport, evaluate, format_report, load_dataset, targets_match
from pipeline.tools.matching import holders_match

DEV = Path(__file__).resolve().parents[1] / "data" / "dev.jsonl"
GOLD = DEV.parent / "gold"


@pytest.mark.parametrize(
    ("gold", "predicted", "same"),
    [
        ("ceasefire (full)", "ceasefire (full)", True),
        ("ceasefire", "ceasefire (limited)", True),
        ("ceasefire (full)", "ceasefire (limited)", False),
        ("attack on the refugee camp", "attack on refugee camp", True),
        ("union demand for higher wages", "higher wages", True),
        ("tariffs", "trade_deal", False),
        ("military_aid", "military aid to Ukraine", False),
        ("the stadium", "Stadium", True),
    ],
)
def test_targets_match(gold: str, predicted: str, same: bool) -> None:
    assert targets_match(gold, predicted) is same


@pytest.mark.parametrize(
    ("gold", "predicted", "same"),
    [
        ("Donald J. Trump", "Donald Trump", True),
        ("Stephen K. Bannon", "Stephen Bannon", True),
        ("Stephen K. Bannon", "Bannon", True),
        ("Bill O'Reilly", "O\u2019Reilly", True),
        ("O'Reilly", "Reilly", False),
        ("Mr. Obama", "Barack Obama", True),
        ("George W. Bush", "George H. W. Bush", False),
        ("George W. Bush", "George Bush", True),
        ("Donald Trump", "Donald Trump Jr.", False),
        ("Jeb Bush", "George Bush", False),
        ("Ramón Pérez", "Ramírez", False),
        ("José Ramón Pérez", "José Ramírez", False),
        ("Raúl Castro", "Raúl A. Castro", True),
        ("Müller", "Thomas Müller", True),
        ("D'Souza", "Douza", False),
        ("Lech Wałęsa", "Wałęsa", True),
        ("Hans-Georg Maaßen", "Maaßen", True),
        ("Kemal Kılıçdaroğlu", "Kılıçdaroğlu", True),
        ("O'Sullivan", "Jim O\u2019Sullivan", True),
    ],
)
def test_holders_match(gold: str, predicted: str, same: bool) -> None:
    assert holders_match(gold, predicted) is same


def test_dev_set_is_well_formed() -> None:
    docs = load_dataset(DEV)
    assert len(docs) >= 40
    assert len({d["id"] for d in docs}) == len(docs)
    for doc in docs:
        gold = doc["gold"]
        assert isinstance(gold, dict) and isinstance(doc["body"], str)
        for s in gold["stances"]:
            assert s["stance"] in {"favor", "against", "neutral"}
    assert sum(1 for d in docs if not d["gold"]["stances"]) >= 5  # texts with no stance


def test_evaluate_scores_a_small_dataset(tmp_path: Path) -> None:
    every_tag = Enricher(EnrichSettings(stance_min_confidence=0.0))
    lines = [
        {
            "id": "a",
            "title": "",
            "body": "Senator Ana Ruiz refused to back the trade agreement with Vietnam.",
            "gold": {
                "entities": [
                    {"name": "Ana Ruiz", "label": "PERSON"},
                    {"name": "Vietnam", "label": "GPE"},
                ],
                "stances": [{"holder": "Ana Ruiz", "target": "trade_deal", "stance": "favor"}],
            },
        }
    ]
    path = tmp_path / "mini.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    report = evaluate(every_tag, path, threshold=0.0)
    assert report.documents == 1
    assert report.entities.f1 == pytest.approx(1.0)
    assert report.stances.tp == 0  # gold says favor; the system rightly says against
    assert report.confusion["favor"]["against"] == 1
    assert set(report.intervals) == {"entities", "entity_names", "stances"}
    assert report.curve[0].threshold == pytest.approx(0.1)
    again = EvalReport.model_validate_json(report.model_dump_json())
    assert again.stances.gold == 1
    text = format_report(report, details=True)
    assert "stances (holder+target+stance)" in text and "missed stance" in text
    assert "bootstrap 95 % intervals" in text and "reliability" in text


def test_stance_gold_is_well_formed() -> None:
    for part in ("dev", "test", "train"):
        docs = load_dataset(GOLD / f"stance_{part}.jsonl")
        assert len({d["id"] for d in docs}) == len(docs) >= 795
        for doc in docs:
            for s in doc["gold"]["stances"]:  # type: ignore[index]
                assert s["stance"] in {"favor", "against"}
                assert doc["body"][s["evidence_start"] : s["evidence_end"]] == s["evidence"]
                assert s["target"] in doc["body"]
    tags = sum(len(d["gold"]["stances"]) for d in load_dataset(GOLD / "stance_test.jsonl"))
    assert tags >= 300  # type: ignore[index]


def test_real_news_precision_holds_at_the_default_threshold(enricher: Enricher) -> None:
    """A regression guard on the frozen test half: measured at the default threshold P 0.65,
    R 0.145 over 805 documents; the floor leaves room for the interval's width, not for a
    model that has lost its precision."""
    report = evaluate(enricher, GOLD / "stance_test.jsonl")
    assert report.stances.precision >= 0.6
    assert report.stances.recall >= 0.12
    assert report.stances.predicted >= 20


def test_entity_gold_files_are_well_formed() -> None:
    gold_dir = DEV.parent / "gold"
    for kind in ("prose", "headlines", "caps", "datelines", "results"):
        docs = load_dataset(gold_dir / f"entities_{kind}.jsonl")
        assert len({d["id"] for d in docs}) == len(docs) >= 45
        for doc in docs:
            text = f"{doc['title']} {doc['body']}".lower()
            for e in doc["gold"]["entities"]:  # type: ignore[index]
                assert e["label"] in {"PERSON", "ORG", "GPE", "NORP", "LOC"}
                assert e["name"].lower() in text


def test_evaluate_reads_a_headline_without_body(enricher: Enricher, tmp_path: Path) -> None:
    line = {
        "id": "h",
        "title": "Obama Greets Cuba's Castro",
        "body": "",
        "gold": {"entities": []},
    }
    path = tmp_path / "head.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert evaluate(enricher, path).entities.predicted >= 2


def test_dev_set_entities_do_not_regress(enricher: Enricher) -> None:
    """The self-written texts are unit cases of the entity rules, not reported figures."""
    assert evaluate(enricher, DEV).entities.f1 > 0.9
