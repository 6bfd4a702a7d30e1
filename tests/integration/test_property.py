"""Property: whatever is thrown at news.raw, the worker stays up, every good article is
enriched exactly once, every bad message is dead-lettered with its reason, and the counts
add up exactly."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.kafka.topics import ensure_topics
from pipeline.models import DeadLetter, ErrorCode
from tests.integration.conftest import Env, Worker, metric_value, producer, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MESSAGES = 10_000
MAX_BODY = 2_000
N = "@@N@@"  # replaced by the message number after drawing: ids and texts stay unique

NAMES = ["Ana Costa", "Peter Novak", "Lina Haddad", "the mayor", "Officials", "The union"]
PLACES = ["Lisbon", "Quito", "Accra", "Riga", "Hanoi", "Perth"]
VERBS = ["backed", "rejected", "discussed", "welcomed", "criticised"]
ISSUES = ["the budget", "new tariffs", "the ceasefire", "a tax cut", "the strike"]


@dataclass(frozen=True)
class Case:
    value: bytes
    expected: str  # "enriched" or an ErrorCode value


def _good() -> st.SearchStrategy[Case]:
    def build(name: str, verb: str, issue: str, place: str, html: bool) -> Case:
        body = f"{name} {verb} {issue} in {place} on Monday, story number {N}."
        if html:
            body = f"<p>{body}</p><p>More from {place}.</p>"
        article = {"id": f"g{N}", "title": f"{place} update {N}", "body": body}
        return Case(json.dumps(article).encode(), "enriched")

    return st.builds(build, st.sampled_from(NAMES), st.sampled_from(VERBS),
                     st.sampled_from(ISSUES), st.sampled_from(PLACES), st.booleans())  # fmt: skip


def _bad() -> list[st.SearchStrategy[Case]]:
    """One strategy per kind of defect; each message has exactly one."""
    text = st.text(max_size=40)
    doc = lambda **f: json.dumps({"id": f"b{N}", **f}).encode()  # noqa: E731
    return [
        text.map(lambda t: Case(b"nj:" + t.encode(), ErrorCode.INVALID_JSON.value)),
        text.map(lambda t: Case(b'{"id": "b", "body": "\xff' + t.encode() + b'"}',
                                ErrorCode.INVALID_UTF8.value)),
        st.one_of(st.integers(), st.lists(st.integers(), max_size=3), st.booleans()).map(
            lambda v: Case(json.dumps(v).encode(), ErrorCode.SCHEMA_VIOLATION.value)),
        st.integers().map(lambda n: Case(doc(title=n, body="Text."),
                                         ErrorCode.SCHEMA_VIOLATION.value)),
        st.text(alphabet=" \t\n", max_size=5).map(
            lambda ws: Case(doc(body=ws), ErrorCode.EMPTY_BODY.value)),
        st.tuples(st.integers(2, 99), text).map(
            lambda mt: Case(doc(schema_version=f"{mt[0]}.0", body=f"Text {mt[1]}"),
                            ErrorCode.UNSUPPORTED_VERSION.value)),
        st.tuples(st.sampled_from(["de", "fr", "es-MX", "zh"]), text).map(
            lambda lt: Case(doc(body=f"Texte {lt[1]}", language=lt[0]),
                            ErrorCode.UNSUPPORTED_LANGUAGE.value)),
        st.tuples(st.integers(MAX_BODY + 1, MAX_BODY + 500), text).map(
            lambda nt: Case(doc(body="x" * nt[0], title=nt[1]), ErrorCode.TOO_LARGE.value)),
    ]  # fmt: skip


KINDS = [_good()] * 4 + _bad()


CHUNK = 2 * len(KINDS) * 4  # messages per hypothesis example: its fixed cost paid 96x less


def _generate(count: int) -> list[Case]:
    cases: list[Case] = []

    @settings(max_examples=-(-count // CHUNK), database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        # Each kind equally often, so a third are good and every defect is well represented
        # (hypothesis, left to pick kinds in a long draw, favours the first ones); their
        # contents and their order are drawn.
        batch = [data.draw(KINDS[i % len(KINDS)]) for i in range(CHUNK)]
        for case in data.draw(st.permutations(batch)):
            number = str(len(cases)).encode()
            cases.append(Case(case.value.replace(N.encode(), number), case.expected))

    collect()
    return cases[:count]  # the last example may run over


def test_ten_thousand_generated_messages_add_up(
    make_env: Callable[..., Env], tmp_path: Path
) -> None:
    env = make_env(NEWSFLOW_ENRICH_MAX_BODY_CHARS=str(MAX_BODY), NEWSFLOW_WORKER_PROCESSES="2")
    ensure_topics(env.settings)
    topics = env.settings.topics
    worker = Worker(env, tmp_path / "worker.log").launch()  # loads its model meanwhile
    try:
        cases = _generate(MESSAGES)
        assert len(cases) >= MESSAGES * 0.95  # hypothesis may stop a little early on duplicates
        worker.wait_ready()
        p = producer()
        for n, case in enumerate(cases):
            p.send(topics.raw, key=f"m{n}".encode(), value=case.value)
        p.flush()
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            scrape = worker.scrape()
            if metric_value(scrape, "newsflow_articles_consumed_total", topic=topics.raw) >= len(
                cases
            ):
                break
            assert worker.alive, "worker died"
            time.sleep(1)
        expected = Counter(c.expected for c in cases)
        enriched = read_topic(topics.enriched, expected["enriched"], timeout=120)
        dead = read_topic(topics.deadletter, len(cases) - expected["enriched"], timeout=120)
        assert worker.alive
    finally:
        worker.stop()
    good_ids = {json.loads(c.value)["id"] for c in cases if c.expected == "enriched"}
    assert sorted(json.loads(v)["id"] for _, v in enriched) == sorted(good_ids)
    got = Counter(DeadLetter.model_validate_json(v).error_code.value for _, v in dead)
    assert got == Counter({k: v for k, v in expected.items() if k != "enriched"})
    print(f"\n{len(cases)} messages: {dict(expected)}")
