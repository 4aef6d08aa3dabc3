r"""Connectivity cuts separated inside a branch-and-cut tree (solver-neutral part).

A territory :math:`c` rooted at :math:`h_c` is connected iff for every unit :math:`i` and
every vertex set :math:`S` separating :math:`i` from :math:`h_c` in the graph
:math:`G_c` (the unit graph restricted to the units allowed in column :math:`c`),

.. math:: x_{ic} \le \sum_{j \in S} x_{jc}

(the *a–b separator* inequalities of Fischetti et al. 2017, used for districting by
Validi, Buchanan & Lykhovyd 2022). They are valid for fixed centres, and for free centres
too since :math:`x_{ic} \le y_c = x_{h_c c}`. This module finds violated ones:

* :func:`integer_cuts` — on an integer solution: every piece :math:`C` of a territory cut
  off from its root gives, for its units, the cut with the **minimal** separator
  :math:`S = N(C) \cap N(R)` (:math:`R` the root's side of :math:`G_c - N(C)`). An integer
  solution is connected iff it violates none of them: used to reject incumbents;
* :func:`fractional_cuts` — on a fractional LP solution, two cheap separations: pieces of
  the support graphs :math:`\{j: \bar x_{jc} \ge t\}` not holding the root (minimal
  separators, kept when violated), then a few minimum vertex cuts by maximum flow
  (``scipy.sparse.csgraph.maximum_flow`` on the node-split graph, node capacities
  :math:`\bar x_{jc}`) for the units of largest :math:`\bar x_{ic}` not yet cut.

The SCIP constraint handler of :mod:`territory_opt.milp.backends.scip` calls these; the
rows are :data:`~territory_opt.milp.model.Row` tuples over the model's columns, like
:func:`territory_opt.milp.contiguity.cut_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from ..graph.core import adjacency_matrix, component_labels, hop_distances

if TYPE_CHECKING:
    from ..problem.territory_problem import TerritoryProblem
    from .model import MilpModel, Row

__all__ = [
    "ConnectivityGraph",
    "connectivity_graph",
    "disconnected_columns",
    "fractional_cuts",
    "integer_cuts",
    "minimal_separator",
]

_FLOW_SCALE = 10_000
"""Node capacities of the max-flow separation are ``round(x * _FLOW_SCALE)`` (scipy's
maximum flow needs integers); a found cut is kept only if violated in exact arithmetic."""


@dataclass(frozen=True, eq=False)
class ConnectivityGraph:
    """What the connectivity cuts need: the unit graph, the columns and their roots.

    Attributes
    ----------
    adj : scipy.sparse.csr_array
        ``(n, n)`` symmetric unit adjacency.
    x : numpy.ndarray
        ``(n, K)`` model column of :math:`x_{ic}` (``-1`` when not allowed).
    roots : numpy.ndarray
        ``(K,)`` root unit of each column (``-1`` for none: the column is skipped).
    """

    adj: sparse.csr_array
    x: np.ndarray
    roots: np.ndarray

    @property
    def n_columns(self) -> int:
        """Number of territory columns."""
        return int(self.x.shape[1])

    def column_values(self, values: np.ndarray) -> np.ndarray:
        """``(n, K)`` values of :math:`x_{ic}` in a model vector (0 where not allowed)."""
        return np.where(self.x >= 0, np.asarray(values)[np.clip(self.x, 0, None)], 0.0)


def connectivity_graph(problem: TerritoryProblem, model: MilpModel) -> ConnectivityGraph:
    """The :class:`ConnectivityGraph` of ``problem`` for the columns of ``model``."""
    return ConnectivityGraph(
        adj=adjacency_matrix(problem.neighbors()),
        x=np.asarray(model.x, dtype=np.int64),
        roots=np.asarray(problem.roots, dtype=np.int64),
    )


def _neighbours(adj: sparse.csr_array, units: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Allowed neighbours of ``units`` outside them (sorted)."""
    if not len(units):
        return np.zeros(0, dtype=np.int64)
    nb = np.unique(adj[units].indices)
    inside = np.zeros(adj.shape[0], dtype=bool)
    inside[units] = True
    return nb[allowed[nb] & ~inside[nb]].astype(np.int64)


