"""The open-source tools of :mod:`anchors`: GerryChain and spopt, run as a user would.

Every function here takes plain arrays (unit order of the benchmark), returns a label per
unit plus what it measured itself, and seeds every random draw. They are called in a
forked child process by ``anchors.py`` so that a tool that hangs is stopped at a time
limit instead of stalling the whole run.

Imports of ``gerrychain``/``spopt`` are local: the ``bench`` extra is optional.
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import networkx as nx
import numpy as np

__all__ = [
    "ToolResult",
    "gerrychain_hill_climb",
    "gerrychain_rtp",
    "spopt_maxp",
    "spopt_pmedian",
    "spopt_region",
]


@dataclass
class ToolResult:
    """Labels (one per unit, in benchmark order) and what the tool reported.

    ``seconds`` is measured inside the tool's process, around the tool's own calls only
    (input preparation such as building weights objects is included; imports are not).
    """

    labels: np.ndarray
    seconds: float
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- GerryChain


def _gc_graph(graph: nx.Graph, ids: Sequence[Hashable], workload: np.ndarray) -> Any:
    """GerryChain graph on node positions 0..n-1 with a ``workload`` attribute."""
    from gerrychain import Graph

    pos = {u: i for i, u in enumerate(ids)}
    g = nx.Graph()
    g.add_nodes_from((i, {"workload": float(workload[i])}) for i in range(len(ids)))
    g.add_edges_from((pos[a], pos[b]) for a, b in graph.edges())
    return Graph.from_networkx(g)


def gerrychain_rtp(
    graph: nx.Graph,
    ids: Sequence[Hashable],
    workload: np.ndarray,
    k: int,
    epsilon: float,
    seed: int,
) -> ToolResult:
    """``recursive_tree_part`` balancing workload within ``epsilon`` of ``total / k``.

    Raises whatever GerryChain raises (e.g. "Could not find a possible cut").
    """
    from gerrychain.partition import recursive_tree_part

    gg = _gc_graph(graph, ids, workload)
    target = float(workload.sum()) / k
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asg = recursive_tree_part(
            gg, range(k), target, "workload", epsilon, rng=random.Random(seed)
        )
    sec = time.perf_counter() - t0
    labels = np.array([int(asg[i]) for i in range(len(ids))], dtype=np.int64)
    note = (
        f"found a plan within ε={epsilon:g} on workload (the largest commune holds "
        f"{100 * workload.max() / target:.0f} % of total/k here); potential not balanced"
    )
    return ToolResult(labels, sec, note)


_Stats = tuple[float, float, float, float, float]


def _part_stats(nodes: Any, w: np.ndarray, pot: np.ndarray, xy: np.ndarray) -> _Stats:
    """(workload W, potential P, Σ w x, Σ w y, Σ w |p|²) of one part."""
    idx = np.fromiter(nodes, dtype=np.int64)
    ww = w[idx]
    p = xy[idx]
    return (
        float(ww.sum()),
        float(pot[idx].sum()),
        float(ww @ p[:, 0]),
        float(ww @ p[:, 1]),
        float(ww @ (p * p).sum(axis=1)),
    )


def _inertia(s: _Stats) -> float:
    """Σ w·d² to the part's workload-weighted centroid."""
    W, _P, sx, sy, sq = s
    return sq - (sx * sx + sy * sy) / W if W > 0 else 0.0


