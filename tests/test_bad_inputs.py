"""Catalogue of bad inputs: each gives one exact exception naming the item and the fix.

Every case is one row of :data:`CASES` (a table also rendered in ``docs/errors.md``;
:func:`test_docs_list_the_catalogue` keeps the two in sync). For each case the test
checks

* the **exact** exception class (not a subclass, not a deep ``KeyError``);
* that the message contains the words that name the offending item and the fix;
* for a :class:`ValidationError`, that every listed problem carries a fix;
* that the inputs are untouched: DataFrames, graphs and mappings compare equal to deep
  copies taken before the call, and input **files** are byte-identical (SHA-256).

Regenerate the docs table with ``python -m tests.test_bad_inputs > docs/errors.md``.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from territory_opt.data.io import read_assignment, read_table, read_units, write_table
from territory_opt.data.validate import validate_inputs
from territory_opt.exceptions import InfeasibleError, SolverError, ValidationError
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.salesforce.workload import workload_by_unit
from territory_opt.solve.pipeline import optimize

MEASURES = ["workload", "potential"]
DOCS = Path(__file__).resolve().parents[1] / "docs" / "errors.md"


# ---------------------------------------------------------------------------- fixtures


def _grid(nx_: int = 3, ny_: int = 3, size: float = 1000.0, crs: str = "EPSG:2154"):
    rows = [
        {
            "id": f"u{x}_{y}",
            "workload": 1.0,
            "potential": 2.0,
            "accounts": 1,
            "geometry": box(x * size, y * size, (x + 1) * size, (y + 1) * size),
        }
        for x in range(nx_)
        for y in range(ny_)
    ]
    return gpd.GeoDataFrame(rows, crs=crs).set_index("id")


def _reps() -> pd.DataFrame:
    return pd.DataFrame({"home": ["u0_0", "u2_2"], "fte": [1.0, 1.0]}, index=["A", "B"])


def _path(n: int = 5) -> tuple[nx.Graph, pd.DataFrame, pd.DataFrame]:
    G = nx.path_graph(n)
    meas = pd.DataFrame({"w": 1.0, "accounts": 1.0}, index=range(n))
    reps = pd.DataFrame({"home": [0, n - 1]}, index=["A", "B"])
    return G, meas, reps


@dataclass
class Call:
    """What a case runs: ``fn()`` must raise; ``inputs`` must be unchanged after it."""

    fn: Callable[[], Any]
    inputs: list[Any] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Case:
    """One bad-input class of the catalogue."""

    id: str
    where: str  # units, geometry, reps, baseline, locks, accounts, settings, files
    example: str
    exception: type[Exception]
    says: str  # what the message says, for docs/errors.md
    words: tuple[str, ...]  # substrings the message must contain (item + fix)
    build: Callable[[Path], Call]


def _validate(units, reps=None, **kw) -> Call:
    kw.setdefault("measures", MEASURES)
    inputs = [units] + ([reps] if reps is not None else []) + [v for v in kw.values() if v]
    return Call(lambda: validate_inputs(units, reps, **kw), inputs)


def _from_graph(G, reps, meas, **kw) -> Call:
    inputs = [G, reps, meas, *kw.values()]
    return Call(lambda: TerritoryProblem.from_graph(G, reps, measures=meas, **kw), inputs)


# ---------------------------------------------------------------------------- units


def _unit_missing_id(tmp: Path) -> Call:
    g = _grid()
    g.index = pd.Index([*g.index[:-1], None], dtype=object, name="id")
    return _validate(g)


def _unit_duplicate_id(tmp: Path) -> Call:
    return _validate(_grid().rename(index={"u0_1": "u0_0"}), _reps())


def _unit_mixed_id_types(tmp: Path) -> Call:
    g = _grid(2, 1)
    g.index = pd.Index(["u0_0", 7], dtype=object)
    return _validate(g)


def _with_value(value: Any) -> Callable[[Path], Call]:
    def build(tmp: Path) -> Call:
        g = _grid()
        g["workload"] = g["workload"].astype(object)
        g.loc["u1_1", "workload"] = value
        return _validate(g, _reps())

    return build


def _measure_missing_column(tmp: Path) -> Call:
    return _validate(_grid(), _reps(), measures=["workload", "revenue"])


def _measure_all_zero(tmp: Path) -> Call:
    g = _grid()
    g["potential"] = 0.0
    return _validate(g, _reps())


def _balance_all_zero(tmp: Path) -> Call:
    G, meas, reps = _path()
    meas["z"] = 0.0
    return _from_graph(G, reps, meas, balance={"z": 0.1})


# ---------------------------------------------------------------------------- geometry


def _geometry(kind: str) -> Callable[[Path], Call]:
    def build(tmp: Path) -> Call:
        g = _grid()
        if kind == "empty":
            g.loc["u0_1", "geometry"] = Polygon()
        elif kind == "missing":
            g.loc["u0_1", "geometry"] = None
        elif kind == "bowtie":
            g.loc["u0_1", "geometry"] = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
        elif kind == "degrees-as-metres":
            g = _grid(size=0.01, crs="EPSG:4326").set_crs("EPSG:2154", allow_override=True)
        elif kind == "metres-as-degrees":
            g = g.set_crs("EPSG:4326", allow_override=True)
        elif kind == "no-crs":
            g = g.set_crs(None, allow_override=True)
        return _validate(g, _reps())

    return build


def _mixed_crs_files(tmp: Path) -> Call:
    """Units in Lambert-93 (GPKG); reps' homes as Lambert-93 x/y in a CSV read as lon/lat."""
    units_path = tmp / "units.gpkg"
    _grid().reset_index().to_file(units_path, layer="units")
    reps_path = tmp / "reps.csv"
    reps_path.write_text("rep,lon,lat,fte\nA,500,500,1\nB,2500,2500,1\n", encoding="utf-8")

    def run() -> Any:
        units = read_units(units_path, id_col="id")
        reps = read_units(reps_path, id_col="rep")  # declared EPSG:4326 by default
        return TerritoryProblem.from_geodataframe(units, reps, measures=MEASURES)

    return Call(run, files=[units_path, reps_path])


