"""Alignment: tables, metrics, change lists, immutability."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from territory_opt.exceptions import ValidationError
from territory_opt.plan.alignment import Alignment, SolveReport


def _plan() -> Alignment:
    units = gpd.GeoDataFrame(
        {"name": ["a", "b", "c", "d"]},
        geometry=[
            box(0, 0, 1000, 1000),
            box(1000, 0, 2000, 1000),
            box(0, 1000, 1000, 2000),
            box(1000, 1000, 2000, 2000),
        ],
        index=pd.Index(["u1", "u2", "u3", "u4"]),
        crs="EPSG:2154",
    )
    measures = pd.DataFrame(
        {"workload": [3.0, 1.0, 2.0, 2.0], "accounts": [10.0, 5.0, 0.0, 5.0]}, index=units.index
    )
    reps = pd.DataFrame(
        {"home": ["u1", "u4"], "fte": [1.0, 1.0], "name": ["Ann", "Bob"]}, index=["A", "B"]
    )
    dist = pd.DataFrame({"A": [0.0, 1.0, 1.0, 1.4], "B": [1.4, 1.0, 1.0, 0.0]}, index=units.index)
    return Alignment(
        assignment=pd.Series({"u1": "A", "u2": "A", "u3": "B", "u4": "B"}),
        reps=reps,
        measures=measures,
        balance_measures=("workload",),
        units=units,
        baseline=pd.Series({"u1": "A", "u2": "B", "u3": "B", "u4": "B"}),
        distance=dist,
        report=SolveReport("optimal", 2.0, 2.0, 0.0, 0.1, "highs"),
    )


def test_territory_table() -> None:
    tab = _plan().territory_table()
    assert list(tab.index) == ["A", "B"]
    assert tab.loc["A", "units"] == 2 and tab.loc["A", "workload"] == 4.0
    assert tab.loc["A", "workload_pct_target"] == pytest.approx(100.0)
    assert tab.loc["B", "accounts"] == 5.0
    assert tab.loc["A", "area_km2"] == pytest.approx(2.0)
    assert tab.loc["A", "max_km"] == 1.0 and tab.loc["B", "mean_km"] == pytest.approx(0.5)
    assert tab.loc["A", "name"] == "Ann"


def test_metrics_and_changes() -> None:
    a = _plan()
    m = a.metrics()
    assert m["workload_max_min_ratio"] == pytest.approx(1.0)
    assert m["workload_cv"] == pytest.approx(0.0)
    assert m["workload_max_dev_pct"] == pytest.approx(0.0)
    assert m["units_changed"] == 1 and m["accounts_changed"] == 5.0
    assert m["accounts_changed_pct"] == pytest.approx(25.0)
    assert m["compactness"] == pytest.approx(0.5)
    ch = a.changes()
    assert ch[["unit", "from_rep", "to_rep"]].values.tolist() == [["u2", "B", "A"]]
    assert ch["accounts"].tolist() == [5.0]


def test_diff_and_from_assignment() -> None:
    a = _plan()
    old = Alignment.from_assignment(
        {"u1": "A", "u2": "B", "u3": "B", "u4": "B"},
        reps=a.reps,
        measures=a.measures,
        balance_measures=["workload"],
    )
    d = a.diff(old)
    assert d[["unit", "from_rep", "to_rep"]].values.tolist() == [["u2", "B", "A"]]
    tab = old.territory_table()
    assert tab.loc["B", "workload_pct_target"] == pytest.approx(125.0)
    bare = Alignment.from_assignment({"x": 1, "y": 2})
    assert (
        list(bare.reps.index) == [1, 2]
        and bare.metrics()["units_changed"] != bare.metrics()["units_changed"]
    )


def test_shared_units_split_measures() -> None:
    a = _plan()
    shared = pd.DataFrame({"unit": ["u1", "u1"], "rep": ["A", "B"], "fraction": [0.5, 0.5]})
    b = Alignment(a.assignment, a.reps, a.measures, a.balance_measures, shared=shared)
    tab = b.territory_table()
    assert tab.loc["A", "workload"] == pytest.approx(2.5) and tab.loc[
        "B", "workload"
    ] == pytest.approx(5.5)
    with pytest.raises(ValidationError, match="fractions do not sum to 1"):
        Alignment(
            a.assignment,
            a.reps,
            a.measures,
            a.balance_measures,
            shared=shared.assign(fraction=[0.5, 0.4]),
        )


def test_immutable_copies_and_errors() -> None:
    assignment = pd.Series({"u1": "A", "u2": "A"})
    measures = pd.DataFrame({"w": [1.0, 2.0]}, index=["u1", "u2"])
    reps = pd.DataFrame({"home": [None], "fte": [1.0]}, index=["A"])
    a = Alignment(assignment, reps, measures, ("w",))
    assignment["u1"] = "Z"
    measures.loc["u1", "w"] = 99.0
    assert a.assignment["u1"] == "A" and a.measures.loc["u1", "w"] == 1.0
    with pytest.raises(AttributeError):
        a.report = None  # type: ignore[misc]
    with pytest.raises(ValidationError, match="reps Z"):
        Alignment(pd.Series({"u1": "Z", "u2": "A"}), reps, measures, ())
    with pytest.raises(ValidationError, match="units u2"):
        Alignment(pd.Series({"u1": "A"}), reps, measures, ())
    with pytest.raises(ValueError, match="no baseline"):
        a.changes()
    assert np.isnan(a.metrics()["compactness"])
