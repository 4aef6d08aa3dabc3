"""Benchmark: what a manager reads about each plan, on Normandy and on a second région.

Instances: the Normandy demo (2,644 communes, 17 reps) and Brittany (départements 22, 29,
35, 56 from ``territory_opt.data.load_communes``, 14 reps in its main towns, synthetic
accounts and a current plan built like the demo's with ``territory_opt.data.demo_data``),
so that nothing is tuned to Normandy. Balance ±5 % on workload and potential (hard),
contiguous territories (exact, lazy cuts), ``--time-limit`` seconds per optimized row.

Rows: the current plan, the nearest home (a Voronoi on km, no balance), the default
``optimize`` plan (with a current plan: ``"redeploy"``, fewest changes, then travel +
compact), the moment of inertia Σ workload·km² and every other objective mode of
:data:`MODES` that the installed package accepts (a mode it refuses is listed as skipped).

Every figure is computed here, independently of ``territory_opt.plan``: km are straight
lines between unit centroids in Lambert-93, Polsby–Popper and hull ratios come from this
script's own polygon unions.

Writes (replaces) the ``## Plan quality`` section of ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/plan_quality.py                   # 60 s per optimized row
    python benchmarks/plan_quality.py --time-limit 10   # a quick check
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _results import machine as _machine
from _results import write_section

HEADER = "## Plan quality"

#: objective modes: row name -> TerritoryProblem settings over the default ones. Add a
#: mode here (or expose ``territory_opt.problem.OBJECTIVE_MODES``) and it gets a row.
MODES: dict[str, dict[str, Any]] = {
    "optimize, default = redeploy (changes, then travel + compact)": {},
    "optimize, moment of inertia (Σ workload·km²)": {"objective": "cost"},
    "optimize, Σ km": {"power": 1, "weight": None, "objective": "cost"},
    "optimize, fewest changes": {"objective": "changes"},
    "optimize, travel (visits x km)": {"objective": "travel"},
    "optimize, compact (every commune counts)": {"objective": "compact"},
}

BRITTANY_TOWNS = (
    "Rennes", "Brest", "Quimper", "Lorient", "Vannes", "Saint-Malo", "Saint-Brieuc",
    "Lannion", "Fougères", "Pontivy", "Morlaix", "Redon", "Carhaix-Plouguer", "Vitré",
)  # fmt: skip


# ---------------------------------------------------------------------- instances


def normandy() -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Units (with ``current_rep`` and ``visits``), reps, accounts of the demo."""
    from territory_opt.data import load_normandie

    ds = load_normandie()
    units = ds.units.copy()
    units["visits"] = ds.accounts.groupby("unit")["visits_per_year"].sum().reindex(units.index)
    units["visits"] = units["visits"].fillna(0.0)
    return units, ds.reps, ds.accounts


