"""The settings of issue 13: the tax law, high-tech shares, platform costs, the contingent discount, appraisal.

Defaults as ISSUE13.md states them (FACTS rows 24, 25, 31 or marked
assumptions), a TOML round trip with every one set, a CSV column, the
deprecated flat rate, and the counterfactual that drops a contingent discount.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import warnings
from pathlib import Path

import pytest

import dxsim as dx
from dxsim.scenario.variants import counterfactual

SMALL = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
INLINE_INDUSTRIES = '[[industries]]\nname = "textiles"\n\n[[industries]]\nname = "machining"\nimitation = 0.3\n'


@pytest.fixture(scope="module")
def small() -> dx.Scenario:
    return dx.load_scenario("small")


def test_defaults_are_the_law_and_the_stated_assumptions(small):
    tax = small.tax
    assert (tax.general_rate, tax.high_tech_rate, tax.small_low_profit_rate) == (0.25, 0.15, 0.05)  # FACTS 24
    assert tax.small_low_profit_until == dt.date(2027, 12, 31)  # FACTS 24
    assert tax.small_low_profit_rate_after == 0.20  # EIT law art. 28 (assumption)
    assert tax.small_low_profit_threshold == 3e6  # FACTS 24
    assert (tax.platform_rate, tax.vat_rate) == (0.25, 0.06)  # FACTS 24, 31
    assert (tax.platform_input_vat_share, tax.small_scale_vat_threshold) == (0.5, 5e6)
    assert {i.high_tech_share for i in small.resolved_industries} == {0.0}
    assert {(p.fixed_cost_per_year, p.cost_of_capital) for p in small.resolved_platforms} == {(0.0, 0.10)}
    assert small.contract.platform_discount_contingent is True
    appraisal = small.appraisal
    assert (appraisal.social_discount_rate, appraisal.marginal_cost_of_public_funds) == (0.08, 1.2)  # FACTS 25
    assert appraisal.displacement_share == 0.0
    assert small.programme.tax_rate is None  # the law, not a flat rate


EVERY_SETTING = {
    "tax": {
        "general_rate": 0.3,
        "high_tech_rate": 0.1,
        "small_low_profit_rate": 0.025,
        "small_low_profit_until": dt.date(2026, 6, 30),
        "small_low_profit_rate_after": 0.1,
        "small_low_profit_threshold": 1e6,
        "platform_rate": 0.2,
        "vat_rate": 0.13,
        "platform_input_vat_share": 0.25,
        "small_scale_vat_threshold": 1e7,
    },
    "industry_defaults.high_tech_share": 0.2,
    "industries[1].high_tech_share": 0.6,
    "platforms.fixed_cost_per_year": 5e5,
    "platforms.cost_of_capital": 0.07,
    "contract.platform_discount_contingent": False,
    "appraisal": {"social_discount_rate": 0.06, "marginal_cost_of_public_funds": 1.3, "displacement_share": 0.25},
}


def test_every_setting_round_trips_through_toml(small, tmp_path):
    sc = small.with_overrides(EVERY_SETTING)
    assert [i.high_tech_share for i in sc.resolved_industries] == [0.2, 0.6]
    assert sc.tax.small_low_profit_until == dt.date(2026, 6, 30)
    text = sc.to_toml()
    assert tomllib.loads(text) == sc.to_dict()
    path = tmp_path / "every.toml"
    path.write_text(text, encoding="utf-8")
    again = dx.load_scenario(path)
    assert again == sc
    assert again.to_toml() == text


def test_high_tech_share_is_a_csv_column(tmp_path):
    (tmp_path / "industries.csv").write_text("name,high_tech_share\nsilk,0.25\ndye,\n", encoding="utf-8")
    text = SMALL.replace(INLINE_INDUSTRIES, "").replace("seed = 7\n", 'seed = 7\nindustries = "industries.csv"\n')
    text = text.replace("enterprises = 200 ", "high_tech_share = 0.1\nenterprises = 200 ")
    path = tmp_path / "csv.toml"
    path.write_text(text, encoding="utf-8")
    sc = dx.load_scenario(path)
    assert [(i.name, i.high_tech_share) for i in sc.resolved_industries] == [("silk", 0.25), ("dye", 0.1)]


def test_the_flat_tax_rate_is_deprecated_but_still_valid(small):
    with pytest.warns(DeprecationWarning, match=r"programme\.tax_rate is deprecated"):
        flat = small.with_overrides({"programme.tax_rate": 0.2})
    assert flat.programme.tax_rate == 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # loading without it does not warn
        assert small.with_overrides({"contract.platform_discount": 0.2}).programme.tax_rate is None
    assert "tax_rate" not in small.to_dict()["programme"]  # None is not written


@pytest.mark.parametrize("name", sorted(dx.bundled_scenarios()))
def test_no_bundled_scenario_sets_the_deprecated_rate(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert dx.load_scenario(name).programme.tax_rate is None


def test_the_counterfactual_drops_a_contingent_discount_only(small):
    assert small.contract.platform_discount == 0.1
    assert counterfactual(small).contract.platform_discount == 0.0
    kept = small.with_overrides({"contract.platform_discount_contingent": False})
    assert counterfactual(kept).contract.platform_discount == 0.1
    assert counterfactual(kept).contract.platform_discount_contingent is False


def test_the_bundled_no_programme_scenario_is_the_counterfactual_market():
    base, none = dx.load_scenario("platform-pilot-2022"), dx.load_scenario("no-programme")
    assert none.contract == counterfactual(base).contract
    assert none.programme == counterfactual(base).programme
