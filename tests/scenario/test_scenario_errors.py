"""Bad scenario files: one line per problem, naming the file, the field path and the bad value.

Each case takes the bundled ``small.toml``, breaks one thing in it by string
replacement, and checks the single line the loader reports, e.g.

    /tmp/.../bad.toml: programme.instruments[0].share: must be between 0 and 1, got 1.3
"""

from __future__ import annotations

from pathlib import Path

import pytest

import dxsim as dx

SMALL = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
BENEFIT = 'benefit = { dist = "lognormal", median = 0.006, sigma = 0.5 }'
INLINE_INDUSTRIES = '[[industries]]\nname = "textiles"\n\n[[industries]]\nname = "machining"\nimitation = 0.3\n'


def variant(tmp_path: Path, old: str, new: str, name: str = "bad.toml") -> Path:
    """Write small.toml with ``old`` (which must occur exactly once) replaced by ``new``."""
    assert SMALL.count(old) == 1, f"{old!r} must occur once in small.toml"
    path = tmp_path / name
    path.write_text(SMALL.replace(old, new), encoding="utf-8")
    return path


def error_lines(source: Path | str) -> list[str]:
    """The lines of the ScenarioError that loading ``source`` raises."""
    with pytest.raises(dx.ScenarioError) as info:
        dx.load_scenario(source)
    lines = info.value.lines
    assert str(info.value) == "\n".join(lines)
    assert all(line and "\n" not in line for line in lines)
    return lines


def only_line(source: Path | str) -> str:
    lines = error_lines(source)
    assert len(lines) == 1, lines
    return lines[0]


def test_the_documented_example(tmp_path):
    bad = variant(tmp_path, "share = 0.30", "share = 1.3")
    assert only_line(bad) == f"{bad}: programme.instruments[0].share: must be between 0 and 1, got 1.3"


