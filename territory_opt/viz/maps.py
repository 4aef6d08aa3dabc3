"""Maps for sales meetings: one plan, before/after, offline HTML and a PNG for slides.

Needs the ``maps`` extra (folium, branca, matplotlib).

* :func:`plot_alignment` draws one :class:`~territory_opt.plan.alignment.Alignment` on a
  :class:`folium.Map`: units filled with their territory's colour (faint unit borders),
  dissolved territory outlines in bold, reps' homes as labelled dots, a tooltip per
  unit (name, id, measures, rep), a popup per territory (its row of
  :meth:`Alignment.territory_table`: % of target, units, accounts), a legend with the
  per-territory figures and, optionally, a choropleth of any measure.
* :func:`plot_comparison` draws two plans as switchable layers, highlights the units
  that change rep (hatched, outlined; tooltip "from → to") and adds a summary box
  (units and accounts changed, balance before/after).
* :func:`save_html` writes one self-contained file: Leaflet is inlined from the copy
  vendored in ``territory_opt/viz/_vendor`` (see its README for versions and licences), and
  nothing is fetched when the page opens, except basemap tiles if you asked for some
  (the default is no tiles, so the map is complete offline).
* :func:`save_png` draws a static picture with matplotlib for slides and reports.

Colours: one per rep, all distinct, the same in every map of the same reps
(:mod:`territory_opt.viz.colors`; pass ``colors=`` to share them explicitly). Geometry is simplified with
``shapely.coverage_simplify`` (shared borders stay shared) and rounded to ~10 m,
which keeps the Normandy plan (2,644 communes) near 2 MB.

Design note: the unit geometry is embedded once per map as a JavaScript object and all
layers (plans, changed units, choropleth) are built from it by short scripts, instead
of one ``folium.GeoJson`` per layer (which would embed it again and style features
through a ``switch`` over all ids); a before/after map would otherwise double in size.
"""

from __future__ import annotations

import html
import logging
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from branca.element import Element, Figure

from ..data.io import atomic_write_bytes
from ..plan.alignment import Alignment
from ._assets import inline_assets
from ._elements import CSS_TEXT, JsControl, JsData, JsLayer, JsScript, to_js
from ._geometry import (
    color_territories,
    dissolve,
    feature_collection,
    simplify_units,
    territory_graph,
)
from .colors import DISTINCT_PALETTE as DEFAULT_PALETTE
from .colors import rep_colors
from .orientation import add_orientation

__all__ = [
    "ATTRIBUTION",
    "DEFAULT_PALETTE",
    "plot_alignment",
    "plot_comparison",
    "save_html",
    "save_png",
    "territory_colors",
]

logger = logging.getLogger(__name__)

#: Source credit shown on every map (Licence Ouverte / Etalab data).
ATTRIBUTION = "IGN Admin Express, INSEE"

_GENERATOR = '<meta name="generator" content="territory_opt.viz.maps">'
_MEASURE_LABELS = {
    "accounts": "Accounts",
    "workload": "Workload (h)",
    "potential": "Potential (k€)",
    "population": "Population",
}
_HELPERS = """<script>
function tomFmt(x) {
    if (x === null || x === undefined) { return '\u2013'; }
    return Number(x).toLocaleString('en-GB', {maximumFractionDigits: 1});
}
function tomUnitTip(f, ctx, key) {
    var p = f.properties, r = p[key], s = ctx.shared[f.id];
    var h = '<b>' + p.n + '</b> <span class="tom-muted">' + f.id + '</span>';
    h += '<br>Rep: <b>' + ctx.reps[r] + '</b>';
    if (s) { h += '<br>Shared: ' + s.txt; }
    for (var i = 0; i < ctx.meas.length; i++) { h += '<br>' + ctx.meas[i] + ': ' + tomFmt(p.v[i]); }
    return h;
}
</script>"""


# --------------------------------------------------------------------------- helpers
def _label(measure: str, labels: Mapping[str, str] | None) -> str:
    if labels and measure in labels:
        return labels[measure]
    return _MEASURE_LABELS.get(measure, measure.replace("_", " ").capitalize())


def _rep_label(alignment: Alignment, rep: Hashable) -> str:
    if "name" in alignment.reps.columns:
        name = alignment.reps.at[rep, "name"]
        if isinstance(name, str) and name:
            return f"{name} ({rep})"
    return str(rep)


def _num(x: Any) -> float | int | None:
    """Round for display and JSON (ints stay ints, NaN becomes null)."""
    if x is None:
        return None
    v = float(x)
    if not math.isfinite(v):
        return None
    if abs(v - round(v)) < 1e-9:
        return round(v)
    return round(v, 1)


def _fmt(x: Any, decimals: int = 0) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    return f"{v:,.{decimals}f}"