def gerrychain_hill_climb(
    graph: nx.Graph,
    ids: Sequence[Hashable],
    workload: np.ndarray,
    potential: np.ndarray,
    xy: np.ndarray,
    k: int,
    *,
    epsilon: float = 0.12,
    tolerance: float = 0.05,
    steps: int = 5000,
    seconds: float = 120.0,
    seed: int = 0,
) -> ToolResult:
    """``recursive_tree_part`` at ``epsilon`` then a seeded ReCom hill-climb.

    ReCom (district pairs, minimum spanning tree on random weights, workload within
    ``epsilon`` of ``total / k``) proposes; a proposal is accepted when its key is not
    worse, lexicographically: first the largest deviation of workload *or potential*
    from ``total / k`` (deviations up to ``tolerance`` count as equal: GerryChain can
    cut on one measure only, the acceptance watches both), then the compactness
    Σ workload·km² to each territory's workload-weighted centroid. Stops after
    ``steps`` proposals or ``seconds``, whichever comes first.
    """
    from gerrychain import Partition
    from gerrychain.partition import recursive_tree_part
    from gerrychain.proposals import recom
    from gerrychain.tree import bipartition_tree

    gg = _gc_graph(graph, ids, workload)
    target_w = float(workload.sum()) / k
    target_p = float(potential.sum()) / k
    rng = random.Random(seed)
    split = partial(bipartition_tree, max_attempts=1000)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asg = recursive_tree_part(gg, range(k), target_w, "workload", epsilon, rng=rng)
        t_rtp = time.perf_counter() - t0
        part = Partition(gg, asg)
        stats = {p: _part_stats(part.parts[p], workload, potential, xy) for p in part.parts}

        def key(st: dict[Any, _Stats]) -> tuple[float, float]:
            dev = max(
                max(abs(s[0] / target_w - 1.0), abs(s[1] / target_p - 1.0)) for s in st.values()
            )
            return (round(max(dev, tolerance), 9), sum(_inertia(s) for s in st.values()))

        cur = key(stats)
        start_key = cur
        accepted = done = failed = 0
        deadline = t0 + seconds
        while done < steps and time.perf_counter() < deadline:
            done += 1
            try:
                prop = recom(
                    part, "workload", target_w, epsilon, bipartition_tree_fn=split, rng=rng
                )
            except Exception:  # no balanced cut for this pair: a rejected proposal
                failed += 1
                continue
            changed = set(prop.flips.values()) if prop.flips else set()
            new = dict(stats)
            for p in changed:
                new[p] = _part_stats(prop.parts[p], workload, potential, xy)
            k_new = key(new)
            if k_new <= cur:
                part, stats, cur = prop, new, k_new
                accepted += 1
    sec = time.perf_counter() - t0
    labels = np.empty(len(ids), dtype=np.int64)
    for p, nodes in part.parts.items():
        labels[np.fromiter(nodes, dtype=np.int64)] = int(p)
    note = (
        f"RTP ε={epsilon:g} in {t_rtp:.1f} s, then {done} ReCom steps at ε={epsilon:g} "
        f"({accepted} accepted, {failed} without a balanced cut) in {sec - t_rtp:.0f} s; "
        f"max deviation (w or p) {100 * start_key[0]:.1f} % → {100 * cur[0]:.1f} % "
        f"(floored at {100 * tolerance:g} %), compactness {start_key[1] / 1e6:.2f} M → "
        f"{cur[1] / 1e6:.2f} M"
    )
    return ToolResult(labels, sec, note, {"steps": done, "accepted": accepted})


# --------------------------------------------------------------------------- spopt


def _weights(graph: nx.Graph, ids: Sequence[Hashable]) -> Any:
    """libpysal ``W`` from the benchmark's adjacency graph (same islands bridging)."""
    import libpysal

    pos = {u: i for i, u in enumerate(ids)}
    nb = {pos[u]: sorted(pos[v] for v in graph.neighbors(u)) for u in ids}
    return libpysal.weights.W(nb, silence_warnings=True)


def _frame(units_geometry: Any, xy: np.ndarray, workload: np.ndarray) -> Any:
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {"x": xy[:, 0], "y": xy[:, 1], "workload": workload},
        geometry=np.asarray(units_geometry),
    )