def minimal_separator(
    adj: sparse.csr_array, piece: np.ndarray, root: int, allowed: np.ndarray
) -> np.ndarray | None:
    """A minimal vertex set separating ``piece`` from ``root`` in the graph of ``allowed`` units.

    ``S = N(C) ∩ N(R)``: the allowed neighbours of the piece ``C`` that touch ``R``, the
    part of the graph reachable from the root once ``N(C)`` is removed. Empty when the root
    cannot be reached from ``C`` at all; ``None`` when the root is itself next to ``C``
    (nothing separates them).
    """
    boundary = _neighbours(adj, piece, allowed)
    if root in set(boundary.tolist()):
        return None
    keep = allowed.copy()
    keep[boundary] = False
    keep[piece] = False
    side = np.isfinite(hop_distances(adj, [root], mask=keep)[0])
    if not len(boundary):
        return boundary
    touches = np.asarray(
        [side[adj.indices[adj.indptr[v] : adj.indptr[v + 1]]].any() for v in boundary.tolist()],
        dtype=bool,
    )
    return boundary[touches]


def _rows(x: np.ndarray, c: int, units: np.ndarray, sep: np.ndarray, limit: int) -> list[Row]:
    js = x[sep, c].astype(np.int64)
    out: list[Row] = []
    for i in units[:limit].tolist():
        idx = np.concatenate([[x[i, c]], js]).astype(np.int64)
        val = np.concatenate([[1.0], -np.ones(len(js))])
        out.append((idx, val, -np.inf, 0.0))
    return out


def disconnected_columns(graph: ConnectivityGraph, values: np.ndarray) -> list[int]:
    """Columns whose territory (units with :math:`x_{ic} > 0.5`) misses or splits from its root."""
    xv = graph.column_values(values) > 0.5
    bad = []
    for c in range(graph.n_columns):
        root = int(graph.roots[c])
        members = xv[:, c]
        if root < 0 or not members.any():
            continue
        if not members[root]:
            bad.append(c)
            continue
        reach = np.isfinite(hop_distances(graph.adj, [root], mask=members)[0])
        if (members & ~reach).any():
            bad.append(c)
    return bad


def integer_cuts(
    graph: ConnectivityGraph, values: np.ndarray, *, per_piece: int = 20
) -> list[Row]:
    """Violated minimal-separator cuts of an integer solution (empty iff it is connected).

    Parameters
    ----------
    graph : ConnectivityGraph
    values : numpy.ndarray
        Model column vector; :math:`x_{ic}` is read as 1 above 0.5.
    per_piece : int
        At most this many units of each cut-off piece get a row (largest values first
        does not apply: the piece's units in order).

    Returns
    -------
    list of rows ``x_ic - sum_{j in S} x_jc <= 0``.
    """
    xv = graph.column_values(values) > 0.5
    rows: list[Row] = []
    for c in graph_columns(graph):
        root = int(graph.roots[c])
        members = xv[:, c]
        if not members.any():
            continue
        allowed = graph.x[:, c] >= 0
        lab = component_labels(graph.adj, members)
        root_lab = lab[root] if members[root] else -2
        for p in np.unique(lab[members]).tolist():
            if p == root_lab:
                continue
            piece = np.flatnonzero(lab == p)
            sep = minimal_separator(graph.adj, piece, root, allowed)
            if sep is None:  # root next to the piece but unassigned (free centres): y_c = 0
                continue
            rows.extend(_rows(graph.x, c, piece, sep, per_piece))
    return rows


def graph_columns(graph: ConnectivityGraph) -> list[int]:
    """Columns with a root."""
    return [c for c in range(graph.n_columns) if graph.roots[c] >= 0]