def _unit_geometry(
    alignments: Sequence[Alignment], units: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    src = units
    for a in alignments:
        if src is None and a.units is not None:
            src = a.units
    if src is None:
        raise ValueError(
            "no unit geometry: build the Alignment with units=..., or pass units= "
            "(a GeoDataFrame indexed by unit id)."
        )
    ids = pd.Index(alignments[-1].assignment.index)
    for a in alignments[:-1]:
        ids = ids.union(pd.Index(a.assignment.index), sort=False)
    missing = [u for u in ids if u not in src.index]
    if missing:
        raise ValueError(
            f"{len(missing)} assigned unit(s) have no geometry (e.g. "
            f"{', '.join(map(str, missing[:5]))}): add them to the units GeoDataFrame."
        )
    empty = src.geometry.reindex(ids)
    bad = [u for u, g in empty.items() if g is None or g.is_empty]
    if bad:
        raise ValueError(
            f"{len(bad)} assigned unit(s) have an empty geometry (e.g. "
            f"{', '.join(map(str, bad[:5]))}): repair or drop them before mapping."
        )
    return src.loc[ids]


def _unit_graph(units: gpd.GeoDataFrame, graph: nx.Graph | None) -> nx.Graph:
    if graph is not None:
        return graph
    from ..graph.adjacency import adjacency_graph

    return adjacency_graph(units[["geometry"]], contiguity="queen", islands="bridge")


def territory_colors(
    alignments: Alignment | Sequence[Alignment],
    *,
    units: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    palette: Sequence[str] = DEFAULT_PALETTE,
) -> dict[Hashable, str]:
    """Colours per rep: all distinct, the same in every map of the same reps.

    Up to ``len(palette)`` reps (24 by default), the colours come from
    :func:`~territory_opt.viz.colors.rep_colors`: they depend only on the rep ids and
    their homes, never on the plan, so the current plan, the proposal, the before/after
    and the what-if maps of a study show each rep in the same colour; reps whose homes
    are neighbours get colours far apart. With more reps (national maps), territories
    that touch in any of the plans never share a colour (DSATUR over ``graph``) and
    colours are reused elsewhere.

    Parameters
    ----------
    alignments : Alignment or sequence of Alignment
        One plan, or several that must read with the same colours (their reps are
        pooled).
    units : geopandas.GeoDataFrame, optional
        Unit geometry when the alignments carry none (locates the homes).
    graph : networkx.Graph, optional
        Unit adjacency, used only when there are more reps than palette colours.
    palette : sequence of str
        Qualitative colours, best separated first.

    Returns
    -------
    dict
        rep id -> hex colour.
    """
    plans = [alignments] if isinstance(alignments, Alignment) else list(alignments)
    reps = _rep_order(plans)
    if len(reps) <= len(palette):
        return rep_colors(reps, _home_points(plans, units), palette)
    geo = _unit_geometry(plans, units) if graph is None else None
    G = _unit_graph(geo, graph) if geo is not None else graph
    assert G is not None
    T = territory_graph(G, [p.assignment for p in plans], reps)
    return color_territories(T, palette)


def _home_points(
    plans: Sequence[Alignment], units: gpd.GeoDataFrame | None
) -> dict[Hashable, tuple[float, float]]:
    """rep -> (x, y) of its home unit (longitude scaled by cos(latitude))."""
    src = units
    for p in plans:
        if src is None and p.units is not None:
            src = p.units
    if src is None or src.crs is None:
        return {}
    homes: dict[Hashable, Hashable] = {}
    for p in plans:
        if "home" in p.reps.columns:
            for r, h in p.reps["home"].items():
                if r not in homes and h is not None and not pd.isna(h) and h in src.index:
                    homes[r] = h
    if not homes:
        return {}
    pts = src.geometry.loc[list(dict.fromkeys(homes.values()))].to_crs("EPSG:4326")
    pts = pts.representative_point()
    scale = math.cos(math.radians(float(pts.y.mean())))
    return {r: (float(pts[h].x) * scale, float(pts[h].y)) for r, h in homes.items()}


def _rep_order(plans: Sequence[Alignment]) -> list[Hashable]:
    reps: list[Hashable] = list(plans[-1].reps.index)
    for p in plans[:-1]:
        reps += [r for r in p.reps.index if r not in reps]
    return reps


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


def _shared_info(
    alignment: Alignment,
    rep_index: Mapping[Hashable, int],
    colors: Mapping[Hashable, str],
    prefix: str,
) -> tuple[dict[str, dict[str, str]], str]:
    """Tooltip text and hatch fill per shared unit, and the SVG patterns they use."""
    if alignment.shared is None or not len(alignment.shared):
        return {}, ""
    out: dict[str, dict[str, str]] = {}
    patterns: dict[tuple[str, ...], str] = {}
    for unit, grp in alignment.shared.groupby("unit", sort=False):
        grp = grp.sort_values("fraction", ascending=False)
        txt = ", ".join(
            f"{html.escape(_rep_label(alignment, r))} {100 * float(f):.0f} %"
            for r, f in zip(grp["rep"], grp["fraction"], strict=True)
        )
        combo = tuple(colors.get(r, "#cccccc") for r in grp["rep"])
        if combo not in patterns:
            patterns[combo] = f"{prefix}-share{len(patterns)}"
        out[str(unit)] = {"txt": txt, "fill": f"url(#{patterns[combo]})"}
    svg = []
    for combo, pid in patterns.items():
        w = 6
        rects = "".join(
            f'<rect x="{k * w}" y="0" width="{w}" height="{w * len(combo)}" fill="{c}"/>'
            for k, c in enumerate(combo)
        )
        svg.append(
            f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{w * len(combo)}" '
            f'height="{w * len(combo)}" patternTransform="rotate(45)">{rects}</pattern>'
        )
    return out, "".join(svg)


def _svg_defs(patterns: str) -> Element:
    return Element(
        '<svg width="0" height="0" style="position:absolute" aria-hidden="true">'
        f"<defs>{patterns}</defs></svg>"
    )


def _new_map(units4326: gpd.GeoSeries, tiles: str | None, attr: str | None) -> folium.Map:
    minx, miny, maxx, maxy = units4326.total_bounds
    kwargs: dict[str, Any] = {}
    if tiles is not None and attr is not None:
        kwargs["attr"] = attr
    return folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=8,
        tiles=tiles,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
        **kwargs,
    )


