"""The one pydantic base class of dxsim: frozen, unknown keys refused.

Every model of a scenario file (and of a calibration's targets) derives from
:class:`Frozen`, so all of them are immutable, hashable and refuse keys they
do not know.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Frozen"]


class Frozen(BaseModel):
    """A frozen pydantic model that refuses unknown fields.

    Examples
    --------
    >>> class Point(Frozen):
    ...     x: float
    >>> p = Point(x=1)
    >>> p.x, hash(p) == hash(Point(x=1.0))
    (1.0, True)
    >>> import pydantic
    >>> try:
    ...     Point(x=1, y=2)
    ... except pydantic.ValidationError as err:
    ...     print(err.errors()[0]["type"])
    extra_forbidden
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
