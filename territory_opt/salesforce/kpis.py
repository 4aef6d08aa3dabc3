"""Objectives and KPIs per territory: SMART quotas, CRM actuals, dashboards.

The course's strategic part (the *plan d'action commercial*) steers drawn territories
with SMART objectives (specific, measurable, achievable, realistic, time-bound) and KPIs
such as revenue achieved vs planned, retention rate and new customers. The parts:

* **objectives** -- :class:`Period` and :class:`Objective` (frozen, validated on
  construction);
* **quotas** -- :func:`allocate` splits a company total over territories in proportion to
  weights, within floors and caps (water-filling), rounded to a step with the
  largest-remainder method so that the quotas add up to the total *exactly* (in whole steps);
  :func:`quota_table` does it for an objective and an alignment, with potential, workload,
  any unit measure, or a blend as the basis; :func:`split_objective` turns the quotas into
  one objective per rep;
* **actuals** -- :func:`read_crm` / :func:`parse_crm` read and check account-level CRM
  exports; :func:`generate_crm_history` makes the seeded Normandy demo history;
* **KPIs** -- :func:`kpi_table` aggregates a history onto *any* alignment (account -> unit ->
  territory), so a director sees what each proposed territory would have achieved; or onto
  the CRM's own rep column (``by="crm_rep"``); :func:`compare_kpis` puts plans side by side;
* **outputs** -- :func:`rep_dashboard` / :func:`rep_dashboard_html`: a one-page,
  self-contained HTML dashboard per rep.

Money is in k€ throughout, like the units' ``potential``. All functions are pure: inputs are
never modified, and files are only written by :func:`rep_dashboard_html` (atomically, and
never over an existing file unless asked).

This module gathers them under one import path; each lives in its own module
(:mod:`.smart_objectives`, :mod:`.quotas`, :mod:`.crm_export`, :mod:`.crm_demo`,
:mod:`.territory_kpis`, :mod:`.dashboard`).
"""

from __future__ import annotations

from .crm_demo import generate_crm_history
from .crm_export import CRM_COLUMNS, CrmHistory, parse_crm, read_crm
from .dashboard import rep_dashboard, rep_dashboard_html
from .quotas import allocate, quota_table, split_objective
from .smart_objectives import METRICS, Objective, Period
from .territory_kpis import KPI_COLUMNS, TOTAL, compare_kpis, kpi_table

__all__ = [
    "CRM_COLUMNS",
    "KPI_COLUMNS",
    "METRICS",
    "TOTAL",
    "CrmHistory",
    "Objective",
    "Period",
    "allocate",
    "compare_kpis",
    "generate_crm_history",
    "kpi_table",
    "parse_crm",
    "quota_table",
    "read_crm",
    "rep_dashboard",
    "rep_dashboard_html",
    "split_objective",
]
