"""dx.explain (issue 16 part 3): the decision record reproduces the run's outcomes, and changes none of its numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from cli_helpers import run_cli

import dxsim as dx
from dxsim.analysis.explain import redecide
from dxsim.model.decisions import OUTCOMES

APPLIED, REJECTED = OUTCOMES.index("applied"), OUTCOMES.index("rejected")
SEED = 4
#: Rejecters recomputed per replication (a keyed sample).
SAMPLE = 60


@pytest.fixture(scope="module")
def scenarios(small: dx.Scenario) -> dict[str, dx.Scenario]:
    """``small`` as bundled (upfront, budget enough), under a revenue share with working capital and a
    budget that runs out (rationing, re-decisions at signing with less money, a revenue base), and with an
    uncertain parameter of the enterprises' attributes."""
    return {
        "small": small.with_overrides({"horizon_months": 36}),
        "revenue_share": small.with_overrides(
            {
                "horizon_months": 36,
                "contract.payment": {"scheme": "revenue_share", "rate": 0.05, "base": "revenue", "cap_multiple": 1.5},
                "platforms.working_capital_limit": 1e6,
                "programme.batches[0].budget": 1e6,
            }
        ),
        # enterprises' benefits drawn from a median that is itself uncertain: explain must re-draw them
        # from the scenario each replication ran (its [uncertain] values), not from the base scenario
        "uncertain": small.with_overrides(
            {
                "horizon_months": 36,
                "uncertain": {
                    "solutions.lightweight-mes.benefit.median": {"dist": "uniform", "low": 0.003, "high": 0.012}
                },
            }
        ),
    }


@pytest.fixture(scope="module")
def recorded(scenarios: dict[str, dx.Scenario]):
    """Two replications of each scenario with the decision record."""
    return {name: dx.simulate(sc, replications=2, seed=SEED, decisions=True) for name, sc in scenarios.items()}


def test_recording_changes_no_number(scenarios, recorded):
    for name, sc in scenarios.items():
        plain = dx.simulate(sc, replications=2, seed=SEED)
        assert recorded[name][list(plain.data_vars)].equals(plain), name


def _reproduce(ds, rep: int) -> tuple[int, int]:
    """Recompute every applied decision and a sample of rejections of replication ``rep``; check them against
    what the run recorded and against its contracts; return how many of each were checked."""
    run = ds.sel(replication=rep)
    outcome = run["decision_outcome"].values
    applied = np.flatnonzero(outcome == APPLIED)
    rejected = np.flatnonzero(outcome == REJECTED)
    sample = np.random.default_rng(rep).choice(rejected, size=min(SAMPLE, len(rejected)), replace=False)
    rows = np.concatenate([applied, sample])
    again = redecide(ds, rep, rows)
    assert again.adopt[: len(applied)].all()
    assert not again.adopt[len(applied) :].any()
    for name, field in (("value", "value"), ("payback", "payback"), ("due", "due_at_signing")):
        np.testing.assert_allclose(getattr(again, field), run[f"decision_{name}"].values[rows], rtol=1e-12)
    # every contract of the run follows an applied decision of its enterprise, on its platform, that month
    who = run["decision_enterprise"].values[applied]
    when = run["decision_time"].values[applied]
    where = run["decision_platform"].values[applied]
    n = int(np.isfinite(run["signed_month"].values).sum())
    for k in range(n):
        e, signed, p = (float(run[v].values[k]) for v in ("adopter_enterprise", "signed_month", "adopter_platform"))
        mine = (who == e) & (when <= signed) & (where == p)
        assert mine.any(), f"contract {k} of enterprise {e} has no applied decision"
    return len(applied), len(sample)


def test_explain_reproduces_every_adopter_and_a_sample_of_rejecters(recorded):
    for name, ds in recorded.items():
        for rep in ds["replication"].values.tolist():
            applied, rejected = _reproduce(ds, rep)
            assert applied >= 20 and rejected == SAMPLE, (name, rep, applied, rejected)


def test_the_reproduction_can_fail(recorded):
    """Attributes drawn from another seed do not give back the run's decisions: the check has teeth."""
    ds = recorded["small"].copy()
    ds.attrs["seed"] = SEED + 1
    with pytest.raises(AssertionError):
        _reproduce(ds, 0)


def test_signing_stage_and_rationing_are_recorded(recorded):
    ds = recorded["revenue_share"]
    outcome = ds["decision_outcome"].values
    assert (outcome == OUTCOMES.index("rationed")).any()
    assert (ds["decision_stage"].values == 1).any()


