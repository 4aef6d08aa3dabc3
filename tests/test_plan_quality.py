"""Plan quality figures against hand-computed values on small grids; travel matrices; per-rep targets."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from territory_opt.data import read_travel_matrix
from territory_opt.exceptions import ValidationError
from territory_opt.plan import Alignment, plan_quality, quality_table, weighted_quantile
from territory_opt.problem import TerritoryProblem

KM = 1000.0


def grid3() -> gpd.GeoDataFrame:
    """A 3 x 3 grid of 1 km squares in Lambert-93, ids "x,y"."""
    cells = {
        f"{x},{y}": box(x * KM, y * KM, (x + 1) * KM, (y + 1) * KM)
        for x in range(3)
        for y in range(3)
    }
    return gpd.GeoDataFrame(geometry=list(cells.values()), index=list(cells), crs="EPSG:2154")


def square_and_ell() -> Alignment:
    """Rep A: the 2 x 2 square at the origin; rep B: the L of the 5 other cells."""
    units = grid3()
    a = {u: ("A" if int(u[0]) < 2 and int(u[2]) < 2 else "B") for u in units.index}
    measures = pd.DataFrame(
        {"accounts": np.arange(1, 10, dtype=float), "workload": np.ones(9)}, index=units.index
    )
    reps = pd.DataFrame({"home": ["0,0", "2,2"], "fte": [1.0, 1.0]}, index=["A", "B"])
    return Alignment.from_assignment(
        a, reps=reps, measures=measures, units=units, balance_measures=["workload"]
    )


def test_polsby_popper_and_hull_of_a_square_and_an_ell_by_hand() -> None:
    q = plan_quality(square_and_ell())
    pp_square = 4 * math.pi * 4 / 8**2  # area 4 km², perimeter 8 km: pi/4
    pp_ell = 4 * math.pi * 5 / 12**2  # area 5 km², perimeter 12 km
    assert q["pp_min"] == pytest.approx(pp_ell)
    assert q["pp_mean"] == pytest.approx((pp_square + pp_ell) / 2)
    # the L's hull is the 3 x 3 square minus the triangle (0,0)-(2,0)-(0,2): 9 - 2 = 7 km²
    assert q["hull_min"] == pytest.approx(5 / 7)
    assert q["hull_mean"] == pytest.approx((1 + 5 / 7) / 2)


def test_balance_range_by_hand() -> None:
    q = plan_quality(square_and_ell(), shapes=False)
    # 9 units of workload 1, two reps of 1 FTE: target 4.5; A holds 4, B holds 5
    assert q["workload_pct_min"] == pytest.approx(100 * 4 / 4.5)
    assert q["workload_pct_max"] == pytest.approx(100 * 5 / 4.5)
    assert q["workload_max_dev_pct"] == pytest.approx(100 * 0.5 / 4.5)


def _travel() -> pd.DataFrame:
    units = grid3().index
    # minutes: unit "x,y" is 10*(x+y) from A and 10*(4-x-y) from B
    xy = [(int(u[0]), int(u[2])) for u in units]
    return pd.DataFrame(
        {"A": [10.0 * (x + y) for x, y in xy], "B": [10.0 * (4 - x - y) for x, y in xy]},
        index=units,
    )


def test_travel_per_account_and_per_visit_by_hand() -> None:
    al = square_and_ell()
    visits = pd.Series(2.0, index=al.measures.index)
    visits["2,2"] = 10.0
    q = plan_quality(al, travel=_travel(), visits=visits, shapes=False)
    # by hand: (unit, accounts, rep, minutes)
    rows = []
    for k, u in enumerate(al.measures.index):
        x, y = int(u[0]), int(u[2])
        rep = "A" if x < 2 and y < 2 else "B"
        mins = 10.0 * (x + y) if rep == "A" else 10.0 * (4 - x - y)
        rows.append((k + 1, mins, float(visits[u])))
    acc = np.array([r[0] for r in rows])
    mins = np.array([r[1] for r in rows])
    vis = np.array([r[2] for r in rows])
    assert q["travel_mean_account"] == pytest.approx((acc * mins).sum() / acc.sum())
    every = np.repeat(mins, acc.astype(int))  # one entry per account
    assert q["travel_p95_account"] == pytest.approx(np.percentile(every, 95, method="inverted_cdf"))
    assert q["travel_mean_visit"] == pytest.approx((vis * mins).sum() / vis.sum())
    every_visit = np.repeat(mins, vis.astype(int))
    assert q["travel_p95_visit"] == pytest.approx(
        np.percentile(every_visit, 95, method="inverted_cdf")
    )


def test_weighted_quantile_is_the_repeated_percentile() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.integers(0, 50, 12).astype(float)
        w = rng.integers(0, 6, 12)
        if w.sum() == 0:
            continue
        for q in (0.5, 0.9, 0.95):
            ref = np.percentile(np.repeat(x, w), 100 * q, method="inverted_cdf")
            assert weighted_quantile(x, w, q) == ref


def test_changes_counted_by_hand_and_side_by_side() -> None:
    al = square_and_ell()
    base = al.assignment.copy()
    base["2,0"] = "A"  # accounts of "2,0": index 6 -> 7 accounts
    base["0,2"] = "A"  # index 2 -> 3 accounts
    now = Alignment.from_assignment(
        al.assignment, reps=al.reps, measures=al.measures, units=al.units,
        balance_measures=["workload"], baseline=base,
    )  # fmt: skip
    q = plan_quality(now, shapes=False)
    assert q["units_changed"] == 2
    assert q["accounts_changed"] == 10
    assert q["accounts_changed_pct"] == pytest.approx(100 * 10 / 45)
    assert q["workload_changed_pct"] == pytest.approx(100 * 2 / 9)
    tab = quality_table({"current": al, "proposed": now}, shapes=False)
    assert tab.loc["accounts changing rep (%)", "proposed"] == pytest.approx(100 * 10 / 45)
    assert list(tab.columns) == ["current", "proposed"]


# ---------------------------------------------------------------------- per-rep targets


def _problem(reps: pd.DataFrame, **kw: object) -> TerritoryProblem:
    units = grid3()
    units["potential"] = 1.0
    units["workload"] = 1.0
    return TerritoryProblem.from_geodataframe(
        units, reps, measures=["potential", "workload"], contiguity=None, **kw
    )


def test_per_rep_target_shares_set_the_balance_targets() -> None:
    reps = pd.DataFrame(
        {"home": ["0,0", "2,2"], "fte": [1.0, 1.0], "potential_target_share": [2.0, 1.0]},
        index=["A", "B"],
    )
    p = _problem(reps, balance={"potential": 0.1, "workload": 0.5})
    lo, hi = p.bounds()
    # potential: 9 in total, A should hold 2/3 of it (6), B 3; workload stays by FTE (4.5)
    assert np.allclose(p.targets()[:, 0], [6.0, 3.0])
    assert np.allclose(p.targets()[:, 1], [4.5, 4.5])
    assert np.allclose(lo[:, 0], [5.4, 2.7]) and np.allclose(hi[:, 0], [6.6, 3.3])
    al = Alignment.from_assignment(
        {u: "A" if i < 6 else "B" for i, u in enumerate(p.unit_ids)}, problem=p
    )
    tab = al.territory_table()
    assert tab.loc["A", "potential_pct_target"] == pytest.approx(100.0)
    assert tab.loc["B", "workload_pct_target"] == pytest.approx(100 * 3 / 4.5)


def test_bad_target_share_names_the_rep() -> None:
    reps = pd.DataFrame(
        {"home": ["0,0", "2,2"], "fte": [1.0, 1.0], "potential_target_share": [1.0, -1.0]},
        index=["A", "B"],
    )
    with pytest.raises(ValidationError, match=r"potential_target_share.*B"):
        _problem(reps, balance={"potential": 0.1})


# ---------------------------------------------------------------------- travel matrices


def test_read_long_and_wide_matrices_and_use_them_as_cost(tmp_path) -> None:
    units = grid3()
    t = _travel()
    long = t.stack().rename_axis(["origin", "destination"]).rename("minutes").reset_index()
    long.to_csv(tmp_path / "long.csv", index=False)
    t.rename_axis("unit").reset_index().to_csv(tmp_path / "wide.csv", index=False)
    names = ["long.csv", "wide.csv"]
    try:
        long.to_parquet(tmp_path / "long.parquet")
        names.append("long.parquet")
    except ImportError:  # no parquet engine installed
        pass
    for name in names:
        m = read_travel_matrix(tmp_path / name)
        assert m.loc["1,2", "B"] == pytest.approx(10.0) and m.loc["1,2", "A"] == pytest.approx(30.0)
    reps = pd.DataFrame({"home": ["0,0", "2,2"], "fte": [1.0, 1.0]}, index=["A", "B"])
    units["workload"] = 1.0
    p = TerritoryProblem.from_geodataframe(
        units, reps, measures=["workload"], cost=read_travel_matrix(tmp_path / "long.csv"),
        contiguity=None,
    )  # fmt: skip
    assert p.cost[p.unit_index("1,2")].tolist() == [30.0, 10.0]


def test_missing_pairs_and_negative_values_are_named(tmp_path) -> None:
    units = grid3()
    units["workload"] = 1.0
    reps = pd.DataFrame({"home": ["0,0", "2,2"], "fte": [1.0, 1.0]}, index=["A", "B"])
    long = _travel().stack().rename_axis(["unit", "rep"]).rename("km").reset_index()
    long = long[~((long["unit"] == "2,1") & (long["rep"] == "A"))]  # a missing pair
    long.loc[(long["unit"] == "0,1") & (long["rep"] == "B"), "km"] = -3.0
    long.to_csv(tmp_path / "m.csv", index=False)
    m = read_travel_matrix(tmp_path / "m.csv")
    with pytest.raises(ValidationError) as err:
        TerritoryProblem.from_geodataframe(
            units, reps, measures=["workload"], cost=m, contiguity=None
        )
    text = str(err.value)
    assert "('2,1', 'A')" in text and "missing" in text
    assert "('0,1', 'B') = -3" in text and "negative" in text


def test_text_value_in_a_matrix_is_named(tmp_path) -> None:
    (tmp_path / "m.csv").write_text("unit,rep,minutes\n1,A,3\n2,A,abc\n")
    with pytest.raises(ValidationError, match=r"\(2, A\).*not numbers"):
        read_travel_matrix(tmp_path / "m.csv")
