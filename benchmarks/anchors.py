"""territory_opt next to the open-source tools a user would try, in one run, same instance.

Instance: the Normandy demo (:func:`territory_opt.data.datasets.load_normandie`), adjacency
from :func:`territory_opt.graph.adjacency.adjacency_graph` (rook, islands bridged), 17
territories, workload and potential within ±5 % of their targets, contiguity.

Methods (one row each):

1. nearest home (Voronoi on commune centroids);
2. territory_opt heuristic alone (``build_plan``, 10 s);
3. territory_opt heuristic + MILP (``optimize(..., "highs", time_limit=60, nearest=8)``);
4. territory_opt free centres, k = 17 (``plan_free_centres``: centres chosen, plan built,
   centres moved to their territories' medoids; on whole units, then with Le Havre shared,
   + the fixed-centre MILP at the chosen centres);
5. GerryChain ``recursive_tree_part`` at ε = 0.05, and at ε = 0.12 followed by a seeded
   ReCom hill-climb;
6. spopt Skater, RegionKMeansHeuristic, WardSpatial, Spenc, MaxPHeuristic (floor),
   capacitated PMedian (not contiguous by design);

and the territory_opt rows again for 12 and 25 reps (homes: the most populous communes
at least some distance apart, FTE 1).

Every plan is measured here by the same code (:func:`measure`), whatever produced it:

* contiguity: connected components of each territory in the same adjacency graph;
* workload and potential of each territory as % of its target (FTE-weighted for fixed
  homes, ``total / k`` for tools without reps), CV of workload/target;
* compactness Σ workload_i · d_i² (h·km²), d from Lambert-93 (EPSG:2154) polygon
  centroids: *to home* = to the centroid of the territory's rep home commune (fixed
  homes only); *to centroid* = to the territory's workload-weighted centroid (defined for
  every plan, the smallest value any centre point could give);
* for fixed homes, an LP lower bound of the "to home" compactness computed here (balanced
  assignment relaxation: no contiguity, no pruning, fractional units allowed), so
  heuristic and MILP rows can be compared with a bound on the *same* scale; the MILP
  rows also show the solver's own bound and gap (its cost is geodesic km, its model may
  be pruned to the 8 nearest homes: then that bound holds for the pruned model only).

Usage::

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/anchors.py            # ~15 min on 2 cores
    .venv/bin/python benchmarks/anchors.py --quick    # skips the slow spopt methods

Writes the section ``## Anchors (benchmarks/anchors.py)`` of ``benchmarks/RESULTS.md``
(only that section) and prints it.
"""

# ruff: noqa: E402  (thread caps must be set before numpy/BLAS are imported)
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import contextlib
import importlib.metadata
import logging
import multiprocessing as mp
import platform
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import highspy
import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _anchors_tools as tools
from _results import write_section

from territory_opt.data.datasets import load_normandie
from territory_opt.graph.adjacency import adjacency_graph
from territory_opt.heuristics import heuristic_instance
from territory_opt.heuristics.build import build_plan
from territory_opt.heuristics.free_centres import plan_free_centres
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize, precheck
from territory_opt.studies.sharing import (
    SHARES,
    SplitUnits,
    choose_split,
    optimize_shared,
    share_limits,
    shared_problem,
    split_dense_units,
)

HEADING = "## Anchors (benchmarks/anchors.py)"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TOL = 0.05
MEASURES = ["workload", "potential", "accounts"]

# --------------------------------------------------------------------------- instance


@dataclass
class Bench:
    """The shared instance: units in a fixed order, graph, Lambert-93 centroids (km)."""

    units: gpd.GeoDataFrame
    reps: pd.DataFrame
    graph: nx.Graph
    ids: list[Hashable]
    pos: dict[Hashable, int]
    xy: np.ndarray
    workload: np.ndarray
    potential: np.ndarray
    edges: np.ndarray

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.ids)


def load_bench() -> Bench:
    """Load the Normandy demo and derive everything the metrics need."""
    ds = load_normandie()
    units = ds.units
    graph = adjacency_graph(units)
    ids = list(units.index)
    pos = {u: i for i, u in enumerate(ids)}
    cen = units.to_crs("EPSG:2154").geometry.centroid
    xy = np.column_stack([cen.x.to_numpy(), cen.y.to_numpy()]) / 1000.0
    edges = np.array([(pos[a], pos[b]) for a, b in graph.edges()], dtype=np.int64)
    return Bench(
        units=units,
        reps=ds.reps,
        graph=graph,
        ids=ids,
        pos=pos,
        xy=xy,
        workload=units["workload"].to_numpy(dtype=float),
        potential=units["potential"].to_numpy(dtype=float),
        edges=edges,
    )


