"""Benchmark: proven optimality with exact contiguity, every back-end side by side.

Instances

* **Normandy** (``to.load_normandie()``): 2,644 communes, 17 reps at their homes, workload
  and potential within ±5 % of the FTE-weighted targets, exact ``"cuts"`` contiguity,
  objective Σ workload·km² to the home; warm start from the construction heuristic. HiGHS
  and CBC run the outer cut loop of :mod:`territory_opt.solve.pipeline`; SCIP separates the
  connectivity cuts inside its tree (:mod:`territory_opt.milp.backends.scip`).
* **Pfizer Turkey** (``tests/data/pfizer_turkey``): 22 bricks, 4 reps, workload in
  [0.8, 1.2], no contiguity, minimum distance (published optimum 154.60 km).
* **Grid districting**: seeded 6×6 and 8×8 grids, 4 reps at fixed homes, random costs, ±20 %
  balance, exact ``"cuts"`` contiguity.

Columns: status, objective, bound, gap, time, nodes (SCIP only: the other back-ends do not
report it through the pipeline), cuts (SCIP: connectivity cuts added in the tree; HiGHS/CBC:
outer cut rounds).

Usage::

    python benchmarks/exact.py --time-limit 60
    python benchmarks/exact.py --time-limit 300 --instances normandy
    python benchmarks/exact.py --instances districting --districting-limit 60

``districting`` runs the free-centre instances of :mod:`_districting` (Hess model, hop
distances, ±0.5 % population, k = 2…8) with every back-end of ``--districting-solvers``
and writes its own section (:data:`DISTRICTING_HEADER`).
"""

from __future__ import annotations

import argparse
import logging
import re
import time
from pathlib import Path

import _districting
import networkx as nx
import numpy as np
import pandas as pd
from _results import machine as _machine
from _results import write_section

import territory_opt as to
from territory_opt.exceptions import InfeasibleError, SolverError
from territory_opt.milp.contiguity import is_contiguous
from territory_opt.problem.territory_problem import Balance, TerritoryProblem
from territory_opt.solve.pipeline import optimize

HEADER = "## Exact contiguity: HiGHS, CBC and SCIP"
DISTRICTING_HEADER = "## Exact contiguity: free-centre districting"
PFIZER = Path(__file__).resolve().parents[1] / "tests" / "data" / "pfizer_turkey"


def normandy() -> TerritoryProblem:
    ds = to.load_normandie()
    return TerritoryProblem.from_geodataframe(
        ds.units,
        ds.reps,
        measures=["workload", "potential", "accounts"],
        balance={"workload": 0.05, "potential": 0.05},
        contiguity="cuts",
        baseline="current_rep",
        disruption="accounts",
        objective="cost",
        power=2,
        weight="workload",
    )


def pfizer() -> TerritoryProblem:
    bricks = pd.read_csv(PFIZER / "bricks.csv").set_index("brick")
    dist = pd.read_csv(PFIZER / "distances.csv").set_index("brick")
    dist.columns = [int(c.removeprefix("sr")) for c in dist.columns]
    offices = pd.read_csv(PFIZER / "offices.csv").set_index("sr")
    reps = pd.DataFrame({"home": offices["office_brick"], "fte": 1.0})
    return TerritoryProblem.from_cost_matrix(
        dist,
        bricks[["workload_index"]],
        reps,
        balance=[Balance("workload_index", lower=0.8, upper=1.2)],
        objective="cost",
    )


def grid(side: int, seed: int) -> TerritoryProblem:
    rng = np.random.default_rng(seed)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side), ordering="sorted")
    n = side * side
    homes = rng.choice(n, 4, replace=False).tolist()
    names = ["A", "B", "C", "D"]
    cost = pd.DataFrame(rng.random((n, 4)) * 10, index=range(n), columns=names)
    meas = pd.DataFrame({"w": rng.integers(1, 6, n).astype(float)}, index=range(n))
    reps = pd.DataFrame({"home": homes}, index=names)
    return TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"w": 0.2}, cost=cost, contiguity="cuts"
    )


