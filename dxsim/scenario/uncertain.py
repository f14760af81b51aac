"""Uncertain parameters: the ``[uncertain]`` table of a scenario and its keyed draws.

A scenario may mark parameters as uncertain: the ``[uncertain]`` table maps
dotted paths (the paths :meth:`Scenario.with_overrides
<dxsim.scenario.schema.Scenario.with_overrides>` accepts) to distributions in
the scenario's own syntax (:mod:`dxsim.scenario.dists`), and may hold joint
normal groups (``[[uncertain.joint]]``: several paths with a mean vector and a
covariance matrix, the form :meth:`dxsim.studies.calibrate.Calibration.to_uncertain`
writes)::

    [uncertain]
    "industry_defaults.imitation" = { dist = "triangular", low = 0.2, mode = 0.38, high = 0.5 }

    [[uncertain.joint]]
    paths = ["industry_defaults.outreach", "behaviour.benefit_share"]
    mean = [0.13, 0.5]
    covariance = [[0.019, 0.0], [0.0, 0.01]]
    low = [0.0, 0.0]
    high = [1.0, 1.0]

Replication ``k`` of a run on seed ``s`` draws every path from the keyed uniform
``Keys(replication_key(s, k)).uniform("uncertain", stream_id(path))``
(:mod:`dxsim.random`): a pure function of the seed, the replication and the
path, so two scenarios with the same entry draw the same values (common random
numbers), and the model's own streams keep their draws.  A marginal draws by
its inverse CDF; a joint group turns each path's uniform into a standard normal
``z`` and draws ``mean + L z`` (``L`` the Cholesky factor of the covariance, or
its symmetric square root when the covariance is singular), each value clipped
to ``[low, high]`` where given.  With the Cholesky factor, the first path of a
group draws exactly what a ``normal`` marginal of the same path would.

A distribution that can draw outside the range the schema gives its field (a
``normal`` on a share) is refused when the scenario is validated
(:meth:`Uncertain.check_ranges`); a draw that a rule between fields refuses
stops a run before its first replication
(:meth:`~dxsim.scenario.schema.Scenario.check_draws`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Protocol, Self, cast

import numpy as np
from immutabledict import immutabledict
from numpy.typing import NDArray
from pydantic import AfterValidator, BaseModel, Field, model_serializer, model_validator
from scipy import special

from dxsim.random import Keys, stream_id
from dxsim.scenario.base import Frozen
from dxsim.scenario.bounds import Bounds, field_bounds, node_at
from dxsim.scenario.dists import AnyDist, Dist, Empirical
from dxsim.scenario.errors import FieldError, ScenarioError
from dxsim.scenario.overrides import parse_path

__all__ = ["FIXED", "STREAM", "TAIL", "JointNormal", "Uncertain", "draw_uncertain", "support"]

#: The quantiles (``TAIL`` and ``1 - TAIL``) at which a distribution's parameter drawn under
#: ``[uncertain]`` must still make a valid scenario (a normal's: 7.03 standard deviations out).
TAIL = 1e-12

#: The stream of :mod:`dxsim.random` the uncertain parameters are drawn from.
STREAM = "uncertain"
#: First keys of the paths that cannot be uncertain: they fix a run's identity, shape or seed, or are
#: settings of the outputs and the appraisal, read after the run from the scenario (not per replication).
FIXED = frozenset({"name", "description", "start", "horizon_months", "seed", "uncertain", "discount_rate", "appraisal"})


class JointNormal(Frozen):
    """Several parameters drawn together from a multivariate normal, each clipped to its bounds.

    Parameters
    ----------
    paths : tuple of str
        Dotted paths, at least one, each once.
    mean : tuple of float
        The mean of each path, in the units of the field it names.
    covariance : tuple of tuple of float
        Symmetric, positive semi-definite, ``len(paths)`` square, in the
        products of the fields' units.
    low, high : tuple of float, optional
        Bounds each draw is clipped to (e.g. the bounds a calibration searched).

    Examples
    --------
    >>> j = JointNormal(paths=("a.x", "a.y"), mean=(1, 2), covariance=((4, 0), (0, 1)), low=(0, 0))
    >>> j.draw(np.array([0.5, -3.0])).tolist()
    [2.0, 0.0]
    """

    paths: tuple[str, ...] = Field(min_length=1)
    mean: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    low: tuple[float, ...] | None = None
    high: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _shapes(self) -> Self:
        n = len(self.paths)
        if len(set(self.paths)) != n:
            raise FieldError(("paths",), list(self.paths), "each path may appear once")
        for name in ("mean", "low", "high"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise FieldError((name,), list(value), f"must have {n} entries, one per path")
        cov = np.asarray(self.covariance, dtype=float)
        if cov.shape != (n, n):
            raise FieldError(("covariance",), [list(r) for r in self.covariance], f"must be {n} x {n}")
        tol = 1e-9 * max(1.0, float(np.abs(cov).max()))
        if not np.allclose(cov, cov.T, rtol=0, atol=tol) or float(np.linalg.eigvalsh(cov).min()) < -tol:
            raise FieldError(("covariance",), [list(r) for r in self.covariance], "must be symmetric and PSD")
        if (
            self.low is not None
            and self.high is not None
            and any(a > b for a, b in zip(self.low, self.high, strict=True))
        ):
            raise FieldError(("high",), list(self.high), "must be >= low, path by path")
        return self

    def factor(self) -> NDArray[np.float64]:
        """``L`` with ``L L' = covariance``: Cholesky's if positive definite, else the symmetric root."""
        cov = np.asarray(self.covariance, dtype=float)
        try:
            return np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            vals, vecs = np.linalg.eigh(cov)
            return np.asarray(vecs @ np.diag(np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T)

    def draw(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """``mean + L z`` clipped to ``[low, high]``, for standard normals ``z`` (one per path)."""
        x = np.asarray(self.mean, dtype=float) + self.factor() @ np.asarray(z, dtype=float)
        low = -np.inf if self.low is None else np.asarray(self.low, dtype=float)
        high = np.inf if self.high is None else np.asarray(self.high, dtype=float)
        return np.asarray(np.clip(x, low, high))

    def centre(self) -> NDArray[np.float64]:
        """The mean clipped to the bounds (what :meth:`draw` gives at ``z = 0``)."""
        return self.draw(np.zeros(len(self.paths)))

    def support(self, i: int) -> Bounds:
        """The values path ``i`` draws: the clipped mean if its variance is 0, else ``[low, high]`` (unbounded where not given).

        Examples
        --------
        >>> j = JointNormal(paths=("a.x", "a.y"), mean=(1, 2), covariance=((4, 0), (0, 0)), low=(0, 0))
        >>> str(j.support(0)), str(j.support(1))
        ('[0, inf)', 'whole numbers in [2, 2]')
        """
        if self.covariance[i][i] == 0:
            return _point(float(self.centre()[i]))
        low = -np.inf if self.low is None else self.low[i]
        high = np.inf if self.high is None else self.high[i]
        return Bounds(low, high, low_open=self.low is None, high_open=self.high is None)  # clipping reaches the ends


def _frozen(value: Mapping[str, Any]) -> immutabledict[str, Any]:
    return immutabledict(value)


class Uncertain(Frozen):
    """A scenario's ``[uncertain]`` table: marginal distributions by path, and joint normal groups.

    Written (and serialised) flat: ``{path: distribution, ..., "joint": [group, ...]}``;
    empty, it is left out of the scenario's TOML.

    Examples
    --------
    >>> u = Uncertain.model_validate({"industry_defaults.imitation": {"dist": "uniform", "low": 0.2, "high": 0.5}})
    >>> u.paths, bool(u)
    (('industry_defaults.imitation',), True)
    >>> bool(Uncertain()), Uncertain().model_dump()
    (False, None)
    """

    marginals: Annotated[Mapping[str, Dist], AfterValidator(_frozen)] = Field(default_factory=immutabledict)
    joint: tuple[JointNormal, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        """The file's flat form: every key but ``joint`` is a path."""
        if not isinstance(data, Mapping) or set(data) <= {"marginals", "joint"}:
            return data
        rest = {k: v for k, v in data.items() if k != "joint"}
        return {"marginals": rest, "joint": data.get("joint", ())}

    @model_validator(mode="after")
    def _paths(self) -> Self:
        seen: set[str] = set()
        for path in self.paths:
            try:
                first = parse_path(path)[0]
            except ValueError:
                raise FieldError((f'"{path}"',), path, "malformed path") from None
            if first in FIXED:
                raise FieldError((f'"{path}"',), path, f"{first} cannot be uncertain (fixed for the whole run)")
            if path in seen:
                raise FieldError((f'"{path}"',), path, "drawn twice (a marginal and a joint group, or two groups)")
            seen.add(path)
        return self

    @model_serializer(mode="plain")
    def _serialize(self) -> Any:
        if not self:
            return None
        out: dict[str, Any] = {path: dist.model_dump() for path, dist in self.marginals.items()}
        if self.joint:
            out["joint"] = [g.model_dump(exclude_none=True) for g in self.joint]
        return out

    def __bool__(self) -> bool:
        return bool(self.marginals) or bool(self.joint)

    @property
    def paths(self) -> tuple[str, ...]:
        """Every uncertain path: the marginals in order, then each joint group's."""
        return (*self.marginals, *(p for g in self.joint for p in g.paths))

    def centre(self) -> dict[str, float]:
        """Central values: each marginal's median, each group's (clipped) mean."""
        out = {path: float(dist.ppf(0.5)) for path, dist in self.marginals.items()}
        for group in self.joint:
            out.update(zip(group.paths, (float(x) for x in group.centre()), strict=True))
        return out

    def check_ranges(self, root: BaseModel) -> None:
        """Refuse a distribution that can draw values outside the range the schema gives its path's field.

        The range is read from the schema (:func:`~dxsim.scenario.bounds.field_bounds`); a
        path with no simple range there (a field only a cross-field rule
        bounds) is not checked here, except a distribution's parameter (the
        lowest hurdle rate, ``behaviour.hurdle_rate.low``): the scenario
        with its draw at each :data:`TAIL` quantile must be valid.

        Parameters
        ----------
        root : pydantic.BaseModel
            The validated scenario this table belongs to.

        Raises
        ------
        FieldError
            At ``uncertain`` and the path (or the joint group), naming the distribution,
            what it can draw and the field's range.
        """
        for path, dist in self.marginals.items():
            where = ("uncertain", f'"{path}"')
            _check_range(root, where, path, support(dist), str(dist))
            _check_extremes(root, where, path, dist.ppf([TAIL, 1 - TAIL]), str(dist))
        for k, group in enumerate(self.joint):
            for i, path in enumerate(group.paths):
                sd = float(np.sqrt(group.covariance[i][i]))
                what = f"{path}: the joint normal's mean {group.mean[i]:g}, sd {sd:g},"
                hint = "give the group low and high within it"
                drawn = group.support(i)
                _check_range(root, ("uncertain", "joint", k), path, drawn, what, hint)
                ends = np.clip(group.mean[i] + special.ndtri([TAIL, 1 - TAIL]) * sd, drawn.low, drawn.high)
                _check_extremes(root, ("uncertain", "joint", k), path, ends, what)

    def dropping(self, gone: Callable[[list[str | int]], bool]) -> Uncertain:
        """The table without the paths (split by :func:`~dxsim.scenario.overrides.parse_path`) ``gone`` is true of.

        For the scenario variants that remove or fix parts of a scenario (the
        counterfactual has no instruments; no peer effects sets imitation to
        0): the marginals kept draw what they drew before; a joint group that
        loses a path keeps the normal marginal of its other paths (their
        distribution, not their draws, is the same).

        Examples
        --------
        >>> u = Uncertain.model_validate({"programme.instruments[0].share": 0.3, "industry_defaults.imitation": 0.4})
        >>> u.dropping(lambda parts: parts[0] == "programme").paths
        ('industry_defaults.imitation',)
        """
        marginals = {p: d for p, d in self.marginals.items() if not gone(parse_path(p))}
        groups = []
        for g in self.joint:
            idx = [i for i, p in enumerate(g.paths) if not gone(parse_path(p))]
            if len(idx) == len(g.paths):
                groups.append(g)
            elif idx:
                groups.append(_subgroup(g, idx))
        return Uncertain(marginals=marginals, joint=tuple(groups))