def _root(m: folium.Map) -> Figure:
    root = m.get_root()
    if not isinstance(root, Figure):
        raise TypeError("the map is not inside a branca Figure; pass a folium.Map.")
    return root


def _prepare_map(m: folium.Map, patterns: str) -> None:
    root = _root(m)
    root.header.add_child(Element(_GENERATOR), name="tom_generator")
    root.header.add_child(Element(CSS_TEXT), name="tom_css")
    root.header.add_child(Element(_HELPERS), name="tom_helpers")
    if patterns:
        root.html.add_child(_svg_defs(patterns))


def _units_data(
    geo: gpd.GeoSeries,
    names: pd.Series,
    measures: pd.DataFrame,
    plan_keys: Mapping[str, pd.Series],
    rep_index: Mapping[Hashable, int],
    extra: Mapping[str, Mapping[Hashable, Any]] | None = None,
) -> dict[str, object]:
    props: dict[Hashable, dict[str, object]] = {}
    meas = measures.reindex(geo.index)
    values = meas.to_numpy(dtype=float) if meas.shape[1] else np.zeros((len(geo), 0))
    for k, unit in enumerate(geo.index):
        p: dict[str, object] = {
            "n": html.escape(str(names.get(unit, unit))),
            "v": [_num(x) for x in values[k]],
        }
        for key, assignment in plan_keys.items():
            rep = assignment.get(unit)
            p[key] = rep_index.get(rep, -1)
        if extra:
            for key, mapping in extra.items():
                if unit in mapping:
                    p[key] = mapping[unit]
        props[unit] = p
    return feature_collection(geo, props)


def _outline_data(
    geo: gpd.GeoSeries, assignment: pd.Series, rep_index: Mapping[Hashable, int]
) -> dict[str, object]:
    terr = dissolve(geo, assignment.reindex(geo.index).dropna())
    props = {rep: {"r": rep_index[rep]} for rep in terr.index}
    return feature_collection(terr, props)


def _units_layer_js(
    data: str,
    ctx: str,
    key: str,
    fill_opacity: float,
    attribution: str | None,
    popups: bool = True,
) -> str:
    attr = f"attribution: {to_js(attribution)}," if attribution else ""
    popup = (
        "layer.bindPopup(function (l) { return ctx.pops[l.feature.properties[key]]; }, {maxWidth: 360});"
        if popups
        else ""
    )
    return f"""(function () {{
    var ctx = {ctx}, key = {to_js(key)};
    return L.geoJson({data}, {{
        className: 'tom-unit', {attr}
        filter: function (f) {{ return f.properties[key] >= 0; }},
        style: function (f) {{
            var s = ctx.shared[f.id];
            return {{color: '#ffffff', weight: 0.5, opacity: 0.8,
                     fillColor: s ? s.fill : ctx.colors[f.properties[key]], fillOpacity: {fill_opacity}}};
        }},
        onEachFeature: function (f, layer) {{
            layer.bindTooltip(function (l) {{ return tomUnitTip(l.feature, ctx, key); }},
                              {{sticky: true, className: 'tom-tip'}});
            {popup}
        }}
    }});
}})()"""


def _outline_layer_js(data: str) -> str:
    return (
        f"L.geoJson({data}, {{className: 'tom-territory', interactive: false, "
        "style: function () { return {color: '#1a1a1a', weight: 2.2, opacity: 0.95, fill: false}; }})"
    )


def _homes_js(
    alignment: Alignment, units4326: gpd.GeoSeries, colors: Mapping[Hashable, str]
) -> str | None:
    pts = []
    for rep in alignment.reps.index:
        home = alignment.reps.at[rep, "home"]
        if (
            home is None
            or (isinstance(home, float) and math.isnan(home))
            or home not in units4326.index
        ):
            continue
        p = units4326.loc[home].representative_point()
        label = alignment.reps.at[rep, "name"] if "name" in alignment.reps.columns else rep
        pts.append([round(p.y, 5), round(p.x, 5), html.escape(str(label)), colors.get(rep, "#888")])
    if not pts:
        return None
    return f"""(function () {{
    var g = L.featureGroup();
    {to_js(pts)}.forEach(function (h) {{
        L.circleMarker([h[0], h[1]], {{radius: 6, color: '#111', weight: 2, fillColor: '#ffffff',
                                        fillOpacity: 1, className: 'tom-home'}})
            .bindTooltip(h[2], {{permanent: true, direction: 'right', offset: [6, 0], className: 'tom-label'}})
            .addTo(g);
    }});
    return g;
}})()"""


def _choropleth(
    m: folium.Map,
    alignment: Alignment,
    geo: gpd.GeoSeries,
    data_name: str,
    measure: str,
    density: bool,
    cmap: str,
    classes: int,
    labels: Mapping[str, str] | None,
    show: bool,
) -> None:
    from matplotlib import colormaps
    from matplotlib import colors as mcolors

    if measure not in alignment.measures.columns:
        raise ValueError(
            f"choropleth measure {measure!r} is not a measure of the plan: use one of "
            f"{list(alignment.measures.columns)}."
        )
    values = alignment.measures[measure].reindex(geo.index).astype(float)
    label = _label(measure, labels)
    if density:
        area = geo.to_crs(geo.estimate_utm_crs()).area.to_numpy() / 1e6
        values = values / np.where(area > 0, area, np.nan)
        label = f"{label.split(' (')[0]} per km²"
    finite = values[np.isfinite(values)]
    if finite.empty:
        raise ValueError(f"choropleth measure {measure!r} has no finite value to map.")
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, classes + 1)))
    if len(edges) < 2:
        edges = np.array([finite.min(), finite.max() + 1.0])
    k = np.clip(np.searchsorted(edges, values.to_numpy(), side="right") - 1, 0, len(edges) - 2)
    palette = [
        mcolors.to_hex(colormaps[cmap]((i + 0.5) / (len(edges) - 1))) for i in range(len(edges) - 1)
    ]
    cls = {
        u: (int(c) if np.isfinite(v) else -1) for u, c, v in zip(geo.index, k, values, strict=True)
    }
    # class per unit, looked up by id from a small object (keeps the unit data shared)
    ctx = JsData({"k": {str(u): c for u, c in cls.items()}, "c": palette})
    ctx.add_to(m)
    layer = JsLayer(
        f"""L.geoJson({data_name}, {{className: 'tom-choro', interactive: false,
        style: function (f) {{ var c = {ctx.get_name()}.k[f.id];
            return {{color: '#ffffff', weight: 0.3, fillColor: c >= 0 ? {ctx.get_name()}.c[c] : '#cccccc',
                     fillOpacity: 0.85}}; }} }})""",
        name=label,
        overlay=True,
        show=show,
    )
    layer.add_to(m)
    dec = 0 if edges.max() >= 100 else 1 if edges.max() >= 1 else 3
    rows = "".join(
        f'<tr><td class="tom-l"><span class="tom-swatch" style="background:{c}"></span>'
        f"{_fmt(edges[i], dec)} – {_fmt(edges[i + 1], dec)}</td></tr>"
        for i, c in enumerate(palette)
    )
    legend = JsControl(
        f"<h4>{html.escape(label)}</h4><table>{rows}</table>", "bottomleft", "tom-scale", add=show
    )
    legend.add_to(m)
    JsScript(
        f"{{map}}.on('overlayadd', function (e) {{ if (e.layer === {layer.get_name()}) {{ {legend.get_name()}.addTo({{map}}); }} }});\n"
        f"{{map}}.on('overlayremove', function (e) {{ if (e.layer === {layer.get_name()}) {{ {legend.get_name()}.remove(); }} }});"
    ).add_to(m)


def _fit(m: folium.Map, geo: gpd.GeoSeries, legend: bool) -> None:
    minx, miny, maxx, maxy = geo.total_bounds
    # keep the territories clear of the legend on the right
    right = (410, 0) if legend else (10, 10)
    m.fit_bounds(
        [[miny, minx], [maxy, maxx]], padding_top_left=(10, 10), padding_bottom_right=right
    )


# --------------------------------------------------------------------------- public API
def plot_alignment(
    alignment: Alignment,
    m: folium.Map | None = None,
    *,
    units: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    colors: Mapping[Hashable, str] | None = None,
    palette: Sequence[str] = DEFAULT_PALETTE,
    title: str | None = None,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    attribution: str | None = ATTRIBUTION,
    simplify_m: float = 100.0,
    fill_opacity: float = 0.7,
    tolerance: float | None = None,
    measure_labels: Mapping[str, str] | None = None,
    choropleth: str | None = None,
    choropleth_density: bool = True,
    choropleth_cmap: str = "YlOrRd",
    choropleth_classes: int = 7,
    choropleth_show: bool = False,
    legend: bool = True,
    editable: bool = False,
) -> folium.Map:
    """Draw one territory plan on a Leaflet map.

    Parameters
    ----------
    alignment : Alignment
        The plan. Its ``units`` (or ``units=``) give the geometry.
    m : folium.Map, optional
        Map to draw on; a new one (no basemap by default) otherwise.
    units : geopandas.GeoDataFrame, optional
        Unit geometry (index unit id; optional ``name``) when the plan has none.
    graph : networkx.Graph, optional
        Unit adjacency used for the colouring (default: computed from the geometry).
    colors : mapping, optional
        rep id -> colour, overriding the automatic colouring.
    palette : sequence of str
        Qualitative palette for the automatic colouring.
    title : str, optional
        Legend title.
    tiles : str, optional
        Folium basemap (e.g. ``"cartodbpositron"``); tiles are the only thing fetched
        at view time, and the map draws without them.
    tiles_attribution : str, optional
        Attribution for a custom tile URL.
    attribution : str, optional
        Data credit (default "IGN Admin Express, INSEE").
    simplify_m : float, default 100
        Coverage simplification tolerance in metres (0: none).
    fill_opacity : float, default 0.7
        Territory fill opacity.
    tolerance : float, optional
        Balance tolerance (e.g. 0.05); % of target outside ``100 ± 100·tolerance`` are
        shown in red.
    measure_labels : mapping, optional
        measure -> label for tooltips and legends.
    choropleth : str, optional
        Measure to draw as an extra, switchable choropleth layer.
    choropleth_density : bool, default True
        Map the measure per km² rather than per unit.
    choropleth_cmap : str, default "YlOrRd"
        Matplotlib sequential colour map.
    choropleth_classes : int, default 7
        Number of quantile classes.
    choropleth_show : bool, default False
        Show the choropleth when the page opens.
    legend : bool, default True
        Add the per-territory legend.
    editable : bool, default False
        Edit mode (:func:`territory_opt.viz.editor.edit_map`): click communes to move
        them between reps; live table, undo/redo, download the edited plan as CSV.

    Returns
    -------
    folium.Map
    """
    if editable:
        from .editor import edit_map

        return edit_map(
            alignment, m=m, units=units, graph=graph, colors=colors, title=title, tiles=tiles,
            tiles_attribution=tiles_attribution, attribution=attribution, simplify_m=simplify_m,
            fill_opacity=fill_opacity, tolerance=tolerance, measure_labels=measure_labels,
        )  # fmt: skip
    src = _unit_geometry([alignment], units)
    geo = simplify_units(src.geometry, simplify_m)
    if colors is None:
        colors = territory_colors(alignment, units=src, graph=graph, palette=palette)
    reps = list(alignment.reps.index)
    rep_index = {r: i for i, r in enumerate(reps)}
    figures = _figures(alignment)
    if m is None:
        m = _new_map(geo, tiles, tiles_attribution)
    prefix = f"tom{id(m) % 100000}{len(m._children)}"
    shared, patterns = _shared_info(alignment, rep_index, colors, prefix)
    _prepare_map(m, patterns)

    names = src["name"] if "name" in src.columns else pd.Series(dtype=object)
    measures = alignment.measures[
        [
            c
            for c in alignment.measures.columns
            if pd.api.types.is_numeric_dtype(alignment.measures[c])
        ]
    ]
    data = JsData(_units_data(geo, names, measures, {"r": alignment.assignment}, rep_index))
    data.add_to(m)
    ctx = JsData(
        {
            "reps": [html.escape(_rep_label(alignment, r)) for r in reps],
            "colors": [colors.get(r, "#cccccc") for r in reps],
            "meas": [html.escape(_label(c, measure_labels)) for c in measures.columns],
            "pops": [
                _territory_popup(alignment, r, figures.table.loc[r], measure_labels, tolerance)
                for r in reps
            ],
            "shared": shared,
        }
    )
    ctx.add_to(m)
    outlines = JsData(_outline_data(geo, alignment.assignment, rep_index))
    outlines.add_to(m)

    group = folium.FeatureGroup(name="Territories", overlay=True, control=True)
    JsLayer(
        _units_layer_js(data.get_name(), ctx.get_name(), "r", fill_opacity, attribution),
        control=False,
    ).add_to(group)
    JsLayer(_outline_layer_js(outlines.get_name()), control=False).add_to(group)
    group.add_to(m)
    if choropleth is not None:
        _choropleth(
            m, alignment, geo, data.get_name(), choropleth, choropleth_density,
            choropleth_cmap, choropleth_classes, measure_labels, choropleth_show,
        )  # fmt: skip
    add_orientation(m, src, geo, alignment=alignment, colors=colors, title=title)
    homes = _homes_js(alignment, geo, colors)
    if homes is not None:
        JsLayer(homes, name="Rep homes", overlay=True).add_to(m)
    if legend:
        JsControl(
            _legend_html(alignment, colors, figures, measure_labels, tolerance, title),
            "bottomright",
            "tom-legend",
        ).add_to(m)
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    _fit(m, geo, legend)
    return m


