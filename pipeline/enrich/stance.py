"""Stance tags: frames read from the parse (see :mod:`frames`), turned into ``StanceTag``s.

Tags are de-duplicated per (holder, target, stance), keeping the most confident evidence.
"""

from __future__ import annotations

from pipeline.enrich.document import Document
from pipeline.enrich.frames import PHRASE_FACTOR, Frame, FrameReader
from pipeline.enrich.holders import HolderResolver
from pipeline.enrich.targets import Catalogue
from pipeline.models import StanceTag, StanceValue

_STANCE: dict[int, StanceValue] = {1: "favor", -1: "against", 0: "neutral"}


class StanceExtractor:
    """Finds stance frames in one article; holds the catalogue across articles."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def extract(self, doc: Document) -> list[StanceTag]:
        holders = HolderResolver(doc)
        tags: dict[tuple[str, str, str], StanceTag] = {}
        for parsed in doc.fields:
            reader = FrameReader(doc, parsed.field, holders, self.catalogue)
            for token in parsed.doc:
                for frame in reader.frames(token):
                    for tag in _tags(frame):
                        key = (tag.holder, tag.target, tag.stance)
                        if key not in tags or tags[key].confidence < tag.confidence:
                            tags[key] = tag
        return sorted(
            tags.values(),
            key=lambda t: (t.evidence.field != "title", t.evidence.start, t.holder, t.target),
        )


def _tags(frame: Frame) -> list[StanceTag]:
    found = []
    for holder in frame.holders.entities:
        for target in frame.targets:
            if target.kind == "entity" and target.text == holder.name:
                continue
            polarity = frame.polarity * target.polarity
            confidence = frame.confidence * frame.holders.factor
            if target.kind == "phrase":
                confidence *= PHRASE_FACTOR
            found.append(
                StanceTag(
                    holder=holder.name,
                    target=target.text,
                    target_kind=target.kind,
                    stance=_STANCE[polarity],
                    confidence=round(min(1.0, max(0.0, confidence)), 3),
                    predicate=frame.predicate,
                    evidence=frame.sentence.evidence(),
                )
            )
    return found
