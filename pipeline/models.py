"""The events on Newsflow's topics, as pydantic models: the in-process truth.

``schemas/*.json`` are generated from these models (``newsflow schemas write``) and a test
keeps the two identical. Compatibility rule: within a major ``schema_version`` changes are
additive only; readers ignore fields they do not know.
"""

from __future__ import annotations

import base64
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = "1.0"
SUPPORTED_MAJOR = 1

TextField = Literal["title", "body"]
StanceValue = Literal["favor", "against", "neutral"]
ToneLabel = Literal["negative", "neutral", "positive"]
Encoding = Literal["utf-8", "base64"]
Timings = dict[str, float]  # enrichment stage name -> seconds


class _Event(BaseModel):
    # Unknown fields are ignored so that consumers survive additive schema changes.
    model_config = ConfigDict(extra="ignore")


class RawArticle(_Event):
    """An article as fed onto ``news.raw``."""

    schema_version: str = Field(default=SCHEMA_VERSION, pattern=r"^\d+\.\d+$")
    id: str = Field(min_length=1, max_length=200, description="Unique article id; the Kafka key.")
    title: str = Field(default="", description="Headline; may be empty.")
    body: str = Field(min_length=1, description="Article text.")
    source: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2048)
    published_at: datetime | None = None
    language: str | None = Field(default=None, max_length=16, description="BCP 47 tag, if known.")

    @field_validator("body")
    @classmethod
    def _body_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("body is blank")
        return value


class Mention(_Event):
    """One occurrence of an entity: ``text == article.<field>[start:end]``."""

    text: str
    start: int = Field(ge=0, description="Character offset (inclusive) into the field.")
    end: int = Field(ge=0, description="Character offset (exclusive) into the field.")
    field: TextField = "body"
    tone: float | None = Field(
        default=None,
        ge=-1.0,
        le=1.0,
        description="Tone toward the entity at this mention, from the words around it: "
        "P(positive) - P(negative) of the trained tone model.",
    )
    tone_label: ToneLabel | None = Field(
        default=None, description="The likeliest tone class at this mention."
    )


class Entity(_Event):
    """One canonical real-world referent of the article, with all its mentions."""

    name: str = Field(description="Canonical name: the fullest form used in the article.")
    label: str = Field(description="spaCy OntoNotes label: PERSON, ORG, GPE, LOC, NORP, ...")
    mentions: list[Mention]
    references: list[Mention] = Field(
        default_factory=list,
        description="Pronouns resolved to this entity ('she', 'his'), each with its tone; "
        "not counted in count. Resolution takes the nearest compatible entity named before; "
        "gender is known only from titles (Mr., Mrs., Ms., ...).",
    )
    count: int = Field(ge=1, description="Number of mentions.")
    salience: float = Field(ge=0.0, le=1.0, description="Centrality in the article (README).")
    tone: float | None = Field(
        default=None,
        ge=-1.0,
        le=1.0,
        description=(
            "Tone toward the entity: the mean over its mentions and references of "
            "P(positive) - P(negative) from the trained target-dependent tone model; null "
            "when none could be scored. A score, not a class: read tone_label for "
            "negative / neutral / positive."
        ),
    )
    tone_label: ToneLabel | None = Field(
        default=None,
        description=(
            "The most likely tone class toward the entity: the class with the highest mean "
            "probability over its mentions and references; null when tone is."
        ),
    )


class Quantity(_Event):
    """A number, date, time, percentage or amount: kept apart from named entities."""

    text: str
    label: str = Field(description="DATE, TIME, PERCENT, MONEY, QUANTITY, ORDINAL or CARDINAL.")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    field: TextField = "body"


class Evidence(_Event):
    """The sentence that carries a stance: ``text == article.<field>[start:end]``."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    field: TextField = "body"


class StanceTag(_Event):
    """``holder`` is ``stance`` toward ``target``, because of ``evidence``."""

    holder: str = Field(
        description="Canonical name of an entity of the article, or a group named as written "
        '("Biden campaign", "GOP leaders").'
    )
    target: str = Field(description="Catalogue id, entity name or short normalised phrase.")
    target_text: str = Field(description="The target as written in the evidence.")
    target_kind: Literal["catalogue", "entity", "phrase"]
    stance: StanceValue
    confidence: float = Field(
        ge=0.0, le=1.0, description="The stance model's probability of this stance."
    )
    predicate: str = Field(description="Lemma of the stance-bearing word, e.g. 'reject'.")
    evidence: Evidence


class Tone(_Event):
    """VADER compound scores in [-1, 1]."""

    compound: float = Field(ge=-1.0, le=1.0)
    positive: float = Field(ge=0.0, le=1.0)
    negative: float = Field(ge=0.0, le=1.0)
    neutral: float = Field(ge=0.0, le=1.0)


class EnrichmentMeta(_Event):
    pipeline_version: str
    model_name: str
    model_version: str
    enriched_at: datetime
    processing_seconds: float = Field(ge=0.0)


class Truncation(_Event):
    """Where enrichment stopped in a body longer than a limit (``NEWSFLOW_ENRICH_*``)."""

    limit: Literal["max_body_chars", "max_tokens", "max_sentences"] = Field(
        description="The limit the body went over."
    )
    end: int = Field(
        ge=0,
        description="Characters of the body enriched: entities, quantities, stances and "
        "tone cover body[:end] only.",
    )


class Enrichment(_Event):
    """What the NLP adds to an article; computed off the event loop."""

    entities: list[Entity] = Field(default_factory=list)
    quantities: list[Quantity] = Field(default_factory=list)
    stances: list[StanceTag] = Field(default_factory=list)
    tone: Tone
    truncated: Truncation | None = Field(
        default=None, description="Null when the whole body was enriched."
    )


class Enriched(NamedTuple):
    """What an enricher hands the worker: the enrichment, its stage timings, and the story
    MinHash of the article's text when the NLP process computed it (off the event loop)."""

    enrichment: Enrichment
    timings: Timings
    minhash: tuple[int, ...] | None = None