def plot_comparison(
    before: Alignment,
    after: Alignment,
    m: folium.Map | None = None,
    *,
    units: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    labels: tuple[str, str] = ("Before", "After"),
    colors: Mapping[Hashable, str] | None = None,
    palette: Sequence[str] = DEFAULT_PALETTE,
    title: str | None = None,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    attribution: str | None = ATTRIBUTION,
    simplify_m: float = 100.0,
    fill_opacity: float = 0.7,
    tolerance: float | None = None,
    measure_labels: Mapping[str, str] | None = None,
    editable: bool = False,
) -> folium.Map:
    """Draw two plans as switchable layers with the units that change rep highlighted.

    Parameters
    ----------
    before, after : Alignment
        The two plans (same units; the reps may differ).
    m : folium.Map, optional
        Map to draw on; a new one otherwise.
    units : geopandas.GeoDataFrame, optional
        Unit geometry when the plans carry none.
    graph : networkx.Graph, optional
        Unit adjacency for the colouring (default: from the geometry).
    labels : tuple of str, default ("Before", "After")
        Layer names of the two plans.
    colors : mapping, optional
        rep id -> colour (default: :func:`territory_colors`, which gives every map of
        the same reps the same colours).
    palette : sequence of str
        Qualitative palette; a rep keeps its colour in both plans.
    title : str, optional
        Legend title.
    tiles, tiles_attribution, attribution, simplify_m, fill_opacity, tolerance, measure_labels
        As for :func:`plot_alignment`.
    editable : bool, default False
        Instead, an edit map of ``after`` with ``before`` as the baseline
        (:func:`territory_opt.viz.editor.edit_map`): the "before → edited" box and the
        table update as communes are moved.

    Returns
    -------
    folium.Map
        The "after" plan is shown when the page opens; the layer control switches to
        "before"; the "Changed units" overlay stays on top of both.
    """
    if editable:
        from .editor import edit_map

        return edit_map(
            after, baseline=before, m=m, units=units, graph=graph, colors=colors, title=title,
            baseline_label=labels[0], tiles=tiles, tiles_attribution=tiles_attribution,
            attribution=attribution, simplify_m=simplify_m, fill_opacity=fill_opacity,
            tolerance=tolerance, measure_labels=measure_labels,
        )  # fmt: skip
    src = _unit_geometry([before, after], units)
    geo = simplify_units(src.geometry, simplify_m)
    reps = _rep_order([before, after])
    if colors is None:
        colors = territory_colors([before, after], units=src, graph=graph, palette=palette)
    rep_index = {r: i for i, r in enumerate(reps)}
    fig_b, fig_a = _figures(before), _figures(after)
    if m is None:
        m = _new_map(geo, tiles, tiles_attribution)
    prefix = f"tom{id(m) % 100000}{len(m._children)}"
    shared_b, pat_b = _shared_info(before, rep_index, colors, prefix + "b")
    shared_a, pat_a = _shared_info(after, rep_index, colors, prefix + "a")
    hatch = (
        f'<pattern id="{prefix}-hatch" patternUnits="userSpaceOnUse" width="7" height="7" '
        'patternTransform="rotate(45)"><rect width="7" height="7" fill="#ffffff" fill-opacity="0.25"/>'
        '<line x1="0" y1="0" x2="0" y2="7" stroke="#111111" stroke-width="2.2"/></pattern>'
    )
    _prepare_map(m, pat_b + pat_a + hatch)

    names = src["name"] if "name" in src.columns else pd.Series(dtype=object)
    num_cols = [
        c for c in after.measures.columns if pd.api.types.is_numeric_dtype(after.measures[c])
    ]
    measures = after.measures[num_cols].combine_first(before.measures.reindex(columns=num_cols))
    data = JsData(
        _units_data(
            geo, names, measures, {"b": before.assignment, "a": after.assignment}, rep_index
        )
    )
    data.add_to(m)

    def plan_ctx(plan: Alignment, figures: _Figures, shared: dict[str, dict[str, str]]) -> JsData:
        table = figures.table
        return JsData(
            {
                "reps": [
                    html.escape(
                        _rep_label(
                            plan
                            if r in plan.reps.index
                            else after
                            if r in after.reps.index
                            else before,
                            r,
                        )
                    )
                    for r in reps
                ],
                "colors": [colors.get(r, "#cccccc") for r in reps],
                "meas": [html.escape(_label(c, measure_labels)) for c in num_cols],
                "pops": [
                    _territory_popup(plan, r, table.loc[r], measure_labels, tolerance)
                    if r in table.index
                    else ""
                    for r in reps
                ],
                "shared": shared,
            }
        )

    ctx_b = plan_ctx(before, fig_b, shared_b)
    ctx_a = plan_ctx(after, fig_a, shared_a)
    ctx_b.add_to(m)
    ctx_a.add_to(m)
    outline_b = JsData(_outline_data(geo, before.assignment, rep_index))
    outline_a = JsData(_outline_data(geo, after.assignment, rep_index))
    outline_b.add_to(m)
    outline_a.add_to(m)

    layers = {}
    for key, ctx, outline, label, show in (
        ("b", ctx_b, outline_b, labels[0], False),
        ("a", ctx_a, outline_a, labels[1], True),
    ):
        group = folium.FeatureGroup(name=label, overlay=False, control=True, show=show)
        JsLayer(
            _units_layer_js(data.get_name(), ctx.get_name(), key, fill_opacity, attribution),
            control=False,
        ).add_to(group)
        JsLayer(_outline_layer_js(outline.get_name()), control=False).add_to(group)
        group.add_to(m)
        layers[key] = group

    moves = after.changes(before.assignment)
    changed = JsLayer(
        f"""L.geoJson({data.get_name()}, {{className: 'tom-changed',
        filter: function (f) {{ return f.properties.a !== f.properties.b; }},
        style: function () {{ return {{color: '#111111', weight: 2.2, opacity: 1,
                                       fillColor: 'url(#{prefix}-hatch)', fillOpacity: 1}}; }},
        onEachFeature: function (f, layer) {{
            layer.bindTooltip(function (l) {{
                var p = l.feature.properties, a = {ctx_a.get_name()}, b = {ctx_b.get_name()};
                var h = tomUnitTip(l.feature, a, 'a').replace(/<br>Rep: <b>[^<]*<\\/b>/, '');
                var from = p.b >= 0 ? b.reps[p.b] : '(none)', to = p.a >= 0 ? a.reps[p.a] : '(none)';
                return h.replace('</span>', '</span><br><b>' + from + ' \u2192 ' + to + '</b>');
            }}, {{sticky: true, className: 'tom-tip'}});
        }} }})""",
        name=f"Changed units ({len(moves)})",
        overlay=True,
    )
    changed.add_to(m)
    add_orientation(m, src, geo, alignment=after, colors=colors, title=title)
    homes = _homes_js(after, geo, colors)
    on_top = [changed.get_name()]
    if homes is not None:
        homes_layer = JsLayer(homes, name="Rep homes", overlay=True)
        homes_layer.add_to(m)
        on_top.append(homes_layer.get_name())
    # a plan added by the layer control lands on top: put changes and homes back above it
    fronts = " ".join(f"if ({{map}}.hasLayer({n})) {{ {n}.bringToFront(); }}" for n in on_top)
    JsScript(f"{{map}}.on('baselayerchange', function () {{ {fronts} }});").add_to(m)

    JsControl(
        _legend_html(
            after, colors, fig_a, measure_labels, tolerance, title or labels[1], before=fig_b
        ),
        "bottomright",
        "tom-legend",
    ).add_to(m)
    JsControl(
        _summary_html(before, after, fig_b, fig_a, moves, labels, measure_labels),
        "bottomleft",
        "tom-summary",
    ).add_to(m)
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    _fit(m, geo, True)
    return m


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


