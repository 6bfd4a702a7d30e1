"""NLP enrichment of articles: entities, quantities, stance tags and tone.

``Enricher`` (:mod:`pipeline.enrich.enricher`) is built inside each NLP process (nothing
here is pickled) and is deterministic: the same article always yields the same
``Enrichment``, alone or in a batch.

It is imported on first use: the worker process reads the language and text helpers of this
package but never parses, and importing spaCy and VADER would cost it ~55 MB of memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.enrich.enricher import Enricher

__all__ = ["Enricher"]


def __getattr__(name: str) -> Any:
    if name == "Enricher":
        from pipeline.enrich.enricher import Enricher

        return Enricher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
