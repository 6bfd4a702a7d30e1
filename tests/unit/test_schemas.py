from __future__ import annotations

import json
from pathlib import Path

from pipeline import schemas
from pipeline.models import SCHEMA_VERSION

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def test_schema_files_match_the_models() -> None:
    assert schemas.drifted(SCHEMA_DIR) == [], "run `make schemas` and commit schemas/"


def test_every_schema_is_versioned_and_names_its_topic() -> None:
    for name in schemas.SCHEMAS:
        document = json.loads((SCHEMA_DIR / name).read_text())
        assert document["x-schema-version"] == SCHEMA_VERSION
        assert document["x-topic-setting"].startswith("topics.")
        assert "schema_version" in document["properties"]


def test_drift_is_detected(tmp_path: Path) -> None:
    schemas.write(tmp_path)
    (tmp_path / "raw_article.json").write_text("{}")
    assert schemas.drifted(tmp_path) == ["raw_article.json"]


def test_readers_accept_events_with_unknown_fields() -> None:
    """Additive changes within a major version must not break current consumers."""
    from pipeline.models import DeadLetter, EntityEvent

    entity = {
        "article_id": "a",
        "name": "Oslo",
        "label": "GPE",
        "count": 1,
        "salience": 0.5,
        "added_in_1_1": {"anything": True},
    }
    assert EntityEvent.model_validate(entity).name == "Oslo"
    letter = {
        "error_code": "invalid_json",
        "error": "x",
        "source_topic": "t",
        "partition": 0,
        "offset": 1,
        "value": "v",
        "first_seen": "2026-01-01T00:00:00Z",
        "new": 1,
    }
    assert DeadLetter.model_validate(letter).offset == 1
