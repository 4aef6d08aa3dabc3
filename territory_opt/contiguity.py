r"""Contiguity constraints, rooted at each territory's centre.

Four modes, chosen with ``TerritoryProblem.contiguity``:

``"sp"`` — shortest-path constraints (Validi, Buchanan & Lykhovyd 2022; Oehrlein & Haunert
2017). With :math:`\delta_c(i)` the hop distance from the root :math:`h_c` to :math:`i` in the
graph restricted to the units allowed in column :math:`c`,

.. math:: x_{ic} \le \sum_{j \in N(i):\ \delta_c(j) < \delta_c(i)} x_{jc}.

Every territory then contains, for each of its units, a shortest path to its centre:
territories are connected **and** "star-shaped" in the graph metric. This is
**not exact**: it *restricts* the space of connected plans (some connected plans are cut
off), so its optimum is an upper bound on the true contiguous optimum. Compact, fast,
and LP-tight; the default.

``"flow"`` — single-commodity flow (Shirabe 2005 style): the root ships one unit of flow
to every other unit of its territory along arcs inside the territory,
:math:`f_{uvc} \le (M_c) x_{vc}`, :math:`f_{uvc} \le M_c x_{uc}`, inflow − outflow
:math:`= x_{ic}`. **Exact** (a plan is feasible iff each territory is connected), but its
LP relaxation is weak (big-M), so it scales poorly.

``"cuts"`` — lazy cut generation: solve without contiguity, find every component
:math:`S` of a territory that does not contain its root, add
:math:`x_{ic} \le \sum_{j \in \partial S} x_{jc}` for all :math:`i \in S` (:math:`\partial S`
the neighbours of :math:`S` outside it), re-solve; stop when all territories are connected.
**Exact** when it terminates (it only adds valid inequalities and stops at a connected
optimum of a relaxation); the bound of every round is a valid lower bound.

``None`` — no contiguity.

Functions here are pure helpers for :mod:`territory_opt.model` and
:mod:`territory_opt.solve`; :func:`is_contiguous` / :func:`disconnected_parts` check a
plan independently of the model.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

if TYPE_CHECKING:
    from .model import MilpModel, Row
    from .problem import TerritoryProblem

__all__ = [
    "EXACT_MODES",
    "add_flow",
    "cut_rows",
    "disconnected_parts",
    "flow_start",
    "is_contiguous",
    "sp_rows",
]

EXACT_MODES = frozenset({"flow", "cuts"})
"""Contiguity modes that describe exactly the set of connected plans (``"sp"`` restricts it)."""


def _bfs_within(nb: tuple[np.ndarray, ...], root: int, ok: np.ndarray) -> np.ndarray:
    d = np.full(len(nb), np.inf)
    if not ok[root]:
        return d
    d[root] = 0.0
    frontier = [root]
    level = 0.0
    while frontier:
        level += 1.0
        nxt = []
        for v in frontier:
            for w in nb[v].tolist():
                if ok[w] and d[w] == np.inf:
                    d[w] = level
                    nxt.append(w)
        frontier = nxt
    return d


def sp_rows(problem: TerritoryProblem, x: np.ndarray) -> list[Row]:
    """Shortest-path rows for every allowed ``(i, c)`` with ``i`` not the root.

    A row with a single index means ``x_ic`` has no allowed predecessor: fix it to 0.
    """
    nb = problem.neighbors()
    rows: list[Row] = []
    for c, root in enumerate(problem.roots.tolist()):
        ok = x[:, c] >= 0
        d = _bfs_within(nb, root, ok)
        for i in np.flatnonzero(ok).tolist():
            if i == root:
                continue
            if not np.isfinite(d[i]):
                rows.append((np.array([x[i, c]]), np.array([1.0]), -np.inf, 0.0))
                continue
            preds = [j for j in nb[i].tolist() if d[j] < d[i]]
            idx = np.array([x[i, c], *(x[j, c] for j in preds)], dtype=np.int64)
            val = np.array([1.0] + [-1.0] * len(preds))
            rows.append((idx, val, -np.inf, 0.0))
    return rows


def add_flow(
    problem: TerritoryProblem, x: np.ndarray, builder: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Add single-commodity flow columns and rows to a model builder.

    Returns
    -------
    tuple
        ``(arc_tail, arc_head, arc_column, var_index)`` arrays describing each flow variable.
    """
    nb = problem.neighbors()
    tails: list[int] = []
    heads: list[int] = []
    colz: list[int] = []
    vidx: list[int] = []
    for c, root in enumerate(problem.roots.tolist()):
        ok = x[:, c] >= 0
        d = _bfs_within(nb, root, ok)
        reach = np.flatnonzero(np.isfinite(d))
        for i in np.flatnonzero(ok & ~np.isfinite(d)).tolist():
            builder.hi[int(x[i, c])] = 0.0
        M = float(max(len(reach) - 1, 1))
        rset = set(reach.tolist())
        arcs = [(u, v) for u in reach.tolist() for v in nb[u].tolist() if v in rset and v != root]
        if not arcs:
            continue
        f = builder.add_cols(len(arcs), 0.0, M, False)
        inflow: dict[int, list[int]] = {}
        outflow: dict[int, list[int]] = {}
        for (u, v), fv in zip(arcs, f.tolist(), strict=True):
            tails.append(u)
            heads.append(v)
            colz.append(c)
            vidx.append(fv)
            inflow.setdefault(v, []).append(fv)
            outflow.setdefault(u, []).append(fv)
            builder.add_row([fv, int(x[v, c])], [1.0, -M], -np.inf, 0.0)
            if u != root:
                builder.add_row([fv, int(x[u, c])], [1.0, -M], -np.inf, 0.0)
        for i in reach.tolist():
            if i == root:
                continue
            fin = inflow.get(i, [])
            fout = outflow.get(i, [])
            idx = [*fin, *fout, int(x[i, c])]
            val = [1.0] * len(fin) + [-1.0] * len(fout) + [-1.0]
            builder.add_row(idx, val, 0.0, 0.0)
    return (
        np.array(tails, dtype=np.int64),
        np.array(heads, dtype=np.int64),
        np.array(colz, dtype=np.int64),
        np.array(vidx, dtype=np.int64),
    )


