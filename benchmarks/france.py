"""Benchmark: metropolitan France, ~300 reps, ±10 % workload, contiguous, by decomposition.

Instance (seeded, built in a few seconds from ``load_communes()``):

* **units**: all 34,742 metropolitan communes with a shape (``load_communes()``), graph
  from :func:`territory_opt.graph.adjacency.adjacency_graph` (islands and Corsica bridged);
* **accounts**: the course's segments (100 large × 12 visits × 2 h, 1,400 medium × 6 × 1 h,
  2,400 small × 1 × 0.5 h = 12,000 h for 16.3 reps of 736 h) scaled by
  ``reps × 736 / 12,000`` and spread over communes in proportion to population
  (multinomial per segment, seeded);
* **dense cities**: a commune holding more than one rep's workload (Paris ≈ 10 reps,
  Marseille ≈ 4, Lyon, Toulouse, Nice, Nantes, Montpellier, Strasbourg, Bordeaux,
  Lille...) cannot be a whole unit of a ±10 % territory; as real sales forces do, such a
  city gets ``floor(workload / target)`` *dedicated city reps* (carved out of the
  optimisation, each with exactly one target of the city's accounts) and its remainder
  stays in the commune for the territory reps. The targets of the territory reps are
  unchanged by the carve-out (the dedicated reps take exactly their share);
* **reps**: the remaining territory reps are apportioned to the régions by workload
  (largest remainder), Corsica being served from the Provence-Alpes-Côte d'Azur
  district (its 1.5 reps' worth of workload cannot make whole ±10 % territories on the
  island alone); each rep lives in a real town: per district, a balanced
  workload-weighted k-means (seeded) splits the district into compact catchments of
  about equal workload and each rep lives in the most populous commune of one;
* **model**: FTE 1 each, workload within ±10 % of the target, contiguous territories
  rooted at the homes (shortest-path constraints in the pieces, cut generation in the
  seam repair), objective = sum of commune-to-home km (geodesic).

Solved by :func:`territory_opt.studies.decompose.decompose` by district (région), pieces solved
by :func:`territory_opt.solve.pipeline.optimize` on ``--workers`` processes (2 on this 2-core
machine), seams repaired by a border-only MILP, and a true lower bound of the full
problem computed by Lagrangian relaxation of the balance rows (= the LP relaxation
without contiguity).

Writes (replaces) the ``## France`` section of ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/france.py                                 # 1, 3, 5 and 13 régions
    python benchmarks/france.py --regions 1 3 --piece-time 30   # a short run
"""

from __future__ import annotations

import argparse
import logging
import math
import resource
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from _results import machine as _machine
from _results import write_section

from territory_opt.data.datasets import load_communes
from territory_opt.data.demo_data import SEGMENTS
from territory_opt.graph.adjacency import adjacency_graph
from territory_opt.milp.contiguity import is_contiguous
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.studies.decompose import apportion, decompose

HEADER = "## France"
HOURS_PER_REP = 736.0  # 46 wk x 5 d x 8 h x 40 % in contact (course)
COURSE_HOURS = 12_000.0
# subsets of régions for the scaling curve (INSEE region codes), nested
REGION_SETS: dict[int, list[str]] = {
    1: ["28"],  # Normandie
    3: ["28", "53", "52"],  # + Bretagne, Pays de la Loire
    5: ["28", "53", "52", "24", "11"],  # + Centre-Val de Loire, Île-de-France
    13: ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"],
}
DISTRICT_MERGE = {"94": "93"}  # Corsica is served from the PACA district

logger = logging.getLogger("france")


