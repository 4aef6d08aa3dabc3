"""A saved plan reads back into the same plan: FTEs, names, homes, settings, report.

Also: every exported file is readable by others (0644 under umask 022), CSVs are rounded,
and the objective/gap are written the same way in the CSV and the XLSX sheet.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.reports.export import export_plan
from territory_opt.reports.plan_file import read_plan
from territory_opt.solve.pipeline import optimize

from .conftest import grid_units

FTE = {"A": 1.0, "B": 0.8, "C": 1.2}
NAMES = {"A": "Anaïs Le Goff", "B": "Bastien Kervella", "C": "Corentin Tanguy"}
HOMES = {"A": "u0_0", "B": "u5_0", "C": "u2_3"}


@pytest.fixture(scope="module")
def solved():
    g = grid_units(6, 4)
    rng = np.random.default_rng(3)
    g["workload"] = np.round(rng.uniform(0.5, 3.0, len(g)), 3)
    g["accounts"] = rng.integers(1, 9, len(g))
    g["name"] = [f"Commune {u}" for u in g.index]
    g["current_rep"] = ["A" if int(u[1]) < 2 else ("B" if int(u[1]) < 4 else "C") for u in g.index]
    reps = pd.DataFrame(
        {"name": list(NAMES.values()), "home": list(HOMES.values()), "fte": list(FTE.values())},
        index=pd.Index(list(FTE), name="rep"),
    )
    problem = TerritoryProblem.from_geodataframe(
        g,
        reps,
        measures=["workload", "potential", "accounts"],
        balance={"workload": 0.15},
        baseline="current_rep",
        power=2,
        weight="workload",
    )
    plan = optimize(problem, time_limit=5, seed=0)
    assert plan.report is not None and plan.report.status in ("optimal", "feasible")
    return g, problem, plan


def _accounts(g: gpd.GeoDataFrame) -> pd.DataFrame:
    units = [u for u in g.index for _ in range(int(g.at[u, "accounts"]))]
    return pd.DataFrame(
        {"account": [f"ACC{k:03d}" for k in range(len(units))], "unit": units, "ca": 1.5}
    )


@pytest.fixture(scope="module")
def exported(solved, tmp_path_factory):
    g, problem, plan = solved
    out = tmp_path_factory.mktemp("plan") / "out"
    old = os.umask(0o022)
    try:
        files = export_plan(plan, out, problem=problem, accounts=_accounts(g))
    finally:
        os.umask(old)
    return files


def test_saved_plan_reports_like_the_run(solved, exported, tmp_path):
    g, _, plan = solved
    saved = read_plan(exported["gpkg"])
    assert saved.warnings == ()
    again = saved.after
    # FTE-weighted % of target, computed here from the raw assignment and the FTEs
    total = g["workload"].sum()
    got = again.territory_table()
    for rep, fte in FTE.items():
        load = g.loc[again.assignment.index[again.assignment == rep], "workload"].sum()
        expected = 100.0 * load / (total * fte / sum(FTE.values()))
        assert got.at[rep, "workload_pct_target"] == pytest.approx(expected)
        assert got.at[rep, "name"] == NAMES[rep] and got.at[rep, "home"] == HOMES[rep]
    assert (again.assignment.sort_index() == plan.assignment.sort_index()).all()
    pd.testing.assert_frame_equal(got, plan.territory_table())
    m0, m1 = plan.metrics(), again.metrics()
    assert m0.keys() == m1.keys()
    for k in m0:
        assert m1[k] == pytest.approx(m0[k], nan_ok=True), k
    assert not np.isnan(m1["compactness"])
    assert again.report == plan.report
    assert saved.settings.tolerances == {"workload": 0.15}
    # a current plan and no objective named: the redeploy default, its stage 2 reported
    assert saved.settings.objective_unit == (
        "travel + compact (Σ accounts·km + Σ (workload share + area floor)·km²)"
    )
    assert saved.accounts is not None
    pd.testing.assert_frame_equal(saved.accounts, _accounts(g), check_dtype=False)
    assert saved.before is not None
    assert list(saved.before.reps["fte"]) == [FTE[r] for r in saved.before.reps.index]

    # the report made again from the saved plan: same XLSX sheets and CSVs
    files = export_plan(
        again,
        tmp_path / "again",
        before=saved.before,
        accounts=saved.accounts,
        settings=saved.settings,
        inputs=[exported["gpkg"]],
    )
    x0 = pd.read_excel(exported["xlsx"], sheet_name=None)
    x1 = pd.read_excel(files["xlsx"], sheet_name=None)
    assert x0.keys() == x1.keys()
    for sheet in x0:
        pd.testing.assert_frame_equal(x0[sheet], x1[sheet], obj=sheet)
    for kind in ("territories", "changes", "account_changes", "solver"):
        assert exported[kind].read_text() == files[kind].read_text(), kind

    # the map of the saved plan: rep names and home markers
    html = files["map"].read_text(encoding="utf-8")
    html_cmp = files["comparison"].read_text(encoding="utf-8")
    for name in NAMES.values():
        assert name in html and name in html_cmp
    # identical maps, but for folium's random element ids
    assert _ids(html) == _ids(exported["map"].read_text(encoding="utf-8"))
    assert _ids(html_cmp) == _ids(exported["comparison"].read_text(encoding="utf-8"))


def _ids(html: str) -> str:
    return re.sub(r"tom\d+-", "tomID-", re.sub(r"_[0-9a-f]{32}", "_ID", html))


def test_map_shows_homes_from_saved_plan(solved, exported):
    """The maps of the saved plan have a home marker per rep, at its home, with its name."""
    import json

    g, _, _ = solved
    saved = read_plan(exported["gpkg"])
    pts = g.geometry.to_crs("EPSG:4326")
    from territory_opt.viz.maps import plot_alignment, plot_comparison

    assert saved.before is not None
    for m in (plot_alignment(saved.after), plot_comparison(saved.before, saved.after)):
        page = m.get_root().render()
        found = re.search(r"(\[\[[^\n]*?\]\])\.forEach\(function \(h\)", page)
        assert found is not None, "no home markers"
        homes = {h[2]: (h[0], h[1]) for h in json.loads(found.group(1))}
        assert set(homes) == set(NAMES.values())
        for rep, home in HOMES.items():
            p = pts.loc[home].representative_point()
            assert homes[NAMES[rep]] == pytest.approx((p.y, p.x), abs=1e-3), rep


def test_every_exported_file_is_readable_by_others(exported):
    assert {"gpkg", "geojson", "territories", "xlsx", "map", "png", "comparison"} <= set(exported)
    for kind, path in exported.items():
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == 0o644, f"{kind}: {oct(mode)}"


def test_csvs_are_rounded_and_gap_written_once(solved, exported):
    _, _, plan = solved
    for kind in ("territories", "changes", "solver"):
        text = exported[kind].read_text()
        for cell in text.replace("\n", ",").split(","):
            if "." in cell and cell.replace(".", "").replace("-", "").isdigit():
                assert len(cell.split(".")[1]) <= 3, f"{kind}: {cell}"
    csv = pd.read_csv(exported["solver"]).set_index("item")
    sheet = pd.read_excel(exported["xlsx"], sheet_name="solver and metrics").set_index("item")
    assert plan.report is not None
    for frame in (csv, sheet):
        assert float(frame.at["gap_pct", "value"]) == pytest.approx(
            round(100 * (plan.report.gap or 0.0), 2)
        )
        assert frame.at["gap_pct", "unit"] == "%"
        assert frame.at["objective", "unit"] == (
            "travel + compact (Σ accounts·km + Σ (workload share + area floor)·km²)"
        )
        assert float(frame.at["objective", "value"]) == pytest.approx(
            round(plan.report.objective, 2)
        )
        assert float(frame.at["workload_tolerance_pct", "value"]) == pytest.approx(15.0)


def test_older_plan_without_reps_table(solved, exported, tmp_path, caplog):
    """A plan.gpkg from before the reps/plan_meta tables: FTEs from the territories layer."""
    _, _, plan = solved
    old = tmp_path / "old.gpkg"
    old.write_bytes(exported["gpkg"].read_bytes())
    with sqlite3.connect(old) as con:
        for t in ("reps", "plan_meta", "distance"):
            con.execute(f'DROP TABLE "{t}"')
            con.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (t,))
    saved = read_plan(old)
    assert saved.warnings and "balanced measures" in saved.warnings[0]
    tab = saved.after.territory_table()
    assert list(tab["fte"]) == [FTE[r] for r in tab.index]
    assert list(tab["name"]) == [NAMES[r] for r in tab.index]
    ref = plan.territory_table()
    assert tab["workload_pct_target"].to_numpy() == pytest.approx(
        ref.loc[tab.index, "workload_pct_target"].to_numpy()
    )
    # no territories layer either (a plain units file): FTEs unknown, said loudly
    bare = tmp_path / "bare.gpkg"
    gpd.read_file(exported["gpkg"], layer="units").to_file(bare, layer="units", driver="GPKG")
    with caplog.at_level("WARNING"):
        saved = read_plan(bare)
    assert any("FTEs are unknown" in w for w in saved.warnings)
    assert "FTEs are unknown" in caplog.text
    assert set(saved.after.reps["fte"]) == {1.0}
