"""``dxsim explore`` and ``dx.explore``: one self-contained page (no network, no server) whose sliders pick a
point of a sweep; the figures it holds are dxsim's own for every point (headline, paybacks, adoption); each
distinct counterfactual runs once; atomic writing and bad input; and in headless Chromium (skipped, never
failed, when Chromium cannot be had: tests/browser_helpers.py) moving a slider changes the numbers and the
figure to those of the point chosen."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from browser_helpers import headless
from cli_helpers import run_cli

import dxsim as dx
from dxsim import explorer
from dxsim.analysis.metrics import HEADLINE
from dxsim.analysis.payback import NO_OUTLAY, PARTIES, PAYBACK_STATISTICS
from dxsim.results.pairing import attach_counterfactual

DISCOUNT = "contract.platform_discount"
TAX = "tax.general_rate"
#: The sweep of the tests: 2 discounts (a programme-contingent discount: one counterfactual) x 2 tax rates (two).
GRID = {"discount": (DISCOUNT, [0.0, 0.3]), TAX: [0.2, 0.25]}
REPLICATIONS = 2
SEED = 1


@pytest.fixture(scope="module")
def short(small: dx.Scenario) -> dx.Scenario:
    return small.with_overrides({"horizon_months": 24})


@pytest.fixture(scope="module")
def store(short: dx.Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "sweep.zarr"
    dx.sweep(short, GRID, replications=REPLICATIONS, seed=SEED, store=path, progress=False)
    return path


@pytest.fixture(scope="module")
def sweep(store: Path) -> xr.Dataset:
    return dx.open_results(store).load()


@pytest.fixture(scope="module")
def rendered(store: Path) -> tuple[str, list[str]]:
    """The page of the store, and the scenarios of the counterfactuals run for it."""
    calls: list[str] = []
    real = explorer.counterfactual_run

    def counted(point: xr.Dataset, **kwargs: object) -> xr.Dataset:
        calls.append(dx.scenario_of(point).to_toml())
        return real(point, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(explorer, "counterfactual_run", counted)
        page = explorer.render(store, progress=False)
    return page, calls


@pytest.fixture(scope="module")
def page(rendered: tuple[str, list[str]]) -> str:
    return rendered[0]


def data_of(page: str) -> dict:
    (text,) = re.findall(r'<script type="application/json" id="explorer-data">(.*?)</script>', page, flags=re.S)
    return json.loads(text)


def number(v: float | str | None) -> float:
    """A number of the page's JSON (null: NaN, "inf": infinity)."""
    return float("nan") if v is None else float(v)


def positions(sweep: xr.Dataset) -> list[dict[str, int]]:
    """The points in the page's order: product order, the last dimension fastest."""
    return [{"discount": i, TAX: j} for i in range(2) for j in range(2)]


def adopters(ds: xr.Dataset) -> np.ndarray:
    return ds["adopters"].sum("industry").transpose("replication", "month").values


# --------------------------------------------------------------------------- the page


def test_page_is_self_contained(page: str):
    lower = page.lower()
    for banned in ("http://", "https://", "<link", "@import", "url(", "<iframe", "fetch(", "xmlhttprequest",
                   "websocket", "import(", "src=", "href="):  # fmt: skip
        assert banned not in lower, banned
    assert re.findall(r"<script[^>]*>", page) == ['<script type="application/json" id="explorer-data">', "<script>"]
    assert page.count("<style>") == 1


def test_a_slider_per_swept_dimension(page: str, sweep: xr.Dataset):
    sliders = re.findall(
        r'<input type="range" id="slider-(\d)" class="dim" data-dim="([^"]+)" min="0" max="(\d+)"', page
    )
    assert sliders == [("0", "discount", "1"), ("1", TAX, "1")]
    data = data_of(page)
    assert data["dims"] == [{"name": "discount", "labels": ["0", "0.3"]}, {"name": TAX, "labels": ["0.2", "0.25"]}]
    assert (data["seed"], data["replications"], len(data["points"]), len(data["months"])) == (SEED, REPLICATIONS, 4, 24)


def test_every_point_holds_dxsims_figures(page: str, sweep: xr.Dataset):
    data = data_of(page)
    for at, point in zip(positions(sweep), data["points"], strict=True):
        one = sweep.isel(at)
        assert json.loads(point["overrides"]) == {DISCOUNT: [0.0, 0.3][at["discount"]], TAX: [0.2, 0.25][at[TAX]]}
        expected = dx.headline(one)
        lo, hi = (c for c in expected.columns if c not in ("mean", "units"))
        assert list(point["headline"]) == list(HEADLINE)
        for metric in HEADLINE:
            got = [number(v) for v in point["headline"][metric]]
            np.testing.assert_allclose(got, expected.loc[metric, ["mean", lo, hi]].to_numpy(float), rtol=1e-9)
        paybacks = dx.payback(one, progress=False)  # runs the point's counterfactual itself
        for party in PARTIES:
            for name in PAYBACK_STATISTICS:
                want = paybacks.loc[party, [name, f"{name}_low", f"{name}_high"]].to_numpy(float)
                np.testing.assert_allclose([number(v) for v in point["payback"][party][name]], want, rtol=1e-9)
        values = adopters(one)
        np.testing.assert_allclose([number(v) for v in point["adoption"]["median"]], np.median(values, axis=0))
        np.testing.assert_allclose([number(v) for v in point["adoption"]["p95"]], np.quantile(values, 0.95, axis=0))
    government = {number(p["payback"]["government"]["median"][0]) for p in data["points"]}
    assert len({number(p["headline"]["adopters"][0]) for p in data["points"]}) > 1 and len(government) > 1


