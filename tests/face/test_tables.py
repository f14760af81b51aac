"""dxsim.tables and ``dxsim compare``: a comparison as text (table, csv, markdown) and as an xlsx workbook."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from cli_helpers import run_cli

import dxsim as dx
from dxsim.analysis.additionality import ADDITIONALITY
from dxsim.analysis.metrics import HEADLINE, METRICS
from dxsim.cli import main
from dxsim.studies.compare import COMPARE_ROWS, RUN_ROWS
from dxsim.tables import format_comparison, write_comparison

REPS, SEED = 3, 1
VOUCHER = {"kind": "voucher", "amount": 30e3}


@pytest.fixture(scope="module")
def market(small: dx.Scenario) -> dx.Scenario:
    """``small`` over 30 months with slower diffusion, so that not every SME adopts anyway."""
    return small.with_overrides(
        {"horizon_months": 30, "industry_defaults.innovation": 0.003, "industry_defaults.imitation": 0.1}
    )


@pytest.fixture(scope="module")
def run(market: dx.Scenario) -> xr.Dataset:
    return dx.simulate(market, replications=REPS, seed=SEED)


@pytest.fixture(scope="module")
def add(run: xr.Dataset) -> xr.Dataset:
    return dx.additionality(run)


@pytest.fixture(scope="module")
def discount(market: dx.Scenario) -> xr.Dataset:
    return dx.simulate(market.with_overrides({"contract.platform_discount": 0.25}), replications=2, seed=SEED)


@pytest.fixture(scope="module")
def files(tmp_path_factory, run, market) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("compare")
    voucher = market.with_overrides({"programme.instruments": [VOUCHER]})
    a = dx.write_netcdf(run, folder / "cost.nc")
    b = dx.write_netcdf(dx.simulate(voucher, replications=2, seed=SEED), folder / "voucher.nc")
    return a, b


# --------------------------------------------------------------------------- text
def test_every_text_format_has_the_additionality_rows(run):
    cmp = dx.compare({"p": run}, counterfactual=True)
    for fmt in ("table", "markdown", "csv"):
        assert "free_rider_share" in format_comparison(cmp, fmt)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="workbook"):
        format_comparison(cmp, "xlsx")
    with pytest.raises(ValueError, match="unknown format"):
        format_comparison(cmp, "html")  # type: ignore[arg-type]


def test_the_paired_difference_follows_as_a_second_table(run, discount):
    cmp = dx.compare({"base": run, "discount": discount})
    text = format_comparison(cmp, "table")
    assert "paired difference discount - base" in text
    assert "**paired difference discount - base" in format_comparison(cmp, "markdown")
    frame = pd.read_csv(io.StringIO(format_comparison(cmp, "csv")), index_col="metric")
    assert frame.loc["adopters", "discount - base mean"] == pytest.approx(cmp.paired_difference.loc["adopters", "mean"])
    # the side-by-side table alone: no second table
    assert "paired difference" not in format_comparison(cmp.metrics, "table")
    assert format_comparison(cmp.metrics, "table") == text.split("\n\n")[0]


# --------------------------------------------------------------------------- dxsim compare
def test_cli_compare_table(capsys, files):
    status, out, err = run_cli(capsys, "compare", *map(str, files))
    assert status == 0, err
    header = out.splitlines()[0]
    assert "cost" in header and "voucher" in header
    line = next(x for x in out.splitlines() if x.startswith("adopters"))
    assert line.count("[") == 2  # mean [p5, p95] for each file


def test_cli_compare_counterfactual_csv(capsys, files, run, add):
    status, out, err = run_cli(capsys, "compare", *map(str, files), "--counterfactual", "--format", "csv")
    assert status == 0, err
    frame = pd.read_csv(io.StringIO(out), index_col="metric")
    assert {"cost mean", "cost p5", "cost p95", "voucher mean", "units"} <= set(frame.columns)
    assert frame.loc["additional_adopters", "cost mean"] == pytest.approx(float(add["additional_adopters"].mean()))
    assert frame.loc["adopters", "cost mean"] == pytest.approx(dx.summarize(run)["adopters"].mean())
    assert 0 <= frame.loc["free_rider_share", "voucher mean"] <= 1


def test_cli_compare_markdown(capsys, files):
    status, out, _ = run_cli(capsys, "compare", str(files[0]), "--format", "markdown")
    assert status == 0
    assert out.startswith("| metric | cost | units |")


def test_cli_compare_bad_input_exits_2_with_one_line(capsys, tmp_path, files):
    text = tmp_path / "notes.nc"
    text.write_text("not netCDF", encoding="utf-8")
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"x": ("t", [1.0, 2.0])}).to_netcdf(foreign, engine="h5netcdf")
    for bad, says in (
        (tmp_path / "missing.nc", "no such file"),
        (text, "not a netCDF file"),
        (foreign, "not a dxsim results file"),
        (tmp_path, "is a directory"),
    ):
        status, out, err = run_cli(capsys, "compare", str(files[0]), str(bad))
        assert status == 2, bad
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert str(bad) in err and says in err


# --------------------------------------------------------------------------- files
def test_cli_compare_writes_an_xlsx_workbook(capsys, tmp_path, run, discount):
    openpyxl = pytest.importorskip("openpyxl")
    a = dx.write_netcdf(run, tmp_path / "base.nc")
    b = dx.write_netcdf(discount, tmp_path / "discount.nc")
    out = tmp_path / "out.xlsx"
    assert main(["compare", str(a), str(b), "--format", "xlsx"]) == 2  # a workbook needs -o
    assert "-o" in capsys.readouterr().err and not out.exists()
    assert main(["compare", str(a), str(b), "--format", "xlsx", "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    frame = dx.compare({"base": run, "discount": discount}).metrics
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["comparison", "paired difference", "about"]
    ws = book["comparison"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("metric", "base", None, None, "discount", None, None, "units", "meaning")
    assert rows[1][1:7] == ("mean", "p5", "p95") * 2
    assert [r[0] for r in rows[2:]] == [*HEADLINE, *RUN_ROWS]  # one row per metric
    assert {str(m) for m in ws.merged_cells.ranges} == {"B1:D1", "E1:G1"}  # one column group per run
    for r in rows[2:]:
        metric = r[0]
        for cell, run_ in ((r[1], "base"), (r[4], "discount")):
            mean = frame.loc[metric, (run_, "mean")]
            assert cell == "inf" if mean == math.inf else cell == pytest.approx(mean)  # a budget never exhausted
        assert r[7] == frame.attrs["units"][metric]
        assert r[8] == METRICS[metric][1]  # what the row is
    paired = list(book["paired difference"].iter_rows(values_only=True))
    assert paired[0][:2] == ("metric", "discount - base") and paired[0][-1] == "pairs"
    assert paired[2][0] == "adopters" and paired[2][-1] == 2


def test_cli_compare_writes_text_formats_to_a_file(capsys, tmp_path, run):
    a = dx.write_netcdf(run, tmp_path / "base.nc")
    out = tmp_path / "out.csv"
    assert main(["compare", str(a), "--format", "csv", "-o", str(out)]) == 0
    frame = pd.read_csv(out, index_col="metric")
    assert frame.loc["adopters", "base mean"] == pytest.approx(dx.summarize(run)["adopters"].mean())
    assert main(["compare", str(a), "-o", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


def test_the_workbook_says_what_each_row_and_each_cell_means(tmp_path, run):
    openpyxl = pytest.importorskip("openpyxl")
    cmp = dx.compare({"base": run}, counterfactual=True)
    book = openpyxl.load_workbook(write_comparison(cmp, Path(tmp_path) / "x.xlsx"))
    rows = {r[0]: r for r in book["comparison"].iter_rows(min_row=3, values_only=True)}
    assert list(rows) == [*HEADLINE, *RUN_ROWS, *COMPARE_ROWS]
    for metric in COMPARE_ROWS:  # the additionality rows mean what dx.additionality's variables mean
        assert rows[metric][-1] == ADDITIONALITY[metric][1]
    assert "additional_taxes - public_money" in rows["fiscal_balance"][-1]
    about = dict(book["about"].iter_rows(values_only=True))
    assert "beyond the horizon" not in about["empty cell"]
    assert "public_money_per" not in about["inf"] and "budget_exhaustion_month" in about["inf"]
    assert about["money rows"].startswith("fiscal_balance = additional_taxes - public_money")


def test_infinite_and_undefined_cells_in_the_workbook(tmp_path, run):
    openpyxl = pytest.importorskip("openpyxl")
    cmp = dx.compare({"base": run})
    cmp.metrics.loc["median_enterprise_payback", ("base", "p95")] = math.inf
    cmp.metrics.loc["lighthouses", ("base", "mean")] = math.nan
    path = write_comparison(cmp, Path(tmp_path) / "x.xlsx")
    rows = {r[0]: r for r in openpyxl.load_workbook(path)["comparison"].iter_rows(min_row=3, values_only=True)}
    assert rows["median_enterprise_payback"][3] == "inf"
    assert rows["lighthouses"][1] is None
    assert write_comparison(cmp, Path(tmp_path) / "x.md", "markdown").read_text(encoding="utf-8").endswith("|\n")


def test_a_programme_without_outlay_reads_no_outlay_in_the_fiscal_payback_row(run, market):
    """The fiscal payback of an empty programme is not 0 but 'no outlay'; a paying programme's stays a number."""
    empty = dx.simulate(dx.counterfactual(market), replications=2, seed=SEED)
    cmp = dx.compare({"paid": run, "empty": empty}, counterfactual=True)
    assert cmp.metrics.loc["fiscal_payback_month", "empty"].isna().all()
    assert not math.isnan(cmp.metrics.loc["fiscal_payback_month", ("paid", "mean")])
    for fmt in ("table", "markdown"):
        text = format_comparison(cmp, fmt)  # type: ignore[arg-type]
        row = next(line for line in text.splitlines() if "fiscal_payback_month" in line)
        assert row.count("no outlay") == 1 and row.count("[") == 1, row  # paid: mean [p5, p95]; empty: no outlay
        balance = next(line for line in text.splitlines() if "fiscal_balance" in line)
        assert "no outlay" not in balance  # only the payback: the balance of an empty programme is 0
