"""Region growing from the centres, and the repair of a caller's plan (private).

Builds the first plans of :func:`territory_opt.heuristics.build.build_plan` and of
:func:`territory_opt.heuristics.centres.choose_centres` on the normalised data of
:mod:`territory_opt.heuristics._search`.
"""

from __future__ import annotations

import heapq

import numpy as np

from ._search import _Data


def grow(d: _Data, assign: np.ndarray, rng: np.random.Generator, noise: float = 0.0) -> np.ndarray:
    """Region growing from the centres: the most under-target territory takes its
    cheapest adjacent free unit (``assign == -1``); respects ``allowed``."""
    a = assign.copy()
    a[d.centres] = np.arange(d.k)
    key = d.grow_key
    if noise > 0:
        key = key * (1.0 + noise * rng.random(key.shape))
    target = (d.lower + d.upper) / 2.0
    tmask = target > 0
    tsafe = np.where(tmask, target, 1.0)
    S = np.zeros((d.k, d.m))
    np.add.at(S, a[a >= 0], d.measures[a >= 0])
    heaps: list[list[tuple[float, int]]] = [[] for _ in range(d.k)]
    al = a.tolist()
    for i in range(d.n):
        r = al[i]
        if r < 0:
            continue
        for j in d.adj[i]:
            if al[j] < 0 and d.allowed[j, r]:
                heaps[r].append((float(key[j, r]), j))
    for h in heaps:
        heapq.heapify(h)
    fill = np.where(tmask, S / tsafe, 0.0).sum(axis=1) / np.maximum(tmask.sum(axis=1), 1)
    active = np.ones(d.k, dtype=bool)
    adj = d.adj
    while active.any():
        r = int(np.argmin(np.where(active, fill, np.inf)))
        h = heaps[r]
        unit = -1
        while h:
            _, j = heapq.heappop(h)
            if al[j] < 0:
                unit = j
                break
        if unit < 0:
            active[r] = False
            continue
        al[unit] = r
        S[r] += d.measures[unit]
        fill[r] = float(np.where(tmask[r], S[r] / tsafe[r], 0.0).sum() / max(tmask[r].sum(), 1))
        kr = key[:, r]
        for j in adj[unit]:
            if al[j] < 0 and d.allowed[j, r]:
                heapq.heappush(h, (float(kr[j]), j))
    a = np.asarray(al, dtype=np.int64)
    # units only reachable through disallowed ones: give them to an adjacent territory
    while (a < 0).any():
        changed = False
        for u in np.flatnonzero(a < 0).tolist():
            labs = [int(a[j]) for j in adj[u] if a[j] >= 0]
            if labs:
                ok = [r for r in labs if d.allowed[u, r]]
                a[u] = ok[0] if ok else labs[0]
                changed = True
        if not changed:  # disconnected graph: nothing adjacent at all
            a[a < 0] = 0
    return a


def repair(d: _Data, start: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Make a caller's plan usable: centres in place, disallowed units and pieces cut
    off from their centre released, then regrown."""
    a = np.asarray(start, dtype=np.int64).copy()
    a[(a < 0) | (a >= d.k)] = -1
    ok = a >= 0
    a[ok & ~d.allowed[np.arange(d.n), np.where(ok, a, 0)]] = -1
    a[d.centres] = np.arange(d.k)
    keep = np.zeros(d.n, dtype=bool)
    for r, c in enumerate(d.centres.tolist()):
        stack = [c]
        keep[c] = True
        while stack:
            v = stack.pop()
            for w in d.adj[v]:
                if not keep[w] and a[w] == r:
                    keep[w] = True
                    stack.append(w)
    a[~keep] = -1
    return grow(d, a, rng)
