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
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

IN_FLIGHT_PER_WORKER = 2  # tasks submitted ahead per worker: bounds the results held


def default_jobs() -> int:
    """All cores."""
    return os.cpu_count() or 1


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
    ``jobs`` spawned worker processes, or on a dask cluster with ``executor="dask"`` (a
    local one unless ``scheduler`` gives an address). At most ``IN_FLIGHT_PER_WORKER``
    tasks per worker are submitted ahead, so finished results do not pile up in memory.
    """
    if executor == "dask":
        from sim.distributed import map_dask

        yield from map_dask(func, tasks, jobs=jobs, scheduler=scheduler)
        return
    if serial or jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield func(*task)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: never fork a process that has imported threaded numerical libraries
    ctx = multiprocessing.get_context("spawn")
    workers = min(jobs, len(tasks))
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_ignore_sigint
    ) as pool:
        yield from _windowed(
            lambda task: pool.submit(func, *task), tasks, workers, first=sigint_deferred
        )


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


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Start worker processes inside this block: they never see SIGINT.

    A terminal's Ctrl-C reaches the whole process group, and a worker still starting
    would die on it printing a traceback of its imports. SIGINT is blocked in this thread
    inside the block, and processes (and threads) started here inherit the blocked SIGINT;
    this process stops the run and cleans up. A Ctrl-C pressed inside the block is held
    and raises KeyboardInterrupt when the block ends, not in the middle of starting a
    pool or a cluster. Only the main thread can do this; elsewhere the block does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    can_block = hasattr(signal, "pthread_sigmask")
    if can_block:
        # multiprocessing's resource tracker, started with the first spawned process,
        # unblocks SIGINT in the thread that starts it: start it first
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    if can_block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if can_block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops the run and cleans up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
