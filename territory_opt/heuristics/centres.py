"""Centres for a greenfield design: balanced k-medoids on the unit graph."""

from __future__ import annotations

import numpy as np

from . import _search as hs
from ._grow import grow
from .evaluation import HeuristicInstance

__all__ = ["choose_centres"]


def choose_centres(
    neighbors: tuple[np.ndarray, ...] | list[np.ndarray],
    measures: np.ndarray,
    cost_between_units: np.ndarray,
    k: int,
    *,
    seed: int = 0,
    iterations: int = 20,
) -> np.ndarray:
    """Pick ``k`` centre units for a greenfield design (balanced k-medoids on the graph).

    Seeds by weighted k-means++ on ``cost_between_units``, then alternates a balanced
    contiguous assignment (region growing with equal targets of every measure) and a
    medoid update (the unit of each territory minimising the measure-weighted cost to
    its members), until the centres stop changing.

    Parameters
    ----------
    neighbors : sequence of int arrays
        Adjacency lists of the (connected) unit graph.
    measures : (n,) or (n, m) array
        Measures to balance; their sum weights the medoid cost.
    cost_between_units : (n, n) array
        Cost of serving unit ``j`` from a centre at unit ``i`` (``[i, j]``), e.g. squared km.
    k : int
        Number of centres.
    seed : int
        Random seed.

    Returns
    -------
    (k,) int array
        Distinct unit indices.
    """
    n = len(neighbors)
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of units ({n}), not {k}.")
    meas = np.asarray(measures, dtype=float).reshape(n, -1)
    C = np.asarray(cost_between_units, dtype=float)
    if C.shape != (n, n):
        raise ValueError(f"cost_between_units must be ({n}, {n}), not {C.shape}.")
    w = meas.sum(axis=1)
    w = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    w = 0.9 * w + 0.1 / n  # every unit has some pull (zero-measure units still need territories)
    rng = np.random.default_rng(seed)
    centres = [int(rng.choice(n, p=w))]
    for _ in range(1, k):
        dmin = C[centres].min(axis=0)
        p = w * dmin
        p[centres] = 0
        centres.append(int(rng.choice(n, p=p / p.sum())) if p.sum() > 0 else int(np.argmax(p)))
    cen = np.asarray(centres, dtype=np.int64)
    total = meas.sum(axis=0)
    target = np.tile(total / k, (k, 1))
    for _ in range(iterations):
        inst = HeuristicInstance(
            neighbors=tuple(np.asarray(nb) for nb in neighbors),
            measures=meas,
            lower=target * 0.999,
            upper=target * 1.001,
            cost=(C[cen].T * w[:, None]),
            centres=cen,
        )
        d = hs.make_data(
            inst.neighbors,
            meas,
            inst.lower,
            inst.upper,
            inst.cost,
            cen,
            None,
            None,
            None,
            None,
            0.0,
        )
        a = grow(d, np.full(n, -1, dtype=np.int64), rng)
        new = cen.copy()
        for r in range(k):
            members = np.flatnonzero(a == r)
            sub = C[np.ix_(members, members)] @ w[members]
            new[r] = members[int(np.argmin(sub))]
        if len(set(new.tolist())) < k or np.array_equal(new, cen):
            break
        cen = new
    return cen
