"""Probability distributions of scenario files: validation, inverse CDF, moments.

In a scenario a distribution is a number (a constant) or an inline table with a
``dist`` key that names its class::

    revenue = { dist = "lognormal", median = 30e6, sigma = 0.9 }

Each kind is a small frozen class (:class:`Constant`, :class:`Uniform`,
:class:`Triangular`, :class:`Normal`, :class:`Lognormal`,
:class:`Exponential`, :class:`Beta`, :class:`Empirical`) with ``ppf``,
``mean`` and ``variance``; :data:`Dist` is their union, tagged by ``dist``, as
the scenario's instruments are tagged by ``kind``.  Every distribution draws by
its inverse CDF (``ppf``) from uniforms, so it can be fed the keyed uniforms of
:mod:`dxsim.random` (common random numbers) as well as a
``numpy.random.Generator`` (``sample``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BeforeValidator, Field, TypeAdapter, model_serializer, model_validator
from scipy import special

from dxsim.scenario.base import Frozen
from dxsim.scenario.errors import DistError

__all__ = [
    "DIST_KINDS",
    "AnyDist",
    "Beta",
    "Constant",
    "Dist",
    "Empirical",
    "Exponential",
    "Lognormal",
    "Normal",
    "Triangular",
    "Uniform",
    "parse_dist",
]


class _Distribution(Frozen):
    """What every distribution shares: parameter checks, serialisation, sampling, repr.

    A subclass declares ``dist`` (its tag, with itself as default) and its
    parameters as fields, in the order they are written out, and defines
    ``ppf``, ``mean``, ``variance`` and, where parameters must agree,
    ``_check``.
    """

    dist: str

    @model_validator(mode="before")
    @classmethod
    def _named_parameters(cls, data: Any) -> Any:
        """A missing parameter, or one of another distribution, named in one line."""
        if not isinstance(data, dict):
            return data
        kind = cls.model_fields["dist"].default
        for name, field in cls.model_fields.items():
            if field.is_required() and data.get(name) is None:
                raise DistError(name, data, f"{kind} distribution needs '{name}'")
        for name in data:
            if name not in cls.model_fields and name in _PARAMETERS:
                raise DistError(name, data[name], f"'{name}' is not a parameter of {kind}")
        return data

    @model_validator(mode="after")
    def _valid(self) -> Self:
        self._check()  # the parameters are finite numbers (Frozen refuses infinity and NaN)
        return self

    def _check(self) -> None:
        """Raise :class:`DistError` where the parameters disagree (none by default)."""

    def _parameters(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in type(self).model_fields if k != "dist" and getattr(self, k) is not None}

    @model_serializer(mode="plain")
    def _serialize(self) -> Any:
        out: dict[str, Any] = {"dist": self.dist}
        for k, v in self._parameters().items():
            out[k] = list(v) if isinstance(v, tuple) else v
        return out

    @property
    def is_constant(self) -> bool:
        """True for a point mass."""
        return False

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """Inverse CDF at probabilities ``u`` in (0, 1)."""
        raise NotImplementedError

    def _ppf_at_score(self, u: ArrayLike, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """:meth:`ppf` at ``u``, whose standard normal scores ``z = Phi^-1(u)`` (``special.ndtri``) the caller has.

        A distribution whose quantile is a function of the normal score
        (:class:`Normal`, :class:`Lognormal`) reads ``z`` instead of computing
        it again; the others read ``u``.
        """
        return self.ppf(u)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...] | None = None) -> NDArray[np.float64]:
        """Draw from the distribution with a caller's generator (by :meth:`ppf` of its uniforms)."""
        return self.ppf(rng.random(size))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self._parameters().items())
        return f"{self.dist}({args})"

    __str__ = __repr__


class Constant(_Distribution):
    """A point mass at ``value``; a bare number in a scenario file.

    Examples
    --------
    >>> d = parse_dist(3)
    >>> d, d.mean, d.variance, d.ppf([0.1, 0.9]).tolist()
    (3, 3.0, 0.0, [3.0, 3.0])
    """

    dist: Literal["constant"] = "constant"
    value: float

    @model_serializer(mode="plain")
    def _serialize(self) -> Any:
        return self.value

    @property
    def is_constant(self) -> bool:
        """True for a point mass."""
        return True

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """``value`` at every probability."""
        return np.full_like(np.asarray(u, dtype=np.float64), self.value)

    @property
    def mean(self) -> float:
        """``value``."""
        return float(self.value)

    @property
    def variance(self) -> float:
        """0."""
        return 0.0

    def __repr__(self) -> str:
        return f"{self.value:g}"

    __str__ = __repr__


class Uniform(_Distribution):
    """Uniform on [``low``, ``high``], ``low < high``.

    Examples
    --------
    >>> d = Uniform(low=12, high=48)
    >>> d.mean, d.variance, d.ppf(0.25).item()
    (30.0, 108.0, 21.0)
    """

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    def _check(self) -> None:
        if not self.high > self.low:
            raise DistError("high", self.high, f"must be greater than low ({self.low})")

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """``low + u (high - low)``, clipped: rounding may step just outside [low, high]."""
        q = np.asarray(u, dtype=np.float64)
        return np.clip(self.low + q * (self.high - self.low), self.low, self.high)

    @property
    def mean(self) -> float:
        """``(low + high) / 2``."""
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        """``(high - low)^2 / 12``."""
        return (self.high - self.low) ** 2 / 12


