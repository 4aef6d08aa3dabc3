"""End-to-end demo (``make demo``): load Normandy, validate, build the graph, summarise.

Later stages (optimize, maps, reports) are added here as they land; run with
``python -m territory_opt.demo --out out``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import pandas as pd

from .adjacency import adjacency_graph, components_report
from .datasets import load_normandie
from .validate import validate_inputs

__all__ = ["main", "run"]

logger = logging.getLogger(__name__)

MEASURES = ("workload", "potential", "accounts")


def current_plan_table(units: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Per-rep figures of the current plan, with workload as % of the FTE-weighted target."""
    table = units.groupby("current_rep")[list(MEASURES)].sum()
    table["communes"] = units.groupby("current_rep").size()
    table = table.join(reps[["name", "town", "fte"]])
    target = reps["fte"] / reps["fte"].sum() * units["workload"].sum()
    table["workload_pct_target"] = 100 * table["workload"] / target
    return table


def run(out: Path) -> dict[str, object]:
    """Run the demo and write ``current_plan.csv`` into ``out``; return the figures."""
    t0 = time.perf_counter()
    data = load_normandie()
    validate_inputs(data.units, data.reps, measures=MEASURES, baseline=data.units["current_rep"])
    G = adjacency_graph(data.units)
    report = components_report(G)
    table = current_plan_table(data.units, data.reps)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "current_plan.csv")
    return {
        "communes": len(data.units),
        "graph": report,
        "accounts": len(data.accounts),
        "workload_h": float(data.accounts["workload"].sum()),
        "reps": len(data.reps),
        "table": table,
        "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point of the demo."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    res = run(args.out)
    graph = res["graph"]
    assert isinstance(graph, dict)
    table = res["table"]
    assert isinstance(table, pd.DataFrame)
    lines = [
        f"Normandy: {res['communes']} communes, {graph['edges']} borders, "
        f"{graph['bridged']} bridged islands, connected={graph['connected']}",
        f"{res['accounts']} accounts, {res['workload_h']:,.0f} h of workload, {res['reps']} reps",
        "Current plan (workload as % of FTE-weighted target):",
        table[["name", "town", "fte", "communes", "accounts", "workload", "workload_pct_target"]]
        .round(1)
        .to_string(),
        f"max/min workload per FTE: {table['workload_pct_target'].max() / table['workload_pct_target'].min():.2f}",
        f"written: {args.out / 'current_plan.csv'}  ({res['seconds']:.1f} s)",
    ]
    for line in lines:
        logger.info(line)


if __name__ == "__main__":
    main()
