"""Parameters to fit or vary: dotted paths of a scenario with bounds.

Calibration (:func:`dxsim.studies.calibrate`) and sensitivity analysis
(:func:`dxsim.studies.sensitivity`) take ``params={path: (low, high)}``, for example
``{"industry_defaults.innovation": (0.005, 0.1)}``.  :class:`ParamSpace`
checks them once against the scenario (the path exists, low < high, both
ends give a valid scenario) and maps points of the unit cube to scenarios.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.overrides import parse_path
from dxsim.scenario.schema import Scenario

__all__ = ["ParamSpace", "get_path", "not_a_parameter"]


def get_path(scenario: Scenario, path: str) -> Any:
    """The value at a dotted path of a scenario (None if the path is unset or does not exist).

    Examples
    --------
    >>> import dxsim as dx
    >>> get_path(dx.load_scenario("small"), "programme.instruments[0].share")
    0.3
    """
    node: Any = scenario.to_dict()
    for part in parse_path(path):
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return None
        elif not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class ParamSpace:
    """Bounded real parameters of a scenario, and the map from the unit cube to scenarios.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    params : mapping
        ``{path: (low, high)}``, in the field's units.
    source : str
        Names the origin of ``params`` in error lines (a file, or the function).

    Raises
    ------
    ScenarioError
        One line per problem: a bound that is not a pair of numbers, low >= high,
        a path that is not a field, or a value at either end that the scenario refuses.

    Examples
    --------
    >>> import dxsim as dx
    >>> space = ParamSpace(dx.load_scenario("small"), {"programme.instruments[0].share": (0.1, 0.5)})
    >>> space.values([[0.25], [1.0]]).round(6).tolist()
    [[0.2], [0.5]]
    >>> ParamSpace(dx.load_scenario("small"), {"programme.instruments[0].share": (0.5, 0.1)})
    Traceback (most recent call last):
    dxsim.scenario.errors.ScenarioError: <params>: params."programme.instruments[0].share": low must be < high, got (0.5, 0.1)
    """

    def __init__(self, scenario: Scenario, params: Mapping[str, Sequence[float]], *, source: str = "<params>") -> None:
        if not params:
            raise ScenarioError([f"{source}: params: give at least one parameter with its bounds"])
        self.scenario = scenario
        self.names = list(params)
        lines: list[str] = []
        lows, highs = [], []
        for path, bounds in params.items():
            where = f'{source}: params."{path}"'
            if path == "seed":
                lines.append(not_a_parameter(where))
                continue
            pair = _pair(bounds)
            if pair is None:
                lines.append(f"{where}: expected [low, high], got {bounds!r}")
                continue
            low, high = pair
            if not low < high:
                lines.append(f"{where}: low must be < high, got ({low:g}, {high:g})")
                continue
            for end in (low, high):
                try:
                    scenario.with_overrides({path: end})
                except ScenarioError as err:
                    lines.extend(line.replace("<overrides>", source, 1) for line in err.lines)
                    break
            lows.append(low)
            highs.append(high)
        if lines:
            raise ScenarioError(dict.fromkeys(lines))
        self.low = np.array(lows, dtype=np.float64)
        self.high = np.array(highs, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.names)

    def values(self, unit: ArrayLike) -> NDArray[np.float64]:
        """Points of the unit cube, shape ``(n, d)``, in the parameters' units."""
        u = np.atleast_2d(np.asarray(unit, dtype=np.float64))
        return np.asarray(self.low + np.clip(u, 0.0, 1.0) * (self.high - self.low), dtype=np.float64)

    def unit(self, values: ArrayLike) -> NDArray[np.float64]:
        """The inverse of :meth:`values`."""
        return np.asarray((np.asarray(values, dtype=np.float64) - self.low) / (self.high - self.low))

    def start(self) -> NDArray[np.float64]:
        """The scenario's own values in the unit cube (the middle for a value outside the bounds or not a number)."""
        out = np.full(len(self), 0.5)
        for j, path in enumerate(self.names):
            value = get_path(self.scenario, path)
            if isinstance(value, int | float) and self.low[j] <= value <= self.high[j]:
                out[j] = (value - self.low[j]) / (self.high[j] - self.low[j])
        return out

    def overrides(self, values: Sequence[float] | NDArray[np.float64]) -> dict[str, float]:
        """``{path: value}`` for one point (in the parameters' units)."""
        return {path: float(v) for path, v in zip(self.names, values, strict=True)}

    def scenarios(self, values: ArrayLike) -> list[Scenario]:
        """One scenario per row of ``values`` (in the parameters' units)."""
        return [self.scenario.with_overrides(self.overrides(row)) for row in np.atleast_2d(values)]


def not_a_parameter(where: str) -> str:
    """The line refusing ``seed`` as a parameter or lever at ``where``: every point of a study runs on its seed."""
    return f"{where}: the seed is not a parameter: every point runs on the study's own seed (seed=)"


def _pair(bounds: Any) -> tuple[float, float] | None:
    if isinstance(bounds, str | bytes) or not isinstance(bounds, Sequence) or len(bounds) != 2:
        return None
    if not all(isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b) for b in bounds):
        return None
    return float(bounds[0]), float(bounds[1])
