"""Page extraction off the reactor thread: ``crawler.core.process.process_page`` in a pool of worker processes.

The pure page pipeline costs ~6-30 ms of CPU per page. Run on the reactor thread it stalls downloading and
keeps the crawl on one core; ``ExtractPool`` runs it in ``concurrent.futures.ProcessPoolExecutor`` workers
started with ``spawn`` (forking a process that runs a Twisted reactor is unsafe) and awaited with
``asyncio.wrap_future``. What crosses the process boundary is plain data: an ``ExtractJob`` (the page bytes,
URL, registered source name, discovery ``Link``, fetch time) goes in, a ``ProcessedPage`` (dataclasses,
datetimes) comes out. The page context is built on the side that runs the page, by the same
``Registries.context_for`` inline and in a worker (crawler.core.context).

Workers: each loads the registries once (``load_registries``), ignores SIGINT (the crawl process decides
how to stop) and exits when the crawl process dies, even by ``kill -9``.

Crashes: a worker that dies (segfault, OOM killer, ``kill``) breaks the whole executor, failing every page
in flight in it. The broken executor is replaced, and each page that was in flight is tried once more in a
one-worker *quarantine* executor, one page at a time, so a second crash is attributed to exactly the page
that caused it: that page raises ``WorkerCrashed`` (the pipeline drops it with a counted reason) and every
other page is extracted exactly once. No page is lost to another page's crash, none is returned twice.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crawler.core.discovery import Link

if TYPE_CHECKING:
    from crawler.core.context import Registries
    from crawler.core.process import ProcessedPage
    from crawler.shell.items import PageItem

MAX_DEFAULT_WORKERS = 4


def default_extract_workers(cpu_count: int | None = None) -> int:
    """One core for the reactor, the rest (at most 4) for extraction; never fewer than one worker."""
    cpus = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return min(MAX_DEFAULT_WORKERS, max(1, cpus - 1))


@dataclass(frozen=True, slots=True)
class ExtractJob:
    """One fetched page, as the pure pipeline needs it (picklable: crosses to a worker process)."""

    url: str
    body: bytes
    encoding: str | None = None
    link: Link | None = None
    source: str | None = None  # registered source name
    fetched_at: datetime | None = None
    last_modified: datetime | None = None  # the response's HTTP Last-Modified

    @classmethod
    def from_item(cls, item: PageItem) -> ExtractJob:
        return cls(url=item.url, body=item.body, encoding=item.encoding, link=item.link, source=item.source,
                   fetched_at=item.fetched_at, last_modified=item.last_modified)


def extract(job: ExtractJob, registries: Registries) -> ProcessedPage:
    """The page pipeline for one job: decode, build the page context, ``process_page``.

    The same function runs inline (``NEWSARCHIVE_EXTRACT_WORKERS=0``) and in a worker."""
    from crawler.core.process import process_page

    html: bytes | str = job.body
    if job.encoding:
        html = job.body.decode(job.encoding, errors="replace")
    return process_page(html, job.url, registries.context_for(job.url, job.source, job.link, job.fetched_at,
                                                                job.last_modified))


# -- inside a worker process ------------------------------------------------------------------------

_worker_registries: Registries | None = None

_WARM_UP_PAGE = (
    b"<html><head><title>India, Japan hold 2+2 dialogue</title></head><body><article>"
    b"<p>NEW DELHI, Jan 5 (PTI) - India and Japan held the third round of their 2+2 ministerial "
    b"dialogue in New Delhi on Monday, officials said.</p></article></body></html>"
)


def init_worker() -> None:
    """Executor initializer: registries once per worker, SIGINT ignored, exit with the crawl process."""
    global _worker_registries
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the process group; the crawl decides
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    from crawler.core.context import load_registries

    _worker_registries = load_registries()
    # build the lazily made indexes (countries, gazetteer, registry literals) before the first real page
    extract(ExtractJob(url="http://warm.up.invalid/a", body=_WARM_UP_PAGE), _worker_registries)


def _exit_with_parent(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns when the parent's sentinel closes: it exited or was killed
    os._exit(0)


def worker_registries() -> Registries:
    """This worker's registries (loaded by ``init_worker``; loaded here for an executor made without it)."""
    global _worker_registries
    if _worker_registries is None:
        from crawler.core.context import load_registries

        _worker_registries = load_registries()
    return _worker_registries