def _island_raise(tmp: Path) -> Call:
    g = _grid()
    g.loc["far"] = {
        "workload": 1.0,
        "potential": 2.0,
        "accounts": 1,
        "geometry": box(9e3, 9e3, 1e4, 1e4),
    }
    reps = _reps()
    return Call(
        lambda: TerritoryProblem.from_geodataframe(g, reps, measures=MEASURES, islands="raise"),
        [g, reps],
    )


def _graph_part_without_home(tmp: Path) -> Call:
    G, meas, reps = _path(6)
    G.remove_edge(2, 3)
    reps = pd.DataFrame({"home": [0, 1]}, index=["A", "B"])
    return _from_graph(G, reps, meas, contiguity="sp")


# ---------------------------------------------------------------------------- reps


def _reps_case(kind: str) -> Callable[[Path], Call]:
    def build(tmp: Path) -> Call:
        g = _grid()
        kw: dict[str, Any] = {}
        if kind == "duplicate":
            reps = pd.DataFrame({"home": ["u0_0", "u1_1"], "fte": [1, 1]}, index=["A", "A"])
        elif kind == "no-home":
            reps = pd.DataFrame({"home": ["u0_0", None], "fte": [1, 1]}, index=["A", "B"])
        elif kind == "home-not-unit":
            reps = pd.DataFrame({"home": ["u0_0", "nowhere"], "fte": [1, 1]}, index=["A", "B"])
        elif kind == "home-outside":
            reps = pd.DataFrame(
                {"home": [Point(500, 500), Point(99_999, 99_999)], "fte": [1, 1]}, index=["A", "B"]
            )
        elif kind == "shared-home":
            reps = pd.DataFrame({"home": ["u0_0", "u0_0"], "fte": [1, 1]}, index=["A", "B"])
        elif kind == "fte":
            reps = pd.DataFrame({"home": ["u0_0", "u2_2"], "fte": [0.0, np.nan]}, index=["A", "B"])
        elif kind == "fte-missing":
            reps = _reps().drop(columns="fte")
        elif kind == "more-reps":
            g = _grid(2, 1)
            reps = pd.DataFrame(
                {"home": ["u0_0", "u1_0", "u0_0"], "fte": [1, 1, 1]}, index=["A", "B", "C"]
            )
            kw["allow_shared_homes"] = True
        else:  # pragma: no cover
            raise AssertionError(kind)
        return _validate(g, reps, **kw)

    return build


def _no_reps(tmp: Path) -> Call:
    G, meas, _ = _path()
    return _from_graph(G, pd.DataFrame({"home": []}, dtype=object), meas)


# ---------------------------------------------------------------------------- baseline / locks


def _baseline_unknown_unit(tmp: Path) -> Call:
    return _validate(_grid(), _reps(), baseline={"u0_0": "A", "ghost": "A"})


def _baseline_unknown_rep(tmp: Path) -> Call:
    G, meas, reps = _path()
    return _from_graph(G, reps, meas, baseline={0: "A", 1: "Z"})


def _baseline_file_duplicate(tmp: Path) -> Call:
    p = tmp / "baseline.csv"
    p.write_text("unit,rep\n01001,R1\n01001,R2\n", encoding="utf-8")
    return Call(lambda: read_assignment(p, unit_col="unit", rep_col="rep"), files=[p])


def _lock_unknown_rep(tmp: Path) -> Call:
    G, meas, reps = _path()
    return _from_graph(G, reps, meas, locks={1: "Q"})


def _lock_unknown_unit(tmp: Path) -> Call:
    G, meas, reps = _path()
    return _from_graph(G, reps, meas, locks={"ghost": "A"})


def _lock_home_elsewhere(tmp: Path) -> Call:
    G, meas, reps = _path()
    return _from_graph(G, reps, meas, locks={4: "A"})


def _lock_against_contiguity(tmp: Path) -> Call:
    """Path 0-1-2-3-4, A lives at 0, B at 2: unit 4 locked to A cannot reach A past B's home."""
    G, meas, _ = _path()
    reps = pd.DataFrame({"home": [0, 2]}, index=["A", "B"])
    p = TerritoryProblem.from_graph(G, reps, measures=meas, locks={4: "A"}, contiguity="flow")
    return Call(lambda: optimize(p, "highs", warm_start=False), [G, reps, meas])


# ---------------------------------------------------------------------------- accounts


def _accounts(kind: str) -> Callable[[Path], Call]:
    def build(tmp: Path) -> Call:
        acc = pd.DataFrame(
            {
                "account": ["a1", "a2", "a3"],
                "unit": ["14118", "14118", "50129"],
                "visits_per_year": [12.0, 6.0, 1.0],
                "hours_per_visit": [2.0, 1.0, 0.5],
            }
        )
        if kind == "no-unit":
            acc.loc[1, "unit"] = None
        elif kind == "negative":
            acc.loc[2, "visits_per_year"] = -1.0
        elif kind == "missing-column":
            acc = acc.drop(columns="hours_per_visit")
        return Call(lambda: workload_by_unit(acc), [acc])

    return build


# ---------------------------------------------------------------------------- settings


def _settings(**kw: Any) -> Callable[[Path], Call]:
    def build(tmp: Path) -> Call:
        G, meas, reps = _path()
        return _from_graph(G, reps, meas, **kw)

    return build


def _budget_over_100(tmp: Path) -> Call:
    G, meas, reps = _path()
    base = {i: "A" if i < 3 else "B" for i in range(5)}
    return _from_graph(G, reps, meas, baseline=base, disruption_budget="150%")


def _budget_negative(tmp: Path) -> Call:
    G, meas, reps = _path()
    base = {i: "A" if i < 3 else "B" for i in range(5)}
    return _from_graph(G, reps, meas, baseline=base, disruption_budget=-3)


def _unknown_solver(tmp: Path) -> Call:
    G, meas, reps = _path()
    p = TerritoryProblem.from_graph(G, reps, measures=meas)
    return Call(lambda: optimize(p, "gurobi"), [G, meas, reps])


# ---------------------------------------------------------------------------- files


def _gpkg(tmp: Path) -> Path:
    p = tmp / "units.gpkg"
    _grid().reset_index().to_file(p, layer="units")
    return p


def _empty_file(tmp: Path) -> Call:
    p = tmp / "units.gpkg"
    p.write_bytes(b"")
    return Call(lambda: read_units(p, id_col="id"), files=[p])


