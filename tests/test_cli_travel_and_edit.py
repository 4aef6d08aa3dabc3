"""CLI: a routing engine's travel matrix as the cost, and the meeting-room edit map."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from territory_opt.cli import app

from .conftest import grid_units

runner = CliRunner()


def _grid(tmp_path):
    g = grid_units(4, 2)  # units u{x}_{y}, x = 0..3, y = 0..1
    g["current"] = ["A" if int(u[1]) < 2 else "B" for u in g.index]
    units = tmp_path / "grid.gpkg"
    g.reset_index().to_file(units)
    reps = tmp_path / "reps.csv"
    reps.write_text("rep,home,fte\nA,u0_0,1\nB,u3_1,1\n")
    return g, units, reps


def _matrix(g: gpd.GeoDataFrame) -> pd.DataFrame:
    """Minutes by road: B's home is next to everything (a motorway), A's is slow."""
    rows = []
    for u in g.index:
        x = int(u[1])
        rows.append((u, "A", 10.0 * x + 1.0))
        rows.append((u, "B", 30.0 - 3.0 * x))
    return pd.DataFrame(rows, columns=["origin", "destination", "minutes"])


def test_travel_matrix_is_the_cost(tmp_path):
    g, units, reps = _grid(tmp_path)
    m = _matrix(g)
    path = tmp_path / "osrm_table.csv"
    m.to_csv(path, index=False)
    out = tmp_path / "o"
    res = runner.invoke(
        app,
        ["optimize", str(units), "--reps", str(reps), "--baseline-col", "current",
         "--balance", "workload=0.5", "--contiguity", "flow", "--objective", "km",
         "--travel-matrix", str(path), "--travel-unit", "min", "--time-limit", "20",
         "--no-maps", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    plan = gpd.read_file(out / "plan.gpkg", layer="units").set_index("unit")["rep"]
    cost = m.set_index(["origin", "destination"])["minutes"]
    ours = sum(cost[(u, r)] for u, r in plan.items())
    solver = pd.read_csv(out / "plan_solver.csv").set_index("item")["value"]
    assert float(solver["objective"]) == ours  # the plan's cost is the matrix's minutes
    assert ours == _best_by_enumeration(g, cost, tol=0.5)


def _best_by_enumeration(g: gpd.GeoDataFrame, cost: pd.Series, tol: float) -> float:
    """Cheapest plan with both territories connected (grid rook moves) and balanced."""
    import itertools

    import networkx as nx

    ids = list(g.index)
    G = nx.Graph()
    G.add_nodes_from(ids)
    for a, b in itertools.combinations(ids, 2):
        (xa, ya), (xb, yb) = (int(a[1]), int(a[3])), (int(b[1]), int(b[3]))
        if abs(xa - xb) + abs(ya - yb) == 1:
            G.add_edge(a, b)
    w = g["workload"]
    best = float("inf")
    for labels in itertools.product("AB", repeat=len(ids)):
        plan = dict(zip(ids, labels, strict=True))
        if plan["u0_0"] != "A" or plan["u3_1"] != "B":
            continue
        parts = {r: [u for u in ids if plan[u] == r] for r in "AB"}
        if not all(nx.is_connected(G.subgraph(p)) for p in parts.values()):
            continue
        if not all(abs(w[p].sum() / (w.sum() / 2) - 1) <= tol + 1e-9 for p in parts.values()):
            continue
        best = min(best, sum(cost[(u, plan[u])] for u in ids))
    return best


def test_travel_matrix_missing_pair_is_named(tmp_path):
    g, units, reps = _grid(tmp_path)
    m = _matrix(g).iloc[1:]  # drop (u0_0, A)
    path = tmp_path / "table.csv"
    m.to_csv(path, index=False)
    res = runner.invoke(
        app,
        ["optimize", str(units), "--reps", str(reps), "--travel-matrix", str(path),
         "--balance", "workload=0.5", "--out", str(tmp_path / "o")],
    )  # fmt: skip
    assert res.exit_code == 1
    assert "u0_0" in res.output and "Traceback" not in res.output


def test_map_edit_writes_the_meeting_room_map(tmp_path):
    _, units, reps = _grid(tmp_path)
    out = tmp_path / "o"
    res = runner.invoke(
        app,
        ["optimize", str(units), "--reps", str(reps), "--baseline-col", "current",
         "--balance", "workload=0.5", "--time-limit", "10", "--no-maps", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    html = tmp_path / "meeting.html"
    res = runner.invoke(
        app,
        ["map", str(out / "plan.gpkg"), "--edit", "--title", "Scenario Q3", "--out", str(html)],
    )
    assert res.exit_code == 0, res.output
    text = html.read_text()
    assert "tomEditor" in text and "Scenario Q3" in text


def test_report_an_edited_assignment(tmp_path):
    _, units, reps = _grid(tmp_path)
    out = tmp_path / "o"
    res = runner.invoke(
        app,
        ["optimize", str(units), "--reps", str(reps), "--baseline-col", "current",
         "--balance", "workload=0.5", "--time-limit", "10", "--no-maps", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    plan = gpd.read_file(out / "plan.gpkg", layer="units").set_index("unit")["rep"]
    edited = plan.copy()
    edited["u1_0"] = "B" if plan["u1_0"] == "A" else "A"
    csv = tmp_path / "edited.csv"
    edited.rename_axis("unit").rename("rep").reset_index().to_csv(csv, index=False)
    res = runner.invoke(
        app,
        ["report", str(out / "plan.gpkg"), "--assignment", str(csv), "--out", str(tmp_path / "r")],
    )
    assert res.exit_code == 0, res.output
    terr = pd.read_csv(tmp_path / "r" / "plan_territories.csv").set_index("rep")
    g = gpd.read_file(units).set_index("id")
    for r in ("A", "B"):  # equal FTEs: % of target = 2 x share of the workload
        own = 200 * g.loc[edited.index[edited == r], "workload"].sum() / g["workload"].sum()
        assert terr.at[r, "workload_pct_target"] == pytest.approx(own, abs=0.01)
    bad = edited.copy()
    bad["u2_0"] = "Z"
    bad.rename_axis("unit").rename("rep").reset_index().to_csv(csv, index=False)
    res = runner.invoke(
        app,
        ["report", str(out / "plan.gpkg"), "--assignment", str(csv), "--out", str(tmp_path / "s")],
    )
    assert res.exit_code == 1 and "'Z'" in res.output
