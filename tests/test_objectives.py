"""Tests of territory_opt.salesforce.kpis: SMART quotas, CRM actuals, KPIs, dashboards."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territory_opt.data.datasets import DemoDataset
from territory_opt.exceptions import ValidationError
from territory_opt.salesforce.kpis import (
    TOTAL,
    Objective,
    Period,
    allocate,
    compare_kpis,
    generate_crm_history,
    kpi_table,
    parse_crm,
    quota_table,
    read_crm,
    rep_dashboard,
    rep_dashboard_html,
    split_objective,
)

AS_OF = "2025-12-31"

# --- objectives ---------------------------------------------------------------------------


def test_objective_valid_and_default_unit() -> None:
    o = Objective("Grow revenue", "revenue", 42000, Period.year(2025), description="+5 %")
    assert o.unit == "k€"
    assert o.period is not None and o.period.days == 365


def test_objective_lists_every_problem_with_field_and_fix() -> None:
    with pytest.raises(ValidationError) as err:
        Objective("", "revnue", -5, None)
    text = str(err.value)
    assert len(err.value.problems) == 4
    assert "no name" in text
    assert "metric 'revnue'" in text and "revenue" in text
    assert "negative" in text and "target >= 0" in text
    assert "no period" in text and "Period.year" in text


def test_ratio_objective_above_one_and_bad_period() -> None:
    with pytest.raises(ValidationError, match="ratio above 1"):
        Objective("Keep customers", "retention", 90, Period.year(2025))
    with pytest.raises(ValidationError, match="after it ends"):
        Period("2025", date(2025, 12, 31), date(2025, 1, 1))


# --- quotas --------------------------------------------------------------------------------


def test_allocate_hand_computation_three_territories() -> None:
    w = pd.Series({"A": 7.0, "B": 5.0, "C": 3.0})
    # 100 x 7/15 = 46.67, 33.33, 20 -> floors 46, 33, 20 (99); the missing 1 goes to A (0.67)
    assert allocate(w, 100).tolist() == [47.0, 33.0, 20.0]
    # cap A at 40: 60 left for B:C = 5:3 -> 37.5, 22.5 -> 37, 22; tie on .5 -> larger weight B
    assert allocate(w, 100, caps={"A": 40}).tolist() == [40.0, 38.0, 22.0]
    # floor C at 40: 60 left for A:B = 7:5 -> 35, 25 exactly
    assert allocate(w, 100, floors={"C": 40}).tolist() == [35.0, 25.0, 40.0]
    # step 10 k€: 4.67, 3.33, 2 steps -> 4, 3, 2 (+1 to A)
    assert allocate(w, 100, step=10).tolist() == [50.0, 30.0, 20.0]


def test_quota_table_hand_computation_three_territories() -> None:
    units = pd.DataFrame(
        {
            "potential": [400.0, 300.0, 200.0, 100.0, 500.0],
            "workload": [10.0, 10.0, 20.0, 20.0, 40.0],
        },
        index=["u1", "u2", "u3", "u4", "u5"],
    )
    plan = pd.Series({"u1": "A", "u2": "A", "u3": "B", "u4": "B", "u5": "C"})
    obj = Objective("Revenue", "revenue", 1000, Period.year(2025))
    # potential A 700, B 300, C 500 (of 1500): 466.67, 200, 333.33 -> 467, 200, 333
    q = quota_table(obj, plan, units)
    assert q["quota"].tolist() == [467.0, 200.0, 333.0]
    assert q["required_penetration"].tolist() == pytest.approx([467 / 700, 200 / 300, 333 / 500])
    # workload A 20, B 40, C 40 (of 100): 200, 400, 400
    assert quota_table(obj, plan, units, basis="workload")["quota"].tolist() == [
        200.0,
        400.0,
        400.0,
    ]
    # 50/50 blend of the shares: (7/15 + 1/5) / 2 = 1/3, (1/5 + 2/5) / 2 = 0.3, (1/3 + 2/5) / 2 = 11/30
    blend = quota_table(obj, plan, units, basis={"potential": 1, "workload": 1}, step=10)
    assert blend["quota"].tolist() == [330.0, 300.0, 370.0]


def test_allocate_errors_name_the_setting() -> None:
    w = pd.Series({"A": 1.0, "B": 1.0})
    with pytest.raises(ValidationError, match="not a whole number of steps"):
        allocate(w, 101, step=10)
    with pytest.raises(ValidationError, match="floors add up"):
        allocate(w, 10, floors=6)
    with pytest.raises(ValidationError, match="caps add up"):
        allocate(w, 10, caps=4)
    with pytest.raises(ValidationError, match="negative or missing weights"):
        allocate(pd.Series({"A": -1.0, "B": 1.0}), 10)
    with pytest.raises(ValidationError, match="floor above cap"):
        allocate(w, 10, floors={"A": 5}, caps={"A": 4})


def test_allocate_zero_weights() -> None:
    assert allocate(pd.Series({"A": 0.0, "B": 0.0, "C": 0.0}), 9).tolist() == [3.0, 3.0, 3.0]
    assert allocate(pd.Series({"A": 0.0, "B": 2.0}), 9, floors={"A": 2}).tolist() == [2.0, 7.0]
    with pytest.raises(ValidationError, match="weight 0"):
        allocate(pd.Series({"A": 0.0, "B": 2.0}), 9, caps={"B": 5})


@st.composite
def quota_cases(draw: st.DrawFn) -> tuple[list[float], float, int, list[float], list[float]]:
    n = draw(st.integers(1, 12))
    weights = draw(st.lists(st.one_of(st.just(0.0), st.floats(0.001, 1e4)), min_size=n, max_size=n))
    step = draw(st.sampled_from([0.1, 0.5, 1.0, 5.0, 10.0, 1000.0]))
    n_steps = draw(st.integers(0, 5000))
    floors = [
        draw(st.one_of(st.just(0.0), st.floats(0, 3 * n_steps * step / n + 1))) for _ in range(n)
    ]
    caps = [
        draw(st.one_of(st.just(math.inf), st.floats(0, 3 * n_steps * step / n + 1)))
        for _ in range(n)
    ]
    caps = [max(c, f) for c, f in zip(caps, floors, strict=True)]
    return weights, step, n_steps, floors, caps


@settings(max_examples=300, deadline=None)
@given(quota_cases())
def test_allocate_sums_exactly_for_any_rounding(
    case: tuple[list[float], float, int, list[float], list[float]],
) -> None:
    weights, step, n_steps, floors, caps = case
    total = n_steps * step
    w = pd.Series(weights, index=[f"T{i}" for i in range(len(weights))])
    f_u = np.ceil(np.array(floors) / step - 1e-9)
    c_u = np.where(np.isinf(caps), np.inf, np.floor(np.array(caps) / step + 1e-9))
    pos = w.to_numpy() > 0
    feasible = (f_u <= c_u).all() and f_u.sum() <= n_steps <= c_u.sum()
    if pos.any() and feasible:  # zero-weight territories stay at their floor
        feasible = c_u[pos].sum() + f_u[~pos].sum() >= n_steps
    if not feasible:
        with pytest.raises(ValidationError):
            allocate(
                w,
                total,
                floors=pd.Series(floors, index=w.index),
                caps=pd.Series(caps, index=w.index),
                step=step,
            )
        return
    q = allocate(
        w,
        total,
        floors=pd.Series(floors, index=w.index),
        caps=pd.Series(caps, index=w.index),
        step=step,
    )
    k = q.to_numpy() / step
    assert np.allclose(k, np.round(k), atol=1e-6)  # whole steps
    assert int(np.round(k).sum()) == n_steps  # exact, in steps
    assert math.isclose(float(q.sum()), total, rel_tol=1e-9, abs_tol=1e-9)
    assert (np.round(k) >= f_u).all() and (np.round(k) <= c_u).all()
    assert q.index.equals(w.index)
    # unbounded: within one step of the exact proportional share
    if np.all(f_u == 0) and np.all(np.isinf(c_u)):
        ww = w.to_numpy() if pos.any() else np.ones(len(w))
        exact = n_steps * ww / ww.sum()
        assert (np.abs(np.round(k) - exact) < 1 + 1e-9).all()


def test_quota_table_proportional_to_potential(normandie: DemoDataset) -> None:
    units, reps = normandie.units, normandie.reps
    units_before = units.copy()
    obj = Objective("Revenue 2025", "revenue", 40_000, Period.year(2025))
    q = quota_table(obj, units["current_rep"], units, reps=reps, step=1)
    pot = units.groupby("current_rep")["potential"].sum().reindex(reps.index)
    assert q["quota"].sum() == 40_000
    assert np.allclose(q["exact"], 40_000 * pot / pot.sum())
    assert (np.abs(q["quota"] - q["exact"]) < 1).all()
    assert np.allclose(q["required_penetration"], q["quota"] / pot)
    assert list(q.index) == list(reps.index) and q.loc["R01", "rep_name"] == "Alice"
    pd.testing.assert_frame_equal(units, units_before)


def test_quota_table_blend_floors_and_split(normandie: DemoDataset) -> None:
    units = normandie.units
    obj = Objective("New customers 2025", "new_accounts", 250, Period.year(2025), owner=None)
    q = quota_table(
        obj, units["current_rep"], units, basis={"potential": 0.5, "workload": 0.5}, floors=10
    )
    pot = units.groupby("current_rep")["potential"].sum()
    wl = units.groupby("current_rep")["workload"].sum()
    expected = 0.5 * pot / pot.sum() + 0.5 * wl / wl.sum()
    assert np.allclose(q["weight"], expected.reindex(q.index))
    assert q["quota"].sum() == 250 and (q["quota"] >= 10).all()
    per_rep = split_objective(obj, q)
    assert per_rep["R03"].owner == "R03" and per_rep["R03"].target == q.loc["R03", "quota"]
    assert per_rep["R03"].period == obj.period and per_rep["R03"].metric == "new_accounts"
    with pytest.raises(ValidationError, match="does not split"):
        quota_table(
            Objective("Keep", "retention", 0.9, Period.year(2025)), units["current_rep"], units
        )
    with pytest.raises(ValidationError, match="have no territory"):
        quota_table(obj, units["current_rep"].iloc[:-3], units)
    with pytest.raises(ValidationError, match="column 'sales'"):
        quota_table(obj, units["current_rep"], units, basis="sales")


# --- Normandy CRM history and KPIs ---------------------------------------------------------


@pytest.fixture(scope="module")
def crm_raw(normandie: DemoDataset) -> pd.DataFrame:
    return generate_crm_history(normandie.accounts, normandie.units["current_rep"], seed=2025)


def other_alignment(units: pd.DataFrame) -> pd.Series:
    """The current plan with a few communes moved: R17's Calvados communes go to R09
    (Lisieux) and R12's Eure communes with the most accounts go to R06 (Évreux)."""
    a = units["current_rep"].copy()
    a[(a == "R17") & (units["departement"] == "14")] = "R09"
    r12 = units.index[(a == "R12") & (units["departement"] == "27")]
    top = units.loc[r12, "accounts"].sort_values(ascending=False).index[:10]
    a[top] = "R06"
    return a