def flow_start(
    problem: TerritoryProblem, model: MilpModel, assignment: np.ndarray, vals: np.ndarray
) -> None:
    """Fill flow variables of ``vals`` in place for a connected plan (BFS tree flows)."""
    assert model.flow is not None
    tails, heads, colz, vidx = model.flow
    lookup = {
        (int(t), int(h), int(c)): int(v)
        for t, h, c, v in zip(tails, heads, colz, vidx, strict=True)
    }
    nb = problem.neighbors()
    for c, root in enumerate(problem.roots.tolist()):
        members = assignment == c
        if root < 0 or not members[root]:
            continue
        parent = {root: -1}
        order = [root]
        for v in order:
            for w in nb[v].tolist():
                if members[w] and w not in parent:
                    parent[w] = v
                    order.append(w)
        size = dict.fromkeys(order, 1)
        for v in reversed(order[1:]):
            size[parent[v]] += size[v]
            key = (parent[v], v, c)
            if key in lookup:
                vals[lookup[key]] = float(size[v])


def cut_rows(problem: TerritoryProblem, x: np.ndarray, assignment: np.ndarray) -> list[Row]:
    """Separator cuts for every territory component cut off from its root.

    Parameters
    ----------
    problem : TerritoryProblem
    x : numpy.ndarray
        ``(n, K)`` model column indices of :math:`x_{ic}` (``-1`` if not allowed).
    assignment : numpy.ndarray
        ``(n,)`` column of each unit in the current solution.

    Returns
    -------
    list of rows ``x_ic - sum_{j in boundary(S)} x_jc <= 0`` (empty when connected).
    """
    nb = problem.neighbors()
    rows: list[Row] = []
    for c, root in enumerate(problem.roots.tolist()):
        members = np.flatnonzero(assignment == c)
        if len(members) == 0:
            continue
        for comp in _components(nb, members):
            if root in comp:
                continue
            boundary = sorted(
                {w for v in comp for w in nb[v].tolist() if w not in comp and x[w, c] >= 0}
            )
            for i in sorted(comp):
                idx = np.array([x[i, c], *(x[j, c] for j in boundary)], dtype=np.int64)
                val = np.array([1.0] + [-1.0] * len(boundary))
                rows.append((idx, val, -np.inf, 0.0))
    return rows


def _components(nb: tuple[np.ndarray, ...], members: np.ndarray) -> list[set[int]]:
    left = set(members.tolist())
    comps = []
    while left:
        s = left.pop()
        comp = {s}
        stack = [s]
        while stack:
            v = stack.pop()
            for w in nb[v].tolist():
                if w in left:
                    left.discard(w)
                    comp.add(w)
                    stack.append(w)
        comps.append(comp)
    return comps


def disconnected_parts(G: nx.Graph, assignment: Mapping[Hashable, Hashable]) -> dict[Hashable, int]:
    """Number of connected pieces of each territory (1 = contiguous), checked with networkx.

    Parameters
    ----------
    G : networkx.Graph
        Unit graph.
    assignment : mapping
        unit id -> rep id (e.g. ``Alignment.assignment``).
    """
    groups: dict[Hashable, list[Hashable]] = {}
    for u, r in assignment.items():
        groups.setdefault(r, []).append(u)
    return {r: nx.number_connected_components(G.subgraph(us)) for r, us in groups.items()}


def is_contiguous(G: nx.Graph, assignment: Mapping[Hashable, Hashable]) -> bool:
    """True when every territory of ``assignment`` is connected in ``G``."""
    return all(v == 1 for v in disconnected_parts(G, assignment).values())
