"""Running chunks on a dask.distributed cluster (the optional ``distributed`` extra).

The chunks and their seeds are planned before submission (``sim.ensemble.plan_chunks``)
and gathered in chunk order, so a cluster gives the same numbers as the local executor.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Iterator
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


def iter_dask(
    scenario: Any, seed: int, chunks: list, *, scheduler: str | None, jobs: int, **kwargs: Any
) -> Iterator[Any]:
    """Run chunks on a dask cluster (a local one when ``scheduler`` is None); yield the
    outputs in chunk order."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise NegsimError(
            "--executor dask needs the 'distributed' extra: pip install 'negsim[distributed]'"
        ) from None
    from sim.ensemble import IN_FLIGHT_PER_WORKER, run_chunk, sigint_deferred

    _configure_dask()
    cluster = client = None
    try:
        if scheduler is None:
            with sigint_deferred():  # workers never see Ctrl-C; this process stops the cluster
                cluster = LocalCluster(
                    n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,  # not the warnings of tasks cancelled by Ctrl-C
                )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="10s")
            except OSError as exc:
                raise NegsimError(f"cannot reach dask scheduler {scheduler}: {exc}") from None
            try:  # a worker without negsim fails every chunk with a long remote traceback
                client.run(_worker_versions)
            except Exception as exc:  # whatever the workers raised, in one line
                raise NegsimError(
                    f"the workers of dask scheduler {scheduler} cannot run negsim "
                    f"({str(exc).strip() or type(exc).__name__}): install negsim on them"
                ) from None
        scenario_future = client.scatter(scenario, broadcast=True)

        def submit(chunk: Any) -> Any:
            return client.submit(run_chunk, scenario_future, seed, chunk, pure=False, **kwargs)

        # A bounded window of submitted chunks, released once gathered: results otherwise
        # stay in the workers' memory until the whole run is over.
        workers = max(jobs, len(client.scheduler_info().get("workers", {})))
        todo = iter(chunks)
        window = deque(submit(c) for c in itertools.islice(todo, IN_FLIGHT_PER_WORKER * workers))
        while window:
            out = window.popleft().result()  # in chunk order
            nxt = next(todo, None)
            if nxt is not None:
                window.append(submit(nxt))
            yield out
            del out
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
