"""Child-side doubles for the NLP pool (importable by spawned processes): no model."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

from pipeline.models import Enrichment, RawArticle, Tone
from pipeline.worker.nlp_pool import Result


def no_model(_: str) -> None:
    """Initialiser: nothing to load."""


def enrich_or_die(jobs: list[str]) -> Iterator[Result]:
    """Enriches each article in turn: dies on one mentioning CRASH; hangs on HANG (a sleep an
    alarm interrupts) and on SPIN (signals blocked, as inside C code where Python handlers
    cannot run); raises on BOOM; takes 1 s on SLOW; else enriches to nothing in 0.2 s, with a
    tone saying the size of the request it came in (``neutral`` = 1 / articles in it) and
    the body's length for a MinHash."""
    for job in jobs:
        if "CRASH" in job:
            os._exit(1)
        if "HANG" in job:
            time.sleep(600)
        if "SPIN" in job:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(600)
        if "BOOM" in job:
            raise ValueError("a bug this article triggers")
        # long enough for articles to be in flight together, and to queue behind a SLOW one
        time.sleep(1.0 if "SLOW" in job else 0.2)
        article = RawArticle.model_validate_json(job)
        tone = Tone(compound=0.0, positive=0.0, negative=0.0, neutral=1 / len(jobs))
        yield Enrichment(tone=tone).model_dump_json(), {"total": 0.2}, (len(article.body),)
