"""The likelihood-free design methods ("abc", "ratio") against the exact likelihood (issue 7)."""
import warnings

import numpy as np
import pytest

from activesci.design import (ABCLikelihood, Campaign, ExactLikelihood, GridPosterior,
                              RatioLikelihood, expected_information_gain)
from activesci.design.abc_likelihood import default_summary
from activesci.simulators import EEToMuMu, GaussianToy


def _posteriors(model, sim, prior, phi, datasets):
    exact = ExactLikelihood(sim).loglike(datasets, prior.points, phi)
    approx = model.loglike(datasets, prior.points, phi)
    return [(prior.update(exact[k]), prior.update(approx[k])) for k in range(len(datasets))]


@pytest.mark.parametrize("problem", ["gaussian", "weinberg"])
def test_abc_posterior_agrees_with_exact(problem):
    if problem == "gaussian":
        sim, prior, phi, truth, n = (GaussianToy(), GridPosterior.uniform([(-3.0, 3.0)], 121),
                                     1.0, 0.7, 50)
    else:
        sim = EEToMuMu(phi_bounds=(40.0, 50.0), theta_bounds=(0.20, 0.25))
        prior, phi, truth, n = GridPosterior.uniform([(0.20, 0.25)], 201), 41.0, 0.2312, 1000
    datasets = [sim.simulate(truth, phi, n, random_state=s) for s in range(4)]
    for exact, abc in _posteriors(ABCLikelihood(sim, random_state=0), sim, prior, phi, datasets):
        sd = exact.std()[0]
        # the same centre within a fraction of the exact posterior's width ...
        assert abs(abc.mean()[0] - exact.mean()[0]) < 0.5 * sd
        # ... and a width that ABC's finite tolerance can only inflate, and only a little
        assert 0.9 * sd < abc.std()[0] < 1.35 * sd


def test_abc_likelihood_is_reproducible_and_bounded():
    sim, prior = GaussianToy(), GridPosterior.uniform([(-3.0, 3.0)], 61)
    data = [sim.simulate(0.0, 1.0, 20, random_state=1)]
    a = ABCLikelihood(sim, n_simulations=50, random_state=3).loglike(data, prior.points, 1.0)
    b = ABCLikelihood(sim, n_simulations=50, random_state=3).loglike(data, prior.points, 1.0)
    np.testing.assert_array_equal(a, b)
    assert np.all(np.isfinite(a))
    # far-away data: no reference data set is accepted anywhere but the likelihood stays finite
    far = ABCLikelihood(sim, n_simulations=50, random_state=3).loglike(
        [np.full(20, 50.0)], prior.points, 1.0)
    assert np.all(np.isfinite(far))


def test_abc_likelihood_accepts_abc_summaries_and_callables():
    from activesci.abc import Autocov, Mean

    sim, prior = GaussianToy(), GridPosterior.uniform([(-3.0, 3.0)], 31)
    data = [sim.simulate(1.0, 1.0, 30, random_state=2)]
    for summary in (Mean(), lambda rows: np.median(rows, axis=1, keepdims=True),
                    default_summary()):
        ll = ABCLikelihood(sim, n_simulations=100, summary=summary,
                           random_state=0).loglike(data, prior.points, 1.0)
        assert abs(prior.points[np.argmax(ll[0]), 0] - 1.0) < 0.6
    assert Autocov((1,))(np.zeros((2, 5))).shape == (2, 1)


def test_abc_and_ratio_bad_input():
    sim, prior = GaussianToy(), GridPosterior.uniform([(-3.0, 3.0)], 61)
    with pytest.raises(ValueError, match="quantile"):
        ABCLikelihood(sim, quantile=0.0)
    with pytest.raises(ValueError, match="n_simulations"):
        ABCLikelihood(sim, n_simulations=1)
    with pytest.raises(TypeError, match="n_simulations"):
        ABCLikelihood(sim, n_simulations=10.5)
    with pytest.raises(ValueError, match="phi_space"):
        RatioLikelihood(sim, prior, [(2.0, 1.0)])
    with pytest.raises(ValueError, match="phi_space"):
        RatioLikelihood(sim, prior, [(0.0, np.nan)])
    with pytest.raises(ValueError, match="n_train"):
        RatioLikelihood(sim, prior, [(0.5, 2.0)], n_train=10)
    with pytest.raises(RuntimeError, match="fit"):
        RatioLikelihood(sim, prior, [(0.5, 2.0)]).log_ratio(np.zeros(3), np.zeros((3, 1)), 1.0)


@pytest.fixture(scope="module")
def gaussian_ratio():
    """One amortized ratio over θ in [-3, 3] and designs φ in [0.5, 3] (the default C
    classifier), shared by the tests."""
    sim, prior = GaussianToy(), GridPosterior.uniform([(-3.0, 3.0)], 121)
    return RatioLikelihood(sim, prior, [(0.5, 3.0)], n_train=100_000, random_state=0).fit()


