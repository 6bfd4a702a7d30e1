"""Enrichment off the event loop: spawned processes, each holding one loaded model.

spaCy is CPU-bound; run inside the Faust agent it would block heartbeats and trigger
rebalances. Each child loads the model once (at warm-up, before the worker consumes) and
enriches the articles of each request it gets over its own pipe; articles cross as JSON. The
event loop only awaits: articles wait in the pool's queue, and one driver thread per child
hands a free child the articles waiting, at most ``NEWSFLOW_ENRICH_BATCH_MAX_ARTICLES`` (and
``_BATCH_MAX_CHARS``) at once, which it parses in one ``nlp.pipe`` call and answers one by one.

Invariants (tests/unit/test_nlp_pool_failures.py and test_nlp_pool_batching.py with stand-in
children, tests/integration/test_nlp_pool.py with the real model):

1. A failure costs its own article only. A lone article is sent at once, never held back to
   fill a batch; a batch is what waited while every child was busy. When a batch fails (its
   child dies, overruns, or raises) its articles not yet answered are sent again one by one,
   so the article at fault fails alone and the others are enriched.
2. A child that dies is replaced off the event loop and the article is sent once more, alone,
   to a live child: a child killed from outside (the OOM killer) is not the article's fault.
   An article that was in two children that died is dead-lettered as ``enrichment_failed``.
3. Every request has a deadline enforced in the child: an alarm interrupts the enrichment and
   the child, model loaded, takes the next request. A lone article gets
   ``NEWSFLOW_WORKER_ENRICH_DEADLINE_SECONDS``; a batch half of it, so that its articles, sent
   again one by one, still have the other half. A child that cannot be interrupted (stuck
   inside C code, where Python signal handlers do not run) is killed by its driver ``grace``
   seconds later and replaced. A lone article that overruns is dead-lettered as
   ``enrichment_timeout``.
4. ``close`` kills every child at once and never waits for an article: work still running or
   waiting is abandoned (:class:`PoolClosed`), its offset uncommitted, so the next owner
   redoes it.
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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from pipeline.config import EnrichSettings
from pipeline.errors import Abandoned, ConfigError, RejectedMessage
from pipeline.models import Enriched, Enrichment, ErrorCode, RawArticle, Timings
from pipeline.stories import signature as signatures
from pipeline.stories.assign import SHINGLE_WORDS

log = logging.getLogger(__name__)

# An article's enrichment JSON, its timings, and its story MinHash (None: not asked for).
Result = tuple[str, Timings, tuple[int, ...] | None]
Task = Callable[[list[str]], Iterable[Result]]
Reply = tuple[str, Any]  # ("ok", Result) | ("timeout" | "error" | "died" | "stuck", why)

_READY_SECONDS = 600.0  # loading the model; a child silent this long is broken
_PR_SET_PDEATHSIG = 1


class PoolClosed(Abandoned):
    """The pool was closed while the article was waiting or running: nobody awaits it."""


# --- child side ---------------------------------------------------------------------------

_enricher = None  # the child's Enricher, set by _init_child
_busy = False  # an alarm interrupts only while a request is being enriched


class _Deadline(BaseException):
    """Raised by the alarm inside the enrichment; a BaseException, so that no ``except
    Exception`` in the enrichment code can swallow it."""


def _init_child(settings_json: str) -> None:
    global _enricher
    from pipeline.enrich import Enricher

    _enricher = Enricher(EnrichSettings.model_validate_json(settings_json))


def enrich_batch(jobs: list[str]) -> Iterator[Result]:
    """Child side: enrich articles given as JSON (parsed together); yield each one's
    Enrichment JSON and timings in order."""
    return _enrich(jobs, signed=False)


def enrich_batch_signed(jobs: list[str]) -> Iterator[Result]:
    """:func:`enrich_batch`, with each article's story MinHash, so that the worker's event
    loop does not hash the text (:mod:`pipeline.stories.signature`)."""
    return _enrich(jobs, signed=True)


def _enrich(jobs: list[str], signed: bool) -> Iterator[Result]:
    assert _enricher is not None, "pool child not initialised"
    started = time.perf_counter()
    articles = [RawArticle.model_validate_json(job) for job in jobs]
    share = (time.perf_counter() - started) / len(articles)
    for article, enrichment in zip(articles, _enricher.enrich_many(articles), strict=True):
        timings: Timings = dict(_enricher.last_timings)
        minhash = None
        if signed:
            clock = time.perf_counter()
            minhash = signatures.minhash(article.title, article.body, SHINGLE_WORDS)
            timings["signature"] = time.perf_counter() - clock
        timings["total"] = share + sum(timings.values())
        yield enrichment.model_dump_json(), timings, minhash


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
            jobs = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed the pipe or is gone
        _serve(conn, task, jobs, deadline)


def _on_alarm(_signum: int, _frame: object) -> None:
    if _busy:
        raise _Deadline


def budget(deadline: float, articles: int) -> float:
    """Seconds a request of ``articles`` may take (invariant 3)."""
    return deadline if articles == 1 else deadline / 2


def _serve(conn: Connection, task: Task, jobs: list[str], deadline: float) -> None:
    """Send one reply per article in order, or fewer when the request fails: then the last
    reply says why (the parent retries the unanswered ones, or rejects a lone one)."""
    global _busy
    seconds = budget(deadline, len(jobs))
    sent = 0
    if math.isfinite(seconds):
        signal.setitimer(signal.ITIMER_REAL, seconds)
    _busy = True
    try:
        for result in task(jobs):
            _send(conn, ("ok", result))
            sent += 1
    except _Deadline:
        failure: Reply = ("timeout", f"not enriched in {seconds:g} s")
    except Exception as exc:  # policy: any error inside enrichment dead-letters the article
        failure = ("error", f"{type(exc).__name__}: {exc}")
    else:
        failure = ("error", f"the enrichment answered {sent} of {len(jobs)} articles")
    finally:
        _busy = False
        signal.setitimer(signal.ITIMER_REAL, 0)
    if sent < len(jobs):
        conn.send(failure)


def _send(conn: Connection, reply: Reply) -> None:
    """An alarm while a reply is half written would break the pipe's framing: it is held
    back until the reply is sent (and then interrupts what follows)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        conn.send(reply)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})


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

    def send(self, jobs: list[str]) -> bool:
        """Send a request; False if the pipe is closed (the child died)."""
        try:
            self.conn.send(jobs)
        except (EOFError, OSError):
            return False
        return True

    def reply(self, until: float) -> Reply:
        """The next reply; ("died", ...) if the pipe closed, ("stuck", ...) if none came by
        ``until`` (``time.monotonic``)."""
        try:
            wait = None if math.isinf(until) else max(0.0, until - time.monotonic())
            if not self.conn.poll(wait):
                return ("stuck", "no answer in time")
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
    chars: int
    future: Future[Result] = field(default_factory=Future)
    deaths: int = 0  # children that died while it was in them (invariant 2)
    abandoned: bool = False  # the caller stopped waiting: skip it if not yet started

    def settle(self, result: Result | None = None, error: BaseException | None = None) -> None:
        if self.future.done():
            return
        if error is not None:
            self.future.set_exception(error)
        else:
            self.future.set_result(result)  # type: ignore[arg-type]


