"""``dxsim report`` and :mod:`dxsim.report`: one self-contained HTML page (no external resources), the
headline table, every party's payback, the appraisal against the counterfactual (stored, or run when
missing), several runs side by side, the figures as inline PNG (no legend over data), atomic writing, the
CLI on a run, on runs and on a sweep store, bad input, and the page as headless Chromium draws it (skipped,
never failed, when Chromium cannot be had: tests/browser_helpers.py)."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from browser_helpers import headless
from cli_helpers import run_cli
from figure_checks import legend_covers, legends, renderer_of, run_colours

import dxsim as dx
from dxsim import report
from dxsim.analysis.budget import BUDGET_ACCOUNT, budget_account
from dxsim.analysis.metrics import HEADLINE
from dxsim.analysis.payback import PAYBACK_STATISTICS
from dxsim.report import open_results, render, write_report
from dxsim.results.schema import RUN_DIMS
from dxsim.results.store import StoreError, open_sweep
from dxsim.studies.appraisal import appraisal, payback
from dxsim.tables import appraisal_rows, in_millions, million_units

DISCOUNT = "contract.platform_discount"
TAX = "tax.general_rate"  # programme.tax_rate is deprecated (issue 13)
PNG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
#: Figures of a run's page: two of paybacks, one of the appraisal, four general ones.
RUN_FIGURES = 7
#: Figures of runs side by side: three of paybacks (a party each), one of the appraisal, adoption, who pays
#: (a bar per run) and the budget.
COMPARED_FIGURES = 7


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def short(small: dx.Scenario) -> dx.Scenario:
    return small.with_overrides({"horizon_months": 12})


@pytest.fixture(scope="module")
def page(small_ds: xr.Dataset) -> str:
    return render(small_ds)


@pytest.fixture(scope="module")
def run_file(small_ds: xr.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dx.write_netcdf(small_ds, tmp_path_factory.mktemp("run") / "small.nc")


@pytest.fixture(scope="module")
def store(short: dx.Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 2 x 2 sweep store, one block per point."""
    path = tmp_path_factory.mktemp("sweep") / "sweep.zarr"
    dx.sweep(short, {DISCOUNT: [0.0, 0.2], TAX: [0.2, 0.25]}, replications=2, seed=1, store=path, block_size=2)
    return path


@pytest.fixture(scope="module")
def sweep_page(store: Path) -> str:
    return render(open_sweep(store))


@pytest.fixture(scope="module")
def paired(small: dx.Scenario) -> xr.Dataset:
    """Three replications of ``small`` over two years with their counterfactual inside."""
    return dx.simulate(small.with_overrides({"horizon_months": 24}), replications=3, seed=1, counterfactual=True)


@pytest.fixture(scope="module")
def other(small: dx.Scenario) -> xr.Dataset:
    """``paired`` with a 30% platform discount, its counterfactual inside."""
    sc = small.with_overrides({"horizon_months": 24, DISCOUNT: 0.3})
    return dx.simulate(sc, replications=3, seed=1, counterfactual=True)


@pytest.fixture(scope="module")
def paired_page(paired: xr.Dataset) -> str:
    return render(paired)


@pytest.fixture(scope="module")
def compared_page(paired: xr.Dataset, other: xr.Dataset) -> str:
    return render({"10%": paired, "30%": other})