class EnrichedArticle(Enrichment, RawArticle):  # raw fields first when serialised
    """An article on ``news.enriched``: the raw fields plus the enrichment."""

    detected_language: str | None = Field(
        default=None,
        description="ISO 639-1 code identified from the title and body; null when the text "
        "has too little running text to tell (results, tables, lists).",
    )
    meta: EnrichmentMeta
    story_id: str | None = Field(
        default=None,
        description="The story this article belongs to: the id of the story's first article "
        "(news.stories); null when story clustering is off.",
    )
    duplicate_of: str | None = Field(
        default=None,
        description="The id of the first article with the same text (a syndicated copy from "
        "another source or URL), whose enrichment this one reuses; null for a first copy.",
    )


class ErrorCode(StrEnum):
    """Why a message was dead-lettered (README lists them)."""

    INVALID_JSON = "invalid_json"
    INVALID_UTF8 = "invalid_utf8"
    SCHEMA_VIOLATION = "schema_violation"
    UNSUPPORTED_VERSION = "unsupported_version"
    TOO_LARGE = "too_large"
    EMPTY_BODY = "empty_body"
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    ENRICHMENT_FAILED = "enrichment_failed"
    ENRICHMENT_TIMEOUT = "enrichment_timeout"
    OUTPUT_TOO_LARGE = "output_too_large"


class DeadLetter(_Event):
    """A rejected message on ``news.deadletter``: nothing is lost."""

    schema_version: str = SCHEMA_VERSION
    error_code: ErrorCode
    error: str = Field(description="Human-readable reason.")
    detected_language: str | None = Field(
        default=None, description="ISO 639-1 code identified from the text, when it was."
    )
    source_topic: str
    partition: int
    offset: int
    key: str | None = Field(
        default=None, description="The original key, or its beginning when key_truncated."
    )
    key_encoding: Literal["utf-8", "base64"] = "utf-8"
    value: str = Field(description="The original value, or its beginning when value_truncated.")
    value_encoding: Literal["utf-8", "base64"] = "utf-8"
    first_seen: datetime
    key_size: int | None = Field(
        default=None, ge=0, description="Length of the original key in bytes; null when keyless."
    )
    key_sha256: str | None = Field(
        default=None, description="Hex SHA-256 of the whole original key; null when keyless."
    )
    key_truncated: bool = Field(
        default=False, description="key holds only the beginning of the original key."
    )
    value_size: int | None = Field(
        default=None, ge=0, description="Length of the original value in bytes."
    )
    value_sha256: str | None = Field(
        default=None, description="Hex SHA-256 of the whole original value."
    )
    value_truncated: bool = Field(
        default=False,
        description="value holds only the beginning of the original value, so that the dead "
        "letter fits the topic's maximum message size; the whole value is at source_topic, "
        "partition, offset.",
    )


def text_or_base64(data: bytes) -> tuple[str, Encoding]:
    """``data`` as UTF-8 text when it is valid UTF-8, else base64 (for dead letters and
    ``newsflow consume --envelope``)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


class _ArticleRef(_Event):
    schema_version: str = SCHEMA_VERSION
    article_id: str
    title: str = ""
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None


class EntityEvent(_ArticleRef):
    """One (article, canonical entity) on ``news.entities``, keyed by entity name."""

    name: str
    label: str
    count: int = Field(ge=1)
    salience: float = Field(ge=0.0, le=1.0)
    tone: float | None = Field(default=None, ge=-1.0, le=1.0)
    tone_label: ToneLabel | None = None


class StanceEvent(_ArticleRef):
    """One stance tag on ``news.stance``, keyed by holder."""

    holder: str
    target: str
    target_text: str
    target_kind: Literal["catalogue", "entity", "phrase"]
    stance: StanceValue
    confidence: float = Field(ge=0.0, le=1.0)
    predicate: str
    evidence: Evidence


def split_events(article: EnrichedArticle) -> tuple[list[EntityEvent], list[StanceEvent]]:
    """The per-entity and per-stance events derived from one enriched article."""
    ref = _ArticleRef(
        article_id=article.id,
        title=article.title,
        url=article.url,
        source=article.source,
        published_at=article.published_at,
    ).model_dump()
    entities = [
        EntityEvent.model_validate({**ref, **e.model_dump(exclude={"mentions", "references"})})
        for e in article.entities
    ]
    stances = [StanceEvent.model_validate({**ref, **s.model_dump()}) for s in article.stances]
    return entities, stances
