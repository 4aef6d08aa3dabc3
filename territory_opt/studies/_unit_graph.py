"""A problem's unit graph as a csgraph adjacency, and its parts of units sharing a key."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ..graph.core import adjacency_matrix, component_labels
from ..problem.territory_problem import TerritoryProblem


def unit_adjacency(problem: TerritoryProblem) -> sparse.csr_array:
    """Symmetric CSR adjacency of the problem's units (model order)."""
    return adjacency_matrix(problem.neighbors())


def border_units(adj: sparse.csr_array, key: np.ndarray) -> np.ndarray:
    """Sorted positions of the units with a neighbour carrying another ``key``."""
    rows, cols = adj.nonzero()
    return np.unique(rows[key[rows] != key[cols]]).astype(np.int64)


def same_key_parts(
    adj: sparse.csr_array, *keys: np.ndarray, mask: np.ndarray | None = None
) -> list[np.ndarray]:
    """Connected parts of units equal in every ``key`` (within ``mask``), by smallest member.

    Each part is a sorted array of positions; parts are ordered by their first unit.
    """
    rows, cols = adj.nonzero()
    keep = np.ones(len(rows), dtype=bool)
    for k in keys:
        keep &= k[rows] == k[cols]
    n = adj.shape[0]
    same = sparse.csr_array((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n, n))
    labels = component_labels(same, mask)
    if not (labels >= 0).any():
        return []
    pos = np.flatnonzero(labels >= 0)
    order = np.argsort(labels[pos], kind="stable")
    bounds = np.flatnonzero(np.diff(labels[pos][order])) + 1
    parts = np.split(pos[order], bounds)
    return sorted(parts, key=lambda p: int(p[0]))
