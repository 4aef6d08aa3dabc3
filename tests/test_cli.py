"""The territory-opt command line: exit codes and messages."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from typer.testing import CliRunner

from territory_opt.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory, normandie):
    d = tmp_path_factory.mktemp("cli")
    units = d / "communes.gpkg"
    normandie.units.iloc[:300].reset_index().to_file(units)
    reps = d / "reps.csv"
    ids = list(normandie.units.index[:300])
    normandie.reps.iloc[:3].assign(home=[ids[0], ids[100], ids[200]]).reset_index().to_csv(
        reps, index=False
    )
    return units, reps


def test_validate_ok_and_inputs_unchanged(files):
    units, reps = files
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    res = runner.invoke(
        app, ["validate", str(units), "--unit-id", "insee", "--reps", str(reps), "-m", "workload"]
    )
    assert res.exit_code == 0, res.output
    assert "300 units, 3 reps" in res.output
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in files] == before


def test_validate_reports_problems_with_exit_1(files, tmp_path):
    units, reps = files
    bad = tmp_path / "reps.csv"
    bad.write_text(reps.read_text().replace("R02", "R01"))
    res = runner.invoke(
        app, ["validate", str(units), "--unit-id", "insee", "--reps", str(bad), "-m", "revenue"]
    )
    assert res.exit_code == 1
    assert "revenue" in res.output and "R01" in res.output
    assert "Traceback" not in res.output


def test_missing_file_is_user_error(tmp_path):
    res = runner.invoke(app, ["validate", str(tmp_path / "none.gpkg")])
    assert res.exit_code == 1 and "file not found" in res.output


def test_help_has_examples():
    res = runner.invoke(app, ["validate", "--help"])
    assert res.exit_code == 0 and "Example" in res.output


@pytest.fixture(scope="module")
def grid_files(tmp_path_factory):
    from .conftest import grid_units

    d = tmp_path_factory.mktemp("grid")
    g = grid_units(4, 4)
    g["current"] = ["A" if int(u[1]) < 3 else "B" for u in g.index]
    units = d / "grid.gpkg"
    g.reset_index().to_file(units)
    reps = d / "reps.csv"
    reps.write_text("rep,home,fte\nA,u0_0,1\nB,u3_3,1\n")
    return units, reps


def _opt_args(units, reps, out, *extra):
    return [
        "optimize",
        str(units),
        "--reps",
        str(reps),
        "--baseline-col",
        "current",
        "--balance",
        "workload=0.0",
        "--contiguity",
        "flow",
        "--time-limit",
        "20",
        "--no-maps",
        "--out",
        str(out),
        *extra,
    ]


def test_optimize_grid(grid_files, tmp_path):
    units, reps = grid_files
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in grid_files]
    res = runner.invoke(app, _opt_args(units, reps, tmp_path / "o"))
    assert res.exit_code == 0, res.output
    import pandas as pd

    terr = pd.read_csv(tmp_path / "o" / "plan_territories.csv")
    assert terr["workload"].tolist() == [8.0, 8.0]  # exact balance on a 4x4 grid
    assert (tmp_path / "o" / "plan_report.xlsx").exists()
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in grid_files] == before
    # the same folder again without --force is refused (exit 1)
    res = runner.invoke(app, _opt_args(units, reps, tmp_path / "o"))
    assert res.exit_code == 1 and "--force" in res.output


def test_optimize_infeasible_exit_2(grid_files, tmp_path):
    units, reps = grid_files
    # a 2-account budget cannot reach exact balance from a 12/4 split
    res = runner.invoke(app, _opt_args(units, reps, tmp_path / "o", "--max-changes", "1"))
    assert res.exit_code == 2, res.output
    assert "Infeasible" in res.output


def test_optimize_bad_option_exit_1(grid_files, tmp_path):
    units, reps = grid_files
    res = runner.invoke(app, _opt_args(units, reps, tmp_path / "o", "--contiguity", "magic"))
    assert res.exit_code == 1 and "magic" in res.output
    res = runner.invoke(app, _opt_args(units, reps, tmp_path / "p", "--balance", "workload=lots"))
    assert res.exit_code == 1 and "workload=lots" in res.output


def test_size_command(tmp_path):
    seg = tmp_path / "seg.csv"
    seg.write_text(
        "segment,accounts,visits_per_year,hours_per_visit\n"
        "large,100,12,2\nmedium,1400,6,1\nsmall,2400,1,0.5\n"
    )
    res = runner.invoke(app, ["size", str(seg)])
    assert res.exit_code == 0, res.output
    assert "12,000 h / 736 h per rep" in res.output and "16.30 reps" in res.output


def test_whatif_remove_rep_grid(grid_files, tmp_path):
    units, _ = grid_files
    three = tmp_path / "reps3.csv"
    three.write_text("rep,home,fte\nA,u0_0,1\nB,u3_3,1\nC,u0_3,1\n")
    res = runner.invoke(
        app,
        [
            "whatif",
            "remove-rep",
            "C",
            "--units",
            str(units),
            "--reps",
            str(three),
            "--baseline-col",
            "current",
            "--balance",
            "workload=0.25",
            "--time-limit",
            "20",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "remove C" in res.output and "accounts_forced" in res.output


def test_map_and_report_from_saved_plan(grid_files, tmp_path):
    units, reps = grid_files
    res = runner.invoke(app, _opt_args(units, reps, tmp_path / "o"))
    assert res.exit_code == 0, res.output
    plan = tmp_path / "o" / "plan.gpkg"
    res = runner.invoke(app, ["map", str(plan), "--out", str(tmp_path / "m.html")])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "leaflet" in html.lower() and '<script src="http' not in html
    res = runner.invoke(app, ["report", str(plan), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    terr = pd.read_csv(tmp_path / "r" / "plan_territories.csv")
    assert terr["workload"].tolist() == [8.0, 8.0]
    res = runner.invoke(app, ["map", str(tmp_path / "none.gpkg")])
    assert res.exit_code == 1


def test_pareto_command(grid_files, tmp_path):
    units, reps = grid_files
    out = tmp_path / "curve.csv"
    res = runner.invoke(
        app,
        [
            "pareto",
            str(units),
            "--reps",
            str(reps),
            "--baseline-col",
            "current",
            "--balance",
            "workload=0.0",
            "--budgets",
            "2,4,8",
            "--time-limit",
            "20",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    curve = pd.read_csv(out)
    assert len(curve) == 3
    ok = curve[curve["status"].isin(["optimal", "feasible"])]
    assert (ok["accounts_changed"] <= ok["budget"].astype(float) + 1e-9).all()


def test_optimize_with_account_points(tmp_path):
    """Units without measures + accounts as points: measures come from the spatial join."""
    from .conftest import grid_units

    g = grid_units(4, 4).drop(columns=["workload", "potential", "accounts"])
    g["current"] = ["A" if int(u[1]) < 3 else "B" for u in g.index]
    units = tmp_path / "units.gpkg"
    g.reset_index().to_file(units)
    reps = tmp_path / "reps.csv"
    reps.write_text("rep,home,fte\nA,u0_0,1\nB,u3_3,1\n")
    rows = ["account,x,y,workload"]
    for k, u in enumerate(g.index):
        x, y = int(u[1]), int(u[3])
        rows.append(f"C{k},{x * 1000 + 500},{y * 1000 + 500},1")
    acc = tmp_path / "acc.csv"
    acc.write_text("\n".join(rows) + "\n")
    # the lon/lat columns here are Lambert-93 metres: declare them through a GeoJSON instead
    import geopandas as gpd

    df = pd.read_csv(acc)
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.x, df.y), crs="EPSG:2154")
    pts.drop(columns=["x", "y"]).to_file(tmp_path / "acc.geojson")
    res = runner.invoke(
        app,
        [
            "optimize",
            str(units),
            "--reps",
            str(reps),
            "--baseline-col",
            "current",
            "--accounts",
            str(tmp_path / "acc.geojson"),
            "--balance",
            "workload=0.0",
            "--contiguity",
            "flow",
            "--time-limit",
            "20",
            "--no-maps",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert res.exit_code == 0, res.output
    terr = pd.read_csv(tmp_path / "o" / "plan_territories.csv")
    assert terr["workload"].tolist() == [8.0, 8.0]
    changes = pd.read_csv(tmp_path / "o" / "plan_account_changes.csv")
    unit_changes = pd.read_csv(tmp_path / "o" / "plan_changes.csv")
    assert len(changes) == len(unit_changes) >= 4  # one account per unit; 12/4 -> 8/8
    assert set(changes["unit"]) == set(unit_changes["unit"])


def test_optimize_shares_a_dense_city_automatically(tmp_path):
    """A city holding more than a territory: --share-dense auto splits it, exit 0."""
    from .conftest import grid_units

    g = grid_units(6, 4)
    g["workload"] = 1.0
    g.loc["u2_2", "workload"] = 30.0  # 30 of 53 h: above any territory's +10 % bound
    g["accounts"] = (g["workload"] * 2).astype(int)
    units = tmp_path / "city.gpkg"
    g.reset_index().to_file(units)
    reps = tmp_path / "reps.csv"
    reps.write_text("rep,home,fte\nA,u0_0,1\nB,u5_3,1\nC,u0_3,1\n")
    args = [
        "optimize", str(units), "--reps", str(reps), "--balance", "workload=0.1",
        "--contiguity", "flow", "--time-limit", "30", "--no-maps",
    ]  # fmt: skip
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "Whole units cannot be balanced" in res.output and "u2_2" in res.output
    assert "Sharing dense units" in res.output
    terr = pd.read_csv(tmp_path / "o" / "plan_territories.csv")
    assert terr["workload"].sum() == pytest.approx(53.0)
    assert terr["workload_pct_target"].between(90 - 1e-6, 110 + 1e-6).all()
    # without sharing the same problem is refused with the reason (exit 2)
    res = runner.invoke(app, [*args, "--share-dense", "no", "--out", str(tmp_path / "p")])
    assert res.exit_code == 2 and "u2_2" in res.output
    res = runner.invoke(app, [*args, "--share-dense", "maybe", "--out", str(tmp_path / "q")])
    assert res.exit_code == 1 and "maybe" in res.output