def test_each_distinct_counterfactual_runs_once(rendered: tuple[str, list[str]]):
    _, calls = rendered  # the discount is contingent on the programme: the two tax rates give two counterfactuals
    assert len(calls) == 2 and len(set(calls)) == 2


def test_a_stored_counterfactual_is_used(short: dx.Scenario, monkeypatch: pytest.MonkeyPatch):
    sw = dx.sweep(short, {DISCOUNT: [0.0, 0.3]}, replications=REPLICATIONS, seed=SEED, progress=False)
    cf = dx.simulate(dx.counterfactual(short), replications=REPLICATIONS, seed=SEED)
    monkeypatch.setattr(explorer, "counterfactual_run", lambda *a, **k: pytest.fail("ran a counterfactual"))
    data = data_of(explorer.render(attach_counterfactual(sw, cf), progress=False))
    np.testing.assert_allclose(
        [number(v) for v in data["points"][1]["adoption"]["counterfactual"]], np.median(adopters(cf), axis=0)
    )


def test_render_refuses_what_is_not_a_sweep(small_ds: xr.Dataset):
    with pytest.raises(ValueError, match=r"not a sweep \(no swept dimension\)"):
        explorer.render(small_ds)
    with pytest.raises(ValueError, match="not a dxsim results file"):
        explorer.render(xr.Dataset({"a": ("x", [1.0])}))


def test_explore_writes_the_page(sweep: xr.Dataset, tmp_path: Path):
    out = dx.explore(sweep, tmp_path / "e.html", title="Pilot <east>", progress=False)
    text = out.read_text(encoding="utf-8")
    assert out == tmp_path / "e.html" and "<h1>Pilot &lt;east&gt;</h1>" in text
    with pytest.raises(ValueError, match="not a sweep"):
        dx.explore(sweep.isel(discount=0, **{TAX: 0}), tmp_path / "none.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.html"]  # nothing left of the failed one


# --------------------------------------------------------------------------- the command line


def test_cli_explore(capsys, store: Path, tmp_path: Path):
    copy = tmp_path / "grid.zarr"
    shutil.copytree(store, copy)
    status, stdout, err = run_cli(capsys, "explore", str(copy), "--title", "Pilot")
    out = tmp_path / "grid.html"  # by default: the store's name with .html
    assert (status, err) == (0, ""), err
    assert stdout == f"small: explorer -> {out}\n"
    text = out.read_text(encoding="utf-8")
    assert "<h1>Pilot</h1>" in text and f"<dd>{copy}</dd>" in text and len(data_of(text)["points"]) == 4


@pytest.fixture(scope="module")
def run_file(small_ds: xr.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dx.write_netcdf(small_ds, tmp_path_factory.mktemp("run") / "run.nc")


def bad_input(case: str, tmp: Path, store: Path, run: Path) -> tuple[list[str], str]:
    """(arguments after ``explore``, the message after ``dxsim explore: ``) of a bad input."""
    out = str(tmp / "out" / "e.html")
    if case == "plain directory":
        (tmp / "plain").mkdir()
        return [str(tmp / "plain"), "-o", out], f"{tmp / 'plain'}: not a dxsim sweep store (no manifest.json)"
    if case == "unfinished sweep":
        partial = tmp / "partial.zarr"
        shutil.copytree(store, partial)
        (partial / "blocks" / "p00000-b00000.json").unlink()  # a block without its record is unfinished
        return [str(partial), "-o", out], f"{partial}: unfinished sweep (3 of 4 blocks)"
    return {
        "missing": ([str(tmp / "absent.zarr"), "-o", out], f"{tmp / 'absent.zarr'}: no such file or directory"),
        "a run": ([str(run), "-o", out], "not a sweep (no swept dimension)"),
        "output is a directory": ([str(store), "-o", str(tmp)], f"{tmp}: output is a directory, not a file"),
        "output is the sweep": ([str(store), "-o", str(store)], f"{store}: output is a directory, not a file"),
        "workers": ([str(store), "-o", out, "--workers", "0"], "--workers must be >= 1, got 0"),
    }[case]


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "a run",
        "plain directory",
        "unfinished sweep",
        "output is a directory",
        "output is the sweep",
        "workers",
    ],
)
def test_cli_bad_input_exits_2_with_one_line(capsys, tmp_path: Path, store: Path, run_file: Path, case: str):
    args, message = bad_input(case, tmp_path, store, run_file)
    status, stdout, err = run_cli(capsys, "explore", *args)
    assert (status, stdout) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("dxsim explore: ") and message in err, err
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob("*.html")) and not list(tmp_path.glob(".*.tmp"))


