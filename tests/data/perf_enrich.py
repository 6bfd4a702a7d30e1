"""Where one article's enrichment time goes: ``python tests/data/perf_enrich.py [N]``.

On N corpus articles (default 50, after one warm-up article) it measures, in one process:

* the Enricher's own stages (``ner`` = parse + entities, ``stance``, ``tone``);
* each spaCy component, run one after the other by hand on the same texts;
* ``nlp.pipe`` batching against one ``nlp()`` call per text (what the pool does now);
* the JSON crossing of the process pool, with pydantic and with orjson;
* the worker's own share per article (on its event loop): validating the raw message,
  building the EnrichedArticle, splitting the entity/stance events and serialising them all.

Numbers are milliseconds per article; run it on an otherwise idle machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import orjson

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.enrich.nlp import normalise
from pipeline.models import (
    EnrichedArticle,
    Enrichment,
    EnrichmentMeta,
    RawArticle,
    split_events,
)
from pipeline.tools.corpus import generate
from pipeline.worker.validate import parse_raw


def per_article(label: str, seconds: float, n: int, base: float | None = None) -> None:
    share = f" ({seconds / base * 100:5.1f} %)" if base else ""
    print(f"  {label:<38} {seconds / n * 1000:8.2f} ms{share}")


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(n: int) -> None:
    settings = EnrichSettings()
    enricher = Enricher(settings)
    nlp = enricher._nlp  # an experiment may look inside
    articles = generate(n + 1, seed=7)
    enricher.enrich(articles[0])
    articles = articles[1:]
    words = statistics.mean(len(a.body.split()) for a in articles)
    print(f"{n} articles, {words:.0f} words mean, components {nlp.pipe_names}")

    stages = dict.fromkeys(("ner", "stance", "tone"), 0.0)
    results: list[Enrichment] = []
    single: list[float] = []
    for article in articles:
        started = time.perf_counter()
        results.append(enricher.enrich(article))
        single.append(time.perf_counter() - started)
        for stage, seconds in enricher.last_timings.items():
            stages[stage] += seconds
    total = sum(single)
    median = statistics.median(single) * 1000
    print(f"enrich: {total / n * 1000:.1f} ms/article mean, median {median:.1f} ms")
    for stage, seconds in stages.items():
        per_article(f"stage {stage}", seconds, n, total)

    texts = [normalise(t) for a in articles for t in (a.title, a.body) if t.strip()]
    components = dict.fromkeys(nlp.pipe_names, 0.0)
    tokenise = 0.0
    for text in texts:
        started = time.perf_counter()
        doc = nlp.make_doc(text)
        tokenise += time.perf_counter() - started
        for name, proc in nlp.pipeline:
            started = time.perf_counter()
            doc = proc(doc)
            components[name] += time.perf_counter() - started
    spacy_total = tokenise + sum(components.values())
    print(f"spaCy by component (sum {spacy_total / n * 1000:.1f} ms/article):")
    per_article("tokenizer", tokenise, n, total)
    for name, seconds in components.items():
        per_article(name, seconds, n, total)
    per_article("our code + VADER (enrich − spaCy)", total - spacy_total, n, total)

    one_by_one = timed(lambda: [nlp(t) for t in texts])
    print("batching the parse:")
    per_article("nlp(text) per text", one_by_one, n, one_by_one)
    for size in (4, 16):
        started = time.perf_counter()
        list(nlp.pipe(texts, batch_size=size))
        batched = time.perf_counter() - started
        per_article(f"nlp.pipe batch_size={size}", batched, n, one_by_one)

    crossing(articles, results, n)
    worker_share(articles, results, settings, n)


def crossing(articles: list[RawArticle], results: list[Enrichment], n: int) -> None:
    """What EnrichPool pays to move an article in and an Enrichment out, per article."""
    print("pool JSON crossing:")
    pyd = timed(
        lambda: [
            (a.model_dump_json(), r.model_dump_json())
            for a, r in zip(articles, results, strict=True)
        ]
    )
    back = [r.model_dump_json() for r in results]
    per_article("pydantic dump (article + enrichment)", pyd, n)
    per_article(
        "pydantic validate enrichment",
        timed(lambda: [Enrichment.model_validate_json(b) for b in back]),
        n,
    )
    per_article(
        "orjson.dumps(model_dump()) enrichment",
        timed(lambda: [orjson.dumps(r.model_dump()) for r in results]),
        n,
    )
    per_article(
        "orjson.loads enrichment (no validation)", timed(lambda: [orjson.loads(b) for b in back]), n
    )


def worker_share(
    articles: list[RawArticle], results: list[Enrichment], settings: EnrichSettings, n: int
) -> None:
    """The worker process's CPU per article besides waiting for its pool (process.py's path)."""
    raws = [a.model_dump_json(exclude_none=True).encode() for a in articles]
    meta = EnrichmentMeta(
        pipeline_version="x",
        model_name="m",
        model_version="v",
        enriched_at=datetime.now(UTC),
        processing_seconds=0.1,
    )
    parsed = [parse_raw(r, settings) for r in raws]
    built: list[EnrichedArticle] = []
    t_parse = timed(lambda: [parse_raw(r, settings) for r in raws])
    t_build = timed(
        lambda: built.extend(
            EnrichedArticle(**a.model_dump(), **e.model_dump(), meta=meta)
            for a, e in zip(parsed, results, strict=True)
        )
    )
    t_dump = timed(lambda: [b.model_dump_json().encode() for b in built])
    events = [split_events(b) for b in built]
    t_split = timed(lambda: [split_events(b) for b in built])
    t_events = timed(
        lambda: [[e.model_dump_json().encode() for e in ents + stances] for ents, stances in events]
    )
    count = statistics.mean(len(a) + len(b) for a, b in events)
    print(f"worker event loop per article ({count:.0f} derived events each):")
    for label, seconds in [
        ("parse_raw", t_parse),
        ("build EnrichedArticle", t_build),
        ("dump enriched JSON", t_dump),
        ("split_events", t_split),
        ("dump derived events", t_events),
    ]:
        per_article(label, seconds, n)
    per_article("sum", t_parse + t_build + t_dump + t_split + t_events, n)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
