"""Newsflow: live news on Kafka, enriched with entities, stance tags and tone."""

from __future__ import annotations

__version__ = "0.1.0"
