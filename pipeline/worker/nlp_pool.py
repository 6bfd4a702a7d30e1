"""Enrichment off the event loop: spawned processes, each holding one loaded model.

spaCy is CPU-bound; run inside the Faust agent it would block heartbeats and trigger
rebalances. Each child loads the model once (at warm-up, before the worker consumes) and
enriches one article per request over its own pipe; articles cross as JSON. The event loop
only awaits: a request is served by a caller thread that owns one child for its duration.

Invariants (tests/unit/test_nlp_pool_failures.py with stand-in children,
tests/integration/test_nlp_pool.py with the real model):

1. A child works on one article at a time, so a failure in it concerns that article only.
2. A child that dies is replaced off the event loop and its article is sent once more, to a
   live child: a child killed from outside (the OOM killer) is not the article's fault. An
   article that kills a second child is dead-lettered as ``enrichment_failed``.
3. Every request has a deadline (``NEWSFLOW_WORKER_ENRICH_DEADLINE_SECONDS``) enforced in the
   child: an alarm interrupts the enrichment and the child, model loaded, takes the next
   article. A child that cannot be interrupted (stuck inside C code, where Python signal
   handlers do not run) is killed by its caller thread ``grace`` seconds later and replaced.
   Either way the article is dead-lettered as ``enrichment_timeout``.
4. ``close`` kills every child at once and never waits for an article: work still running is
   abandoned (:class:`PoolClosed`), its offset uncommitted, so the next owner redoes it.
5. No child outlives its worker: on Linux the kernel kills it when the thread that spawned it
   ends (``PR_SET_PDEATHSIG``; children are spawned by one thread that lives as long as the
   pool), and elsewhere a watcher thread notices within a second that the parent is gone.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import math
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from pipeline.config import EnrichSettings
from pipeline.errors import Abandoned, ConfigError, RejectedMessage
from pipeline.models import Enrichment, ErrorCode, RawArticle, Timings

log = logging.getLogger(__name__)

Task = Callable[[str], tuple[str, Timings]]
Reply = tuple[str, Any]  # ("ok", (json, timings)) | ("timeout" | "error" | "died" | "stuck", why)

_READY_SECONDS = 600.0  # loading the model; a child silent this long is broken
_PR_SET_PDEATHSIG = 1


class PoolClosed(Abandoned):
    """The pool was closed while the article was waiting or running: nobody awaits it."""


# --- child side ---------------------------------------------------------------------------

_enricher = None  # the child's Enricher, set by _init_child
_busy = False  # an alarm interrupts only while an article is being enriched


class _Deadline(BaseException):
    """Raised by the alarm inside the enrichment; a BaseException, so that no ``except
    Exception`` in the enrichment code can swallow it."""


def _init_child(settings_json: str) -> None:
    global _enricher
    from pipeline.enrich import Enricher

    _enricher = Enricher(EnrichSettings.model_validate_json(settings_json))


def enrich_json(article_json: str) -> tuple[str, Timings]:
    """Child side: enrich one article given as JSON; return the Enrichment JSON and timings."""
    assert _enricher is not None, "pool child not initialised"
    article = RawArticle.model_validate_json(article_json)
    started = time.perf_counter()
    enrichment = _enricher.enrich(article)
    timings: Timings = dict(getattr(_enricher, "last_timings", {}))
    timings["total"] = time.perf_counter() - started
    return enrichment.model_dump_json(), timings


def _child_main(
    conn: Connection, parent: int, settings_json: str, task: Task,
    initializer: Callable[[str], None], deadline: float,
) -> None:  # fmt: skip
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the worker, which stops us
    try:
        initializer(settings_json)
    except Exception as exc:  # reported to the parent as one line, which fails the start
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    name, version = (_enricher.model_name, _enricher.model_version) if _enricher else ("", "")
    conn.send(("ready", (name, version)))
    signal.signal(signal.SIGALRM, _on_alarm)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed the pipe or is gone
        conn.send(_serve(task, job, deadline))


def _on_alarm(_signum: int, _frame: object) -> None:
    if _busy:
        raise _Deadline


def _serve(task: Task, job: str, deadline: float) -> Reply:
    global _busy
    if math.isfinite(deadline):
        signal.setitimer(signal.ITIMER_REAL, deadline)
    _busy = True
    try:
        return ("ok", task(job))
    except _Deadline:
        return ("timeout", f"not enriched in {deadline:g} s")
    except Exception as exc:  # policy: any error inside enrichment dead-letters the article
        return ("error", f"{type(exc).__name__}: {exc}")
    finally:
        _busy = False
        signal.setitimer(signal.ITIMER_REAL, 0)


def _die_with_parent(parent: int) -> None:
    """Invariant 5: after a kill -9 of the worker nothing else would stop this child."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # gone before the kernel was asked to tell us
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


