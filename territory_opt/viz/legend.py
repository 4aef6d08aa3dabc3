"""What the maps say in words: territory popups, the legend table and the before → after box."""

from __future__ import annotations

import html
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..plan.alignment import Alignment
from ._format import _fmt, _label, _rep_label

__all__: list[str] = []


@dataclass(frozen=True)
class _Figures:
    """Per-plan tables used for popups, legends and summaries."""

    table: pd.DataFrame
    metrics: dict[str, float]


def _figures(alignment: Alignment) -> _Figures:
    return _Figures(alignment.territory_table(), alignment.metrics())


def _pct_cell(value: Any, tolerance: float | None) -> str:
    text = _fmt(value, 0)
    try:
        off = tolerance is not None and abs(float(value) - 100.0) > 100.0 * tolerance + 1e-9
    except (TypeError, ValueError):
        off = False
    return f'<td class="tom-off">{text}</td>' if off else f"<td>{text}</td>"


def _territory_popup(
    alignment: Alignment,
    rep: Hashable,
    row: pd.Series,
    labels: Mapping[str, str] | None,
    tolerance: float | None,
) -> str:
    title = html.escape(_rep_label(alignment, rep))
    home = row.get("home")
    lines = [f"<b>{title}</b>"]
    if home is not None and not (isinstance(home, float) and math.isnan(home)):
        home_name = home
        if (
            alignment.units is not None
            and "name" in alignment.units.columns
            and home in alignment.units.index
        ):
            home_name = f"{alignment.units.at[home, 'name']} ({home})"
        lines.append(f'<span class="tom-muted">Home: {html.escape(str(home_name))}</span>')
    rows = [f'<tr><td class="tom-l">Units</td><td>{_fmt(row.get("units"))}</td><td></td></tr>']
    measures = [c for c in alignment.measures.columns if c in row.index]
    for m in measures:
        pct = row.get(f"{m}_pct_target")
        pct_html = (
            _pct_cell(pct, tolerance).replace("</td>", " % of target</td>")
            if m in alignment.balance_measures
            else "<td></td>"
        )
        rows.append(
            f'<tr><td class="tom-l">{html.escape(_label(m, labels))}</td>'
            f"<td>{_fmt(row.get(m))}</td>{pct_html}</tr>"
        )
    if "area_km2" in row.index:
        rows.append(
            f'<tr><td class="tom-l">Area (km²)</td><td>{_fmt(row["area_km2"])}</td><td></td></tr>'
        )
    if "max_km" in row.index:
        rows.append(
            f'<tr><td class="tom-l">Max / mean km from home</td>'
            f"<td>{_fmt(row['max_km'])} / {_fmt(row['mean_km'])}</td><td></td></tr>"
        )
    return "<br>".join(lines) + '<table class="tom-box-table">' + "".join(rows) + "</table>"


def _legend_html(
    alignment: Alignment,
    colors: Mapping[Hashable, str],
    figures: _Figures,
    labels: Mapping[str, str] | None,
    tolerance: float | None,
    title: str | None,
    before: _Figures | None = None,
) -> str:
    tab = figures.table
    head = '<th class="tom-l">Territory</th><th>Units</th>'
    if "accounts" in tab.columns:
        head += "<th>Accounts</th>"
    for m in alignment.balance_measures:
        head += f"<th>{html.escape(_label(m, labels).split(' (')[0])} %</th>"
    rows = []
    for rep in tab.index:
        row = tab.loc[rep]
        sw = f'<span class="tom-swatch" style="background:{colors.get(rep, "#ccc")}"></span>'
        cells = f'<td class="tom-l">{sw}{html.escape(_rep_label(alignment, rep))}</td><td>{_fmt(row["units"])}</td>'
        if "accounts" in tab.columns:
            cells += f"<td>{_fmt(row['accounts'])}</td>"
        for m in alignment.balance_measures:
            now = _pct_cell(row[f"{m}_pct_target"], tolerance)
            if before is not None and rep in before.table.index:
                was = _fmt(before.table.at[rep, f"{m}_pct_target"])
                now = now.replace(">", f'><span class="tom-muted">{was} → </span>', 1)
            cells += now
        rows.append(f"<tr>{cells}</tr>")
    caption = html.escape(title) if title else "Territories"
    note = "% = share of the FTE-weighted target"
    if before is not None:
        note += " (before → after)"
    note += _quality_note(alignment, before is not None)
    return (
        '<h4 class="tom-toggle" title="click to fold" '
        "onclick=\"this.parentNode.classList.toggle('tom-folded')\">"
        f'{caption} <span class="tom-muted">▾</span></h4><table><tr>{head}</tr>{"".join(rows)}</table>'
        f'<div class="tom-muted">{note}</div>'
    )


