"""One-line errors for bad scenarios: file, field path, message, value."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from dxsim.scenario.dists import DistError

__all__ = ["FieldError", "ScenarioError", "format_path"]


class FieldError(ValueError):
    """A cross-field rule broken at ``path`` (relative to the validated model)."""

    def __init__(self, path: Sequence[str | int], value: Any, message: str) -> None:
        super().__init__(message)
        self.path = tuple(path)
        self.value = value


class ScenarioError(ValueError):
    """A scenario could not be read or validated.

    ``lines`` holds one line per problem, each naming the file, the field path
    and the bad value, as printed by the CLI.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))

    @classmethod
    def from_validation(cls, err: ValidationError, source: str, tags: Iterable[str] = ()) -> ScenarioError:
        """Turn a pydantic error into one line per problem, prefixed by ``source``.

        ``tags`` are the tags of discriminated unions, which pydantic puts into
        an error's location and the user never wrote; they are left out.
        """
        skip = set(tags)
        lines = []
        for e in err.errors(include_url=False):
            loc: list[str | int] = [p for p in e["loc"] if not (isinstance(p, str) and p in skip)]
            value = e.get("input")
            exc = (e.get("ctx") or {}).get("error")
            msg = e["msg"]
            if isinstance(exc, FieldError):
                loc += list(exc.path)
                value, msg = exc.value, str(exc)
            elif isinstance(exc, DistError):
                loc.append(exc.param)
                value, msg = exc.value, str(exc)
            for prefix in ("Value error, ", "Assertion failed, "):
                msg = msg.removeprefix(prefix)
            if e["type"] == "union_tag_invalid":
                ctx = e.get("ctx") or {}
                loc.append(str(ctx.get("discriminator", "kind")).strip("'"))
                expected = ctx.get("expected_tags", "")
                lines.append(
                    f"{source}: {format_path(loc)}: unknown value (expected {expected}), got {ctx.get('tag')!r}"
                )
            elif e["type"] == "missing":
                lines.append(f"{source}: {format_path(loc)}: field required")
            elif e["type"] == "extra_forbidden":
                lines.append(f"{source}: {format_path(loc)}: unknown field, got {_show(value)}")
            elif value is None:
                lines.append(f"{source}: {format_path(loc)}: {msg}")
            else:
                lines.append(f"{source}: {format_path(loc)}: {msg}, got {_show(value)}")
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


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
