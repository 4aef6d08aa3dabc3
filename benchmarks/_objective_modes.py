"""Objective modes on the Normandy demo: what a sales manager sees of each plan.

Own metric code (independent of ``territory_opt.plan``): accounts changing rep (% of
accounts), mean km home -> account (accounts-weighted geodesic km from the rep's home
to the commune), Polsby-Popper per territory (4 pi A / P^2 in Lambert-93), balance and
contiguity, and the time at which the heuristic first held a feasible plan.

Usage::

    .venv/bin/python benchmarks/_objective_modes.py --modes inertia changes travel compact \
        --seeds 0 1 --seconds 10 [--optimize 60]

``--optimize S`` runs the full pipeline (:func:`territory_opt.optimize`, ``S`` seconds)
instead of the heuristic alone and prints the bound and gap too.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from territory_opt.data.datasets import load_normandie
from territory_opt.graph.adjacency import adjacency_graph

MEASURES = ["workload", "potential", "accounts", "visits"]


def load() -> tuple:
    ds = load_normandie()
    units = ds.units.copy()
    vis = ds.accounts.groupby("unit")["visits_per_year"].sum()
    units["visits"] = vis.reindex(units.index).fillna(0.0).to_numpy()
    return ds, units, adjacency_graph(units)


def metrics(units, reps, graph, labels: np.ndarray) -> dict[str, float]:
    """Own metrics of a plan (labels: rep id per unit, in units order)."""
    import geopandas as gpd

    from territory_opt.graph.distance import geodesic_km, unit_points

    base = units["current_rep"].to_numpy()
    acc = units["accounts"].to_numpy(dtype=float)
    changed = float(acc[labels != base].sum() / acc.sum())
    pts = unit_points(units)
    homes = unit_points(units.loc[list(reps["home"])])
    km = np.asarray(geodesic_km(pts, homes))  # (n, k)
    col = {r: j for j, r in enumerate(reps.index)}
    j = np.array([col[r] for r in labels])
    d = km[np.arange(len(units)), j]
    mean_km = float((acc * d).sum() / acc.sum())
    g = gpd.GeoDataFrame({"rep": labels}, geometry=units.geometry.to_numpy(), crs=units.crs)
    diss = g.to_crs(2154).dissolve("rep")
    pp = 4 * np.pi * diss.area / diss.length**2
    dev = {}
    share = reps["fte"] / reps["fte"].sum()
    for m in ("workload", "potential"):
        s = units[m].groupby(labels).sum().reindex(reps.index).fillna(0.0)
        t = units[m].sum() * share
        dev[m] = float((s / t - 1).abs().max())
    ids = list(units.index)
    contiguous = all(
        nx.is_connected(graph.subgraph([ids[i] for i in np.flatnonzero(labels == r)]))
        for r in reps.index
    )
    return {
        "changed": changed,
        "km": mean_km,
        "pp_mean": float(pp.mean()),
        "pp_min": float(pp.min()),
        "dev": max(dev.values()),
        "contiguous": contiguous,
    }


def problem_for(units, reps, graph, mode: str):
    from territory_opt.problem import TerritoryProblem

    return TerritoryProblem.from_geodataframe(
        units[[*MEASURES, "name", "geometry"]],
        reps,
        measures=MEASURES,
        graph=graph,
        balance={"workload": 0.05, "potential": 0.05},
        baseline=units["current_rep"],
        contiguity="cuts",
        objective=mode,
    )


def run_heuristic(problem, seed: int, seconds: float):
    """The heuristic alone on ``problem`` (counted work); a lexicographic objective runs
    its two stages, half the time each, stage 2 from the stage-1 plan (as optimize does)."""
    from territory_opt.heuristics import _workclock
    from territory_opt.heuristics import build as hb
    from territory_opt.heuristics.instance import heuristic_instance
    from territory_opt.solve.lexicographic import stage_problems

    two = problem.goal is not None and problem.goal.then is not None
    p1 = problem.replace(goal=problem.goal.first()) if two else problem
    share = 0.5 * seconds if two else seconds
    t0 = time.perf_counter()
    with _workclock.counted(problem.n_units, wall_cap=3 * share + 1):
        res = hb.build_plan(heuristic_instance(p1), seed=seed, time_limit=share)
    first = next((t for t, v, _ in res.trajectory if v <= 1e-9), None)
    if two and res.feasible:
        p2 = stage_problems(problem, res.cost)
        with _workclock.counted(problem.n_units, wall_cap=3 * share + 1):
            res = hb.build_plan(
                heuristic_instance(p2), seed=seed, time_limit=share, start=res.assignment
            )
    return res.assignment, res.feasible, time.perf_counter() - t0, first, res.cost


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--modes", nargs="+", default=["inertia", "changes", "travel", "compact"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--optimize", type=float, default=0.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    ds, units, graph = load()
    reps = ds.reps
    rep_ids = np.array(list(reps.index))
    cur = metrics(units, reps, graph, units["current_rep"].to_numpy())
    print(f"current: {cur}")
    print(
        "| mode | seed | feasible | changed % | km/account | PP mean | PP worst | dev % | "
        "contig | first feasible s | s | objective | bound | gap |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for mode in args.modes:
        problem = problem_for(units, reps, graph, mode)
        for seed in args.seeds:
            bound = gap = None
            if args.optimize > 0:
                from territory_opt.solve import optimize

                t0 = time.perf_counter()
                al = optimize(
                    problem, time_limit=args.optimize, nearest=8, seed=seed, raise_infeasible=False
                )
                secs = time.perf_counter() - t0
                rep = al.report
                labels = al.assignment.reindex(units.index).to_numpy()
                ok, first, obj = rep.status in ("optimal", "feasible"), None, rep.objective
                bound, gap = rep.bound, rep.gap
            else:
                a, ok, secs, first, obj = run_heuristic(problem, seed, args.seconds)
                labels = rep_ids[a]
            m = metrics(units, reps, graph, labels)
            print(
                f"| {mode} | {seed} | {ok} | {100 * m['changed']:.1f} | {m['km']:.1f} | "
                f"{m['pp_mean']:.3f} | {m['pp_min']:.3f} | {100 * m['dev']:.2f} | "
                f"{m['contiguous']} | {first if first is None else round(first, 1)} | "
                f"{secs:.1f} | {obj:.6g} | {bound} | {gap} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
