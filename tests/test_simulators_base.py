"""The simulator interface: the adapter for plain callables (shapes, streams identical to the C
core's, batch splitting, vectorized functions, logpdf), as_simulator, and bad inputs."""
import numpy as np
import pytest

from activesci import _core
from activesci.simulators import (CallableSimulator, EEToMuMu, GaussianToy, Simulator,
                                  as_simulator)


def normal_sim(theta, phi, n, rng):
    return rng.normal(theta, phi, size=n)


def test_callable_shapes_and_streams():
    sim = CallableSimulator(normal_sim, theta_bounds=(-5, 5), phi_bounds=(0.1, 10))
    x = sim.simulate([0.0, 1.0, 2.0], 2.0, 4, random_state=3)
    assert x.shape == (3, 4)
    assert sim.simulate(1.0, 2.0, 4, random_state=3).shape == (4,)
    # row b draws from the C core's stream (seed, b): uniforms are bit-identical
    uni = CallableSimulator(lambda th, phi, n, rng: rng.random(n))
    u = uni.simulate([0.0, 0.0, 0.0], 0.0, 6, random_state=17)
    for b in range(3):
        np.testing.assert_array_equal(u[b], _core.rng_draw(17, b, 6, 0))
    # split batches with stream_offset reproduce the whole batch
    whole = sim.simulate(np.linspace(-1, 1, 5), 1.0, 10, random_state=2)
    parts = np.concatenate([sim.simulate(np.linspace(-1, 1, 5)[:2], 1.0, 10, random_state=2),
                            sim.simulate(np.linspace(-1, 1, 5)[2:], 1.0, 10, random_state=2,
                                         stream_offset=2)])
    np.testing.assert_array_equal(whole, parts)


def test_callable_multi_parameter_and_event_shapes():
    def sim2(theta, phi, n, rng):
        assert theta.shape == (2,)
        return np.stack([rng.normal(theta[0], 1, n), rng.normal(theta[1], phi, n)], axis=1)
    sim = CallableSimulator(sim2, param_names=("a", "b"), theta_bounds=[(-1, 1), (0, 5)],
                            phi_bounds=(0.5, 2.0))
    assert sim.n_params == 2 and sim.param_names == ("a", "b")
    assert sim.simulate([0.5, 1.0], 1.0, 7, random_state=0).shape == (7, 2)
    assert sim.simulate([[0.5, 1.0], [0.0, 2.0]], 1.0, 7, random_state=0).shape == (2, 7, 2)
    with pytest.raises(ValueError, match="b = 6, outside theta_bounds"):
        sim.simulate([0.5, 6.0], 1.0, 7)
    with pytest.raises(ValueError, match="2 components"):
        sim.simulate([0.5, 1.0, 2.0], 1.0, 7)
    with pytest.raises(ValueError, match="scalar"):
        sim.simulate(0.5, 1.0, 7)


def test_callable_vector_design():
    sim = CallableSimulator(lambda th, phi, n, rng: rng.normal(th * phi[0], phi[1], n),
                            phi_bounds=[(0, 1), (0.1, 3)])
    assert sim.simulate(1.0, [0.5, 1.0], 3, random_state=1).shape == (3,)
    with pytest.raises(ValueError, match=r"phi\[1\] = 5 is outside"):
        sim.simulate(1.0, [0.5, 5.0], 3)
    with pytest.raises(ValueError, match="2 components"):
        sim.simulate(1.0, 0.5, 3)
    assert sim.phi_bounds.shape == (2, 2)


def test_vectorized_callable():
    def batch(theta, phi, n, rng):
        return theta[:, :1] + phi * rng.standard_normal((theta.shape[0], n))
    sim = CallableSimulator(batch, vectorized=True)
    x = sim.simulate([0.0, 10.0], 0.1, 50, random_state=0)
    assert x.shape == (2, 50) and abs(x[1].mean() - 10) < 0.1
    bad = CallableSimulator(lambda th, phi, n, rng: np.zeros(n), vectorized=True)
    with pytest.raises(ValueError, match="vectorized simulator must return"):
        bad.simulate([0.0, 1.0], 0.0, 3)