# (old text, new text, field path, the bad value as printed after ", got ")
CASES = {
    "unknown key is refused": (
        "[contract]",
        "[behaviour]\nhurdle_rat = 0.2\n\n[contract]",
        "behaviour.hurdle_rat",
        "0.2",
    ),
    "cost share + platform discount > 1": (
        "share = 0.30",
        "share = 0.95",
        "programme.instruments[0].share",
        "0.95",
    ),
    "maturity split does not sum to 1": (
        "deep = 0.03 }",
        "deep = 0.3 }",
        "industry_defaults.maturity",
        "'deep': 0.3",
    ),
    "batch closes before it opens": (
        "closes = 2023-08-31",
        "closes = 2022-08-31",
        "programme.batches[0].closes",
        "'2022-08-31'",
    ),
    "industry names a missing solution": (
        'solution = "lightweight-mes"',
        'solution = "heavy-erp"',
        "industries[0].solution",
        "'heavy-erp'",
    ),
    "negative price": ("price = 300e3", "price = -300e3", "solutions.lightweight-mes.price", "-300000.0"),
    "negative budget": ("budget = 10e6", "budget = -1", "programme.batches[0].budget", "-1"),
    "negative delivery cost": ("delivery_cost = 200e3", "delivery_cost = -5", "platforms.delivery_cost", "-5"),
    "negative cap": (
        "cap_per_enterprise = 300e3",
        "cap_per_enterprise = -300e3",
        "programme.instruments[0].cap_per_enterprise",
        "-300000.0",
    ),
    "NaN price": ("price = 300e3", "price = nan", "solutions.lightweight-mes.price", "nan"),
    "failure probability above 1": (
        "failure_probability = 0.1 ",
        "failure_probability = 1.5 ",
        "solutions.lightweight-mes.failure_probability",
        "1.5",
    ),
    "perceived failure below 0": (
        "[contract]",
        "[behaviour]\nperceived_failure = { initial = -0.2 }\n\n[contract]",
        "behaviour.perceived_failure.initial",
        "-0.2",
    ),
    "progress ratio 0": ("progress_ratio = 0.85", "progress_ratio = 0", "platforms.progress_ratio", "0"),
    "progress ratio above 1": ("progress_ratio = 0.85", "progress_ratio = 1.2", "platforms.progress_ratio", "1.2"),
    "lognormal without sigma": (
        BENEFIT,
        'benefit = { dist = "lognormal", median = 0.02 }',
        "solutions.lightweight-mes.benefit.sigma",
        "'median': 0.02",
    ),
    "unknown distribution": (
        BENEFIT,
        'benefit = { dist = "gamma", shape = 2, scale = 0.01 }',
        "solutions.lightweight-mes.benefit.dist",
        "'gamma'",
    ),
    "distribution parameter NaN": (
        BENEFIT,
        'benefit = { dist = "lognormal", median = 0.02, sigma = nan }',
        "solutions.lightweight-mes.benefit.sigma",
        "nan",
    ),
    "unknown instrument kind": (
        'kind = "cost_share"',
        'kind = "loan"',
        "programme.instruments[0].kind",
        "'loan'",
    ),
    "unknown payment scheme": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "barter" }',
        "contract.payment.scheme",
        "'barter'",
    ),
    "revenue share rate 0": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "revenue_share", rate = 0, term_months = 36 }',
        "contract.payment.rate",
        "0",
    ),
    "revenue share rate above 1": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "revenue_share", rate = 1.5, term_months = 36 }',
        "contract.payment.rate",
        "1.5",
    ),
    "revenue share cap multiple below 1.2 (FACTS row 30)": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "revenue_share", rate = 0.5, cap_multiple = 1.0, term_months = 36 }',
        "contract.payment.cap_multiple",
        "1.0",
    ),
    "revenue share cap multiple above 3": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "hybrid", cap_multiple = 3.5 }',
        "contract.payment.cap_multiple",
        "3.5",
    ),
    "revenue share term above 96 months (FACTS row 30)": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "revenue_share", rate = 0.5, term_months = 120 }',
        "contract.payment.term_months",
        "120",
    ),
    "revenue share term below 24 months": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "hybrid", term_months = 12 }',
        "contract.payment.term_months",
        "12",
    ),
    "a share of revenue above 10% (FACTS row 30)": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "revenue_share", base = "revenue", rate = 0.2 }',
        "contract.payment.rate",
        "0.2",
    ),
    "unknown revenue share base": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "revenue_share", base = "profit" }',
        "contract.payment.base",
        "'profit'",
    ),
    "reported share above 1": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "revenue_share", reported_share = 1.1 }',
        "contract.payment.reported_share",
        "1.1",
    ),
    "negative markup": (
        "delivery_cost = 200e3",
        "delivery_cost = 200e3\nmarkup = -0.1",
        "platforms.markup",
        "-0.1",
    ),
    "required return above 1": (
        "delivery_cost = 200e3",
        "delivery_cost = 200e3\nrequired_return = 1.5",
        "platforms.required_return",
        "1.5",
    ),
    "revenue share term 0": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "revenue_share", rate = 0.5, term_months = 0 }',
        "contract.payment.term_months",
        "0",
    ),
    "hybrid fraction above 1": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "hybrid", upfront_fraction = 1.2, rate = 0.5, term_months = 24 }',
        "contract.payment.upfront_fraction",
        "1.2",
    ),
    "negative subscription fee": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "subscription", fee = -10, term_months = 24 }',
        "contract.payment.fee",
        "-10",
    ),
    "negative working-capital limit": (
        "delivery_cost = 200e3",
        "delivery_cost = 200e3\nworking_capital_limit = -1",
        "platforms.working_capital_limit",
        "-1",
    ),
    "tiers out of order": (
        'kind = "cost_share"\nshare = 0.30',
        'kind = "tiered"\nlevels = [3, 2]\namounts = [3e5, 6e5]',
        "programme.instruments[0].levels",
        "[3, 2]",
    ),
    "tier amounts that fall": (
        'kind = "cost_share"\nshare = 0.30',
        'kind = "tiered"\nlevels = [2, 3]\namounts = [6e5, 3e5]',
        "programme.instruments[0].amounts",
        "[600000.0, 300000.0]",
    ),
    "city split above 100%": (
        "[[programme.batches]]",
        "split = { smes = 0.9, platforms = 0.2 }\n\n[[programme.batches]]",
        "programme.split.platforms",
        "0.2",
    ),
    "eligibility that excludes every industry": (
        "[[programme.batches]]",
        'eligibility = { industries = ["mining"] }\n\n[[programme.batches]]',
        "programme.eligibility.industries",
        "['mining']",
    ),
    "batch window outside the horizon": (
        "opens = 2022-09-01",
        "opens = 2021-09-01",
        "programme.batches[0].opens",
        "'2021-09-01'",
    ),
    "revenue-share parameter on an upfront contract": (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "upfront", rate = 0.5 }',
        "contract.payment.rate",
        "0.5",
    ),
}