def _subgroup(g: JointNormal, idx: list[int]) -> JointNormal:
    def pick(values: tuple[float, ...] | None) -> tuple[float, ...] | None:
        return None if values is None else tuple(values[i] for i in idx)

    return JointNormal(
        paths=tuple(g.paths[i] for i in idx),
        mean=tuple(g.mean[i] for i in idx),
        covariance=tuple(tuple(g.covariance[i][j] for j in idx) for i in idx),
        low=pick(g.low),
        high=pick(g.high),
    )


def support(dist: AnyDist) -> Bounds:
    """The values ``dist`` draws by its inverse CDF from uniforms in (0, 1).

    A point if its variance is 0; the range of an empirical distribution's
    values (of positive weight), whole if they all are; else the open
    interval between the inverse CDF's limits at 0 and 1.

    Examples
    --------
    >>> from dxsim.scenario.dists import parse_dist
    >>> [str(support(parse_dist(d))) for d in (3, {"dist": "normal", "mean": 0.1, "sd": 0.2},
    ...     {"dist": "lognormal", "median": 1, "sigma": 1}, {"dist": "empirical", "values": [2, 5]})]
    ['whole numbers in [3, 3]', '(-inf, inf)', '(0, inf)', 'whole numbers in [2, 5]']
    """
    if isinstance(dist, Empirical):
        weights = dist.weights or (1.0,) * len(dist.values)
        values = [v for v, w in zip(dist.values, weights, strict=True) if w > 0]
        return Bounds(min(values), max(values), whole=all(float(v).is_integer() for v in values))
    if dist.variance == 0:
        return _point(float(dist.ppf(0.5)))
    return Bounds(float(dist.ppf(0.0)), float(dist.ppf(1.0)), low_open=True, high_open=True)