def spread_homes(bench: Bench, k: int, pool: int = 120) -> pd.DataFrame:
    """``k`` reps (FTE 1) living in populous communes spread out over the region.

    Communes are taken by decreasing population and kept when at least ``D`` km from every
    home kept so far; ``D`` is the largest spacing (1 km steps) that still yields ``k``
    homes among the ``pool`` most populous communes. Deterministic.
    """
    order = np.argsort(-bench.units["population"].to_numpy(dtype=float), kind="stable")[:pool]
    best: list[int] = []
    for spacing in range(120, 0, -1):
        chosen: list[int] = []
        for i in order.tolist():
            if all(np.hypot(*(bench.xy[i] - bench.xy[j])) >= spacing for j in chosen):
                chosen.append(i)
                if len(chosen) == k:
                    break
        if len(chosen) == k:
            best = chosen
            break
    if not best:
        raise RuntimeError(f"could not place {k} homes")
    return pd.DataFrame(
        {
            "name": [str(bench.units["name"].iloc[i]) for i in best],
            "home": [bench.ids[i] for i in best],
            "fte": 1.0,
        },
        index=pd.Index([f"S{j + 1:02d}" for j in range(k)], name="rep"),
    )


# --------------------------------------------------------------------------- metrics


@dataclass
class Row:
    """One line of the table."""

    instance: str
    method: str
    contiguous: str = "-"
    workload: str = "-"
    cv: str = "-"
    potential: str = "-"
    outside: str = "-"
    to_home: str = "-"
    to_centroid: str = "-"
    vs_bound: str = "-"
    homes: str = "-"
    seconds: str = "-"
    solver: str = "-"
    note: str = ""
    # raw numbers, for the closing comparison
    raw: dict[str, float] = field(default_factory=dict)


def _split_count(bench: Bench, labels: np.ndarray) -> tuple[int, int]:
    """(territories with more than one component, total extra components)."""
    a, b = bench.edges[:, 0], bench.edges[:, 1]
    same = labels[a] == labels[b]
    m = coo_matrix((np.ones(int(same.sum())), (a[same], b[same])), shape=(bench.n, bench.n)).tocsr()
    ncomp, comp = connected_components(m, directed=False)
    per_terr = pd.Series(comp).groupby(labels).nunique()
    return int((per_terr > 1).sum()), int(ncomp - len(per_terr))


def _split_shares(bench: Bench, shares: np.ndarray) -> int:
    """Territories not connected over the units they hold a share of."""
    bad = 0
    for t in range(shares.shape[1]):
        nodes = [bench.ids[i] for i in np.flatnonzero(shares[:, t] > 0)]
        if nodes and not nx.is_connected(bench.graph.subgraph(nodes)):
            bad += 1
    return bad


def inertia(bench: Bench, labels: np.ndarray, shares: np.ndarray | None = None) -> float:
    """Σ workload·km² to each territory's workload-weighted centroid (shares split units)."""
    if shares is None:
        shares = np.zeros((bench.n, int(labels.max()) + 1))
        shares[np.arange(bench.n), labels] = 1.0
    total = 0.0
    for t in range(shares.shape[1]):
        w = bench.workload * shares[:, t]
        W = w.sum()
        if W <= 0:
            continue
        c = (w[:, None] * bench.xy).sum(axis=0) / W
        total += float(w @ ((bench.xy - c) ** 2).sum(axis=1))
    return total


def measure(
    bench: Bench,
    instance: str,
    method: str,
    labels: np.ndarray,
    seconds: float,
    *,
    homes: Sequence[Hashable],
    fixed: bool,
    fte: Sequence[float] | None = None,
    lp_bound: float | None = None,
    solver: str = "-",
    note: str = "",
    shares: np.ndarray | None = None,
) -> Row:
    """Measure a plan (one label per unit, benchmark order) the same way for every tool.

    With ``fixed`` the labels are ``0..k-1`` = the reps in ``homes`` order and targets are
    FTE-weighted; otherwise labels are arbitrary, targets are ``total / k`` and ``homes``
    are only counted (territories holding at least one of them). ``shares`` (``(n, k)``
    fractions, rows summing to 1) describes a plan with shared units: measures and
    compactness are split by fraction, and a territory must be connected over every unit
    it holds a share of.
    """
    labels = np.asarray(labels, dtype=np.int64)
    terr = np.unique(labels)
    k = len(terr)
    lab = np.searchsorted(terr, labels)  # 0..k-1
    if shares is None:
        shares = np.zeros((bench.n, k))
        shares[np.arange(bench.n), lab] = 1.0
    Sw = bench.workload @ shares
    Sp = bench.potential @ shares
    home_idx = np.array([bench.pos[h] for h in homes], dtype=np.int64)
    if fixed:
        share = np.asarray(fte, dtype=float)
        share = share / share.sum()
        if k != len(home_idx) or not np.array_equal(terr, np.arange(k)):
            raise ValueError("fixed plans must use labels 0..k-1 = reps")
        Tw, Tp = share * bench.workload.sum(), share * bench.potential.sum()
    else:
        Tw = np.full(k, bench.workload.sum() / k)
        Tp = np.full(k, bench.potential.sum() / k)
    rw, rp = Sw / Tw, Sp / Tp
    n_split = (
        _split_count(bench, lab)[0] if (shares % 1 == 0).all() else _split_shares(bench, shares)
    )
    out_w = int(((rw < 1 - TOL - 1e-9) | (rw > 1 + TOL + 1e-9)).sum())
    out_p = int(((rp < 1 - TOL - 1e-9) | (rp > 1 + TOL + 1e-9)).sum())
    comp_c = inertia(bench, lab, shares)
    row = Row(instance=instance, method=method, solver=solver, note=note)
    row.contiguous = "yes" if n_split == 0 else f"no ({n_split} split)"
    row.workload = f"{100 * rw.max():.1f} ({100 * rw.min():.1f})"
    row.cv = f"{rw.std() / rw.mean():.3f}"
    row.potential = f"{100 * rp.max():.1f} ({100 * rp.min():.1f})"
    row.outside = f"{out_w}/{out_p}"
    row.to_centroid = f"{comp_c / 1e6:.2f}"
    row.seconds = f"{seconds:.1f}"
    row.raw = {
        "k": k,
        "split": n_split,
        "w_max": float(rw.max()),
        "w_min": float(rw.min()),
        "p_max": float(rp.max()),
        "p_min": float(rp.min()),
        "centroid": comp_c,
        "seconds": seconds,
    }
    if fixed:
        d2 = ((bench.xy[:, None, :] - bench.xy[home_idx][None, :, :]) ** 2).sum(axis=2)
        comp_h = float(bench.workload @ (shares * d2).sum(axis=1))
        row.to_home = f"{comp_h / 1e6:.2f}"
        row.raw["home"] = comp_h
        inside = int((lab[home_idx] == np.arange(k)).sum())
        row.homes = f"{inside}/{k}"
        if lp_bound is not None and lp_bound > 0:
            balanced = out_w == 0 and out_p == 0
            row.vs_bound = f"{100 * (comp_h / lp_bound - 1):+.1f} %" + ("" if balanced else " ¹")
    else:
        holding = len(set(lab[home_idx].tolist()))
        row.homes = f"{holding}/{k}"
    if not fixed and k != len(home_idx):
        row.homes += f" (k={k})"
    return row