def extract_in_worker(job: ExtractJob) -> ProcessedPage:
    """The task a worker runs (module level: looked up by name in the worker)."""
    return extract(job, worker_registries())


def worker_ready() -> int:
    return os.getpid()


# -- in the crawl process ---------------------------------------------------------------------------


class WorkerCrashed(Exception):
    """A page killed the worker extracting it, twice (the second time alone in the quarantine worker)."""


Task = Callable[[ExtractJob], Any]


class ExtractPool:
    """``process_page`` in worker processes, awaited from the reactor's asyncio loop.

    ``task`` is the function a worker runs on a job (``extract_in_worker``); ``count`` is called with an
    event name (``pool_restarts``, ``retried_after_crash``, ``worker_crashes``) for the crawl stats.
    """

    def __init__(self, workers: int, *, task: Task = extract_in_worker,
                 count: Callable[[str], None] | None = None) -> None:
        if workers < 1:
            raise ValueError("an ExtractPool needs at least one worker")
        self.workers = workers
        self.task = task
        self.count = count or (lambda name: None)
        self._context = multiprocessing.get_context("spawn")
        self._executor: ProcessPoolExecutor | None = None
        self._quarantine: ProcessPoolExecutor | None = None
        self._quarantine_lock: asyncio.Lock | None = None
        self._closed = False

    def _new_executor(self, workers: int) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=self._context, initializer=init_worker)
        for _ in range(workers):  # start every worker now (each warms up) instead of on the first pages
            executor.submit(worker_ready)
        return executor

    def start(self) -> None:
        if self._executor is None:
            self._executor = self._new_executor(self.workers)

    @property
    def executor(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("ExtractPool is closed")
        self.start()
        assert self._executor is not None
        return self._executor

    def worker_pids(self) -> list[int]:
        """The live worker processes (for tests and diagnostics)."""
        procs: dict[int, Any] = getattr(self._executor, "_processes", None) or {}
        return sorted(p.pid for p in procs.values() if p.pid is not None)

    async def run(self, job: ExtractJob) -> Any:
        """The task's result for ``job``; raises ``WorkerCrashed`` if the page crashes a worker twice.

        An exception the task raises (not a crash) is re-raised here, as it would be inline."""
        for _ in range(3):  # submit fails only when the executor broke before this page got in
            executor = self.executor
            try:
                future = executor.submit(self.task, job)
            except BrokenProcessPool:
                self._replace(executor)
                continue
            try:
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                self._replace(executor)
                break
        return await self._run_quarantined(job)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Swap a broken executor for a new one, once however many pages saw it break."""
        if self._executor is broken and not self._closed:
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor(self.workers)
            self.count("pool_restarts")

    async def _run_quarantined(self, job: ExtractJob) -> Any:
        """Retry a page that was in flight when a worker died: alone, so a crash names its page."""
        self.count("retried_after_crash")
        if self._quarantine_lock is None:
            self._quarantine_lock = asyncio.Lock()
        async with self._quarantine_lock:
            if self._closed:
                raise RuntimeError("ExtractPool is closed")
            if self._quarantine is None:
                self._quarantine = ProcessPoolExecutor(max_workers=1, mp_context=self._context,
                                                       initializer=init_worker)
            quarantine = self._quarantine
            try:
                return await asyncio.wrap_future(quarantine.submit(self.task, job))
            except BrokenProcessPool:
                quarantine.shutdown(wait=False, cancel_futures=True)
                self._quarantine = None
                self.count("worker_crashes")
                raise WorkerCrashed(f"extraction crashed its worker process twice: {job.url}") from None

    def close(self) -> None:
        """Stop the workers (idle at spider close: every page has been awaited)."""
        self._closed = True
        for executor in (self._executor, self._quarantine):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self._executor = self._quarantine = None

