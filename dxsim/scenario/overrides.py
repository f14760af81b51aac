"""Dotted-path edits on a scenario's plain data: ``"programme.instruments[0].share" = 0.3``.

Pure functions on nested dicts and lists, as :meth:`Scenario.to_dict
<dxsim.scenario.schema.Scenario.to_dict>` gives them;
:meth:`Scenario.with_overrides <dxsim.scenario.schema.Scenario.with_overrides>`
applies them to a scenario's data and validates the result again.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Mapping
from typing import Any

from dxsim.scenario.errors import ScenarioError

__all__ = ["apply_overrides", "apply_to_dict", "parse_path", "set_path", "set_paths"]

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """Split a dotted path into keys and list positions.

    Examples
    --------
    >>> parse_path("programme.instruments[0].share")
    ['programme', 'instruments', 0, 'share']
    """
    parts: list[str | int] = []
    pos = 0
    for match in _TOKEN.finditer(path):
        gap = path[pos : match.start()]
        if gap not in ("", "."):
            raise ValueError(f"malformed path {path!r}")
        key, index = match.groups()
        parts.append(int(index) if index is not None else key)
        pos = match.end()
    if not parts or pos != len(path):
        raise ValueError(f"malformed path {path!r}")
    return parts


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in nested dicts and lists, creating missing tables.

    A number where a table is needed is a constant distribution: setting one
    of its parameters turns it into ``{"dist": "constant", "value": number}``
    first.

    Raises
    ------
    ValueError
        ``path`` is malformed.
    KeyError
        ``path`` runs through a value that is not a table, or past a list's end.

    Examples
    --------
    >>> data = {"platforms": {"quality": 1.0}}
    >>> set_path(data, "platforms.quality.dist", "normal")
    >>> data
    {'platforms': {'quality': {'dist': 'normal', 'value': 1.0}}}
    """
    parts = parse_path(path)
    node: Any = data
    for here, part in enumerate(parts[:-1]):
        nxt = parts[here + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                raise KeyError(path)
            node = node[part]
            continue
        if not isinstance(node, dict):
            raise KeyError(path)
        if part not in node or node[part] is None:
            node[part] = [] if isinstance(nxt, int) else {}
        elif not isinstance(node[part], dict | list) and not isinstance(nxt, int):
            # A constant distribution becomes a table when one parameter is set.
            node[part] = {"dist": "constant", "value": node[part]}
        node = node[part]
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise KeyError(path)
    elif not isinstance(node, dict):
        raise KeyError(path)
    node[last] = value


def set_paths(data: dict[str, Any], overrides: Mapping[str, Any], *, source: str = "<overrides>") -> None:
    """Set each value of ``overrides`` at its dotted path in ``data``, in place.

    Parameters
    ----------
    data : dict
        Nested dicts and lists, changed in place.
    overrides : mapping
        ``{path: value}``, applied in order.
    source : str
        Where the overrides came from, at the start of an error line.

    Raises
    ------
    ScenarioError
        A malformed path, or one that leads nowhere (one line naming it).

    Examples
    --------
    >>> data = {"industries": [{"name": "silk"}]}
    >>> set_paths(data, {"industries[0].imitation": 0.3})
    >>> data
    {'industries': [{'name': 'silk', 'imitation': 0.3}]}
    >>> set_paths(data, {"industries[1].imitation": 0.3})
    Traceback (most recent call last):
    ...
    dxsim.scenario.errors.ScenarioError: <overrides>: industries[1].imitation: no such field, got 0.3
    """
    for path, value in overrides.items():
        try:
            set_path(data, path, value)
        except ValueError as err:
            raise ScenarioError([f"{source}: {path}: {err}"]) from None
        except KeyError:
            raise ScenarioError([f"{source}: {path}: no such field, got {value!r}"]) from None


def apply_to_dict(
    data: Mapping[str, Any], overrides: Mapping[str, Any], *, source: str = "<overrides>"
) -> dict[str, Any]:
    """A copy of ``data`` with each value of ``overrides`` set at its dotted path.

    As :func:`set_paths`, on a deep copy: ``data`` is left unchanged.

    Examples
    --------
    >>> data = {"contract": {"platform_discount": 0.0}}
    >>> apply_to_dict(data, {"contract.platform_discount": 0.2}), data
    ({'contract': {'platform_discount': 0.2}}, {'contract': {'platform_discount': 0.0}})
    """
    out = copy.deepcopy(dict(data))
    set_paths(out, overrides, source=source)
    return out


def apply_overrides(scenario: Any, overrides: dict[str, Any]) -> Any:
    """Deprecated: use ``scenario.with_overrides(overrides)``.

    Parameters
    ----------
    scenario : Scenario
        The scenario to derive from.
    overrides : dict
        ``{path: value}``.

    Returns
    -------
    Scenario
        ``scenario.with_overrides(overrides)``.
    """
    warnings.warn(
        "dxsim.scenario.overrides.apply_overrides(scenario, overrides) is deprecated; "
        "use scenario.with_overrides(overrides), or apply_to_dict on plain data",
        DeprecationWarning,
        stacklevel=2,
    )
    return scenario.with_overrides(overrides)
