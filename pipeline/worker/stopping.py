"""Stopping the worker our work first, then Faust's.

Faust stops an app in this order: ``App.on_stop`` stops the consumer's flow and every table,
flushes the producer's buffer once, then the app's services stop in reverse start order — the
agents (their actors cancelled), the consumer (it leaves the group), the producer last. Work that
still commits and writes de-duplication keys to a table once SIGTERM has arrived (the delivery
drain, :mod:`pipeline.worker.delivery`) must therefore end before ``App.on_stop``, while the
tables and the producer still run and the producer's buffer is still sent: :class:`Worker` runs
the :class:`Stopping` steps first, then lets Faust stop as it does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import faust

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[None]]


class Stopping:
    """Steps run in order when the worker begins to stop, before Faust stops anything.
    ``on_error`` gets a step's error (the worker still stops, and exits non-zero)."""

    def __init__(self, on_error: Callable[[BaseException], None]) -> None:
        self._steps: list[Step] = []
        self._on_error = on_error

    def add(self, step: Step) -> None:
        self._steps.append(step)

    async def run(self) -> None:
        for step in self._steps:
            try:
                await step()
            except Exception as exc:  # Faust must still stop its part: the error ends the run
                self._on_error(exc)


def send_buffered(app: faust.App, seconds: float) -> Step:
    """A step that sends what Faust's producer buffer holds — the de-duplication keys the
    drain wrote — while the producer still runs. Faust's own flush when it stops is best
    effort: it gives up on a message that takes over 0.1 s (one waiting for a topic's
    metadata) and closes the Kafka producer before its buffer's last flush. A key not sent
    only lets a later re-send through, so a failure here is logged, not fatal."""

    async def step() -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        producer = app.producer
        try:
            while producer.buffer.size and loop.time() < deadline:
                await producer.buffer.flush()  # returns early on a message slower than 0.1 s
            await asyncio.wait_for(producer.flush(), max(0.0, deadline - loop.time()))
        except Exception as exc:  # a stopping worker: log what is left unsent
            log.warning("stopping: %d buffered records not sent: %r", producer.buffer.size, exc)

    return step


class Worker(faust.Worker):
    """Faust's worker, running ``stopping`` before the app begins to stop."""

    def __init__(self, app: faust.App, stopping: Stopping, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._stopping = stopping

    async def on_stop(self) -> None:
        # mode stops a service by calling on_stop, then stopping its children (the app).
        await self._stopping.run()
        await super().on_stop()
