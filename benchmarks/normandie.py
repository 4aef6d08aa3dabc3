"""Benchmark: the Normandy demo (2,644 communes, 17 reps at their homes) with CBC and HiGHS.

Instance: ``territory_opt.data.datasets.load_normandie()``; workload and potential within ±5 %
of the FTE-weighted targets (hard), contiguous territories rooted at the homes
(shortest-path constraints), compactness objective ``sum_i d(i, home)`` in km (geodesic,
every commune weighs 1). Run once without and once with a disruption budget (accounts),
with each solver, warm-started by the construction heuristic, each unit pruned to its
``--nearest`` homes (the warm-start plan, the baseline rep and the home are always kept).

Writes (replaces) the ``## Normandy (<limit> s per solve)`` section of ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/normandie.py                       # 300 s per run, both solvers
    python benchmarks/normandie.py --time-limit 60 --solvers highs
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import networkx as nx
from _results import machine as _machine
from _results import write_section

import territory_opt as to
from territory_opt.exceptions import InfeasibleError, SolverError
from territory_opt.graph.adjacency import adjacency_graph
from territory_opt.milp.contiguity import is_contiguous
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize
from territory_opt.studies.free_centres import optimize_free_centres

HEADER = "## Normandy"
"""Section heading; the time limit is appended, so 60 s and 300 s runs keep a section each."""


def build(
    budget: str | None, contiguity: str | None, objective: str = "inertia"
) -> TerritoryProblem:
    """The benchmark problem (``budget`` e.g. ``"30%"`` of accounts, or None)."""
    ds = to.load_normandie()
    return TerritoryProblem.from_geodataframe(
        ds.units,
        ds.reps,
        measures=["workload", "potential", "accounts"],
        balance={"workload": 0.05, "potential": 0.05},
        contiguity=contiguity,  # type: ignore[arg-type]
        baseline="current_rep",
        disruption="accounts",
        disruption_budget=budget,
        power=2 if objective == "inertia" else 1,
        weight="workload" if objective == "inertia" else None,
        objective="cost",  # the moment of inertia / Σ km, not the redeployment default
    )


def run(args: argparse.Namespace) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for budget in [None, args.budget]:
        t_build = time.perf_counter()
        problem = build(
            budget, None if args.contiguity == "none" else args.contiguity, args.objective
        )
        build_s = time.perf_counter() - t_build
        for solver in args.solvers:
            logging.info("solving: solver=%s budget=%s", solver, budget)
            row: dict[str, object] = {"solver": solver, "budget": budget or "-", "build_s": build_s}
            try:
                a = optimize(
                    problem,
                    solver,
                    time_limit=args.time_limit,
                    gap=args.gap,
                    threads=args.threads,
                    seed=args.seed,
                    nearest=args.nearest,
                    heuristic_time=args.heuristic_time,
                )
            except (InfeasibleError, SolverError) as exc:
                row.update(status=type(exc).__name__, message=str(exc).replace("\n", " "))
                rows.append(row)
                continue
            rep = a.report
            assert rep is not None
            m = a.metrics()
            assert problem.graph is not None
            row.update(
                status=rep.status,
                objective=rep.objective,
                bound=rep.bound,
                gap=rep.gap,
                seconds=rep.seconds,
                contiguous=is_contiguous(problem.graph, a.assignment),
                workload_dev=m["workload_max_dev_pct"],
                potential_dev=m["potential_max_dev_pct"],
                accounts_changed_pct=m["accounts_changed_pct"],
                message=rep.message,
            )
            rows.append(row)
            logging.info("%s", row)
    if args.free:
        rows.extend(free_rows(args))
    return rows


def free_rows(args: argparse.Namespace) -> list[dict[str, object]]:
    """The same instance with free centres (k = 17, equal targets), dense units shared.

    ``optimize_free_centres``: half the time choosing centres and a plan, the rest in the
    fixed-centre MILP at those centres (its bound covers those centres only).
    """
    ds = to.load_normandie()
    graph = adjacency_graph(ds.units)
    rows: list[dict[str, object]] = []
    for solver in args.solvers:
        logging.info("solving free centres: solver=%s", solver)
        a = optimize_free_centres(
            ds.units, len(ds.reps), measures=["workload", "potential", "accounts"],
            balance={"workload": 0.05, "potential": 0.05}, solver=solver,
            time_limit=args.time_limit, seed=args.seed, nearest=args.nearest, power=2,
            weight="workload",
        )  # fmt: skip
        rep = a.report
        assert rep is not None
        m = a.metrics()
        # each territory connected over its whole units and the units it holds a share of
        members = {r: set(a.assignment.index[a.assignment == r]) for r in a.reps.index}
        if a.shared is not None:
            for u, r in zip(a.shared["unit"], a.shared["rep"], strict=True):
                members[r].add(u)
        contiguous = all(nx.is_connected(graph.subgraph(m)) for m in members.values())
        rows.append(
            {
                "solver": solver, "budget": "-", "centres": "free (k = 17)",
                "status": rep.status, "objective": rep.objective, "bound": rep.bound,
                "gap": rep.gap, "seconds": rep.seconds, "contiguous": contiguous,
                "workload_dev": m["workload_max_dev_pct"],
                "potential_dev": m["potential_max_dev_pct"],
                "accounts_changed_pct": None, "message": rep.message,
            }
        )  # fmt: skip
    return rows


def _f(v: object, fmt: str) -> str:
    return "-" if v is None or v == "" else format(v, fmt) if isinstance(v, float | int) else str(v)


def write(rows: list[dict[str, object]], args: argparse.Namespace) -> str:
    header = f"{HEADER} ({args.time_limit:g} s per solve)"
    lines = [
        header,
        "",
        f"`python benchmarks/normandie.py --time-limit {args.time_limit:g} --nearest {args.nearest} "
        f"--contiguity {args.contiguity} --objective {args.objective} "
        f"--solvers {' '.join(args.solvers)} --budget {args.budget}` on {time.strftime('%Y-%m-%d')}.",
        "",
        f"- machine: {_machine()}; solver threads: {args.threads}",
        "- instance: 2,644 communes, 17 reps at their homes, workload and potential within ±5 % of the "
        f"FTE-weighted targets, contiguity `{args.contiguity}`, objective = "
        + (
            "sum of workload x km^2 to the home"
            if args.objective == "inertia"
            else "sum of commune-to-home km"
        )
        + "; "
        f"pruned to the {args.nearest} nearest homes (+ home, baseline rep, warm-start rep); warm start from "
        "the construction heuristic; requested gap "
        f"{args.gap:g}.",
        "- `bound`/`gap` are the solver's proven best bound and relative gap (HiGHS `mip_dual_bound`; "
        "CBC parsed from its log); `optimal` only when proven.",
        "- free centres (k = 17, equal targets): whole units are infeasible (Le Havre and its enclave "
        "Sainte-Adresse hold 105.6 % of a seventeenth of the potential), so dense units are shared "
        "(`territory_opt.studies.free_centres.optimize_free_centres`): half the time chooses the centres and a plan, "
        "the fixed-centre MILP runs at those centres, and its bound covers those centres only (the full "
        "free-centre MILP has 7 M binaries here). Objective = workload x km^2 to the chosen centre; "
        "contiguity checked over each territory's whole units plus the units it holds a share of; "
        "`time` is the MILP step's (choosing the centres took the first half of the time limit); "
        "no accounts-changed figure (a greenfield design has no current plan).",
        "",
        "| centres | solver | disruption budget | status | objective | bound | gap | time (s) | contiguous | max dev workload % | max dev potential % | accounts changed % |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    notes = []
    for r in rows:
        gap = r.get("gap")
        lines.append(
            f"| {r.get('centres', 'homes')} | {r['solver']} | {r['budget']} | {r['status']} | {_f(r.get('objective'), '.1f')} | {_f(r.get('bound'), '.1f')} | "
            f"{_f(100 * gap, '.2f') + ' %' if isinstance(gap, float) else '-'} | {_f(r.get('seconds'), '.1f')} | {r.get('contiguous', '-')} | "
            f"{_f(r.get('workload_dev'), '.2f')} | {_f(r.get('potential_dev'), '.2f')} | {_f(r.get('accounts_changed_pct'), '.1f')} |"
        )
        notes.append(
            f"- {r.get('centres', 'homes')}, {r['solver']}, budget {r['budget']}: {r.get('message', '')}"
        )
    lines += ["", "Solver notes:", "", *notes, ""]
    section = "\n".join(lines)
    write_section(header, section)
    return section


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--time-limit", type=float, default=300.0, help="seconds per solve (default 300)"
    )
    ap.add_argument("--solvers", nargs="+", default=["highs", "cbc"], choices=["highs", "cbc"])
    ap.add_argument(
        "--budget",
        default="30%",
        help="disruption budget for the second run, e.g. 30%% of accounts",
    )
    ap.add_argument(
        "--nearest", type=int, default=8, help="prune each commune to its N nearest homes"
    )
    ap.add_argument("--gap", type=float, default=0.005, help="relative gap to stop at")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--heuristic-time",
        type=float,
        default=None,
        help="heuristic seconds (default min(10, 0.2 x limit))",
    )
    ap.add_argument("--contiguity", default="cuts", choices=["sp", "flow", "cuts", "none"])
    ap.add_argument(
        "--no-free",
        dest="free",
        action="store_false",
        help="skip the free-centre rows (k = 17, dense units shared)",
    )
    ap.add_argument(
        "--objective",
        default="inertia",
        choices=["inertia", "km"],
        help="inertia: sum of workload x km^2 (default); km: sum of commune-to-home km",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr
    )
    rows = run(args)
    section = write(rows, args)
    sys.stderr.write(section + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
