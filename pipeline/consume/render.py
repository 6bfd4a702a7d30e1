"""Human-readable views of events for terminals (demo, ``consume --format table``): an
enriched article or a story as a block, any other event as one row."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from pipeline.consume.filters import is_story
from pipeline.models import EnrichedArticle
from pipeline.stories.models import StoryEvent


def article_text(article: EnrichedArticle, max_entities: int = 25) -> str:
    """A few aligned lines per article: entities, stance tags, tone."""
    lines = [
        f"━━ {article.id} — {article.title or '(no title)'}",
        f"   source {article.source or '-'} · published "
        f"{article.published_at.isoformat() if article.published_at else '-'} · "
        f"{article.meta.model_name} {article.meta.model_version} · "
        f"{article.meta.processing_seconds * 1000:.0f} ms",
        f"   tone {article.tone.compound:+.2f}",
        f"   entities ({len(article.entities)}):",
    ]
    for e in sorted(article.entities, key=lambda e: -e.salience)[:max_entities]:
        tone = f"{e.tone:+.2f} {e.tone_label or ''}" if e.tone is not None else "  -  "
        lines.append(
            f"     {e.label:<8} {e.name:<32} ×{e.count:<3} salience {e.salience:.2f}  tone {tone}"
        )
    lines.append(f"   stance tags ({len(article.stances)}):")
    for s in article.stances:
        lines.append(
            f"     {s.holder} {s.stance.upper()} {s.target} ({s.confidence:.2f}, {s.predicate})"
        )
        evidence = textwrap.shorten(s.evidence.text, width=150, placeholder=" …")
        lines.append(f"        “{evidence}”")
    if article.quantities:
        shown = ", ".join(f"{q.text} [{q.label}]" for q in article.quantities[:8])
        lines.append(f"   quantities: {shown}")
    return "\n".join(lines)


def story_text(story: StoryEvent, max_articles: int = 10) -> str:
    """A few lines per story event: its size and outlets, top names, stance counts, and its
    first ``max_articles`` articles in the order they joined."""
    first = story.articles[0].title if story.articles else ""
    lines = [
        f"━━ story {story.story_id} — {first or '(no title)'}",
        f"   {story.article_count} article{'s' if story.article_count != 1 else ''} · "
        f"first seen {story.first_seen.isoformat()} · updated {story.updated_at.isoformat()}",
        f"   outlets ({len(story.outlets)}): {', '.join(story.outlets) or '-'}",
    ]
    if story.top_entities:
        names = ", ".join(f"{e.name} [{e.label}] ×{e.articles}" for e in story.top_entities)
        lines.append(f"   top entities: {names}")
    for s in story.stances:
        lines.append(
            f"   stance {s.holder} → {s.target}: favor {s.favor} · against {s.against} · "
            f"neutral {s.neutral}"
        )
    shown = story.articles[:max_articles]
    for a in shown:
        when = a.published_at.isoformat()[:16] if a.published_at else "-"
        copy = f"  (copy of {a.duplicate_of})" if a.duplicate_of else ""
        title = textwrap.shorten(a.title or "(no title)", width=70, placeholder=" …")
        lines.append(f"     {when:<16}  {a.source or '-':<20} {a.article_id}  {title}{copy}")
    # article_count counts them all; the event lists the first 100 only.
    if story.article_count > len(shown):
        lines.append(f"     … {story.article_count - len(shown)} more article(s)")
    return "\n".join(lines)


def event_text(event: dict[str, Any]) -> str:
    """A table row (or block, for a whole article) for any Newsflow event; an event that does
    not have the shape its fields suggest is shown as its JSON."""
    try:
        return _event_text(event)
    except (KeyError, TypeError, AttributeError, ValueError):  # ValidationError is a ValueError
        return json.dumps(event, ensure_ascii=False)


def _event_text(event: dict[str, Any]) -> str:
    if "entities" in event and "meta" in event:
        return article_text(EnrichedArticle.model_validate(event))
    if is_story(event):
        return story_text(StoryEvent.model_validate(event))
    when = str(event.get("published_at") or "-")[:16]
    if "holder" in event:
        evidence = textwrap.shorten(event["evidence"]["text"], width=90, placeholder=" …")
        return (
            f"{when:<16}  {event['holder']:<24} {event['stance'].upper():<8} "
            f"{event['target']:<28} {event['confidence']:.2f}  “{evidence}”"
        )
    if "label" in event and "article_id" in event:
        title = textwrap.shorten(event.get("title") or "", width=60, placeholder=" …")
        return (
            f"{when:<16}  {event['label']:<8} {event['name']:<28} ×{event['count']:<3} "
            f"{event['salience']:.2f}  {event['article_id']}  {title}"
        )
    return json.dumps(event, ensure_ascii=False)


def metric_lines(exposition: str, prefix: str = "newsflow_") -> Iterable[str]:
    """Counter totals and histogram counts/sums of our own metrics, one per line."""
    for family in text_string_to_metric_families(exposition):
        if not family.name.startswith(prefix) or family.type == "gauge":
            continue
        for sample in family.samples:
            if sample.name.endswith(("_created", "_bucket")):
                continue
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            name = f"{sample.name}{{{labels}}}" if labels else sample.name
            yield f"{name} {sample.value:g}"
