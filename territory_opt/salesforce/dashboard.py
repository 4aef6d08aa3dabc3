"""One-page, self-contained HTML dashboard of a rep's KPIs, and writing it to a file."""

from __future__ import annotations

import html
import math
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.io import atomic_write_bytes
from ..exceptions import InputIssue, ValidationError
from ._input_checks import _few
from .territory_kpis import KPI_COLUMNS, TOTAL

__all__ = [
    "rep_dashboard",
    "rep_dashboard_html",
]


def _fmt(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "n/a"
    if unit == "ratio":
        return f"{100 * float(value):.1f} %"
    if unit == "flag":
        return "yes" if bool(value) else "no"
    if unit == "k€":
        return f"{float(value):,.1f} k€".replace(",", "\u202f")
    if isinstance(value, float | np.floating) and not float(value).is_integer():
        return f"{float(value):,.1f}".replace(",", "\u202f")
    if isinstance(value, int | float | np.integer | np.floating):
        return f"{int(value):,}".replace(",", "\u202f")
    return str(value)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:24px;color:#1f2933;max-width:960px}
h1{font-size:22px;margin:0 0 4px} .sub{color:#616e7c;margin:0 0 18px}
.grid{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
.card{border:1px solid #d9e2ec;border-radius:8px;padding:12px}
.card h2{font-size:13px;font-weight:600;color:#616e7c;margin:0 0 6px;text-transform:uppercase;letter-spacing:.04em}
.v{font-size:24px;font-weight:700} .n{font-size:12px;color:#616e7c;margin-top:4px}
.bar{height:8px;background:#e4e7eb;border-radius:4px;margin-top:8px;overflow:hidden}
.bar span{display:block;height:100%;background:#2f80ed}
.good .v{color:#1e7d32} .bad .v{color:#c62828}
.alert{background:#fdecea;border:1px solid #c62828;color:#8e1c1c;padding:10px;border-radius:8px;margin-bottom:12px}
table{border-collapse:collapse;margin-top:18px;font-size:13px;width:100%}
td,th{border-bottom:1px solid #e4e7eb;padding:4px 8px;text-align:right} td:first-child,th:first-child{text-align:left}
footer{margin-top:18px;font-size:11px;color:#9aa5b1}
@media print{body{margin:0}.card{break-inside:avoid}}
"""


@dataclass(frozen=True)
class _RepView:
    """One rep's KPI row and the team it is compared with, formatted for the dashboard."""

    row: pd.Series
    team: pd.DataFrame

    def median(self, col: str) -> str:
        """The team median of ``col``, formatted (``"n/a"`` without the column)."""
        if col not in self.team:
            return "n/a"
        return _fmt(
            float(pd.to_numeric(self.team[col], errors="coerce").median()), KPI_COLUMNS[col][1]
        )

    def card(
        self, label: str, col: str, note: str, bar: float | None = None, good: bool | None = None
    ) -> str:
        """One KPI card: value, optional progress bar, good/bad colour and a note."""
        val = self.row.get(col, np.nan)
        cls = "" if good is None else (" good" if good else " bad")
        bar_html = ""
        if bar is not None and math.isfinite(bar):
            bar_html = f'<div class="bar"><span style="width:{max(0.0, min(bar, 1.0)) * 100:.0f}%"></span></div>'
        return (
            f'<div class="card{cls}"><h2>{html.escape(label)}</h2>'
            f'<div class="v">{html.escape(_fmt(val, KPI_COLUMNS[col][1]))}</div>{bar_html}'
            f'<div class="n">{html.escape(note)}</div></div>'
        )

    def num(self, col: str) -> float:
        """The rep's value of ``col`` as a float (NaN when missing or not a number)."""
        v = self.row.get(col, np.nan)
        try:
            return float(v)
        except (TypeError, ValueError):
            return math.nan


def _cards(view: _RepView) -> list[str]:
    """The six KPI cards of a rep's dashboard."""
    row, num, median = view.row, view.num, view.median
    ach, vc = num("achievement"), num("visit_coverage")
    nt = (
        f" of {_fmt(num('new_accounts_target'), '')} targeted"
        if "new_accounts_target" in row
        else ""
    )
    # label, column, note, progress bar, good (None: neutral)
    specs: list[tuple[str, str, str, float | None, bool | None]] = [
        (
            "Revenue vs target",
            "achievement",
            f"{_fmt(num('revenue'), 'k€')} of {_fmt(num('target'), 'k€')}; team median {median('achievement')}",
            ach,
            _at_least(ach, 1.0),
        )
        if "achievement" in row
        else ("Revenue", "revenue", f"team median {median('revenue')}", None, None),
        (
            "Growth",
            "growth",
            f"previous period {_fmt(num('revenue_previous'), 'k€')}; team median {median('growth')}",
            None,
            _at_least(num("growth"), 0),
        ),
        (
            "Retention rate",
            "retention",
            f"{_fmt(num('accounts_kept'), '')} kept of {_fmt(num('accounts_at_start'), '')} customers at start; team median {median('retention')}",
            num("retention"),
            None,
        ),
        (
            "New customers",
            "new_accounts",
            f"won in the period{nt}; team median {median('new_accounts')}",
            None,
            None,
        ),
        (
            "Penetration",
            "penetration",
            f"revenue / potential {_fmt(num('potential'), 'k€')}; team median {median('penetration')}",
            num("penetration"),
            None,
        ),
        (
            "Visits done vs required",
            "visit_coverage",
            f"{_fmt(num('visits_done'), '')} of {_fmt(num('visits_required'), '')}; team median {median('visit_coverage')}",
            vc,
            _at_least(vc, 0.9),
        ),
    ]
    return [
        view.card(label, col, note, bar=bar, good=good) for label, col, note, bar, good in specs
    ]


def _at_least(value: float, threshold: float) -> bool | None:
    """Whether ``value`` reaches ``threshold`` (``None`` when it is NaN: no colour)."""
    return None if math.isnan(value) else value >= threshold


def rep_dashboard(
    kpis: pd.DataFrame, rep: Hashable, *, title: str | None = None, subtitle: str = ""
) -> str:
    """A one-page, self-contained HTML dashboard (inline CSS, no external assets) for one rep.

    Parameters
    ----------
    kpis : pandas.DataFrame
        A :func:`kpi_table` result (a ``TOTAL`` row, if any, is ignored for the team median).
    rep : hashable
        Territory / rep id (a row of ``kpis``).
    title : str, optional
        Heading; defaults to ``"<rep name> (<rep>): sales KPIs"``.
    subtitle : str
        Second line, e.g. ``"2025, proposed alignment"``.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ValidationError
        If ``rep`` is not a row of ``kpis``.
    """
    if rep not in kpis.index:
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    f"rep {rep!r}",
                    "is not a row of the KPI table.",
                    f"use one of {_few(kpis.index)}.",
                )
            ]
        )
    row = kpis.loc[rep]
    team = kpis.drop(index=[TOTAL], errors="ignore")
    name = str(row.get("rep_name", "") or "")
    heading = title or (f"{name} ({rep}): sales KPIs" if name else f"{rep}: sales KPIs")

    view = _RepView(row, team)
    num, median = view.num, view.median
    cards = _cards(view)
    alert = ""
    if bool(row.get("below_break_even", False)):
        alert = (
            f'<div class="alert"><strong>Below break-even:</strong> revenue {html.escape(_fmt(num("revenue"), "k€"))} '
            f"is under the break-even revenue {html.escape(_fmt(num('break_even'), 'k€'))}.</div>"
        )
    rows_html = "".join(
        f"<tr><td>{html.escape(KPI_COLUMNS[c][0])}</td><td>{html.escape(_fmt(row[c], KPI_COLUMNS[c][1]))}</td>"
        f"<td>{html.escape(median(c)) if c != 'rep_name' and KPI_COLUMNS[c][1] != 'flag' else ''}</td></tr>"
        for c in kpis.columns
        if c in KPI_COLUMNS and c != "rep_name"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(heading)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{html.escape(heading)}</h1><p class="sub">{html.escape(subtitle)}</p>{alert}'
        f'<div class="grid">{"".join(cards)}</div>'
        f"<table><thead><tr><th>KPI</th><th>{html.escape(str(rep))}</th><th>team median</th></tr></thead>"
        f"<tbody>{rows_html}</tbody></table>"
        "<footer>Generated by territory_opt. Money in k€; ratios are of the period shown.</footer>"
        "</body></html>\n"
    )


def rep_dashboard_html(
    kpis: pd.DataFrame,
    rep: Hashable,
    path: str | Path,
    *,
    overwrite: bool = False,
    title: str | None = None,
    subtitle: str = "",
) -> Path:
    """Write :func:`rep_dashboard` to ``path`` atomically (temporary file + rename).

    Parameters
    ----------
    kpis, rep, title, subtitle
        See :func:`rep_dashboard`.
    path : path-like
        Target ``.html``/``.htm`` file.
    overwrite : bool
        Replace an existing file (only ever an ``.html``/``.htm`` one). Default: refuse.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.
    ValidationError
        If ``path`` does not end in ``.html``/``.htm`` (protects CSV/XLSX inputs).
    """
    target = Path(path)
    if target.suffix.lower() not in {".html", ".htm"}:
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    f"path {target.name}",
                    "is not an .html file; refusing to write it.",
                    "give a path ending in .html.",
                )
            ]
        )
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it.")
    text = rep_dashboard(kpis, rep, title=title, subtitle=subtitle)
    atomic_write_bytes(target, text.encode("utf-8"))
    return target
