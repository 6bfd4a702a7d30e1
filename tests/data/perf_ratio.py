"""Enrichment CPU per article against the bare model, on the bench corpus, in one process.

``python tests/data/perf_ratio.py [N]`` (default 150): N real-news articles of
``pipeline.tools.bench_corpus.real_corpus(N, 7)`` after one warm-up article. For each article,
in alternating order, it times (``time.process_time``) the whole enrichment with its JSON
serialisation, and the bare model (``spacy.load``, every default component) called once on
the title and once on the body; then the bare model's ``nlp.pipe`` over all the texts. Then,
article by article again, the enrichment's stages one at a time. It prints CPU ms per
article and the two ratios; other processes on the machine slow both sides alike.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict

import spacy

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher, entities, mentions
from pipeline.enrich.candidates import CandidateReader
from pipeline.enrich.document import Document
from pipeline.enrich.holders import HolderResolver
from pipeline.enrich.nlp import parse_article
from pipeline.enrich.stance_model import sources_by_pair
from pipeline.enrich.tone import article_tone
from pipeline.models import RawArticle
from pipeline.tools.bench_corpus import real_corpus

clock = time.process_time


def stages(enricher: Enricher, articles: list[RawArticle]) -> dict[str, float]:
    """CPU seconds per stage, summed over the articles (the steps of ``Enricher.enrich``)."""
    spent: dict[str, float] = defaultdict(float)

    def timed(stage: str, started: float) -> float:
        now = clock()
        spent[stage] += now - started
        return now

    for article in articles:
        t = clock()
        fields = parse_article(enricher._nlp, article, enricher.settings)
        t = timed("spaCy (tokenizer + components)", t)
        found: list[mentions.RawMention] = []
        for parsed in fields:
            found += mentions.extract(parsed)[0]
        clusters = entities.build(fields, found)
        doc = Document(fields, clusters)
        t = timed("mentions, gazetteer, entities", t)
        holders = HolderResolver(doc)
        candidates = CandidateReader(doc, enricher.catalogue, holders).candidates()
        t = timed("stance candidates (holders, rules)", t)
        sources = sources_by_pair(candidates)
        for c in candidates:
            enricher._stance.model.probabilities(c, sources)
        t = timed("stance model", t)
        article_tone([enricher._tone.score(s.text) for s in doc.sentences])
        t = timed("article tone (VADER)", t)
        enricher._with_tones(
            article, doc, holders, entities.to_entities(doc.clusters, len(article.body))
        )
        t = timed("entity tone model", t)
        enrichment = enricher.enrich(article)
        t = clock()
        enrichment.model_dump_json()
        timed("serialisation (model_dump_json)", t)
    return spent


def main(n: int) -> None:
    settings = EnrichSettings()
    enricher = Enricher(settings)
    bare = spacy.load(settings.model)
    warm, *articles = real_corpus(n + 1, 7)
    enricher.enrich(warm)
    bare(warm.body)
    words = statistics.mean(len(a.body.split()) for a in articles)
    enrich_cpu = bare_cpu = 0.0
    for i, article in enumerate(articles):
        texts = [t for t in (article.title, article.body) if t.strip()]
        for side in (0, 1) if i % 2 == 0 else (1, 0):
            started = clock()
            if side == 0:
                enricher.enrich(article).model_dump_json()
                enrich_cpu += clock() - started
            else:
                for text in texts:
                    bare(text)
                bare_cpu += clock() - started
    started = clock()
    for _ in bare.pipe([t for a in articles for t in (a.title, a.body) if t.strip()]):
        pass
    pipe_cpu = clock() - started
    ms = 1000 / n
    print(f"{n} articles, {words:.0f} words mean; CPU ms per article:")
    print(f"  enrichment (with JSON)        {enrich_cpu * ms:7.1f}")
    print(
        f"  bare, nlp() per text          {bare_cpu * ms:7.1f}   ratio {enrich_cpu / bare_cpu:.2f}"
    )
    print(
        f"  bare, nlp.pipe over all texts {pipe_cpu * ms:7.1f}   ratio {enrich_cpu / pipe_cpu:.2f}"
    )
    print("stages:")
    for stage, seconds in stages(enricher, articles).items():
        print(f"  {stage:<36} {seconds * ms:7.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 150)
