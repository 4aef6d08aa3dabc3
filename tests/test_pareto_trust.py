"""Pareto rows (issue 17 item 6): a listed plan holds its budget and tolerances; an
infeasible point lists no plan. Checked with independent code from the study's data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from territory_opt.studies.scenarios import pareto_curve
from tests.test_scenarios import study  # noqa: F401  (the fixture)


def test_pareto_rows_hold_their_budget_and_tolerance(study):  # noqa: F811
    s = dataclasses.replace(
        study,
        solve_settings={**study.solve_settings, "time_limit": 5, "raise_infeasible": False},
    )
    total = float(s.units["accounts"].sum())
    budgets = [1.0, 0.2 * total, total]
    curve = pareto_curve(s, budgets)
    plans = curve.attrs["plans"]
    w = s.units["workload"]
    target = w.sum() / len(s.reps)
    acc = s.units["accounts"]
    listed = 0
    for _, row in curve.iterrows():
        has_plan = row["status"] in ("optimal", "feasible")
        if not has_plan:  # no plan figures at all
            assert pd.isna(row.get("objective", np.nan))
            assert pd.isna(row.get("accounts_changed", np.nan))
            assert row["reason"]
            assert row["budget"] not in plans
            continue
        listed += 1
        a = plans[row["budget"]].reindex(s.units.index)
        changed = float(acc[a != s.baseline.reindex(s.units.index)].sum())
        assert changed <= row["budget"] + 1e-9
        assert changed == row["accounts_changed"]
        loads = w.groupby(a).sum().reindex(s.reps.index, fill_value=0.0)
        assert (loads.sub(target).abs() <= 0.25 * target + 1e-9).all()
        assert row["bound"] <= row["objective"] + 1e-9
        assert row["gap"] == (row["objective"] - row["bound"]) / row["objective"]
    assert listed >= 2
    assert curve.loc[curve["budget"] == 1.0, "status"].item() not in ("optimal", "feasible")