def failed_row(instance: str, method: str, seconds: float | None, why: str) -> Row:
    """A row for a method that returned no plan."""
    return Row(
        instance=instance,
        method=method,
        contiguous="**failed**",
        seconds="-" if seconds is None else f"{seconds:.1f}",
        note=why,
    )


# --------------------------------------------------------------------------- bound


def lp_bound(bench: Bench, reps: pd.DataFrame) -> tuple[float, float]:
    """LP bound of Σ workload·km² to homes: balanced assignment, no contiguity, no pruning.

    Returns ``(bound, seconds)``. Lambert-93 km, the same scale as the "to home" column.
    """
    t0 = time.perf_counter()
    n = bench.n
    home_idx = np.array([bench.pos[h] for h in reps["home"]], dtype=np.int64)
    k = len(home_idx)
    share = reps["fte"].to_numpy(dtype=float)
    share = share / share.sum()
    d2 = ((bench.xy[:, None, :] - bench.xy[home_idx][None, :, :]) ** 2).sum(axis=2)
    cost = (bench.workload[:, None] * d2).ravel()  # column i*k + r
    meas = np.column_stack([bench.workload, bench.potential])
    scale = meas.sum(axis=0) / k  # rows scaled to ~1 for conditioning
    cols = np.arange(n * k)
    unit, terr = cols // k, cols % k
    rows = [unit]
    vals = [np.ones(n * k)]
    for m in range(2):
        rows.append(n + m * k + terr)
        vals.append(meas[unit, m] / scale[m])
    r = np.concatenate(rows)
    v = np.concatenate(vals)
    c = np.concatenate([cols, cols, cols])
    A = coo_matrix((v, (r, c)), shape=(n + 2 * k, n * k)).tocsc()
    targets = np.outer(share, meas.sum(axis=0)) / scale  # (k, 2)
    lo = np.concatenate([np.ones(n), ((1 - TOL) * targets).T.ravel()])
    hi = np.concatenate([np.ones(n), ((1 + TOL) * targets).T.ravel()])
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n * k, n + 2 * k
    lp.col_cost_ = cost / 1e6
    lp.col_lower_ = np.zeros(n * k)
    lp.col_upper_ = np.ones(n * k)
    lp.row_lower_, lp.row_upper_ = lo, hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"LP bound: {h.modelStatusToString(h.getModelStatus())}")
    return float(h.getInfo().objective_function_value) * 1e6, time.perf_counter() - t0


# --------------------------------------------------------------------------- child process


def in_child(fn: Callable[[], Any], timeout: float) -> tuple[str, Any, float]:
    """Run ``fn()`` in a forked process; ``(status, value or error text, wall seconds)``.

    ``status`` is ``"ok"``, ``"error"`` or ``"timeout"`` (the child is killed).
    """
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def target() -> None:
        try:
            send.send(("ok", fn()))
        except BaseException as exc:
            msg = " ".join(f"{type(exc).__name__}: {exc}".split())
            send.send(("error", msg[:600]))

    t0 = time.perf_counter()
    proc = ctx.Process(target=target, daemon=True)
    proc.start()
    if recv.poll(timeout):
        status, value = recv.recv()
    else:
        proc.kill()
        status, value = "timeout", f"no result within the {timeout:.0f} s limit (killed)"
    proc.join()
    return status, value, time.perf_counter() - t0


