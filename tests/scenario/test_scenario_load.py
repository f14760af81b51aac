"""Loading scenarios: ``extends``, industries from CSV, overrides, round trips, immutability."""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

import pydantic
import pytest

import dxsim as dx
from dxsim.scenario.dists import Uniform

SMALL = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
INLINE_INDUSTRIES = '[[industries]]\nname = "textiles"\n\n[[industries]]\nname = "machining"\nimitation = 0.3\n'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_name_and_path_load_the_same_scenario(small):
    assert dx.load_scenario(dx.bundled_scenarios()["small"]) == small
    assert small.name == "small"
    assert [i.name for i in small.resolved_industries] == ["textiles", "machining"]
    assert small.enterprises == 400


# ---------------------------------------------------------------------------
# extends


CHILD = """\
extends = "../base/parent.toml"         # relative to this file, not to the working directory
name = "child"

[contract]
platform_discount = 0.2                 # payment is inherited

[solutions.lightweight-mes]
price = 250e3                           # the other solution fields are inherited
benefit = { dist = "uniform", low = 0.01, high = 0.03 }   # a new distribution replaces the old one

[[industries]]                          # lists replace: one industry instead of two
name = "food"
"""


@pytest.fixture
def child(tmp_path, monkeypatch) -> dx.Scenario:
    write(tmp_path / "base" / "parent.toml", SMALL)
    path = write(tmp_path / "variants" / "child.toml", CHILD)
    monkeypatch.chdir(write(tmp_path / "elsewhere" / "x", "").parent)
    return dx.load_scenario(path, allow_outside=True)  # ../base is outside variants/: refused by default


def test_extends_child_values_win(child, small):
    assert child.name == "child"
    assert child.contract.platform_discount == 0.2
    assert child.solutions["lightweight-mes"].price == 250e3
    assert child.description == small.description  # inherited


def test_extends_tables_merge(child, small):
    assert child.contract.payment == small.contract.payment
    mes, parent_mes = child.solutions["lightweight-mes"], small.solutions["lightweight-mes"]
    assert mes.implementation_months == parent_mes.implementation_months
    assert mes.failure_probability == parent_mes.failure_probability
    assert child.programme == small.programme


def test_extends_a_distribution_is_replaced_not_merged(child):
    benefit = child.solutions["lightweight-mes"].benefit
    assert benefit.dist == "uniform"
    assert (benefit.low, benefit.high) == (0.01, 0.03)
    assert benefit == Uniform(low=0.01, high=0.03)  # nothing of the parent's lognormal left
    assert benefit.model_dump() == {"dist": "uniform", "low": 0.01, "high": 0.03}


def test_extends_lists_replace(child):
    assert [i.name for i in child.resolved_industries] == ["food"]
    assert child.resolved_industries[0].imitation == 0.4  # from the parent's industry_defaults


def test_extends_chain_of_three(tmp_path, small):
    write(tmp_path / "a.toml", SMALL)
    write(tmp_path / "b.toml", 'extends = "a.toml"\nname = "b"\n[programme]\ntax_rate = 0.15\n')
    with pytest.warns(DeprecationWarning, match="tax_rate"):  # still valid for one release
        c = dx.load_scenario(write(tmp_path / "c.toml", 'extends = "b.toml"\nname = "c"\n'))
    assert c.name == "c"
    assert c.programme.tax_rate == 0.15
    assert c.programme.batches == small.programme.batches


# ---------------------------------------------------------------------------
# industries from a CSV file


def csv_scenario(folder: Path, csv_text: str, name: str = "csv.toml") -> Path:
    """small.toml with its inline industries replaced by ``industries.csv`` in ``folder``."""
    write(folder / "industries.csv", csv_text)
    text = SMALL.replace(INLINE_INDUSTRIES, "").replace("seed = 7\n", 'seed = 7\nindustries = "industries.csv"\n')
    assert 'industries = "industries.csv"' in text and "[[industries]]" not in text
    return write(folder / name, text)


def test_industries_from_csv(tmp_path, small):
    sc = dx.load_scenario(
        csv_scenario(
            tmp_path,
            "name,enterprises,revenue.median,imitation\ntextiles,120,20e6,\nmachining,80,,0.3\ndyeing,,,\n",
        )
    )
    textiles, machining, dyeing = sc.resolved_industries
    defaults = small.industry_defaults
    assert (textiles.name, machining.name, dyeing.name) == ("textiles", "machining", "dyeing")
    assert (textiles.enterprises, machining.enterprises, dyeing.enterprises) == (120, 80, 200)
    # a dotted column sets one parameter of the default distribution
    assert textiles.revenue.dist == "lognormal"
    assert textiles.revenue.median == 20e6
    assert textiles.revenue.sigma == defaults.revenue.sigma
    # empty cells keep the defaults
    assert machining.revenue == defaults.revenue
    assert textiles.imitation == defaults.imitation
    assert machining.imitation == 0.3
    assert (dyeing.revenue, dyeing.margin, dyeing.maturity) == (defaults.revenue, defaults.margin, defaults.maturity)


def test_csv_dotted_column_uses_the_defaults_of_the_parent(tmp_path):
    write(tmp_path / "parent.toml", SMALL)
    write(tmp_path / "kids" / "industries.csv", "name,revenue.median\nsilk,20e6\n")
    child = write(tmp_path / "kids" / "child.toml", 'extends = "../parent.toml"\nindustries = "industries.csv"\n')
    (silk,) = dx.load_scenario(child, allow_outside=True).resolved_industries  # ../parent.toml: outside kids/
    assert (silk.revenue.dist, silk.revenue.median, silk.revenue.sigma) == ("lognormal", 20e6, 0.9)


