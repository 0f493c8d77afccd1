"""Running tasks on a dask.distributed cluster (the optional ``distributed`` extra).

Tasks and their seeds are planned before submission and gathered in task order, so a
cluster gives the same numbers as the local executor (see :mod:`sim.executors`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sim.errors import NegsimError


def _configure_dask() -> None:
    """Keep dask's nanny from setting MALLOC_TRIM_THRESHOLD_ in the workers (and in this
    process's environment): that setting made numpy work about 4x slower here."""
    import dask

    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})


def _worker_versions() -> str:
    """Run on each worker: imports negsim there (the check that it is installed)."""
    from sim import __version__

    return __version__


def map_dask(
    func: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], *, scheduler: str | None, jobs: int
) -> Iterator[Any]:
    """``func(*task)`` for every task on a dask cluster (a local one when ``scheduler`` is
    None); results yielded in task order."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise NegsimError(
            "--executor dask needs the 'distributed' extra: pip install 'negsim[distributed]'"
        ) from None
    from sim.executors import _windowed, sigint_deferred

    _configure_dask()
    cluster = client = None
    try:
        if scheduler is None:
            with sigint_deferred():  # workers never see Ctrl-C; this process stops the cluster
                cluster = LocalCluster(
                    n_workers=max(1, jobs),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,  # not the warnings of tasks cancelled by Ctrl-C
                )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="10s")
            except OSError as exc:
                raise NegsimError(f"cannot reach dask scheduler {scheduler}: {exc}") from None
            try:  # a worker without negsim fails every task with a long remote traceback
                client.run(_worker_versions)
            except Exception as exc:  # whatever the workers raised, in one line
                raise NegsimError(
                    f"the workers of dask scheduler {scheduler} cannot run negsim "
                    f"({str(exc).strip() or type(exc).__name__}): install negsim on them"
                ) from None
        workers = max(jobs, len(client.scheduler_info().get("workers", {})))
        yield from _windowed(lambda task: client.submit(func, *task, pure=False), tasks, workers)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
