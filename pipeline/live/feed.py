"""Follow ``news.enriched`` and ``news.trends`` into a :class:`LiveState` and push each
update to every open page as a server-sent event.

The reader is detached (no consumer group, nothing committed) and ``read_committed``; on
start it goes back ``backlog`` records per partition so that a fresh page is not empty. A
page that falls more than ``QUEUE_SIZE`` updates behind is disconnected (its browser
reconnects and gets a new snapshot) rather than holding memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from importlib import resources
from typing import Any

from aiohttp import web
from aiokafka import AIOKafkaConsumer

from pipeline.config import Settings
from pipeline.kafka.clients import aiokafka_config
from pipeline.live.state import LiveState, Update

log = logging.getLogger(__name__)
QUEUE_SIZE = 256
KEEPALIVE_SECONDS = 15.0


class LiveFeed:
    def __init__(self, settings: Settings, backlog: int = 200) -> None:
        self.settings = settings
        self.backlog = backlog
        self.state = LiveState()
        self.pages: set[asyncio.Queue[Update | None]] = set()
        self._task: asyncio.Task[None] | None = None

    def publish(self, updates: list[Update]) -> None:
        for queue in list(self.pages):
            for update in updates:
                try:
                    queue.put_nowait(update)
                except asyncio.QueueFull:
                    self.pages.discard(queue)
                    while not queue.empty():
                        queue.get_nowait()
                    queue.put_nowait(None)  # the page's handler ends its stream
                    break

    async def run(self) -> None:
        topics = self.settings.topics
        # Subscribed without a group: aiokafka assigns every partition of both topics itself
        # once it has their metadata.
        consumer = AIOKafkaConsumer(
            topics.enriched, topics.trends, **aiokafka_config(self.settings),
            isolation_level="read_committed", enable_auto_commit=False, group_id=None,
        )  # fmt: skip
        await consumer.start()
        try:
            while not consumer.assignment():
                await asyncio.sleep(0.1)
            tps = sorted(consumer.assignment())
            begin, end = await consumer.beginning_offsets(tps), await consumer.end_offsets(tps)
            for tp in tps:
                consumer.seek(tp, max(begin[tp], end[tp] - self.backlog))
            log.info("live page: reading %s up to %s", sorted(map(str, tps)), end)
            while True:
                batches = await consumer.getmany(timeout_ms=1000)
                for tp, records in batches.items():
                    for record in records:
                        if record.value is None:
                            continue
                        if tp.topic == topics.enriched:
                            self.publish(self.state.enriched(record.value))
                        else:
                            self.publish(self.state.trend(record.value, time.time()))
        finally:
            await consumer.stop()

    async def start(self, _: web.Application) -> None:
        self._task = asyncio.create_task(self.run())
        self._task.add_done_callback(_log_end)

    async def stop(self, _: web.Application) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def page(self, _: web.Request) -> web.Response:
        html = resources.files("pipeline.live").joinpath("page.html").read_text("utf-8")
        return web.Response(text=html, content_type="text/html")

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        })  # fmt: skip
        await response.prepare(request)
        queue: asyncio.Queue[Update | None] = asyncio.Queue(QUEUE_SIZE)
        self.pages.add(queue)
        try:
            await response.write(_sse("snapshot", self.state.snapshot()))
            while True:
                try:
                    update = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if update is None:
                    break  # too slow: the browser reconnects and gets a new snapshot
                await response.write(_sse(*update))
        except ConnectionResetError:  # the browser went away; a cancellation propagates
            pass
        finally:
            self.pages.discard(queue)
        return response


def _sse(name: str, payload: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


def _log_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("live page reader stopped: %r", task.exception())


def add_live_routes(app: web.Application, settings: Settings) -> LiveFeed:
    """``GET /live`` and ``GET /live/events`` on ``app``; the reader runs while it serves."""
    feed = LiveFeed(settings)
    app.router.add_get("/live", feed.page)
    app.router.add_get("/live/events", feed.events)
    app.on_startup.append(feed.start)
    app.on_cleanup.append(feed.stop)
    return feed