# --------------------------------------------------------------------------- headless Chromium

#: Appended to a copy of the page: moves the first slider (discount) to its second value, as a user's drag does
#: (the value changes, then an ``input`` event), after the page's own script has drawn the first point.
MOVE = """<script>
var slider = document.getElementById("slider-0");
slider.value = "1";
slider.dispatchEvent(new Event("input", {bubbles: true}));
</script>
"""


def shown(dom: str) -> dict:
    """What Chromium drew: headline values, payback cells, the adoption median and the point, from the DOM."""
    dom = re.sub(r"<script.*?</script>", "", dom, flags=re.S)  # the drawn elements, not the script's text
    headline = dict(re.findall(r'<tr data-metric="(\w+)">.*?data-stat="mean" data-value="([^"]+)"', dom, flags=re.S))
    paybacks = {
        party: dict(re.findall(r'data-statistic="(\w+)" data-mean="([^"]+)"', row))
        for party, row in re.findall(r'<tr data-party="(\w+)">(.*?)</tr>', dom, flags=re.S)
    }
    (median,) = re.findall(r'<path id="adoption-median" data-final="([^"]+)" d="([^"]+)"', dom)
    (point,) = re.findall(r'<svg data-point="(\d+)"', dom)
    values = re.findall(r'<output id="value-\d">([^<]*)</output>', dom)
    medians = dict(re.findall(r'<g id="payback-(\w+)" data-median="([^"]+)"', dom))
    return {"headline": headline, "payback": paybacks, "median": median, "point": int(point), "values": values,
            "medians": medians}  # fmt: skip


def test_chromium_moves_a_slider(chromium: Path, tmp_path: Path, page: str, sweep: xr.Dataset):
    still, moved = tmp_path / "explorer.html", tmp_path / "moved.html"
    still.write_text(page, encoding="utf-8")
    moved.write_text(page.replace("</body>", MOVE + "</body>"), encoding="utf-8")
    doms = []
    for path in (still, moved):
        done = headless(chromium, tmp_path / "profile", "--dump-dom", path.as_uri())
        assert done.returncode == 0, done.stderr[-2000:]
        doms.append(shown(done.stdout))
    before, after = doms
    assert (before["point"], before["values"]) == (0, ["0", "0.2"])
    assert (after["point"], after["values"]) == (2, ["0.3", "0.2"])  # discount 0.3, tax 0.2: the third point
    assert after["headline"] != before["headline"] and after["median"][1] != before["median"][1]
    for state, at in ((before, {"discount": 0, TAX: 0}), (after, {"discount": 1, TAX: 0})):
        one = sweep.isel(at)
        expected = dx.headline(one)
        assert set(state["headline"]) == set(HEADLINE)
        for metric, value in state["headline"].items():
            assert float(value) == pytest.approx(float(expected.loc[metric, "mean"]), rel=1e-9)
        paybacks = dx.payback(one, progress=False)
        for party in PARTIES:
            for name in PAYBACK_STATISTICS:
                np.testing.assert_allclose(
                    float(state["payback"][party][name]), float(paybacks.loc[party, name]), rtol=1e-9
                )
            assert float(state["medians"][party]) == pytest.approx(float(paybacks.loc[party, "median"]), rel=1e-9)
        assert float(state["median"][0]) == pytest.approx(float(np.median(adopters(one)[:, -1])))


def test_chromium_says_no_outlay_for_a_party_that_put_nothing_in(chromium: Path, tmp_path: Path, page: str):
    data = data_of(page)
    for point in data["points"]:  # as dx.payback gives a government with no outlay: NaN (null) everywhere
        point["payback"]["government"] = {name: [None, None, None] for name in point["payback"]["government"]}
    text = json.dumps(data).replace("<", "\\u003c")  # safe inside <script>, as the page writes it
    edited = re.sub(
        r'(<script type="application/json" id="explorer-data">).*?(</script>)',
        lambda m: m.group(1) + text + m.group(2),
        page,
        flags=re.S,
    )
    path = tmp_path / "explorer.html"
    path.write_text(edited, encoding="utf-8")
    done = headless(chromium, tmp_path / "profile", "--dump-dom", path.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = re.sub(r"<script.*?</script>", "", done.stdout, flags=re.S)
    rows = dict(re.findall(r'<tr data-party="(\w+)">(.*?)</tr>', dom, flags=re.S))
    cells = {
        party: re.findall(r"<td[^>]*data-statistic[^>]*>(.*?)</td>", row, flags=re.S) for party, row in rows.items()
    }
    assert cells["government"] and all(cell == NO_OUTLAY for cell in cells["government"])
    assert not any(NO_OUTLAY in cell for cell in cells["enterprise"])
