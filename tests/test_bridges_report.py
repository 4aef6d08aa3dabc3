"""The links made to islands are listed in the plan folder (CSV and an XLSX sheet)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from territory_opt.problem import TerritoryProblem
from territory_opt.reports.export import export_plan
from territory_opt.solve import optimize

from .conftest import grid_units


def test_island_bridges_are_in_the_report(tmp_path):
    g = grid_units(3, 2)
    island = gpd.GeoDataFrame(
        {"workload": [1.0], "potential": [2.0], "accounts": [1]},
        geometry=[box(3700.0, 0.0, 4700.0, 1000.0)],  # 700 m off the grid's east edge
        index=pd.Index(["isle"], name="id"),
        crs=g.crs,
    )
    units = pd.concat([g, island])
    reps = pd.DataFrame({"home": ["u0_0", "u2_1"], "fte": 1.0}, index=["A", "B"])
    problem = TerritoryProblem.from_geodataframe(
        units, reps, measures=["workload"], balance={"workload": 0.5}, contiguity="flow"
    )
    plan = optimize(problem, "highs", time_limit=5)
    files = export_plan(plan, tmp_path / "o", problem=problem, maps=False)
    bridges = pd.read_csv(files["bridges"], dtype={"unit": str, "linked_to": str})
    assert len(bridges) == 1
    row = bridges.iloc[0]
    assert "isle" in (row["unit"], row["linked_to"])
    other = row["linked_to"] if row["unit"] == "isle" else row["unit"]
    assert other in ("u2_0", "u2_1")  # the nearest mainland units
    own_gap = units.loc["isle", "geometry"].distance(units.loc[other, "geometry"]) / 1000
    assert row["gap_km"] == pytest.approx(own_gap, abs=0.01)
    sheet = pd.read_excel(files["xlsx"], sheet_name="island bridges", dtype={"unit": str})
    assert len(sheet) == 1
    # no islands, no bridges file
    plain = TerritoryProblem.from_geodataframe(
        g, reps, measures=["workload"], balance={"workload": 0.5}, contiguity="flow"
    )
    files = export_plan(
        optimize(plain, "highs", time_limit=5), tmp_path / "p", problem=plain, maps=False
    )
    assert "bridges" not in files