def test_generator_is_seeded_and_plausible(normandie: DemoDataset, crm_raw: pd.DataFrame) -> None:
    again = generate_crm_history(normandie.accounts, normandie.units["current_rep"], seed=2025)
    pd.testing.assert_frame_equal(crm_raw, again)
    other = generate_crm_history(normandie.accounts, normandie.units["current_rep"], seed=7)
    assert not crm_raw["revenue_2025"].equals(other["revenue_2025"])
    assert len(crm_raw) == len(normandie.accounts)
    assert (crm_raw[["revenue_2024", "revenue_2025"]] >= 0).all().all()
    assert (crm_raw["lost"].dropna() > crm_raw.loc[crm_raw["lost"].notna(), "first_order"]).all()
    new = crm_raw["first_order"].dt.year.eq(2025)
    assert 0.04 < new.mean() < 0.12
    # a customer won in 2025 had no 2024 revenue; one lost in 2024 has no 2025 revenue
    assert (crm_raw.loc[new, "revenue_2024"] == 0).all()
    assert (crm_raw.loc[crm_raw["lost"].dt.year.eq(2024), "revenue_2025"] == 0).all()
    pen = crm_raw["revenue_2025"].sum() / normandie.accounts["potential"].sum()
    assert 0.3 < pen < 0.6


