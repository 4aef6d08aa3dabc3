"""Graph views of a problem: adjacency lists by unit index and hop distances from the roots."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import networkx as nx
import numpy as np

__all__ = ["hops_from", "neighbor_lists"]


def neighbor_lists(
    graph: nx.Graph | None, unit_ids: Sequence[Hashable], pos: Mapping[Hashable, int]
) -> tuple[np.ndarray, ...]:
    """Sorted neighbour indices of each unit (self-loops dropped; empty without a graph)."""
    if graph is None:
        return tuple(np.zeros(0, dtype=np.int64) for _ in unit_ids)
    return tuple(
        np.array(sorted(pos[v] for v in graph.neighbors(u) if v != u), dtype=np.int64)
        for u in unit_ids
    )


def hops_from(nb: Sequence[np.ndarray], roots: np.ndarray, n: int) -> np.ndarray:
    """``(n, K)`` read-only hop distance from each root (``inf``: unreachable or no root)."""
    out = np.full((n, len(roots)), np.inf)
    for c, root in enumerate(roots.tolist()):
        if root >= 0:
            out[:, c] = _bfs(nb, root, n)
    out.setflags(write=False)
    return out


def _bfs(nb: Sequence[np.ndarray], root: int, n: int) -> np.ndarray:
    d = np.full(n, np.inf)
    d[root] = 0.0
    frontier = [root]
    level = 0.0
    while frontier:
        level += 1.0
        nxt = []
        for v in frontier:
            for w in nb[v].tolist():
                if d[w] == np.inf:
                    d[w] = level
                    nxt.append(w)
        frontier = nxt
    return d