def without_counterfactual(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` as ``dx.simulate`` without ``counterfactual=True`` writes it."""
    out = ds[[n for n in ds.data_vars if not str(n).startswith("counterfactual_")]]
    out = out.drop_dims([d for d in out.dims if str(d).startswith("counterfactual_")])
    out.attrs = {k: v for k, v in ds.attrs.items() if not k.startswith("counterfactual_")}
    return out


def table_cells(page: str, table_id: str) -> list[dict[str, str]]:
    """The ``data-*`` attributes of every numeric cell of ``<table id=TABLE_ID>``, with the row's and the text."""
    (table,) = re.findall(rf'<table id="{table_id}"[^>]*>(.*?)</table>', page, flags=re.S)
    cells = []
    for row_attrs, row in re.findall(r"<tr([^>]*)>(.*?)</tr>", table, flags=re.S):
        for cell_attrs, text in re.findall(r'<td class="num"([^>]*)>(.*?)</td>', row, flags=re.S):
            found = dict(re.findall(r'data-([\w-]+)="([^"]*)"', row_attrs + cell_attrs))
            found["text"] = re.sub(r"<[^>]+>", " ", text)
            cells.append(found)
    return cells


class _Tables(HTMLParser):
    """Cells of ``<table id="headline">``: rows of (tag attrs, text) per ``<td>``."""

    def __init__(self) -> None:
        super().__init__()
        self.found = 0
        self.inside = False
        self.rows: list[list[tuple[dict[str, str | None], str]]] = []
        self.headers: list[str] = []
        self._cell: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") == "headline":
            self.found += 1
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self._cell, self._text = dict(attrs), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self._cell is not None:
            if tag == "th":
                self.headers.append(self._text)
            else:
                self.rows[-1].append((self._cell, self._text))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._text += data


def headline_table(page: str) -> _Tables:
    parser = _Tables()
    parser.feed(page)
    assert parser.found == 1
    return parser


def no_leftovers(directory: Path) -> None:
    """No temporary file of atomic_path is left in ``directory``."""
    assert not [p.name for p in directory.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- the page of a run


def test_page_has_no_external_resources(page: str):
    lower = page.lower()
    for banned in ("http://", "https://", 'src="/', "<link", "<script", "@import", "url(", "<iframe"):
        assert banned not in lower, banned
    for attr, value in re.findall(r'\b(src|href)\s*=\s*"([^"]*)"', page):
        assert value.startswith(("data:", "#")), (attr, value[:40])


def test_headline_table_holds_dx_headline(page: str, small_ds: xr.Dataset):
    table = headline_table(page)
    expected = dx.headline(small_ds)
    lo, hi = (c for c in expected.columns if c not in ("mean", "units"))
    assert table.headers[:5] == ["metric", "mean", lo, hi, "units"]
    body = [row for row in table.rows if row]
    assert [row[0][1] for row in body] == list(HEADLINE)
    for row in body:
        metric = row[0][1]
        values = [float(str(cell.get("data-value"))) for cell, _ in row[1:4]]
        np.testing.assert_allclose(values, expected.loc[metric, ["mean", lo, hi]].to_numpy(float))
        units = expected.loc[metric, "units"]
        assert row[4][1] == million_units(units)  # money in million yuan; data-value keeps the Dataset's units
        shown, _ = in_millions(float(expected.loc[metric, "mean"]), units)
        assert float(row[1][1].replace(",", "")) == pytest.approx(shown, rel=5e-3)


def test_figures_are_inline_pngs(page: str):
    images = PNG.findall(page)
    assert len(images) == RUN_FIGURES
    for data in images:
        raw = base64.b64decode(data, validate=True)
        assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    from io import BytesIO

    first = mpimg.imread(BytesIO(base64.b64decode(images[0])), format="png")
    assert first.shape[:2] == (450, 700)  # 7 x 4.5 inches at 100 dpi
    assert 'class="missing"' not in page


def test_page_has_scenario_and_provenance(page: str, small_ds: xr.Dataset):
    import html

    scenario = dx.scenario_of(small_ds)
    assert html.escape(scenario.summary()) in page
    assert "<details>" in page and html.escape(small_ds.attrs["scenario"]) in page
    assert "<dt>seed</dt><dd>1</dd>" in page
    assert "<dt>replications</dt><dd>3</dd>" in page
    assert f"<dt>dxsim version</dt><dd>{small_ds.attrs['dxsim_version']}</dd>" in page
    assert re.search(r"<dt>report</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC", page)
    assert "<title>dxsim report: small</title>" in page


def test_the_scenario_toml_carries_the_seed_the_run_used(small_ds: xr.Dataset):
    """A file of 0.5.1 stored the scenario file's seed beside the run's: the page shows the run's."""
    old = small_ds.copy()
    assert "\nseed = 1\n" in old.attrs["scenario"]
    old.attrs["scenario"] = old.attrs["scenario"].replace("\nseed = 1\n", "\nseed = 2022\n")
    toml = re.search(r"<details><summary>Scenario TOML.*?<pre>(.*?)</pre>", render(old), flags=re.S)
    assert toml is not None and "\nseed = 1\n" in toml.group(1) and "seed = 2022" not in toml.group(1)


def test_title_and_text_are_escaped(small_ds: xr.Dataset):
    text = render(small_ds, title='<script>"x" & y</script>', source="a<b>.nc")
    assert "<script>" not in text
    assert "&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt;" in text
    assert "a&lt;b&gt;.nc" in text


def test_render_rejects_a_dataset_without_results():
    with pytest.raises(ValueError, match="not a dxsim results file"):
        render(xr.Dataset({"a": ("x", [1.0])}))


def test_a_figure_that_cannot_be_drawn_is_a_note(small_ds: xr.Dataset):
    none = small_ds.isel(adopter=slice(0, 0))  # no contracts: no payback curve
    text = render(none)
    assert "not drawn: no contracts in the Dataset" in text
    assert len(PNG.findall(text)) == RUN_FIGURES - 1


# --------------------------------------------------------------------------- paybacks and appraisal


def test_headline_gives_the_three_parties_median_paybacks(paired_page: str, paired: xr.Dataset):
    (sentence,) = re.findall(r'<p class="note headline-payback">(.*?)</p>', paired_page, flags=re.S)
    table = payback(paired)
    for party in ("enterprise", "platform", "government"):
        median = float(table.loc[party, "median"])
        assert f"{party} {'∞' if np.isinf(median) else report._number(median)} months" in html_text(sentence)


def html_text(fragment: str) -> str:
    import html

    return html.unescape(fragment)


@pytest.mark.parametrize(("table_id", "discounted"), [("payback", False), ("payback-discounted", True)])
def test_payback_tables_are_dx_payback(paired_page: str, paired: xr.Dataset, table_id: str, discounted: bool):
    expected = payback(paired, discounted=discounted)
    cells = table_cells(paired_page, table_id)
    assert len(cells) == 3 * len(PAYBACK_STATISTICS)
    assert [c["party"] for c in cells[:: len(PAYBACK_STATISTICS)]] == ["enterprise", "platform", "government"]
    for cell in cells:
        party, name = cell["party"], cell["statistic"]
        for key, column in (("mean", name), ("low", f"{name}_low"), ("high", f"{name}_high")):
            np.testing.assert_equal(float(cell[key]), float(expected.loc[party, column]))


def test_appraisal_table_is_dx_appraisal(paired_page: str, paired: xr.Dataset):
    ap = appraisal(paired)
    rows = appraisal_rows(ap)
    cells = table_cells(paired_page, "appraisal")
    by_metric = {}
    for cell in cells:
        by_metric.setdefault(cell["metric"], []).append(cell)
    assert list(by_metric) == list(rows.index)
    assert {"fiscal_balance", "fiscal_npv", "social_npv", "net_leverage", "timing_additionality_months"} <= set(
        by_metric
    )
    assert {"deadweight_within_6", "deadweight_within_12", "deadweight_within_24"} <= set(by_metric)
    assert {"incidence_enterprise", "incidence_platform"} <= set(by_metric)
    mean, low, high = (float(c["value"]) for c in by_metric["fiscal_balance"])
    assert mean == pytest.approx(float(ap["fiscal_balance"].mean()))
    assert low <= mean <= high
    shown = float(by_metric["fiscal_balance"][0]["text"].replace(",", ""))
    assert shown == pytest.approx(mean / 1e6, rel=5e-3, abs=5e-3)  # million yuan
    assert re.search(r'data-metric="fiscal_balance">.*?<td>million yuan</td>', paired_page, flags=re.S)
    # the additionality is read against the evidence: the deadweight the model is far below of
    assert "40-80%" in paired_page and "docs/validation.md (b)" in paired_page


def test_sections_use_the_stored_counterfactual(paired_page: str, paired: xr.Dataset, monkeypatch):
    assert "Counterfactual: stored in the results" in paired_page
    monkeypatch.setattr(report, "counterfactual_run", lambda *a, **k: pytest.fail("ran the counterfactual again"))
    render(paired)  # nothing runs


def test_sections_run_a_missing_counterfactual_once(paired_page: str, paired: xr.Dataset, monkeypatch):
    calls = []
    real = report.counterfactual_run

    def counted(ds, **kwargs):
        calls.append(kwargs)
        return real(ds, **kwargs)

    monkeypatch.setattr(report, "counterfactual_run", counted)
    page = render(without_counterfactual(paired))
    assert len(calls) == 1
    assert "Counterfactual: run for this report" in page
    for table_id in ("payback", "payback-discounted", "appraisal"):  # the same seed: the same numbers
        assert table_cells(page, table_id) == table_cells(paired_page, table_id)


def test_a_run_without_contracts_says_what_is_missing(small_ds: xr.Dataset):
    text = render(small_ds.isel(adopter=slice(0, 0)))
    assert text.count('class="missing"') >= 1 and "<h2>Payback for good</h2>" in text


# --------------------------------------------------------------------------- several runs side by side


def test_runs_side_by_side(compared_page: str, paired: xr.Dataset, other: xr.Dataset):
    runs = {"10%": paired, "30%": other}
    assert "<title>dxsim report: 10%, 30%</title>" in compared_page
    for table_id in ("headline", "payback", "payback-discounted", "appraisal"):
        cells = table_cells(compared_page, table_id)
        assert [c["run"] for c in cells[:2]] == ["10%", "30%"]  # a column per run
        assert len(cells) % 2 == 0
    headline = {(c["metric"], c["run"]): c for c in table_cells(compared_page, "headline")}
    for name, run in runs.items():
        expected = dx.headline(run)
        for metric in HEADLINE:
            assert float(headline[(metric, name)]["mean"]) == pytest.approx(expected.loc[metric, "mean"])
    paybacks = {(c["metric"], c["run"]): c for c in table_cells(compared_page, "payback")}
    for name, run in runs.items():
        expected = payback(run)
        assert float(paybacks[("government median", name)]["mean"]) == float(expected.loc["government", "median"])
        assert float(paybacks[("platform censored_share", name)]["high"]) == pytest.approx(
            expected.loc["platform", "censored_share_high"]
        )
    fiscal = {c["run"]: c for c in table_cells(compared_page, "appraisal") if c["metric"] == "fiscal_npv"}
    for name, run in runs.items():
        assert float(fiscal[name]["mean"]) == pytest.approx(float(appraisal(run)["fiscal_npv"].mean()))
    assert len(PNG.findall(compared_page)) == COMPARED_FIGURES
    assert '<table id="provenance"' in compared_page and 'class="missing"' not in compared_page


def test_runs_side_by_side_refuse_a_sweep(paired: xr.Dataset, store: Path):
    with pytest.raises(ValueError, match="a sweep is reported alone"):
        render({"run": paired, "sweep": open_sweep(store)})
    with pytest.raises(ValueError, match="no runs"):
        render({})


# --------------------------------------------------------------------------- the figures of the page


def drawn(drawing: tuple):
    """The figure of one of the page's drawings, as :func:`dxsim.report._png` draws it, and its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _, draw, size = drawing
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    draw(fig.subplots())
    return fig, renderer_of(fig)


def page_drawings(runs) -> list[tuple]:
    return report._payback_drawings(runs) + report._appraisal_drawings(runs) + report._run_drawings(runs)


def test_no_legend_of_the_page_covers_data(paired: xr.Dataset, other: xr.Dataset):
    drawings = page_drawings(paired) + page_drawings({"10%": paired, "30%": other})
    assert len(drawings) == RUN_FIGURES + COMPARED_FIGURES
    for drawing in drawings:
        fig, renderer = drawn(drawing)
        for ax in fig.axes:
            assert legend_covers(ax, renderer) == [], drawing[0]


def test_runs_of_the_page_get_a_colour_each_and_one_legend(paired: xr.Dataset, other: xr.Dataset):
    for drawing in page_drawings({"10%": paired, "30%": other}):
        if drawing[0].startswith("Who pays"):  # a bar per run, coloured by party: the next test
            continue
        fig, _ = drawn(drawing)
        (ax,) = fig.axes
        colours = run_colours(ax)
        assert len(colours) == 2 and colours[0] != colours[1], drawing[0]
        assert len(legends(fig)) == 1, drawing[0]
        assert [t.get_text().split("\n")[0] for t in ax.get_legend().get_texts()][:2] == ["10%", "30%"], drawing[0]


def test_runs_of_the_page_show_who_pays_side_by_side(paired: xr.Dataset, other: xr.Dataset):
    runs = {"10%": paired, "30%": other}
    (drawing,) = [d for d in page_drawings(runs) if d[0].startswith("Who pays")]
    assert "a bar per run, on one scale" in drawing[0]
    fig, _ = drawn(drawing)
    (ax,) = fig.axes  # one axis: one scale for both runs
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10%", "30%"]
    government = [bar.get_height() for bar in ax.containers[0]]  # type: ignore[attr-defined]
    expected = [float(run["government_paid"].sum("adopter").mean("replication")) / 1e6 for run in runs.values()]
    np.testing.assert_allclose(government, expected)


def test_budget_table_is_the_budget_account(paired_page: str, compared_page: str, paired, other):
    caption = "At a batch&#x27;s close (dashed line) the money it has not committed lapses: it is not spent"
    assert caption in paired_page and caption in compared_page
    assert "<h3>Budget: paid, committed, lapsed, left</h3>" in paired_page
    assert "lapsed (not spent: what batches had not committed when they closed)" in paired_page
    single: dict[str, list[float]] = {}
    for cell in table_cells(paired_page, "budget"):
        single.setdefault(cell["metric"], []).append(float(cell["value"]))
    account = budget_account(paired)
    assert list(single) == list(BUDGET_ACCOUNT)
    for name, (mean, low, high) in single.items():
        values = account[name].to_numpy()
        assert (mean, low, high) == pytest.approx((values.mean(), np.quantile(values, 0.05), np.quantile(values, 0.95)))
    assert single["lapsed"][0] > 1e6  # millions lapse when the batch closes (small, 24 months)
    cells = {(c["metric"], c["run"]): float(c["mean"]) for c in table_cells(compared_page, "budget")}
    for name, run in {"10%": paired, "30%": other}.items():
        account = budget_account(run)
        for column in BUDGET_ACCOUNT:
            assert cells[(column, name)] == pytest.approx(float(account[column].mean()))


def test_budget_note_says_what_rolls_over(paired: xr.Dataset) -> None:
    rolling = paired.assign_attrs(
        scenario=dx.scenario_of(paired).with_overrides({"programme.rollover": True}).to_toml()
    )
    lapses, rolls = "lapses at its close, however much was left", "moves at its close to the next batch"
    assert lapses in report._budget_note({"run": paired}) and rolls not in report._budget_note({"run": paired})
    assert rolls in report._budget_note({"run": rolling}) and lapses not in report._budget_note({"run": rolling})
    both = report._budget_note({"10%": paired, "rolling": rolling})
    assert lapses in both and "Under programme.rollover (rolling)" in both


# --------------------------------------------------------------------------- writing


def test_write_report(small_ds: xr.Dataset, tmp_path: Path):
    out = write_report(small_ds, tmp_path / "sub" / "r.html")
    assert out == tmp_path / "sub" / "r.html"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    no_leftovers(out.parent)


def test_write_report_leaves_nothing_when_rendering_fails(tmp_path: Path):
    out = tmp_path / "r.html"
    with pytest.raises(ValueError):
        write_report(xr.Dataset(), out)
    assert list(tmp_path.iterdir()) == []
    out.write_text("old", encoding="utf-8")
    with pytest.raises(ValueError):
        write_report(xr.Dataset(), out)
    assert out.read_text(encoding="utf-8") == "old"
    no_leftovers(tmp_path)


def test_write_report_is_atomic_when_writing_fails(small_ds, tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    out.write_text("old", encoding="utf-8")
    real = Path.write_text

    def half_then_fail(self: Path, data: str, *args, **kwargs) -> int:
        real(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        write_report(small_ds, out)
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


# --------------------------------------------------------------------------- sweeps


def test_sweep_page(sweep_page: str, store: Path):
    table = headline_table(sweep_page)
    body = [row for row in table.rows if row]
    assert len(body) == 4  # one row per point
    metric_cells = [[cell.get("data-metric") for cell, _ in row if cell.get("data-metric")] for row in body]
    assert metric_cells == [list(HEADLINE)] * 4
    assert [(row[0][1], row[1][1]) for row in body] == [("0", "0.2"), ("0", "0.25"), ("0.2", "0.2"), ("0.2", "0.25")]
    # the cells are dx.headline of each point
    ds = open_sweep(store)
    point = dx.headline(ds.isel({DISCOUNT: 1, TAX: 0}).load())
    row = body[2]
    cells = {cell["data-metric"]: cell for cell, _ in row if cell.get("data-metric")}
    for metric in HEADLINE:
        assert float(str(cells[metric]["data-mean"])) == pytest.approx(point.loc[metric, "mean"])
        assert float(str(cells[metric]["data-p95"])) == pytest.approx(point.loc[metric, "p95"])
    # two heat maps (adopters, public money over the one pair of dimensions) + the figures of the first point
    assert len(PNG.findall(sweep_page)) == 2 + RUN_FIGURES
    assert '<table id="payback"' in sweep_page and '<table id="appraisal"' in sweep_page
    assert f"adopters over {DISCOUNT} and {TAX}" in sweep_page
    assert f"public money over {DISCOUNT} and {TAX}" in sweep_page
    assert f"Figures of the first point ({DISCOUNT} = 0, {TAX} = 0.2)" in sweep_page
    assert "<dt>sweep</dt><dd>4 points" in sweep_page
    assert "http" not in sweep_page.lower() and "<link" not in sweep_page


def test_first_point_figures_use_the_point_scenario(short: dx.Scenario):
    sw = dx.sweep(short, {"tax": (TAX, [0.3])}, replications=1, seed=1)
    point = report._first_point(sw)
    assert "sweep" not in point.attrs
    assert dx.scenario_of(point).tax.general_rate == 0.3
    assert not [d for d in point.dims if d not in RUN_DIMS]


def test_one_dimensional_sweep_gets_one_row_heat_maps(short: dx.Scenario):
    sw = dx.sweep(short, {DISCOUNT: [0.0, 0.1, 0.2]}, replications=1, seed=1)
    text = render(sw)
    assert len(headline_table(text).rows) == 2 + 3  # two header rows, three points
    assert f"adopters by {DISCOUNT}" in text and f"public money by {DISCOUNT}" in text
    assert len(PNG.findall(text)) == 2 + RUN_FIGURES


def test_three_dimensional_sweep_heat_maps_per_pair_and_point(short: dx.Scenario, monkeypatch):
    rule = ("programme.when_budget_exhausted", ["unsubsidised"])
    sw = dx.sweep(short, {DISCOUNT: [0.0, 0.2], TAX: [0.2, 0.25], "rule": rule}, seed=1)
    maps, left_off = report._heatmaps(sw)
    assert (len(maps), left_off) == (2, 0)  # a dimension of one value adds no pair
    three = xr.concat([sw.isel(rule=0, drop=True).expand_dims(copy=[k]) for k in ("a", "b")], dim="copy")
    monkeypatch.setattr(report, "MAX_HEATMAPS", 4)
    maps, left_off = report._heatmaps(three)
    assert len(maps) == 8 and left_off == 2 * (3 * 2 - 4)  # three pairs x two values of the third, per metric
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", "".join(maps))
    assert captions[:4] == [  # pairs in the order of the dimensions, then the values of the third
        f"adopters over copy and {DISCOUNT} at {TAX} = 0.2",
        f"adopters over copy and {DISCOUNT} at {TAX} = 0.25",
        f"adopters over copy and {TAX} at {DISCOUNT} = 0",
        f"adopters over copy and {TAX} at {DISCOUNT} = 0.2",
    ]


# --------------------------------------------------------------------------- open_sweep


def test_open_sweep_is_what_sweep_returned(short: dx.Scenario, tmp_path: Path):
    path = tmp_path / "s.zarr"
    sw = dx.sweep(
        short, {"d": (DISCOUNT, [0.0, 0.2])}, cases={"low": {TAX: 0.2}}, replications=3, block_size=2, store=path
    )
    back = open_sweep(path)
    spec, back.attrs["sweep"] = back.attrs["sweep"], sw.attrs["sweep"]  # the same JSON, keys maybe ordered otherwise
    xr.testing.assert_identical(back, sw)
    assert json.loads(spec) == json.loads(sw.attrs["sweep"])
    assert back.sizes["replication"] == 3  # two blocks per point


def test_open_sweep_errors(store: Path, tmp_path: Path):
    with pytest.raises(StoreError, match="not a directory"):
        open_sweep(tmp_path / "absent")
    with pytest.raises(StoreError, match=r"no manifest\.json"):
        open_sweep(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match=r"unreadable manifest\.json \(JSONDecodeError"):
        open_sweep(broken)
    partial = tmp_path / "partial"
    shutil.copytree(store, partial)
    (partial / "blocks" / "p00003-b00000.json").unlink()
    with pytest.raises(StoreError, match=r"unfinished sweep \(3 of 4 blocks\).*--resume"):
        open_sweep(partial)


# --------------------------------------------------------------------------- the command line


def test_cli_report_of_a_run(capsys, run_file: Path, tmp_path: Path):
    out = tmp_path / "report.html"
    status, stdout, err = run_cli(capsys, "report", str(run_file), "-o", str(out), "--title", "Pilot")
    assert status == 0, err
    assert stdout == f"small: report -> {out}\n"
    text = out.read_text(encoding="utf-8")
    assert "<h1>Pilot</h1>" in text and f"<dd>{run_file}</dd>" in text
    assert len(headline_table(text).rows) == 1 + 5
    assert len(PNG.findall(text)) == RUN_FIGURES
    no_leftovers(tmp_path)


def test_cli_report_default_output(capsys, run_file: Path, tmp_path: Path):
    results = tmp_path / "run.nc"
    shutil.copy(run_file, results)
    status, stdout, _ = run_cli(capsys, "report", str(results))
    assert status == 0
    assert (tmp_path / "run.html").is_file()
    assert stdout.endswith(f"-> {tmp_path / 'run.html'}\n")


def test_cli_report_of_a_sweep_store(capsys, store: Path, tmp_path: Path):
    out = tmp_path / "sweep.html"
    status, stdout, err = run_cli(capsys, "report", str(store), "-o", str(out))
    assert stdout == f"small: report -> {out}\n"
    assert status == 0, err
    text = out.read_text(encoding="utf-8")
    assert len(headline_table(text).rows) == 2 + 4
    assert len(PNG.findall(text)) == 2 + RUN_FIGURES


def test_cli_report_of_runs_side_by_side(capsys, paired: xr.Dataset, other: xr.Dataset, tmp_path: Path):
    a = dx.write_netcdf(paired, tmp_path / "a.nc")
    b = dx.write_netcdf(other, tmp_path / "b.nc")
    out = tmp_path / "cmp.html"
    status, stdout, err = run_cli(capsys, "report", str(a), str(b), "-o", str(out))
    assert (status, err) == (0, "")
    assert stdout == f"a, b: report -> {out}\n"
    text = out.read_text(encoding="utf-8")
    assert [c["run"] for c in table_cells(text, "headline")[:2]] == ["a", "b"]
    assert f"<td>{a}</td>" in text and len(PNG.findall(text)) == COMPARED_FIGURES
    status, stdout, err = run_cli(capsys, "report", str(a), str(b))
    assert (status, stdout) == (2, "") and err == "dxsim report: several results go on one page: give -o FILE.html\n"


def test_cli_report_refuses_a_sweep_among_runs(capsys, run_file: Path, store: Path, tmp_path: Path):
    out = tmp_path / "cmp.html"
    status, stdout, err = run_cli(capsys, "report", str(run_file), str(store), "-o", str(out))
    assert (status, stdout) == (2, "") and err.startswith("dxsim report: ") and "reported alone" in err
    assert not out.exists()


def bad_inputs(tmp: Path, run_file: Path, store: Path) -> dict[str, tuple[Path, str]]:
    """name -> (RESULTS, expected start of the message after 'dxsim report: ')."""
    text = tmp / "notes.txt"
    text.write_text("not netCDF", encoding="utf-8")
    foreign = tmp / "foreign.nc"
    xr.Dataset({"a": ("x", [1.0, 2.0])}).to_netcdf(foreign, engine="h5netcdf")
    plain = tmp / "plain"
    plain.mkdir()
    partial = tmp / "partial.zarr"
    shutil.copytree(store, partial)
    (partial / "blocks" / "p00000-b00000.json").unlink()
    return {
        "missing": (tmp / "absent.nc", f"{tmp / 'absent.nc'}: no such file or directory"),
        "text": (text, f"{text}: not a netCDF file"),
        "foreign": (foreign, f"{foreign}: not a dxsim results file"),
        "plain directory": (plain, f"{plain}: not a dxsim sweep store (no manifest.json)"),
        "unfinished sweep": (partial, f"{partial}: unfinished sweep (3 of 4 blocks)"),
    }


@pytest.mark.parametrize("case", ["missing", "text", "foreign", "plain directory", "unfinished sweep"])
def test_cli_bad_input_exits_2_with_one_line(capsys, tmp_path, run_file, store, case):
    results, message = bad_inputs(tmp_path, run_file, store)[case]
    out = tmp_path / "out" / "report.html"
    status, stdout, err = run_cli(capsys, "report", str(results), "-o", str(out))
    assert status == 2
    assert stdout == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"dxsim report: {message}"), err
    assert not out.exists() and not out.parent.exists()
    assert not (tmp_path / "plain.html").exists() and not list(tmp_path.glob(".*.tmp"))


def test_cli_report_of_an_optimisation_says_what_it_is(capsys, short: dx.Scenario, tmp_path: Path):
    opt = dx.optimize(short, {"programme.instruments[0].share": (0.1, 0.5)}, "accepted", replications=1, seed=1,
                      evaluations=2)  # fmt: skip
    path = dx.write_netcdf(opt.evaluations, tmp_path / "opt.nc")
    out = tmp_path / "r.html"
    status, stdout, err = run_cli(capsys, "report", str(path), "-o", str(out))
    assert (status, stdout) == (2, "") and len(err.splitlines()) == 1
    assert err.startswith(f"dxsim report: {path}: an optimisation result (dxsim optimize, 2 designs), not a run")
    assert "set its levers in the scenario, dxsim run it and report that file" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("attrs", "variables", "message"),
    [
        ({"seed": 1}, {}, r"not a dxsim results file \(no scenario in its attributes\)"),
        ({}, {}, r"not a dxsim results file \(no scenario and seed in its attributes\)"),
        ({"seed": 1, "scenario": "x", "method": "sobol", "bounds": "{}"}, {"S1": ("param", [0.5])},
         r"^sensitivity indices \(dxsim sensitivity\), not a run or a sweep: .*dxsim.plot.sensitivity"),
        ({"seed": 1, "scenario": "x"}, {"a": ("x", [1.0])}, r"not a dxsim results file \(no variable adopters"),
    ],
)  # fmt: skip
def test_a_file_that_is_no_run_is_named(attrs, variables, message):
    with pytest.raises(ValueError, match=message):
        render(xr.Dataset(variables, attrs=attrs))


def test_cli_bad_output(capsys, run_file: Path, tmp_path: Path):
    status, _, err = run_cli(capsys, "report", str(run_file), "-o", str(tmp_path))
    assert status == 2 and err == f"dxsim report: {tmp_path}: output is a directory, not a file\n"
    status, _, err = run_cli(capsys, "report", str(run_file), "-o", str(run_file))
    assert status == 2 and err == f"dxsim report: {run_file}: the output would overwrite the results\n"
    with xr.open_dataset(run_file, engine="h5netcdf") as f:  # still the results
        assert "adopters" in f


def test_cli_bad_input_in_a_process(tmp_path: Path):
    out = tmp_path / "r.html"
    done = subprocess.run(
        [sys.executable, "-m", "dxsim", "report", str(tmp_path / "absent.nc"), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"dxsim report: {tmp_path / 'absent.nc'}: no such file or directory\n"
    assert not out.exists()


def test_open_results_reads_a_run(run_file: Path, small_ds: xr.Dataset):
    xr.testing.assert_identical(open_results(run_file), small_ds)


# --------------------------------------------------------------------------- headless Chromium


@pytest.mark.parametrize("kind", ["run", "sweep"])
def test_chromium_draws_the_page(chromium: Path, tmp_path: Path, page: str, sweep_page: str, kind: str):
    html_file = tmp_path / "report.html"
    html_file.write_text(page if kind == "run" else sweep_page, encoding="utf-8")
    url = html_file.as_uri()
    shot = tmp_path / "shot.png"
    done = headless(chromium, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,2000", url)
    assert shot.is_file(), done.stderr[-2000:]
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    assert float(pixels.std()) > 0.03  # not one flat colour
    assert float((pixels.min(axis=-1) < 0.95).mean()) > 0.02  # not (nearly) all white
    dom = headless(chromium, tmp_path / "profile", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    parsed = headline_table(dom.stdout)
    rows = [row for row in parsed.rows if row]
    assert len(rows) == (5 if kind == "run" else 4)
    shown = [row[0][1] for row in rows] if kind == "run" else [h.replace("\u200b", "") for h in parsed.headers]
    assert all(metric in shown for metric in HEADLINE)
    assert dom.stdout.count('<img src="data:image/png;base64,') == RUN_FIGURES + (0 if kind == "run" else 2)


def test_chromium_draws_runs_side_by_side(chromium: Path, tmp_path: Path, compared_page: str):
    html_file = tmp_path / "cmp.html"
    html_file.write_text(compared_page, encoding="utf-8")
    dom = headless(chromium, tmp_path / "profile", "--dump-dom", html_file.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('<img src="data:image/png;base64,') == COMPARED_FIGURES
    for table_id in ("headline", "payback", "appraisal"):
        assert [c["run"] for c in table_cells(dom.stdout, table_id)[:2]] == ["10%", "30%"]
