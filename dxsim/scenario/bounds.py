"""The range a number of a scenario may take: one object that validates a field and says its range.

A field bounded by a number (a share in [0, 1], a cost above 0) declares it
with :class:`Bounds` as its validator (``AfterValidator(Bounds(0, 1, ...))``)
or with pydantic's ``Field(ge=..., le=..., gt=..., lt=...)``;
:func:`field_bounds` reads both back from the schema for a dotted path, so
that an ``[uncertain]`` distribution whose draws can leave the range is
refused when the scenario is validated (:mod:`dxsim.scenario.uncertain`),
not when a replication draws such a value.
"""

from __future__ import annotations

import math
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

__all__ = ["Bounds", "field_bounds", "node_at"]


@dataclass(frozen=True)
class Bounds:
    """An interval of numbers, each end closed or open; as a validator, it refuses a number outside it.

    Parameters
    ----------
    low, high : float
        The ends (``-inf``, ``inf``: unbounded on that side).
    low_open, high_open : bool
        The end itself is outside (a closed infinite end lets infinity in, e.g. an unlimited budget).
    why : str
        The message of the ``ValueError`` a number outside raises.
    whole : bool
        Only whole numbers (the field is an ``int``, or every value a distribution draws is whole).

    Examples
    --------
    >>> share = Bounds(0, 1, why="must be between 0 and 1")
    >>> share(0.3), str(share), share.covers(Bounds(0, math.inf, low_open=True, high_open=True))
    (0.3, '[0, 1]', False)
    >>> share(1.5)
    Traceback (most recent call last):
    ...
    ValueError: must be between 0 and 1
    """

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    why: str = ""
    whole: bool = False

    def __call__(self, x: Any) -> Any:
        """``x`` if within, else ``ValueError(why)`` (NaN is never within)."""
        if not self.holds(x):
            raise ValueError(self.why or f"must be in {self}")
        return x

    def holds(self, x: float) -> bool:
        """True if the number ``x`` is within (False for NaN)."""
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return bool(above and below)

    def covers(self, other: Bounds) -> bool:
        """True if every number of ``other`` is within (and whole, where this interval holds whole numbers only)."""
        low_ok = other.low > self.low or (other.low == self.low and (other.low_open or not self.low_open))
        high_ok = other.high < self.high or (other.high == self.high and (other.high_open or not self.high_open))
        return low_ok and high_ok and (other.whole or not self.whole)

    def __and__(self, other: Bounds) -> Bounds:
        """The intersection (the numbers within both)."""
        low, low_open = max((self.low, self.low_open), (other.low, other.low_open))
        high, high_open = min((self.high, not self.high_open), (other.high, not other.high_open))
        return Bounds(low, high, low_open, not high_open, self.why or other.why, self.whole or other.whole)

    def __str__(self) -> str:
        low_open, high_open = self.low_open or math.isinf(self.low), self.high_open or math.isinf(self.high)
        text = f"{'(' if low_open else '['}{self.low:g}, {self.high:g}{')' if high_open else ']'}"
        return f"whole numbers in {text}" if self.whole else text


#: Any number, fractions included.
_ANY = Bounds()


def _number(x: Any) -> float:
    """A bound of ``annotated_types`` (typed as anything comparable) as a float."""
    return float(x)


def _of_metadata(items: Sequence[Any]) -> Bounds:
    """The bounds a field's metadata declares: ``Field(ge=...)`` constraints and :class:`Bounds` validators."""
    out = _ANY
    for item in items:
        if isinstance(item, FieldInfo):
            out &= _of_metadata(item.metadata)
        elif isinstance(item, AfterValidator) and isinstance(item.func, Bounds):
            out &= item.func
        elif isinstance(item, annotated_types.Ge):
            out &= Bounds(low=_number(item.ge))
        elif isinstance(item, annotated_types.Gt):
            out &= Bounds(low=_number(item.gt), low_open=True)
        elif isinstance(item, annotated_types.Le):
            out &= Bounds(high=_number(item.le))
        elif isinstance(item, annotated_types.Lt):
            out &= Bounds(high=_number(item.lt), high_open=True)
    return out


def _of_annotation(annotation: Any) -> Bounds | None:
    """The bounds of a number type (``Annotated`` metadata, ``int``); None if it is not one number type."""
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        inner = _of_annotation(base)
        return None if inner is None else inner & _of_metadata(metadata)
    if get_origin(annotation) in (Union, types.UnionType):
        arms = [a for a in get_args(annotation) if a is not type(None)]
        return _of_annotation(arms[0]) if len(arms) == 1 else None
    if annotation is int:
        return Bounds(whole=True)
    return _ANY if annotation is float else None


def field_bounds(root: BaseModel, parts: Sequence[str | int]) -> Bounds | None:
    """The range the schema gives the number at ``parts`` (a split dotted path) of the validated ``root``.

    Follows the path through the models, tables and lists ``root`` holds;
    the last part names a field of a model.  None where the schema declares
    no range of a number there: the path leads to something else (a
    distribution, a table), or through a part ``root`` does not hold.

    Examples
    --------
    >>> from dxsim.scenario import load_scenario
    >>> sc = load_scenario("small")
    >>> str(field_bounds(sc, ["contract", "platform_discount"])), str(field_bounds(sc, ["industries", 0, "enterprises"]))
    ('[0, 1]', 'whole numbers in [1, 1e+08]')
    >>> field_bounds(sc, ["behaviour", "hurdle_rate"]) is None
    True
    """
    node = node_at(root, parts[:-1])
    last = parts[-1] if parts else None
    if isinstance(node, BaseModel) and isinstance(last, str) and last in type(node).model_fields:
        field = type(node).model_fields[last]
        inner = _of_annotation(field.annotation)
        return None if inner is None else inner & _of_metadata(field.metadata)
    return None


def node_at(root: BaseModel, parts: Sequence[str | int]) -> Any:
    """What the validated ``root`` holds at ``parts`` (a split dotted path): a model, a table, a list, a value.

    None where ``root`` holds nothing there.

    Examples
    --------
    >>> from dxsim.scenario import load_scenario
    >>> type(node_at(load_scenario("small"), ["behaviour", "hurdle_rate"])).__name__
    'Uniform'
    """
    node: Any = root
    for part in parts:
        if isinstance(node, BaseModel) and isinstance(part, str) and part in type(node).model_fields:
            node = getattr(node, part)
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, Sequence) and isinstance(part, int) and -len(node) <= part < len(node):
            node = node[part]
        else:
            return None
    return node
    return None
