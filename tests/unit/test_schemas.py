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