def _independent_counts(
    raw: pd.DataFrame, accounts: pd.DataFrame, alignment: pd.Series
) -> pd.DataFrame:
    """Retention and new accounts in 2025 by territory, computed directly with pandas."""
    df = raw.merge(accounts[["account", "unit"]], on="account", how="right")
    df = df.merge(alignment.rename("terr").rename_axis("unit").reset_index(), on="unit")
    first = df["first_order"].dt.strftime("%Y-%m-%d").fillna("")
    lost = df["lost"].dt.strftime("%Y-%m-%d").fillna("")
    start_ok = (first != "") & (first < "2025-01-01") & ((lost == "") | (lost >= "2025-01-01"))
    kept = start_ok & ((lost == "") | (lost > "2025-12-31"))
    new = (first >= "2025-01-01") & (first <= "2025-12-31")
    out = pd.DataFrame({"terr": df["terr"], "start": start_ok, "kept": kept, "new": new})
    g = out.groupby("terr")[["start", "kept", "new"]].sum()
    g["retention"] = g["kept"] / g["start"]
    return g


def test_kpis_current_vs_other_alignment(normandie: DemoDataset, crm_raw: pd.DataFrame) -> None:
    units, accounts, reps = normandie.units, normandie.accounts, normandie.reps
    before = (units.copy(), accounts.copy(), reps.copy(), crm_raw.copy())
    history = parse_crm(crm_raw, accounts=accounts, reps=reps, as_of=AS_OF)
    current = units["current_rep"]
    other = other_alignment(units)
    assert (other != current).sum() > 20
    obj = Objective("Revenue 2025", "revenue", 40_000, Period.year(2025))
    kpis = {}
    for name, plan in (("current", current), ("other", other)):
        targets = quota_table(obj, plan, units, reps=reps)["quota"]
        kpis[name] = kpi_table(
            history,
            plan,
            accounts,
            units,
            period=2025,
            targets=targets,
            break_even=1_600,
            reps=reps,
            total=True,
        )
        direct = _independent_counts(crm_raw, accounts, plan)
        k = kpis[name].drop(index=TOTAL)
        assert (k["accounts_at_start"] == direct["start"].reindex(k.index)).all()
        assert (k["accounts_kept"] == direct["kept"].reindex(k.index)).all()
        assert (k["new_accounts"] == direct["new"].reindex(k.index)).all()
        assert np.allclose(k["retention"], direct["retention"].reindex(k.index))
        rev = crm_raw.merge(accounts[["account", "unit"]], on="account")
        rev_by = rev.groupby(rev["unit"].map(plan))["revenue_2025"].sum()
        assert np.allclose(k["revenue"], rev_by.reindex(k.index))
        assert np.allclose(k["achievement"], k["revenue"] / k["target"])
        assert np.allclose(k["penetration"], k["revenue"] / k["potential"])
        assert k["target"].sum() == 40_000
        assert kpis[name].loc[TOTAL, "visits_required"] == pytest.approx(12_000)
    side = compare_kpis(kpis, ["revenue", "target", "achievement", "retention", "new_accounts"])
    assert side.columns.names == ["kpi", "plan"]
    cur, oth = kpis["current"], kpis["other"]
    # moving communes moves revenue, not the total
    assert cur.loc[TOTAL, "revenue"] == pytest.approx(oth.loc[TOTAL, "revenue"])
    assert cur.loc[TOTAL, "new_accounts"] == oth.loc[TOTAL, "new_accounts"]
    assert oth.loc["R09", "revenue"] > cur.loc["R09", "revenue"]
    assert oth.loc["R17", "revenue"] < cur.loc["R17", "revenue"]
    unchanged = ["R01", "R04", "R11"]
    assert np.allclose(cur.loc[unchanged, "revenue"], oth.loc[unchanged, "revenue"])
    assert side.loc["R09", ("revenue", "other")] == oth.loc["R09", "revenue"]
    # break-even scales with FTE (R15 is half time)
    assert cur.loc["R15", "break_even"] == 800
    assert (cur["below_break_even"] == (cur["revenue"] < cur["break_even"])).all()
    # inputs untouched
    for a, b in zip((units, accounts, reps, crm_raw), before, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_kpis_by_crm_rep_match_current_territories(
    normandie: DemoDataset, crm_raw: pd.DataFrame
) -> None:
    history = parse_crm(crm_raw, accounts=normandie.accounts, as_of=AS_OF)
    a = kpi_table(history, normandie.units["current_rep"], normandie.accounts, period="2025")
    b = kpi_table(history, None, normandie.accounts, period="2025", by="crm_rep")
    cols = ["revenue", "revenue_previous", "growth", "retention", "new_accounts", "visit_coverage"]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_names=False)
    # an Alignment-like object (anything with ``.assignment``) works like the Series
    plan = SimpleNamespace(assignment=normandie.units["current_rep"])
    c = kpi_table(history, plan, normandie.accounts, period="2025")
    pd.testing.assert_frame_equal(a, c)
    assert a["growth"].notna().all()
    with pytest.raises(ValidationError, match="revenue_2023"):
        kpi_table(history, normandie.units["current_rep"], normandie.accounts, period=2023)


