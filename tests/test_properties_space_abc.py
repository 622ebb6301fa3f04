"""Property-based tests (hypothesis) of the search-space transforms and of ABC acceptance."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activesci.abc import Mean, Normal, rejection_abc
from activesci.space import Categorical, Integer, Real, Space

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def real_dims(draw):
    if draw(st.booleans()):
        lo = draw(st.floats(1e-6, 1e3))
        hi = lo * draw(st.floats(1.01, 1e4))
        return Real(lo, hi, prior="log-uniform")
    lo = draw(finite)
    hi = lo + draw(st.floats(1e-3, 1e6))
    return Real(lo, hi)


@st.composite
def spaces(draw):
    dims = []
    for kind in draw(st.lists(st.sampled_from(["real", "int", "cat"]), min_size=1, max_size=5)):
        if kind == "real":
            dims.append(draw(real_dims()))
        elif kind == "int":
            lo = draw(st.integers(-1000, 1000))
            dims.append(Integer(lo, lo + draw(st.integers(1, 1000))))
        else:
            n = draw(st.integers(1, 6))
            dims.append(Categorical([f"c{i}" for i in range(n)]))
    return Space(dims)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spaces(), st.integers(0, 2**32 - 1), st.integers(1, 20))
def test_space_round_trips_through_the_unit_cube(space, seed, n):
    X = space.rvs(n, random_state=seed)
    Xt = np.asarray(space.transform(X), dtype=float)
    assert Xt.ndim == 2 and Xt.shape[0] == n
    assert np.all(Xt >= 0.0) and np.all(Xt <= 1.0)
    back = space.inverse_transform(Xt)
    for row, row_back in zip(X, back):
        for dim, a, b in zip(space.dimensions, row, row_back):
            if isinstance(dim, Real):
                assert np.isclose(a, b, rtol=1e-9, atol=1e-9 * max(1.0, abs(a)))
            else:
                assert a == b
    # every sampled point lies inside its dimension
    for row in X:
        for dim, a in zip(space.dimensions, row):
            if isinstance(dim, Categorical):
                assert a in dim.categories
            else:
                assert dim.low <= a <= dim.high


@settings(max_examples=25, deadline=None)
@given(st.floats(-2.0, 2.0), st.floats(0.05, 1.0), st.integers(0, 2**31 - 1))
def test_abc_accepts_exactly_what_lies_within_eps(observed, eps, seed):
    def simulator(theta, random_state=None):
        rng = np.random.default_rng(random_state)
        return theta.reshape(-1, 1) + rng.standard_normal((theta.shape[0], 5))

    kwargs = dict(summary=Mean(), eps=eps, n_simulations=4000, batch_size=1000,
                  random_state=seed)
    res = rejection_abc(simulator, Normal(0.0, 1.0), np.full(5, observed), **kwargs)
    assert np.all(res.distances <= eps)
    assert res.n_simulations == 4000
    assert res.acceptance_rate == pytest.approx(res.n_samples / 4000)
    # the same seed, the same accepted set
    again = rejection_abc(simulator, Normal(0.0, 1.0), np.full(5, observed), **kwargs)
    np.testing.assert_array_equal(res.samples, again.samples)
    # a smaller tolerance accepts a subset of the samples
    tight = rejection_abc(simulator, Normal(0.0, 1.0), np.full(5, observed),
                          **{**kwargs, "eps": eps / 2})
    assert tight.n_samples <= res.n_samples
    assert set(map(tuple, tight.samples)) <= set(map(tuple, res.samples))
