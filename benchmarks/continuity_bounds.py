"""Benchmark: how few accounts can change rep at ±5 %, and what pruning costs it.

The LP relaxation of "fewest changes" (minimise the accounts of the units that leave their
current rep, workload and potential within ±5 % of each rep's share, no contiguity) is a
valid lower bound for every plan. This script builds that LP from scratch (scipy's
``linprog``, HiGHS inside; no territory_opt model code) on the two instances of
``benchmarks/plan_quality.py`` under three sets of allowed assignments:

- ``all reps``: no pruning (the bound of the problem as stated);
- ``8 nearest homes``: what ``optimize(nearest=8)`` / the CLI's default keeps when the
  objective ignores the current plan (straight-line km between centroids, Lambert-93);
- ``8 nearest + 2 borders``: plus the reps whose current territory is within two
  borders of the unit's, which ``territory_opt`` adds when the objective keeps continuity.

A pruned LP above the unpruned one says how much of the continuity the pruning forbids.

Writes (replaces) the ``## Continuity bounds`` section of ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/continuity_bounds.py
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _results import machine as _machine
from _results import write_section
from plan_quality import brittany, normandy
from scipy import sparse
from scipy.optimize import linprog

HEADER = "## Continuity bounds"


def own_adjacency(units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of units whose polygons touch (shapely, not territory_opt.graph)."""
    geom = units.geometry.to_crs("EPSG:2154").buffer(1.0).reset_index(drop=True)
    import geopandas as gpd

    left = gpd.GeoDataFrame(geometry=geom)
    pairs = gpd.sjoin(left, left, predicate="intersects")
    i = pairs.index.to_numpy()
    j = pairs["index_right"].to_numpy()
    keep = i < j
    return i[keep], j[keep]


def masks(units: pd.DataFrame, reps: pd.DataFrame) -> dict[str, np.ndarray]:
    """The three allowed-assignment masks of the module doc."""
    pos = {u: k for k, u in enumerate(units.index)}
    rep_pos = {r: k for k, r in enumerate(reps.index)}
    c = units.to_crs("EPSG:2154").geometry.centroid
    x, y = c.x.to_numpy(), c.y.to_numpy()
    home = np.array([pos[h] for h in reps["home"]])
    km = np.hypot(x[:, None] - x[home][None], y[:, None] - y[home][None])
    n, k = km.shape
    base = units["current_rep"].map(rep_pos).to_numpy()
    near = np.zeros((n, k), dtype=bool)
    near[np.arange(n)[:, None], np.argsort(km, axis=1, kind="stable")[:, :8]] = True
    near[np.arange(n), base] = True
    i, j = own_adjacency(units)
    t = np.eye(k, dtype=bool)
    t[base[i], base[j]] = t[base[j], base[i]] = True
    t2 = t | ((t.astype(int) @ t.astype(int)) > 0)
    out = {"all reps": np.ones((n, k), dtype=bool), "8 nearest homes": near}
    out["8 nearest + 2 borders"] = near | t2[base]
    for m in out.values():  # a home stays with its rep
        m[home, :] = False
        m[home, np.arange(k)] = True
    return out


def lp_bound(units: pd.DataFrame, reps: pd.DataFrame, mask: np.ndarray) -> float:
    """The fewest-changes LP under ``mask`` (accounts changing rep)."""
    rep_pos = {r: k for k, r in enumerate(reps.index)}
    base = units["current_rep"].map(rep_pos).to_numpy()
    acc = units["accounts"].to_numpy(dtype=float)
    iu, ic = np.nonzero(mask)
    nv = len(iu)
    cost = np.where(ic == base[iu], 0.0, acc[iu])
    n, k = mask.shape
    eq = sparse.csr_array((np.ones(nv), (iu, np.arange(nv))), shape=(n, nv))
    fte = reps["fte"].to_numpy(dtype=float)
    rows, rhs = [], []
    for col in ("workload", "potential"):
        v = units[col].to_numpy(dtype=float)
        target = v.sum() * fte / fte.sum()
        a = sparse.csr_array((v[iu], (ic, np.arange(nv))), shape=(k, nv))
        rows += [a, -a]
        rhs += [1.05 * target, -0.95 * target]
    res = linprog(
        cost,
        A_ub=sparse.vstack(rows),
        b_ub=np.concatenate(rhs),
        A_eq=eq,
        b_eq=np.ones(n),
        bounds=(0, 1),
        method="highs",
    )
    return float(res.fun) if res.status == 0 else float("nan")


def main(argv: list[str] | None = None) -> None:
    """Both instances, three masks each; write the section."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="print, do not write RESULTS.md")
    args = ap.parse_args(argv)
    lines = [
        f"{HEADER}\n",
        f"`python benchmarks/continuity_bounds.py` on {_machine()}. LP relaxation of fewest "
        "changes (accounts changing rep), workload and potential ±5 %, no contiguity, built "
        "from scratch with scipy (not territory_opt's model): a lower bound for every plan "
        "under each set of allowed assignments.\n",
        "| instance | allowed assignments | per unit | LP bound (accounts) | % of accounts | time s |",
        "|---|---|---|---|---|---|",
    ]
    for title, build in (("Normandy demo", normandy), ("Brittany", brittany)):
        units, reps, _ = build()
        total = float(units["accounts"].sum())
        for name, mask in masks(units, reps).items():
            t0 = time.perf_counter()
            b = lp_bound(units, reps, mask)
            lines.append(
                f"| {title} | {name} | {mask.sum(1).mean():.1f} | {b:,.0f} | "
                f"{100 * b / total:.1f} % | {time.perf_counter() - t0:.1f} |"
            )
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.dry_run:
        write_section(HEADER, text)


if __name__ == "__main__":
    main()
