"""Levers: the dotted paths of a scenario an optimisation may set, each with its range or its choices.

:func:`dxsim.optimize` takes ``levers={path: (low, high) or [choices]}``:

* ``(low, high)`` of two whole numbers: an integer lever, ``low <= v <= high``;
* ``(low, high)`` otherwise: a real lever, ``low <= v <= high``, in the field's units;
* a list: a categorical lever, one of the values (numbers, strings, true/false).

:class:`Levers` checks them once against the scenario, before anything runs
(the path is a field, low < high, both ends and every choice give a valid
scenario: the bounds checks are :class:`dxsim.studies.parameters.ParamSpace`'s),
and asks an optuna trial for one design.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.schema import Scenario
from dxsim.studies.parameters import ParamSpace, get_path, not_a_parameter

if TYPE_CHECKING:  # only the type of what suggest() is handed
    from optuna.trial import Trial

__all__ = ["Lever", "Levers"]

Choice = bool | int | float | str


class Lever:
    """One lever: a dotted path and its range (``kind`` ``"int"`` or ``"float"``) or its ``choices``.

    Examples
    --------
    >>> Lever("programme.instruments[0].share", "float", bounds=(0.1, 0.5))
    Lever('programme.instruments[0].share', float 0.1 .. 0.5)
    """

    def __init__(
        self,
        path: str,
        kind: Literal["int", "float", "choice"],
        *,
        bounds: tuple[float, float] = (0.0, 0.0),
        choices: Sequence[Choice] = (),
    ) -> None:
        self.path = path
        self.kind = kind
        self.low, self.high = bounds
        self.choices = tuple(choices)

    def __repr__(self) -> str:
        spec = f"one of {list(self.choices)}" if self.kind == "choice" else f"{self.kind} {self.low:g} .. {self.high:g}"
        return f"Lever({self.path!r}, {spec})"

    def suggest(self, trial: Trial) -> Choice:
        """The value ``trial`` proposes for this lever."""
        if self.kind == "int":
            return trial.suggest_int(self.path, int(self.low), int(self.high))
        if self.kind == "float":
            return trial.suggest_float(self.path, self.low, self.high)
        return cast(Choice, trial.suggest_categorical(self.path, self.choices))

    def holds(self, value: Any) -> bool:
        """Whether ``value`` is a value of this lever (a start design must be)."""
        if self.kind == "choice":
            return any(type(value) is type(c) and value == c for c in self.choices)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and self.low <= value <= self.high and (self.kind == "float" or float(value).is_integer())

    def spec(self) -> list[Any]:
        """The lever as JSON: ``[low, high]`` or ``{"choices": [...]}``'s list."""
        return list(self.choices) if self.kind == "choice" else [self.low, self.high]


class Levers:
    """The levers of an optimisation, checked against its scenario.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    levers : mapping
        ``{path: (low, high) or [choices]}`` (see the module notes).

    Raises
    ------
    ScenarioError
        One line per problem, each naming ``optimize: levers."PATH"``: no lever,
        bounds that are not two numbers or with low >= high, a path that is not a
        field, an empty list of choices, or a value the scenario refuses.

    Examples
    --------
    >>> import dxsim as dx
    >>> lv = Levers(dx.load_scenario("small"), {"programme.instruments[0].share": (0.1, 0.5),
    ...                                          "programme.when_budget_exhausted": ["wait", "reject"]})
    >>> lv.items
    [Lever('programme.instruments[0].share', float 0.1 .. 0.5), Lever('programme.when_budget_exhausted', one of ['wait', 'reject'])]
    >>> lv.start()
    {'programme.instruments[0].share': 0.3}
    """

    def __init__(self, scenario: Scenario, levers: Mapping[str, Any]) -> None:
        source = "optimize: levers"
        if not levers:
            raise ScenarioError([f"{source}: give at least one lever, {{path: (low, high) or [choices]}}"])
        self.scenario = scenario
        lines: list[str] = []
        ranges = {p: b for p, b in levers.items() if not isinstance(b, list)}
        if ranges:
            try:
                ParamSpace(scenario, ranges, source="optimize")
            except ScenarioError as err:
                lines.extend(line.replace("params.", "levers.", 1) for line in err.lines)
        for path, choices in levers.items():
            if isinstance(choices, list):
                lines.extend(_check_choices(scenario, path, choices))
        if lines:
            raise ScenarioError(dict.fromkeys(lines))
        self.items = [_lever(path, spec) for path, spec in levers.items()]

    def suggest(self, trial: Trial) -> dict[str, Choice]:
        """``{path: value}``: the design ``trial`` proposes."""
        return {lever.path: lever.suggest(trial) for lever in self.items}

    def start(self) -> dict[str, Any]:
        """The scenario's own values of the levers that hold them (an empty dict when none does)."""
        own = {lever.path: get_path(self.scenario, lever.path) for lever in self.items}
        return {lever.path: own[lever.path] for lever in self.items if lever.holds(own[lever.path])}


def _lever(path: str, spec: Any) -> Lever:
    if isinstance(spec, list):
        return Lever(path, "choice", choices=spec)
    low, high = spec
    whole = all(isinstance(b, int) and not isinstance(b, bool) for b in (low, high))
    return Lever(path, "int" if whole else "float", bounds=(float(low), float(high)))


def _check_choices(scenario: Scenario, path: str, choices: list[Any]) -> list[str]:
    """Lines for an empty or repeated list of choices, a choice of the wrong kind, or one the scenario refuses."""
    where = f'optimize: levers."{path}"'
    if path == "seed":
        return [not_a_parameter(where)]
    if not choices:
        return [f"{where}: give at least one choice, got []"]
    if len({repr(c) for c in choices}) < len(choices):
        return [f"{where}: a choice is given twice, got {choices!r}"]
    for choice in choices:
        if not isinstance(choice, bool | int | float | str):
            return [f"{where}: a choice must be a number, a string or true/false, got {choice!r}"]
        try:
            scenario.with_overrides({path: choice})
        except ScenarioError as err:
            return [line.replace("<overrides>", "optimize", 1) for line in err.lines]
    return []
