"""The one process pool of the studies: fresh ``spawn`` workers (no forked solver state)."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections.abc import Callable
from typing import Any

__all__ = ["spawn_pool"]


def spawn_pool(
    workers: int,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> concurrent.futures.ProcessPoolExecutor:
    """A process pool of ``workers`` spawned interpreters (``initializer(*initargs)`` in each).

    Spawned rather than forked: a fork would copy the parent's solver handles and threads.
    Used by :func:`~territory_opt.studies.batch.run_batch` and
    :func:`~territory_opt.studies.decompose.decompose`.
    """
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )
