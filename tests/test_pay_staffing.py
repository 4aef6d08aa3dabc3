"""Pay impact of a redeployment and staged staffing: the course's rules, checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.salesforce.pay import COURSE_GUARANTEE, pay_impact
from territory_opt.salesforce.staffing import staged_staffing


def _case():
    accounts = pd.DataFrame(
        {
            "account": ["a1", "a2", "a3", "a4"],
            "unit": ["u1", "u2", "u3", "u4"],
            "revenue": [100_000.0, 200_000.0, 300_000.0, 400_000.0],
        }
    )
    before = pd.Series({"u1": "A", "u2": "A", "u3": "A", "u4": "B"})
    after = pd.Series({"u1": "A", "u2": "B", "u3": "B", "u4": "B"})
    return accounts, before, after


def test_pay_impact_by_hand():
    accounts, before, after = _case()
    res = pay_impact(
        accounts,
        before,
        after,
        commission_rate=0.10,
        fixed_salary=30_000,
        kept_share=(0.5, 0.25, 0.0),
    )
    a = res.per_rep.xs("A", level="rep")
    # A held 600 k, keeps 100 k; former pay 30 k + 60 k = 90 k
    assert a["former_pay"].tolist() == [90_000.0] * 3
    assert a["revenue_lost"].iloc[0] == 500_000.0
    # year 1: earned 30 + 10 + 0.5*50 = 65 k; guarantee 100 % of 90 k -> top-up 25 k
    assert a.loc[1, "earned"] == pytest.approx(65_000)
    assert a.loc[1, "top_up"] == pytest.approx(25_000)
    # year 2: earned 30 + 10 + 12.5 = 52.5 k; 75 % of 90 = 67.5 -> top-up 15 k
    assert a.loc[2, "top_up"] == pytest.approx(15_000)
    # year 3: earned 40 k; 50 % of 90 = 45 -> 5 k
    assert a.loc[3, "top_up"] == pytest.approx(5_000)
    b = res.per_rep.xs("B", level="rep")
    assert b["top_up"].sum() == 0 and b.loc[1, "earned"] == pytest.approx(30_000 + 90_000)
    # company cost = kept commissions (25 + 12.5 + 0) + top-ups (25 + 15 + 5)
    assert res.total_cost == pytest.approx(37_500 + 45_000)
    assert res.per_year["company_cost"].tolist() == pytest.approx([50_000, 27_500, 5_000])


def test_no_change_costs_nothing():
    accounts, before, _ = _case()
    res = pay_impact(accounts, before, before, commission_rate=0.05, kept_share=0.3)
    assert res.total_cost == 0
    assert COURSE_GUARANTEE == (1.0, 0.75, 0.5)


def test_pay_bad_input():
    accounts, before, after = _case()
    with pytest.raises(ValidationError, match="commission_rate"):
        pay_impact(accounts, before, after, commission_rate=5)
    with pytest.raises(ValidationError, match="guarantee"):
        pay_impact(accounts, before, after, commission_rate=0.1, guarantee=(1.2,))
    with pytest.raises(ValidationError, match="u4"):
        pay_impact(accounts, before, after.drop("u4"), commission_rate=0.1)
    with pytest.raises(ValidationError, match="'revenue'"):
        pay_impact(accounts.drop(columns="revenue"), before, after, commission_rate=0.1)


def test_course_staged_staffing():
    """Configure 100 territories, staff 60, add 10 every 6 months for 2 years."""
    profit = pd.Series({f"T{i:03d}": float(1000 - 7 * i % 1000) for i in range(100)})
    plan = staged_staffing(profit, initial=60, step=10, every_months=6, horizon_months=24)
    assert plan["month"].tolist() == [0, 6, 12, 18, 24]
    assert plan["staffed"].tolist() == [60, 70, 80, 90, 100]
    ranked = profit.sort_values(ascending=False, kind="stable").index.tolist()
    assert plan.loc[0, "open"] == ranked[:60]
    assert plan.loc[1, "added"] == ranked[60:70]
    # not successful after the first extension: the ramp-up stops at 70
    stop = staged_staffing(profit, initial=60, step=10, success=[True, False])
    assert stop["staffed"].tolist() == [60, 70]
    with pytest.raises(ValidationError, match="initial"):
        staged_staffing(profit, initial=120, step=10)
