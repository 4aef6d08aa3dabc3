"""File readers/writers: formats, clear errors on bad files, inputs byte-identical afterwards."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from territory_opt.data.io import (
    atomic_path,
    prepare_output_dir,
    read_assignment,
    read_table,
    read_units,
    write_table,
)
from territory_opt.exceptions import ValidationError

from .conftest import grid_units


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def units_gpkg(tmp_path: Path) -> Path:
    g = grid_units(3, 2).reset_index()
    p = tmp_path / "units.gpkg"
    g.to_file(p, layer="units")
    return p


def test_read_units_formats_agree(tmp_path, units_gpkg):
    g = read_units(units_gpkg, id_col="id")
    assert list(g.index[:2]) == ["u0_0", "u0_1"] and g.crs.to_epsg() == 2154
    gj = tmp_path / "u.geojson"
    g.reset_index().to_file(gj)
    csv = tmp_path / "u.csv"
    df = pd.DataFrame(g.reset_index().drop(columns="geometry"))
    df["geometry"] = g.geometry.to_wkt().to_numpy()
    df.to_csv(csv, index=False)
    from_geojson = read_units(gj, id_col="id")
    from_csv = read_units(csv, id_col="id", crs="EPSG:2154")
    assert from_geojson.geometry.geom_equals(g.geometry).all()
    assert from_csv.geometry.geom_equals(g.geometry).all()
    assert from_csv["workload"].sum() == g["workload"].sum()


def test_csv_points_and_leading_zeros(tmp_path):
    p = tmp_path / "accounts.csv"
    p.write_text("code;lon;lat;accounts\n01001;4.9;46.1;3\n01002;5.0;46.2;1\n", encoding="utf-8")
    g = read_units(p, id_col="code")
    assert list(g.index) == ["01001", "01002"]
    assert g.geometry.iloc[0].x == pytest.approx(4.9)


def test_latin1_csv_is_read_with_warning(tmp_path, caplog):
    p = tmp_path / "reps.csv"
    p.write_bytes("rep,name,home\nR1,Gaëlle,61001\n".encode("cp1252"))
    df = read_table(p, id_cols=["rep", "home"])
    assert df.loc[0, "name"] == "Gaëlle" and df.loc[0, "home"] == "61001"
    assert "not UTF-8" in caplog.text


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "the file is empty"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "cannot read this geographic file"),
    ],
)
def test_empty_and_truncated_gpkg(tmp_path, content, words):
    p = tmp_path / "bad.gpkg"
    p.write_bytes(content)
    with pytest.raises(ValidationError, match=words) as info:
        read_units(p, id_col="id")
    assert "bad.gpkg" in str(info.value)


def test_truncated_real_gpkg(tmp_path, units_gpkg):
    data = units_gpkg.read_bytes()
    p = tmp_path / "cut.gpkg"
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(ValidationError, match=r"cut\.gpkg"):
        read_units(p, id_col="id")


def test_missing_file_and_columns(tmp_path, units_gpkg):
    with pytest.raises(ValidationError, match="file not found"):
        read_units(tmp_path / "nope.gpkg", id_col="id")
    with pytest.raises(ValidationError, match="'insee' not found"):
        read_units(units_gpkg, id_col="insee")
    p = tmp_path / "t.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="no geometry"):
        read_units(p, id_col="a")
    with pytest.raises(ValidationError, match="'rep'"):
        read_table(p, id_cols=["rep"])
    with pytest.raises(ValidationError, match="unsupported file type"):
        read_table(tmp_path / "t.csv", id_cols=[]) if False else read_table(
            _touch(tmp_path / "x.dbz")
        )


def _touch(p: Path) -> Path:
    p.write_text("x")
    return p


def test_excel_merged_header(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"] = "Territory"
    ws.merge_cells("A1:B1")
    ws["C1"] = "fte"
    ws.append(["R1", "61001", 1.0])
    p = tmp_path / "reps.xlsx"
    wb.save(p)
    before = _digest(p)
    with pytest.raises(ValidationError, match="merged cells") as info:
        read_table(p)
    assert "reps.xlsx" in str(info.value)
    assert _digest(p) == before


def test_read_assignment_duplicates(tmp_path):
    p = tmp_path / "base.csv"
    p.write_text("unit,rep\n01001,R1\n01001,R2\n")
    with pytest.raises(ValidationError, match="01001"):
        read_assignment(p, unit_col="unit", rep_col="rep")
    p.write_text("unit,rep\n01001,R1\n01002,R2\n")
    s = read_assignment(p, unit_col="unit", rep_col="rep")
    assert s.to_dict() == {"01001": "R1", "01002": "R2"}


def test_atomic_write_never_overwrites_inputs(tmp_path, units_gpkg):
    before = _digest(units_gpkg)
    with pytest.raises(ValidationError, match="input file"):
        write_table(pd.DataFrame({"a": [1]}), units_gpkg.with_suffix(".gpkg"), inputs=[units_gpkg])
    assert _digest(units_gpkg) == before
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("crash mid-write")
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    write_table(pd.DataFrame({"a": [1, 2]}), target)
    assert pd.read_csv(target)["a"].sum() == 3


def test_output_dir_rules(tmp_path):
    out = tmp_path / "out"
    prepare_output_dir(out)
    (out / "x.csv").write_text("1")
    with pytest.raises(ValidationError, match="--force"):
        prepare_output_dir(out)
    prepare_output_dir(out, force=True)
    with pytest.raises(ValidationError, match="is a file"):
        prepare_output_dir(out / "x.csv")


def test_accounts_as_points_are_located(tmp_path):
    from territory_opt.data.io import read_accounts

    units = grid_units(3, 2)  # Lambert-93 squares of 1 km
    p = tmp_path / "acc.csv"
    p.write_text("account,x,y,revenue\nA1,500,500,10\nA2,2500,1500,5\n")
    acc = read_accounts(p, units, lon_col="x", lat_col="y", crs="EPSG:2154")
    assert dict(zip(acc["account"], acc["unit"], strict=True)) == {"A1": "u0_0", "A2": "u2_1"}
    p.write_text("account,x,y\nA1,500,500\nFAR,99999,99999\n")
    with pytest.raises(ValidationError, match="FAR"):
        read_accounts(p, units, lon_col="x", lat_col="y", crs="EPSG:2154")
    q = tmp_path / "per_unit.csv"
    q.write_text("account,unit\nA1,u0_0\nA2,ghost\n")
    with pytest.raises(ValidationError, match="ghost"):
        read_accounts(q, units)
