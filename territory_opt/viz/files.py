"""Maps written to files: one self-contained HTML page, or a static PNG for slides.

:func:`save_html` inlines Leaflet from the copy vendored in ``territory_opt/viz/_vendor``
(see its README for versions and licences), so nothing is fetched when the page opens,
except basemap tiles if the map has some. :func:`save_png` draws a plan with matplotlib.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
from branca.element import Element

from ..data.io import atomic_write_bytes
from ..plan.alignment import Alignment
from ._assets import inline_assets
from ._format import ATTRIBUTION, _fmt, _label, _rep_label
from ._geometry import dissolve, simplify_units
from ._layers import _GENERATOR
from ._plans import _unit_geometry
from .colors import DISTINCT_PALETTE as DEFAULT_PALETTE
from .colors import territory_colors
from .orientation import root_figure

__all__ = ["save_html", "save_png"]

logger = logging.getLogger(__name__)


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
    root = root_figure(m)
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

    target = Path(path)
    _check_target(target, (".png",), None)
    src = _unit_geometry([alignment], units)
    if colors is None:
        colors = territory_colors(alignment, units=src, graph=graph, palette=palette)
    crs = src.estimate_utm_crs() if not (src.crs is not None and src.crs.is_projected) else src.crs
    geo = simplify_units(src.geometry, 100.0, decimals=6).to_crs(crs)
    assign = alignment.assignment.reindex(geo.index)
    fill = [colors.get(r, "#cccccc") for r in assign]

    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    gpd.GeoSeries(geo.values, crs=crs).plot(
        ax=ax, color=fill, edgecolor="white", linewidth=0.15, alpha=0.85
    )
    dissolve(geo, assign.dropna()).boundary.plot(ax=ax, color="#1a1a1a", linewidth=1.1)
    _draw_homes(ax, alignment, geo)
    ax.set_axis_off()
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=14, fontweight="bold", loc="left")
    if legend:
        _draw_legend(ax, alignment, colors)
    if attribution:
        fig.text(0.01, 0.01, f"Data: {attribution}", fontsize=7, color="#666")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    atomic_write_bytes(target, buf.getvalue())
    logger.info("wrote %s", target)
    return target


def _draw_homes(ax: Any, alignment: Alignment, geo: gpd.GeoSeries) -> None:
    """The reps' homes as white dots labelled with the rep's name."""
    from matplotlib import patheffects

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


def _draw_legend(ax: Any, alignment: Alignment, colors: Mapping[Hashable, str]) -> None:
    """One swatch per territory with its % of target, beside the map."""
    from matplotlib.patches import Patch

    table = alignment.territory_table()
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