class Triangular(_Distribution):
    """Triangular on [``low``, ``high``] with its peak at ``mode``.

    Examples
    --------
    >>> d = Triangular(low=1, mode=2, high=4)
    >>> round(d.mean, 6), round(d.variance, 6), d.ppf(0.5).item() > 1
    (2.333333, 0.388889, True)
    """

    dist: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    def _check(self) -> None:
        if not (self.low <= self.mode <= self.high and self.high > self.low):
            raise DistError("mode", self.mode, "must satisfy low <= mode <= high with low < high")

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """The two square-root branches left and right of the mode, clipped to [low, high]."""
        q = np.asarray(u, dtype=np.float64)
        lo, mo, hi = self.low, self.mode, self.high
        c = (mo - lo) / (hi - lo)
        left = lo + np.sqrt(q * (hi - lo) * (mo - lo))
        right = hi - np.sqrt((1.0 - q) * (hi - lo) * (hi - mo))
        return np.clip(np.where(q < c, left, right), lo, hi)

    @property
    def mean(self) -> float:
        """``(low + mode + high) / 3``."""
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        """``(a^2 + b^2 + c^2 - ab - ac - bc) / 18`` for low a, mode c, high b."""
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18


class Normal(_Distribution):
    """Normal with mean ``mean`` and standard deviation ``sd`` >= 0.

    ``mean`` is both the parameter and the expected value.

    Examples
    --------
    >>> d = Normal(mean=18, sd=6)
    >>> d.mean, d.variance, d.ppf(0.5).item()
    (18.0, 36.0, 18.0)
    """

    dist: Literal["normal"] = "normal"
    mean: float
    sd: float

    def _check(self) -> None:
        if self.sd < 0:
            raise DistError("sd", self.sd, "must be >= 0")

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """``mean + sd * Phi^-1(u)``."""
        return self._ppf_at_score(u, special.ndtri(np.asarray(u, dtype=np.float64)))

    def _ppf_at_score(self, u: ArrayLike, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """``mean + sd * z``: the quantile at the normal score ``z`` of ``u``."""
        return np.asarray(self.mean + self.sd * z)

    @property
    def variance(self) -> float:
        """``sd^2``."""
        return float(self.sd**2)


class Lognormal(_Distribution):
    """Lognormal given by its ``median`` > 0 and ``sigma`` >= 0, the standard deviation of the log.

    Examples
    --------
    >>> d = Lognormal(median=1, sigma=0.5)
    >>> round(d.mean, 6), d.ppf(0.5).item()
    (1.133148, 1.0)
    """

    dist: Literal["lognormal"] = "lognormal"
    median: float
    sigma: float

    def _check(self) -> None:
        if self.sigma < 0:
            raise DistError("sigma", self.sigma, "must be >= 0")
        if self.median <= 0:
            raise DistError("median", self.median, "must be > 0")

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """``median * exp(sigma * Phi^-1(u))``."""
        return self._ppf_at_score(u, special.ndtri(np.asarray(u, dtype=np.float64)))

    def _ppf_at_score(self, u: ArrayLike, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """``median * exp(sigma * z)``: the quantile at the normal score ``z`` of ``u``."""
        return np.asarray(self.median * np.exp(self.sigma * z))

    @property
    def mean(self) -> float:
        """``median * exp(sigma^2 / 2)``."""
        return float(self.median * np.exp(self.sigma**2 / 2))

    @property
    def variance(self) -> float:
        """``(exp(sigma^2) - 1) * median^2 * exp(sigma^2)``."""
        s2 = self.sigma**2
        return float((np.exp(s2) - 1) * np.exp(2 * np.log(self.median) + s2))


class Exponential(_Distribution):
    """Exponential with mean ``mean`` > 0 (rate ``1 / mean``).

    Examples
    --------
    >>> d = Exponential(mean=3)
    >>> d.mean, d.variance
    (3.0, 9.0)
    """

    dist: Literal["exponential"] = "exponential"
    mean: float

    def _check(self) -> None:
        if self.mean <= 0:
            raise DistError("mean", self.mean, "must be > 0")

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """``-mean * log(1 - u)``."""
        return np.asarray(-self.mean * np.log1p(-np.asarray(u, dtype=np.float64)))

    @property
    def variance(self) -> float:
        """``mean^2``."""
        return float(self.mean**2)


class Beta(_Distribution):
    """Beta on [0, 1] with shapes ``a`` > 0 and ``b`` > 0.

    Examples
    --------
    >>> d = Beta(a=2, b=2)
    >>> d.mean, d.variance, d.ppf(0.5).item()
    (0.5, 0.05, 0.5)
    """

    dist: Literal["beta"] = "beta"
    a: float
    b: float

    def _check(self) -> None:
        for name in ("a", "b"):
            if getattr(self, name) <= 0:
                raise DistError(name, getattr(self, name), "must be > 0")

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """The inverse of the regularised incomplete beta function."""
        return np.asarray(special.betaincinv(self.a, self.b, np.asarray(u, dtype=np.float64)))

    @property
    def mean(self) -> float:
        """``a / (a + b)``."""
        return self.a / (self.a + self.b)

    @property
    def variance(self) -> float:
        """``ab / ((a + b)^2 (a + b + 1))``."""
        a, b = self.a, self.b
        return a * b / ((a + b) ** 2 * (a + b + 1))


class Empirical(_Distribution):
    """The given ``values``, each with probability proportional to its weight (equal without ``weights``).

    Examples
    --------
    >>> d = Empirical(values=(3, 1, 2), weights=(1, 2, 1))
    >>> d.mean, d.ppf([0.1, 0.6, 0.9]).tolist()
    (1.75, [1.0, 2.0, 3.0])
    """

    dist: Literal["empirical"] = "empirical"
    values: tuple[float, ...]
    weights: tuple[float, ...] | None = None

    def _check(self) -> None:
        if len(self.values) == 0:
            raise DistError("values", self.values, "must not be empty")
        if self.weights is not None:
            w = np.asarray(self.weights, dtype=float)
            if len(w) != len(self.values):
                raise DistError("weights", self.weights, f"must have {len(self.values)} entries like values")
            if (w < 0).any() or w.sum() <= 0:
                raise DistError("weights", self.weights, "must be >= 0 and not all 0")

    def _probabilities(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        vals = np.asarray(self.values, dtype=float)
        w = np.ones(len(vals)) if self.weights is None else np.asarray(self.weights, dtype=float)
        return vals, w / w.sum()

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """The smallest value whose cumulative probability exceeds ``u``."""
        q = np.asarray(u, dtype=np.float64)
        vals, w = self._probabilities()
        order = np.argsort(vals, kind="stable")  # the inverse CDF needs sorted values
        vals, w = vals[order], w[order]
        cum = np.cumsum(w)
        idx = np.minimum(np.searchsorted(cum, q, side="right"), len(vals) - 1)
        return vals[idx]

    @property
    def mean(self) -> float:
        """The weighted mean of ``values``."""
        vals, w = self._probabilities()
        return float(np.dot(vals, w))

    @property
    def variance(self) -> float:
        """The weighted variance of ``values`` (weights as probabilities)."""
        vals, w = self._probabilities()
        m = float(np.dot(vals, w))
        return float(np.dot((vals - m) ** 2, w))


#: Any distribution (the classes; :data:`Dist` is the validating annotation).
AnyDist = Constant | Uniform | Triangular | Normal | Lognormal | Exponential | Beta | Empirical

_CLASSES: dict[str, type[_Distribution]] = {
    cls.model_fields["dist"].default: cls
    for cls in (Constant, Uniform, Triangular, Normal, Lognormal, Exponential, Beta, Empirical)
}
#: The names a ``dist`` key may take, one per distribution class.
DIST_KINDS: tuple[str, ...] = tuple(_CLASSES)
#: The largest int that ``float()`` converts without OverflowError (about 1.8e308).
_FLOAT_MAX_INT = int(np.finfo(np.float64).max)
#: Every parameter name of some distribution.
_PARAMETERS = frozenset(name for cls in _CLASSES.values() for name in cls.model_fields) - {"dist"}


def _as_table(data: Any) -> Any:
    """A number is a constant; a table must name a known ``dist`` (one line otherwise)."""
    if isinstance(data, _Distribution):
        return data
    if isinstance(data, bool) or not isinstance(data, int | float | dict):
        raise ValueError("a distribution must be a number or a table with 'dist'")
    if not isinstance(data, dict):
        if isinstance(data, int) and not -_FLOAT_MAX_INT <= data <= _FLOAT_MAX_INT:
            raise ValueError("must be a finite number of at most 308 digits")  # float() would overflow
        return {"dist": "constant", "value": float(data)}
    if "dist" not in data:
        raise DistError("dist", None, "field required")
    if data["dist"] not in _CLASSES:
        raise DistError("dist", data["dist"], f"unknown distribution (expected {', '.join(DIST_KINDS)})")
    return data


#: A distribution field of a scenario: a number (constant) or a table tagged by ``dist``.
Dist = Annotated[AnyDist, Field(discriminator="dist"), BeforeValidator(_as_table)]

_ADAPTER: TypeAdapter[AnyDist] = TypeAdapter(Dist)


def parse_dist(data: Any) -> AnyDist:
    """Validate a distribution as written in a scenario file.

    Parameters
    ----------
    data : float or dict
        A number (a :class:`Constant`) or a table with ``dist`` and the
        parameters of that distribution.

    Returns
    -------
    AnyDist
        The distribution, of the class ``dist`` names.

    Raises
    ------
    pydantic.ValidationError
        Naming the parameter and the value.

    Examples
    --------
    >>> parse_dist({"dist": "triangular", "low": 1, "mode": 2, "high": 4})
    triangular(low=1.0, mode=2.0, high=4.0)
    >>> parse_dist(3.0).mean
    3.0
    """
    return _ADAPTER.validate_python(data)