def _table(name: str, line: str) -> tuple[str, str]:
    """Old and new text that add table ``name`` holding ``line`` before ``[contract]``."""
    return "[contract]", f"[{name}]\n{line}\n\n[contract]"


# issue 13: the tax law, platform costs, the contingent discount, the appraisal settings
CASES |= {
    "general income-tax rate above 1": (*_table("tax", "general_rate = 1.2"), "tax.general_rate", "1.2"),
    "high-tech rate above the general rate": (
        *_table("tax", "high_tech_rate = 0.3"),
        "tax.high_tech_rate",
        "0.3",
    ),
    "small-low-profit rate above the general rate": (
        *_table("tax", "general_rate = 0.2\nsmall_low_profit_rate = 0.21"),
        "tax.small_low_profit_rate",
        "0.21",
    ),
    "small-low-profit rate after the relief above the general rate": (
        *_table("tax", "small_low_profit_rate_after = 0.26"),
        "tax.small_low_profit_rate_after",
        "0.26",
    ),
    "end of the relief not a date": (
        *_table("tax", 'small_low_profit_until = "soon"'),
        "tax.small_low_profit_until",
        "'soon'",
    ),
    "infinite small-low-profit threshold": (
        *_table("tax", "small_low_profit_threshold = inf"),
        "tax.small_low_profit_threshold",
        "inf",
    ),
    "negative small-low-profit threshold": (
        *_table("tax", "small_low_profit_threshold = -3e6"),
        "tax.small_low_profit_threshold",
        "-3000000.0",
    ),
    "negative platform income-tax rate": (*_table("tax", "platform_rate = -0.25"), "tax.platform_rate", "-0.25"),
    "VAT rate NaN": (*_table("tax", "vat_rate = nan"), "tax.vat_rate", "nan"),
    "input-VAT share above 1": (
        *_table("tax", "platform_input_vat_share = 1.5"),
        "tax.platform_input_vat_share",
        "1.5",
    ),
    "infinite small-scale VAT threshold": (
        *_table("tax", "small_scale_vat_threshold = inf"),
        "tax.small_scale_vat_threshold",
        "inf",
    ),
    "unknown tax setting": (*_table("tax", "income_rate = 0.25"), "tax.income_rate", "0.25"),
    "high-tech share above 1": (
        "enterprises = 200 ",
        "high_tech_share = 1.5\nenterprises = 200 ",
        "industry_defaults.high_tech_share",
        "1.5",
    ),
    "negative high-tech share of one industry": (
        'name = "machining"',
        'name = "machining"\nhigh_tech_share = -0.1',
        "industries[1].high_tech_share",
        "-0.1",
    ),
    "infinite platform fixed cost": (
        "delivery_cost = 200e3",
        "delivery_cost = 200e3\nfixed_cost_per_year = inf",
        "platforms.fixed_cost_per_year",
        "inf",
    ),
    "negative platform fixed cost": (
        "delivery_cost = 200e3",
        "delivery_cost = 200e3\nfixed_cost_per_year = -1e5",
        "platforms.fixed_cost_per_year",
        "-100000.0",
    ),
    "cost of capital above 1": (
        "delivery_cost = 200e3",
        "delivery_cost = 200e3\ncost_of_capital = 1.5",
        "platforms.cost_of_capital",
        "1.5",
    ),
    "contingent discount not a boolean": (
        "platform_discount = 0.10",
        'platform_discount = 0.10\nplatform_discount_contingent = "maybe"',
        "contract.platform_discount_contingent",
        "'maybe'",
    ),
    "social discount rate above 1": (
        *_table("appraisal", "social_discount_rate = 1.08"),
        "appraisal.social_discount_rate",
        "1.08",
    ),
    "marginal cost of public funds below 1": (
        *_table("appraisal", "marginal_cost_of_public_funds = 0.8"),
        "appraisal.marginal_cost_of_public_funds",
        "0.8",
    ),
    "infinite marginal cost of public funds": (
        *_table("appraisal", "marginal_cost_of_public_funds = inf"),
        "appraisal.marginal_cost_of_public_funds",
        "inf",
    ),
    "displacement share NaN": (
        *_table("appraisal", "displacement_share = nan"),
        "appraisal.displacement_share",
        "nan",
    ),
    # a required return below 0 (one of -1 or less leaves no discount factor): its lowest value or its mean
    "negative hurdle rate": (*_table("behaviour", "hurdle_rate = -0.2"), "behaviour.hurdle_rate", "-0.2"),
    "hurdle rate whose lowest value is negative": (
        *_table("behaviour", 'hurdle_rate = { dist = "uniform", low = -0.3, high = 0.1 }'),
        "behaviour.hurdle_rate",
        "-0.3",
    ),
    "hurdle rate whose mean is negative": (
        *_table("behaviour", 'hurdle_rate = { dist = "normal", mean = -0.2, sd = 0.1 }'),
        "behaviour.hurdle_rate",
        "-0.2",
    ),
    "deprecated flat tax rate above 1": (
        'when_budget_exhausted = "unsubsidised"',
        'when_budget_exhausted = "unsubsidised"\ntax_rate = 1.25',
        "programme.tax_rate",
        "1.25",
    ),
}