def brittany(seed: int = 2024) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Brittany built like the demo: accounts by population, a grown current plan."""
    from territory_opt.data import load_communes
    from territory_opt.data.demo_data import (
        current_alignment,
        generate_accounts,
        unit_aggregates,
    )
    from territory_opt.graph import adjacency_graph

    communes = load_communes(["22", "29", "35", "56"])
    accounts = generate_accounts(communes.reset_index(), seed=seed, id_col="insee")
    units = communes.join(unit_aggregates(accounts, communes.index))
    units["visits"] = accounts.groupby("unit")["visits_per_year"].sum().reindex(units.index)
    units["visits"] = units["visits"].fillna(0.0)
    homes = []
    for town in BRITTANY_TOWNS:
        hit = units.index[units["name"] == town]
        homes.append(hit[np.argmax(units.loc[hit, "population"].to_numpy())])
    reps = pd.DataFrame(
        {"name": list(BRITTANY_TOWNS), "home": homes, "fte": 1.0},
        index=pd.Index([f"B{k + 1:02d}" for k in range(len(homes))], name="rep"),
    )
    G = adjacency_graph(units)
    cent = units.to_crs("EPSG:2154").geometry.centroid
    units["current_rep"] = current_alignment(
        G, cent, reps["home"], units["workload"], reps["fte"], seed=seed
    )
    return units, reps, accounts


# ---------------------------------------------------------------------- own metrics


def figures(units: gpd.GeoDataFrame, reps: pd.DataFrame, plan: pd.Series) -> dict[str, float]:
    """The plan's figures, computed from scratch (no territory_opt code)."""
    plan = plan.reindex(units.index)
    metric = units.geometry.to_crs("EPSG:2154")
    c = metric.centroid
    x, y = c.x.to_numpy(), c.y.to_numpy()
    pos = {u: i for i, u in enumerate(units.index)}
    home = np.array([pos[reps.at[r, "home"]] for r in plan])
    km = np.hypot(x - x[home], y - y[home]) / 1000.0
    out: dict[str, float] = {}
    base = units["current_rep"].to_numpy()
    moved = plan.to_numpy() != base
    for m in ("accounts", "workload"):
        v = units[m].to_numpy(dtype=float)
        out[f"{m}_changed"] = float(v[moved].sum())
        out[f"{m}_changed_pct"] = 100.0 * v[moved].sum() / v.sum()
    for key, w in (("account", units["accounts"]), ("visit", units["visits"])):
        w = w.to_numpy(dtype=float)
        out[f"mean_km_{key}"] = float((w * km).sum() / w.sum())
        every = np.repeat(km, w.astype(int))  # one entry per account / per visit
        out[f"p95_km_{key}"] = float(np.percentile(every, 95, method="inverted_cdf"))
    pp, hull = [], []
    for r in reps.index:
        parts = metric[plan.to_numpy() == r]
        if not len(parts):
            continue
        shape = shapely.unary_union(list(parts))
        pp.append(4 * math.pi * shape.area / shape.length**2)
        hull.append(shape.area / shape.convex_hull.area)
    out.update(pp_mean=float(np.mean(pp)), pp_min=float(np.min(pp)))
    out.update(hull_mean=float(np.mean(hull)), hull_min=float(np.min(hull)))
    fte = reps["fte"].astype(float)
    for m in ("workload", "potential"):
        held = units[m].groupby(plan).sum().reindex(reps.index, fill_value=0.0)
        pct = 100.0 * held / (fte / fte.sum() * units[m].sum())
        out[f"{m}_pct_min"], out[f"{m}_pct_max"] = float(pct.min()), float(pct.max())
    return out


def nearest_home(units: gpd.GeoDataFrame, reps: pd.DataFrame) -> pd.Series:
    """Every unit to the closest home (straight line between centroids, Lambert-93)."""
    c = units.to_crs("EPSG:2154").geometry.centroid
    hx = np.array([c[h].x for h in reps["home"]])
    hy = np.array([c[h].y for h in reps["home"]])
    d = np.hypot(c.x.to_numpy()[:, None] - hx[None], c.y.to_numpy()[:, None] - hy[None])
    return pd.Series(reps.index[d.argmin(axis=1)], index=units.index)


# ---------------------------------------------------------------------- rows


def modes() -> dict[str, dict[str, Any]]:
    """:data:`MODES` plus the package's own list of objective modes, when it has one."""
    import territory_opt.problem as tp

    out = dict(MODES)
    for name in getattr(tp, "OBJECTIVE_MODES", ()):
        out.setdefault(f"optimize, objective={name}", {"objective": name})
    return out