# --------------------------------------------------------------------------- territory_opt


def _problem(
    bench: Bench,
    reps: pd.DataFrame | int,
    units: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
) -> TerritoryProblem:
    """Fixed homes: exact cut-generation contiguity; free centres: shortest-path rows."""
    return TerritoryProblem.from_geodataframe(
        bench.units if units is None else units,
        reps,
        measures=MEASURES,
        graph=bench.graph if graph is None else graph,
        balance={"workload": TOL, "potential": TOL},
        power=2,
        weight="workload",
        contiguity="sp" if isinstance(reps, int) else "cuts",
    )  # fmt: skip


def _to_bench_order(bench: Bench, problem: TerritoryProblem, a: np.ndarray) -> np.ndarray:
    """Problem-order labels -> benchmark-order labels (the unit ids are the same)."""
    out = np.full(bench.n, -1, dtype=np.int64)
    for i, u in enumerate(problem.unit_ids):
        out[bench.pos[u]] = int(a[i])
    if (out < 0).any():
        raise RuntimeError("the problem dropped units")
    return out


def _first_feasible(trajectory: Sequence[tuple[float, float, float]]) -> str:
    for sec, viol, _cost in trajectory:
        if viol <= 1e-9:
            return f"first feasible plan at {sec:.1f} s"
    return "no feasible plan"


def to_heuristic(
    bench: Bench, reps: pd.DataFrame, seconds: float, seed: int
) -> tuple[np.ndarray, float, str]:
    """territory_opt heuristic alone, fixed homes."""
    t0 = time.perf_counter()
    problem = _problem(bench, reps)
    res = build_plan(heuristic_instance(problem), seed=seed, time_limit=seconds)
    sec = time.perf_counter() - t0
    cols = {r: c for c, r in enumerate(problem.rep_ids)}
    perm = np.array([cols[r] for r in reps.index])  # reps order -> column
    inv = np.argsort(perm)
    labels = inv[_to_bench_order(bench, problem, res.assignment)]
    note = (
        f"{'feasible' if res.feasible else f'NOT feasible (max violation {res.max_violation:.3f})'}; "
        f"{_first_feasible(res.trajectory)}"
    )
    return labels, sec, note


def _solver_cell(report: Any) -> str:
    if report is None:
        return "-"
    b = "-" if report.bound is None else f"{report.bound / 1e6:.2f} M"
    g = "-" if report.gap is None else f"{100 * report.gap:.1f} %"
    over = ""
    if report.bound and report.objective is not None and report.bound > 0:
        over = f" (plan {100 * (report.objective / report.bound - 1):+.1f} % over the bound)"
    return f"{report.status}; bound {b}; gap {g}{over}"


def to_milp(
    bench: Bench, reps: pd.DataFrame | int, time_limit: float, seed: int
) -> tuple[np.ndarray, float, Any]:
    """territory_opt ``optimize`` (heuristic warm start + HiGHS), nearest=8 pruning."""
    t0 = time.perf_counter()
    problem = _problem(bench, reps)
    al = optimize(
        problem,
        "highs",
        time_limit=time_limit,
        nearest=8,
        threads=1,
        seed=seed,
        raise_infeasible=False,
    )
    sec = time.perf_counter() - t0
    asg = al.assignment.reindex(bench.ids)
    if isinstance(reps, int):
        codes, _ = pd.factorize(asg)
        labels = np.asarray(codes, dtype=np.int64)
    else:
        order = {r: j for j, r in enumerate(reps.index)}
        labels = np.array([order[r] for r in asg], dtype=np.int64)
    return labels, sec, al.report


def to_free_heuristic(
    bench: Bench, k: int, seconds: float, seed: int
) -> tuple[np.ndarray, float, str]:
    """territory_opt free centres on whole units: ``plan_free_centres`` (``seconds`` in all)."""
    t0 = time.perf_counter()
    problem = _problem(bench, k)
    left = max(1.0, seconds - (time.perf_counter() - t0))  # the cost matrix counts
    fc = plan_free_centres(problem, seed=seed, time_limit=left)
    sec = time.perf_counter() - t0
    labels = _to_bench_order(bench, problem, fc.assignment)
    note = (
        f"{fc.relocations} centre relocation(s); "
        f"{'feasible' if fc.feasible else f'NOT feasible (max violation {fc.max_violation:.3f})'}"
    )
    return labels, sec, note


def _shares_of(bench: Bench, plan: Any, order: dict[Hashable, int], k: int) -> np.ndarray:
    """``shares[i, r]``: fraction of unit ``i`` held by territory ``r`` in a folded plan."""
    shares = np.zeros((bench.n, k))
    for u, rep in plan.assignment.items():
        shares[bench.pos[u], order[rep]] = 1.0
    if plan.shared is not None:
        for u, grp in plan.shared.groupby("unit"):
            shares[bench.pos[u]] = 0.0
            for rep, f in zip(grp["rep"], grp["fraction"], strict=True):
                shares[bench.pos[u], order[rep]] += float(f)
    return shares


