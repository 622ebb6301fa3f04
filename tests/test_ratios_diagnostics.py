"""Diagnostics: the reweighting test, the weighted AUC, and the plots."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from activesci import plots  # noqa: E402
from activesci.distributions import Normal  # noqa: E402
from activesci.ratios import KnownDensityRatio, _auc, reweighting_test  # noqa: E402

P0, P1 = Normal(0.7, 1.0), Normal(0.0, 1.0)


def test_weighted_auc_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500).astype(float)
    s = np.round(rng.normal(y, 1.0), 1)  # with ties
    w = rng.uniform(0.1, 3.0, 500)
    assert _auc(y, s, w) == pytest.approx(roc_auc_score(y, s, sample_weight=w), rel=1e-12)
    assert _auc(y, s, np.ones(500)) == pytest.approx(roc_auc_score(y, s), rel=1e-12)


def test_reweighting_test_detects_a_wrong_ratio():
    X0, X1 = P0.rvs(4000, random_state=0), P1.rvs(4000, random_state=1)
    good = reweighting_test(X0, X1, KnownDensityRatio(P0, P1), random_state=0)
    bad = reweighting_test(X0, X1, KnownDensityRatio(Normal(0.2, 1.0), P1), random_state=0)
    assert abs(good["auc_weighted"] - 0.5) < 0.03
    # N(0.7, 1) vs N(0, 1): AUC = Φ(0.7 / √2) ≈ 0.69
    assert abs(good["auc_unweighted"] - 0.69) < 0.04
    assert abs(bad["auc_weighted"] - 0.5) > 0.08
    with pytest.raises(ValueError, match="feature"):
        reweighting_test(X0, np.zeros((10, 2)), KnownDensityRatio(P0, P1))


def test_plots_return_axes():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=2000)
    y = (rng.uniform(size=2000) < p).astype(float)
    ax = plots.plot_reliability(y, np.column_stack([1 - p, p]), n_bins=8)
    xs, ys = ax.lines[-1].get_data()  # the calibrated curve is close to the diagonal
    assert np.max(np.abs(np.asarray(xs) - np.asarray(ys))) < 0.12
    x = np.linspace(-2, 2, 40)
    exact = 0.7 * x - 0.245
    ax = plots.plot_log_ratio(x, exact, exact + 0.01, labels=["est"])
    assert len(ax.lines) == 2
    ax = plots.plot_log_ratio(rng.normal(size=(40, 2)), exact, exact)
    X0, X1 = P0.rvs(500, random_state=0), P1.rvs(500, random_state=1)
    ax = plots.plot_reweighting(reweighting_test(X0, X1, KnownDensityRatio(P0, P1),
                                                 random_state=0))
    assert len(ax.lines) == 3
    t = np.linspace(-1, 1, 21)
    ax = plots.plot_nllr_scan(t, (t - 0.3) ** 2 * 100, (t - 0.25) ** 2 * 90,
                              labels=["a", "b"], truth=0.3)
    with pytest.raises(ValueError, match="one value per"):
        plots.plot_nllr_scan(t, t[:-1])
    with pytest.raises(ValueError, match="n_bins"):
        plots.plot_reliability(y, p, n_bins=1)
    import matplotlib.pyplot as plt
    plt.close("all")