def fractional_cuts(
    graph: ConnectivityGraph,
    values: np.ndarray,
    *,
    thresholds: tuple[float, ...] = (0.0, 0.5),
    flows_per_column: int = 3,
    eps: float = 1e-3,
    per_piece: int = 5,
) -> list[Row]:
    """Violated separator cuts of a fractional solution (a cheap, incomplete separation).

    Parameters
    ----------
    graph : ConnectivityGraph
    values : numpy.ndarray
        Model column vector (an LP solution).
    thresholds : tuple of float
        Support levels: pieces of ``{j: x_jc > t}`` (``t = 0``: the support) without the root.
    flows_per_column : int
        Units per column checked by a maximum flow (largest :math:`\\bar x_{ic}` first,
        among those no support cut covered); 0 disables it.
    eps : float
        Minimum violation of a kept cut.
    per_piece : int
        At most this many units (largest values) of a piece get a row.
    """
    xv = graph.column_values(values)
    rows: list[Row] = []
    for c in graph_columns(graph):
        root = int(graph.roots[c])
        col = xv[:, c]
        allowed = graph.x[:, c] >= 0
        covered = np.zeros(len(col), dtype=bool)
        for t in thresholds:
            members = col > t + 1e-9
            members[root] = True
            lab = component_labels(graph.adj, members)
            for p in np.unique(lab[members]).tolist():
                if p == lab[root]:
                    continue
                piece = np.flatnonzero(lab == p)
                sep = minimal_separator(graph.adj, piece, root, allowed)
                if sep is None:
                    continue
                rhs = float(col[sep].sum())
                order = piece[np.argsort(-col[piece], kind="stable")]
                viol = order[col[order] > rhs + eps]
                covered[viol] = True
                rows.extend(_rows(graph.x, c, viol, sep, per_piece))
        if flows_per_column > 0:
            cand = np.flatnonzero((col > eps) & ~covered & allowed)
            cand = cand[cand != root]
            cand = cand[np.argsort(-col[cand], kind="stable")][:flows_per_column]
            for i in cand.tolist():
                sep = _min_vertex_cut(graph.adj, col, allowed, int(i), root)
                if sep is not None and col[i] > col[sep].sum() + eps:
                    rows.extend(_rows(graph.x, c, np.array([i]), sep, 1))
    return rows


def _min_vertex_cut(
    adj: sparse.csr_array, col: np.ndarray, allowed: np.ndarray, i: int, root: int
) -> np.ndarray | None:
    """Minimum-capacity vertex set separating ``i`` from ``root`` (node capacities ``col``).

    Node-split graph: ``v_in -> v_out`` with capacity ``col[v]`` (``i`` and ``root``
    unbounded), ``u_out -> v_in`` unbounded for every edge inside the allowed units.
    Returns ``None`` when ``i`` is next to ``root``.
    """
    n = adj.shape[0]
    big = min(_FLOW_SCALE * (n + 1), 2**31 - 1)
    coo = adj.tocoo()
    ok = allowed[coo.row] & allowed[coo.col]
    u, v = coo.row[ok], coo.col[ok]
    if ((u == i) & (v == root)).any():
        return None
    cap = np.round(np.clip(col, 0.0, 1.0) * _FLOW_SCALE).astype(np.int64)
    cap[[i, root]] = big
    nodes = np.flatnonzero(allowed)
    tails = np.concatenate([nodes, u + n])
    heads = np.concatenate([nodes + n, v])
    caps = np.concatenate([cap[nodes], np.full(len(u), big, dtype=np.int64)])
    g = sparse.csr_array((caps.astype(np.int32), (tails, heads)), shape=(2 * n, 2 * n))
    g.sum_duplicates()
    res = csgraph.maximum_flow(g, i + n, root)
    if res.flow_value >= big:
        return None
    # source side of the minimum cut: reachable from i_out in the residual graph
    flow = res.flow.tocsr() if hasattr(res.flow, "tocsr") else sparse.csr_array(res.flow)
    resid = (g - flow).tocsr()
    resid.data = np.where(resid.data > 0, resid.data, 0)
    resid.eliminate_zeros()
    reach = np.zeros(2 * n, dtype=bool)
    reach[csgraph.breadth_first_order(resid, i + n, directed=True, return_predecessors=False)] = True
    cut = nodes[reach[nodes] & ~reach[nodes + n]]
    return cut[(cut != i) & (cut != root)].astype(np.int64)