def _stat(message: str, key: str) -> int | None:
    m = re.search(rf"\b{key}=(\d+)", message)
    return int(m.group(1)) if m else None


def run_one(
    name: str,
    problem: TerritoryProblem,
    solver: str,
    limit: float,
    warm: bool,
    heuristic_time: float | None = None,
) -> dict:
    row: dict[str, object] = {"instance": name, "solver": solver, "limit": limit}
    try:
        a = optimize(
            problem, solver, time_limit=limit, gap=0.0, warm_start=warm, seed=0,
            heuristic_time=heuristic_time,
        )  # fmt: skip
    except (InfeasibleError, SolverError) as exc:
        row.update(status=type(exc).__name__, message=str(exc).replace("\n", " "))
        return row
    rep = a.report
    assert rep is not None
    msg = rep.message
    rounds = re.search(r"(\d+) (?:cut )?round\(s\)", msg)
    row.update(
        status=rep.status,
        objective=rep.objective,
        bound=rep.bound,
        gap=rep.gap,
        seconds=rep.seconds,
        nodes=_stat(msg, "nodes"),
        cuts=_stat(msg, "cuts") if solver == "scip" else (int(rounds.group(1)) if rounds else 0),
        contiguous=(
            is_contiguous(problem.graph, a.assignment)
            if problem.graph is not None and problem.contiguity
            else "-"
        ),
        message=msg,
    )
    logging.info("%s", {k: v for k, v in row.items() if k != "message"})
    return row


def _f(v: object, fmt: str) -> str:
    return "-" if v is None else format(v, fmt) if isinstance(v, float | int) else str(v)


