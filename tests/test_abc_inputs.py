"""rejection_abc: bad input, invalid simulations, empty results, persistence, display,
progress, interruption, plots, priors and distances."""
import _thread
import threading

import numpy as np
import pytest

from activesci.abc import (ABCResult, MA2, Autocov, Constrained, Histogram,
                           LogUniform, Mahalanobis, MA2Triangle, Mean, Normal, Product, Quantiles,
                           Scaled, Uniform, Variance, load, posterior_samples, rejection_abc)
from activesci.abc.distances import as_distance


def sim(theta, random_state):
    return theta + random_state.standard_normal((theta.shape[0], 5))


OBS = np.zeros(5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(quantile=0.0, n_simulations=100), "quantile must be"),
    (dict(quantile=1.5, n_simulations=100), "quantile must be"),
    (dict(eps=0.0, n_simulations=100), "eps must be"),
    (dict(eps=-1.0, n_simulations=100), "eps must be"),
    (dict(eps=float("nan"), n_simulations=100), "eps must be"),
    (dict(quantile=0.1, eps=0.1, n_simulations=100), "exactly one"),
    (dict(quantile=0.1), "exactly one"),
    (dict(quantile=0.1, n_samples=10, n_simulations=100), "exactly one"),
    (dict(eps=0.1), "exactly one"),
    (dict(), "exactly one"),
    (dict(quantile=0.1, n_simulations=0), "n_simulations must be"),
    (dict(eps=0.1, n_samples=-3), "n_samples must be"),
    (dict(quantile=0.1, n_simulations=100, batch_size=0), "batch_size"),
    (dict(quantile=0.1, n_simulations=100, n_jobs=0), "n_jobs"),
    (dict(quantile=0.1, n_simulations=100, on_invalid="ignore"), "on_invalid"),
    (dict(quantile=0.1, n_simulations=100, distance="manhattan"), "unknown distance"),
    (dict(quantile=0.1, n_simulations=100, scale=[1.0, -1.0]), "scale"),
])
def test_bad_arguments_name_the_problem(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rejection_abc(sim, Normal(0, 1), OBS, **kwargs)


def test_bad_types():
    with pytest.raises(TypeError, match="prior"):
        rejection_abc(sim, "uniform", OBS, quantile=0.1, n_simulations=10)
    with pytest.raises(TypeError, match="simulator"):
        rejection_abc(42, Normal(0, 1), OBS, quantile=0.1, n_simulations=10)
    with pytest.raises(TypeError, match="summary"):
        rejection_abc(sim, Normal(0, 1), OBS, summary=3, quantile=0.1, n_simulations=10)
    with pytest.raises(TypeError, match="observed"):
        rejection_abc(sim, Normal(0, 1), ["a", "b"], quantile=0.1, n_simulations=10)
    with pytest.raises(TypeError, match="executor"):
        rejection_abc(sim, Normal(0, 1), OBS, quantile=0.1, n_simulations=10, executor=object())


def test_bad_observed():
    with pytest.raises(ValueError, match="NaN"):
        rejection_abc(sim, Normal(0, 1), [0.0, np.nan, 0, 0, 0], quantile=0.1, n_simulations=10)
    with pytest.raises(ValueError, match="empty"):
        rejection_abc(sim, Normal(0, 1), [], quantile=0.1, n_simulations=10)
    # 3 observed values against 5 simulated ones
    with pytest.raises(ValueError, match="observed has 3 summaries"):
        rejection_abc(sim, Normal(0, 1), np.zeros(3), quantile=0.1, n_simulations=10)


def test_prior_and_simulator_dimensions_must_agree():
    with pytest.raises(ValueError, match="prior has 1 parameter"):
        rejection_abc(MA2(10), Normal(0, 1), np.zeros(10), quantile=0.1, n_simulations=10)


def test_simulator_returning_the_wrong_shape():
    def bad(theta, random_state):
        return np.zeros((theta.shape[0] + 1, 5))

    with pytest.raises(ValueError, match="one data set per row"):
        rejection_abc(bad, Normal(0, 1), OBS, quantile=0.1, n_simulations=10)

    calls = []

    def ragged(theta, random_state):  # the data shape changes after the first batch
        calls.append(1)
        return np.zeros((theta.shape[0], 5 if len(calls) == 1 else 4))

    with pytest.raises(ValueError, match="fixed shape"):
        rejection_abc(ragged, Normal(0, 1), OBS, quantile=0.1, n_simulations=20, batch_size=10)


def nan_sim(theta, random_state):
    x = theta + random_state.standard_normal((theta.shape[0], 5))
    x[theta[:, 0] > 1.0] = np.nan  # fails in a known part of the prior
    return x


def test_invalid_simulations_raise_or_are_dropped_and_counted():
    with pytest.raises(ValueError, match="on_invalid='drop'"):
        rejection_abc(nan_sim, Normal(0, 1), OBS, quantile=0.1, n_simulations=1000)
    res = rejection_abc(nan_sim, Normal(0, 1), OBS, summary=Mean(), quantile=0.1,
                        n_simulations=20_000, on_invalid="drop", random_state=0)
    # P(θ > 1) for θ ~ N(0, 1) is 0.1587
    p = 0.15865525393145707
    assert abs(res.n_invalid / 20_000 - p) < 5 * np.sqrt(p * (1 - p) / 20_000)
    assert res.n_samples == 2000 and (res.samples[:, 0] <= 1.0).all()
    assert "invalid" in repr(res)


def test_no_acceptance_gives_an_empty_result_that_says_so():
    with pytest.warns(RuntimeWarning, match="accepted no simulation"):
        res = rejection_abc(sim, Normal(0, 1), np.full(5, 50.0), summary=Mean(), eps=0.01,
                            n_simulations=1000, random_state=0)
    assert res.n_samples == 0 and res.samples.shape == (0, 1) and res.acceptance_rate == 0
    assert "no sample accepted" in repr(res) and "no sample accepted" in res._repr_html_()
    with pytest.raises(ValueError, match="no accepted samples"):
        res.mean()
    with pytest.warns(RuntimeWarning, match="only"):
        rejection_abc(sim, Normal(0, 1), np.full(5, 0.5), summary=Mean(), eps=0.01,
                      n_samples=10_000, n_simulations=2000, random_state=0)


def test_save_load_roundtrip(tmp_path):
    res = rejection_abc(sim, Normal(0, 1, names="mu"), OBS, summary=[Mean(), Variance()],
                        quantile=0.1, n_simulations=2000, random_state=1).adjust()
    path = tmp_path / "r.npz"
    res.save(str(path))
    back = load(str(path))
    for attr in ("samples", "distances", "weights", "summaries", "observed_summary"):
        np.testing.assert_array_equal(getattr(back, attr), getattr(res, attr))
    for attr in ("eps", "n_simulations", "param_names", "method", "partial", "n_invalid"):
        assert getattr(back, attr) == getattr(res, attr)
    assert back.ess == pytest.approx(res.ess)
    with open(tmp_path / "x.npz", "wb") as fh:
        np.savez(fh, meta=np.frombuffer(b'{"format": "x"}', dtype=np.uint8))
    with pytest.raises(ValueError, match="not an activesci ABCResult"):
        ABCResult.load(str(tmp_path / "x.npz"))


def test_progress_bar(capsys):
    rejection_abc(sim, Normal(0, 1), OBS, quantile=0.1, n_simulations=3000, batch_size=1000,
                  progress=True, random_state=0)
    err = capsys.readouterr().err
    assert "rejection ABC" in err and "3000" in err
    rejection_abc(sim, Normal(0, 1), OBS, quantile=0.1, n_simulations=3000, batch_size=1000,
                  progress=False, random_state=0)
    assert capsys.readouterr().err == ""


def test_ctrl_c_in_a_python_simulator_returns_a_partial_result():
    calls = []

    def interrupting(theta, random_state):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return sim(theta, random_state)

    with pytest.warns(RuntimeWarning, match="interrupted"):
        res = rejection_abc(interrupting, Normal(0, 1), OBS, summary=Mean(), eps=0.5,
                            n_simulations=10_000, batch_size=1000, random_state=0)
    assert res.partial and res.n_simulations == 3000 and "PARTIAL" in repr(res)
    full = rejection_abc(sim, Normal(0, 1), OBS, summary=Mean(), eps=0.5, n_simulations=3000,
                         batch_size=1000, random_state=0)
    np.testing.assert_array_equal(res.samples, full.samples)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_ctrl_c_during_a_c_run_returns_a_partial_result(n_jobs):
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.warns(RuntimeWarning, match="interrupted"):
            res = rejection_abc(MA2(100), MA2Triangle(), np.zeros(100), summary=Autocov([1, 2]),
                                quantile=0.001, n_simulations=10**9, batch_size=20_000,
                                random_state=0, n_jobs=n_jobs)
    finally:
        timer.cancel()
    assert res.partial and 0 < res.n_simulations < 10**9
    assert res.n_simulations % 20_000 == 0


def test_summaries_match_numpy_references():
    x = np.random.default_rng(0).normal(size=(40, 25))
    for s in (Mean(), Variance(), Autocov([0, 1, 3]), Autocov([2], center=False),
              Quantiles([0.0, 0.33, 1.0]), Histogram([-1, 0, 0.5, 3])):
        np.testing.assert_allclose(s(x), s._numpy(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Quantiles([0.1, 0.9])(x), np.quantile(x, [0.1, 0.9], axis=1).T)
    with pytest.raises(ValueError, match="lag"):
        Autocov([30])(x)
    with pytest.raises(ValueError, match="lags"):
        Autocov([-1])
    with pytest.raises(ValueError, match="probs"):
        Quantiles([1.2])
    with pytest.raises(ValueError, match="edges"):
        Histogram([1.0, 0.0])


def test_priors():
    with pytest.raises(ValueError, match="low < high"):
        Uniform(1, 0)
    with pytest.raises(ValueError, match="std"):
        Normal(0, -1)
    with pytest.raises(ValueError, match="0 < low"):
        LogUniform(0, 1)
    with pytest.raises(ValueError, match="finite"):
        Uniform(0, np.inf)
    p = Product(Normal(0, 1, names="mu"), LogUniform(0.1, 10, names="sigma"))
    x = p.sample(100_000, random_state=0)
    assert p.param_names == ("mu", "sigma")
    # log-uniform: log θ uniform on [log 0.1, log 10] (mean 0, var (2 log 10)^2 / 12)
    lx = np.log(x[:, 1])
    assert abs(lx.mean()) < 5 * np.sqrt((2 * np.log(10)) ** 2 / 12 / 1e5)
    np.testing.assert_allclose(p.logpdf(x[:3]), Normal(0, 1).logpdf(x[:3, :1])
                               + LogUniform(0.1, 10).logpdf(x[:3, 1:]))
    # a constrained prior by rejection is the truncated distribution: N(0,1) given θ > 0 is
    # the half-normal with mean sqrt(2/pi)
    c = Constrained(Normal(0, 1), lambda t: t[:, 0] > 0)
    y = c.sample(50_000, random_state=1)[:, 0]
    assert (y > 0).all() and abs(y.mean() - np.sqrt(2 / np.pi)) < 5 * 0.6 / np.sqrt(5e4)
    assert c.logpdf([-1.0])[0] == -np.inf
    np.testing.assert_allclose(c.logpdf([0.5])[0], Normal(0, 1).logpdf([0.5])[0] + np.log(2),
                               atol=0.02)
    with pytest.raises(ValueError, match="too few"):
        Constrained(Normal(0, 1), lambda t: t[:, 0] > 100, max_tries=3).sample(10)
    # the same seed gives the same draws
    np.testing.assert_array_equal(MA2Triangle().sample(5, 3), MA2Triangle().sample(5, 3))


def test_distances():
    rng = np.random.default_rng(0)
    pilot = rng.normal(size=(5000, 2)) * [1.0, 10.0]
    d = Scaled("std").fit(pilot)
    np.testing.assert_allclose(d.scale_, pilot.std(axis=0, ddof=1))
    m = Mahalanobis().fit(pilot)
    S = np.array([[1.0, 10.0]])
    cov = np.cov(pilot, rowvar=False)
    ref = np.sqrt(S[0] @ np.linalg.solve(cov, S[0]))
    np.testing.assert_allclose(m(S, np.zeros(2)), [ref])
    with pytest.raises(ValueError, match="positive definite"):
        Mahalanobis().fit(np.column_stack([pilot[:, 0], 2 * pilot[:, 0]]))
    cal = as_distance(lambda S, s: np.abs(S - s).sum(axis=1))
    np.testing.assert_allclose(cal(S, np.zeros(2)), [11.0])
    # a fitted distance works end to end and the result records it
    res = rejection_abc(sim, Normal(0, 1), OBS, distance="mahalanobis", quantile=0.1,
                        n_simulations=2000, random_state=0)
    assert res.n_samples == 200 and "Mahalanobis" in res.info["distance"]


def test_posterior_samples_for_design_loops():
    from activesci.simulators import GaussianToy

    x = np.full(20, 1.0)
    th, w = posterior_samples(GaussianToy(), Normal(0.0, 2.0), x, phi=1.0, n_events=20,
                              summary=Mean(), n_simulations=40_000, quantile=0.02,
                              adjust="loclinear", random_state=0)
    # conjugate posterior: precision 1/4 + 20, mean 20 / (20.25)
    m, sd = 20 / 20.25, np.sqrt(1 / 20.25)
    mean = np.average(th[:, 0], weights=w)
    ess = w.sum() ** 2 / (w * w).sum()
    assert abs(mean - m) < 5 * sd / np.sqrt(ess)
    th2, _ = posterior_samples(GaussianToy(), Normal(0.0, 2.0), x, phi=1.0, n_events=20,
                               summary=Mean(), n_simulations=40_000, quantile=0.02,
                               adjust="loclinear", random_state=0)
    np.testing.assert_array_equal(th, th2)


def test_repr_and_plots():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from activesci.plots import plot_abc_marginals, plot_abc_pairs

    res = rejection_abc(MA2(50), MA2Triangle(), MA2(50)([[0.6, 0.2]], 0)[0],
                        summary=Autocov([1, 2]), quantile=0.05, n_simulations=4000,
                        random_state=0)
    text = repr(res)
    assert "t1" in text and "t2" in text and "acceptance" in text
    html = res._repr_html_()
    assert html.startswith("<table>") and "t2" in html
    axes = res.plot_marginals(reference=[0.6, 0.2])
    assert len(axes) == 2 and axes[0].get_xlabel() == "t1"
    grid = plot_abc_pairs(res, reference=[0.6, 0.2])
    assert grid.shape == (2, 2) and not grid[0, 1].get_visible()
    assert plot_abc_marginals is not None and res.plot_pairs().shape == (2, 2)
    plt.close("all")


def test_ee_mumu_generator_runs_in_c_through_at_design():
    """sin²θ_W from the forward-backward asymmetry of e+e- -> μ+μ- (the C generator)."""
    from activesci.abc import at_design
    from activesci.simulators import EEToMuMu

    sim = at_design(EEToMuMu(), phi=45.0, n_events=2000)
    x_obs = sim(np.array([[0.2312]]), random_state=5)[0]
    res = rejection_abc(sim, Uniform(0.15, 0.35), x_obs, summary=[Mean(), Variance()],
                        distance="scaled", quantile=0.02, n_simulations=20_000, random_state=0)
    assert res.info["c_path"]
    adj = res.adjust()
    # the truth lies inside the central 99.7 % of the adjusted posterior
    lo, hi = adj.quantiles([0.0015, 0.9985])[:, 0]
    assert lo < 0.2312 < hi and hi - lo < 0.1
    # the C path equals the simulator's own C streams: row i of batch b uses stream b*B + i
    from activesci.abc import BatchRunner
    run = BatchRunner(sim, Uniform(0.15, 0.35), Mean(), seed=3, batch_size=10, n_total=30)
    theta, s = run(2)
    x = EEToMuMu().simulate(theta, 45.0, 2000, random_state=3, stream_offset=20)
    np.testing.assert_allclose(s[:, 0], x.mean(axis=1), rtol=1e-12)


def test_binding_keeps_references_and_inputs_intact():
    import sys

    from activesci import _core

    theta = np.ascontiguousarray(MA2Triangle().sample(100, 0))
    items = Autocov([1, 2])._c_items()
    before = theta.copy()
    lags = items[0][1]
    rc_theta, rc_items = sys.getrefcount(theta), sys.getrefcount(lags)
    for _ in range(50):
        _core.abc_run_batch(("ma2", 20), theta, 1, 0, items)
        with pytest.raises(ValueError, match="column"):
            _core.abc_run_batch(("ma2", 20), theta[:, :1], 1, 0, items)
        with pytest.raises(ValueError, match="lag"):
            _core.abc_run_batch(("ma2", 2), theta, 1, 0, Autocov([5])._c_items())
        with pytest.raises(ValueError, match="unknown abc simulator"):
            _core.abc_run_batch(("ar1", 20), theta, 1, 0, items)
        _core.abc_summarize(items, np.ones((3, 10)))
    after = (sys.getrefcount(theta), sys.getrefcount(lags))
    assert after == (rc_theta, rc_items)
    np.testing.assert_array_equal(theta, before)
    # non-contiguous and integer inputs are converted once
    x = np.arange(60).reshape(6, 10)[:, ::2]
    np.testing.assert_allclose(Mean()(x), x.mean(axis=1, keepdims=True))
    res = rejection_abc(sim, Normal(0, 1), np.arange(10.0)[::2] * 0, summary=Mean(),
                        quantile=0.1, n_simulations=1000, random_state=0)
    assert res.n_samples == 100