def _quality_note(alignment: Alignment, compare: bool) -> str:
    """Continuity, travel, shape and balance range in one line (current → plan when known)."""
    from ..plan.quality import plan_quality

    try:
        now = plan_quality(alignment)
        was = None
        if compare and alignment.baseline is not None:
            base = alignment.baseline.reindex(alignment.assignment.index)
            if not base.isna().any() and base.isin(alignment.reps.index).all():
                was = plan_quality(
                    Alignment.from_assignment(base, reps=alignment.reps, measures=alignment.measures,
                                       balance_measures=alignment.balance_measures,
                                       units=alignment.units, distance=alignment.distance)
                )  # fmt: skip
    except Exception:  # the legend never stops a map
        return ""

    def fig(key: str, digits: int, unit: str = "") -> str:
        v = now.get(key, float("nan"))
        if v != v:
            return ""
        w = was.get(key, float("nan")) if was is not None else float("nan")
        return (f"{w:.{digits}f} → " if w == w else "") + f"{v:.{digits}f}{unit}"

    parts = []
    if now.get("accounts_changed_pct", float("nan")) == now.get("accounts_changed_pct"):
        parts.append(f"accounts changing rep {fig('accounts_changed_pct', 1, ' %')}")
    if fig("travel_mean_account", 1):
        parts.append(
            f"km home → account: mean {fig('travel_mean_account', 1)}, "
            f"95th pct {fig('travel_p95_account', 1)}"
        )
    if fig("pp_mean", 2):
        parts.append(f"Polsby–Popper mean {fig('pp_mean', 2)} (worst {fig('pp_min', 2)})")
    for m in alignment.balance_measures:
        if fig(f"{m}_pct_min", 0):
            parts.append(
                f"{html.escape(m)} % of target: lowest {fig(f'{m}_pct_min', 0)}, "
                f"highest {fig(f'{m}_pct_max', 0)}"
            )
    return "".join(f"<br>{p}" for p in parts)


def _summary_html(
    before: Alignment,
    after: Alignment,
    fig_b: _Figures,
    fig_a: _Figures,
    moves: pd.DataFrame,
    labels: tuple[str, str],
    measure_labels: Mapping[str, str] | None,
) -> str:
    lines = [f"<h4>{html.escape(labels[0])} → {html.escape(labels[1])}</h4>"]
    lines.append(f"Units changing rep: <b>{len(moves):,}</b> of {len(after.assignment):,}")
    if "accounts" in moves.columns:
        total = float(after.measures["accounts"].sum())
        moved = float(moves["accounts"].sum()) if len(moves) else 0.0
        pct = 100 * moved / total if total > 0 else float("nan")
        lines.append(f"<br>Accounts changing rep: <b>{_fmt(moved)}</b> ({_fmt(pct, 1)} %)")
    measures = [m for m in after.balance_measures if m in before.balance_measures] or list(
        after.balance_measures
    )
    if measures:
        rows = [
            f'<tr><th class="tom-l">Balance</th><th>{html.escape(labels[0])}</th><th>{html.escape(labels[1])}</th></tr>'
        ]
        for m in measures:
            cells = []
            for fig in (fig_b, fig_a):
                col = f"{m}_pct_target"
                if col in fig.table.columns:
                    pct = fig.table[col].astype(float)
                    dev = fig.metrics.get(f"{m}_max_dev_pct", float("nan"))
                    cells.append(
                        f"<td>{_fmt(pct.min())}–{_fmt(pct.max())} % (±{_fmt(dev, 1)})</td>"
                    )
                else:
                    cells.append("<td>–</td>")
            rows.append(
                f'<tr><td class="tom-l">{html.escape(_label(m, measure_labels).split(" (")[0])}</td>{"".join(cells)}</tr>'
            )
        lines.append(f"<table>{''.join(rows)}</table>")
        lines.append('<div class="tom-muted">range of % of target (largest deviation)</div>')
    return "".join(lines)