def test_callable_logpdf_and_errors():
    stats = pytest.importorskip("scipy.stats")
    sim = CallableSimulator(normal_sim, phi_bounds=(0.1, 10),
                            logpdf=lambda x, th, phi: stats.norm(th, phi).logpdf(x))
    assert sim.has_logpdf
    x = np.array([0.0, 1.0])
    np.testing.assert_allclose(sim.logpdf(x, 0.5, 2.0), stats.norm(0.5, 2).logpdf(x))
    assert sim.logpdf(x, [0.5, 1.0], 2.0).shape == (2, 2)
    plain = CallableSimulator(normal_sim)
    assert not plain.has_logpdf
    with pytest.raises(NotImplementedError, match="no tractable likelihood"):
        plain.logpdf(x, 0.0, 1.0)
    assert plain._c_model_spec() is None
    wrong = CallableSimulator(lambda th, phi, n, rng: np.zeros(n + 1))
    with pytest.raises(ValueError, match="n = 3 events"):
        wrong.simulate(0.0, 1.0, 3)
    ragged = CallableSimulator(lambda th, phi, n, rng: np.zeros((n, 1 + int(th))))
    with pytest.raises(ValueError, match="one shape"):
        ragged.simulate([0.0, 1.0], 1.0, 3)
    with pytest.raises(TypeError, match="callable"):
        CallableSimulator(42).simulate(0.0, 1.0, 3)
    with pytest.raises(ValueError, match="theta_bounds"):
        CallableSimulator(normal_sim, theta_bounds=(1, 0)).simulate(0.5, 1.0, 3)
    with pytest.raises(ValueError, match="theta_bounds"):
        CallableSimulator(normal_sim, theta_bounds=[(0, 1), (0, 1)]).simulate(0.5, 1.0, 3)
    with pytest.raises(TypeError, match="param_names"):
        CallableSimulator(normal_sim, param_names=[1]).simulate(0.5, 1.0, 3)


def test_callable_params_and_repr():
    sklearn_base = pytest.importorskip("sklearn.base")
    sim = CallableSimulator(normal_sim, theta_bounds=(-2, 2))
    clone = sklearn_base.clone(sim)
    assert clone.get_params() == sim.get_params()
    assert repr(sim) == "CallableSimulator(normal_sim, param_names=('theta',), vectorized=False)"
    assert "normal_sim" in sim._repr_html_()
    sim.set_params(theta_bounds=(-3, 3))
    np.testing.assert_array_equal(sim.theta_bounds, [[-3, 3]])
    with pytest.raises(ValueError, match="Invalid parameter"):
        sim.set_params(bounds=1)


def test_as_simulator():
    g = GaussianToy()
    assert as_simulator(g) is g
    wrapped = as_simulator(normal_sim, theta_bounds=(-1, 1))
    assert isinstance(wrapped, CallableSimulator) and isinstance(wrapped, Simulator)
    with pytest.raises(TypeError, match="a simulator must be"):
        as_simulator(3.0)
    with pytest.raises(TypeError, match="only used to wrap"):
        as_simulator(g, theta_bounds=(0, 1))


@pytest.mark.parametrize("sim", [GaussianToy(), EEToMuMu(),
                                 CallableSimulator(normal_sim, phi_bounds=(0.1, 10))])
def test_common_bad_inputs(sim):
    theta = 0.2 if isinstance(sim, EEToMuMu) else 0.0
    phi = 45.0 if isinstance(sim, EEToMuMu) else 1.0
    with pytest.raises(ValueError, match="n .*>= 0"):
        sim.simulate(theta, phi, -1)
    with pytest.raises(TypeError, match="n .*integer"):
        sim.simulate(theta, phi, "3")
    with pytest.raises(ValueError, match="NaN"):
        sim.simulate([theta, np.nan], phi, 2)
    with pytest.raises(ValueError, match="phi"):
        sim.simulate(theta, -1.0, 2)
    with pytest.raises(ValueError, match="phi"):
        sim.simulate(theta, np.inf, 2)
    with pytest.raises(TypeError, match="theta"):
        sim.simulate(None, phi, 2)
    with pytest.raises(TypeError, match="phi"):
        sim.simulate(theta, "x", 2)


def test_non_contiguous_and_integer_inputs():
    sim = GaussianToy()
    theta = np.linspace(-2, 2, 10)
    a = sim.simulate(theta[::2], 1.0, 5, random_state=1)
    np.testing.assert_array_equal(a, sim.simulate(theta[::2].copy(), 1.0, 5, random_state=1))
    f = np.asfortranarray(theta[:4].reshape(4, 1))
    np.testing.assert_array_equal(sim.simulate(f, 1.0, 5, random_state=1),
                                  sim.simulate(theta[:4], 1.0, 5, random_state=1))
    np.testing.assert_array_equal(sim.simulate(np.array([1, 2]), 1, np.int64(3), random_state=1),
                                  sim.simulate([1.0, 2.0], 1.0, 3, random_state=1))
    x = np.zeros((4, 6))[:, ::2]
    assert sim.logpdf(x, theta[:4], 1.0).shape == (4, 3)
    with pytest.raises(TypeError, match="complex"):
        sim.simulate(np.array([1j]), 1.0, 3)
