"""dxsim.analysis.survival: Kaplan-Meier shares of right-censored durations (paybacks)."""

from __future__ import annotations

import numpy as np

from dxsim.analysis import survival


def _censored_sample(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exponential durations (mean 10) right-censored at uniform follow-ups of 0-30 months."""
    event = rng.exponential(10.0, n)
    followup = rng.uniform(0.0, 30.0, n)
    censored = event > followup
    return np.where(censored, np.nan, event), censored, followup


def test_km_share_without_censoring_is_the_empirical_share():
    rng = np.random.default_rng(3)
    times = np.round(rng.exponential(10.0, 200), 1)  # ties too
    none = np.zeros(len(times), dtype=bool)
    at = np.array([0.0, 1.0, 5.0, 10.0, 12.0, 24.0, 36.0, 1e3])
    expected = [(times <= t).mean() for t in at]
    np.testing.assert_allclose(survival.km_share(times, none, times, at), expected, rtol=0, atol=1e-12)


def test_km_share_is_a_share_non_decreasing_in_months_and_above_the_naive_share():
    rng = np.random.default_rng(4)
    for _ in range(20):
        times, censored, followup = _censored_sample(rng, 50)
        at = np.arange(0.0, 31.0, 1.0)
        share = survival.km_share(times, censored, followup, at)
        known = ~np.isnan(share)
        last = max(np.nanmax(times, initial=0.0), followup[censored].max(initial=0.0))
        assert known[at <= last].all()  # identified up to the last observation
        assert ((share[known] >= 0) & (share[known] <= 1)).all()
        assert (np.diff(share[known]) >= -1e-12).all()
        # censored units count as "not yet", never as "never": KM >= events seen by t / n
        naive = np.array([np.nansum(times <= t) / len(times) for t in at])
        assert (share[known] >= naive[known] - 1e-12).all()


def test_km_share_beyond_a_censored_last_observation_is_not_identified():
    times = np.array([1.0, 2.0, np.nan])
    censored = np.array([False, False, True])
    share = survival.km_share(times, censored, np.array([0.0, 0.0, 6.0]), [2.0, 6.0, 7.0])
    np.testing.assert_allclose(share[:2], [2 / 3, 2 / 3])
    assert np.isnan(share[2])
    # the last observation an event: everybody has paid back after it
    assert survival.km_share(times[:2], censored[:2], np.zeros(2), [100.0])[0] == 1.0
    assert np.isnan(survival.km_share(np.array([]), np.array([], dtype=bool), np.array([]), [1.0])[0])
