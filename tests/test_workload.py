"""Tests of territory_opt.salesforce.workload against the seed course's worked example (slides 20-21)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.salesforce.workload import (
    COURSE_SEGMENTS,
    Segment,
    rep_capacity_hours,
    required_reps,
    segment_table,
    total_workload_hours,
    workload_by_unit,
)

# --- the course's numbers ----------------------------------------------------------------


def test_course_segment_hours_match_slide() -> None:
    # slide 20: 100 x 12 x 2 = 2,400; 1,400 x 6 x 1 = 8,400; 2,400 x 1 x 0.5 = 1,200
    assert [s.hours for s in COURSE_SEGMENTS] == pytest.approx([2_400, 8_400, 1_200])
    assert [s.visits for s in COURSE_SEGMENTS] == pytest.approx([1_200, 8_400, 2_400])


def test_course_total_is_12000_hours() -> None:
    assert total_workload_hours(COURSE_SEGMENTS) == pytest.approx(12_000)


def test_course_accounts_sum_to_3900_not_the_4000_on_the_slide() -> None:
    table = segment_table(COURSE_SEGMENTS)
    assert table["accounts"].sum() == pytest.approx(3_900)
    assert table["hours"].sum() == pytest.approx(12_000)
    assert list(table.index) == ["large accounts", "medium accounts", "small accounts"]


def test_course_capacity_1840_hours_then_736_in_contact() -> None:
    assert rep_capacity_hours(contact_share=1.0) == pytest.approx(1_840)  # 46 x 5 x 8
    assert rep_capacity_hours() == pytest.approx(736)  # 1,840 x 0.40


def test_course_needs_16_3_reps() -> None:
    reps = required_reps(total_workload_hours(COURSE_SEGMENTS), rep_capacity_hours())
    assert reps == pytest.approx(12_000 / 736)
    assert reps == pytest.approx(16.304, abs=1e-3)
    assert math.ceil(reps) == 17


def test_capacity_scales_with_each_factor() -> None:
    assert rep_capacity_hours(44, 4, 7.5, 0.5) == pytest.approx(44 * 4 * 7.5 * 0.5)


def test_zero_workload_needs_zero_reps() -> None:
    assert required_reps(0.0, 736) == 0.0
    assert total_workload_hours([]) == 0.0


# --- per-unit workload ---------------------------------------------------------------


def _accounts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["14118", "14118", "76540", "50129", "76540"],
            "visits_per_year": [12, 6, 1, 6, 12],
            "hours_per_visit": [2.0, 1.0, 0.5, 1.0, 2.0],
        },
        index=["a1", "a2", "a3", "a4", "a5"],
    )


def test_workload_by_unit_hand_computed() -> None:
    acc = _accounts()
    before = acc.copy()
    out = workload_by_unit(acc)
    assert list(out.index) == ["14118", "50129", "76540"]
    assert out.loc["14118", "workload_hours"] == pytest.approx(12 * 2 + 6 * 1)
    assert out.loc["76540", "workload_hours"] == pytest.approx(1 * 0.5 + 12 * 2)
    assert out.loc["50129", "workload_hours"] == pytest.approx(6.0)
    assert out["accounts"].tolist() == [2, 1, 2]
    assert out.loc["76540", "visits"] == pytest.approx(13)
    assert out["workload_hours"].sum() == pytest.approx(60.5)
    pd.testing.assert_frame_equal(acc, before)  # input untouched


def test_workload_by_unit_custom_columns() -> None:
    acc = _accounts().rename(columns={"unit": "commune", "visits_per_year": "v"})
    out = workload_by_unit(acc, "commune", visits_col="v")
    assert out.index.name == "commune"
    assert out["workload_hours"].sum() == pytest.approx(60.5)


# --- bad input -------------------------------------------------------------------------


def test_negative_hours_names_segment_and_fix() -> None:
    with pytest.raises(ValidationError) as err:
        Segment("medium accounts", 1_400, 6, -1.0)
    msg = str(err.value)
    assert "medium accounts" in msg
    assert "hours_per_visit" in msg
    assert "Fix:" in msg and ">= 0" in msg


def test_negative_counts_all_listed() -> None:
    with pytest.raises(ValidationError) as err:
        Segment("small", -5, -1, 0.5)
    assert len(err.value.problems) == 2
    assert {p.item for p in err.value.problems} == {"segment 'small'"}
    assert "accounts is negative" in str(err.value)
    assert "visits_per_year is negative" in str(err.value)


def test_non_number_segment_field() -> None:
    with pytest.raises(ValidationError, match="not a finite number"):
        Segment("x", float("nan"), 1, 1)
    with pytest.raises(ValidationError, match="not a finite number"):
        Segment("x", "100", 1, 1)  # type: ignore[arg-type]


def test_duplicate_segment_names() -> None:
    seg = Segment("large", 1, 1, 1)
    with pytest.raises(ValidationError, match="more than one segment"):
        total_workload_hours([seg, seg])


def test_non_segment_item() -> None:
    with pytest.raises(ValidationError, match="not a Segment"):
        total_workload_hours([("large", 100, 12, 2)])  # type: ignore[list-item]


@pytest.mark.parametrize("share", [0.0, -0.4, 40, 1.01, float("nan")])
def test_contact_share_outside_unit_interval(share: float) -> None:
    with pytest.raises(ValidationError) as err:
        rep_capacity_hours(contact_share=share)
    assert err.value.problems[0].item == "contact_share"
    assert "0.40 for 40 %" in err.value.problems[0].fix


def test_contact_share_of_one_is_allowed() -> None:
    assert rep_capacity_hours(contact_share=1) == pytest.approx(1_840)


def test_capacity_all_problems_at_once() -> None:
    with pytest.raises(ValidationError) as err:
        rep_capacity_hours(weeks=-1, days_per_week=8, hours_per_day=0, contact_share=2)
    assert [p.item for p in err.value.problems] == [
        "weeks",
        "days_per_week",
        "hours_per_day",
        "contact_share",
    ]


def test_required_reps_bad_inputs() -> None:
    with pytest.raises(ValidationError, match="capacity"):
        required_reps(12_000, 0)
    with pytest.raises(ValidationError, match="total_hours"):
        required_reps(-1, 736)


def test_workload_by_unit_unknown_column() -> None:
    with pytest.raises(ValidationError) as err:
        workload_by_unit(_accounts(), "commune", hours_col="duration")
    items = {p.item for p in err.value.problems}
    assert items == {"column 'commune'", "column 'duration'"}
    assert "'visits_per_year'" in str(err.value)  # lists the available columns


def test_workload_by_unit_negative_and_missing_values() -> None:
    acc = _accounts()
    acc.loc["a2", "hours_per_visit"] = -1.0
    acc.loc["a4", "visits_per_year"] = None
    acc.loc["a5", "unit"] = None
    with pytest.raises(ValidationError) as err:
        workload_by_unit(acc)
    msg = str(err.value)
    assert len(err.value.problems) == 3
    assert "'hours_per_visit'" in msg and "a2" in msg
    assert "'visits_per_year'" in msg and "a4" in msg
    assert "have no unit" in msg


def test_workload_by_unit_rejects_non_dataframe() -> None:
    with pytest.raises(ValidationError, match="DataFrame"):
        workload_by_unit([{"unit": 1}])  # type: ignore[arg-type]


def test_validation_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        rep_capacity_hours(contact_share=0)