def _peak_mib() -> tuple[float, float]:
    """Peak resident memory (MiB) of this process and of its (waited-for) children."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return me, kids


def national_accounts(communes: pd.DataFrame, n_reps: int, seed: int) -> pd.DataFrame:
    """Per-commune ``accounts`` and ``workload`` (h): course segments scaled to ``n_reps``."""
    rng = np.random.default_rng(seed)
    pop = communes["population"].to_numpy(dtype=float)
    prob = pop / pop.sum()
    scale = n_reps * HOURS_PER_REP / COURSE_HOURS
    accounts = np.zeros(len(communes), dtype=np.int64)
    workload = np.zeros(len(communes))
    for seg in SEGMENTS:
        count = round(seg.accounts * scale)
        drawn = rng.multinomial(count, prob)
        accounts += drawn
        workload += drawn * seg.visits_per_year * seg.hours_per_visit
    return pd.DataFrame({"accounts": accounts, "workload": workload}, index=communes.index)


def _balanced_catchments(
    xy: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Label per point: ``k`` compact catchments of about equal weight (balanced k-means).

    Points go to the centre minimising ``squared distance - price``; prices rise for
    light catchments and fall for heavy ones (an auction), and centres move to their
    catchment's weighted centroid.
    """
    if k == 1:
        return np.zeros(len(xy), dtype=np.int64)
    centres = [xy[rng.choice(len(xy), p=w / w.sum())]]
    for _ in range(1, k):  # k-means++ start
        d2 = np.min([((xy - c) ** 2).sum(axis=1) for c in centres], axis=0)
        centres.append(xy[rng.choice(len(xy), p=w * d2 / (w * d2).sum())])
    C = np.array(centres)
    price = np.zeros(k)
    target = w.sum() / k
    label = np.zeros(len(xy), dtype=np.int64)
    for it in range(400):
        D = ((xy[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        label = np.argmin(D - price[None, :], axis=1)
        load = np.bincount(label, weights=w, minlength=k)
        scale = float(np.median(D.min(axis=1))) + 1e-9
        price += 0.5 * scale * (target - load) / target
        if it % 10 == 9 and it < 300:
            for j in range(k):
                sel = label == j
                if sel.any():
                    C[j] = (xy[sel] * w[sel, None]).sum(axis=0) / w[sel].sum()
    return label


def _homes(
    units: gpd.GeoDataFrame,
    district: pd.Series,
    counts: pd.Series,
    points: gpd.GeoSeries,
    seed: int,
) -> list[tuple[str, str]]:
    """(district, home) pairs: reps spread like the workload, living in real towns.

    Per district, a balanced workload-weighted k-means of the commune points (seeded)
    splits the district into ``k`` compact catchments of about equal workload; each rep
    lives in the most populous commune of its catchment.
    """
    rng = np.random.default_rng(seed)
    out: list[tuple[str, str]] = []
    for d, k in counts.items():
        if k <= 0:
            continue
        members = units.index[district == d]
        xy = np.column_stack([points[members].x, points[members].y]) / 1000.0  # km
        w = units.loc[members, "workload"].to_numpy(dtype=float) + 1e-3
        label = _balanced_catchments(xy, w, int(k), rng)
        pop = units.loc[members, "population"].to_numpy()
        chosen: list[int] = []
        for j in range(int(k)):
            idx = np.flatnonzero(label == j)
            chosen.append(int(idx[np.argmax(pop[idx])]) if len(idx) else -1)
        for j, c in enumerate(chosen):  # an empty catchment: the most populous free commune
            if c < 0:
                chosen[j] = next(int(i) for i in np.argsort(-pop) if int(i) not in chosen)
        out.extend((str(d), str(members[c])) for c in chosen)
    homes = [h for _, h in out]
    assert len(set(homes)) == len(homes), "two reps share a home"
    return out


def national_instance(n_reps: int = 300, seed: int = 2024) -> dict[str, object]:
    """Units, reps, districts and dedicated city reps of the national benchmark."""
    communes = load_communes()
    acc = national_accounts(communes, n_reps, seed)
    units = communes[["name", "departement", "region", "population", "geometry"]].join(acc)
    target = float(units["workload"].sum()) / n_reps
    dedicated = np.floor(units["workload"] / target).astype(int)
    dedicated = dedicated[dedicated > 0]
    units["workload"] = units["workload"] - (dedicated * target).reindex(units.index, fill_value=0)
    units["workload"] = units["workload"].clip(lower=0.0)
    district = units["region"].astype(str).replace(DISTRICT_MERGE).rename("district")
    n_territory = n_reps - int(dedicated.sum())
    load = units.groupby(district)["workload"].sum()
    counts = apportion(load, n_territory)
    points = units.geometry.to_crs("EPSG:2154").representative_point()
    pairs = _homes(units, district, counts, points, seed)
    reps = pd.DataFrame(
        {
            "home": [h for _, h in pairs],
            "district": [d for d, _ in pairs],
            "fte": 1.0,
        },
        index=pd.Index([f"R{k + 1:03d}" for k in range(len(pairs))], name="rep"),
    )
    reps["name"] = units.loc[reps["home"], "name"].to_numpy()
    return {
        "units": units,
        "reps": reps,
        "district": district,
        "dedicated": pd.DataFrame(
            {"name": units.loc[dedicated.index, "name"], "dedicated_reps": dedicated}
        ),
        "target": target,
    }


def run_one(
    inst: dict[str, object], regions: list[str], args: argparse.Namespace, G_full: object
) -> dict[str, object]:
    """Build and solve the instance restricted to ``regions``; return a result row."""
    units: gpd.GeoDataFrame = inst["units"]  # type: ignore[assignment]
    reps: pd.DataFrame = inst["reps"]  # type: ignore[assignment]
    district: pd.Series = inst["district"]  # type: ignore[assignment]
    t0 = time.perf_counter()
    sub = units[units["region"].isin(regions)]
    sub_reps = reps[reps["home"].isin(sub.index)]
    import networkx as nx

    assert isinstance(G_full, nx.Graph)
    G = G_full.subgraph(sub.index).copy()
    if not nx.is_connected(G):  # e.g. Corsica without its bridge region: rebuild locally
        G = adjacency_graph(sub)
    t_graph = time.perf_counter() - t0
    problem = TerritoryProblem.from_geodataframe(
        sub[["name", "workload", "accounts", "geometry"]],
        sub_reps[["home", "fte", "name"]],
        measures=["workload", "accounts"],
        graph=G,
        balance={"workload": args.tolerance},
        contiguity="sp",
        power=1,
    )
    t_problem = time.perf_counter() - t0
    logger.info(
        "%d région(s): %d units, %d reps, problem built in %.1f s",
        len(regions),
        problem.n_units,
        problem.k,
        t_problem,
    )
    res = decompose(
        problem,
        district.reindex(list(problem.unit_ids)),
        workers=args.workers,
        time_limit=args.piece_time,
        heuristic_time=args.heuristic_time,
        gap=args.gap,
        nearest=args.nearest,
        repair_hops=args.hops,
        repair_time_limit=args.repair_time,
        bound_time_limit=args.bound_time,
    )
    total = time.perf_counter() - t0
    a = res.alignment
    m = a.metrics()
    me, kids = _peak_mib()
    row: dict[str, object] = {
        "regions": len(regions),
        "units": problem.n_units,
        "reps": problem.k,
        "pieces": len(res.pieces),
        "graph_s": t_graph,
        "build_s": t_problem,
        "first_feasible_s": (
            t_problem + res.first_feasible_seconds
            if res.first_feasible_seconds is not None
            else None
        ),
        "pieces_s": res.pieces_seconds,
        "repair_s": res.repair.seconds if res.repair is not None else 0.0,
        "bound_s": res.bound_seconds,
        "total_s": total,
        "status": res.status,
        "objective": res.objective,
        "stitched_objective": res.stitched_objective,
        "bound": res.bound,
        "gap": res.gap,
        "restricted_bound": res.restricted_bound,
        "dev_before": res.max_deviation_before.get("workload"),
        "dev_after": m["workload_max_dev_pct"],
        "contiguous": is_contiguous(problem.graph, a.assignment),
        "peak_mib": me,
        "peak_children_mib": kids,
        "message": res.message,
    }
    logger.info("%s", row)
    return row


def _f(v: object, fmt: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return format(v, fmt) if isinstance(v, float | int) else str(v)


def write(rows: list[dict[str, object]], inst: dict[str, object], args: argparse.Namespace) -> str:
    """Replace the ``## France`` section of RESULTS.md with these rows."""
    dedicated: pd.DataFrame = inst["dedicated"]  # type: ignore[assignment]
    reps: pd.DataFrame = inst["reps"]  # type: ignore[assignment]
    ded = ", ".join(
        f"{r.name} {r.dedicated_reps}"
        for r in dedicated.sort_values("dedicated_reps", ascending=False).itertuples()
    )
    cmd = (
        f"python benchmarks/france.py --regions {' '.join(map(str, args.regions))} "
        f"--piece-time {args.piece_time:g} --heuristic-time {args.heuristic_time:g} "
        f"--repair-time {args.repair_time:g} "
        f"--bound-time {args.bound_time:g} --workers {args.workers} --nearest {args.nearest} "
        f"--hops {args.hops}"
    )
    lines = [
        HEADER,
        "",
        f"`{cmd}` on {time.strftime('%Y-%m-%d')}.",
        "",
        f"- machine: {_machine()}; {args.workers} worker process(es), solver threads 1",
        f"- instance: metropolitan communes, {args.reps} reps in all: {int(dedicated['dedicated_reps'].sum())} "
        f"dedicated city reps carved out of dense cities ({ded}) and {len(reps)} territory reps "
        "living in real towns (the most populous commune of each of k balanced workload-weighted k-means catchments per district), "
        f"workload (course segments × {args.reps * HOURS_PER_REP / COURSE_HOURS:.1f}, by population, "
        f"seed {args.seed}) within ±{100 * args.tolerance:g} % of the target, contiguous, objective = "
        "sum of commune-to-home km.",
        "- method: `decompose` by district (région; Corsica with PACA), pieces solved by `optimize` "
        f"(construction heuristic {args.heuristic_time:g} s then HiGHS, {args.piece_time:g} s in all per piece, pruned to {args.nearest} nearest homes, shortest-path "
        f"contiguity, tolerance tightened so that regional bounds sit inside the national ones), "
        f"then a border-only MILP ({args.hops} hops around the seams free, the rest locked and "
        "contracted, cut-generation contiguity, national targets).",
        "- `first feasible`: seconds from the start (graph and problem build included, data load "
        "excluded) until the stitched plan was checked feasible for the full problem "
        "(contiguous, every territory within ±10 %). `bound`: a true lower bound of the full "
        "problem (Lagrangian relaxation of the balance rows, i.e. the LP relaxation without "
        "contiguity, on all units × all reps); `gap` = (objective - bound) / objective. "
        "`restricted bound`: sum of the pieces' solver bounds, a bound only for plans that keep "
        "every commune in its district (not for the full problem).",
        "- peak memory: `ru_maxrss` of the main process (it holds the full problem, the "
        "national cost matrix and the repair MILP). Worker processes hold one piece each; their "
        "`RUSAGE_CHILDREN` figure is not shown because a spawned child's maxrss includes the "
        "parent's pages at fork time.",
        f"- not in the times: building the instance ({inst.get('instance_s', float('nan')):.1f} s: "
        f"data load, accounts, homes) and the national adjacency graph "
        f"({inst.get('graph_s', float('nan')):.1f} s).",
        "",
        "| régions | units | reps | pieces | first feasible (s) | pieces (s) | repair (s) | bound (s) | total (s) | status | objective (km) | bound | gap | restricted bound | max dev % before → after repair | contiguous | peak MiB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    notes = []
    for r in rows:
        gap = r.get("gap")
        lines.append(
            f"| {r['regions']} | {r['units']:,} | {r['reps']} | {r['pieces']} | {_f(r.get('first_feasible_s'), '.1f')} | "
            f"{_f(r.get('pieces_s'), '.1f')} | {_f(r.get('repair_s'), '.1f')} | {_f(r.get('bound_s'), '.1f')} | "
            f"{_f(r.get('total_s'), '.1f')} | {r['status']} | {_f(r.get('objective'), ',.0f')} | "
            f"{_f(r.get('bound'), ',.0f')} | {_f(100 * gap, '.2f') + ' %' if isinstance(gap, float) else '-'} | "
            f"{_f(r.get('restricted_bound'), ',.0f')} | {_f(r.get('dev_before'), '.1f')} → {_f(r.get('dev_after'), '.1f')} | "
            f"{r.get('contiguous')} | {_f(r.get('peak_mib'), '.0f')} |"
        )
        notes.append(f"- {r['regions']} région(s): {r.get('message', '')}")
    lines += ["", "Notes:", "", *notes, ""]
    section = "\n".join(lines)
    write_section(HEADER, section)
    return section


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--regions",
        nargs="+",
        type=int,
        default=[1, 3, 5, 13],
        choices=sorted(REGION_SETS),
        help="numbers of régions to run (scaling curve)",
    )
    ap.add_argument("--reps", type=int, default=300, help="reps in all (default 300)")
    ap.add_argument("--tolerance", type=float, default=0.10, help="workload tolerance (0.10)")
    ap.add_argument("--piece-time", type=float, default=40.0, help="seconds per piece (40)")
    ap.add_argument(
        "--heuristic-time", type=float, default=20.0, help="heuristic seconds per piece (20)"
    )
    ap.add_argument("--repair-time", type=float, default=90.0, help="seam repair seconds (90)")
    ap.add_argument("--bound-time", type=float, default=30.0, help="lower bound seconds (30)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    ap.add_argument("--nearest", type=int, default=8, help="prune to the N nearest homes (8)")
    ap.add_argument("--hops", type=int, default=2, help="free units within N hops of a seam (2)")
    ap.add_argument("--gap", type=float, default=0.01, help="relative gap per piece (0.01)")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr
    )
    t0 = time.perf_counter()
    inst = national_instance(args.reps, args.seed)
    inst["instance_s"] = time.perf_counter() - t0
    logger.info("instance built in %.1f s", inst["instance_s"])
    t1 = time.perf_counter()
    G_full = adjacency_graph(inst["units"])  # type: ignore[arg-type]
    inst["graph_s"] = time.perf_counter() - t1
    logger.info("national graph in %.1f s", inst["graph_s"])
    rows = [run_one(inst, REGION_SETS[k], args, G_full) for k in sorted(args.regions)]
    section = write(rows, inst, args)
    sys.stderr.write(section + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