# --- CRM files -------------------------------------------------------------------------------


def _small_crm() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account": ["A0001", "A0002", "A0003", "A0004"],
            "rep": ["R07", "R12", "R14", "R05"],
            "first_order": ["2018-02-05", "2025-03-01", "", "2019-03-21"],
            "lost": ["", "", "", "2025-06-30"],
            "revenue_2024": ["10.5", "0", "", "40"],
            "revenue_2025": ["12", "3.5", "0", "20"],
        }
    )


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "crm.csv") -> Path:
    p = tmp_path / name
    frame.to_csv(p, index=False)
    return p


def test_read_csv_roundtrip_and_xlsx(
    normandie: DemoDataset, crm_raw: pd.DataFrame, tmp_path: Path
) -> None:
    expected = parse_crm(crm_raw, accounts=normandie.accounts, as_of=AS_OF)
    p = tmp_path / "crm.csv"
    crm_raw.to_csv(p, index=False)
    got = read_crm(p, accounts=normandie.accounts, as_of=AS_OF)
    pd.testing.assert_frame_equal(got.table, expected.table, check_dtype=False)
    assert got.periods == ("2024", "2025") and got.exclusions.empty
    x = tmp_path / "crm.xlsx"
    crm_raw.head(50).to_excel(x, index=False)
    got_x = read_crm(x, as_of=AS_OF)
    pd.testing.assert_frame_equal(got_x.table, expected.table.head(50), check_dtype=False)


