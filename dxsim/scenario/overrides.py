"""``Scenario.with_overrides``: set values by dotted path and validate again."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dxsim.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from dxsim.scenario.schema import Scenario

__all__ = ["apply_overrides", "parse_path", "set_path"]

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``"programme.instruments[0].share"`` -> ``["programme", "instruments", 0, "share"]``."""
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
    """Set ``value`` at ``path`` in nested dicts and lists, creating missing tables."""
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


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A new scenario with ``overrides`` applied; see :meth:`Scenario.with_overrides`."""
    from dxsim.scenario.load import scenario_from_dict

    data = scenario.to_dict()
    for path, value in overrides.items():
        try:
            set_path(data, path, value)
        except ValueError as err:
            raise ScenarioError([f"<overrides>: {path}: {err}"]) from None
        except KeyError:
            raise ScenarioError([f"<overrides>: {path}: no such field, got {value!r}"]) from None
    return scenario_from_dict(data, source="<overrides>")