def rows_for(
    units: gpd.GeoDataFrame, reps: pd.DataFrame, limit: float, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """One row per plan: the current one, the nearest home, every objective mode."""
    from territory_opt.graph import adjacency_graph
    from territory_opt.problem import TerritoryProblem
    from territory_opt.solve import optimize

    rows: list[dict[str, Any]] = []
    rows.append({"plan": "current", **figures(units, reps, units["current_rep"])})
    rows.append({"plan": "nearest home (Voronoi, km)", **figures(units, reps, nearest_home(units, reps))})  # fmt: skip
    G = adjacency_graph(units)
    measures = ["workload", "potential", "accounts", "visits"]
    for name, over in modes().items():
        settings: dict[str, Any] = {
            "balance": {"workload": 0.05, "potential": 0.05},
            "baseline": units["current_rep"],
            "contiguity": "cuts",
            "power": 2,
            "weight": "workload",
            **over,
        }
        try:
            problem = TerritoryProblem.from_geodataframe(
                units[[*measures, "name", "geometry"]], reps, measures=measures, graph=G, **settings
            )
        except Exception as exc:  # a mode this version does not have
            rows.append({"plan": name, "status": f"skipped: {str(exc)[:80]}"})
            continue
        t0 = time.perf_counter()
        plan = optimize(problem, time_limit=limit, nearest=8, raise_infeasible=False)
        secs = time.perf_counter() - t0
        r = plan.report
        row: dict[str, Any] = {"plan": name, "seconds": secs}
        if r is not None:
            row.update(status=r.status, bound=r.bound, gap=r.gap)
        if r is not None and r.status in ("optimal", "feasible"):
            row.update(figures(units, reps, plan.assignment))
        rows.append(row)
        log(f"{name}: {row.get('status')} in {secs:.0f} s")
    return rows


COLUMNS = (
    ("accounts changed", lambda r: f"{r['accounts_changed']:.0f} ({r['accounts_changed_pct']:.1f} %)"),
    ("workload changed", lambda r: f"{r['workload_changed_pct']:.1f} %"),
    ("km/account mean · p95", lambda r: f"{r['mean_km_account']:.1f} · {r['p95_km_account']:.1f}"),
    ("km/visit mean · p95", lambda r: f"{r['mean_km_visit']:.1f} · {r['p95_km_visit']:.1f}"),
    ("Polsby–Popper mean (worst)", lambda r: f"{r['pp_mean']:.3f} ({r['pp_min']:.3f})"),
    ("area/hull mean (worst)", lambda r: f"{r['hull_mean']:.2f} ({r['hull_min']:.2f})"),
    ("workload % of target", lambda r: f"{r['workload_pct_min']:.0f}–{r['workload_pct_max']:.0f}"),
    ("potential % of target", lambda r: f"{r['potential_pct_min']:.0f}–{r['potential_pct_max']:.0f}"),
    ("status", lambda r: str(r.get("status", "—"))),
    ("time s", lambda r: f"{r['seconds']:.0f}"),
    ("bound", lambda r: f"{r['bound']:,.0f}"),
    ("gap", lambda r: f"{100 * r['gap']:.1f} %"),
)  # fmt: skip


def markdown(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (— where a figure does not apply)."""
    head = "| plan | " + " | ".join(c for c, _ in COLUMNS) + " |"
    sep = "|---|" + "---|" * len(COLUMNS)
    lines = [head, sep]
    for r in rows:
        cells = []
        for _, f in COLUMNS:
            try:
                text = f(r)
            except (KeyError, TypeError, ValueError):
                text = "—"
            cells.append("—" if "nan" in text else text)
        lines.append(f"| {r['plan']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run both instances and write the section."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per optimized row")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write RESULTS.md")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    parts = [
        f"{HEADER}\n",
        f"`python benchmarks/plan_quality.py --time-limit {args.time_limit:g}` on {_machine()}. "
        "±5 % workload and potential (hard), contiguous (exact cuts), each unit pruned to its 8 "
        "nearest homes, one solve per row. Figures computed by the script itself (straight-line "
        "km between commune centroids in Lambert-93, its own polygon unions), not by "
        "territory_opt.plan. Changes are counted against the current plan; p95 = 95th "
        "percentile over accounts / visits.\n",
    ]
    for title, build in (
        ("Normandy demo (2,644 communes, 17 reps)", normandy),
        ("Brittany (22, 29, 35, 56: 1,202 communes, 14 reps, synthetic accounts)", brittany),
    ):
        units, reps, _ = build()
        rows = rows_for(units, reps, args.time_limit, print)
        parts.append(f"### {title}\n\n{markdown(rows)}\n")
    text = "\n".join(parts)
    print(text)
    if not args.dry_run:
        write_section(HEADER, text)


if __name__ == "__main__":
    main()