def test_french_export_with_mapping(tmp_path: Path) -> None:
    p = tmp_path / "export.csv"
    p.write_text(
        "Code client;Commercial;Premiere commande;Perdu le;CA 2025\n"
        "A0001;R07;05/02/2018;;1 234,5\n"
        "A0002;R12;01/03/2025;;3,5\n",
        encoding="cp1252",
    )
    h = read_crm(
        p,
        encoding="cp1252",
        decimal=",",
        date_format="%d/%m/%Y",
        columns={
            "Code client": "account",
            "Commercial": "rep",
            "Premiere commande": "first_order",
            "Perdu le": "lost",
            "CA 2025": "revenue_2025",
        },
        as_of=AS_OF,
    )
    assert h.table.loc["A0001", "revenue_2025"] == pytest.approx(1234.5)
    assert h.table.loc["A0002", "first_order"] == pd.Timestamp("2025-03-01")


def test_missing_column_is_named(tmp_path: Path) -> None:
    p = _write(tmp_path, _small_crm().drop(columns=["first_order"]))
    with pytest.raises(ValidationError) as err:
        read_crm(p, as_of=AS_OF)
    assert "column 'first_order'" in str(err.value) and "is missing" in str(err.value)
    p2 = _write(tmp_path, _small_crm().drop(columns=["revenue_2024", "revenue_2025"]), "norev.csv")
    with pytest.raises(ValidationError, match="revenue_<period>"):
        read_crm(p2, as_of=AS_OF)


def test_bad_rows_name_column_and_line(normandie: DemoDataset, tmp_path: Path) -> None:
    bad = _small_crm()
    bad.loc[0, "first_order"] = "2018-02-31"  # not a date: line 2
    bad.loc[1, "revenue_2025"] = "-3"  # negative: line 3
    bad.loc[2, "account"] = "Z9999"  # unknown: line 4
    bad.loc[3, "lost"] = "2026-01-15"  # future: line 5
    bad = pd.concat([bad, bad.iloc[[1]]], ignore_index=True)  # duplicate of line 3: line 6
    bad.loc[4, "revenue_2025"] = "3.5"
    p = _write(tmp_path, bad)
    with pytest.raises(ValidationError) as err:
        read_crm(p, accounts=normandie.accounts, as_of=AS_OF)
    text = str(err.value)
    assert "column 'first_order'" in text and "line 2" in text and "not a date" in text
    assert "column 'revenue_2025'" in text and "negative revenue" in text and "line 3" in text
    assert "not in the account table" in text and "line 4" in text and "Z9999" in text
    assert "after the export date" in text and "line 5" in text
    assert "duplicate account" in text and "line 6" in text