# --- parent side --------------------------------------------------------------------------


@dataclass(eq=False)
class _Child:
    process: BaseProcess
    conn: Connection
    _closing: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False

    def request(self, job: str, wait: float) -> Reply:
        """Send one article and wait for the reply; ("died", ...) if the pipe closed,
        ("stuck", ...) if the child is still busy after ``wait`` seconds."""
        try:
            self.conn.send(job)
            if not self.conn.poll(None if math.isinf(wait) else wait):
                return ("stuck", f"no answer in {wait:g} s")
            reply: Reply = self.conn.recv()
            return reply
        except (EOFError, OSError) as exc:
            return ("died", f"{type(exc).__name__}")

    def kill(self) -> None:
        """Kill the process; a thread waiting on its pipe sees the end of it at once."""
        self.process.kill()
        self.process.join(timeout=5.0)

    def release(self) -> None:
        """Kill it and close our end of the pipe, once: only by the thread that used it last
        (closing a pipe another thread polls could hand its descriptor to a new pipe)."""
        self.kill()
        with self._closing:
            if not self._closed:
                self._closed = True
                self.conn.close()


@dataclass(eq=False)
class _Job:
    text: str
    abandoned: bool = False  # the caller stopped waiting: skip it if not yet started


class EnrichPool:
    """Processes with the model loaded; a crashed or hung child costs one article, never the
    worker, and never blocks the event loop."""

    def __init__(
        self,
        settings: EnrichSettings,
        processes: int,
        deadline: float = float("inf"),
        task: Task = enrich_json,
        initializer: Callable[[str], None] = _init_child,
        grace: float = 5.0,
    ) -> None:
        self._settings_json = settings.model_dump_json()
        self._processes = processes
        self._deadline = deadline
        self._grace = grace
        self._task = task
        self._initializer = initializer
        self._idle: queue.Queue[_Child] = queue.Queue()
        self._children: set[_Child] = set()
        self._lock = threading.Lock()
        self._spawner: ThreadPoolExecutor | None = None
        self._callers: ThreadPoolExecutor | None = None
        self._closed = False
        self.on_restart: Callable[[], None] = lambda: None
        self.model_name = settings.model
        self.model_version = ""

    def start(self) -> None:
        """Spawn the children and load the model in each before any article arrives."""
        with self._lock:
            if self._spawner is not None:
                return
            self._closed = False
            self._spawner = ThreadPoolExecutor(1, thread_name_prefix="nlp-spawn")
            self._callers = ThreadPoolExecutor(self._processes, thread_name_prefix="nlp-call")
        spawner = self._spawner
        launched = [spawner.submit(self._launch).result() for _ in range(self._processes)]
        for child in launched:  # all load their model at once; wait for each in turn
            self._ready(child)

    async def enrich(self, article: RawArticle) -> tuple[Enrichment, Timings]:
        """Enrich in a child; a failure there becomes a rejection (``enrichment_failed`` or
        ``enrichment_timeout``) of this article only."""
        if self._callers is None:
            await asyncio.to_thread(self.start)
        assert self._callers is not None
        job = _Job(article.model_dump_json())
        running = asyncio.get_running_loop().run_in_executor(self._callers, self._call, job)
        try:
            # Shielded: a cancelled caller (its deadline, a rebalance) must not lose track of
            # the child, which stays with the caller thread until it answers or is killed.
            result, timings = await asyncio.shield(running)
        except asyncio.CancelledError:
            job.abandoned = True
            raise
        return Enrichment.model_validate_json(result), timings

    def _call(self, job: _Job) -> tuple[str, Timings]:
        """Caller thread: serve one article on a child (invariants 1-3)."""
        for _ in range(2):
            if job.abandoned:
                raise PoolClosed("the caller stopped waiting for this article")
            child = self._take()
            kind, payload = child.request(job.text, self._deadline + self._grace)
            if kind in ("died", "stuck"):
                self._replace(child)
                if self._closed:
                    raise PoolClosed("the pool closed while this article was enriched")
                if kind == "stuck":
                    raise RejectedMessage(
                        ErrorCode.ENRICHMENT_TIMEOUT,
                        f"not enriched in {self._deadline:g} s; its process was replaced",
                    )
                continue  # the child died: once more, on a live one
            self._idle.put(child)
            if kind == "ok":
                return payload  # type: ignore[no-any-return]
            code = (
                ErrorCode.ENRICHMENT_TIMEOUT if kind == "timeout" else ErrorCode.ENRICHMENT_FAILED
            )
            raise RejectedMessage(code, str(payload))
        raise RejectedMessage(
            ErrorCode.ENRICHMENT_FAILED, "enrichment process died on this article"
        )

    def _take(self) -> _Child:
        while True:
            if self._closed:
                raise PoolClosed("the pool is closed")
            try:
                return self._idle.get(timeout=0.5)
            except queue.Empty:
                continue  # a replacement is loading its model

    def _replace(self, child: _Child) -> None:
        """Kill ``child`` now; load its replacement on the spawner thread (invariant 5)."""
        self._forget(child)
        with self._lock:
            spawner = None if self._closed else self._spawner
        if spawner is not None:
            spawner.submit(self._respawn)

    def _respawn(self) -> None:
        if self._closed:
            return
        try:
            self._ready(self._launch())
        except ConfigError as exc:
            if not self._closed:  # closing kills children mid-load: not a failure
                log.error("could not replace an NLP process: %s", exc)
            return
        self.on_restart()

    def _launch(self) -> _Child:
        """Spawner thread: start one child (fast; the model loads in the child)."""
        ours, theirs = multiprocessing.Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=_child_main,
            args=(
                theirs,
                os.getpid(),
                self._settings_json,
                self._task,
                self._initializer,
                self._deadline,
            ),
            name="newsflow-nlp",
            daemon=True,
        )
        process.start()
        theirs.close()
        child = _Child(process, ours)
        with self._lock:  # from now on close() kills it, even while its model loads
            self._children.add(child)
            closed = self._closed
        if closed:  # close() ran while it started: its model never loads
            self._forget(child)
        return child

    def _ready(self, child: _Child) -> None:
        """Wait for the child's model; then it may take articles."""
        try:
            reply: Reply | None = child.conn.recv() if child.conn.poll(_READY_SECONDS) else None
        except (EOFError, OSError):
            reply = None
        if reply is None or reply[0] != "ready":
            self._forget(child)
            reason = reply[1] if reply else "the process exited before its model was loaded"
            raise ConfigError(f"an NLP process could not start: {reason}")
        name, version = reply[1]
        if name:
            self.model_name, self.model_version = name, version
        self._idle.put(child)

    def _forget(self, child: _Child) -> None:
        child.release()
        with self._lock:
            self._children.discard(child)

    def child_pids(self) -> list[int]:
        """Pids of the pool's live processes (for operators' tools and tests)."""
        with self._lock:
            return [c.process.pid for c in self._children if c.process.pid is not None]

    def close(self) -> None:
        """Invariant 4: kill every child now; threads waiting on them end at once."""
        with self._lock:
            self._closed = True
            children, self._children = list(self._children), set()
            executors = [e for e in (self._spawner, self._callers) if e is not None]
            self._spawner = self._callers = None
        for child in children:
            child.kill()  # a busy child's caller thread sees its pipe end and releases it
        for executor in executors:
            executor.shutdown(wait=True)  # queued requests end at once in PoolClosed
        while not self._idle.empty():  # nobody uses these any more
            self._idle.get_nowait().release()
