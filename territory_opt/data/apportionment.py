"""Whole numbers in proportion: the one largest-remainder (Hamilton) apportionment.

Reps shared between regions (:func:`territory_opt.studies.regions.apportion`) and
quota steps shared between territories (:func:`territory_opt.salesforce.quotas.allocate`)
are both rounded here, with one deterministic tie-break.
"""

from __future__ import annotations

import numpy as np

__all__ = ["largest_remainder"]


def largest_remainder(
    quotas: np.ndarray,
    total: int,
    *,
    weights: np.ndarray | None = None,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> np.ndarray:
    """Round ``quotas`` to whole numbers summing to ``total`` (Hamilton's method).

    Each quota is rounded down (within ``[lower, upper]``); the missing units go one by
    one to the largest fractional parts, skipping those at their upper bound (and, when
    the rounded-down quotas already exceed ``total``, units are taken back from the
    smallest fractional parts above their lower bound).

    Tie-break (deterministic): equal fractional parts go to the larger weight, then to
    the first in order (and are taken back from the smaller weight, then the first).

    Parameters
    ----------
    quotas : (k,) float array
        Exact shares, e.g. ``weights / weights.sum() * total``.
    total : int
        Sum of the result.
    weights : (k,) float array, optional
        Tie-break on equal fractional parts (default: none, order only).
    lower, upper : (k,) float array, optional
        Whole bounds per share (default: none); ``lower.sum() <= total <= upper.sum()``.

    Returns
    -------
    (k,) int64 array
    """
    x = np.asarray(quotas, dtype=float)
    k = len(x)
    w = np.zeros(k) if weights is None else np.asarray(weights, dtype=float)
    lo = np.full(k, -np.inf) if lower is None else np.asarray(lower, dtype=float)
    hi = np.full(k, np.inf) if upper is None else np.asarray(upper, dtype=float)
    base = np.clip(np.floor(x + 1e-9), lo, hi)
    frac = x - base
    missing = int(np.rint(total - base.sum()))
    order = np.arange(k)
    while missing > 0 and (base < hi).any():
        for i in np.lexsort((order, -w, -frac)):  # largest fraction, then weight, then order
            if missing > 0 and base[i] < hi[i]:
                base[i] += 1
                missing -= 1
    while missing < 0 and (base > lo).any():
        for i in np.lexsort((order, w, frac)):
            if missing < 0 and base[i] > lo[i]:
                base[i] -= 1
                missing += 1
    return base.astype(np.int64)
