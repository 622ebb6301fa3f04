"""Expected information gain, grid posteriors and campaigns, against analytic answers."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from activesci.design import (Campaign, CampaignResult, GridPosterior,
                              expected_information_gain)
from activesci.design.eig import resolve_n_events
from activesci.simulators import EEToMuMu, GaussianDemo, GaussianToy
from activesci.storage import RunStore, StoreMismatchError

SIGMA0 = 1.5


def normal_prior(points=301, sigma=SIGMA0):
    return GridPosterior.from_logpdf(lambda t: -0.5 * (t[:, 0] / sigma) ** 2,
                                     [(-6 * sigma, 6 * sigma)], points, ["theta"])


def test_grid_posterior_summaries_match_a_normal():
    post = normal_prior(601)
    np.testing.assert_allclose(post.mean(), [0.0], atol=1e-10)
    np.testing.assert_allclose(post.std(), [SIGMA0], rtol=2e-3)
    lo, hi = post.credible_interval(0.6827)
    assert lo == pytest.approx(-SIGMA0, rel=5e-3) and hi == pytest.approx(SIGMA0, rel=5e-3)
    entropy = 0.5 * np.log(2 * np.pi * np.e * SIGMA0 ** 2)
    assert post.entropy() == pytest.approx(entropy, rel=1e-3)
    s = post.sample(20000, random_state=0)
    assert abs(s.mean()) < 0.05 and s.std() == pytest.approx(SIGMA0, rel=0.03)
    back = GridPosterior.from_dict(json.loads(json.dumps(post.to_dict())))
    np.testing.assert_allclose(back.log_prob, post.log_prob)
    assert "theta" in repr(post) and "<table>" in post._repr_html_()


def test_grid_posterior_two_parameters_and_bad_input():
    post = GridPosterior.from_logpdf(lambda t: -0.5 * (t[:, 0] ** 2 + (t[:, 1] / 2) ** 2),
                                     [(-6, 6), (-12, 12)], 121)
    np.testing.assert_allclose(post.std(), [1.0, 2.0], rtol=1e-2)
    with pytest.raises(ValueError, match="low < high"):
        GridPosterior.uniform([(1.0, 0.0)])
    with pytest.raises(ValueError, match="1 or 2 parameters"):
        GridPosterior([np.arange(3.0)] * 3, np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match="impossible"):
        normal_prior().update(np.full(301, -np.inf))
    with pytest.raises(ValueError, match="level"):
        normal_prior().credible_interval(1.5)


@pytest.mark.parametrize("method", ["exact", "histogram", "kde"])
@pytest.mark.parametrize("phi", [0.5, 3.0])
def test_gaussian_toy_eig_matches_analytic(method, phi):
    """EIG = ½ log(1 + n σ0² / φ) for x ~ N(θ, φ), θ ~ N(0, σ0²) (Lindley 1956)."""
    n = 8
    r = expected_information_gain(GaussianToy(), phi, normal_prior(), n_events=n,
                                  method=method, n_datasets=1500, random_state=3)
    exact = 0.5 * np.log(1 + n * SIGMA0 ** 2 / phi)
    assert abs(r.value - exact) < 3.5 * r.stderr + 0.02 * exact, (r, exact)
    assert r.n_events == n and r.method == method and len(r.per_dataset) == 1500


def test_variance_reduction_matches_analytic():
    n, phi = 5, 2.0
    r = expected_information_gain(GaussianToy(), phi, normal_prior(601), n_events=n,
                                  utility="variance_reduction", n_datasets=50, random_state=0)
    post_var = 1.0 / (1.0 / SIGMA0 ** 2 + n / phi)  # data-independent for a normal model
    assert r.value == pytest.approx(SIGMA0 ** 2 - post_var, rel=5e-3)
    assert r.stderr < 1e-3


def test_eig_bad_input():
    with pytest.raises(ValueError, match="utility"):
        expected_information_gain(GaussianToy(), 1.0, normal_prior(), utility="entropy")
    with pytest.raises(ValueError, match="n_events"):
        expected_information_gain(GaussianToy(), 1.0, normal_prior(), n_events=0)
    with pytest.raises(ValueError, match="unknown likelihood method"):
        expected_information_gain(GaussianToy(), 1.0, normal_prior(), method="magic")
    with pytest.raises(ValueError, match="phi_space"):
        expected_information_gain(GaussianToy(), 1.0, normal_prior(), method="ratio",
                                  phi_space=[(2.0, 1.0)])
    with pytest.raises(TypeError, match="GridPosterior or a distribution"):
        expected_information_gain(GaussianToy(), 1.0, "flat")
    assert resolve_n_events(lambda phi: 10.0 * phi, 3) == 30


def weinberg():
    sim = EEToMuMu(phi_bounds=(40.0, 50.0), theta_bounds=(0.20, 0.25))
    return sim, GridPosterior.uniform([(0.20, 0.25)], 201, sim.param_names)


def test_likelihood_free_posteriors_agree_with_exact():
    """Histogram and KDE likelihoods give the exact posterior within its statistical error."""
    for sim, prior, phi, truth, n in ((GaussianToy(), normal_prior(), 1.0, 0.4, 50),
                                      (*weinberg(), 41.0, 0.2312, 2000)):
        data = sim.simulate(truth, phi, n, random_state=11)
        posts = {}
        for method in ("exact", "histogram", "kde"):
            c = Campaign(sim, prior, sim.phi_bounds, method=method, policy="grid",
                         random_state=0)
            ll = c.likelihood.loglike([data], prior.points, phi, random_state=5)
            posts[method] = prior.update(ll[0])
        m0, s0 = posts["exact"].mean()[0], posts["exact"].std()[0]
        # the KDE's smooth templates track the exact posterior closely; the histogram's mean
        # agrees within the statistical error, its width fluctuates more (template noise)
        assert abs(posts["kde"].mean()[0] - m0) < 0.6 * s0, posts
        assert posts["kde"].std()[0] == pytest.approx(s0, rel=0.15), posts
        assert abs(posts["histogram"].mean()[0] - m0) < 1.0 * s0, posts
        assert 0.5 < posts["histogram"].std()[0] / s0 < 1.5, posts


def test_weinberg_information_is_largest_where_fisher_is():
    sim, prior = weinberg()
    phis = np.array([40.5, 44.0, 47.5])
    fisher = sim.fisher_information(0.2312, phis)
    eig = [expected_information_gain(sim, p, prior, n_events=200, n_datasets=300,
                                      random_state=1).value for p in phis]
    assert np.argmax(fisher) == np.argmax(eig) == 0
    assert np.all(np.diff(eig) < 0) and np.all(np.diff(fisher) < 0)


@pytest.mark.parametrize("policy", ["random", "grid"])
def test_baseline_campaigns_run_and_cover_truth(policy):
    sim, prior = weinberg()
    res = Campaign(sim, prior, (40.0, 50.0), n_events=300, policy=policy, truth=0.2312,
                   random_state=4).run(n_experiments=6, progress=False)
    assert len(res.steps) == 6 and res.covers_truth(0.99)
    assert np.all((res.phis >= 40) & (res.phis <= 50))
    if policy == "grid":
        np.testing.assert_allclose(res.phis[:5, 0], np.linspace(40, 50, 5))
    stds = res.posterior_stds()[:, 0]
    assert stds[-1] < stds[0]


def test_campaign_save_load_and_target_std(tmp_path):
    sim = GaussianToy()
    res = Campaign(sim, normal_prior(), (0.5, 4.0), n_events=4, policy="random", truth=0.3,
                   random_state=2).run(target_std=0.3, progress=False)
    assert res.posterior.std()[0] <= 0.3 < res.posterior_stds()[-2, 0]
    res.save(tmp_path / "c.zip")
    back = CampaignResult.load(tmp_path / "c.zip")
    assert back.steps == json.loads(json.dumps(res.steps, default=float))
    np.testing.assert_array_equal(back.data[1], res.data[1])
    np.testing.assert_allclose(back.posterior.log_prob, res.posterior.log_prob)
    assert "experiments" in repr(back) and "<table>" in back._repr_html_()
    assert "sin2" not in back.table() and "theta" in back.table()


def test_campaign_resumes_from_storage_with_identical_choices(tmp_path):
    sim = GaussianToy()
    kw = dict(n_events=4, policy="random", truth=0.3, random_state=9)
    full = Campaign(sim, normal_prior(), (0.5, 4.0), **kw).run(n_experiments=5, progress=False)
    path = tmp_path / "run.sqlite"
    first = Campaign(sim, normal_prior(), (0.5, 4.0), storage=path, **kw)
    first.run(n_experiments=3, progress=False)
    first.store.close()
    resumed = Campaign(sim, normal_prior(), (0.5, 4.0), storage=path, **kw)
    assert len(resumed.steps) == 3
    res = resumed.run(n_experiments=5, progress=False)
    np.testing.assert_array_equal(res.phis, full.phis)
    np.testing.assert_allclose(res.posterior.log_prob, full.posterior.log_prob)
    with pytest.raises(StoreMismatchError, match="another run"):
        Campaign(sim, normal_prior(), (0.5, 5.0), storage=path, **kw)
    reader = RunStore(path, readonly=True)
    assert len(list(reader.keys("step/"))) == 5
    reader.close()


@pytest.mark.parametrize("kwargs, match", [
    ({"phi_space": (4.0, 0.5)}, "low < high"),
    ({"utility": "x"}, "utility"),
    ({"method": "x"}, "method"),
    ({"policy": "x"}, "policy"),
    ({"n_utility_evals": 1}, "n_utility_evals"),
    ({"truth": [0.1, 0.2]}, "truth"),
])
def test_campaign_bad_input(kwargs, match):
    args = {"phi_space": (0.5, 4.0)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        Campaign(GaussianToy(), normal_prior(), **args)
    with pytest.raises(ValueError, match="n_experiments, target_std"):
        Campaign(GaussianToy(), normal_prior(), (0.5, 4.0)).run()


def test_cli_lhe_info_and_demo_help(tmp_path):
    from activesci.cli import build_parser, main
    help_text = build_parser().format_help()
    assert "demo" in help_text and "lhe" in help_text
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    with pytest.raises(SystemExit):
        main(["demo", "nosuchproblem"])
    assert main(["demo", "weinberg", "--truth", "0.4", "--out", str(tmp_path)]) == 2
