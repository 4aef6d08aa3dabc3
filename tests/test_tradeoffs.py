"""Trade-off surface: the efficient points are non-dominated, checked by brute force;
every point carries its plan, whose figures are recomputed independently."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from territory_opt.studies import non_dominated, plot_tradeoffs, tradeoff_surface
from tests.test_scenarios import study  # noqa: F401  (the fixture)


def _dominated_by_brute_force(X: np.ndarray, i: int) -> bool:
    return any(j != i and np.all(X[j] <= X[i]) and np.any(X[j] < X[i]) for j in range(len(X)))


def test_non_dominated_against_brute_force() -> None:
    rng = np.random.default_rng(7)
    for _ in range(30):
        X = rng.integers(0, 5, size=(12, 3)).astype(float)
        frame = pd.DataFrame(X, columns=["a", "b", "c"])
        eff = non_dominated(frame, ["a", "b", "c"]).to_numpy()
        expected = [not _dominated_by_brute_force(X, i) for i in range(len(X))]
        assert eff.tolist() == expected


def test_non_dominated_ignores_rows_without_a_plan() -> None:
    frame = pd.DataFrame({"a": [1.0, np.nan, 2.0], "b": [1.0, 0.0, 0.5]})
    assert non_dominated(frame, ["a", "b"]).tolist() == [True, False, True]


def test_surface_points_are_non_dominated_and_carry_their_plan(study, tmp_path):  # noqa: F811
    s = dataclasses.replace(study, solve_settings={**study.solve_settings, "time_limit": 5})
    total = float(s.units["accounts"].sum())
    surf = tradeoff_surface(s, [0.1, 0.25], [0.1 * total, total])
    assert len(surf) == 4
    axes = ["balance_dev_pct", "accounts_changed", "travel_mean_account"]
    ok = surf.dropna(subset=axes)
    assert len(ok) >= 2
    X = ok[axes].to_numpy(dtype=float)
    for pos, (idx, row) in enumerate(ok.iterrows()):
        assert bool(row["efficient"]) == (not _dominated_by_brute_force(X, pos))
        al = surf.attrs["alignments"][idx]
        a = al.assignment.reindex(s.units.index)
        # accounts changed and worst workload deviation, recomputed from the data
        changed = float(s.units["accounts"][a != s.baseline.reindex(s.units.index)].sum())
        assert changed == row["accounts_changed"]
        load = s.units["workload"].groupby(a).sum()
        target = s.units["workload"].sum() / len(s.reps)
        dev = float((load / target - 1).abs().max() * 100)
        assert abs(dev - row["balance_dev_pct"]) < 1e-6
        assert dev <= row["tolerance_pct"] + 1e-6
    fig = plot_tradeoffs(surf, tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000
    assert fig is not None