def test_csv_dotted_column_uses_the_defaults_of_the_child(tmp_path):
    csv_scenario(tmp_path, "name,revenue.median\nsilk,20e6\n", name="parent.toml")
    child = write(
        tmp_path / "kids" / "child.toml",
        'extends = "../parent.toml"\n[industry_defaults]\nrevenue = { dist = "lognormal", median = 1e6, sigma = 0.1 }\n',
    )
    (silk,) = dx.load_scenario(child, allow_outside=True).resolved_industries  # ../parent.toml: outside kids/
    assert (silk.revenue.median, silk.revenue.sigma) == (20e6, 0.1)


# ---------------------------------------------------------------------------
# overrides


def test_with_overrides_returns_a_new_validated_scenario(small):
    sc = small.with_overrides(
        {
            "contract.platform_discount": 0.2,
            "industries[1].imitation": 0.25,
            "solutions.lightweight-mes.benefit.median": 0.05,
            "programme.instruments[0].share": 0.4,
        }
    )
    assert sc.contract.platform_discount == 0.2
    assert sc.resolved_industries[1].imitation == 0.25
    assert sc.resolved_industries[0].imitation == 0.4
    benefit = sc.solutions["lightweight-mes"].benefit
    assert (benefit.dist, benefit.median, benefit.sigma) == ("lognormal", 0.05, 0.5)
    assert sc.programme.instruments[0].share == 0.4
    # the original is unchanged
    assert small.contract.platform_discount == 0.1
    assert small.resolved_industries[1].imitation == 0.3
    assert small == dx.load_scenario("small")


def test_with_overrides_nothing_gives_an_equal_scenario(small):
    assert small.with_overrides({}) == small


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"contract.platform_discount": 1.5},
            "<overrides>: contract.platform_discount: must be between 0 and 1, got 1.5",
        ),
        ({"industries[0].imitation": -1}, "<overrides>: industries[0].imitation: must be >= 0, got -1"),
        ({"industries[5].imitation": 0.1}, "<overrides>: industries[5].imitation: no such field, got 0.1"),
        ({"contract.platform_discout": 0.1}, "<overrides>: contract.platform_discout: unknown field, got 0.1"),
        ({"contract..payment": 1}, "<overrides>: contract..payment: malformed path 'contract..payment'"),
        (
            {"programme.instruments[0].share": 0.95},
            "<overrides>: programme.instruments[0].share: cost shares + contract.platform_discount"
            " must be at most 1 (0.95 + 0.1 = 1.05), got 0.95",
        ),
    ],
)
def test_invalid_overrides_name_the_path(small, overrides, expected):
    with pytest.raises(dx.ScenarioError) as info:
        small.with_overrides(overrides)
    assert info.value.lines == [expected]


# ---------------------------------------------------------------------------
# round trip and immutability


def test_toml_round_trip(small, tmp_path):
    assert tomllib.loads(small.to_toml()) == small.to_dict()
    again = dx.load_scenario(write(tmp_path / "again.toml", small.to_toml()))
    assert again == small
    assert again.to_toml() == small.to_toml()


def test_toml_round_trip_of_csv_industries_and_overrides(tmp_path):
    sc = dx.load_scenario(
        csv_scenario(tmp_path, "name,revenue.median,maturity.deep,maturity.exploration\nsilk,2e7,0.1,0.82\n")
    )
    sc = sc.with_overrides({"contract.payment": {"scheme": "installments", "months": 12}})
    again = dx.load_scenario(write(tmp_path / "again.toml", sc.to_toml()))
    assert again == sc
    assert again.resolved_industries == sc.resolved_industries


def test_scenarios_are_frozen(small):
    with pytest.raises(pydantic.ValidationError):
        small.name = "changed"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        small.contract.platform_discount = 0.5  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        small.solutions["lightweight-mes"].benefit.sigma = 2.0  # type: ignore[misc]
    assert small.contract.platform_discount == 0.1
    assert isinstance(small.programme.batches, tuple)


def test_the_summary_shows_every_term_of_the_instruments_and_the_payment_defaults_included():
    # two scenarios that differ only in a default term (a revenue share's cap multiple) must not look the same
    base = dx.load_scenario("revenue-share")
    other = base.with_overrides({"contract.payment.cap_multiple": 1.5})
    assert "cap_multiple 1.2" in base.summary() and "cap_multiple 1.5" in other.summary()
    lines = base.summary().splitlines()
    assert "  programme: 1 batch, budget 430.0M yuan" in lines
    assert any(
        line.startswith("    cost_share (") and "share 0.3" in line and "cap_per_enterprise 300,000" in line
        for line in lines
    )
    assert (
        dx.load_scenario("no-programme")
        .summary()
        .splitlines()[3]
        .endswith("0 batches, budget 0.0M yuan, no instrument")
    )
    assert repr(base) == base.summary() and html.escape(base.summary()) in base._repr_html_()


def test_extends_names_a_bundled_scenario_unless_a_file_of_that_name_lies_beside(tmp_path):
    child = write(tmp_path / "child.toml", 'extends = "small"\nname = "child"\n')
    assert dx.load_scenario(child).with_overrides({"name": "small"}) == dx.load_scenario("small")
    write(tmp_path / "small.toml", SMALL.replace("budget = 10e6", "budget = 2e6"))  # a file wins
    child.write_text('extends = "small.toml"\nname = "child"\n')
    assert dx.load_scenario(child).programme.batches[0].budget == 2e6
    child.write_text('extends = "nowhere.toml"\n')
    with pytest.raises(dx.ScenarioError, match=r"extends: no such file or bundled scenario, got 'nowhere\.toml'"):
        dx.load_scenario(child)
