"""Tests of territory_opt.salesforce.sizing: the course's worked numbers, hand computations, bad input."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.salesforce.sizing import (
    BESWICK_CRAVENS_1977,
    LogResponse,
    ResponseCoefficients,
    breakeven_check,
    breakeven_revenue,
    geographic_concentration,
    headcount_gaps,
    marginal_profitability,
    minimum_roi_accounts,
    optimal_selling_time,
    response_allocation,
    response_sales,
    size_by_sales_objective,
    size_by_workload,
)
from territory_opt.salesforce.workload import COURSE_SEGMENTS, Segment


def _golden_max(f: Callable[[float], float], lo: float, hi: float, tol: float = 1e-10) -> float:
    """Maximiser of a unimodal ``f`` on [lo, hi] by golden-section search."""
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    while b - a > tol * max(1.0, abs(a) + abs(b)):
        if f(c) > f(d):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    return (a + b) / 2


# --- workload method ---------------------------------------------------------------


def test_size_by_workload_course() -> None:
    res = size_by_workload(COURSE_SEGMENTS)
    assert res.total_hours == pytest.approx(12_000)
    assert res.capacity_hours == pytest.approx(736)
    assert res.reps == pytest.approx(16.304, abs=1e-3)
    assert res.headcount == 17


def test_size_by_workload_exact_division_not_rounded_up() -> None:
    res = size_by_workload([Segment("all", 736, 10, 1.0)], capacity_hours=736)
    assert res.reps == pytest.approx(10)
    assert res.headcount == 10


# --- sales objective -------------------------------------------------------------------


def test_sales_objective_hand() -> None:
    # CHF 12 M target; CHF 1 M per rep today, +20 % productivity -> 1.2 M -> 10 reps
    res = size_by_sales_objective(12e6, 1e6, productivity_change=0.20)
    assert res.forecast_revenue_per_rep == pytest.approx(1.2e6)
    assert res.reps == pytest.approx(10)
    assert res.headcount == 10


def test_sales_objective_productivity_drop_rounds_up() -> None:
    res = size_by_sales_objective(10e6, 1.1e6, productivity_change=-0.05)
    assert res.forecast_revenue_per_rep == pytest.approx(1.045e6)
    assert res.reps == pytest.approx(9.5694, abs=1e-4)
    assert res.headcount == 10


@pytest.mark.parametrize(
    ("args", "item"),
    [
        ((1e6, 0.0), "revenue_per_rep"),
        ((-1.0, 1e5), "target_revenue"),
        ((1e6, 1e5, -1.0), "productivity_change"),
    ],
)
def test_sales_objective_bad_input(args: tuple[float, ...], item: str) -> None:
    with pytest.raises(ValidationError) as err:
        size_by_sales_objective(*args)
    assert err.value.problems[0].item == item


# --- break-even ------------------------------------------------------------------------


def test_breakeven_revenue_hand() -> None:
    assert breakeven_revenue(80_000, 0.25) == pytest.approx(320_000)


def test_breakeven_check_flags_territories_below() -> None:
    revenues = pd.Series({"A": 400_000.0, "B": 300_000.0, "C": 320_000.0})
    out = breakeven_check(revenues, cost_per_rep=80_000, margin_rate=0.25)
    assert out["below_breakeven"].tolist() == [False, True, False]
    assert out["profit"].tolist() == pytest.approx([20_000, -5_000, 0])
    assert out["coverage"].tolist() == pytest.approx([1.25, 0.9375, 1.0])
    assert (out["breakeven_revenue"] == 320_000).all()


def test_breakeven_check_with_reps_column() -> None:
    frame = pd.DataFrame({"ca": [400_000.0, 700_000.0], "fte": [2.0, 2.0]}, index=["N", "S"])
    out = breakeven_check(
        frame, cost_per_rep=80_000, margin_rate=0.25, revenue_col="ca", reps_col="fte"
    )
    assert out["breakeven_revenue"].tolist() == pytest.approx([640_000, 640_000])
    assert out["below_breakeven"].tolist() == [True, False]
    assert frame.columns.tolist() == ["ca", "fte"]  # input untouched


def test_breakeven_bad_input() -> None:
    with pytest.raises(ValidationError, match="margin_rate"):
        breakeven_revenue(80_000, 25)  # 25 instead of 0.25
    with pytest.raises(ValidationError, match="column 'revenue'"):
        breakeven_check(pd.DataFrame({"ca": [1.0]}), cost_per_rep=1, margin_rate=0.5)
    with pytest.raises(ValidationError) as err:
        breakeven_check(pd.Series({"A": -1.0}), cost_per_rep=1, margin_rate=0.5)
    assert "'revenue'" in err.value.problems[0].item and "A" in err.value.problems[0].message


# --- marginal profitability (course slide 28) ------------------------------------------


def test_marginal_profitability_course_table() -> None:
    res = marginal_profitability(
        [20, 10, 5],
        [1_000, 1_500, 2_000],
        margin_per_unit=100,
        cost_per_rep=80_000,
        market_potential=100,
    )
    t = res.table
    assert t.index.tolist() == [5, 10, 20]
    assert t["potential_per_rep"].tolist() == pytest.approx([20, 10, 5])
    assert t["total_margin"].tolist() == pytest.approx([1_000_000, 1_500_000, 2_000_000])
    assert t["total_cost"].tolist() == pytest.approx([400_000, 800_000, 1_600_000])
    assert t["profit"].tolist() == pytest.approx([600_000, 700_000, 400_000])
    # +5 reps from 5 to 10: +100 k, i.e. +20 k per rep; 10 -> 20: -300 k / 10 = -30 k per rep
    assert t["marginal_profit"].iloc[1:].tolist() == pytest.approx([20_000, -30_000])
    assert math.isnan(t["marginal_profit"].iloc[0])
    assert res.best_headcount == 10
    assert res.best_profit == pytest.approx(700_000)


def test_log_response_fits_course_points_exactly() -> None:
    q = LogResponse.fit([5, 10, 20], [1_000, 1_500, 2_000])
    assert q.beta == pytest.approx(500 / math.log(2))  # +500 units per doubling
    assert [q(5), q(10), q(20)] == pytest.approx([1_000, 1_500, 2_000])
    assert q(40) == pytest.approx(2_500)


def test_marginal_profitability_over_every_headcount_keeps_10() -> None:
    # q(p) = 1000 + 500 log2(p/5); profit(n) = 100 n q(100/n) - 80,000 n
    q = LogResponse.fit([5, 10, 20], [1_000, 1_500, 2_000])
    res = marginal_profitability(
        range(1, 41), q, margin_per_unit=100, cost_per_rep=80_000, market_potential=100
    )
    assert res.best_headcount == 10
    assert res.best_profit == pytest.approx(700_000)
    # by hand: n = 9 -> 9 x (1000 + 500 log2(20/9)) x 100 - 720,000 = 698,401
    assert res.table.loc[9, "profit"] == pytest.approx(698_401, abs=1)
    # n = 11 -> 11 x (1000 + 500 log2(20/11)) x 100 - 880,000 = 694,373
    assert res.table.loc[11, "profit"] == pytest.approx(694_373, abs=1)
    # continuous optimum: log2(20/n) = 1/ln 2 - 0.4  ->  n = 9.71
    n_star = _golden_max(lambda n: 100 * n * q(100 / n) - 80_000 * n, 1, 40)
    assert n_star == pytest.approx(20 / 2 ** (1 / math.log(2) - 0.4), rel=1e-6)
    assert n_star == pytest.approx(9.71, abs=0.01)


def test_marginal_profitability_bad_input() -> None:
    with pytest.raises(ValidationError, match="one units-per-rep value per headcount"):
        marginal_profitability([5, 10], [1.0], margin_per_unit=1, cost_per_rep=1)
    with pytest.raises(ValidationError, match="market_potential"):
        marginal_profitability([5], lambda p: p, margin_per_unit=1, cost_per_rep=1)
    with pytest.raises(ValidationError) as err:
        marginal_profitability([0, 2.5, 2, 2], [1, 1, 1, 1], margin_per_unit=1, cost_per_rep=1)  # type: ignore[list-item]
    msgs = " ".join(p.message for p in err.value.problems)
    assert "not integers >= 1" in msgs and "repeated" in msgs
    with pytest.raises(ValidationError, match="cost_per_rep"):
        marginal_profitability([5], [1.0], margin_per_unit=1, cost_per_rep=-80_000)
    with pytest.raises(ValidationError, match="negative or non-finite"):
        marginal_profitability([5], [-1.0], margin_per_unit=1, cost_per_rep=1)


# --- Beswick & Cravens response function (course slides 29-31) ----------------------------


def test_course_coefficients_map_to_variables() -> None:
    b = BESWICK_CRAVENS_1977
    assert (b.constant, b.time, b.workload, b.conversion) == (0.4536, 0.300, 0.182, 0.604)
    assert (b.potential, b.manager_seniority, b.rep_seniority) == (0.619, 0.112, 0.043)


def test_response_sales_hand() -> None:
    # average unit (all ratios 1), potential 1, t = 100 %: 0.4536 x 100^0.3
    assert response_sales(100, potential=1) == pytest.approx(0.4536 * 100**0.3)
    assert response_sales(100, potential=1) == pytest.approx(1.8058, abs=1e-4)
    base = response_sales(50, potential=200)
    # each factor enters with its own elasticity
    for kwarg, elasticity in [
        ("workload_ratio", 0.182),
        ("conversion_ratio", 0.604),
        ("manager_seniority_ratio", 0.112),
        ("rep_seniority_ratio", 0.043),
    ]:
        doubled = response_sales(50, potential=200, **{kwarg: 2.0})
        assert doubled / base == pytest.approx(2**elasticity)
    assert response_sales(100, potential=200) / base == pytest.approx(2**0.300)
    assert response_sales(50, potential=400) / base == pytest.approx(2**0.619)
    assert response_sales(0, potential=200) == 0.0


def test_response_sales_vectorised() -> None:
    s = response_sales(np.array([1.0, 8.0]), potential=np.array([1.0, 1.0]))
    assert isinstance(s, np.ndarray)
    assert s.tolist() == pytest.approx([0.4536, 0.4536 * 8**0.3])


@pytest.mark.parametrize("b", [0.1, 0.3, 0.5, 0.9])
def test_optimal_selling_time_matches_golden_section(b: float) -> None:
    k, m, c = 3.7, 0.4, 0.05

    def profit(t: float) -> float:
        return m * k * t**b - c * t

    t_closed = optimal_selling_time(k, elasticity=b, margin_rate=m, cost_per_time=c)
    assert isinstance(t_closed, float)
    t_numeric = _golden_max(profit, 0.0, 10 * t_closed + 1)
    assert t_closed == pytest.approx(t_numeric, rel=1e-6)
    # and no point on a dense grid does better
    grid = np.linspace(0, 3 * t_closed, 30_001)
    assert profit(t_closed) >= (m * k * grid**b - c * grid).max() - 1e-12


def test_optimal_selling_time_hand() -> None:
    # b = 0.5, m k b / c = 1 x 4 x 0.5 / 1 = 2  ->  t* = 2^(1/0.5) = 4
    assert optimal_selling_time(4.0, elasticity=0.5, margin_rate=1, cost_per_time=1) == 4.0
    assert optimal_selling_time(0.0, elasticity=0.5, margin_rate=1, cost_per_time=1) == 0.0


def _units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "territory": ["A", "A", "B", "C"],
            "potential": [40_000.0, 25_000.0, 90_000.0, 8_000.0],
            "workload": [120.0, 80.0, 150.0, 50.0],
            "conversion": [0.10, 0.12, 0.08, 0.05],
            "mgr_years": [5.0, 5.0, 12.0, 3.0],
            "rep_years": [4.0, 10.0, 2.0, 1.0],
        },
        index=["u1", "u2", "u3", "u4"],
    )


def test_response_allocation_each_unit_at_its_numeric_optimum() -> None:
    units = _units()
    before = units.copy()
    res = response_allocation(
        units,
        margin_rate=0.3,
        cost_per_rep=60_000,
        workload_col="workload",
        conversion_col="conversion",
        manager_seniority_col="mgr_years",
        rep_seniority_col="rep_years",
        territory_col="territory",
    )
    pd.testing.assert_frame_equal(units, before)
    out = res.units
    c = 60_000 / 100  # cost of one per cent of a rep
    for uid, row in out.iterrows():
        w = units.loc[uid]

        def profit(t: float, w: pd.Series = w) -> float:
            s = response_sales(
                t,
                potential=w["potential"],
                workload_ratio=w["workload"] / units["workload"].mean(),
                conversion_ratio=w["conversion"] / units["conversion"].mean(),
                manager_seniority_ratio=w["mgr_years"] / units["mgr_years"].mean(),
                rep_seniority_ratio=w["rep_years"] / units["rep_years"].mean(),
            )
            return 0.3 * float(s) - c * t

        t_num = _golden_max(profit, 0.0, 10 * row["optimal_time"] + 1)
        assert row["optimal_time"] == pytest.approx(t_num, rel=1e-6)
        assert row["profit"] == pytest.approx(profit(row["optimal_time"]))
        # at the optimum, profit = c t* (1/b - 1)
        assert row["profit"] == pytest.approx(c * row["optimal_time"] * (1 / 0.3 - 1))
    assert res.optimal_headcount == pytest.approx(out["optimal_time"].sum() / 100)
    assert res.total_profit == pytest.approx(out["profit"].sum())
    assert res.by_territory is not None
    assert res.by_territory.index.tolist() == ["A", "B", "C"]
    assert res.by_territory["A"] == pytest.approx(out.loc[["u1", "u2"], "optimal_reps"].sum())
    assert res.by_territory.sum() == pytest.approx(res.optimal_headcount)


def test_response_allocation_missing_ratios_count_as_average() -> None:
    units = pd.DataFrame({"potential": [100.0, 400.0]})
    res = response_allocation(units, margin_rate=1.0, cost_per_rep=100.0)
    # c = 1 per %, k = 0.4536 p^0.619, t* = (0.3 k)^(1/0.7)
    k = 0.4536 * np.array([100.0, 400.0]) ** 0.619
    assert res.units["optimal_time"].tolist() == pytest.approx((0.3 * k) ** (1 / 0.7))
    # richer unit deserves more time: ratio 4^(0.619/0.7)
    ratio = res.units["optimal_time"].iloc[1] / res.units["optimal_time"].iloc[0]
    assert ratio == pytest.approx(4 ** (0.619 / 0.7))
    assert res.by_territory is None


def test_response_allocation_bad_input() -> None:
    units = _units()
    with pytest.raises(ValidationError) as err:
        response_allocation(
            units, margin_rate=0.3, cost_per_rep=1, workload_col="charge", territory_col="zone"
        )
    assert {p.item for p in err.value.problems} == {"column 'charge'", "column 'zone'"}
    bad = units.assign(potential=[1.0, -2.0, 3.0, 4.0])
    with pytest.raises(ValidationError, match=r"'potential'.*u2"):
        response_allocation(bad, margin_rate=0.3, cost_per_rep=1)
    with pytest.raises(ValidationError, match="mean of 0"):
        response_allocation(
            units.assign(workload=0.0), margin_rate=0.3, cost_per_rep=1, workload_col="workload"
        )
    with pytest.raises(ValidationError, match="concave"):
        response_allocation(
            units, margin_rate=0.3, cost_per_rep=1, coefficients=ResponseCoefficients(time=1.2)
        )
    with pytest.raises(ValidationError, match="cost_per_rep"):
        response_allocation(units, margin_rate=0.3, cost_per_rep=0)


def test_headcount_gaps_course_slide_31() -> None:
    # "territory B would need 2.37 reps instead of 1, territory C 0.36 instead of 1"
    out = headcount_gaps({"A": 1.02, "B": 2.37, "C": 0.36}, {"A": 1, "B": 1, "C": 1})
    assert out["gap"].tolist() == pytest.approx([0.02, 1.37, -0.64])
    assert out["verdict"].tolist() == ["ok", "more", "fewer"]


def test_headcount_gaps_bad_input() -> None:
    with pytest.raises(ValidationError) as err:
        headcount_gaps({"A": 1.0, "B": 2.0}, {"A": 1.0, "D": 1.0})
    msg = str(err.value)
    assert "B" in msg and "D" in msg and "0 if none" in msg
    with pytest.raises(ValidationError, match="'current_reps'"):
        headcount_gaps({"A": 1.0}, {"A": -1.0})
    with pytest.raises(ValidationError, match="tolerance"):
        headcount_gaps({"A": 1.0}, {"A": 1.0}, tolerance=-0.1)


# --- minimum ROI per account -------------------------------------------------------------


def _roi_accounts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "contribution": [15_000.0, 2_000.0, 500.0],
            "visits_per_year": [12, 6, 0],
            "hours_per_visit": [2.0, 1.0, 1.0],
        },
        index=["X", "Y", "Z"],
    )


def test_minimum_roi_hand() -> None:
    # X: 24 h / 736 h = 0.0326 FTE -> CHF 3,260.87 -> net ROI 15,000/3,260.87 - 1 = 3.6
    # Y: 6 h -> CHF 815.22 -> net ROI 1.4533 < 2.0 (200 %); Z takes no time.
    out = minimum_roi_accounts(
        _roi_accounts(), cost_per_fte=100_000, capacity_hours=736, min_roi=2.0
    )
    assert out["fte"].tolist() == pytest.approx([24 / 736, 6 / 736, 0])
    assert out.loc["X", "cost"] == pytest.approx(3_260.87, abs=0.01)
    assert out.loc["X", "roi"] == pytest.approx(3.6)
    assert out.loc["Y", "roi"] == pytest.approx(2_000 / (6 / 736 * 100_000) - 1)
    assert out.loc["Z", "roi"] == math.inf
    assert out["below_threshold"].tolist() == [False, True, False]
    # most FTE X can justify: 15,000 / (3 x 100,000) = 0.05
    assert out.loc["X", "max_fte"] == pytest.approx(0.05)


def test_minimum_roi_gross_definition() -> None:
    out = minimum_roi_accounts(
        _roi_accounts(), cost_per_fte=100_000, capacity_hours=736, min_roi=2.0, roi="gross"
    )
    assert out.loc["X", "roi"] == pytest.approx(4.6)
    assert out.loc["Y", "roi"] == pytest.approx(2.4533, abs=1e-4)
    assert out["below_threshold"].tolist() == [False, False, False]
    assert out.loc["X", "max_fte"] == pytest.approx(0.075)


def test_minimum_roi_bad_input() -> None:
    with pytest.raises(ValidationError, match="column 'margin'"):
        minimum_roi_accounts(
            _roi_accounts(),
            cost_per_fte=1,
            capacity_hours=736,
            min_roi=2,
            contribution_col="margin",
        )
    with pytest.raises(ValidationError, match="capacity_hours"):
        minimum_roi_accounts(_roi_accounts(), cost_per_fte=1, capacity_hours=0, min_roi=2)
    neg = _roi_accounts().assign(visits_per_year=[12, -6, 0])
    with pytest.raises(ValidationError, match=r"'visits_per_year'.*Y"):
        minimum_roi_accounts(neg, cost_per_fte=1, capacity_hours=736, min_roi=2)


# --- geographic concentration ------------------------------------------------------------


def test_geographic_concentration_hand() -> None:
    areas = pd.DataFrame(
        {"accounts": [50, 5, 30], "area_km2": [100.0, 2.0, 10.0]}, index=["A", "B", "C"]
    )
    out = geographic_concentration(areas, min_accounts=20, min_density=1.0)
    assert out["density"].tolist() == pytest.approx([0.5, 2.5, 3.0])
    assert out["enough_accounts"].tolist() == [True, False, True]
    assert out["dense_enough"].tolist() == [False, True, True]
    assert out["deploy"].tolist() == [False, False, True]


def test_geographic_concentration_bad_input() -> None:
    areas = pd.DataFrame({"accounts": [-1, 5], "area_km2": [0.0, 2.0]}, index=["A", "B"])
    with pytest.raises(ValidationError) as err:
        geographic_concentration(areas, min_accounts=1)
    assert {p.item for p in err.value.problems} == {"column 'accounts'", "column 'area_km2'"}
    assert "> 0" in str(err.value)
    with pytest.raises(ValidationError, match="column 'surface'"):
        geographic_concentration(areas, area_col="surface")
    with pytest.raises(ValidationError, match="min_density"):
        geographic_concentration(areas.abs().assign(area_km2=1.0), min_density=-1)
