"""One largest-remainder apportionment (data.apportionment) for regions' reps and quotas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territory_opt.data.apportionment import largest_remainder
from territory_opt.salesforce.quotas import allocate
from territory_opt.studies.regions import apportion


def _old_regions(w: np.ndarray, total: int) -> list[int]:
    """The former studies.regions rounding: floor, then remainders, ties by order."""
    quota = w / w.sum() * total
    seats = np.floor(quota).astype(int)
    rem = quota - seats
    for k in sorted(range(len(w)), key=lambda k: (-rem[k], k))[: total - seats.sum()]:
        seats[k] += 1
    return seats.tolist()


def _old_quotas(w: np.ndarray, n: int) -> list[int]:
    """The former salesforce.quotas rounding without floors or caps: ties by weight, then order."""
    x = w / w.sum() * n
    base = np.floor(x + 1e-9)
    frac = x - base
    order = np.lexsort((np.arange(len(w)), -w, -frac))
    for i in order[: int(n - base.sum())]:
        base[i] += 1
    return base.astype(int).tolist()


def test_old_results_where_ties_do_not_matter() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        w = rng.uniform(0.1, 10.0, rng.integers(2, 9))  # random: no equal remainders
        total = int(rng.integers(1, 40))
        new = largest_remainder(w / w.sum() * total, total, weights=w).tolist()
        assert new == _old_regions(w, total) == _old_quotas(w, total)
        s = apportion(pd.Series(w, index=[f"r{k}" for k in range(len(w))]), total)
        assert s.tolist() == new
        q = allocate(pd.Series(w, index=[f"t{k}" for k in range(len(w))]), float(total))
        assert q.tolist() == [float(v) for v in new]


def test_documented_tie_break() -> None:
    # equal remainders (0.5 each): larger weight first, then order
    assert largest_remainder(np.array([0.5, 1.5]), 2, weights=np.array([1.0, 3.0])).tolist() == [
        0,
        2,
    ]
    assert largest_remainder(np.array([1.5, 1.5]), 3).tolist() == [2, 1]
    assert apportion({"x": 1.0, "y": 3.0}, 2).to_dict() == {"x": 0, "y": 2}


def test_bounds_are_kept() -> None:
    out = largest_remainder(
        np.array([2.6, 2.6, 0.8]), 6, lower=np.array([0, 0, 2]), upper=np.array([3, 2, 6])
    )
    assert out.tolist() == [2, 2, 2]  # the floor of 0.8 is raised to its lower bound 2
    out = largest_remainder(np.array([2.6, 2.6, 0.8]), 6, upper=np.array([3, 2, 6]))
    assert out.tolist() == [3, 2, 1]  # the 2nd is capped: its step goes to the next remainder


@pytest.mark.parametrize("total", [0, 1, 5])
def test_sums_to_total(total: int) -> None:
    w = np.array([1.0, 1.0, 1.0])
    assert largest_remainder(w / 3 * total, total).sum() == total