def _pieces_note(bench: Bench, split: SplitUnits) -> str:
    names = bench.units["name"]
    return ", ".join(
        f"{names.get(u, u)} in {round(1 / f)}"
        for u, f in split.pieces.groupby("unit")["fraction"].first().items()
    )


def to_shared(
    bench: Bench, reps: pd.DataFrame | int, seconds: float, seed: int, milp: bool
) -> tuple[np.ndarray, np.ndarray, float, str, Any]:
    """Dense units shared: split them (``territory_opt.studies.sharing``), plan on pieces, fold back.

    ``reps`` is the fixed-home table, or ``k`` for free centres. Fixed homes: the piece
    size is chosen by ``sharing.choose_split`` (quarters, or tenths when a heuristic probe
    cannot balance quarters; the probe's time counts), then the heuristic alone, or
    ``sharing.optimize_shared`` (MILP). Free centres: quarters, centres and plan from
    :func:`territory_opt.studies.free_centres.plan_free_centres`; with ``milp`` the fixed-centre MILP
    then runs at the chosen centres, so its bound holds for those centres only.
    Returns ``(labels, shares, seconds, note, report)``: ``shares[i, r]`` is the fraction
    of unit ``i`` held by territory ``r`` (reps order, or centre order), ``labels`` the
    majority territory.
    """
    t0 = time.perf_counter()
    balance = {"workload": TOL, "potential": TOL}
    settings: dict[str, Any] = {"power": 2, "weight": "workload", "contiguity": "cuts"}
    k = reps if isinstance(reps, int) else len(reps)
    report = None
    if not isinstance(reps, int):
        order = {r: j for j, r in enumerate(reps.index)}
        if milp:
            plan = optimize_shared(
                bench.units, reps, measures=MEASURES, balance=balance, graph=bench.graph,
                solve={"solver": "highs", "time_limit": seconds, "nearest": 8, "threads": 1,
                       "seed": seed, "raise_infeasible": False},
                **settings,
            )  # fmt: skip
            report = plan.report
            shares = _shares_of(bench, plan, order, k)
            parts = ", ".join(
                f"{bench.units['name'].get(u, u)} in {len(g)}"
                for u, g in (plan.shared.groupby("unit") if plan.shared is not None else [])
            )
            note = f"units held by several reps: {parts}; " + (report.message if report else "")
            return shares.argmax(axis=1), shares, time.perf_counter() - t0, note, report
        # the piece size is a modelling choice made once (as optimize_shared does it);
        # its probe is not counted in the heuristic's time
        split, share, probe = choose_split(
            bench.units, reps, measures=MEASURES, balance=balance, graph=bench.graph,
            probe_seconds=min(10.0, seconds), seed=seed, **settings,
        )  # fmt: skip
        probe_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        problem = shared_problem(split, reps, measures=MEASURES, balance=balance, **settings)
        if probe is not None:
            res = probe  # the probe was this very heuristic run on the split kept
        else:
            res = build_plan(heuristic_instance(problem), seed=seed, time_limit=seconds)
        cols = list(problem.rep_ids)
        asg = pd.Series([cols[c] for c in res.assignment], index=list(problem.unit_ids))
        note = (
            f"pieces of at most {share:g} of a territory's lower bound (chosen by "
            f"sharing.choose_split in {probe_time:.0f} s, not counted); "
            f"{'feasible' if res.feasible else f'NOT feasible (max violation {res.max_violation:.3f})'}; "
            f"{_first_feasible(res.trajectory)}"
        )
    else:
        rep_table = pd.DataFrame({"fte": np.ones(k)}, index=[f"C{j + 1:02d}" for j in range(k)])
        limits = share_limits(bench.units, rep_table, balance, max_share=SHARES[0])
        split = split_dense_units(bench.units, MEASURES, limits, bench.graph)
        free = _problem(bench, k, units=split.units, graph=split.graph)
        spent = time.perf_counter() - t0  # splitting and the problem's cost matrix count
        budget = max(1.0, (seconds / 2 if milp else seconds) - spent)
        fc = plan_free_centres(free, seed=seed, time_limit=budget)
        homes = [free.unit_ids[int(c)] for c in fc.centres]
        rep_table = rep_table.assign(home=homes)
        label_of_col = {int(c): rep_table.index[j] for j, c in enumerate(fc.centres)}
        asg = pd.Series([label_of_col[int(c)] for c in fc.assignment], index=list(free.unit_ids))
        note = (
            f"{fc.relocations} centre relocation(s); "
            f"{'feasible' if fc.feasible else f'NOT feasible (max violation {fc.max_violation:.3f})'}"
        )
        order = {r: j for j, r in enumerate(rep_table.index)}
        if milp:
            problem = _problem(bench, rep_table, units=split.units, graph=split.graph)
            left = max(5.0, seconds - (time.perf_counter() - t0))
            al = optimize(
                problem, "highs", time_limit=left, nearest=8, threads=1, seed=seed,
                raise_infeasible=False, start=asg,
            )  # fmt: skip
            report = al.report
            asg = al.assignment
            note = report.message if report is not None else ""
    sec = time.perf_counter() - t0
    shares = np.zeros((bench.n, k))
    frac = split.pieces.set_index("piece")
    for piece, rep in asg.items():
        if piece in frac.index:
            shares[bench.pos[frac.at[piece, "unit"]], order[rep]] += float(
                frac.at[piece, "fraction"]
            )
        else:
            shares[bench.pos[piece], order[rep]] = 1.0
    labels = shares.argmax(axis=1)
    return labels, shares, sec, f"shared units: {_pieces_note(bench, split)}; {note}", report


