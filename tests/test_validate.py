"""Each validation problem class names the offending id/column; inputs are never mutated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from territory_opt.data.validate import validate_inputs
from territory_opt.exceptions import ValidationError

from .conftest import grid_units

MEASURES = ["workload", "potential"]


def _reps():
    return pd.DataFrame({"home": ["u0_0", "u2_2"], "fte": [1.0, 0.5]}, index=["A", "B"])


def _fails(units, reps=None, **kw) -> str:
    u0, r0 = units.copy(), None if reps is None else reps.copy()
    with pytest.raises(ValidationError) as info:
        validate_inputs(units, reps, measures=kw.pop("measures", MEASURES), **kw)
    assert units.equals(u0) and (reps is None or reps.equals(r0))  # inputs untouched
    return str(info.value)


def test_valid_inputs_pass(normandie):
    units, reps = normandie.units, normandie.reps
    before = units.copy()
    validate_inputs(
        units, reps, measures=["workload", "potential", "accounts"], baseline=units["current_rep"]
    )
    assert units.equals(before)


def test_duplicate_and_missing_ids():
    g = grid_units(3, 3)
    dup = g.rename(index={"u0_1": "u0_0"})
    assert "u0_0" in _fails(dup, _reps())
    msg = _fails(g, pd.DataFrame({"home": ["u0_0", "u1_1"], "fte": [1, 1]}, index=["A", "A"]))
    assert "reps" in msg and "A" in msg and "unique" in msg


def test_mixed_id_types():
    g = grid_units(2, 1)
    g.index = pd.Index(["u0_0", 7], dtype=object)
    msg = _fails(g, measures=MEASURES)
    assert "mix types" in msg and "int" in msg and "str" in msg


def test_missing_measure_column():
    msg = _fails(grid_units(2, 2), measures=["workload", "revenue"])
    assert "'revenue'" in msg and "missing" in msg


@pytest.mark.parametrize(
    ("value", "words"),
    [(np.nan, "missing (NaN)"), (np.inf, "infinite"), (-3.0, "negative"), ("abc", "not numbers")],
)
def test_bad_measure_values(value, words):
    g = grid_units(2, 2)
    g["workload"] = g["workload"].astype(object)
    g.loc["u1_1", "workload"] = value
    msg = _fails(g)
    assert words in msg and "u1_1" in msg and "'workload'" in msg


def test_all_zero_measure():
    g = grid_units(2, 2)
    g["potential"] = 0.0
    assert "every value is zero" in _fails(g)


def test_empty_and_invalid_geometry():
    g = grid_units(2, 2)
    g.loc["u0_1", "geometry"] = Polygon()
    g.loc["u1_1", "geometry"] = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # bow-tie
    msg = _fails(g)
    assert "u0_1" in msg and "empty geometry" in msg
    assert "u1_1" in msg and "invalid geometry" in msg and "make_valid" in msg


def test_crs_problems():
    g = grid_units(2, 2)
    assert "no coordinate reference system" in _fails(g.set_crs(None, allow_override=True))
    # metres labelled as degrees
    assert "look like metres" in _fails(g.set_crs("EPSG:4326", allow_override=True))
    # degrees labelled as metres
    deg = grid_units(2, 2, size=0.01, crs="EPSG:4326").set_crs("EPSG:2154", allow_override=True)
    assert "look like degrees" in _fails(deg)


def test_rep_home_problems():
    g = grid_units(3, 3)
    reps = pd.DataFrame({"home": ["u0_0", "nowhere"], "fte": [1.0, 1.0]}, index=["A", "B"])
    msg = _fails(g, reps)
    assert "rep B" in msg and "'nowhere'" in msg
    pts = pd.DataFrame(
        {"home": [Point(500, 500), Point(99999, 99999)], "fte": [1, 1]}, index=["A", "B"]
    )
    msg = _fails(g, pts)
    assert "outside every unit" in msg and "B" in msg and "A" not in msg.split("rep(s)")[1][:3]
    shared = pd.DataFrame({"home": ["u0_0", "u0_0"], "fte": [1, 1]}, index=["A", "B"])
    assert "share one home" in _fails(g, shared)
    validate_inputs(g, shared, measures=MEASURES, allow_shared_homes=True)


def test_fte_problems():
    g = grid_units(3, 3)
    reps = pd.DataFrame({"home": ["u0_0", "u2_2"], "fte": [0.0, np.nan]}, index=["A", "B"])
    msg = _fails(g, reps)
    assert "FTE must be a positive number" in msg and "A" in msg and "B" in msg
    assert "FTE column is missing" in _fails(g, reps.drop(columns="fte"))


def test_more_reps_than_units():
    g = grid_units(2, 1)
    reps = pd.DataFrame({"home": ["u0_0", "u1_0", "u0_0"], "fte": [1, 1, 1]}, index=["A", "B", "C"])
    assert "more reps than units" in _fails(g, reps, allow_shared_homes=True)


def test_baseline_and_locks():
    g = grid_units(3, 3)
    msg = _fails(g, _reps(), baseline={"u0_0": "A", "ghost": "A", "u1_1": "Z"})
    assert "[baseline] unit(s) ghost" in msg and "[baseline] rep(s) Z" in msg
    msg = _fails(g, _reps(), locks={"u2_2": "A", "u1_0": "Q"})
    assert "u2_2 locked to A but home of B" in msg and "[locks] rep(s) Q" in msg


def test_every_problem_reported_at_once():
    g = grid_units(3, 3)
    g.loc["u1_1", "workload"] = -1.0
    reps = pd.DataFrame({"home": ["u0_0", "nowhere"], "fte": [1.0, -1.0]}, index=["A", "B"])
    with pytest.raises(ValidationError) as info:
        validate_inputs(g, reps, measures=[*MEASURES, "revenue"], baseline={"ghost": "A"})
    assert len(info.value.problems) == 5
    assert isinstance(info.value, ValueError)