def write(rows: list[dict], args: argparse.Namespace) -> None:
    lines = [
        HEADER,
        "",
        f"`python benchmarks/exact.py --time-limit {' '.join(f'{t:g}' for t in args.time_limit)} "
        f"--instances {' '.join(args.instances)} --solvers {' '.join(args.solvers)}"
        + (f" --long-solvers {' '.join(args.long_solvers)}" if args.long_solvers else "")
        + f" --small-limit {args.small_limit:g}` on "
        f"{time.strftime('%Y-%m-%d')}; machine: {_machine()}; one thread each; requested gap 0.",
        "",
        "- Normandy: 2,644 communes, 17 homes, workload and potential ±5 %, exact `cuts` "
        "contiguity, Σ workload·km², warm start from the heuristic (40 % of the time limit); "
        "HiGHS/CBC: outer cut loop (cuts = rounds), SCIP: connectivity cuts in the tree "
        "(cuts = separator rows added). Pfizer Turkey: workload [0.8, 1.2], min distance "
        "(published 154.60). Grids (6×6, 8×8): 4 fixed homes, random costs, ±20 %, no warm start.",
        "- `bound`/`gap`: the report's bound valid for the problem as stated.",
        "",
        "| instance | limit (s) | solver | status | objective | bound | gap | time (s) | nodes "
        "| cuts | contiguous |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        gap = r.get("gap")
        lines.append(
            f"| {r['instance']} | {r['limit']:g} | {r['solver']} | {r.get('status')} | "
            f"{_f(r.get('objective'), '.6g')} | {_f(r.get('bound'), '.6g')} | "
            f"{_f(100 * gap, '.2f') + ' %' if isinstance(gap, float) else '-'} | "
            f"{_f(r.get('seconds'), '.1f')} | {_f(r.get('nodes'), 'd')} | {_f(r.get('cuts'), 'd')} "
            f"| {r.get('contiguous', '-')} |"
        )
    lines += ["", "Messages:", ""]
    lines += [
        f"- {r['instance']}, {r['solver']}, {r['limit']:g} s: {r.get('message', '')}" for r in rows
    ]
    write_section(HEADER, "\n".join(lines) + "\n")


def districting(args: argparse.Namespace) -> None:
    """The free-centre districting rows (one solve per instance and back-end, sequential)."""
    rows = []
    for n, inst in enumerate(_districting.INSTANCES):
        if args.only is not None and n not in args.only:
            continue
        base = inst.build()
        name = f"{inst.name}, k={inst.k}"
        for label in args.districting_solvers:
            solver, mode = _districting.SOLVERS[label]
            row = run_one(
                name, base.replace(contiguity=mode), solver, args.districting_limit, True,
                heuristic_time=_districting.HEURISTIC_SECONDS,
            )  # fmt: skip
            row.update(solver=label, units=base.n_units)
            rows.append(row)
        if not args.no_write:  # after every instance: a stopped run keeps what it measured
            write_districting(rows, args)


def write_districting(rows: list[dict], args: argparse.Namespace) -> None:
    """The free-centre section of RESULTS.md."""
    lines = [
        DISTRICTING_HEADER,
        "",
        f"`python benchmarks/exact.py --instances districting --districting-limit "
        f"{args.districting_limit:g} --districting-solvers {' '.join(args.districting_solvers)}` "
        f"on {time.strftime('%Y-%m-%d')}; machine: {_machine()} (shared with other jobs: "
        "times are indicative); one thread each, sequential; requested gap 0.",
        "",
        _districting.DESCRIPTION,
        "",
        "| instance | units | solver | status | objective | bound | gap | time (s) | nodes "
        "| cuts | contiguous |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        gap = r.get("gap")
        if r.get("status") not in ("optimal", "feasible"):  # a violating hint: no plan
            r = {**r, "objective": None, "contiguous": "-"}
        lines.append(
            f"| {r['instance']} | {r['units']} | {r['solver']} | {r.get('status')} | "
            f"{_f(r.get('objective'), '.6g')} | {_f(r.get('bound'), '.6g')} | "
            f"{_f(100 * gap, '.2f') + ' %' if isinstance(gap, float) else '-'} | "
            f"{_f(r.get('seconds'), '.1f')} | {_f(r.get('nodes'), 'd')} | {_f(r.get('cuts'), 'd')} "
            f"| {r.get('contiguous', '-')} |"
        )
    lines += ["", "Messages:", ""]
    lines += [f"- {r['instance']}, {r['solver']}: {r.get('message', '')}" for r in rows]
    write_section(DISTRICTING_HEADER, "\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, nargs="+", default=[60.0])
    ap.add_argument("--solvers", nargs="+", default=["highs", "cbc", "scip"])
    ap.add_argument("--instances", nargs="+", default=["pfizer", "grid6", "grid8", "normandy"])
    ap.add_argument(
        "--long-solvers", nargs="+", default=None,
        help="solvers run at the longer Normandy limits (default: all)",
    )  # fmt: skip
    ap.add_argument("--small-limit", type=float, default=20.0, help="seconds for the grids")
    ap.add_argument("--districting-limit", type=float, default=60.0)
    ap.add_argument("--districting-solvers", nargs="+", default=list(_districting.SOLVERS))
    ap.add_argument("--only", nargs="+", type=int, default=None, help="districting rows (index)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    builders = {
        "pfizer": (pfizer, False),
        "grid6": (lambda: grid(6, 0), False),
        "grid8": (lambda: grid(8, 1), False),
        "normandy": (normandy, True),
    }
    rows = []
    if "districting" in args.instances:
        districting(args)
    for name in (i for i in args.instances if i != "districting"):
        make, warm = builders[name]
        problem = make()
        limits = args.time_limit if name == "normandy" else [args.small_limit]
        for n_limit, limit in enumerate(limits):
            long = n_limit > 0 and args.long_solvers is not None
            for solver in args.long_solvers if long else args.solvers:
                rows.append(run_one(name, problem, solver, limit, warm))
    if rows and not args.no_write:
        write(rows, args)


if __name__ == "__main__":
    main()
