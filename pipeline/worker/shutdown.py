"""Stopping the transactional agent without losing finished work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from pipeline.worker.delivery.commit_queue import CommitQueue
from pipeline.worker.delivery.input_reader import InputReader
from pipeline.worker.delivery.transactions import TransactionalSink

log = logging.getLogger(__name__)


async def close_transactional(
    helpers: list[asyncio.Task[None]],
    queue: CommitQueue,
    sink: TransactionalSink,
    reader: InputReader,
) -> None:
    for task in helpers:
        task.cancel()
    await asyncio.gather(*helpers, return_exceptions=True)
    await queue.drain(timeout=10.0)  # commit what finishes in time; the rest is redone
    await sink.close()
    await reader.stop()


async def run_to_end(cleanup: Coroutine[Any, Any, None]) -> None:
    """Run ``cleanup`` to its end even though Faust cancels the stopping actor: otherwise
    finished work goes uncommitted and producers are left open."""
    task = asyncio.ensure_future(cleanup)
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("closing the transactional agent failed: %r", task.exception())