# --------------------------------------------------------------------------- files
def _check_target(path: Path, suffixes: tuple[str, ...], marker: bytes | None) -> None:
    if path.suffix.lower() not in suffixes:
        raise ValueError(f"{path}: expected a file name ending in {' or '.join(suffixes)}.")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory: give a file name.")
    if marker is not None and path.exists():
        with path.open("rb") as fh:
            head = fh.read(4096)
        if marker not in head:
            raise FileExistsError(
                f"{path} exists and was not written by territory_opt.viz.maps: refusing to "
                "overwrite it (choose another name or delete it first)."
            )


def save_html(m: folium.Map, path: str | os.PathLike[str], offline: bool = True) -> Path:
    """Write a map as one HTML file.

    Parameters
    ----------
    m : folium.Map
        The map (from :func:`plot_alignment`, :func:`plot_comparison` or your own).
    path : path-like
        Target ``.html``/``.htm`` file. Written atomically (temporary file, then
        rename). An existing file is replaced only if this module wrote it.
    offline : bool, default True
        Inline Leaflet (and jQuery if the page uses it) so that nothing is fetched when
        the page opens, except basemap tiles if the map has any.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        If ``offline`` and the map uses an external asset that is not vendored.
    FileExistsError
        If ``path`` exists and is not a map written by this module.
    """
    target = Path(path)
    _check_target(target, (".html", ".htm"), _GENERATOR.encode())
    root = _root(m)
    root.header.add_child(Element(_GENERATOR), name="tom_generator")
    page = root.render()
    # the generator marker must be near the top so that the overwrite check finds it
    page = page.replace(_GENERATOR, "", 1).replace("<head>", "<head>\n    " + _GENERATOR, 1)
    if offline:
        page = inline_assets(page)
    atomic_write_bytes(target, page.encode("utf-8"))
    logger.info("wrote %s (%.2f MB, offline=%s)", target, target.stat().st_size / 1e6, offline)
    return target


