"""One-line errors for bad scenarios: file, field path, message, value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

__all__ = ["DistError", "FieldError", "Origins", "ScenarioError", "format_path"]

#: Where each part of a scenario's data was written: a field path (names and list positions) -> the
#: file that set it and how many leading parts of an error's path that file's name replaces (0 for a
#: TOML file; 2 for a cell of an industries CSV, named ``CSV: line N`` and then its column).  An
#: error's location is named by the source of its longest prefix.
Origins = Mapping[tuple[str | int, ...], tuple[str, int]]


class FieldError(ValueError):
    """A cross-field rule broken at ``path`` (relative to the validated model).

    Parameters
    ----------
    path : sequence of str or int
        Field names and list positions below the model that raises it.
    value : Any
        The bad value, shown after ``got``.
    message : str
        What is wrong, without the path or the value.
    """

    def __init__(self, path: Sequence[str | int], value: Any, message: str) -> None:
        super().__init__(message)
        self.path = tuple(path)
        self.value = value


class DistError(FieldError):
    """A distribution's parameter ``param`` is missing or inconsistent.

    Parameters
    ----------
    param : str
        The parameter (or ``dist``), appended to the distribution's field path.
    value : Any
        The bad value.
    message : str
        What is wrong.
    """

    def __init__(self, param: str, value: Any, message: str) -> None:
        super().__init__((param,), value, message)
        self.param = param


class ScenarioError(ValueError):
    """A scenario could not be read or validated.

    ``lines`` holds one line per problem, each naming the file, the field path
    and the bad value, as printed by the CLI.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))

    @classmethod
    def from_validation(
        cls,
        err: ValidationError,
        source: str,
        tags: Iterable[str] = (),
        data: Any = None,
        origins: Origins | None = None,
    ) -> ScenarioError:
        """Turn a pydantic error into one line per problem, prefixed by ``source``.

        Parameters
        ----------
        err : pydantic.ValidationError
            The error of validating ``data``.
        source : str
            The file (or ``<overrides>``, ...) the data came from.
        tags : iterable of str
            Tags of discriminated unions, which pydantic puts into an error's
            location and the user never wrote; they are left out.
        data : Any, optional
            The validated data: where a location part is a key the data has at
            that level (a solution named like a tag), it is kept.
        origins : Origins, optional
            Where the parts of ``data`` were written (a file ``source``
            extends, a row of an industries CSV): a problem is named by the
            source of its location's longest prefix there, else ``source``;
            a CSV row's problem by its line and column.
        """
        skip = set(tags)
        lines = []
        for e in err.errors(include_url=False):
            loc = _user_path(e["loc"], skip, data)
            value = e.get("input")
            exc = (e.get("ctx") or {}).get("error")
            msg = e["msg"]
            if isinstance(exc, FieldError):
                loc += list(exc.path)
                value, msg = exc.value, str(exc)
            where, loc = _origin(loc, origins or {}, source)
            for prefix in ("Value error, ", "Assertion failed, "):
                msg = msg.removeprefix(prefix)
            if e["type"] == "union_tag_invalid":
                ctx = e.get("ctx") or {}
                loc.append(str(ctx.get("discriminator", "kind")).strip("'"))
                expected = ctx.get("expected_tags", "")
                lines.append(
                    f"{where}: {format_path(loc)}: unknown value (expected {expected}), got {ctx.get('tag')!r}"
                )
            elif e["type"] == "missing":
                lines.append(f"{where}: {format_path(loc)}: field required")
            elif e["type"] == "extra_forbidden":  # a table's or an array's contents are not echoed
                lines.append(f"{where}: {format_path(loc)}: unknown field, got {_show_scalar(value)}")
            elif value is None:
                lines.append(f"{where}: {format_path(loc)}: {msg}")
            else:
                lines.append(f"{where}: {format_path(loc)}: {msg}, got {_show(value)}")
        return cls(dict.fromkeys(lines))


def format_path(loc: Sequence[str | int]) -> str:
    """``("programme", "instruments", 0, "share")`` -> ``programme.instruments[0].share``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(scenario)"


_ABSENT = object()


def _origin(loc: list[str | int], origins: Origins, source: str) -> tuple[str, list[str | int]]:
    """The source that wrote ``loc`` (its longest prefix in ``origins``) and the path to show after it.

    After a CSV cell's source (``CSV: line N``) the path shown is the
    column, not the row's place in the list.
    """
    for k in range(len(loc), 0, -1):
        found = origins.get(tuple(loc[:k]))
        if found is not None:
            where, skip = found
            return where, loc[skip:]
    return source, loc


def _user_path(loc: Sequence[str | int], tags: set[str], data: Any) -> list[str | int]:
    """``loc`` without the union tags pydantic inserted: a tag is a part the data does not hold there."""
    out: list[str | int] = []
    node = data
    for part in loc:
        child = _child(node, part)
        if child is _ABSENT and isinstance(part, str) and part in tags:
            continue  # a tag: the node it selects a variant of stays the same
        out.append(part)
        node = None if child is _ABSENT else child
    return out


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, Mapping) and part in node:
        return node[part]
    if isinstance(node, list | tuple) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _ABSENT


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _show_scalar(value: Any) -> str:
    """A scalar as :func:`_show` does; a table or an array by its kind and size only (what it holds is not shown)."""
    if isinstance(value, Mapping):
        return f"a table of {len(value)} key{'s' * (len(value) != 1)}"
    if isinstance(value, list | tuple):
        return f"an array of {len(value)} value{'s' * (len(value) != 1)}"
    return _show(value)
