"""Variants of a scenario that studies compare it against.

Each is a pure function of a :class:`~dxsim.scenario.schema.Scenario`: the
scenario's data with one rule changed, validated again.  The variants keep
everything else (industries, platforms, seed-keyed draws), so a variant run on
the same seed shares the base run's random numbers where their rules agree.
"""

from __future__ import annotations

from collections.abc import Sequence

from dxsim.scenario.schema import Scenario, scenario_from_dict

__all__ = ["counterfactual", "with_instruments", "without_peer_effects"]


def counterfactual(scenario: Scenario) -> Scenario:
    """The same scenario without the programme: no public money, and no discount that exists only because of it.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a programme.

    Returns
    -------
    Scenario
        ``scenario`` with ``programme.batches = []`` and
        ``programme.instruments = []``, and, when
        ``contract.platform_discount_contingent`` is true (the default: the
        platform gives its discount only under the programme, "平台让一点"),
        ``contract.platform_discount = 0``; named
        ``"<name> (counterfactual)"``.  Everything else (market, platforms,
        payment scheme, behaviour, tax law, the programme's acceptance and
        lighthouse rules) unchanged, so a run on the same seed shares the
        base run's random numbers.

    Examples
    --------
    >>> from dxsim.scenario import load_scenario
    >>> sc = load_scenario("small")
    >>> cf = counterfactual(sc)
    >>> cf.name, cf.programme.batches, cf.programme.instruments
    ('small (counterfactual)', (), ())
    >>> sc.contract.platform_discount, cf.contract.platform_discount
    (0.1, 0.0)
    >>> kept = sc.with_overrides({"contract.platform_discount_contingent": False})
    >>> counterfactual(kept).contract.platform_discount
    0.1
    """
    data = scenario.to_dict()
    data["name"] = f"{scenario.name} (counterfactual)"
    programme = dict(data.get("programme", {}))
    programme["batches"] = []
    programme["instruments"] = []
    data["programme"] = programme
    if scenario.contract.platform_discount_contingent:
        data["contract"] = {**data.get("contract", {}), "platform_discount": 0.0}
    return scenario_from_dict(data, source=f"<counterfactual of {scenario.name}>")


def with_instruments(scenario: Scenario, keep: Sequence[int]) -> Scenario:
    """``scenario`` keeping only the instruments at positions ``keep`` (batches unchanged).

    With no instrument left no programme money flows, so a programme-contingent
    platform discount (``contract.platform_discount_contingent``) goes too, as
    in :func:`counterfactual`: the empty subset of a Shapley decomposition is
    then the counterfactual's market.

    Examples
    --------
    >>> from dxsim.scenario import load_scenario
    >>> none = with_instruments(load_scenario("small"), [])
    >>> none.programme.instruments, none.contract.platform_discount
    ((), 0.0)
    """
    data = scenario.to_dict()
    programme = dict(data.get("programme", {}))
    instruments = list(programme.get("instruments", []))
    programme["instruments"] = [instruments[k] for k in keep]
    if not keep and scenario.contract.platform_discount_contingent:
        data["contract"] = {**data.get("contract", {}), "platform_discount": 0.0}
    data["programme"] = programme
    return scenario_from_dict(data, source=f"<{scenario.name}, instruments {list(keep)}>")


def without_peer_effects(scenario: Scenario) -> Scenario:
    """``scenario`` with every industry's imitation (Bass q) and demonstration weight set to 0.

    Examples
    --------
    >>> from dxsim.scenario import load_scenario
    >>> sc = without_peer_effects(load_scenario("small"))
    >>> {i.imitation for i in sc.resolved_industries}, sc.name
    ({0.0}, 'small (no peer effects)')
    """
    data = scenario.to_dict()
    data["name"] = f"{scenario.name} (no peer effects)"
    data["industry_defaults"] = {**data.get("industry_defaults", {}), "imitation": 0.0, "demonstration": 0.0}
    data["industries"] = [{**entry, "imitation": 0.0, "demonstration": 0.0} for entry in data["industries"]]
    return scenario_from_dict(data, source=f"<{scenario.name} without peer effects>")
