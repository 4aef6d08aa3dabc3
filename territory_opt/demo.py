"""End-to-end demo (``make demo``): Normandy, from the current plan to an optimized one.

Steps: load the real communes and the demo sales force, validate, build the adjacency
graph, diagnose the current plan, optimize (±5 % on workload and potential, contiguous;
the redeployment default of a study with a current plan, course slide 40: fewest accounts
changing rep first, then travel and shape within a slack; exact contiguity by lazy cuts,
HiGHS with a time limit), then write the plan, the per-territory and
per-account change lists, the XLSX report, the offline HTML maps and a PNG into
``--out``. Run with ``python -m territory_opt.demo --out out``.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import time
from pathlib import Path

import pandas as pd

from .data.datasets import load_normandie
from .data.validate import validate_inputs
from .graph.adjacency import adjacency_graph, components_report
from .plan.alignment import Alignment
from .problem.territory_problem import TerritoryProblem
from .reports.export import export_plan
from .solve.pipeline import optimize

__all__ = ["main", "run"]

logger = logging.getLogger("territory_opt.demo")

MEASURES = ("workload", "potential", "accounts")
BALANCE = {"workload": 0.05, "potential": 0.05}


def _summary(al: Alignment) -> str:
    m = al.metrics()
    return (
        f"workload max/min {m['workload_max_min_ratio']:.2f} (worst {m['workload_max_dev_pct']:.1f} % "
        f"off target), potential worst {m['potential_max_dev_pct']:.1f} % off, "
        f"mean distance to home {m['compactness']:.1f} km"
    )


def run(out: Path, *, time_limit: float = 120.0, solver: str = "highs") -> dict[str, object]:
    """Run the demo; write every output into ``out`` (replaced); return the figures."""
    t0 = time.perf_counter()
    data = load_normandie()
    units, reps = data.units, data.reps
    validate_inputs(units, reps, measures=MEASURES, baseline=units["current_rep"])
    G = adjacency_graph(units)
    graph = components_report(G)
    logger.info(
        "Normandy: %d communes, %d borders, %d bridged, connected=%s; %d accounts, %.0f h, %d reps",
        graph["nodes"],
        graph["edges"],
        graph["bridged"],
        graph["connected"],
        len(data.accounts),
        data.accounts["workload"].sum(),
        len(reps),
    )
    problem = TerritoryProblem.from_geodataframe(
        units[[*MEASURES, "name", "geometry"]],
        reps,
        measures=list(MEASURES),
        graph=G,
        balance=BALANCE,
        baseline=units["current_rep"],
        contiguity="cuts",  # exact; the heuristic's connected plan is the incumbent
        weight="workload",  # of the shape term (compact) of the second stage
        # no objective named: with a current plan the default is "redeploy" (fewest
        # accounts changing rep, then travel + compact); objective="redesign" ignores it
    )
    current = Alignment.from_assignment(units["current_rep"], problem=problem)
    logger.info("Current plan: %s", _summary(current))
    plan = optimize(problem, solver, time_limit=time_limit, nearest=8, raise_infeasible=False)
    r = plan.report
    assert r is not None
    logger.info(
        "Optimized plan (%s, %s, %.0f s, gap %s): %s; %d communes and %.0f accounts change rep",
        r.status,
        r.solver,
        r.seconds,
        "n/a" if r.gap is None else f"{100 * r.gap:.2f} %",
        _summary(plan),
        plan.metrics()["units_changed"],
        plan.metrics()["accounts_changed"],
    )
    if out.exists():
        shutil.rmtree(out)
    files = export_plan(
        plan,
        out,
        accounts=data.accounts,
        before=current,
        name="normandie",
        map_name="normandie_plan.html",
    )
    table = plan.territory_table()
    return {
        "graph": graph,
        "current": current.metrics(),
        "plan": plan.metrics(),
        "report": r,
        "table": table,
        "files": files,
        "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point of the demo."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--solver", default="highs", choices=["highs", "cbc", "scip"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("territory_opt").setLevel(logging.WARNING)
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    logger.setLevel(logging.INFO)
    res = run(args.out, time_limit=args.time_limit, solver=args.solver)
    table = res["table"]
    assert isinstance(table, pd.DataFrame)
    cols = [
        c
        for c in (
            "name",
            "units",
            "accounts",
            "workload",
            "workload_pct_target",
            "potential_pct_target",
            "max_km",
        )
        if c in table.columns
    ]
    logger.info("Optimized territories:\n%s", table[cols].round(1).to_string())
    files = res["files"]
    assert isinstance(files, dict)
    for kind, path in files.items():
        logger.info("  %-16s %s", kind, path)
    logger.info("Done in %.0f s. Open %s in a browser.", res["seconds"], files.get("comparison"))


if __name__ == "__main__":
    main()
