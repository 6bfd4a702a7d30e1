"""What the stance rules propose for an invented text: the one helper the rule tests share."""

from __future__ import annotations

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import CandidateReader
from pipeline.models import RawArticle

Proposal = tuple[str, str, int]  # (holder, target as written, direction)


def proposed(
    enricher: Enricher, body: str, source: str | None = None, title: str = ""
) -> set[Proposal]:
    """The candidates the rule ``source`` proposes, holders named ahead included (any
    structured rule when None: every rule but the entity-pair rule)."""
    doc, _ = enricher.read(RawArticle(id="t", title=title, body=body))
    return {
        (c.holder.name, c.surface, c.prior)
        for c in CandidateReader(doc, enricher.catalogue).candidates()
        if (c.rule == source if source is not None else c.rule != "pair")
    }