def spopt_region(
    method: str,
    graph: nx.Graph,
    ids: Sequence[Hashable],
    units_geometry: Any,
    xy: np.ndarray,
    workload: np.ndarray,
    k: int,
    seed: int,
) -> ToolResult:
    """One of spopt's k-region methods on the centroid coordinates (km).

    ``method`` is ``"Skater"``, ``"RegionKMeansHeuristic"``, ``"WardSpatial"`` or
    ``"Spenc"``. None of them can balance a measure: they cluster on coordinates, which
    is what a user wanting compact regions feeds them.
    """
    from spopt.region import RegionKMeansHeuristic, Skater, Spenc, WardSpatial

    np.random.seed(seed)
    random.seed(seed)
    t0 = time.perf_counter()
    w = _weights(graph, ids)
    gdf = _frame(units_geometry, xy, workload)
    attrs = ["x", "y"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "Skater":
            model: Any = Skater(gdf, w, attrs, n_clusters=k, islands="ignore")
        elif method == "RegionKMeansHeuristic":
            model = RegionKMeansHeuristic(xy, k, w, seed=seed)
        elif method == "WardSpatial":
            model = WardSpatial(gdf, w, attrs, n_clusters=k)
        elif method == "Spenc":
            model = Spenc(gdf, w, attrs, n_clusters=k, random_state=seed)
        else:
            raise ValueError(f"unknown spopt method {method!r}")
        model.solve()
    sec = time.perf_counter() - t0
    return ToolResult(np.asarray(model.labels_, dtype=np.int64), sec, "attributes: x, y (km)")


def spopt_maxp(
    graph: nx.Graph,
    ids: Sequence[Hashable],
    units_geometry: Any,
    xy: np.ndarray,
    workload: np.ndarray,
    floor: float,
    seed: int,
    *,
    iterations_construction: int = 10,
    iterations_sa: int = 2,
) -> ToolResult:
    """``MaxPHeuristic``: as many regions as possible, each with workload >= ``floor``."""
    from spopt.region import MaxPHeuristic

    np.random.seed(seed)
    random.seed(seed)
    t0 = time.perf_counter()
    w = _weights(graph, ids)
    gdf = _frame(units_geometry, xy, workload)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MaxPHeuristic(
            gdf,
            w,
            ["x", "y"],
            "workload",
            floor,
            top_n=2,
            max_iterations_construction=iterations_construction,
            max_iterations_sa=iterations_sa,
        )
        model.solve()
    sec = time.perf_counter() - t0
    note = (
        f"floor {floor:.0f} h, p = {model.p}; "
        f"iterations: {iterations_construction} construction, {iterations_sa} SA"
    )
    return ToolResult(np.asarray(model.labels_, dtype=np.int64), sec, note, {"p": model.p})


def spopt_pmedian(
    xy: np.ndarray,
    workload: np.ndarray,
    candidates: np.ndarray,
    k: int,
    capacity: float,
    time_limit: float,
) -> ToolResult:
    """Capacitated ``PMedian`` (squared km cost, so its objective is Σ workload·km²).

    Facilities are chosen among ``candidates`` (unit indices). Solved by HiGHS through
    PuLP, one thread, ``time_limit`` seconds. Communes with zero workload weigh nothing
    in the model, so their assignment is arbitrary: they are given to the nearest open
    facility afterwards (this changes neither balance nor compactness).
    """
    import pulp
    from spopt.locate import PMedian

    t0 = time.perf_counter()
    d2 = ((xy[:, None, :] - xy[candidates][None, :, :]) ** 2).sum(axis=2)
    caps = np.full(len(candidates), capacity)
    model = PMedian.from_cost_matrix(d2, workload, k, facility_capacities=caps)
    t_build = time.perf_counter() - t0
    model.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, threads=1))
    sec = time.perf_counter() - t0
    status = pulp.LpStatus[model.problem.status]
    z = np.array([[v.value() or 0.0 for v in row] for row in model.cli_assgn_vars])
    open_fac = np.flatnonzero(np.array([v.value() or 0.0 for v in model.fac_vars]) > 0.5)
    unassigned = int((z.sum(axis=1) < 0.5).sum())
    if unassigned:
        raise RuntimeError(
            f"HiGHS status {status} after {sec:.0f} s but {unassigned} communes unassigned "
            f"(no complete plan within the {time_limit:g} s limit)"
        )
    labels = z.argmax(axis=1)
    zero = workload <= 0
    if len(open_fac):
        labels[zero] = open_fac[d2[zero][:, open_fac].argmin(axis=1)]
    note = (
        f"{len(candidates)} candidate sites (most populous communes), capacity {capacity:.0f} h; "
        f"model built in {t_build:.1f} s; HiGHS status {status}, "
        f"objective {model.problem.objective.value() / 1e6:.2f} M"
    )
    return ToolResult(labels.astype(np.int64), sec, note, {"status": status})