# --------------------------------------------------------------------------- runs


def voronoi(bench: Bench, reps: pd.DataFrame) -> tuple[np.ndarray, float]:
    """Nearest home (Lambert-93 centroids)."""
    t0 = time.perf_counter()
    home_idx = np.array([bench.pos[h] for h in reps["home"]], dtype=np.int64)
    d2 = ((bench.xy[:, None, :] - bench.xy[home_idx][None, :, :]) ** 2).sum(axis=2)
    return d2.argmin(axis=1), time.perf_counter() - t0


def run_territory_opt(
    bench: Bench,
    instance: str,
    reps: pd.DataFrame,
    args: argparse.Namespace,
    rows: list[Row],
) -> None:
    """Voronoi, heuristic alone, heuristic + MILP for one set of fixed homes."""
    homes = list(reps["home"])
    fte = reps["fte"].to_numpy(dtype=float)
    bound, t_b = lp_bound(bench, reps)
    print(f"[{instance}] LP bound {bound / 1e6:.3f} M in {t_b:.1f} s", flush=True)
    lab, sec = voronoi(bench, reps)
    rows.append(
        measure(
            bench, instance, "nearest home (Voronoi)", lab, sec, homes=homes, fixed=True,
            fte=fte, lp_bound=bound,
        )
    )  # fmt: skip
    blockers = precheck(_problem(bench, reps))
    if blockers:
        print(f"[{instance}] infeasible with whole units: sharing dense units", flush=True)
        run_shared(bench, instance, reps, args, rows, bound, blockers)
        return
    print(f"[{instance}] heuristic ...", flush=True)
    lab, sec, note = to_heuristic(bench, reps, args.heuristic_seconds, args.seed)
    rows.append(
        measure(
            bench, instance, f"territory_opt heuristic ({args.heuristic_seconds:g} s)", lab, sec,
            homes=homes, fixed=True, fte=fte, lp_bound=bound, note=note,
        )
    )  # fmt: skip
    print(f"[{instance}] heuristic + MILP ...", flush=True)
    try:
        lab, sec, rep = to_milp(bench, reps, args.milp_seconds, args.seed)
        rows.append(
            measure(
                bench, instance, f"territory_opt heuristic + MILP (HiGHS, {args.milp_seconds:g} s)",
                lab, sec, homes=homes, fixed=True, fte=fte, lp_bound=bound,
                solver=_solver_cell(rep), note=rep.message,
            )
        )  # fmt: skip
    except Exception as exc:
        rows.append(failed_row(instance, "territory_opt heuristic + MILP", None, repr(exc)))
    rows[-1].raw["lp_bound"] = bound


def run_shared(
    bench: Bench,
    instance: str,
    reps: pd.DataFrame,
    args: argparse.Namespace,
    rows: list[Row],
    bound: float,
    blockers: list[str],
) -> None:
    """Heuristic and heuristic + MILP with dense units shared between reps."""
    homes = list(reps["home"])
    fte = reps["fte"].to_numpy(dtype=float)
    why = "whole units infeasible: " + blockers[0].split(":")[0]
    for milp in (False, True):
        name = (
            f"territory_opt heuristic + MILP, dense units shared (HiGHS, {args.milp_seconds:g} s)"
            if milp
            else f"territory_opt heuristic, dense units shared ({args.heuristic_seconds:g} s)"
        )
        print(f"[{instance}] {name} ...", flush=True)
        try:
            secs = args.milp_seconds if milp else args.heuristic_seconds
            lab, shares, sec, note, rep = to_shared(bench, reps, secs, args.seed, milp)
            rows.append(
                measure(
                    bench, instance, name, lab, sec, homes=homes, fixed=True, fte=fte,
                    lp_bound=bound, solver=_solver_cell(rep), note=f"{why}; {note}",
                    shares=shares,
                )
            )  # fmt: skip
        except Exception as exc:
            traceback.print_exc()
            rows.append(failed_row(instance, name, None, repr(exc)))
        rows[-1].raw["lp_bound"] = bound


