r"""Sales-force size: the methods of the seed course, as pure functions.

The course "L'organisation commerciale" (slides 18-35, after Darmon 1998 and Zoltners,
Sinha & Lorimer) lists these ways to set the number of reps:

* **workload** (:func:`size_by_workload`): hours the accounts need / contact hours of
  one rep; the arithmetic lives in :mod:`territory_opt.salesforce.workload`;
* **sales objective** (:func:`size_by_sales_objective`): target revenue / forecast
  revenue per rep, the forecast being today's revenue per rep corrected by the
  expected productivity change;
* **break-even** (*point mort*, :func:`breakeven_revenue`, :func:`breakeven_check`):
  the revenue a rep must make to pay for himself, and the territories below it;
* **marginal profitability** / potential equalisation
  (:func:`marginal_profitability`, :class:`LogResponse`): sales per rep as a concave
  function of the potential per rep, profit for each headcount, the best headcount;
* **response functions** (Beswick & Cravens, 1977; :func:`response_allocation`,
  :func:`optimal_selling_time`, :func:`headcount_gaps`): the selling time per control
  unit that maximises profit, summed into the optimal headcount;
* **minimum ROI per account** (:func:`minimum_roi_accounts`): accounts whose margin does
  not pay for the rep time (in full-time-equivalents) they take;
* **geographic concentration** (:func:`geographic_concentration`): deploy reps only
  where the number and density of accounts are enough.

Every function validates its input and raises
:class:`~territory_opt.exceptions.ValidationError` listing every problem with its fix.
Results are frozen dataclasses or new DataFrames; inputs are never modified.

This module gathers them under one import path; each lives in its own module
(:mod:`.headcount`, :mod:`.breakeven`, :mod:`.marginal_profit`,
:mod:`.response_function`, :mod:`.account_deployment`).

What the slides do not let us reproduce
---------------------------------------
* Beswick & Cravens (slide 31) conclude that "territory B would need 2.37 reps instead
  of 1 and territory C 0.36 instead of 1", but the slide's table of territory data
  (workload, conversion, potential, seniorities, margin, cost) is an image missing from
  the transcript. Those two numbers are therefore only checked as the *comparison*
  step (:func:`headcount_gaps`); the closed-form optimum is checked against a numeric
  optimiser instead.
* The break-even slide (25), the minimum-ROI slide (34, "NGO, ROI threshold 200 %") and
  the pipeline slide (24) give no figures in the transcript; the functions are checked
  against hand computations.
"""

from __future__ import annotations

from .account_deployment import geographic_concentration, minimum_roi_accounts
from .breakeven import breakeven_check, breakeven_revenue
from .headcount import (
    SalesObjectiveSizing,
    WorkloadSizing,
    headcount_gaps,
    size_by_sales_objective,
    size_by_workload,
)
from .marginal_profit import LogResponse, MarginalProfitability, marginal_profitability
from .response_function import (
    BESWICK_CRAVENS_1977,
    ResponseAllocation,
    ResponseCoefficients,
    optimal_selling_time,
    response_allocation,
    response_sales,
)

__all__ = [
    "BESWICK_CRAVENS_1977",
    "LogResponse",
    "MarginalProfitability",
    "ResponseAllocation",
    "ResponseCoefficients",
    "SalesObjectiveSizing",
    "WorkloadSizing",
    "breakeven_check",
    "breakeven_revenue",
    "geographic_concentration",
    "headcount_gaps",
    "marginal_profitability",
    "minimum_roi_accounts",
    "optimal_selling_time",
    "response_allocation",
    "response_sales",
    "size_by_sales_objective",
    "size_by_workload",
]
