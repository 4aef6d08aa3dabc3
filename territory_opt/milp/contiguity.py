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
optimum of a relaxation); the bound of every round is a valid lower bound. Three
refinements (fixed centres): the singleton cuts :func:`neighbor_rows` are added up front;
units that carry nothing (:func:`free_units`: no cost, measure, disruption or lock) are
relabelled by :func:`repair_free` to connect a relaxed solution at no cost — when that
works on a relaxed optimum, the plan is proven optimal — and :func:`free_cut_rows`
separates only the pieces such relabelling cannot reach, so the cuts force the units
that matter to move instead of shuffling empty ones. The loop stops when the bound
stalls (see :mod:`territory_opt.solve.pipeline`), leaving the rest of the time to the heuristic.

``None`` — no contiguity.

Functions here are pure helpers for :mod:`territory_opt.milp.model` and
:mod:`territory_opt.solve.pipeline`; :func:`is_contiguous` / :func:`disconnected_parts` check a
plan independently of the model.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
from scipy import sparse

from ..graph.core import adjacency_matrix, components, hop_distances, matrix_from_graph

if TYPE_CHECKING:
    from ..problem.territory_problem import TerritoryProblem
    from .model import MilpModel, Row

__all__ = [
    "EXACT_MODES",
    "add_flow",
    "cut_rows",
    "disconnected_parts",
    "flow_start",
    "free_cut_rows",
    "free_units",
    "is_contiguous",
    "neighbor_rows",
    "repair_free",
    "sp_rows",
]

EXACT_MODES = frozenset({"flow", "cuts"})
"""Contiguity modes that describe exactly the set of connected plans (``"sp"`` restricts it)."""


def _bfs_within(
    adj: sparse.csr_array | tuple[np.ndarray, ...], root: int, ok: np.ndarray
) -> np.ndarray:
    """Hops from ``root`` through units of ``ok`` (``inf`` elsewhere or if ``root`` is not ok).

    ``adj`` is the CSR adjacency or the neighbour lists (``problem.neighbors()``).
    """
    if not sparse.issparse(adj):
        adj = adjacency_matrix(adj)
    return hop_distances(adj, [root], mask=ok)[0]


def sp_rows(problem: TerritoryProblem, x: np.ndarray) -> list[Row]:
    """Shortest-path rows for every allowed ``(i, c)`` with ``i`` not the root.

    A row with a single index means ``x_ic`` has no allowed predecessor: fix it to 0.
    """
    nb = problem.neighbors()
    adj = adjacency_matrix(nb)
    rows: list[Row] = []
    for c, root in enumerate(problem.roots.tolist()):
        ok = x[:, c] >= 0
        d = _bfs_within(adj, root, ok)
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
    adj = adjacency_matrix(nb)
    tails: list[int] = []
    heads: list[int] = []
    colz: list[int] = []
    vidx: list[int] = []
    for c, root in enumerate(problem.roots.tolist()):
        ok = x[:, c] >= 0
        d = _bfs_within(adj, root, ok)
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
    adj = adjacency_matrix(nb)
    rows: list[Row] = []
    for c, root in enumerate(problem.roots.tolist()):
        members = np.flatnonzero(assignment == c)
        if len(members) == 0:
            continue
        for comp in _components(adj, members):
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


def _components(adj: sparse.csr_array, members: np.ndarray) -> list[set[int]]:
    """The connected parts of ``members`` as sets of positions, largest first."""
    return [set(part.tolist()) for part in components(adj, members)]


def disconnected_parts(G: nx.Graph, assignment: Mapping[Hashable, Hashable]) -> dict[Hashable, int]:
    """Number of connected pieces of each territory (1 = contiguous), on the csgraph core.

    Parameters
    ----------
    G : networkx.Graph
        Unit graph.
    assignment : mapping
        unit id -> rep id (e.g. ``Alignment.assignment``).
    """
    nodes = list(G.nodes)
    pos = {u: i for i, u in enumerate(nodes)}
    adj = matrix_from_graph(G, nodes)
    groups: dict[Hashable, list[int]] = {}
    for u, r in assignment.items():
        members = groups.setdefault(r, [])
        if u in pos:  # units outside G are ignored, as G.subgraph does
            members.append(pos[u])
    return {r: len(components(adj, np.unique(m))) for r, m in groups.items()}