class EnrichPool:
    """Processes with the model loaded; a crashed or hung child costs one article, never the
    worker, and never blocks the event loop. ``on_batch`` is told the size of every request
    sent to a child; ``signatures`` has each child compute the article's story MinHash."""

    def __init__(
        self,
        settings: EnrichSettings,
        processes: int,
        deadline: float = float("inf"),
        task: Task | None = None,
        initializer: Callable[[str], None] = _init_child,
        grace: float = 5.0,
        signatures: bool = False,
    ) -> None:
        self._settings_json = settings.model_dump_json()
        self._processes = processes
        self._deadline = deadline
        self._grace = grace
        self._batch_articles = settings.batch_max_articles
        self._batch_chars = settings.batch_max_chars
        self._task = task or (enrich_batch_signed if signatures else enrich_batch)
        self._initializer = initializer
        self._idle: queue.Queue[_Child] = queue.Queue()
        self._children: set[_Child] = set()
        self._lock = threading.Lock()
        # Articles waiting for a child: retries (one by one) first, then arrivals in order.
        self._work = threading.Condition()
        self._solo: deque[_Job] = deque()
        self._waiting: deque[_Job] = deque()
        self._free_drivers = 0
        self._drivers: list[threading.Thread] = []
        self._spawner: ThreadPoolExecutor | None = None
        self._closed = False
        self.on_restart: Callable[[], None] = lambda: None
        self.on_batch: Callable[[int], None] = lambda _: None
        self.model_name = settings.model
        self.model_version = ""

    def start(self) -> None:
        """Spawn the children and load the model in each before any article arrives."""
        with self._lock:
            if self._spawner is not None:
                return
            self._closed = False
            self._spawner = ThreadPoolExecutor(1, thread_name_prefix="nlp-spawn")
        spawner = self._spawner
        launched = [spawner.submit(self._launch).result() for _ in range(self._processes)]
        for child in launched:  # all load their model at once; wait for each in turn
            self._ready(child)
        drivers = [
            threading.Thread(target=self._drive, name=f"nlp-driver-{i}", daemon=True)
            for i in range(self._processes)
        ]
        with self._lock:
            self._drivers = drivers
        for driver in drivers:
            driver.start()

    async def enrich(self, article: RawArticle) -> Enriched:
        """Enrich in a child; a failure there becomes a rejection (``enrichment_failed`` or
        ``enrichment_timeout``) of this article only."""
        if not self._drivers:
            await asyncio.to_thread(self.start)
        # (``or ""``: an article built without validation fails in the child, as it should)
        job = _Job(article.model_dump_json(), len(article.title or "") + len(article.body or ""))
        with self._work:
            if self._closed:
                raise PoolClosed("the pool is closed")
            self._waiting.append(job)
            self._work.notify()
        try:
            # Shielded: a cancelled caller (its deadline, a rebalance) must not lose track of
            # the child, which stays with its driver until it answers or is killed.
            text, timings, minhash = await asyncio.shield(asyncio.wrap_future(job.future))
        except asyncio.CancelledError:
            job.abandoned = True
            raise
        return Enriched(Enrichment.model_validate_json(text), timings, minhash)

    # --- drivers: one thread per child, each handing a free child what is waiting --------

    def _drive(self) -> None:
        while True:
            try:
                child = self._take()
            except PoolClosed:
                return
            try:
                jobs = self._next_jobs()
            except PoolClosed:
                child.release()
                return
            self._run(child, jobs)

    def _next_jobs(self) -> list[_Job]:
        """Block until an article waits; then take a retry alone, or this driver's share of
        the arrivals (the free drivers split a burst), at most the batch limits. Never waits
        for more articles than are there: a lone article goes at once (invariant 1)."""
        with self._work:
            self._free_drivers += 1
            try:
                while True:
                    if self._closed:
                        raise PoolClosed("the pool is closed")
                    while self._solo:
                        job = self._solo.popleft()
                        if self._still_wanted(job):
                            return [job]
                    share = -(-len(self._waiting) // self._free_drivers)
                    jobs = self._take_waiting(min(share, self._batch_articles))
                    if jobs:
                        return jobs
                    self._work.wait()
            finally:
                self._free_drivers -= 1

    def _take_waiting(self, most: int) -> list[_Job]:
        jobs: list[_Job] = []
        chars = 0
        while self._waiting and len(jobs) < most:
            job = self._waiting[0]
            if jobs and chars + job.chars > self._batch_chars:
                break
            self._waiting.popleft()
            if self._still_wanted(job):
                jobs.append(job)
                chars += job.chars
        return jobs

    @staticmethod
    def _still_wanted(job: _Job) -> bool:
        if job.abandoned:
            job.settle(error=PoolClosed("the caller stopped waiting for this article"))
        return not job.abandoned

    def _run(self, child: _Child, jobs: list[_Job]) -> None:
        """Serve ``jobs`` on ``child`` (invariants 1-3); settle each one, or queue it again
        to be sent alone."""
        self.on_batch(len(jobs))
        until = time.monotonic() + budget(self._deadline, len(jobs)) + self._grace
        kind, why = "died", "the pipe is closed"
        answered = 0
        if child.send([j.text for j in jobs]):
            for job in jobs:
                kind, why = child.reply(until)
                if kind != "ok":
                    break
                job.settle(why)
                answered += 1
        if kind in ("died", "stuck"):
            self._replace(child)
        else:
            self._idle.put(child)
        rest = jobs[answered:]
        if not rest:
            return
        if self._closed:
            for job in rest:
                job.settle(error=PoolClosed("the pool closed while this article was enriched"))
            return
        if kind == "died":
            for job in rest:
                job.deaths += 1
        if len(jobs) > 1:  # which article failed is unknown: each is tried alone
            self._retry(rest)
            return
        job = rest[0]
        if kind == "died" and job.deaths < 2:
            self._retry(rest)  # a child killed from outside: once more, on a live one
        else:
            job.settle(error=self._rejection(kind, str(why)))

    def _rejection(self, kind: str, why: str) -> RejectedMessage:
        """Why a lone article failed, as its dead letter will say."""
        if kind == "died":
            return RejectedMessage(
                ErrorCode.ENRICHMENT_FAILED, "enrichment process died on this article"
            )
        if kind == "stuck":
            return RejectedMessage(
                ErrorCode.ENRICHMENT_TIMEOUT,
                f"not enriched in {self._deadline:g} s; its process was replaced",
            )
        code = ErrorCode.ENRICHMENT_TIMEOUT if kind == "timeout" else ErrorCode.ENRICHMENT_FAILED
        return RejectedMessage(code, why)

    def _retry(self, jobs: list[_Job]) -> None:
        with self._work:
            self._solo.extend(jobs)
            self._work.notify(len(jobs))

    def _take(self) -> _Child:
        while True:
            if self._closed:
                raise PoolClosed("the pool is closed")
            try:
                return self._idle.get(timeout=0.5)
            except queue.Empty:
                continue  # a replacement is loading its model

    # --- children -------------------------------------------------------------------------

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
        """Invariant 4: kill every child now; drivers waiting on them end at once."""
        with self._lock:
            self._closed = True
            children, self._children = list(self._children), set()
            spawner, self._spawner = self._spawner, None
            drivers, self._drivers = self._drivers, []
        with self._work:
            queued = [*self._solo, *self._waiting]
            self._solo.clear()
            self._waiting.clear()
            self._work.notify_all()
        for job in queued:
            job.settle(error=PoolClosed("the pool closed before this article was enriched"))
        for child in children:
            child.kill()  # a busy child's driver sees its pipe end and releases it
        if spawner is not None:
            spawner.shutdown(wait=True)
        for driver in drivers:
            driver.join(timeout=5.0)
        while not self._idle.empty():  # nobody uses these any more
            self._idle.get_nowait().release()
