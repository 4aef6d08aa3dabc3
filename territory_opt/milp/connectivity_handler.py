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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from ..graph.core import adjacency_matrix

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
    cache: dict[int, tuple[Any, np.ndarray]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Per column, the node-split digraph of the max-flow separation (built on first use)."""

    @property
    def n_columns(self) -> int:
        """Number of territory columns."""
        return int(self.x.shape[1])

    def column_values(self, values: np.ndarray) -> np.ndarray:
        """``(n, K)`` values of :math:`x_{ic}` in a model vector (0 where not allowed)."""
        return np.where(self.x >= 0, np.asarray(values)[np.clip(self.x, 0, None)], 0.0)


def _edges(graph: ConnectivityGraph) -> tuple[np.ndarray, np.ndarray]:
    """Both directions of every edge, ``(tails, heads)`` (cached)."""
    key = -1
    if key not in graph.cache:
        coo = graph.adj.tocoo()
        graph.cache[key] = (coo.row.astype(np.int64), coo.col.astype(np.int64))  # type: ignore[assignment]
    return graph.cache[key]  # type: ignore[return-value]


def _labels(graph: ConnectivityGraph, mask: np.ndarray) -> np.ndarray:
    """Component label of each unit of ``mask`` in the graph restricted to it (-1 outside)."""
    u, v = _edges(graph)  # sorted by tail (from CSR)
    keep = mask[u] & mask[v]
    n = graph.adj.shape[0]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u[keep], minlength=n), out=indptr[1:])
    sub = sparse.csr_matrix((np.ones(int(keep.sum())), v[keep], indptr), shape=(n, n))
    _, lab = csgraph.connected_components(sub, directed=False)
    return np.where(mask, lab, -1)


def connectivity_graph(problem: TerritoryProblem, model: MilpModel) -> ConnectivityGraph:
    """The :class:`ConnectivityGraph` of ``problem`` for the columns of ``model``."""
    return ConnectivityGraph(
        adj=adjacency_matrix(problem.neighbors()),
        x=np.asarray(model.x, dtype=np.int64),
        roots=np.asarray(problem.roots, dtype=np.int64),
    )


def minimal_separator(
    graph: ConnectivityGraph, piece: np.ndarray, root: int, allowed: np.ndarray
) -> np.ndarray | None:
    """A minimal vertex set separating ``piece`` from ``root`` in the graph of ``allowed`` units.

    ``S = N(C) ∩ N(R)``: the allowed neighbours of the piece ``C`` that touch ``R``, the
    part of the graph reachable from the root once ``N(C)`` is removed. Empty when the root
    cannot be reached from ``C`` at all; ``None`` when the root is itself next to ``C``
    (nothing separates them).
    """
    u, v = _edges(graph)
    inside = np.zeros(len(allowed), dtype=bool)
    inside[piece] = True
    is_b = np.zeros(len(allowed), dtype=bool)
    is_b[v[inside[u] & ~inside[v] & allowed[v]]] = True
    if is_b[root]:
        return None
    if not is_b.any():
        return np.zeros(0, dtype=np.int64)
    keep = allowed & ~is_b & ~inside
    lab = _labels(graph, keep)
    side = (lab == lab[root]) & keep
    touch = np.zeros(len(allowed), dtype=bool)
    touch[u[is_b[u] & side[v]]] = True
    return np.flatnonzero(touch).astype(np.int64)


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
        lab = _labels(graph, members)
        if (members & (lab != lab[root])).any():
            bad.append(c)
    return bad


def integer_cuts(graph: ConnectivityGraph, values: np.ndarray, *, per_piece: int = 20) -> list[Row]:
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
        lab = _labels(graph, members)
        root_lab = lab[root] if members[root] else -2
        for p in np.unique(lab[members]).tolist():
            if p == root_lab:
                continue
            piece = np.flatnonzero(lab == p)
            sep = minimal_separator(graph, piece, root, allowed)
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
            lab = _labels(graph, members)
            for p in np.unique(lab[members]).tolist():
                if p == lab[root]:
                    continue
                piece = np.flatnonzero(lab == p)
                sep = minimal_separator(graph, piece, root, allowed)
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
            if len(cand) and c not in graph.cache:
                graph.cache[c] = _split_graph(graph.adj, allowed)
            for i in cand.tolist():
                sep = _min_vertex_cut(graph.adj, col, allowed, int(i), root, graph.cache.get(c))
                if sep is not None and col[i] > col[sep].sum() + eps:
                    rows.extend(_rows(graph.x, c, np.array([i]), sep, 1))
    return rows


def _split_graph(adj: sparse.csr_array, allowed: np.ndarray) -> tuple[sparse.csr_array, np.ndarray]:
    """Node-split digraph of the allowed units and, per CSR slot, its arc (``v < n``: node arc)."""
    n = adj.shape[0]
    coo = adj.tocoo()
    ok = allowed[coo.row] & allowed[coo.col]
    nodes = np.flatnonzero(allowed)
    tails = np.concatenate([nodes, coo.row[ok] + n])
    heads = np.concatenate([nodes + n, coo.col[ok]])
    # arc id per slot: node arcs carry the unit, edge arcs -1
    arc = np.concatenate([nodes, np.full(int(ok.sum()), -1)])
    ids = np.arange(1, len(tails) + 1, dtype=np.int32)
    g = sparse.csr_array((ids, (tails, heads)), shape=(2 * n, 2 * n))
    g.sort_indices()
    return g, arc[g.data - 1]


def _min_vertex_cut(
    adj: sparse.csr_array,
    col: np.ndarray,
    allowed: np.ndarray,
    i: int,
    root: int,
    template: tuple[sparse.csr_array, np.ndarray] | None = None,
) -> np.ndarray | None:
    """Minimum-capacity vertex set separating ``i`` from ``root`` (node capacities ``col``).

    Node-split graph: ``v_in -> v_out`` with capacity ``col[v]`` (``i`` and ``root``
    unbounded), ``u_out -> v_in`` unbounded for every edge inside the allowed units
    (``template`` from :func:`_split_graph`, rebuilt when not given).
    Returns ``None`` when ``i`` is next to ``root``.
    """
    n = adj.shape[0]
    if root in set(adj.indices[adj.indptr[i] : adj.indptr[i + 1]].tolist()):
        return None
    g0, arc = template if template is not None else _split_graph(adj, allowed)
    big = min(_FLOW_SCALE * (n + 1), 2**31 - 1)
    cap = np.round(np.clip(col, 0.0, 1.0) * _FLOW_SCALE).astype(np.int64)
    cap[[i, root]] = big
    g = g0.copy()
    g.data = np.where(arc >= 0, cap[np.clip(arc, 0, None)], big).astype(np.int32)
    res = csgraph.maximum_flow(g, i + n, root)
    if res.flow_value >= big:
        return None
    # source side of the minimum cut: reachable from i_out in the residual graph
    resid = sparse.csr_array(g - res.flow)
    resid.data = np.maximum(resid.data, 0)
    resid.eliminate_zeros()
    reach = np.zeros(2 * n, dtype=bool)
    reach[csgraph.breadth_first_order(resid, i + n, directed=True, return_predecessors=False)] = (
        True
    )
    nodes = np.flatnonzero(allowed)
    cut = nodes[reach[nodes] & ~reach[nodes + n]]
    return cut[(cut != i) & (cut != root)].astype(np.int64)
