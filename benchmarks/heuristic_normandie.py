"""Benchmark of :func:`territory_opt.heuristics.build.build_plan` on the Normandy demo.

2,644 communes, 17 fixed homes, workload and potential within ±5 % of the FTE-weighted
target, contiguous territories, compactness ``sum workload * km^2`` minimised.

The reference bound is the balanced assignment *without* contiguity (every contiguous
plan is one of its solutions), solved by HiGHS: its LP relaxation (instant) and, with
``--bound-seconds > 0``, its MILP best bound. The gap printed is relative to the best
bound available.

Usage::

    .venv/bin/python benchmarks/heuristic_normandie.py [--seconds 10] [--seeds 0 1 2 3 4]

Prints one Markdown row per seed: feasible (contiguous and within bounds), largest
relative violation, cost, ratio of the cost to the bound, seconds, and the time at
which the first feasible plan was found. Then, with the current plan (``current_rep``)
as baseline and accounts as disruption, one row per ``--budgets`` fraction (hard
budget) and one "min" row (no budget, ``disruption_weight`` 1e6: minimise disruption
first), with the disruption reached and the LP lower bound on the minimum disruption
(balanced assignment without contiguity).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time

import highspy
import numpy as np

from territory_opt.data.datasets import load_normandie
from territory_opt.graph.adjacency import adjacency_graph
from territory_opt.heuristics.build import HeuristicInstance, build_plan, dense_units, is_contiguous


def disruption_lower_bound(inst: HeuristicInstance) -> float:
    """LP bound on the minimum disruption of a balanced plan (no contiguity)."""
    import dataclasses

    assert inst.baseline is not None and inst.disruption is not None
    leave = np.tile(np.asarray(inst.disruption, dtype=float)[:, None], (1, inst.k))
    leave[np.arange(inst.n), inst.baseline] = 0.0
    value, _ = assignment_bound(dataclasses.replace(inst, cost=leave), 0.0)
    return value


def normandie_instance(tolerance: float = 0.05, nearest: int | None = None) -> HeuristicInstance:
    """The Normandy demo as arrays (``nearest``: prune each commune to its closest homes)."""
    ds = load_normandie()
    units = ds.units
    graph = adjacency_graph(units)
    ids = list(units.index)
    pos = {u: i for i, u in enumerate(ids)}
    neighbors = tuple(
        np.asarray(sorted(pos[v] for v in graph.neighbors(u)), dtype=np.int64) for u in ids
    )
    xy = units.to_crs("EPSG:2154").geometry.centroid
    pts = np.column_stack([xy.x.to_numpy(), xy.y.to_numpy()]) / 1000.0
    reps = ds.reps
    centres = np.asarray([pos[h] for h in reps["home"]], dtype=np.int64)
    d2 = ((pts[:, None, :] - pts[centres][None, :, :]) ** 2).sum(axis=2)
    workload = units["workload"].to_numpy(dtype=float)
    potential = units["potential"].to_numpy(dtype=float)
    measures = np.column_stack([workload, potential])
    share = reps["fte"].to_numpy(dtype=float) / reps["fte"].sum()
    target = np.outer(share, measures.sum(axis=0))
    allowed = None
    if nearest is not None:
        order = np.argsort(d2, axis=1)[:, :nearest]
        allowed = np.zeros_like(d2, dtype=bool)
        np.put_along_axis(allowed, order, True, axis=1)
    rep_pos = {r: j for j, r in enumerate(reps.index)}
    baseline = np.asarray([rep_pos[r] for r in units["current_rep"]], dtype=np.int64)
    return HeuristicInstance(
        neighbors=neighbors,
        measures=measures,
        lower=target * (1 - tolerance),
        upper=target * (1 + tolerance),
        cost=workload[:, None] * d2,
        centres=centres,
        allowed=allowed,
        baseline=baseline,
        disruption=units["accounts"].to_numpy(dtype=float),
    )


def assignment_bound(inst: HeuristicInstance, seconds: float) -> tuple[float, str]:
    """Lower bound from the balanced assignment without contiguity (LP or MILP)."""
    n, k = inst.cost.shape
    m = inst.measures.shape[1]
    nv = n * k
    col = np.arange(nv)
    unit = col // k
    terr = col % k
    # rows: n assignment rows, then k*m balance rows
    idx = np.concatenate([unit, n + terr * m + 0] + [n + terr * m + j for j in range(1, m)])
    val = np.concatenate([np.ones(nv)] + [inst.measures[unit, j] for j in range(m)])
    cols = np.concatenate([col] * (m + 1))
    order = np.lexsort((cols, idx))
    idx, cols, val = idx[order], cols[order], val[order]
    nrow = n + k * m
    starts = np.searchsorted(idx, np.arange(nrow + 1))
    lp = highspy.HighsLp()
    lp.num_col_ = nv
    lp.num_row_ = nrow
    lp.col_cost_ = inst.cost.ravel()
    lp.col_lower_ = np.zeros(nv)
    hi = np.ones(nv)
    if inst.allowed is not None:
        hi[~np.asarray(inst.allowed).ravel()] = 0.0
    hi[inst.centres * k + np.arange(k)] = 1.0
    lo = np.zeros(nv)
    lo[inst.centres * k + np.arange(k)] = 1.0
    lp.col_lower_ = lo
    lp.col_upper_ = hi
    lp.row_lower_ = np.concatenate([np.ones(n), inst.lower.ravel()])
    lp.row_upper_ = np.concatenate([np.ones(n), inst.upper.ravel()])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = nv
    lp.a_matrix_.num_row_ = nrow
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = cols.astype(np.int32)
    lp.a_matrix_.value_ = val
    kind = "LP relaxation"
    if seconds > 0:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * nv
        kind = f"MILP best bound after {seconds:g} s"
    with _quiet():
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(max(seconds, 60.0)))
        h.passModel(lp)
        h.run()
    info = h.getInfo()
    bound = info.mip_dual_bound if seconds > 0 else info.objective_function_value
    return float(bound), kind


@contextlib.contextmanager
def _quiet():
    """Silence HiGHS's C-level banner."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--nearest", type=int, default=None, help="prune to k nearest homes")
    parser.add_argument("--bound-seconds", type=float, default=0.0)
    parser.add_argument(
        "--budgets", type=float, nargs="*", default=[0.4, 0.3], help="fractions of accounts"
    )
    args = parser.parse_args()
    t = time.perf_counter()
    inst = normandie_instance(nearest=args.nearest)
    print(f"instance: n={inst.n} k={inst.k} built in {time.perf_counter() - t:.1f}s")
    print(f"dense units (slack 1.0): {dense_units(inst).tolist()}")
    print(f"near-dense units (slack 0.8): {dense_units(inst, slack=0.8).tolist()}")
    bound, kind = assignment_bound(inst, args.bound_seconds)
    print(f"bound without contiguity ({kind}): {bound:,.0f}")
    print()
    print(
        "| seed | feasible | max violation | cost | ratio to bound | seconds | first feasible (s) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for seed in args.seeds:
        res = build_plan(inst, seed=seed, time_limit=args.seconds)
        first = next((s for s, v, _ in res.trajectory if v <= 1e-9), None)
        ok = res.feasible and is_contiguous(inst.neighbors, res.assignment, inst.centres)
        print(
            f"| {seed} | {ok} | {res.max_violation:.4f} | {res.cost:,.0f} | "
            f"{res.cost / bound:.3f} | {res.seconds:.2f} | "
            f"{'never' if first is None else f'{first:.2f}'} |"
        )
    import dataclasses

    assert inst.disruption is not None
    total = float(inst.disruption.sum())
    lb = disruption_lower_bound(inst)
    print()
    print(f"disruption LP lower bound (no contiguity): {lb:,.0f} accounts ({lb / total:.1%})")
    print()
    print("| budget | seed | feasible | max violation | disruption | cost | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    cases: list[tuple[str, float | None, float]] = [
        (f"{b:.0%}", b * total, 0.0) for b in args.budgets
    ]
    cases.append(("min", None, 1e6))
    for label, budget, weight in cases:
        binst = dataclasses.replace(inst, disruption_budget=budget, disruption_weight=weight)
        for seed in args.seeds[:1]:
            res = build_plan(binst, seed=seed, time_limit=args.seconds)
            raw = float(inst.cost[np.arange(inst.n), res.assignment].sum())
            print(
                f"| {label} | {seed} | {res.feasible} | {res.max_violation:.4f} | "
                f"{res.disruption:,.0f} ({res.disruption / total:.1%}) | {raw:,.0f} | "
                f"{res.seconds:.2f} |"
            )


if __name__ == "__main__":
    main()
