"""A real ``newsflow serve`` process on the real broker, fed a hostile corpus: the cases of
issue-style abuse plus hypothesis-generated bodies. Never a 500, never a traceback in an answer,
every acknowledged article on the topic; a topic Kafka cannot write to gets 503 + Retry-After
from the first request on, for every client at once, within the publish timeout."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from pipeline.kafka.topics import ensure_topics
from pipeline.models import RawArticle
from tests.conftest import free_port
from tests.integration.conftest import Env, read_topic

pytestmark = pytest.mark.integration

TOKEN = "hostile-t0ken"
Answer = tuple[int, dict[str, str], bytes]


class Served:
    """``newsflow serve`` in a subprocess, with the env's topics."""

    def __init__(self, env: Env, **extra: str) -> None:
        self.port = free_port()
        variables = {**env.vars, "NEWSFLOW_SERVE_PORT": str(self.port),
                     "NEWSFLOW_SERVE_TOKEN": TOKEN, "NEWSFLOW_SERVE_MAX_BODY_BYTES": "1000000",
                     "NEWSFLOW_SERVE_BODY_TIMEOUT_SECONDS": "1",
                     "NEWSFLOW_SERVE_HEADER_TIMEOUT_SECONDS": "1", **extra}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "serve"],
            env={**os.environ, **variables},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("newsflow serve did not come up")

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/json", token: str | None = TOKEN,
                timeout: float = 30) -> Answer:  # fmt: skip
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Content-Type": content_type}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def raw(self, data: bytes, wait: float = 10) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=wait) as sock:
            sock.sendall(data)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)

    def stop(self) -> str:
        self.process.terminate()
        try:
            output, _ = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return output


@pytest.fixture
def served(env: Env) -> Iterator[Served]:
    server = Served(env)
    yield server
    server.stop()


def check(answer: Answer, accepted: set[str]) -> dict[str, Any]:
    """The invariants of every answer; remembers what was acknowledged."""
    status, _, body = answer
    assert status != 500 and b"Traceback" not in body
    payload: dict[str, Any] = json.loads(body)
    if "error" in payload:
        assert "\n" not in payload["error"]
    if status in (202, 503):
        accepted.update(payload.get("accepted", []))
    return payload


def article(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"hostile-{n}", "title": f"Story {n}", "body": f"Body {n}.", **extra}


def test_hostile_corpus_on_the_real_server(env: Env, served: Served) -> None:
    accepted: set[str] = set()
    head = (b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\n")  # fmt: skip
    corpus: list[tuple[bytes, str, int]] = [
        (("[" + ",".join(["{}"] * 333_000) + "]").encode(), "application/json", 413),
        ("\n".join(["{}"] * 333_000).encode(), "application/x-ndjson", 413),
        (b"[" * 100_000, "application/json", 400),
        (
            json.dumps([article(1), article(2, title="x\ud800")], ensure_ascii=False).encode(
                "utf-8", "surrogatepass"
            ),
            "application/json",
            400,
        ),  # raw surrogate: not UTF-8
        (json.dumps([article(4), article(5, title="x\ud800")]).encode(), "application/json", 202),
        (json.dumps(article(6, body='"' * 450_000)).encode(), "application/json", 422),
        (json.dumps(article(7)).encode(), "text/plain", 415),
        (json.dumps(article(8)).encode(), "application/x-www-form-urlencoded", 415),
        (b"x" * 1_000_001, "application/json", 413),
        (json.dumps([article(9), article(10)]).encode(), "application/json", 202),
    ]
    for body, content_type, status in corpus:
        answer = served.request("POST", "/articles", body, content_type)
        payload = check(answer, accepted)
        assert answer[0] == status, (content_type, answer[0], payload)
    assert {"hostile-4", "hostile-9", "hostile-10"} <= accepted
    assert "hostile-5" not in accepted and "hostile-6" not in accepted  # surrogate, over limit

    bad_auth = served.raw(head + b"Authorization: Bearer \xff\xfe\r\nContent-Length: 2\r\n\r\n{}")
    assert bad_auth.startswith(b"HTTP/1.1 400") and b"Traceback" not in bad_auth
    started = time.monotonic()
    half = served.raw(head + f"Authorization: Bearer {TOKEN}\r\n".encode()
                      + b"Content-Length: 100\r\n\r\n{")  # fmt: skip
    assert half.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 5
    started = time.monotonic()
    assert served.raw(b"POST /articles HTTP/1.1\r\nHost: x") == b""  # head never finished
    assert time.monotonic() - started < 5

    # Eight 1 MB bodies at once do not starve the health check.
    with ThreadPoolExecutor(8) as pool:
        empties = ("[" + ",".join(["{}"] * 333_000) + "]").encode()
        floods = [pool.submit(served.request, "POST", "/articles", empties) for _ in range(8)]
        time.sleep(0.05)
        started = time.monotonic()
        assert served.request("GET", "/healthz", token=None)[0] == 200
        assert time.monotonic() - started < 2.0
        assert [f.result()[0] for f in floods] == [413] * 8

    on_topic = read_topic(env.settings.topics.raw, len(accepted), timeout=10)
    assert {RawArticle.model_validate_json(v).id for _, v in on_topic} == accepted


article_dicts = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=8), "body": st.text(max_size=30)},
    optional={"title": st.text(max_size=8), "url": st.text(max_size=8),
              "published_at": st.text(max_size=8), "language": st.text(max_size=3)},
)  # fmt: skip
bodies = st.one_of(
    st.lists(article_dicts, max_size=4).map(lambda a: json.dumps(a).encode()),
    st.lists(article_dicts, max_size=4).map(lambda a: "\n".join(json.dumps(x) for x in a).encode()),
    st.text(alphabet='[]{}",:\\ud800 \n019abe', max_size=300).map(str.encode),
    st.binary(max_size=200),
)


def test_hypothesis_bodies_on_the_real_server(env: Env, served: Served) -> None:
    accepted: set[str] = set()

    @hyp_settings(max_examples=60, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(body=bodies, content_type=st.sampled_from(["application/json", "application/x-ndjson"]))
    def one(body: bytes, content_type: str) -> None:
        answer = served.request("POST", "/articles", body, content_type)
        check(answer, accepted)
        assert answer[0] in (202, 400, 413, 422)

    one()
    on_topic = read_topic(env.settings.topics.raw, len(accepted), timeout=10)
    assert {RawArticle.model_validate_json(v).id for _, v in on_topic} >= accepted


def test_503_with_retry_after_from_the_first_request_for_every_client(
    make_env: Callable[..., Env],
) -> None:
    working = make_env()
    ensure_topics(working.settings)  # the server starts against a reachable cluster ...
    broken = Env(
        {**working.vars, "NEWSFLOW_TOPICS_RAW": working.vars["NEWSFLOW_TOPICS_RAW"] + ".missing"}
    )  # fmt: skip  ... whose raw topic does not exist
    server = Served(broken, NEWSFLOW_SERVE_PUBLISH_TIMEOUT_SECONDS="2")
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(24) as pool:
            bodies = [json.dumps(article(100 + n)).encode() for n in range(24)]
            answers = list(pool.map(lambda b: server.request("POST", "/articles", b), bodies))
        elapsed = time.monotonic() - started
        for status, headers, body in answers:
            assert status == 503 and headers["Retry-After"].isdigit()
            payload = json.loads(body)
            assert payload["accepted"] == [] and "\n" not in payload["error"]
        assert elapsed < 15  # every client answered around the 2 s timeout, not minutes
    finally:
        output = server.stop()
    assert "Traceback" not in output