def test_ratio_likelihood_accepts_a_scikit_learn_classifier():
    from sklearn.linear_model import LogisticRegression

    sim, prior = GaussianToy(), GridPosterior.uniform([(-3.0, 3.0)], 61)
    with warnings.catch_warnings():  # a linear classifier learns little of this ratio
        warnings.simplefilter("ignore", RuntimeWarning)
        lik = RatioLikelihood(sim, prior, [(0.5, 3.0)], n_train=2_000,
                              classifier=LogisticRegression(), random_state=0).fit()
    ll = lik.loglike([np.zeros(5)], prior.points, 1.0)
    assert ll.shape == (1, 61) and np.all(np.isfinite(ll))


def test_ratio_posterior_agrees_with_exact_on_gaussian(gaussian_ratio):
    sim, prior = gaussian_ratio.simulator, gaussian_ratio.prior
    datasets = [sim.simulate(t, 1.0, 50, random_state=s) for s, t in enumerate([-1.0, 0.2, 1.5])]
    for exact, ratio in _posteriors(gaussian_ratio, sim, prior, 1.0, datasets):
        sd = exact.std()[0]
        assert abs(ratio.mean()[0] - exact.mean()[0]) < 0.6 * sd
        assert 0.75 * sd < ratio.std()[0] < 1.3 * sd


def test_eig_with_likelihood_free_methods_tracks_the_analytic_value(gaussian_ratio):
    """EIG of the Gaussian toy, 1/2 log(1 + n s0^2 / phi), with the ABC and ratio likelihoods:
    ABC's tolerance loses some information (a lower value), never invents it."""
    sim = GaussianToy()
    prior = GridPosterior.from_logpdf(lambda t: -0.5 * t[:, 0] ** 2, [(-3, 3)], 121)
    n, phi = 10, 2.0
    analytic = 0.5 * np.log(1 + n * 1.0 / phi)
    abc = expected_information_gain(sim, phi, prior, n, method="abc", n_datasets=100,
                                    random_state=0)
    assert abc.value < analytic + 3 * abc.stderr
    assert abc.value > 0.6 * analytic
    ratio = expected_information_gain(sim, phi, prior, n, method="ratio", n_datasets=100,
                                      likelihood=gaussian_ratio, random_state=0)
    assert abs(ratio.value - analytic) < 3 * ratio.stderr + 0.1 * analytic


def test_campaign_with_abc_method_covers_truth():
    sim = EEToMuMu(phi_bounds=(40.0, 50.0), theta_bounds=(0.20, 0.25))
    prior = GridPosterior.uniform([(0.20, 0.25)], 101, sim.param_names)
    res = Campaign(sim, prior, (40.0, 50.0), n_events=200, truth=0.2312, method="abc",
                   policy="grid", n_datasets=20, random_state=0,
                   likelihood_kwargs={"n_simulations": 100}).run(n_experiments=3, progress=False)
    assert res.covers_truth(0.95)
    assert res.posterior_stds()[-1, 0] < res.posterior_stds()[0, 0]


def test_ratio_likelihood_warns_when_nothing_was_learned():
    # θ confined to a sliver: the events carry no information, the held-out loss stays at log 2
    sim, prior = GaussianToy(), GridPosterior.uniform([(-1e-4, 1e-4)], 11)
    with pytest.warns(RuntimeWarning, match="did not learn"):
        lik = RatioLikelihood(sim, prior, [(0.5, 3.0)], n_train=5_000, random_state=0).fit()
    assert abs(lik.validation_loss_ - np.log(2)) < 0.05


def test_campaign_refuses_a_prior_outside_the_simulator_bounds():
    sim = EEToMuMu(phi_bounds=(40.0, 50.0), theta_bounds=(0.20, 0.25))
    prior = GridPosterior.uniform([(-3.0, 3.0)], 31)
    with pytest.raises(ValueError, match="theta_bounds"):
        Campaign(sim, prior, (40.0, 50.0), n_events=10, truth=0.23)


@pytest.mark.parametrize("bad", [np.array([0.1, np.nan, 0.3]), np.array([np.inf]), np.empty(0)])
def test_likelihood_free_models_refuse_bad_data_sets(bad, gaussian_ratio):
    sim, prior = GaussianToy(), GridPosterior.uniform([(-3.0, 3.0)], 21)
    for model in (ABCLikelihood(sim, n_simulations=20, random_state=0), gaussian_ratio):
        with pytest.raises(ValueError, match=r"datasets\[1\]"):
            model.loglike([np.zeros(3), bad], prior.points, 1.0)
