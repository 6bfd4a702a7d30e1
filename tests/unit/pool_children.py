"""Child-side doubles for the NLP pool (importable by spawned processes): no model."""

from __future__ import annotations

import os
import signal
import time

from pipeline.models import Enrichment, Timings, Tone


def no_model(_: str) -> None:
    """Initialiser: nothing to load."""


def enrich_or_die(article_json: str) -> tuple[str, Timings]:
    """Dies on an article mentioning CRASH; hangs on HANG (a sleep an alarm interrupts) and on
    SPIN (signals blocked, as inside C code where Python handlers cannot run); else enriches
    to nothing."""
    if "CRASH" in article_json:
        os._exit(1)
    if "HANG" in article_json:
        time.sleep(600)
    if "SPIN" in article_json:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)
    time.sleep(0.2)  # long enough for articles to be in flight together
    tone = Tone(compound=0.0, positive=0.0, negative=0.0, neutral=1.0)
    return Enrichment(tone=tone).model_dump_json(), {"total": 0.2}
