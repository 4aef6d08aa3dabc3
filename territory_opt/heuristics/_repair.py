"""Balance-keeping repair of a non-contiguous plan (private).

The LP relaxation of the balanced assignment is balanced but not contiguous: a few
pieces of each territory are cut off from its centre. :func:`territory_opt.heuristics._search.repair`
releases them and regrows them from scratch, which throws their load away: on Normandy
the fewest-changes LP (8 % of accounts changed, balanced) came out of that repair with
every territory's balance broken (total violation 7.4). :func:`attach_pieces` instead
gives each cut-off piece, whole, to the adjacent territory where it breaks balance least
(then costs least), so most of the LP's balance survives.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ..graph.core import adjacency_matrix, component_labels
from ._search import _Data

__all__ = ["attach_pieces"]


def _anchored(d: _Data, a: np.ndarray) -> np.ndarray:
    """Units connected to their territory's centre inside their territory."""
    adj = adjacency_matrix(d.adj).tocoo()
    same = a[adj.row] == a[adj.col]
    inner = sparse.csr_array(
        (adj.data[same], (adj.row[same], adj.col[same])), shape=(d.n, d.n)
    )
    comp = component_labels(inner)
    ok = np.zeros(d.n, dtype=bool)
    for r, c in enumerate(d.centres.tolist()):
        if a[c] == r:
            ok |= comp == comp[c]
    return ok


def attach_pieces(d: _Data, labels: np.ndarray) -> np.ndarray:
    """A contiguous plan from ``labels``: centres put back, and every piece cut off from
    its centre (a connected set of same-label units) given whole to an adjacent
    territory, least added violation first, then least cost; pieces reach a territory
    through pieces attached before them. Disallowed units are treated as cut off."""
    a = np.asarray(labels, dtype=np.int64).copy()
    a[(a < 0) | (a >= d.k)] = 0
    a[d.centres] = np.arange(d.k)
    bad = ~d.allowed[np.arange(d.n), a]
    a[bad] = -1 - np.arange(int(bad.sum()))  # each disallowed unit its own piece label
    ok = _anchored(d, np.where(a >= 0, a, d.k + np.arange(d.n)))
    S = np.zeros((d.k, d.m))
    np.add.at(S, a[ok], d.measures[ok])
    loose = np.flatnonzero(~ok)
    if len(loose) == 0:
        return a
    # pieces: connected components of loose units with the same label
    pos = {int(u): j for j, u in enumerate(loose.tolist())}
    rows, cols = [], []
    for u in loose.tolist():
        for w in d.adj[u]:
            if w in pos and a[w] == a[u]:
                rows.append(pos[u])
                cols.append(pos[w])
    g = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(loose), len(loose)))
    piece = component_labels(g)
    members = [loose[piece == p] for p in range(int(piece.max()) + 1)]
    load = np.stack([d.measures[idx].sum(axis=0) for idx in members])
    out = a.copy()
    out[~ok] = -1
    todo = set(range(len(members)))
    while todo:
        best: tuple[float, float, int, int] | None = None
        for p in sorted(todo):
            idx = members[p]
            near = {int(out[w]) for u in idx.tolist() for w in d.adj[u] if out[w] >= 0}
            for t in sorted(near):
                if not d.allowed[idx, t].all() and any(
                    d.allowed[idx, q].all() for q in near
                ):
                    continue
                tt = np.asarray([t])
                dv = float(d.viol_rows(S[t] + load[p], tt)[0] - d.viol_rows(S[t], tt)[0])
                dc = float(d.cost[idx, t].sum())
                key = (round(dv, 12), dc, p, t)
                if best is None or key < best:
                    best = key
        if best is None:  # nothing adjacent (disconnected graph): first territory
            for p in todo:
                out[members[p]] = 0
            break
        _, _, p, t = best
        out[members[p]] = t
        S[t] += load[p]
        todo.discard(p)
    return out