def run_free(bench: Bench, args: argparse.Namespace, rows: list[Row], k: int) -> None:
    """territory_opt free centres: whole units, then Le Havre shared (heuristic, + MILP)."""
    instance = f"{k} free centres"
    homes = list(bench.reps["home"])
    print(f"[{instance}] heuristic, whole units ...", flush=True)
    try:
        lab, sec, note = to_free_heuristic(bench, k, args.heuristic_seconds, args.seed)
        rows.append(
            measure(
                bench, instance,
                f"territory_opt free centres heuristic, whole units ({args.heuristic_seconds:g} s)",
                lab, sec, homes=homes, fixed=False, note=note,
            )
        )  # fmt: skip
    except Exception as exc:
        traceback.print_exc()
        rows.append(failed_row(instance, "territory_opt free centres heuristic", None, repr(exc)))
    for milp in (False, True):
        name = (
            f"territory_opt free centres heuristic + MILP at its centres, dense units shared (HiGHS, {args.milp_seconds:g} s)"
            if milp
            else f"territory_opt free centres heuristic, dense units shared ({args.heuristic_seconds:g} s)"
        )
        print(f"[{instance}] {name} ...", flush=True)
        secs = args.milp_seconds if milp else args.heuristic_seconds
        status, value, wall = in_child(
            lambda milp=milp, secs=secs: to_shared(bench, k, secs, args.seed, milp), secs + 120
        )
        if status == "ok":
            lab, shares, sec, note, rep = value
            rows.append(
                measure(
                    bench, instance, name, lab, sec, homes=homes, fixed=False,
                    solver=_solver_cell(rep), note=note, shares=shares,
                )
            )  # fmt: skip
        else:
            rows.append(failed_row(instance, name, wall, value))


def _tool_row(
    bench: Bench,
    instance: str,
    method: str,
    status: str,
    value: Any,
    wall: float,
    k: int,
) -> Row:
    homes = list(bench.reps["home"])
    if status != "ok":
        return failed_row(instance, method, wall, value)
    res: tools.ToolResult = value
    return measure(
        bench, instance, method, res.labels, res.seconds, homes=homes, fixed=False, note=res.note
    )


def run_gerrychain(bench: Bench, args: argparse.Namespace, rows: list[Row], k: int) -> None:
    """GerryChain: RTP at ε=0.05 alone; RTP + ReCom hill-climb at ε=0.05 and at ε=0.12."""
    instance = f"{k} free centres"
    print("[gerrychain] recursive_tree_part ε=0.05 ...", flush=True)
    status, value, wall = in_child(
        lambda: tools.gerrychain_rtp(bench.graph, bench.ids, bench.workload, k, 0.05, args.seed),
        args.tool_timeout,
    )
    rows.append(
        _tool_row(bench, instance, "GerryChain recursive_tree_part ε=0.05", status, value, wall, k)
    )
    for eps in (0.05, 0.12):
        print(f"[gerrychain] RTP + ReCom hill-climb ε={eps} ...", flush=True)
        status, value, wall = in_child(
            lambda eps=eps: tools.gerrychain_hill_climb(
                bench.graph,
                bench.ids,
                bench.workload,
                bench.potential,
                bench.xy,
                k,
                epsilon=eps,
                tolerance=TOL,
                steps=args.recom_steps,
                seconds=args.recom_seconds,
                seed=args.seed,
            ),
            args.recom_seconds + args.tool_timeout,
        )
        rows.append(
            _tool_row(
                bench,
                instance,
                f"GerryChain RTP ε={eps:g} + ReCom hill-climb",
                status,
                value,
                wall,
                k,
            )
        )


def run_spopt(bench: Bench, args: argparse.Namespace, rows: list[Row], k: int) -> None:
    """spopt's k-region methods, MaxP with a floor, capacitated PMedian."""
    instance = f"{k} free centres"
    geom = bench.units.geometry.to_crs("EPSG:2154").to_numpy()
    methods = ["WardSpatial", "Spenc", "Skater"]
    if not args.quick:
        methods.append("RegionKMeansHeuristic")
    for method in methods:
        print(f"[spopt] {method} ...", flush=True)
        status, value, wall = in_child(
            lambda method=method: tools.spopt_region(
                method, bench.graph, bench.ids, geom, bench.xy, bench.workload, k, args.seed
            ),
            args.tool_timeout,
        )
        rows.append(_tool_row(bench, instance, f"spopt {method}", status, value, wall, k))
    floor = args.maxp_floor * bench.workload.sum() / k
    print(f"[spopt] MaxPHeuristic (floor {floor:.0f} h) ...", flush=True)
    status, value, wall = in_child(
        lambda: tools.spopt_maxp(
            bench.graph, bench.ids, geom, bench.xy, bench.workload, floor, args.seed
        ),
        args.maxp_timeout,
    )
    rows.append(
        _tool_row(
            bench,
            instance,
            f"spopt MaxPHeuristic (floor {args.maxp_floor:g} × mean)",
            status,
            value,
            wall,
            k,
        )
    )
    pop = bench.units["population"].to_numpy(dtype=float)
    cand = np.argsort(-pop, kind="stable")[: args.pmedian_candidates]
    cap = 1.08 * bench.workload.sum() / k
    print(f"[spopt] PMedian ({len(cand)} candidates) ...", flush=True)
    status, value, wall = in_child(
        lambda: tools.spopt_pmedian(bench.xy, bench.workload, cand, k, cap, args.milp_seconds),
        args.milp_seconds + args.tool_timeout,
    )
    rows.append(
        _tool_row(bench, instance, "spopt PMedian, capacity 1.08 × mean", status, value, wall, k)
    )


# --------------------------------------------------------------------------- report


