"""French CSV exports: ``;``, decimal commas, Windows-1252, BOM; one reader for all tables."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from territory_opt.data.io import read_assignment, read_table, read_units
from territory_opt.exceptions import ValidationError
from territory_opt.salesforce.kpis import read_crm


def test_cp1252_semicolon_decimal_comma(tmp_path, caplog):
    p = tmp_path / "communes.csv"
    text = "insee;nom;charge;potentiel\n01001;Abergement-Clémenciat;1 234,5;12,25\n01002;Ambérieu;7,5;3\n"
    p.write_bytes(text.encode("cp1252"))
    with caplog.at_level(logging.WARNING):
        df = read_table(p, id_cols=["insee"])
    assert list(df["insee"]) == ["01001", "01002"]
    assert df.loc[0, "nom"] == "Abergement-Clémenciat"
    assert df["charge"].tolist() == [1234.5, 7.5]
    assert df["potentiel"].tolist() == [12.25, 3.0]
    assert "not UTF-8" in caplog.text


def test_no_break_spaces_and_bom(tmp_path):
    p = tmp_path / "u.csv"
    text = "\ufeffcode;lon;lat;charge\n01001;4,9;46,1;1\u00a0234,5\n01002;5,0;46,2;2\u202f000\n"
    p.write_bytes(text.encode("utf-8"))
    g = read_units(p, id_col="code")
    assert list(g.index) == ["01001", "01002"]
    assert g.geometry.iloc[0].x == pytest.approx(4.9)
    assert g["charge"].tolist() == [1234.5, 2000.0]


def test_unreadable_decimal_comma_column_is_named(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("insee;charge\n01001;1,5\n01002;2,5\n01003;n.c.\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_table(p, id_cols=["insee"])
    text = str(err.value)
    assert "'charge'" in text and "decimal comma" in text and "row 4" in text and "n.c." in text


def test_text_with_commas_stays_text(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('insee;adresse\n01001;"1, rue de la Paix"\n01002;Mairie\n', encoding="utf-8")
    df = read_table(p, id_cols=["insee"])
    assert df["adresse"].tolist() == ["1, rue de la Paix", "Mairie"]


def test_crm_uses_the_same_reader(tmp_path):
    p = tmp_path / "crm.csv"
    p.write_bytes(
        "account;rep;first_order;lost;revenue_2025\nA0001;Gaëlle;2018-02-05;;1 234,5\n".encode(
            "cp1252"
        )
    )
    with pytest.raises(ValidationError, match="not valid utf-8"):
        read_crm(p, as_of="2026-01-01")  # an explicit encoding stays strict
    h = read_crm(p, encoding=None, decimal=",", as_of="2026-01-01")
    assert h.table.loc["A0001", "rep"] == "Gaëlle"
    assert h.table.loc["A0001", "revenue_2025"] == pytest.approx(1234.5)


def test_baseline_blank_rep_cell_is_reported_by_row(tmp_path):
    p = tmp_path / "baseline.csv"
    p.write_text("insee;rep\n01001;R1\n01002;\n01003;R2\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_assignment(p, unit_col="insee", rep_col="rep")
    text = str(err.value)
    assert "row 3" in text and "no rep" in text
    assert "row 2" not in text and "row 4" not in text


def test_baseline_empty_line_is_reported_by_row(tmp_path):
    p = tmp_path / "baseline.csv"
    p.write_text("insee;rep\n01001;R1\n\n01003;\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_assignment(p, unit_col="insee", rep_col="rep")
    text = str(err.value)
    assert "row 3 (empty row)" in text and "row 4 (no rep)" in text


def test_good_baseline_still_reads(tmp_path):
    p = tmp_path / "baseline.csv"
    p.write_text("insee;rep\n01001;R1\n01003;R2\n", encoding="utf-8")
    plan = read_assignment(p, unit_col="insee", rep_col="rep")
    pd.testing.assert_series_equal(
        plan, pd.Series(["R1", "R2"], index=pd.Index(["01001", "01003"], name="insee"), name="rep")
    )
