"""The one pydantic base class of dxsim: frozen, unknown keys refused, numbers finite.

Every model of a scenario file (and of a calibration's targets) derives from
:class:`Frozen`, so all of them are immutable, hashable, refuse keys they
do not know, refuse infinity and NaN (a field that means "unlimited" by
infinity says so and allows it), and validate what :meth:`Frozen.model_copy`
changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict

__all__ = ["Frozen"]


class Frozen(BaseModel):
    """A frozen pydantic model that refuses unknown fields and infinite or NaN numbers.

    Examples
    --------
    >>> class Point(Frozen):
    ...     x: float
    >>> p = Point(x=1)
    >>> p.x, hash(p) == hash(Point(x=1.0))
    (1.0, True)
    >>> import pydantic
    >>> for bad in ({"x": 1, "y": 2}, {"x": float("inf")}):
    ...     try:
    ...         Point(**bad)
    ...     except pydantic.ValidationError as err:
    ...         print(err.errors()[0]["type"])
    extra_forbidden
    finite_number
    >>> p.model_copy(update={"x": "2"}).x
    2.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, the fields changed and the whole model validated again.

        pydantic's ``model_copy(update=...)`` sets fields without validating
        them, which would let a frozen model hold a value its validators
        refuse, or keep fields derived from the old values.

        Raises
        ------
        pydantic.ValidationError
            The updated model is invalid.
        """
        if not update:
            return super().model_copy(deep=deep)
        return self.model_validate({**dict(self), **update})
