"""Probability distributions of scenario files: validation, inverse CDF, moments.

In a scenario a distribution is a number (a constant) or an inline table with a
``dist`` key::

    revenue = { dist = "lognormal", median = 30e6, sigma = 0.9 }

Every distribution draws by its inverse CDF (:meth:`ppf`) from uniforms, so it
can be fed the keyed uniforms of :mod:`dxsim.random` (common random numbers) as
well as a ``numpy.random.Generator`` (:meth:`sample`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator
from scipy import special

__all__ = ["DIST_KINDS", "Dist"]

DistKind = Literal["constant", "uniform", "triangular", "normal", "lognormal", "exponential", "beta", "empirical"]
DIST_KINDS: tuple[str, ...] = get_args(DistKind)

_PARAMS: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "exponential": ("mean",),
    "beta": ("a", "b"),
    "empirical": ("values",),
}


class DistError(ValueError):
    """A distribution's parameters are missing or inconsistent (names the parameter)."""

    def __init__(self, param: str, value: Any, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.value = value


class Dist(BaseModel):
    """A univariate distribution given by name and parameters.

    Parameters
    ----------
    dist : str
        One of ``constant`` (value), ``uniform`` (low, high), ``triangular``
        (low, mode, high), ``normal`` (mean, sd), ``lognormal`` (median, sigma:
        the median and the standard deviation of the log), ``exponential``
        (mean), ``beta`` (a, b), ``empirical`` (values, optional weights).

    Examples
    --------
    >>> d = Dist.model_validate({"dist": "triangular", "low": 1, "mode": 2, "high": 4})
    >>> round(d.mean, 6)
    2.333333
    >>> float(d.ppf(0.5)) > 1
    True
    >>> Dist.model_validate(3.0).mean
    3.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: DistKind
    value: float | None = None
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    mean_: Annotated[float | None, Field(alias="mean")] = None
    sd: float | None = None
    median: float | None = None
    sigma: float | None = None
    a: float | None = None
    b: float | None = None
    values: tuple[float, ...] | None = None
    weights: tuple[float, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _number_is_constant(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("a distribution must be a number or a table with 'dist'")
        if isinstance(data, int | float):
            return {"dist": "constant", "value": float(data)}
        if isinstance(data, dict) and isinstance(data.get("dist"), str) and data["dist"] not in _PARAMS:
            # One line for an unknown name, rather than one per parameter it does not know.
            raise DistError("dist", data["dist"], f"unknown distribution (expected {', '.join(DIST_KINDS)})")
        return data

    @model_validator(mode="after")
    def _check(self) -> Dist:
        needed = _PARAMS[self.dist]
        given = {k for k, v in self._params().items() if v is not None}
        for name in needed:
            if name not in given:
                raise DistError(name, self._serialize(), f"{self.dist} distribution needs '{name}'")
        allowed = set(needed) | ({"weights"} if self.dist == "empirical" else set())
        for name in sorted(given - allowed):
            raise DistError(name, self._params()[name], f"'{name}' is not a parameter of {self.dist}")
        p = self._params()
        for name in sorted(given):
            if np.isnan(p[name]).any():
                raise DistError(name, p[name], "must be a number, not NaN")
        if self.dist == "uniform" and not p["high"] > p["low"]:
            raise DistError("high", p["high"], f"must be greater than low ({p['low']})")
        if self.dist == "triangular" and not (p["low"] <= p["mode"] <= p["high"] and p["high"] > p["low"]):
            raise DistError("mode", p["mode"], "must satisfy low <= mode <= high with low < high")
        for name in ("sd", "sigma"):
            if p.get(name) is not None and p[name] < 0:
                raise DistError(name, p[name], "must be >= 0")
        if self.dist == "exponential" and p["mean"] <= 0:
            raise DistError("mean", p["mean"], "must be > 0")
        if self.dist == "lognormal" and p["median"] <= 0:
            raise DistError("median", p["median"], "must be > 0")
        for name in ("a", "b"):
            if p.get(name) is not None and p[name] <= 0:
                raise DistError(name, p[name], "must be > 0")
        if self.dist == "empirical":
            vals = self.values or ()
            if len(vals) == 0:
                raise DistError("values", vals, "must not be empty")
            if self.weights is not None:
                w = np.asarray(self.weights, dtype=float)
                if len(w) != len(vals):
                    raise DistError("weights", self.weights, f"must have {len(vals)} entries like values")
                if (w < 0).any() or w.sum() <= 0:
                    raise DistError("weights", self.weights, "must be >= 0 and not all 0")
        return self

    @model_serializer(mode="plain")
    def _serialize(self) -> Any:
        if self.dist == "constant":
            return self.value
        out: dict[str, Any] = {"dist": self.dist}
        for k, v in self._params().items():
            if v is not None:
                out[k] = list(v) if isinstance(v, tuple) else v
        return out

    def _params(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "low": self.low,
            "mode": self.mode,
            "high": self.high,
            "mean": self.mean_,
            "sd": self.sd,
            "median": self.median,
            "sigma": self.sigma,
            "a": self.a,
            "b": self.b,
            "values": self.values,
            "weights": self.weights,
        }

    @property
    def is_constant(self) -> bool:
        """True for a point mass."""
        return self.dist == "constant"

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """Inverse CDF at probabilities ``u`` in (0, 1)."""
        q = np.asarray(u, dtype=np.float64)
        p = self._params()
        match self.dist:
            case "constant":
                return np.full_like(q, p["value"])
            case "uniform":
                # Clipped: rounding may step just outside [low, high].
                return np.clip(p["low"] + q * (p["high"] - p["low"]), p["low"], p["high"])
            case "triangular":
                lo, mo, hi = p["low"], p["mode"], p["high"]
                c = (mo - lo) / (hi - lo)
                left = lo + np.sqrt(q * (hi - lo) * (mo - lo))
                right = hi - np.sqrt((1.0 - q) * (hi - lo) * (hi - mo))
                return np.clip(np.where(q < c, left, right), lo, hi)
            case "normal":
                return np.asarray(p["mean"] + p["sd"] * special.ndtri(q))
            case "lognormal":
                return np.asarray(p["median"] * np.exp(p["sigma"] * special.ndtri(q)))
            case "exponential":
                return np.asarray(-p["mean"] * np.log1p(-q))
            case "beta":
                return np.asarray(special.betaincinv(p["a"], p["b"], q))
            case _:  # empirical
                vals, w = self._empirical()
                order = np.argsort(vals, kind="stable")  # the inverse CDF needs sorted values
                vals, w = vals[order], w[order]
                cum = np.cumsum(w)
                idx = np.minimum(np.searchsorted(cum, q, side="right"), len(vals) - 1)
                return vals[idx]

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...] | None = None) -> NDArray[np.float64]:
        """Draw from the distribution with a caller's generator."""
        return self.ppf(rng.random(size))

    @property
    def mean(self) -> float:
        """Expected value."""
        p = self._params()
        match self.dist:
            case "constant":
                return float(p["value"])
            case "uniform":
                return (p["low"] + p["high"]) / 2
            case "triangular":
                return (p["low"] + p["mode"] + p["high"]) / 3
            case "normal":
                return float(p["mean"])
            case "lognormal":
                return float(p["median"] * np.exp(p["sigma"] ** 2 / 2))
            case "exponential":
                return float(p["mean"])
            case "beta":
                return p["a"] / (p["a"] + p["b"])
            case _:
                vals, w = self._empirical()
                return float(np.dot(vals, w))

    @property
    def variance(self) -> float:
        """Variance."""
        p = self._params()
        match self.dist:
            case "constant":
                return 0.0
            case "uniform":
                return (p["high"] - p["low"]) ** 2 / 12
            case "triangular":
                a, c, b = p["low"], p["mode"], p["high"]
                return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
            case "normal":
                return float(p["sd"] ** 2)
            case "lognormal":
                s2 = p["sigma"] ** 2
                return float((np.exp(s2) - 1) * np.exp(2 * np.log(p["median"]) + s2))
            case "exponential":
                return float(p["mean"] ** 2)
            case "beta":
                a, b = p["a"], p["b"]
                return a * b / ((a + b) ** 2 * (a + b + 1))
            case _:
                vals, w = self._empirical()
                m = float(np.dot(vals, w))
                return float(np.dot((vals - m) ** 2, w))

    def _empirical(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        vals = np.asarray(self.values, dtype=float)
        w = np.ones(len(vals)) if self.weights is None else np.asarray(self.weights, dtype=float)
        return vals, w / w.sum()

    def __repr__(self) -> str:
        if self.dist == "constant":
            return f"{self.value:g}"
        args = ", ".join(f"{k}={v}" for k, v in self._params().items() if v is not None)
        return f"{self.dist}({args})"

    __str__ = __repr__