def is_contiguous(G: nx.Graph, assignment: Mapping[Hashable, Hashable]) -> bool:
    """True when every territory of ``assignment`` is connected in ``G``."""
    return all(v == 1 for v in disconnected_parts(G, assignment).values())


def free_units(model: MilpModel) -> np.ndarray:
    """Units that only matter for contiguity in ``model`` (boolean ``(n,)`` mask).

    A unit is *free* when every one of its assignment columns has a zero objective
    coefficient, is not fixed, and appears in no row but the unit's own assignment row:
    it carries no cost, no balance measure, no disruption and no lock. With the default
    compactness weight (workload) these are the communes without accounts; they can be
    given to any territory that needs them as a corridor without changing the objective
    or the balance. Call it on a model without contiguity rows (the ``"cuts"`` base model).
    """
    x = model.x
    ok = x >= 0
    xi = np.clip(x, 0, None)
    counts = np.bincount(model.index[model.value != 0], minlength=model.n_cols)
    col_free = (
        (model.c[xi] == 0)
        & (counts[xi] == 1)
        & (model.col_lower[xi] == 0)
        & (model.col_upper[xi] > 0)
    )
    return np.asarray(np.all(col_free | ~ok, axis=1) & ok.any(axis=1), dtype=bool)


def repair_free(
    problem: TerritoryProblem, x: np.ndarray, assignment: np.ndarray, free: np.ndarray
) -> np.ndarray | None:
    """Make a plan connected by reassigning only free units; ``None`` when this fails.

    The units that carry something (``~free``) keep their territory. Each territory keeps
    the free units of its root's component, then claims corridors of unclaimed free units
    (breadth-first, only columns allowed in ``x``) to reach its cut-off pieces; leftover
    free units join an adjacent territory. Objective and balance are unchanged, so when
    this succeeds on an optimal relaxed solution, the plan is optimal for the full problem.
    Two orders are tried: keeping the free units the solution already put in its root
    components, then re-routing every free unit.
    """
    for keep_solution_corridors in (True, False):
        out = _repair_free_once(problem, x, assignment, free, keep_solution_corridors)
        if out is not None:
            return out
    return None


def _repair_free_once(
    problem: TerritoryProblem,
    x: np.ndarray,
    assignment: np.ndarray,
    free: np.ndarray,
    keep_solution_corridors: bool,
) -> np.ndarray | None:
    nb = problem.neighbors()
    adj = adjacency_matrix(nb)
    n = len(assignment)
    owner = np.where(free, -1, assignment).astype(np.int64)
    roots = problem.roots.tolist()
    if keep_solution_corridors:
        for c, root in enumerate(roots):
            members = np.flatnonzero(assignment == c)
            for comp in _components(adj, members):
                if root in comp:
                    idx = np.fromiter(comp, dtype=np.int64)
                    owner[idx] = c
    # territories in order of how many pieces they must join (hardest first)
    todo: list[tuple[int, int]] = []
    for c, root in enumerate(roots):
        if root < 0:
            continue
        inside = np.flatnonzero(owner == c)
        pieces = _components(adj, inside)
        todo.append((-len(pieces), c))
    for _, c in sorted(todo):
        if not _join_pieces(nb, adj, x, owner, c, roots[c]):
            return None
    # leftover free units join an adjacent territory (multi-source BFS)
    frontier = [v for v in range(n) if owner[v] >= 0]
    while frontier:
        nxt = []
        for v in frontier:
            c = int(owner[v])
            for w in nb[v].tolist():
                if owner[w] < 0 and x[w, c] >= 0:
                    owner[w] = c
                    nxt.append(w)
        frontier = nxt
    if (owner < 0).any():
        return None
    return owner


