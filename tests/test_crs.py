"""The metric CRS outside France, checked against WGS84 geodesics (pyproj.Geod), not the package.

Grids of 0.05° cells around Istanbul, Madrid, Brussels, across a UTM zone border (12°E) and
across the antimeridian (Fiji); border lengths, island gaps and areas must match the
geodesic values within 0.5 % (the issue's bound) and, since a local UTM zone is good to
~0.1 % in length, within 0.15 % (lengths) and 0.3 % (areas), which Lambert-93 fails
(lengths 0.2-0.5 % and areas 0.4-0.9 % off at these latitudes, 74 % at Fiji). French data must give exactly what Lambert-93 gave before.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely.geometry import box

from territory_opt.graph import adjacency_graph, metric_crs, to_metric, unit_points
from territory_opt.plan.alignment import Alignment

GEOD = pyproj.Geod(ellps="WGS84")
D = 0.05  # cell size, degrees

PLACES = {
    "istanbul": (28.9, 41.0),
    "madrid": (-3.8, 40.35),
    "brussels": (4.25, 50.8),
    "utm_border_12E": (11.9, 43.0),
    "fiji_antimeridian": (179.9, -17.1),
}


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def _cells(
    lon0: float, lat0: float, n: int = 4, *, wrap: bool = False
) -> dict[tuple[int, int], tuple[float, ...]]:
    """(col, row) -> (west, south, east, north); longitudes in [-180, 180] with ``wrap``.

    Without ``wrap`` cells east of the antimeridian keep longitudes > 180 (PROJ wraps
    them), so cells on both sides share exact vertices.
    """
    xs = [round(_wrap(lon0 + i * D) if wrap else lon0 + i * D, 9) for i in range(n + 1)]
    ys = [round(lat0 + j * D, 9) for j in range(n + 1)]
    out = {}
    for i in range(n):
        west, east = xs[i], xs[i + 1]
        if east < west:  # the cell ends on the antimeridian
            east += 360.0
        for j in range(n):
            out[(i, j)] = (west, ys[j], east, ys[j + 1])
    return out


def _grid(lon0: float, lat0: float, n: int = 4, *, wrap: bool = False) -> gpd.GeoDataFrame:
    cells = _cells(lon0, lat0, n, wrap=wrap)
    return gpd.GeoDataFrame(
        geometry=[box(*b) for b in cells.values()],
        index=pd.Index([f"c{i}_{j}" for i, j in cells]),
        crs="EPSG:4326",
    )


def _geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.mark.parametrize("place", PLACES)
def test_border_lengths_match_geodesic(place: str) -> None:
    lon0, lat0 = PLACES[place]
    cells = _cells(lon0, lat0)
    G = adjacency_graph(_grid(lon0, lat0))
    assert G.number_of_edges() == 2 * 4 * 3  # the grid, also across the antimeridian
    for (i, j), (w, s, e, n) in cells.items():
        if i + 1 < 4:  # shared meridian segment with the cell to the east
            want = _geodesic_m(e, s, e, n) / 1000.0
            got = G.edges[f"c{i}_{j}", f"c{i + 1}_{j}"]["border_km"]
            assert got == pytest.approx(want, rel=0.005)
            assert got == pytest.approx(want, rel=0.0015), (place, got, want)
        if j + 1 < 4:  # shared parallel segment with the cell to the north
            want = _geodesic_m(w, n, e, n) / 1000.0
            got = G.edges[f"c{i}_{j}", f"c{i}_{j + 1}"]["border_km"]
            assert got == pytest.approx(want, rel=0.0015), (place, got, want)


@pytest.mark.parametrize("place", PLACES)
def test_areas_match_geodesic(place: str) -> None:
    lon0, lat0 = PLACES[place]
    units = _grid(lon0, lat0)
    want = {u: abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6 for u, g in units.geometry.items()}
    assign = pd.Series(["A" if u.endswith(("_0", "_1")) else "B" for u in units.index], units.index)
    plan = Alignment(
        assignment=assign,
        reps=pd.DataFrame({"home": ["c0_0", "c3_3"], "fte": [1.0, 1.0]}, index=["A", "B"]),
        measures=pd.DataFrame({"workload": 1.0}, index=units.index),
        balance_measures=("workload",),
        units=units,
    )
    tab = plan.territory_table()
    for rep in ("A", "B"):
        expect = sum(a for u, a in want.items() if assign[u] == rep)
        assert tab.loc[rep, "area_km2"] == pytest.approx(expect, rel=0.005)
        assert tab.loc[rep, "area_km2"] == pytest.approx(expect, rel=0.003), (place, rep)


@pytest.mark.parametrize("place", ["istanbul", "madrid", "fiji_antimeridian"])
def test_island_gap_matches_geodesic(place: str) -> None:
    lon0, lat0 = PLACES[place]
    units = _grid(lon0, lat0, n=2)
    west = round(_wrap(lon0 + 2 * D + 0.03), 9)  # an island 0.03° east of the grid
    island = box(west, lat0, west + D, lat0 + 2 * D)
    units = pd.concat([units, gpd.GeoDataFrame(geometry=[island], index=["isle"], crs=4326)])
    G = adjacency_graph(units, islands="bridge")
    (_, _, gap_km), *_ = G.graph["bridged_edges"]
    # nearest points: across the 0.03° gap at the poleward end (meridians converge)
    lat = lat0 + 2 * D if lat0 > 0 else lat0
    want = _geodesic_m(_wrap(lon0 + 2 * D), lat, west, lat) / 1000.0
    assert gap_km == pytest.approx(want, rel=0.0015)


def test_country_wide_extent_gets_a_fitted_conic() -> None:
    """Pfizer Turkey spans 26-45°E: one UTM zone is 1.3 % off at the east end."""
    units = gpd.GeoDataFrame(
        geometry=[
            box(26.0, 36.0, 26.1, 36.1),
            box(44.7, 39.5, 44.8, 39.6),
            box(35, 42, 35.1, 42.1),
        ],
        crs="EPSG:4326",
    )
    crs = metric_crs(units)
    assert crs.coordinate_operation.method_name.startswith("Lambert Conic Conformal")
    metric = units.to_crs(crs)
    for k, g in enumerate(units.geometry):
        area, perim = GEOD.geometry_area_perimeter(g)
        assert metric.geometry.iloc[k].area == pytest.approx(abs(area), rel=0.005)
        assert metric.geometry.iloc[k].length == pytest.approx(perim, rel=0.003)


def test_crs_choice() -> None:
    assert metric_crs(_grid(2.3, 48.8)).to_epsg() == 2154  # Paris
    assert metric_crs(_grid(9.2, 41.4)).to_epsg() == 2154  # Bonifacio, Corsica
    assert metric_crs(_grid(2.9, 50.7)).to_epsg() == 2154  # on the Belgian border
    assert metric_crs(_grid(7.5, 48.5)).to_epsg() == 2154  # Alsace
    assert metric_crs(_grid(*PLACES["brussels"])).to_epsg() == 32631
    assert metric_crs(_grid(*PLACES["madrid"])).to_epsg() == 32630
    assert metric_crs(_grid(*PLACES["istanbul"])).to_epsg() == 32635
    for wrap in (False, True):  # lon > 180, or wrapped to -180 (bounds -180..180)
        fiji = metric_crs(_grid(*PLACES["fiji_antimeridian"], wrap=wrap))
        assert fiji.to_epsg() in (32701, 32760)
    synthetic = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs="EPSG:2154")
    assert to_metric(synthetic) is synthetic  # projected metres are kept as given
    web = _grid(*PLACES["madrid"]).to_crs("EPSG:3857")  # web-map metres are 31 % long here
    assert metric_crs(web).to_epsg() == 32630


def test_web_mercator_input_is_measured_on_the_ground() -> None:
    lon0, lat0 = PLACES["madrid"]
    G = adjacency_graph(_grid(lon0, lat0).to_crs("EPSG:3857"))
    want = _geodesic_m(lon0 + D, lat0, lon0 + D, lat0 + D) / 1000.0
    assert G.edges["c0_0", "c1_0"]["border_km"] == pytest.approx(want, rel=0.005)


def test_french_results_unchanged(normandie) -> None:  # type: ignore[no-untyped-def]
    """Lambert-93 stays used for French data: the same numbers as an explicit EPSG:2154."""
    units = normandie.units.iloc[:300].to_crs("EPSG:4326")
    assert metric_crs(units).to_epsg() == 2154
    l93 = units.to_crs("EPSG:2154")
    np.testing.assert_allclose(to_metric(units).area, l93.area, rtol=1e-9)
    G = adjacency_graph(units)
    G0 = adjacency_graph(l93)
    assert set(G.edges) == set(G0.edges)
    for u, v, b in G0.edges(data="border_km"):
        assert G.edges[u, v]["border_km"] == pytest.approx(b, rel=1e-9, abs=1e-12)
    pts = unit_points(units)
    ref = gpd.GeoSeries(l93.centroid, index=units.index, crs=2154).to_crs(4326)
    np.testing.assert_allclose(pts.x, ref.x, rtol=1e-9)
    np.testing.assert_allclose(pts.y, ref.y, rtol=1e-9)
