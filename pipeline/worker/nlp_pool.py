"""Enrichment off the event loop: a pool of spawned processes, each holding one loaded model.

spaCy is CPU-bound; run inside the Faust agent it would block heartbeats and trigger
rebalances. Each child loads the model once (at warm-up, before the worker consumes) and
enriches one article per call. Articles cross the process boundary as JSON.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

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
    """A restartable process pool; a crashed child costs one article, never the worker."""

    def __init__(self, settings: EnrichSettings, processes: int) -> None:
        self._settings_json = settings.model_dump_json()
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self.model_name = settings.model
        self.model_version = ""

    def start(self) -> None:
        """Spawn the children and load the model in each before any article arrives."""
        self._pool = ProcessPoolExecutor(
            max_workers=self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_child,
            initargs=(self._settings_json,),
        )
        infos = [self._pool.submit(_model_info) for _ in range(self._processes)]
        self.model_name, self.model_version = infos[0].result()
        for info in infos[1:]:
            info.result()

    async def enrich(self, article: RawArticle) -> tuple[Enrichment, Timings]:
        """Enrich in a child; any failure there becomes an ``enrichment_failed`` rejection."""
        if self._pool is None:
            self.start()
        assert self._pool is not None
        loop = asyncio.get_running_loop()
        try:
            result, timings = await loop.run_in_executor(
                self._pool, enrich_json, article.model_dump_json()
            )
        except BrokenProcessPool as exc:
            self._restart()
            raise RejectedMessage(
                ErrorCode.ENRICHMENT_FAILED, "enrichment process died on this article"
            ) from exc
        except Exception as exc:  # policy: any error inside enrichment dead-letters the article
            raise RejectedMessage(
                ErrorCode.ENRICHMENT_FAILED, f"{type(exc).__name__}: {exc}"
            ) from exc
        return Enrichment.model_validate_json(result), timings

    def child_pids(self) -> list[int]:
        """Pids of the pool's live processes (for operators' tools and tests)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return [int(pid) for pid in processes]

    def _restart(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        self.start()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