def test_a_missing_scheme_parameter_is_named(tmp_path):
    bad = variant(tmp_path, 'payment = { scheme = "upfront" }', 'payment = { scheme = "installments" }')
    assert only_line(bad) == f"{bad}: contract.payment.months: field required"


@pytest.mark.parametrize("case", list(CASES))
def test_one_line_names_file_field_and_value(tmp_path, case):
    old, new, field, value = CASES[case]
    bad = variant(tmp_path, old, new)
    line = only_line(bad)
    assert line.startswith(f"{bad}: {field}: "), line
    _, got, shown = line.rpartition(", got ")
    assert got, line
    assert shown == value or (shown.startswith("{") and value in shown), line


def test_every_problem_gets_its_own_line(tmp_path):
    bad = tmp_path / "two.toml"
    bad.write_text(SMALL.replace("price = 300e3", "price = -1").replace("budget = 10e6", "budget = -2"))
    lines = error_lines(bad)
    assert lines == [
        f"{bad}: solutions.lightweight-mes.price: must be >= 0, got -1",
        f"{bad}: programme.batches[0].budget: must be >= 0, got -2",
    ]


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    bad = variant(tmp_path, "seed = 7", "seed = = 7")
    lineno = bad.read_text().splitlines().index("seed = = 7") + 1
    line = only_line(bad)
    assert line.startswith(f"{bad}: TOML syntax error")
    assert f"line {lineno}, column " in line


def test_text_that_is_not_utf8_is_an_error_not_a_crash(tmp_path):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(SMALL.encode().replace(b"Two industries", b"Deux industries \xe0"))  # latin-1
    assert only_line(bad).startswith(f"{bad}: not UTF-8")


def test_missing_file(tmp_path):
    absent = tmp_path / "absent.toml"
    assert only_line(absent) == f"{absent}: no such file"


def test_unknown_name_lists_the_bundled_scenarios():
    line = only_line("no-such-scenario")
    assert line.startswith("no-such-scenario: ")
    assert "small" in line