def _truncated_gpkg(tmp: Path) -> Call:
    data = _gpkg(tmp).read_bytes()
    p = tmp / "cut.gpkg"
    p.write_bytes(data[: len(data) // 3])
    return Call(lambda: read_units(p, id_col="id"), files=[p])


def _utf16_csv(tmp: Path) -> Call:
    p = tmp / "reps.csv"
    p.write_bytes("rep,home,fte\nR1,61001,1\n".encode("utf-16"))
    return Call(lambda: read_table(p, id_cols=["rep", "home"]), files=[p])


def _xlsx_as_csv(tmp: Path) -> Call:
    p = tmp / "reps.csv"
    pd.DataFrame({"rep": ["R1"], "home": ["61001"]}).to_excel(p, index=False, engine="openpyxl")
    return Call(lambda: read_table(p, id_cols=["rep"]), files=[p])


def _excel_merged_header(tmp: Path) -> Call:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "Territory"
    ws.merge_cells("A1:B1")
    ws["C1"] = "fte"
    ws.append(["R1", "61001", 1.0])
    p = tmp / "reps.xlsx"
    wb.save(p)
    return Call(lambda: read_table(p), files=[p])


def _file_not_found(tmp: Path) -> Call:
    return Call(lambda: read_units(tmp / "nope.gpkg", id_col="id"))


def _unsupported_type(tmp: Path) -> Call:
    p = tmp / "units.dbz"
    p.write_text("x")
    return Call(lambda: read_table(p), files=[p])


def _id_column_missing(tmp: Path) -> Call:
    p = _gpkg(tmp)
    return Call(lambda: read_units(p, id_col="insee"), files=[p])


def _bad_wkt(tmp: Path) -> Call:
    p = tmp / "units.csv"
    p.write_text('id,workload,geometry\nu1,1,"POLYGON ((0 0, 1 0, 1 1"\n', encoding="utf-8")
    return Call(lambda: read_units(p, id_col="id"), files=[p])


def _output_onto_input(tmp: Path) -> Call:
    p = tmp / "units.csv"
    p.write_text("id,workload\nu1,1\n", encoding="utf-8")
    df = pd.DataFrame({"a": [1]})
    return Call(lambda: write_table(df, p, inputs=[p]), [df], [p])


# ---------------------------------------------------------------------------- the table

V, INF = ValidationError, InfeasibleError
CASES: list[Case] = [
    # units
    Case("unit-missing-id", "units", "a unit row without id", V,
         "how many units have no id, at which rows; give each a unique id",
         ("units", "have no id", "unique id"), _unit_missing_id),
    Case("unit-duplicate-id", "units", "two units with id `u0_0`", V,
         "the duplicated id(s); make ids unique",
         ("u0_0", "more than once", "make ids unique"), _unit_duplicate_id),
    Case("unit-mixed-id-types", "units", "ids `'u0_0'` and `7` (str and int)", V,
         "the types found; convert every id to one type with `astype(str)`",
         ("mix types", "astype(str)"), _unit_mixed_id_types),
    Case("measure-nan", "units", "`workload` is NaN in `u1_1`", V,
         "column, unit, count of missing values; fill them (0 if none)",
         ("'workload'", "u1_1", "missing (NaN)", "fill them"), _with_value(np.nan)),
    Case("measure-inf", "units", "`workload` is inf in `u1_1`", V,
         "column, unit; replace with finite numbers",
         ("'workload'", "u1_1", "infinite", "finite numbers"), _with_value(np.inf)),
    Case("measure-negative", "units", "`workload` = -3 in `u1_1`", V,
         "column, unit, minimum; measures must be >= 0",
         ("'workload'", "u1_1", "negative", ">= 0"), _with_value(-3.0)),
    Case("measure-text", "units", "`workload` = 'abc' in `u1_1`", V,
         "column, unit; fix the text values (decimal point)",
         ("'workload'", "u1_1", "not numbers", "decimal point"), _with_value("abc")),
    Case("measure-column-missing", "units", "measure `revenue` not in the table", V,
         "the column; the columns that exist",
         ("'revenue'", "missing", "choose among"), _measure_missing_column),
    Case("measure-all-zero", "units", "`potential` is 0 everywhere", V,
         "the column; it cannot be balanced, choose or fill another measure",
         ("'potential'", "every value is zero", "choose another measure"), _measure_all_zero),
    # geometry
    Case("geometry-empty", "geometry", "`u0_1` has `POLYGON EMPTY`", V,
         "the unit; give it its polygon or drop it",
         ("u0_1", "empty geometry", "drop the unit"), _geometry("empty")),
    Case("geometry-missing", "geometry", "`u0_1` has no geometry (None)", V,
         "the unit; give it its polygon or drop it",
         ("u0_1", "no geometry", "polygon"), _geometry("missing")),
    Case("geometry-self-intersecting", "geometry", "bow-tie polygon in `u0_1`", V,
         "the unit and GEOS's reason; repair with `make_valid()`",
         ("u0_1", "invalid geometry", "Self-intersection", "make_valid"), _geometry("bowtie")),
    Case("crs-degrees-as-metres", "geometry", "lon/lat coordinates labelled EPSG:2154", V,
         "the bounds and the CRS; declare EPSG:4326",
         ("look like degrees", "EPSG:2154", "EPSG:4326"), _geometry("degrees-as-metres")),
    Case("crs-metres-as-degrees", "geometry", "Lambert-93 metres labelled EPSG:4326", V,
         "the bounds and the CRS; declare the projected CRS (EPSG:2154)",
         ("look like metres", "EPSG:2154"), _geometry("metres-as-degrees")),
    Case("crs-missing", "geometry", "units without CRS", V,
         "no CRS; `set_crs('EPSG:4326')` or `'EPSG:2154'`",
         ("no coordinate reference system", "set_crs"), _geometry("no-crs")),
    Case("crs-mixed-between-files", "geometry",
         "units GPKG in Lambert-93, reps CSV with Lambert-93 x/y read as lon/lat", V,
         "the reps, the distance and both CRS; check the reps' coordinates/CRS",
         ("rep(s) A, B", "from every unit", "EPSG:4326", "EPSG:2154", "CRS they declare"),
         _mixed_crs_files),
    Case("unit-isolated-islands-raise", "geometry", "unit `far` touches no other, `islands='raise'`", V,
         "the isolated units; bridge, drop or add neighbours",
         ("far", "not connected to the mainland", "islands='bridge'"), _island_raise),
    Case("graph-part-without-home", "geometry", "graph component {3,4,5} holds no rep home", V,
         "the units cut off; bridge islands or drop contiguity",
         ("units 3, 4, 5", "disconnected from every rep home", "contiguity=None"),
         _graph_part_without_home),
    # reps
    Case("rep-duplicate-id", "reps", "two reps with id `A`", V,
         "the duplicated rep id; make ids unique",
         ("reps", "A", "more than once", "unique"), _reps_case("duplicate")),
    Case("rep-no-home", "reps", "rep `B` without home", V,
         "the rep; give its home unit or use free centres",
         ("rep(s) B", "no home given", "free centres"), _reps_case("no-home")),
    Case("rep-home-not-a-unit", "reps", "rep `B` lives in `'nowhere'`", V,
         "rep and home; use a unit id (check str vs int)",
         ("rep B", "'nowhere'", "not one of the unit ids", "check type"),
         _reps_case("home-not-unit")),
    Case("rep-home-outside-units", "reps", "rep `B`'s home point lies outside every unit", V,
         "the rep; check lon/lat order and CRS, or give a unit id",
         ("rep(s) B", "outside every unit", "lon/lat order"), _reps_case("home-outside")),
    Case("rep-shared-home", "reps", "reps `A` and `B` both live in `u0_0`", V,
         "the reps and the home; `allow_shared_homes=True` or separate homes",
         ("A, B", "'u0_0'", "share one home", "allow_shared_homes=True"),
         _reps_case("shared-home")),
    Case("rep-fte-not-positive", "reps", "FTE 0 for `A`, NaN for `B`", V,
         "the reps; FTE must be positive (1.0 full time)",
         ("A, B", "FTE must be a positive number", "1.0 for full time"), _reps_case("fte")),
    Case("rep-fte-column-missing", "reps", "reps table without `fte`", V,
         "the column; add it or pass `fte_col=None`",
         ("'fte'", "FTE column is missing", "fte_col=None"), _reps_case("fte-missing")),
    Case("more-reps-than-units", "reps", "3 reps for 2 units", V,
         "the counts; remove reps or use smaller units",
         ("3 reps", "more reps than units (2)", "remove reps"), _reps_case("more-reps")),
    Case("reps-empty", "reps", "an empty reps table", V,
         "the table is empty; give at least one rep",
         ("reps", "empty", "at least one rep"), _no_reps),
    # baseline
    Case("baseline-unknown-unit", "baseline", "baseline row for unit `ghost`", V,
         "the unknown unit(s); remove them or add the units",
         ("[baseline] unit(s) ghost", "not among the units", "remove them"),
         _baseline_unknown_unit),
    Case("baseline-unknown-rep", "baseline", "unit 1 currently with rep `Z`", V,
         "the units and the unknown rep; use existing rep ids",
         ("units 1", "(Z)", "do not exist", "rep ids"), _baseline_unknown_rep),
    Case("baseline-file-duplicate-unit", "baseline", "`01001` on two rows of baseline.csv", V,
         "the file and the unit; keep one row per unit",
         ("baseline.csv", "01001", "several rows", "one row per unit"),
         _baseline_file_duplicate),
    # locks
    Case("lock-unknown-rep", "locks", "unit 1 locked to rep `Q`", V,
         "the unit and the rep; lock to an existing rep",
         ("unit 1", "'Q'", "not a rep", "existing rep"), _lock_unknown_rep),
    Case("lock-unknown-unit", "locks", "lock on unit `ghost`", V,
         "the unit; lock existing units only",
         ("'ghost'", "not a unit", "existing unit ids"), _lock_unknown_unit),
    Case("lock-home-to-other-rep", "locks", "B's home unit 4 locked to A", V,
         "unit, home owner, lock; remove the lock",
         ("unit 4", "rep 'B''s home", "locked to rep 'A'", "remove the lock"),
         _lock_home_elsewhere),
    Case("lock-against-contiguity", "locks",
         "path 0-1-2-3-4, homes A=0, B=2, unit 4 locked to A (contiguity on)", INF,
         "the locked unit, its rep and home; remove the lock, lock the units between, or drop contiguity",
         ("unit 4", "locked to rep 'A'", "home 0", "remove or change the lock", "contiguity=None"),
         _lock_against_contiguity),
    # accounts
    Case("account-without-unit", "accounts", "account `a2` has no unit", V,
         "how many accounts; give each its unit or drop it",
         ("'unit'", "have no unit", "give every account"), _accounts("no-unit")),
    Case("account-negative-visits", "accounts", "`visits_per_year` = -1", V,
         "column, rows; values must be >= 0",
         ("'visits_per_year'", "not >= 0", "rows 2"), _accounts("negative")),
    Case("account-column-missing", "accounts", "no `hours_per_visit` column", V,
         "the column and those present; add it or name the right one",
         ("'hours_per_visit'", "is not in the table", "add a column"),
         _accounts("missing-column")),
    # settings
    Case("balance-all-zero-measure", "settings", "`balance={'z': 0.1}` with z = 0 everywhere", V,
         "the measure; nothing to balance, fill it or drop it",
         ("'z'", "nothing to balance", "drop it from balance="), _balance_all_zero),
    Case("tolerance-negative", "settings", "`balance={'w': -0.1}`", V,
         "the tolerance; a fraction in [0, 1)",
         ("'w'", "tolerance=-0.1", "fraction in [0, 1)", "0.05"), _settings(balance={"w": -0.1})),
    Case("tolerance-not-a-fraction", "settings", "`balance={'w': 5}` meant as 5 %", V,
         "the tolerance; did you mean 0.05",
         ("'w'", "tolerance=5.0", "did you mean 0.05"), _settings(balance={"w": 5})),
    Case("balance-unknown-measure", "settings", "`balance={'revenue': 0.1}`", V,
         "the measure; the measures that exist",
         ("'revenue'", "is not a measure", "use one of"), _settings(balance={"revenue": 0.1})),
    Case("disruption-budget-over-100", "settings", "`disruption_budget='150%'`", V,
         "the budget; between 0 % and 100 %",
         ("'150%'", "between 0 % and 100 %", "'10%'"), _budget_over_100),
    Case("disruption-budget-negative", "settings", "`disruption_budget=-3`", V,
         "the budget; a non-negative number",
         ("disruption_budget=-3", ">= 0", "non-negative budget"), _budget_negative),
    Case("disruption-budget-without-baseline", "settings", "`disruption_budget=2`, no baseline", V,
         "needs a baseline; pass `baseline=`",
         ("baseline", "needs a baseline", "baseline="), _settings(disruption_budget=2)),
    Case("contiguity-unknown-mode", "settings", "`contiguity='tree'`", V,
         "the mode; use sp, flow, cuts or None",
         ("contiguity='tree'", "unknown mode", "'cuts'"), _settings(contiguity="tree")),
    Case("power-not-1-or-2", "settings", "`power=3`", V,
         "the power; 1 (distance) or 2 (inertia)",
         ("power=3", "must be 1 or 2", "moment of inertia"), _settings(power=3)),
    Case("solver-unknown", "settings", "`optimize(p, 'gurobi')`", V,
         "the solver; use highs or cbc",
         ("solver='gurobi'", "unknown solver", "'highs' (default) or 'cbc'"), _unknown_solver),
    # files
    Case("file-empty", "files", "a 0-byte units.gpkg", V,
         "the file; it is empty, export it again",
         ("units.gpkg", "the file is empty", "re-export"), _empty_file),
    Case("file-truncated-gpkg", "files", "a GeoPackage cut to a third of its bytes", V,
         "the file and the driver's error; export it again",
         ("cut.gpkg", "cannot read this geographic file", "exported again"), _truncated_gpkg),
    Case("file-csv-utf16", "files", "reps.csv saved as UTF-16 ('Unicode text')", V,
         "the file and its encoding; save as CSV UTF-8",
         ("reps.csv", "UTF-16", "CSV UTF-8"), _utf16_csv),
    Case("file-xlsx-named-csv", "files", "an Excel workbook renamed reps.csv", V,
         "the file is binary; save as CSV UTF-8",
         ("reps.csv", "binary file", "CSV UTF-8"), _xlsx_as_csv),
    Case("file-excel-merged-header", "files", "header cells A1:B1 merged", V,
         "the file and the unnamed columns; unmerge the header",
         ("reps.xlsx", "merged cells", "unmerge"), _excel_merged_header),
    Case("file-not-found", "files", "`nope.gpkg` does not exist", V,
         "the path; check it",
         ("nope.gpkg", "file not found", "check the path"), _file_not_found),
    Case("file-unsupported-type", "files", "`units.dbz`", V,
         "the suffix; the supported ones",
         ("units.dbz", "unsupported file type", ".csv"), _unsupported_type),
    Case("file-id-column-missing", "files", "`id_col='insee'` absent from the GPKG", V,
         "the column and those present; pass the right name",
         ("'insee' not found", "id", "right id column"), _id_column_missing),
    Case("file-invalid-wkt", "files", "unterminated WKT polygon in a CSV", V,
         "the column; fix the WKT",
         ("units.csv", "invalid WKT", "fix the WKT"), _bad_wkt),
    Case("file-output-onto-input", "files", "write_table onto a file listed as input", V,
         "the file is an input; write elsewhere",
         ("input file", "never overwrite inputs", "write elsewhere"), _output_onto_input),
]  # fmt: skip


# ---------------------------------------------------------------------------- checks


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame | pd.Series):
        return (
            type(a) is type(b)
            and a.equals(b)
            and a.index.equals(b.index)
            and (not isinstance(a, pd.DataFrame) or list(a.columns) == list(b.columns))
            and (not isinstance(a, gpd.GeoDataFrame) or a.crs == b.crs)
        )
    if isinstance(a, nx.Graph):
        return bool(nx.utils.graphs_equal(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def test_catalogue_is_large_and_distinct() -> None:
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.where for c in CASES} >= {
        "units", "geometry", "reps", "baseline", "locks", "accounts", "settings", "files",
    }  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    call = case.build(tmp_path)
    frames = [copy.deepcopy(x) for x in call.inputs]
    hashes = [_digest(p) for p in call.files]
    with pytest.raises(Exception) as info:  # the exact class is checked below
        call.fn()
    err = info.value
    assert type(err) is case.exception, f"{type(err).__name__}: {err}"
    msg = str(err)
    missing = [w for w in case.words if w not in msg]
    assert not missing, f"{missing} not in: {msg}"
    if isinstance(err, ValidationError):
        assert err.problems and all(p.fix and p.item for p in err.problems)
        assert "Fix:" in msg
    if isinstance(err, InfeasibleError):
        assert err.diagnosis
    assert isinstance(err, ValueError)  # every input fault is a ValueError
    assert not isinstance(err, SolverError)
    for before, after in zip(frames, call.inputs, strict=True):
        assert _same(before, after), "an input was modified"
    assert [_digest(p) for p in call.files] == hashes, "an input file was modified"


def test_docs_list_the_catalogue() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [c.id for c in CASES if f"`{c.id}`" not in text]
    assert not missing, f"docs/errors.md lacks {missing}: regenerate it (module docstring)"
    assert f"{len(CASES)} classes" in text


def render_docs() -> str:
    """The catalogue as the Markdown of ``docs/errors.md``."""
    lines = [
        "# Errors: the catalogue of bad inputs",
        "",
        "Every input problem below stops territory_opt with **one** exception that names the",
        "offending item (unit, rep, column, file) and says how to fix it. Input problems raise",
        "`ValidationError` (a `ValueError`; `.problems` lists every problem found, each an",
        "`InputIssue` with `where`, `item`, `message`, `fix`), impossible constraints raise",
        "`InfeasibleError` (`.diagnosis`), solver trouble raises `SolverError` (see the end).",
        "Inputs are never modified: DataFrames compare equal afterwards and files are",
        "byte-identical.",
        "",
        f"The table lists {len(CASES)} classes; each row is one case of `tests/test_bad_inputs.py`",
        "(this page is generated from it: `python -m tests.test_bad_inputs > docs/errors.md`).",
        "",
        "| id | input | example | exception | what the message says |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in CASES:
        lines.append(
            f"| `{c.id}` | {c.where} | {c.example} | `{c.exception.__name__}` | {c.says} |"
        )
    lines += [
        "",
        "## Notes",
        "",
        "- A balance tolerance is a fraction in [0, 1): `0.05` is ±5 %. `0` (exact balance) is",
        "  accepted: it is reachable on small integral instances and useful with a soft penalty.",
        "  A value such as `5` is refused with *did you mean 0.05*.",
        "- A rep's home given as a point a little outside the units (a rep living across the",
        "  border) is snapped to the nearest unit; more than 50 km (or half the units' extent)",
        "  away it is refused as a coordinate/CRS mistake.",
        "- A CSV in Windows-1252 (Excel's default in France) is read with a warning; UTF-16 and",
        "  binary files are refused.",
        "- `validate_inputs` lists every problem of units, reps, baseline and locks at once;",
        "  `TerritoryProblem` constructors check the settings and the graph again.",
        "",
        "## Solver faults (`tests/test_solver_faults.py`)",
        "",
        "| fault | behaviour |",
        "| --- | --- |",
        "| time limit reached with a plan | status `feasible`, `gap` and `bound` reported; never `optimal` unless proven |",
        "| time limit reached, no plan | `SolverError`: *highs found no plan in N s (...); raise time_limit, relax tolerances, or pass a start plan* |",
        "| `highspy` missing | `SolverError` naming `pip install 'highspy>=1.7'` or `solver='cbc'` |",
        "| CBC binary missing | `SolverError` naming `pip install --force-reinstall 'pulp>=3.3,<4'` or `solver='highs'` |",
        "| solver crashes / is killed | `SolverError` *... crashed (...)*; no plan, no output file |",
        "| solver returns garbage | `SolverError` *returned an unusable answer* / *a solution of shape ...* |",
        "| model too large for memory | `ModelTooLargeError` (a `SolverError`) with advice: `nearest=`, coarser units, `'cuts'` instead of `'flow'`, soft balance |",
        "",
        "Outputs are written through a temporary file and an atomic rename (`territory_opt.data.io.atomic_path`):",
        "a crash never leaves a truncated file or a stray temporary file.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(render_docs(), end="")
