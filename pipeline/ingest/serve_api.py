"""The OpenAPI 3.1 description of ``newsflow serve`` (``GET /openapi.json``), built from the
RawArticle model."""

from __future__ import annotations

from typing import Any

from pipeline import __version__
from pipeline.models import RawArticle


def openapi_document() -> dict[str, Any]:
    """OpenAPI 3.1 description of the endpoints, built from the RawArticle model."""
    article = RawArticle.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = article.pop("$defs", {})
    submission = {
        **article,
        "title": "ArticleSubmission",
        "required": [f for f in article.get("required", []) if f != "id"],
        "description": "A RawArticle; a missing id becomes the hash of its url.",
    }
    ref = {"$ref": "#/components/schemas/ArticleSubmission"}
    result = {"$ref": "#/components/schemas/IngestResult"}
    error = {"$ref": "#/components/schemas/Error"}

    def answer(text: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": text, "content": {"application/json": {"schema": schema}}}

    schemas |= {
        "RawArticle": article,
        "ArticleSubmission": submission,
        "IngestResult": {
            "type": "object",
            "required": ["accepted", "rejected"],
            "properties": {
                "accepted": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Ids published to the raw topic (acks=all).",
                },
                "rejected": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["index", "error"],
                        "properties": {
                            "index": {"type": "integer", "minimum": 0},
                            "error": {"type": "string"},
                        },
                    },
                },
                "unacknowledged": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "503: sent, not acknowledged in time; may still land.",
                },
                "not_sent": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "503: never handed to Kafka.",
                },
            },
        },
        "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
    }
    post = {
        "summary": "Publish articles to the raw topic",
        "security": [{"bearer": []}, {}],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"oneOf": [ref, {"type": "array", "items": ref}]}},
                "application/x-ndjson": {
                    "schema": {"type": "string", "description": "One article per line."}
                },
                "application/jsonl": {
                    "schema": {"type": "string", "description": "One article per line."}
                },
            },
        },
        "responses": {
            "202": answer("Published; some items may be rejected (listed).", result),
            "400": answer("Empty, non-UTF-8 or malformed body, or a malformed header.", error),
            "401": answer("Missing or wrong bearer token (when one is configured).", error),
            "408": answer("The body did not arrive in time.", error),
            "413": answer("Body or item count over the limit.", error),
            "415": answer("Content-Type is not application/json or application/x-ndjson.", error),
            "422": answer("No item was valid.", result),
            "503": answer(
                "Kafka did not acknowledge every item, or too many requests are "
                "publishing (Retry-After).",
                result,
            ),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Newsflow ingest", "version": __version__},
        "paths": {
            "/articles": {"post": post},
            "/healthz": {
                "get": {
                    "summary": "Liveness",
                    "responses": {
                        "200": answer(
                            "Up.", {"type": "object", "properties": {"status": {"const": "ok"}}}
                        )
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document."}},
                }
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
