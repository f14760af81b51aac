"""Keywords renamed for one name per thing (docs/glossary.md): the old name works for one release.

:func:`renamed` decorates a public function: a call with an old keyword runs as
the call with the new one, after a :class:`DeprecationWarning` that names both.
The function's signature (``inspect.signature``, the docs) shows the new names only.

>>> import warnings
>>> @renamed(n="samples")
... def draw(samples: int = 4) -> int:
...     return samples
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     draw(n=8), str(caught[0].message)
(8, 'dx.draw(n=...) is deprecated; use samples=...')
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["renamed"]

P = ParamSpec("P")
R = TypeVar("R")


def renamed(**old_to_new: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator that accepts old keyword names of a function, with a DeprecationWarning.

    Parameters
    ----------
    **old_to_new : str
        The new keyword of each old one: ``renamed(outputs="statistics", n="samples")``.

    Returns
    -------
    callable
        Turns ``f`` into a function that, called with ``old=value``, warns
        ``dx.f(old=...) is deprecated; use new=...`` (as seen from the caller) and
        calls ``f(new=value)``. Giving both names is a TypeError, as giving one twice is.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        name = f"dx.{function.__name__}"

        @functools.wraps(function)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            for old in [key for key in kwargs if key in old_to_new]:
                new = old_to_new[old]
                if new in kwargs:
                    raise TypeError(f"{name}() got both {old}= and {new}=; give {new}= only")
                warnings.warn(f"{name}({old}=...) is deprecated; use {new}=...", DeprecationWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return call

    return decorate
