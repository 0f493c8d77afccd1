"""Running tasks on a dask.distributed cluster (the optional ``distributed`` extra).

Tasks and their seeds are planned before submission and gathered in task order, so a
cluster gives the same numbers as the local executor (see :mod:`sim.executors`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from typing import Any

from sim.errors import NegsimError

CONNECT_TIMEOUT = 10.0  # seconds a scheduler has to answer
CLOSE_TIMEOUT = 3.0  # seconds the client and a local cluster have to shut down


def _configure_dask() -> None:
    """Keep dask's nanny from setting MALLOC_TRIM_THRESHOLD_ in the workers (and in this
    process's environment): that setting made numpy work about 4x slower here."""
    import dask

    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})


def _worker_versions() -> str:
    """Run on each worker: imports negsim there (the check that it is installed)."""
    from sim import __version__

    return __version__


def _within(seconds: float, what: Callable[[], Any]) -> tuple[bool, Any, BaseException | None]:
    """Call ``what`` in a daemon thread: (finished, result, exception). A peer that
    accepts a connection and never answers can block dask past its own timeouts; a daemon
    thread left waiting does not keep this process from exiting."""
    box: dict[str, Any] = {}

    def call() -> None:
        try:
            box["result"] = what()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=call, name="negsim-dask-connect", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        return False, None, None
    return True, box.get("result"), box.get("error")


def _connect(scheduler: str, timeout: float) -> Any:
    """A client of the scheduler at ``scheduler``, or one line saying why not."""
    from distributed import Client

    done, client, exc = _within(
        timeout + CLOSE_TIMEOUT, lambda: Client(scheduler, timeout=f"{timeout:g}s")
    )
    if not done:
        raise NegsimError(f"cannot reach dask scheduler {scheduler}: no answer in {timeout:g} s")
    if exc is not None:  # refused, timed out, a malformed address: all one line
        why = " ".join(str(exc).split()) or type(exc).__name__
        if len(why) > 200:
            why = why[:197] + "..."
        raise NegsimError(f"cannot reach dask scheduler {scheduler}: {why}")
    return client


def _check_workers(client: Any, scheduler: str, timeout: float) -> None:
    """Every worker can import negsim (else every task fails with a long remote
    traceback); a cluster that does not answer within ``timeout`` is an error."""
    done, _, exc = _within(timeout, lambda: client.run(_worker_versions))
    if not done:
        raise NegsimError(f"dask scheduler {scheduler} did not answer within {timeout:g} s")
    if exc is not None:  # whatever the workers raised, in one line
        raise NegsimError(
            f"the workers of dask scheduler {scheduler} cannot run negsim "
            f"({' '.join(str(exc).split())[:200] or type(exc).__name__}): install negsim on them"
        )


def _close(client: Any, cluster: Any) -> None:
    """Close the client and the local cluster, bounded in time; worker processes that
    outlive it are stopped."""
    import multiprocessing

    if client is not None:
        with suppress(Exception):
            client.close(timeout=CLOSE_TIMEOUT)
    if cluster is not None:
        with suppress(Exception):
            cluster.close(timeout=CLOSE_TIMEOUT)
        for proc in multiprocessing.active_children():  # stop signals are blocked in them
            with suppress(Exception):
                proc.kill()
                proc.join(CLOSE_TIMEOUT)


def map_dask(
    func: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    *,
    scheduler: str | None,
    jobs: int,
    timeout: float = CONNECT_TIMEOUT,
) -> Iterator[Any]:
    """``func(*task)`` for every task on a dask cluster (a local one when ``scheduler`` is
    None); results yielded in task order. A scheduler that does not answer within
    ``timeout`` seconds is a one-line error."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise NegsimError(
            "--executor dask needs the 'distributed' extra: pip install 'negsim[distributed]'"
        ) from None
    from sim.executors import _windowed, _workers_starting, start_resource_tracker

    _configure_dask()
    start_resource_tracker()
    cluster = client = None
    try:
        if scheduler is None:
            with _workers_starting():  # workers never see Ctrl-C; this process stops them
                cluster = LocalCluster(
                    n_workers=max(1, jobs),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: never "8787 is in use"
                    # not the warnings of tasks cancelled by Ctrl-C, nor a worker's error
                    # that its heartbeat found the scheduler gone while this process stops
                    # the cluster; a task's own failure still reaches the client
                    silence_logs=logging.CRITICAL,
                )
            client = Client(cluster)
        else:
            client = _connect(scheduler, timeout)
            _check_workers(client, scheduler, timeout)
        workers = max(jobs, len(client.scheduler_info().get("workers", {})))
        yield from _windowed(lambda task: client.submit(func, *task, pure=False), tasks, workers)
    finally:
        _close(client, cluster)
