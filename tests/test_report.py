"""Exports: every file written, per-account change list right, inputs untouched, no overwrite."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.plan.alignment import Alignment
from territory_opt.reports.export import account_changes, export_plan


@pytest.fixture(scope="module")
def plans(normandie):
    units, reps = normandie.units, normandie.reps
    base = units["current_rep"]
    new = base.copy()
    # hand 25 communes of R17 (Bernay) that border R09 (Lisieux) over to R09
    moved = list(units.index[(base == "R17")][:25])
    new[moved] = "R09"
    kw = dict(
        reps=reps,
        measures=units[["workload", "potential", "accounts"]],
        balance_measures=("workload", "potential"),
        units=units[["name", "geometry"]],
        baseline=base,
    )
    return Alignment.from_assignment(new, **kw), moved


def test_account_change_list(normandie, plans):
    plan, moved = plans
    acc = normandie.accounts
    ch = account_changes(plan, acc)
    expected = acc[acc["unit"].isin(moved)]
    assert set(ch["account"]) == set(expected["account"])
    assert (ch["from_rep"] == "R17").all() and (ch["to_rep"] == "R09").all()
    assert list(ch.columns[:4]) == ["account", "unit", "from_rep", "to_rep"]


def test_export_writes_everything(tmp_path, normandie, plans):
    plan, moved = plans
    acc_before = normandie.accounts.copy()
    files = export_plan(plan, tmp_path / "out", accounts=normandie.accounts)
    assert {
        "gpkg",
        "geojson",
        "territories",
        "changes",
        "account_changes",
        "xlsx",
        "map",
        "png",
        "comparison",
    } <= set(files)
    for p in files.values():
        assert p.exists() and p.stat().st_size > 0
    xl = pd.read_excel(files["xlsx"], sheet_name=None)
    assert set(xl) == {
        "territories", "solver and metrics", "unit changes", "account changes", "plan quality"
    }  # fmt: skip
    q = xl["plan quality"].set_index("figure")
    assert {"current", "plan"} <= set(q.columns)
    moved = xl["unit changes"]
    assert q.loc["units changing rep", "plan"] == len(moved)
    assert len(xl["unit changes"]) == len(moved)
    assert len(xl["territories"]) == 17
    import geopandas as gpd

    terr = gpd.read_file(files["gpkg"], layer="territories")
    assert len(terr) == 17 and terr["workload"].sum() == pytest.approx(12_000)
    pd.testing.assert_frame_equal(normandie.accounts, acc_before)
    # a second export into the same, now non-empty, folder is refused without force
    with pytest.raises(ValidationError, match="--force"):
        export_plan(plan, tmp_path / "out", maps=False)
    export_plan(plan, tmp_path / "out", maps=False, force=True)


def test_export_with_kpis(tmp_path, normandie, plans):
    from territory_opt.salesforce.kpis import generate_crm_history, kpi_table, parse_crm

    plan, _ = plans
    raw = generate_crm_history(normandie.accounts, normandie.units["current_rep"], seed=1)
    history = parse_crm(raw, accounts=normandie.accounts, as_of="2026-01-01")
    kpis = kpi_table(
        history, plan, normandie.accounts, normandie.units, period="2025", reps=normandie.reps
    )
    old = os.umask(0o022)
    try:
        files = export_plan(plan, tmp_path / "k", kpis=kpis)
    finally:
        os.umask(old)
    modes = {k: oct(stat.S_IMODE(p.stat().st_mode)) for k, p in files.items()}
    assert set(modes.values()) == {"0o644"}, modes  # readable by colleagues, dashboards too
    assert files["kpi_map"].exists() and "penetration" in files["kpi_map"].read_text()
    sheet = pd.read_excel(files["xlsx"], sheet_name="kpis")
    assert len(sheet) == len(kpis)
    dashboards = [k for k in files if k.startswith("dashboard ")]
    assert len(dashboards) == 17
    html = files["dashboard R09"].read_text(encoding="utf-8")
    assert "R09" in html and "<script" not in html.lower()