def test_contract_cash_flows_add_up_to_the_parties(recorded):
    """Each contract's flows (from the ledger) sum to the enterprise's and government's... of the run."""
    for ds in recorded.values():
        by_contract = ds["contract_cash_flow"].sum("adopter")
        np.testing.assert_allclose(
            by_contract.sel(party="enterprise"), ds["cash_flow"].sel(party="enterprise"), rtol=1e-9, atol=1e-6
        )


def test_explanation_of_an_adopter_and_a_rejecter(recorded):
    ds = recorded["small"]
    run = ds.isel(replication=0)
    adopter = int(run["adopter_enterprise"].values[0])
    why = dx.explain(ds, enterprise=adopter)
    assert why.decisions["outcome"].iloc[-1] == "applied"
    assert set(why.to_frame("cash_flows").columns) == {"government", "platform", "enterprise"}
    assert len(why.contracts) >= 1 and "applied" in str(why) and "<table" in why._repr_html_()
    np.testing.assert_allclose(
        why.decisions["value"], run["decision_value"].values[run["decision_enterprise"].values == adopter]
    )
    never = set(range(int(run["enterprises"].sum()))) - set(run["decision_enterprise"].values.tolist())
    quiet = dx.explain(ds, enterprise=min(never)) if never else why
    assert "industry" in quiet.to_frame("attributes").index
    with pytest.raises(ValueError, match="part"):
        why.to_frame("nothing")


def test_explain_refuses_what_it_cannot_explain(small_ds, recorded):
    with pytest.raises(ValueError, match="no decision record"):
        dx.explain(small_ds, enterprise=0)
    with pytest.raises(ValueError, match="enterprise"):
        dx.explain(recorded["small"], enterprise=10**6)
    with pytest.raises(ValueError, match="replication"):
        dx.explain(recorded["small"], replication=9, enterprise=0)


def test_dxsim_explain(capsys, tmp_path, recorded):
    path = tmp_path / "run.nc"
    dx.write_netcdf(recorded["small"], path)
    k = int(recorded["small"]["adopter_enterprise"].isel(replication=1, adopter=0))
    status, out, _ = run_cli(capsys, "explain", str(path), "--enterprise", str(k), "--replication", "1")
    assert status == 0 and f"enterprise {k}, replication 1" in out and "cash flows by party" in out
    status, out, err = run_cli(capsys, "explain", str(path), "--enterprise", "-1")
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1


def _amounts(text: str) -> list[float]:
    """The yuan amounts of a line of ``explain``'s text, signed as printed ("- 80,000" is -80000)."""
    return [float(a.replace(" ", "").replace(",", "")) for a in re.findall(r"[-+]? ?\d[\d,]*(?:\.\d+)?", text)]


@pytest.mark.parametrize("name", ["small", "revenue_share"])
def test_the_signing_month_is_accounted_for(scenarios, recorded, name):
    """What an adopter's signing month costs it is what it pays the platform then, net of programme money
    (nothing under a revenue share), and its internal costs, which need no cash at signing (staff time: the
    liquidity test leaves them out), less the VAT it deducts: the text says each part, and the parts are the
    month's flow."""
    ds, scenario = recorded[name], scenarios[name]
    law, industries = scenario.tax, scenario.resolved_industries
    run = ds.isel(replication=0)
    signed, live = run["signed_month"].values, run["golive_month"].values
    checked = 0
    for a in np.flatnonzero(np.floor(live) > np.floor(signed))[:8]:  # no gain nor tax yet in the signing month
        why = dx.explain(ds, enterprise=int(run["adopter_enterprise"].values[a]))
        industry = industries[int(run["adopter_industry"].values[a])]
        internal = industry.internal_cost_share * float(run["price_paid"].values[a]) + industry.internal_cost_fixed
        applied = why.decisions[(why.decisions["outcome"] == "applied") & (why.decisions["time"] <= signed[a])]
        due = float(applied["due"].iloc[-1])
        general = why.attributes["revenue (yuan / year)"] > law.small_scale_vat_threshold
        credit = due * law.vat_rate / (1 + law.vat_rate) if general else 0.0
        flow = float(run["contract_cash_flow"].sel(party="enterprise").values[a, int(signed[a])])
        assert -due - internal + credit == pytest.approx(flow, abs=1e-6)  # the parts, from the run's own numbers
        text = str(why)
        assert f"internal costs of {internal:,.0f} yuan at signing" in text
        line = next(x for x in text.splitlines() if x.startswith("signing month:"))
        printed = _amounts(line)
        np.testing.assert_allclose(printed, [flow, -due, -internal, credit], atol=0.5)
        assert sum(printed[1:]) == pytest.approx(printed[0], abs=2.0)
        checked += 1
    assert checked >= 5
