"""The enricher: entities, quantities, stance tags and tone of one article or a batch.

``Enricher`` is built inside each NLP process (nothing here is pickled) and is
deterministic: the same article always yields the same ``Enrichment``, alone or in a batch.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator

from pipeline.config import EnrichSettings
from pipeline.enrich import entities, mentions, places
from pipeline.enrich.document import Document
from pipeline.enrich.holders import HolderResolver
from pipeline.enrich.nlp import ParsedField, load_pipeline, parse_articles
from pipeline.enrich.stance import StanceExtractor
from pipeline.enrich.stance_model import StanceModel
from pipeline.enrich.targets import Catalogue
from pipeline.enrich.tone import ToneScorer, article_tone
from pipeline.enrich.tone_model import ToneModel
from pipeline.models import Enrichment, Quantity, RawArticle, TextField

__all__ = ["Enricher"]


class Enricher:
    """Holds the loaded model; ``enrich`` is called once per article.

    ``last_timings`` holds the seconds spent in the stages ``ner`` (parse and entities),
    ``stance`` and ``tone`` of the latest call, for the worker's metrics.
    """

    def __init__(self, settings: EnrichSettings, stance_model: StanceModel | None = None) -> None:
        self.settings = settings
        places.places()  # a small file (pipeline/data/places.json), read once per process
        self._nlp = load_pipeline(settings.model)
        self.model_name: str = f"{self._nlp.meta['lang']}_{self._nlp.meta['name']}"
        self.model_version: str = str(self._nlp.meta["version"])
        self._tone = ToneScorer()
        self._tone_model = ToneModel.load()
        self.catalogue = Catalogue.load(self._nlp, settings.targets_path)
        self._stance = StanceExtractor(
            self.catalogue, stance_model or StanceModel.load(), settings.stance_min_confidence
        )
        self.last_timings: dict[str, float] = {}

    def enrich(self, article: RawArticle) -> Enrichment:
        """Entities, quantities, stances and tone of one article."""
        return next(self.enrich_many([article]))

    def enrich_many(self, articles: list[RawArticle]) -> Iterator[Enrichment]:
        """The enrichment of each article, in order: their texts are parsed together in one
        ``nlp.pipe`` call, then each is finished and yielded in turn (``last_timings`` is the
        yielded article's, its share of the shared parse included)."""
        clock = time.perf_counter()
        parsed = parse_articles(self._nlp, articles, self.settings)
        share = (time.perf_counter() - clock) / max(1, len(articles))
        for article, fields in zip(articles, parsed, strict=True):
            yield self._finish(article, fields, share)

    def _finish(self, article: RawArticle, fields: list[ParsedField], parse: float) -> Enrichment:
        clock = time.perf_counter()
        doc, quantities = self._document(fields)
        ner_done = time.perf_counter()
        holders = HolderResolver(doc)
        stances = self._stance.extract(doc, holders)
        stance_done = time.perf_counter()
        scores = [self._tone.score(s.text) for s in doc.sentences]
        found = entities.to_entities(doc.clusters, len(article.body))
        tones = self._entity_tones(doc, holders)
        found = [e.model_copy(update={"tone": tones[i]}) for i, e in enumerate(found)]
        tone = article_tone(scores)
        truncated = doc.fields[-1].truncated
        tone_done = time.perf_counter()
        self.last_timings = {
            "ner": parse + ner_done - clock,
            "stance": stance_done - ner_done,
            "tone": tone_done - stance_done,
        }
        found.sort(key=lambda e: (-e.salience, e.name))
        return Enrichment(
            entities=found, quantities=quantities, stances=stances, tone=tone, truncated=truncated
        )

    def _entity_tones(self, doc: Document, holders: HolderResolver) -> list[float | None]:
        """Each entity's tone: the mean of P(positive) - P(negative) over its mentions,
        pronouns that refer to it included, from the target-dependent tone model."""
        spans: dict[TextField, list[tuple[int, int, int]]] = defaultdict(list)
        index = {id(c): i for i, c in enumerate(doc.clusters)}
        for i, c in enumerate(doc.clusters):
            for m in c.mentions:
                spans[m.field].append((m.start, m.end, i))
        for field_name, token, c in holders.pronoun_mentions():
            spans[field_name].append((token.idx, token.idx + len(token), index[id(c)]))
        sums: list[list[float]] = [[] for _ in doc.clusters]
        for parsed in doc.fields:
            wanted = spans.get(parsed.field, [])
            probs = self._tone_model.predict_many(parsed.doc, [(a, b) for a, b, _ in wanted])
            for (_, _, i), (negative, _, positive) in zip(wanted, probs, strict=True):
                sums[i].append(positive - negative)
        return [round(sum(v) / len(v), 4) if v else None for v in sums]

    def read(self, article: RawArticle) -> tuple[Document, list[Quantity]]:
        """Parse both fields once and build the canonical entities."""
        return self._document(parse_articles(self._nlp, [article], self.settings)[0])

    @staticmethod
    def _document(fields: list[ParsedField]) -> tuple[Document, list[Quantity]]:
        found: list[mentions.RawMention] = []
        quantities: list[Quantity] = []
        for parsed in fields:
            field_mentions, field_quantities = mentions.extract(parsed)
            found += field_mentions
            quantities += field_quantities
        return Document(fields, entities.build(fields, found)), quantities
