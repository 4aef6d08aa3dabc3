r"""Variable fixing by connectivity and balance: units a connected territory cannot reach.

A connected territory :math:`T \ni h_c` holding unit :math:`i` contains a path from
:math:`h_c` to :math:`i` inside the units allowed in column :math:`c`, so for every balanced
measure :math:`m` with non-negative values and a hard upper bound :math:`U_{cm}`,

.. math:: \sum_{j \in T} a_{jm} \;\ge\; \ell_{cm}(i)
          := \min_{P:\ h_c \leadsto i} \sum_{j \in P} a_{jm},

the node-weighted shortest-path length. When :math:`\ell_{cm}(i) > U_{cm}` no connected
balanced plan puts :math:`i` in :math:`c`: :math:`x_{ic} = 0` is a valid fixing for the
problem as stated (a bound computed with it stays a bound of every connected plan). This
is the vertex-weighted distance argument behind the length-bounded separators of Validi &
Buchanan (2022) for population-balanced districting; at ±0.5 % and :math:`k = 8` it removes
most of the :math:`x_{ic}` of a free-centre model before any solve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from ..graph.core import adjacency_matrix

if TYPE_CHECKING:
    from ..problem.territory_problem import TerritoryProblem

__all__ = ["unreachable"]


def _node_distances(
    adj: sparse.csr_array, weight: np.ndarray, root: int, ok: np.ndarray
) -> np.ndarray:
    """Node-weighted shortest-path length from ``root`` to every unit through ``ok`` units.

    The length of a path counts every unit on it, both ends included; ``inf`` when not
    reachable (or ``root`` not ok). Arc ``u -> v`` weighs ``weight[v]`` (plus a tiny
    constant: scipy ignores zero-weight arcs of a sparse graph), the root its own weight.
    """
    n = adj.shape[0]
    if not ok[root]:
        return np.full(n, np.inf)
    coo = adj.tocoo()
    keep = ok[coo.row] & ok[coo.col]
    tiny = 1e-9 * max(float(weight.max(initial=0.0)), 1.0)
    w = weight[coo.col[keep]] + tiny
    g = sparse.csr_array((w, (coo.row[keep], coo.col[keep])), shape=(n, n))
    d = csgraph.dijkstra(g, directed=True, indices=root)
    # remove the tiny constants again (at most one per arc of a simple path)
    return np.asarray(d + weight[root] - tiny * (n - 1) * np.isfinite(d), dtype=float)


def unreachable(problem: TerritoryProblem, x: np.ndarray) -> np.ndarray:
    """``(n, K)`` mask of allowed pairs :math:`(i, c)` that no connected balanced territory has.

    Empty (all False) without contiguity or without a hard, non-negative balanced measure
    with a finite upper bound. Roots and locked pairs are never marked.

    Parameters
    ----------
    problem : TerritoryProblem
    x : numpy.ndarray
        ``(n, K)`` model column of :math:`x_{ic}` (``-1`` when not allowed).
    """
    n, K = x.shape
    out = np.zeros((n, K), dtype=bool)
    if problem.contiguity is None or not problem.balance:
        return out
    a = problem.balance_matrix()
    _, hi = problem.bounds()
    measures = [
        m
        for m, b in enumerate(problem.balance)
        if b.hard and np.all(a[:, m] >= 0) and np.isfinite(hi[:, m]).any()
    ]
    if not measures:
        return out
    adj = adjacency_matrix(problem.neighbors())
    roots = problem.roots.tolist()
    for c, root in enumerate(roots):
        if root < 0:
            continue
        ok = x[:, c] >= 0
        for m in measures:
            if not np.isfinite(hi[c, m]):
                continue
            d = _node_distances(adj, a[:, m], root, ok)
            out[:, c] |= ok & (d > hi[c, m] * (1.0 + 1e-9) + 1e-9)
        out[root, c] = False
    for i, c in problem.locks:
        out[i, c] = False
    return out
