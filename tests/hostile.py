"""Hostile input for news.raw: what an attacker or a careless producer sends.

:data:`CORPUS` holds named cases, each with the result the worker must give it (an ErrorCode
value, or ``"enriched"``); :func:`generated` adds hypothesis-drawn values whose result is not
known in advance (any is fine, as long as there is exactly one). The integration tests feed
both to a real worker (``tests/integration/test_hostile.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipeline.models import ErrorCode

ENRICHED = "enriched"
Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Case:
    name: str
    key: bytes | None
    value: bytes | None
    expected: str | None  # an ErrorCode value, ENRICHED, or None when any result will do
    headers: Headers = field(default_factory=list)


def _article(aid: str, body: str, **fields: object) -> bytes:
    return json.dumps({"id": aid, "title": f"Report {aid}", "body": body, **fields}).encode()


GOOD_BODY = "Officials in Lisbon met union leaders on Monday to discuss the budget."

# Each of these once made a dead letter over the broker's 1 MB limit (escaping doubles a
# quote), so its transaction failed forever and its partition stalled.
POISON = [
    Case("quoted-body", b"q1", _article("q1", '"' * 450_000), ErrorCode.TOO_LARGE.value),
    Case("quotes-value", b"q2", b'"' * 600_000, ErrorCode.TOO_LARGE.value),
    Case("huge-key", b"k" * 1_000_000, b"not json at all", ErrorCode.INVALID_JSON.value),
]

CORPUS = [
    *POISON,
    Case("deep-list", b"d1", b"[" * 100_000, ErrorCode.INVALID_JSON.value),
    Case("deep-object", b"d2", b'{"a":' * 50_000, ErrorCode.INVALID_JSON.value),
    Case("deep-body", b"d3", b'{"id": "d3", "body": ' + b"[" * 5000 + b"]" * 5000 + b"}",
         ErrorCode.INVALID_JSON.value),
    Case("lone-surrogate-escape", b"s1", _article("s1", "Lisbon \ud800 rain"),
         ErrorCode.INVALID_JSON.value),
    Case("surrogate-bytes", b"s2", b'{"id": "s2", "body": "Lisbon \xed\xa0\x80 rain"}',
         ErrorCode.INVALID_UTF8.value),
    Case("binary-value", b"b1", bytes(range(256)) * 40, ErrorCode.INVALID_UTF8.value),
    Case("binary-key", bytes(range(256)), _article("b2", GOOD_BODY), ENRICHED),
    Case("empty-value", b"e1", b"", ErrorCode.INVALID_JSON.value),
    Case("null-value", b"e2", None, ErrorCode.INVALID_JSON.value),
    Case("whitespace-value", b"e3", b" \n\t ", ErrorCode.INVALID_JSON.value),
    Case("keyless", None, b"{", ErrorCode.INVALID_JSON.value),
    Case("huge-number", b"n1", b'{"id": "n1", "body": "x", "n": ' + b"9" * 50_000 + b"}",
         ErrorCode.INVALID_JSON.value),
    Case("nul-in-json", b"n2", b'{"id": "n2", "body": "a\x00b"}', ErrorCode.INVALID_JSON.value),
    Case("bom", b"n3", b"\xef\xbb\xbf" + _article("n3", GOOD_BODY), ErrorCode.INVALID_JSON.value),
    Case("garbage-headers", b"h1", _article("h1", GOOD_BODY), ENRICHED,
         headers=[("", b"\xff\xfe\x00"), ("x" * 1000, b"\x00" * 1000), ("dup", b"1"),
                  ("dup", b"2"), ("\u00e9\u202e", b"")]),
    # Enriched, or unsupported_language: control characters sway the language identifier.
    Case("escaped-controls", b"c1", _article("c1", GOOD_BODY + "\x01\x1f\x7f" * 50), None),
    Case("huge-id", b"i1", _article("i" * 100_000, GOOD_BODY), ErrorCode.SCHEMA_VIOLATION.value),
]  # fmt: skip


def _json_values() -> st.SearchStrategy[object]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50)
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
            st.text(max_size=10), inner, max_size=5), max_leaves=20)  # fmt: skip


def _articles() -> st.SearchStrategy[bytes]:
    text = st.text(max_size=200)
    optional = {
        "title": text,
        "language": st.sampled_from(["en", "en-GB", "de", "", "x" * 40]),
        "published_at": st.sampled_from(["2024-05-01T10:00:00Z", "yesterday", "0001-01-01"]),
        "schema_version": st.sampled_from(["1.0", "1.9", "2.0", "x"]),
        "url": st.text(max_size=80),
    }
    required = {"id": st.text(min_size=1, max_size=30), "body": text}
    # ensure_ascii (the default) writes lone surrogates as \\udXXX escapes.
    return st.fixed_dictionaries(required, optional=optional).map(lambda a: json.dumps(a).encode())


def hostile_values() -> st.SearchStrategy[bytes | None]:
    return st.one_of(
        st.none(),
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8")),
        _json_values().map(lambda v: json.dumps(v).encode()),
        _articles(),
    )


def generated(count: int) -> list[Case]:
    """``count`` hypothesis-drawn values (fewer if it runs out), the same on every run."""
    cases: list[Case] = []

    @settings(max_examples=count, database=None, deadline=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.none() | st.binary(max_size=40), hostile_values())
    def collect(key: bytes | None, value: bytes | None) -> None:
        if key is None and value is None:  # Kafka takes no record without both
            key = b""
        cases.append(Case(f"generated-{len(cases)}", key, value, None))

    collect()
    return cases