def _join_pieces(
    nb: tuple[np.ndarray, ...],
    adj: sparse.csr_array,
    x: np.ndarray,
    owner: np.ndarray,
    c: int,
    root: int,
) -> bool:
    """Connect every piece of territory ``c`` to its root through unclaimed free units."""
    if owner[root] != c:
        return False
    tree = _bfs_set(adj, root, owner == c)
    missing = set(np.flatnonzero(owner == c).tolist()) - tree
    while missing:
        # BFS from the tree through unclaimed units allowed in c until a missing unit
        parent: dict[int, int] = dict.fromkeys(tree, -1)
        frontier = list(tree)
        hit = -1
        while frontier and hit < 0:
            nxt = []
            for v in frontier:
                for w in nb[v].tolist():
                    if w in parent:
                        continue
                    if w in missing:
                        parent[w] = v
                        hit = w
                        break
                    if owner[w] < 0 and x[w, c] >= 0:
                        parent[w] = v
                        nxt.append(w)
                if hit >= 0:
                    break
            frontier = nxt
        if hit < 0:
            return False
        v = parent[hit]
        while v >= 0 and v not in tree:
            owner[v] = c
            v = parent[v]
        grown = _bfs_set(adj, hit, owner == c)
        tree |= grown
        missing -= grown
    return True


def _bfs_set(adj: sparse.csr_array, start: int, ok: np.ndarray) -> set[int]:
    """Units reachable from ``start`` through units of ``ok`` (``start`` always included)."""
    mask = np.asarray(ok, dtype=bool).copy()
    mask[start] = True
    return set(np.flatnonzero(np.isfinite(hop_distances(adj, [start], mask=mask)[0])).tolist())


def free_cut_rows(
    problem: TerritoryProblem, x: np.ndarray, assignment: np.ndarray, free: np.ndarray
) -> list[Row]:
    """Cuts that free units cannot satisfy: pieces cut off by other territories' units.

    For territory ``c``, let :math:`C` be the set of units reachable from a non-free unit
    of ``c`` through units of ``c`` and free units allowed in ``c``. If :math:`C` misses
    the root, every path from it to the root crosses :math:`\\partial C`, which holds only
    units that carry something and sit in other territories, so
    :math:`x_{ic} \\le \\sum_{j \\in \\partial C} x_{jc}` for the non-free units
    :math:`i \\in C` of ``c`` is valid and violated. Unlike :func:`cut_rows`, these cuts
    cannot be met by shuffling free units (which cost nothing), so each round forces the
    units that matter to move.
    """
    nb = problem.neighbors()
    adj = adjacency_matrix(nb)
    rows: list[Row] = []
    for c, root in enumerate(problem.roots.tolist()):
        mine = (assignment == c) & ~free
        passable = mine | (free & (x[:, c] >= 0))
        reach = _bfs_set(adj, root, passable) if root >= 0 else set()
        left = set(np.flatnonzero(mine).tolist()) - reach
        while left:
            s = left.pop()
            comp = _bfs_set(adj, s, passable)
            left -= comp
            boundary = sorted(
                {w for v in comp for w in nb[v].tolist() if w not in comp and x[w, c] >= 0}
            )
            for i in sorted(v for v in comp if mine[v]):
                idx = np.array([x[i, c], *(x[j, c] for j in boundary)], dtype=np.int64)
                val = np.array([1.0] + [-1.0] * len(boundary))
                rows.append((idx, val, -np.inf, 0.0))
    return rows


def neighbor_rows(problem: TerritoryProblem, x: np.ndarray, skip: np.ndarray) -> list[Row]:
    r"""Rows :math:`x_{ic} \le \sum_{j \in N(i)} x_{jc}` for every unit ``i`` that is not a root.

    Valid for fixed centres: a connected territory holding its root and another unit
    ``i`` holds a neighbour of ``i``. They are the cut-set inequalities of the singletons
    :math:`S = \{i\}`, added up front in ``"cuts"`` mode because the relaxation otherwise
    scatters single units. Units in ``skip`` (e.g. :func:`free_units`) get no row.
    """
    nb = problem.neighbors()
    roots = problem.roots
    rows: list[Row] = []
    for c in range(x.shape[1]):
        if roots[c] < 0:
            continue
        for i in np.flatnonzero((x[:, c] >= 0) & ~skip).tolist():
            if i == roots[c]:
                continue
            js = [int(x[j, c]) for j in nb[i].tolist() if x[j, c] >= 0]
            idx = np.array([x[i, c], *js], dtype=np.int64)
            rows.append((idx, np.array([1.0] + [-1.0] * len(js)), -np.inf, 0.0))
    return rows
