"""A seeded two-year CRM history for the demo accounts, in CRM-export form."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "generate_crm_history",
]


def generate_crm_history(
    accounts: pd.DataFrame,
    unit_rep: pd.Series,
    *,
    seed: int = 2025,
    year: int = 2025,
    new_rate: float = 0.06,
    prospect_conversion: float = 0.3,
    new_last_year_rate: float = 0.08,
    loss_rate: float = 0.08,
    loss_rate_last_year: float = 0.04,
    share_mean: float = 0.45,
    growth_mean: float = 0.03,
) -> pd.DataFrame:
    """A seeded two-year CRM history for the demo accounts, in CRM-export form.

    Parameters
    ----------
    accounts : pandas.DataFrame
        ``account``, ``unit``, ``segment``, ``visits_per_year``, ``potential`` (k€/year).
        Not modified.
    unit_rep : pandas.Series
        Unit id -> rep id holding it in the CRM (the current alignment).
    seed : int
        Random seed: the same seed gives the same history.
    year : int
        "This year"; the history covers ``year - 1`` (last year) and ``year``, both complete.
    new_rate, prospect_conversion, new_last_year_rate : float
        Share of customers whose first order falls in ``year`` / share of prospects that
        order for the first time in ``year`` / share of customers first ordering in ``year - 1``.
    loss_rate, loss_rate_last_year : float
        Share of customers lost during ``year`` / during ``year - 1``.
    share_mean : float
        Mean share of its potential an account buys in a full year.
    growth_mean : float
        Mean like-for-like growth from ``year - 1`` to ``year``.

    Returns
    -------
    pandas.DataFrame
        ``account``, ``rep``, ``first_order``, ``lost`` (datetime64, ``NaT`` blank),
        ``revenue_<year-1>``, ``revenue_<year>`` (k€, 0.1 precision),
        ``visits_<year-1>``, ``visits_<year>``. See ``docs/objectives.md`` for the model.
    """
    rng = np.random.default_rng(seed)
    n = len(accounts)
    y0, y1 = year - 1, year
    start0, start1 = pd.Timestamp(y0, 1, 1), pd.Timestamp(y1, 1, 1)
    end1 = pd.Timestamp(y1, 12, 31)
    end0 = start1 - pd.Timedelta(days=1)
    rep_of = accounts["unit"].map(unit_rep).to_numpy(dtype=object)
    rep_ids = sorted({str(r) for r in pd.Series(unit_rep).dropna()})
    skill = dict(zip(rep_ids, rng.lognormal(0.0, 0.15, len(rep_ids)), strict=True))
    diligence = dict(zip(rep_ids, rng.uniform(0.75, 1.05, len(rep_ids)), strict=True))
    prospect = accounts["segment"].eq("prospect").to_numpy()
    first = _first_orders(rng, prospect, year, new_rate, prospect_conversion, new_last_year_rate)
    lost = _lost_dates(rng, first, year, loss_rate, loss_rate_last_year)
    act0 = _active_fraction(first, lost, start0, end0)
    act1 = _active_fraction(first, lost, start1, end1)
    potential = accounts["potential"].to_numpy(dtype=float)
    k = 6.0
    share = rng.beta(k * share_mean, k * (1 - share_mean), size=n)
    sk = np.array([skill.get(str(r), 1.0) for r in rep_of])
    growth = rng.lognormal(np.log1p(growth_mean), 0.12, size=n)
    rev0 = np.round(potential * share * sk * act0, 1)
    rev1 = np.round(potential * share * sk * growth * act1, 1)
    dil = np.array([diligence.get(str(r), 1.0) for r in rep_of])
    vpy = accounts["visits_per_year"].to_numpy(dtype=float)
    vis0 = rng.poisson(vpy * act0 * dil).astype(float)
    vis1 = rng.poisson(vpy * act1 * dil).astype(float)
    return pd.DataFrame(
        {
            "account": accounts["account"].astype(str).to_numpy(),
            "rep": rep_of,
            "first_order": pd.to_datetime(first),
            "lost": pd.to_datetime(lost),
            f"revenue_{y0}": rev0,
            f"revenue_{y1}": rev1,
            f"visits_{y0}": vis0,
            f"visits_{y1}": vis1,
        }
    )


def _day_in(lo: pd.Timestamp, hi: pd.Timestamp, u: np.ndarray) -> np.ndarray:
    """Days in ``[lo, hi]`` (both included) at the fractions ``u`` in [0, 1)."""
    span = (hi - lo).days
    return (lo + pd.to_timedelta(np.floor(u * (span + 1)), unit="D")).to_numpy()


def _first_orders(
    rng: np.random.Generator,
    prospect: np.ndarray,
    year: int,
    new_rate: float,
    prospect_conversion: float,
    new_last_year_rate: float,
) -> np.ndarray:
    """First-order dates: this year, last year, or up to ten years back (NaT: never)."""
    n = len(prospect)
    start0, start1 = pd.Timestamp(year - 1, 1, 1), pd.Timestamp(year, 1, 1)
    u_status = rng.uniform(size=n)
    u_date = rng.uniform(size=n)
    first = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    new1 = np.where(prospect, u_status < prospect_conversion, u_status < new_rate)
    new0 = ~prospect & ~new1 & (u_status < new_rate + new_last_year_rate)
    old = ~prospect & ~new1 & ~new0
    first[new1] = _day_in(start1, pd.Timestamp(year, 12, 31), u_date)[new1]
    first[new0] = _day_in(start0, start1 - pd.Timedelta(days=1), u_date)[new0]
    first[old] = _day_in(pd.Timestamp(year - 10, 1, 1), start0 - pd.Timedelta(days=1), u_date)[old]
    return first


def _lost_dates(
    rng: np.random.Generator,
    first: np.ndarray,
    year: int,
    loss_rate: float,
    loss_rate_last_year: float,
) -> np.ndarray:
    """Dates customers were lost, last year or this year, after their first order (NaT: kept)."""
    n = len(first)
    start0, start1 = pd.Timestamp(year - 1, 1, 1), pd.Timestamp(year, 1, 1)
    end1 = pd.Timestamp(year, 12, 31)
    u_loss = rng.uniform(size=n)
    u_ldate = rng.uniform(size=n)
    lost = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    customer = ~np.isnat(first)
    lose0 = customer & (u_loss < loss_rate_last_year) & (first < start1.to_datetime64())
    lose1 = customer & ~lose0 & (u_loss < loss_rate_last_year + loss_rate)
    for mask, lo_, hi_ in ((lose0, start0, start1 - pd.Timedelta(days=1)), (lose1, start1, end1)):
        idx = np.flatnonzero(mask)
        for i in idx:
            lo_i = max(lo_, pd.Timestamp(first[i]) + pd.Timedelta(days=1))
            if lo_i <= hi_:
                lost[i] = _day_in(lo_i, hi_, u_ldate[i : i + 1])[0]
    return lost


def _active_fraction(
    first: np.ndarray, lost: np.ndarray, lo: pd.Timestamp, hi: pd.Timestamp
) -> np.ndarray:
    """Share of the days of ``[lo, hi]`` each account was a customer."""
    f = pd.Series(first)
    ls = pd.Series(lost)
    a = f.where(f > lo, lo)
    b = (ls - pd.Timedelta(days=1)).where(ls.notna() & (ls <= hi), hi)
    days = ((b - a).dt.days + 1).clip(lower=0).fillna(0)
    return (days / ((hi - lo).days + 1)).to_numpy(dtype=float)
