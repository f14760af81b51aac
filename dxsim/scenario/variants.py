"""Variants of a scenario that studies compare it against.

Each is a pure function of a :class:`~dxsim.scenario.schema.Scenario`: the
scenario's data with one rule changed, validated again.  The variants keep
everything else (industries, platforms, seed-keyed draws), so a variant run on
the same seed shares the base run's random numbers where their rules agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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
    contingent = scenario.contract.platform_discount_contingent
    if contingent:
        data["contract"] = {**data.get("contract", {}), "platform_discount": 0.0}
    _fix_uncertain(
        data, scenario, lambda p: _programme_path(p) or (contingent and p[:2] == ["contract", "platform_discount"])
    )
    return scenario_from_dict(data, source=f"<counterfactual of {scenario.name}>", from_results=scenario.from_results)


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
    dropped = not keep and scenario.contract.platform_discount_contingent
    if dropped:
        data["contract"] = {**data.get("contract", {}), "platform_discount": 0.0}
    data["programme"] = programme
    _fix_uncertain(
        data,
        scenario,
        lambda p: p[:2] == ["programme", "instruments"] or (dropped and p[:2] == ["contract", "platform_discount"]),
    )
    return scenario_from_dict(
        data, source=f"<{scenario.name}, instruments {list(keep)}>", from_results=scenario.from_results
    )


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
    _fix_uncertain(data, scenario, lambda p: p[0] in ("industry_defaults", "industries") and p[-1] in _PEER_FIELDS)
    return scenario_from_dict(
        data, source=f"<{scenario.name} without peer effects>", from_results=scenario.from_results
    )


#: The fields :func:`without_peer_effects` sets to 0, per industry.
_PEER_FIELDS = ("imitation", "demonstration")


def _programme_path(parts: list[str | int]) -> bool:
    """A path into the programme's batches or instruments (gone in the counterfactual)."""
    return parts[:1] == ["programme"] and len(parts) > 1 and parts[1] in ("batches", "instruments")


def _fix_uncertain(data: dict[str, Any], scenario: Scenario, gone: Callable[[list[str | int]], bool]) -> None:
    """Leave out of ``data``'s ``[uncertain]`` the paths a variant removed or fixed (``gone``).

    A variant's fixed value must not be drawn over, and a path that leads
    nowhere in the variant is no parameter of it; the other paths keep their
    draws (:meth:`~dxsim.scenario.uncertain.Uncertain.dropping`).
    """
    if not scenario.uncertain:
        return
    kept = scenario.uncertain.dropping(gone).model_dump()
    if kept is None:
        data.pop("uncertain", None)
    else:
        data["uncertain"] = kept