def _point(x: float) -> Bounds:
    return Bounds(x, x, whole=x.is_integer())


def _check_range(
    root: BaseModel, where: tuple[str | int, ...], path: str, drawn: Bounds, what: str, hint: str | None = None
) -> None:
    """Raise :class:`FieldError` at ``where`` if ``drawn``, the values ``what`` draws for ``path``, leave its field's range.

    ``hint`` says how to stay within; by default, distributions that do.
    """
    field = field_bounds(root, parse_path(path))
    if field is None or field.covers(drawn):
        return
    if field.whole and not drawn.whole:
        hint = "the field takes whole numbers: use an empirical distribution of whole numbers"
    elif hint is None:
        bounded = np.isfinite(field.low) and np.isfinite(field.high)
        hint = f"use a distribution within it (e.g. uniform, triangular, {'beta' if bounded else 'lognormal'})"
    raise FieldError(where, None, f"{what} can draw {drawn}, outside the field's range {field}; {hint}")


class _Scenario(Protocol):
    """What :func:`_check_extremes` needs of the scenario (whose module imports this one)."""

    def with_values(self, values: Mapping[str, float]) -> Any: ...


def _check_extremes(root: BaseModel, where: tuple[str | int, ...], path: str, ends: Any, what: str) -> None:
    """Raise :class:`FieldError` at ``where`` if ``path`` is a distribution's parameter and a draw at ``ends`` is invalid.

    A distribution's parameter has no range of its own in the schema (the
    distribution's rules and its field's, say a hurdle rate's lowest value
    at least 0, bound it), so the scenario is validated with the parameter
    at each end (:data:`TAIL` quantiles of what it draws).
    """
    if not isinstance(node_at(root, parse_path(path)[:-1]), AnyDist):
        return
    for side, value in zip(("lowest", "highest"), np.asarray(ends, dtype=float).tolist(), strict=True):
        try:
            cast(_Scenario, root).with_values({path: value})
        except ScenarioError as err:
            why = err.lines[0].removeprefix("<uncertain>: ")
            raise FieldError(
                where,
                None,
                f"{what} can draw {value:.6g} (its {side} {TAIL:g} quantile), which makes an invalid scenario "
                f"({why}); bound the distribution so that every draw makes a valid one",
            ) from None


