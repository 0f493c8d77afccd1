"""Where work runs: one ordered map over tasks, in this process, in worker processes or
on a dask cluster.

Every task carries its own seed and replicate indices (planned before submission), and
results come back in task order whatever order they finish in, so the numbers never
depend on the executor or the number of workers. Runs, sweeps and sensitivity designs
all go through :func:`map_ordered`.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

IN_FLIGHT_PER_WORKER = 2  # tasks submitted ahead per worker: bounds the results held
ORPHAN_POLL_SECONDS = 1.0  # how often a worker checks that its parent is alive


def default_jobs() -> int:
    """All cores."""
    return os.cpu_count() or 1


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system reports it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_processes(
    jobs: int, tasks: int, *, executor: str = "local", serial: bool = False
) -> int:
    """How many local worker processes :func:`map_ordered` starts for ``tasks`` tasks: 0
    when they run in this process or on a dask cluster. More workers than cores only adds
    start-up (each imports numpy and mesa, about half a second) and contention; the
    numbers never depend on the count."""
    if executor != "local" or serial or jobs <= 1 or tasks <= 1:
        return 0
    workers = min(jobs, tasks, usable_cores())
    return workers if workers > 1 else 0


def map_ordered(
    func: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    serial: bool = False,
) -> Iterator[Any]:
    """``func(*task)`` for every task, yielded in task order.

    Runs in this process when ``serial``, ``jobs <= 1`` or there is one task; otherwise in
    ``jobs`` spawned worker processes (at most one per usable core), or on a dask cluster
    with ``executor="dask"`` (a local one unless ``scheduler`` gives an address). At most
    ``IN_FLIGHT_PER_WORKER`` tasks per worker are submitted ahead, so finished results do
    not pile up in memory.
    """
    if executor == "dask":
        from sim.distributed import map_dask

        yield from map_dask(func, tasks, jobs=jobs, scheduler=scheduler)
        return
    workers = worker_processes(jobs, len(tasks), serial=serial)
    if workers <= 1:
        for task in tasks:
            yield func(*task)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: never fork a process that has imported threaded numerical libraries
    ctx = multiprocessing.get_context("spawn")
    start_resource_tracker()  # before the pool's queues register with it
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
    try:
        yield from _windowed(
            lambda task: pool.submit(func, *task), tasks, workers, first=_workers_starting
        )
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


@contextmanager
def _workers_starting() -> Iterator[None]:
    """Worker processes start with every stop signal held until they are running."""
    with stop_signals_deferred():
        yield


def stop_pool(pool: Any, grace: float = 2.0) -> None:
    """Stop a process pool now: queued tasks cancelled, running ones killed (a chunk can
    take minutes; a stopped run must not wait for it; the workers write nothing, and
    their stop signals are blocked), every worker reaped."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        with suppress(OSError, ValueError, AttributeError):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with suppress(OSError, ValueError, AttributeError, AssertionError):
            proc.join(grace)


def _windowed(
    submit: Callable[[tuple[Any, ...]], Any],
    tasks: Sequence[tuple[Any, ...]],
    workers: int,
    first: Callable[[], Any] | None = None,
) -> Iterator[Any]:
    """Submit a bounded window of tasks and yield their results in task order."""
    todo = iter(tasks)
    window: deque = deque()
    try:
        head = list(itertools.islice(todo, IN_FLIGHT_PER_WORKER * workers))
        if first is not None:
            with first():  # the first submissions start the workers
                window.extend(submit(t) for t in head)
        else:
            window.extend(submit(t) for t in head)
        while window:
            out = window.popleft().result()  # in task order, whatever finishes first
            nxt = next(todo, None)
            if nxt is not None:
                window.append(submit(nxt))
            yield out
            del out
    except BaseException:
        for fut in window:
            fut.cancel()
        raise


STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextmanager
def stop_signals_deferred() -> Iterator[None]:
    """Start worker processes inside this block: they never see a stop signal.

    A terminal's Ctrl-C (and a closed terminal's SIGHUP) reaches the whole process group,
    and a worker still starting would die on it printing a traceback of its imports.
    SIGINT, SIGTERM and SIGHUP are blocked in this thread inside the block, and processes
    (and threads) started here inherit them blocked: this process alone decides to stop
    the run, stops its workers and cleans up. A signal received inside the block is held
    and acted on when the block ends (KeyboardInterrupt, or the handler of
    :mod:`sim.stopping`), not in the middle of starting a pool or a cluster. Only the
    main thread can do this; elsewhere the block does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    can_block = hasattr(signal, "pthread_sigmask")
    if can_block:
        # multiprocessing's resource tracker unblocks SIGINT and SIGTERM (which it
        # ignores) in the thread that starts it: start it first
        start_resource_tracker()
    from sim import stopping

    def hold(signum: int, frame: Any) -> None:
        held.append(signum)
        if stopping.handles(previous.get(signum)):
            stopping.begin(signum)  # the watchdog starts now, not after the workers

    previous: dict[int, Any] = {}
    for s in STOP_SIGNALS:
        previous[s] = signal.signal(s, hold)
    if can_block:
        signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))
    try:
        yield
    finally:
        if can_block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, set(STOP_SIGNALS))
        for s, handler in previous.items():
            signal.signal(s, handler)
    if held:
        handler = signal.getsignal(held[0])
        if callable(handler):  # sim.stopping's handler: the stop starts properly
            handler(held[0], None)
        if held[0] == signal.SIGINT:
            raise KeyboardInterrupt
        from sim.errors import Stopped

        raise Stopped(held[0])


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (once per process) with SIGHUP blocked,
    so that a closed terminal, whose SIGHUP reaches the whole process group, does not
    kill it while this process still needs it (it ignores SIGINT and SIGTERM itself)."""
    if not hasattr(signal, "pthread_sigmask") or not hasattr(signal, "SIGHUP"):
        return
    from multiprocessing import resource_tracker

    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


sigint_deferred = stop_signals_deferred  # its name when it held SIGINT only


def _worker_init() -> None:
    """Workers leave Ctrl-C to the parent, which stops the run and cleans up; and a worker
    whose parent is gone (killed outright) exits instead of working for nobody."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch_parent, name="negsim-orphan-watch", daemon=True).start()


_ignore_sigint = _worker_init  # the name the executors used before