def test_exclude_mode_reports_every_excluded_row(normandie: DemoDataset, tmp_path: Path) -> None:
    bad = _small_crm()
    bad.loc[2, "account"] = "Z9999"
    bad = pd.concat([bad, bad.iloc[[0]]], ignore_index=True)
    p = _write(tmp_path, bad)
    h = read_crm(p, accounts=normandie.accounts, as_of=AS_OF, on_error="exclude")
    assert list(h.table.index) == ["A0001", "A0002", "A0004"]
    assert len(h.exclusions) == 2
    assert set(h.exclusions["row"]) == {"line 4", "line 6"}
    assert len(h.table) + len(h.exclusions) == len(bad)


def test_wrong_encoding_is_explained(tmp_path: Path) -> None:
    p = tmp_path / "latin.csv"
    p.write_bytes(
        "account,rep,first_order,lost,revenue_2025\nA0001,Gaëlle,2018-02-05,,12\n".encode("cp1252")
    )
    with pytest.raises(ValidationError) as err:
        read_crm(p, as_of=AS_OF)
    assert "not valid utf-8" in str(err.value) and "line 2" in str(err.value)
    assert "cp1252" in str(err.value)
    h = read_crm(p, encoding="cp1252", as_of=AS_OF)
    assert h.table.loc["A0001", "rep"] == "Gaëlle"


def test_lost_before_first_order_and_unknown_rep(normandie: DemoDataset) -> None:
    bad = _small_crm()
    bad.loc[0, "lost"] = "2017-01-01"
    bad.loc[1, "rep"] = "R99"
    with pytest.raises(ValidationError) as err:
        parse_crm(bad, reps=normandie.reps, as_of=AS_OF)
    assert "lost before the first order" in str(err.value) and "row 0" in str(err.value)
    assert "unknown rep" in str(err.value) and "R99" in str(err.value)


def test_unknown_accounts_rejected_at_kpi_time(normandie: DemoDataset) -> None:
    bad = _small_crm()
    bad.loc[0, "account"] = "Z1"
    h = parse_crm(bad, as_of=AS_OF)  # no account table given: not checked here
    with pytest.raises(ValidationError, match="Z1"):
        kpi_table(h, normandie.units["current_rep"], normandie.accounts, period=2025)


# --- dashboard -------------------------------------------------------------------------------


def test_rep_dashboard_html(normandie: DemoDataset, crm_raw: pd.DataFrame, tmp_path: Path) -> None:
    history = parse_crm(crm_raw, as_of=AS_OF)
    obj = Objective("Revenue 2025", "revenue", 40_000, Period.year(2025))
    q = quota_table(obj, normandie.units["current_rep"], normandie.units, reps=normandie.reps)
    k = kpi_table(
        history,
        normandie.units["current_rep"],
        normandie.accounts,
        normandie.units,
        period=2025,
        targets=q["quota"],
        break_even=2_500,
        reps=normandie.reps,
        total=True,
    )
    out = rep_dashboard_html(k, "R07", tmp_path / "R07.html", subtitle="2025, current alignment")
    text = out.read_text(encoding="utf-8")
    assert "Gaëlle (R07)" in text and "Retention rate" in text and "Revenue vs target" in text
    assert "<script" not in text and "<link" not in text and "http" not in text
    assert ("Below break-even" in text) == bool(k.loc["R07", "below_break_even"])
    assert [p.name for p in tmp_path.iterdir()] == ["R07.html"]  # no temp file left
    with pytest.raises(FileExistsError):
        rep_dashboard_html(k, "R07", out)
    rep_dashboard_html(k, "R07", out, overwrite=True)
    csv_input = tmp_path / "crm.csv"
    csv_input.write_text("keep me", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"not an \.html"):
        rep_dashboard_html(k, "R07", csv_input, overwrite=True)
    assert csv_input.read_text(encoding="utf-8") == "keep me"
    with pytest.raises(ValidationError, match="not a row"):
        rep_dashboard(k, "R99")