def draw_uncertain(uncertain: Uncertain, key: int) -> dict[str, float]:
    """The values replication key ``key`` draws for every uncertain path.

    Parameters
    ----------
    uncertain : Uncertain
        A scenario's ``[uncertain]`` table.
    key : int
        The replication key (:func:`dxsim.random.replication_key`).

    Returns
    -------
    dict
        ``{path: value}`` in :attr:`Uncertain.paths` order, each value in the
        units of the scenario field the path names.

    Examples
    --------
    >>> from dxsim.random import replication_key
    >>> u = Uncertain.model_validate({"industry_defaults.imitation": {"dist": "uniform", "low": 0.2, "high": 0.5}})
    >>> a = draw_uncertain(u, replication_key(1, 0))
    >>> a == draw_uncertain(u, replication_key(1, 0)), 0.2 <= a["industry_defaults.imitation"] <= 0.5
    (True, True)
    """
    keys = Keys(key)
    paths = uncertain.paths
    u = keys.uniform(STREAM, [stream_id(p) for p in paths]) if paths else np.empty(0)
    by_path = dict(zip(paths, u, strict=True))
    out = {path: float(dist.ppf(by_path[path])) for path, dist in uncertain.marginals.items()}
    for group in uncertain.joint:
        z = special.ndtri(np.array([by_path[p] for p in group.paths]))
        out.update(zip(group.paths, (float(x) for x in group.draw(z)), strict=True))
    return out
