"""The live page of ``newsflow serve`` in a real headless Chromium (Debian's ``chromium``),
driven over the DevTools protocol: the page shows what is on ``news.enriched`` and
``news.trends``, takes a new article without a reload (server-sent events), carries the
evidence of a stance on hover, and its screenshot has the board's colours where they belong.
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

from pipeline.kafka.topics import ensure_topics
from pipeline.trends.models import TrendEvent
from tests.conftest import ROOT, free_port
from tests.integration.conftest import Env, producer
from tests.live_events import enriched_article as _article

pytestmark = pytest.mark.integration

WIDTH, HEIGHT = 1280, 720
FAVOR, AGAINST, BAR = (46, 125, 50), (198, 40, 40), (21, 101, 192)  # page.html's colours
EVIDENCE = "Anna Berg said the ceasefire must hold."
AGAINST_TEXT = "Carl Dahl called the ceasefire a trap."
NEW_TITLE = "Breaking: new talks"


def _all(selector: str, length: str, mapped: str) -> str:
    """JS: once ``selector`` matches a number of elements that satisfies ``length``, each
    one mapped; false before."""
    return (f"document.querySelectorAll('{selector}').length {length} && "
            f"[...document.querySelectorAll('{selector}')].map(e => {mapped})")  # fmt: skip


ARTICLES_JS = _all(".article .title", ">= 2", "e.textContent")
ENTITIES_JS = _all(".entity", "=== 3", "e.dataset.name")
CHIPS_JS = _all(".holder", "=== 2", "[e.className, e.title]")
LIVE_JS = (f"document.querySelector('.article .title').textContent === '{NEW_TITLE}' && "
           "document.querySelectorAll('.article').length")  # fmt: skip


def _trends() -> list[tuple[bytes, bytes]]:
    now = datetime.now(UTC)
    start = now - timedelta(minutes=30)
    entities = [("Anna Berg", "PERSON", 5), ("Lisbon", "GPE", 3), ("Carl Dahl", "PERSON", 2)]
    out = [(name.encode(), TrendEvent.model_validate({
        "kind": "entity", "updated_at": now,
        "entity": {"window": "1h", "window_start": start, "window_end": start + timedelta(hours=1),
                   "name": name, "label": label, "articles": n, "mentions": 2 * n},
    }).model_dump_json().encode()) for name, label, n in entities]  # fmt: skip
    for holder, stance, text in [("Anna Berg", "favor", EVIDENCE),
                                 ("Carl Dahl", "against", AGAINST_TEXT)]:  # fmt: skip
        latest = {"article_id": "live-1", "title": "Talks", "stance": stance, "confidence": 0.8,
                  "predicate": "say", "evidence": {"text": text, "start": 0, "end": len(text)},
                  "seen_at": now}  # fmt: skip
        event = TrendEvent.model_validate({"kind": "stance", "updated_at": now, "stance": {
            "target": "ceasefire", "holder": holder, stance: 2, "latest": latest}})  # fmt: skip
        out.append((b"ceasefire", event.model_dump_json().encode()))
    return out


@pytest.fixture
def served(make_env: Any, tmp_path: Path) -> Iterator[tuple[Env, int]]:
    port = free_port()
    env = make_env(NEWSFLOW_SERVE_LIVE="true", NEWSFLOW_SERVE_PORT=str(port))
    ensure_topics(env.settings)
    p = producer()
    for n, title in [(1, "Ceasefire talks resume"), (2, "Lisbon hosts summit")]:
        p.send(env.settings.topics.enriched, key=f"live-{n}".encode(), value=_article(n, title))
    for key, value in _trends():
        p.send(env.settings.topics.trends, key=key, value=value)
    p.flush()
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve"],
                              env={**os.environ, **env.vars}, stdout=log, stderr=log)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            break
        except OSError:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
    yield env, port
    server.terminate()
    server.wait(20)
    log.close()


class Browser:
    """One page of a headless Chromium, over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.ids = ws, iter(range(1, 10_000))

    async def call(self, method: str, **params: Any) -> Any:
        n = next(self.ids)
        await self.ws.send_json({"id": n, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json(timeout=30)
            if message.get("id") == n:
                assert "error" not in message, message
                return message["result"]

    async def js(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def until(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while (value := await self.js(expression)) in (
            None,
            False,
            0,
            "",
        ) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        return value


def _chromium(profile: str) -> tuple[subprocess.Popen[str], str]:
    exe = shutil.which("chromium")
    assert exe, "chromium is missing: scripts/system-deps.sh test installs Debian's chromium"
    process = subprocess.Popen(
        [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars",
         "about:blank"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            return process, found.group(1)
    raise AssertionError("chromium did not start its DevTools endpoint")


async def _drive(env: Env, port: int, shot: Path) -> dict[str, Any]:
    profile = tempfile.mkdtemp(prefix="newsflow-chromium-")
    process, browser_ws = _chromium(profile)
    try:
        http = browser_ws.replace("ws://", "http://").split("/devtools/")[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{http}/json/list") as r:
                page = next(t for t in await r.json() if t["type"] == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                b = Browser(ws)
                await b.call("Page.enable")
                # The window's frame takes part of --window-size: fix the viewport itself.
                await b.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                             deviceScaleFactor=1, mobile=False)  # fmt: skip
                await b.call("Page.navigate", url=f"http://127.0.0.1:{port}/live")
                seen: dict[str, Any] = {}
                seen["articles"] = await b.until(ARTICLES_JS)
                seen["entities"] = await b.until(ENTITIES_JS)
                seen["chips"] = await b.until(CHIPS_JS)
                seen["status"] = await b.js("document.getElementById('status').textContent")
                # A new article arrives while the page is open: shown without a reload.
                p = producer()
                p.send(
                    env.settings.topics.enriched,
                    key=b"live-3",
                    value=_article(3, NEW_TITLE),
                )
                p.flush()
                seen["live"] = await b.until(LIVE_JS)
                shot_data = await b.call("Page.captureScreenshot", format="png")
                shot.write_bytes(base64.b64decode(shot_data["data"]))
                return seen
    finally:
        process.terminate()
        process.wait(20)
        shutil.rmtree(profile, ignore_errors=True)


def _share(
    image: Image.Image, colour: tuple[int, int, int], box: tuple[int, int, int, int]
) -> float:
    """The share of pixels of ``colour`` (± 6 per channel) inside ``box``."""
    region = image.crop(box).convert("RGB")
    pixels = list(region.getdata())
    close = sum(all(abs(a - b) <= 6 for a, b in zip(px, colour, strict=True)) for px in pixels)
    return close / len(pixels)


def test_live_page_in_headless_chromium(served: tuple[Env, int], tmp_path: Path) -> None:
    env, port = served
    shot = tmp_path / "live.png"
    seen = asyncio.run(_drive(env, port, shot))
    assert seen["articles"] == ["Lisbon hosts summit", "Ceasefire talks resume"]  # newest first
    assert seen["entities"] == ["Anna Berg", "Lisbon", "Carl Dahl"]  # most articles first
    chips = dict(seen["chips"])
    assert EVIDENCE in chips["holder favor"]  # the evidence shows on hover (title)
    assert AGAINST_TEXT in chips["holder against"]
    assert seen["status"] == "live" and seen["live"] == 3

    image = Image.open(io.BytesIO(shot.read_bytes()))
    assert image.size == (WIDTH, HEIGHT)
    third = WIDTH // 3
    # Entity bars are blue in the middle column; the board's favor and against chips on the
    # right; none of those colours in the article column.
    assert _share(image, BAR, (third, 0, 2 * third, HEIGHT)) > 0.005
    assert _share(image, FAVOR, (2 * third, 0, WIDTH, HEIGHT)) > 0.001
    assert _share(image, AGAINST, (2 * third, 0, WIDTH, HEIGHT)) > 0.001
    for colour in (BAR, FAVOR, AGAINST):
        assert _share(image, colour, (0, 0, third - 40, HEIGHT)) == 0
    if os.environ.get("LIVE_PAGE_SCREENSHOT"):  # where to keep it, e.g. docs/live.png
        shutil.copy(shot, ROOT / os.environ["LIVE_PAGE_SCREENSHOT"])