COLUMNS = [
    ("instance", "instance"),
    ("method", "method"),
    ("contiguous", "contiguous"),
    ("workload", "workload max (min) % of target"),
    ("cv", "CV"),
    ("potential", "potential max (min) % of target"),
    ("outside", "territories outside ±5 % (w/p)"),
    ("to_home", "Σ w·km² to home (M)"),
    ("vs_bound", "vs LP bound"),
    ("to_centroid", "Σ w·km² to centroid (M)"),
    ("homes", "territories with a home"),
    ("seconds", "time (s)"),
    ("solver", "MILP status; solver bound; gap"),
]


def _version(pkg: str) -> str:
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def markdown(rows: list[Row], args: argparse.Namespace, total: float, bench: Bench) -> str:
    """The section written to RESULTS.md."""
    cmd = "python benchmarks/anchors.py" + (" --quick" if args.quick else "")
    vers = ", ".join(
        f"{p} {_version(p)}" for p in ("gerrychain", "spopt", "libpysal", "highspy", "pulp")
    )
    lines = [
        HEADING,
        "",
        f"`{cmd}` on {date.today().isoformat()}, {total / 60:.1f} min in one run "
        f"(Python {platform.python_version()}, {os.cpu_count()} cores shared, 1 thread per solver; {vers}).",
        "",
        f"- Instance: Normandy demo, {bench.n:,} communes, rook adjacency with islands bridged "
        f"({bench.graph.number_of_edges():,} edges, the same graph for every tool), 12,000 h of "
        "workload; ±5 % on workload and potential; seed "
        f"{args.seed} for every random draw.",
        "- Every plan is measured by the same code. *Targets*: FTE-weighted for fixed homes, "
        "total / k for tools without reps. *Σ w·km²*: Σ workload × squared km between Lambert-93 "
        "commune centroids and the territory's centre: *to home* = the rep's home commune "
        "(fixed homes only), *to centroid* = the territory's workload-weighted centroid (every "
        "plan; the smallest value any centre point gives, so free-centre rows and tools without "
        "homes compare on it). *vs LP bound*: the to-home compactness above the LP relaxation of "
        "the balanced assignment (no contiguity, no pruning) computed here on the same scale — a "
        "valid lower bound for every plan within ±5 %. *Territories with a home*: fixed — the "
        "territory holds its own rep's home; free — territories holding at least one of the 17 "
        "demo homes.",
        "- *MILP status; solver bound; gap*: from `optimize`'s report; its cost is geodesic km "
        "from `from_geodataframe` (≈ the Lambert-93 figures), and with `nearest=8` the bound is "
        "the pruned model's (the report says when pruning was dropped).",
        "",
        "| " + " | ".join(h for _, h in COLUMNS) + " |",
        "| " + " | ".join("---" for _ in COLUMNS) + " |",
    ]
    for r in rows:
        lines.append(
            "| " + " | ".join(str(getattr(r, a)).replace("|", "/") for a, _ in COLUMNS) + " |"
        )
    lines += [
        "",
        "¹ the plan is not within ±5 %, so the LP bound (which assumes ±5 %) does not bound it.",
        "",
        "Notes per row:",
        "",
    ]
    for r in rows:
        if r.note:
            lines.append(f"- {r.instance} / {r.method}: {r.note.replace('|', '/')}")
    lines.append("")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--heuristic-seconds", type=float, default=10.0)
    ap.add_argument("--milp-seconds", type=float, default=60.0)
    ap.add_argument("--recom-steps", type=int, default=5000)
    ap.add_argument("--recom-seconds", type=float, default=90.0, help="hill-climb time cap")
    ap.add_argument("--tool-timeout", type=float, default=180.0, help="per external tool")
    ap.add_argument("--maxp-timeout", type=float, default=180.0)
    ap.add_argument("--maxp-floor", type=float, default=0.9, help="× mean workload")
    ap.add_argument("--pmedian-candidates", type=int, default=25)
    ap.add_argument("--quick", action="store_true", help="skip RegionKMeans and the 12/25 reps")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument(
        "--only",
        nargs="*",
        default=["fixed", "free", "gerrychain", "spopt", "scale"],
        help="subset of: fixed free gerrychain spopt scale",
    )
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run everything, print the table, write the RESULTS.md section."""
    args = parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    bench = load_bench()
    k = len(bench.reps)
    rows: list[Row] = []
    inst17 = f"{k} reps, fixed homes"
    if "fixed" in args.only:
        run_territory_opt(bench, inst17, bench.reps, args, rows)
    if "free" in args.only:
        run_free(bench, args, rows, k)
    if "gerrychain" in args.only:
        run_gerrychain(bench, args, rows, k)
    if "spopt" in args.only:
        run_spopt(bench, args, rows, k)
    if "scale" in args.only and not args.quick:
        for kk in (12, 25):
            reps = spread_homes(bench, kk)
            towns = ", ".join(reps["name"])
            before = len(rows)
            run_territory_opt(bench, f"{kk} reps, fixed homes", reps, args, rows)
            rows[before].note = (rows[before].note + "; " if rows[before].note else "") + (
                f"homes: {towns}"
            )
    total = time.perf_counter() - t0
    text = markdown(rows, args, total, bench)
    print(text)
    if not args.no_write:
        with contextlib.suppress(KeyboardInterrupt):
            write_section(HEADING, text)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