def save_png(
    alignment: Alignment,
    path: str | os.PathLike[str],
    *,
    units: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    colors: Mapping[Hashable, str] | None = None,
    palette: Sequence[str] = DEFAULT_PALETTE,
    title: str | None = None,
    figsize: tuple[float, float] = (13.0, 8.5),
    dpi: int = 150,
    legend: bool = True,
    attribution: str | None = ATTRIBUTION,
) -> Path:
    """Draw a plan as a static PNG (matplotlib) for slides and reports.

    Parameters
    ----------
    alignment : Alignment
        The plan.
    path : path-like
        Target ``.png``; written atomically. An existing PNG is replaced.
    units, graph, colors, palette
        As for :func:`plot_alignment`.
    title : str, optional
        Figure title.
    figsize : tuple of float, default (13, 8.5)
        Inches.
    dpi : int, default 150
        Resolution.
    legend : bool, default True
        Per-territory table beside the map (workload/potential % of target).
    attribution : str, optional
        Data credit in the corner.

    Returns
    -------
    pathlib.Path
    """
    import io

    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.patches import Patch

    target = Path(path)
    _check_target(target, (".png",), None)
    src = _unit_geometry([alignment], units)
    if colors is None:
        colors = territory_colors(alignment, units=src, graph=graph, palette=palette)
    crs = src.estimate_utm_crs() if not (src.crs is not None and src.crs.is_projected) else src.crs
    geo = simplify_units(src.geometry, 100.0, decimals=6).to_crs(crs)
    assign = alignment.assignment.reindex(geo.index)
    fill = [colors.get(r, "#cccccc") for r in assign]
    table = alignment.territory_table()

    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    gpd.GeoSeries(geo.values, crs=crs).plot(
        ax=ax, color=fill, edgecolor="white", linewidth=0.15, alpha=0.85
    )
    dissolve(geo, assign.dropna()).boundary.plot(ax=ax, color="#1a1a1a", linewidth=1.1)
    halo = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    for rep in alignment.reps.index:
        home = alignment.reps.at[rep, "home"]
        if home is None or (isinstance(home, float) and math.isnan(home)) or home not in geo.index:
            continue
        pt = geo.loc[home].representative_point()
        ax.plot(pt.x, pt.y, "o", ms=6.5, mfc="white", mec="#111", mew=1.6, zorder=5)
        name = alignment.reps.at[rep, "name"] if "name" in alignment.reps.columns else rep
        ax.annotate(
            str(name), (pt.x, pt.y), xytext=(5, 3), textcoords="offset points",
            fontsize=8.5, fontweight="bold", color="#111", path_effects=halo, zorder=6,
        )  # fmt: skip
    ax.set_axis_off()
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=14, fontweight="bold", loc="left")
    if legend:
        handles = []
        for rep in table.index:
            txt = _rep_label(alignment, rep)
            pcts = [
                f"{_label(m, None).split(' (')[0]} {_fmt(table.at[rep, f'{m}_pct_target'])} %"
                for m in alignment.balance_measures
            ]
            if pcts:
                txt += "  " + " · ".join(pcts)
            handles.append(
                Patch(facecolor=colors.get(rep, "#ccc"), edgecolor="#333", label=txt, alpha=0.85)
            )
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False,
            fontsize=8, title="Territory  (% of target)", title_fontsize=9,
        )  # fmt: skip
    if attribution:
        fig.text(0.01, 0.01, f"Data: {attribution}", fontsize=7, color="#666")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    atomic_write_bytes(target, buf.getvalue())
    logger.info("wrote %s", target)
    return target
