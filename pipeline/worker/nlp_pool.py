"""Enrichment off the event loop: a pool of spawned processes, each holding one loaded model.

spaCy is CPU-bound; run inside the Faust agent it would block heartbeats and trigger
rebalances. Each child loads the model once (at warm-up, before the worker consumes) and
enriches one article per call. Articles cross the process boundary as JSON.

A child that dies breaks the whole executor: every article in flight fails. Each is submitted
once more, one suspect at a time, so only the article that kills a child again is dead-lettered
(``enrichment_failed``). The pool is rebuilt once per failure, in a thread (spawning children
and loading the model takes seconds the event loop must not wait). An article still running at
its deadline (``NEWSFLOW_WORKER_ENRICH_DEADLINE_SECONDS``, enforced by the caller) has its child
killed the same way, by rebuilding the pool.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pipeline.config import EnrichSettings
from pipeline.errors import RejectedMessage
from pipeline.models import Enrichment, ErrorCode, RawArticle, Timings

_enricher = None  # the child's Enricher, set by _init_child


def _init_child(settings_json: str) -> None:
    global _enricher
    from pipeline.enrich import Enricher

    _watch_parent(os.getppid())
    _enricher = Enricher(EnrichSettings.model_validate_json(settings_json))


def _watch_parent(parent: int) -> None:
    """Exit when the worker is gone: after a kill -9 nothing else would stop this child."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _model_info() -> tuple[str, str]:
    assert _enricher is not None
    return _enricher.model_name, _enricher.model_version


def enrich_json(article_json: str) -> tuple[str, Timings]:
    """Child side: enrich one article given as JSON; return the Enrichment JSON and timings."""
    assert _enricher is not None, "pool child not initialised"
    article = RawArticle.model_validate_json(article_json)
    started = time.perf_counter()
    enrichment = _enricher.enrich(article)
    timings: Timings = dict(getattr(_enricher, "last_timings", {}))
    timings["total"] = time.perf_counter() - started
    return enrichment.model_dump_json(), timings


class EnrichPool:
    """A restartable process pool; a crashed or hung child costs one article, never the worker."""

    def __init__(
        self,
        settings: EnrichSettings,
        processes: int,
        deadline: float = float("inf"),
        task: Callable[[str], tuple[str, Timings]] = enrich_json,
        initializer: Callable[[str], None] = _init_child,
    ) -> None:
        self._settings_json = settings.model_dump_json()
        self._processes = processes
        self._deadline = deadline
        self._task = task
        self._initializer = initializer
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0
        self._restarting = asyncio.Lock()
        self._suspects = asyncio.Lock()
        self.on_restart: Callable[[], None] = lambda: None
        self.model_name = settings.model
        self.model_version = ""

    def start(self) -> None:
        """Spawn the children and load the model in each before any article arrives."""
        self._pool = ProcessPoolExecutor(
            max_workers=self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=self._initializer,
            initargs=(self._settings_json,),
        )
        if self._task is enrich_json:
            infos = [self._pool.submit(_model_info) for _ in range(self._processes)]
            self.model_name, self.model_version = infos[0].result()
            for info in infos[1:]:
                info.result()

    async def enrich(self, article: RawArticle) -> tuple[Enrichment, Timings]:
        """Enrich in a child; a failure there becomes an ``enrichment_failed`` rejection."""
        article_json = article.model_dump_json()
        try:
            result, timings = await self._run(article_json)
        except BrokenProcessPool:
            async with self._suspects:  # submitted once more, alone among the suspects
                try:
                    result, timings = await self._run(article_json)
                except BrokenProcessPool as exc:
                    raise RejectedMessage(
                        ErrorCode.ENRICHMENT_FAILED, "enrichment process died on this article"
                    ) from exc
        return Enrichment.model_validate_json(result), timings

    async def _run(self, article_json: str) -> tuple[str, Timings]:
        if self._pool is None:
            await asyncio.to_thread(self.start)
        assert self._pool is not None
        generation = self._generation
        started = time.monotonic()
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, self._task, article_json
            )
        except BrokenProcessPool:
            await self._restart(generation)
            raise
        except asyncio.CancelledError:
            if time.monotonic() - started >= self._deadline:  # hung: its child must go
                _background(self._restart(generation))
            raise
        except Exception as exc:  # policy: any error inside enrichment dead-letters the article
            raise RejectedMessage(
                ErrorCode.ENRICHMENT_FAILED, f"{type(exc).__name__}: {exc}"
            ) from exc

    async def _restart(self, generation: int) -> None:
        """Rebuild the pool broken in ``generation``, once, off the event loop."""
        async with self._restarting:
            if generation != self._generation:
                return  # another caller rebuilt it already
            self._generation += 1
            old, self._pool = self._pool, None
            if old is not None:
                for process in list(getattr(old, "_processes", {}).values()):
                    process.kill()
                old.shutdown(wait=False, cancel_futures=True)
            await asyncio.to_thread(self.start)
            self.on_restart()

    def child_pids(self) -> list[int]:
        """Pids of the pool's live processes (for operators' tools and tests)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return [int(pid) for pid in processes]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_tasks: set[asyncio.Task[None]] = set()


def _background(coro: Coroutine[Any, Any, None]) -> None:
    """Run ``coro`` to its end though its caller was cancelled (kept referenced meanwhile)."""
    task = asyncio.ensure_future(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