def test_extends_a_missing_file(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('extends = "absent.toml"\nname = "child"\n')
    assert only_line(child) == f"{child}: extends: no such file or bundled scenario, got 'absent.toml'"


def test_circular_extends(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\nname = "a"\n')
    (tmp_path / "b.toml").write_text('extends = "c.toml"\nname = "b"\n')
    (tmp_path / "c.toml").write_text('extends = "a.toml"\nname = "c"\n')
    line = only_line(tmp_path / "a.toml")
    assert "extends: circular chain" in line
    assert all(f"{n}.toml" in line for n in "abc")


def test_extends_itself(tmp_path):
    me = tmp_path / "me.toml"
    me.write_text('extends = "me.toml"\n')
    assert "circular" in only_line(me)


def with_industries_csv(tmp_path: Path, csv_text: str) -> tuple[Path, Path]:
    """small.toml with its inline industries moved to ``industries.csv``."""
    csv_path = tmp_path / "industries.csv"
    csv_path.write_text(csv_text, encoding="utf-8")
    scenario = tmp_path / "csv.toml"
    text = SMALL.replace(INLINE_INDUSTRIES, "").replace("seed = 7\n", 'seed = 7\nindustries = "industries.csv"\n')
    scenario.write_text(text, encoding="utf-8")
    return scenario, csv_path


def test_industries_csv_with_a_non_number_cell(tmp_path):
    scenario, csv_path = with_industries_csv(
        tmp_path, "name,enterprises,imitation\ntextiles,200,0.4\nmachining,lots,0.3\n"
    )
    assert only_line(scenario) == f"{csv_path}: line 3: enterprises: not a number, got 'lots'"


def test_industries_csv_line_numbers_count_blank_lines(tmp_path):
    scenario, csv_path = with_industries_csv(tmp_path, "name,imitation\n\ntextiles,0.4\n\nmachining,0.3x\n")
    assert only_line(scenario) == f"{csv_path}: line 5: imitation: not a number, got '0.3x'"


def test_industries_csv_that_is_missing(tmp_path):
    scenario, csv_path = with_industries_csv(tmp_path, "name\n")
    csv_path.unlink()
    assert only_line(scenario) == f"{scenario}: industries: no such CSV file, got 'industries.csv'"


def test_industries_csv_bad_value_is_named_by_its_file_line_and_column(tmp_path):
    # a value the CSV holds is the CSV's problem: its line (blank lines counted) and column, as a cell that
    # is not a number; what the scenario file itself writes is still named by the scenario file
    scenario, csv_path = with_industries_csv(tmp_path, "name,imitation\ntextiles,0.4\n\nmachining,-0.3\n")
    assert only_line(scenario) == f"{csv_path}: line 4: imitation: must be >= 0, got -0.3"
    scenario.write_text(scenario.read_text().replace("platform_discount = 0.10", "platform_discount = 2", 1))
    assert sorted(error_lines(scenario)) == sorted(
        [
            f"{scenario}: contract.platform_discount: must be between 0 and 1, got 2",
            f"{csv_path}: line 4: imitation: must be >= 0, got -0.3",
        ]
    )


def test_a_problem_in_a_file_the_scenario_extends_names_that_file(tmp_path):
    parent = tmp_path / "parent.toml"
    parent.write_text(SMALL.replace("capacity = 4", "capacty = 4").replace("budget = 10e6", "budget = -2"))
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nname = "child"\n\n[contract]\nplatform_discount = 2\n')
    assert sorted(error_lines(child)) == sorted(
        [
            f"{parent}: platforms.capacty: unknown field, got 4",
            f"{parent}: programme.batches[0].budget: must be >= 0, got -2",
            f"{child}: contract.platform_discount: must be between 0 and 1, got 2",
        ]
    )
    child.write_text('extends = "parent.toml"\nname = "child"\n\n[platforms]\ncapacity = 3\n')  # it fixes one
    assert f"{parent}: platforms.capacty: unknown field, got 4" in error_lines(child)


def test_a_value_an_industry_inherits_is_named_by_the_file_of_its_default(tmp_path):
    # industry_defaults is resolved into every industry: a bad default is the file's that wrote the default,
    # not the CSV's (its rows do not have the column) nor the bundled file's that wrote the industries list
    scenario, _ = with_industries_csv(tmp_path, "name,enterprises\ntextiles,200\n")
    scenario.write_text(scenario.read_text().replace('solution = "lightweight-mes"', 'solution = "nope"', 1))
    assert only_line(scenario) == (
        f"{scenario}: industries[0].solution: no such solution (known: lightweight-mes), got 'nope'"
    )
    child = tmp_path / "child.toml"
    child.write_text('extends = "small"\nname = "child"\n\n[industry_defaults]\nsolution = "nope"\n')
    assert only_line(child) == f"{child}: industries[0].solution: no such solution (known: lightweight-mes), got 'nope'"
    # a dotted column writes one parameter: the others stay the default's
    scenario, csv_path = with_industries_csv(tmp_path, "name,enterprises,revenue.sigma\ntextiles,200,-1\n")
    assert only_line(scenario) == f"{csv_path}: line 2: revenue.sigma: must be >= 0, got -1.0"


def test_a_file_that_writes_inside_a_value_it_extends_takes_the_whole_value(tmp_path):
    parent = tmp_path / "parent.toml"
    parent.write_text('extends = "small"\nname = "p"\n[behaviour]\nhurdle_rate = {dist="uniform", low=0.1, high=0.3}\n')
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nname = "c"\n[behaviour.hurdle_rate]\nlow = -0.1\n')
    assert only_line(child).startswith(f"{child}: behaviour.hurdle_rate: must be >= 0")
