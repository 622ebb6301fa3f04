"""MLPClassifier (C core) against scikit-learn's MLPClassifier, API conventions, bad input."""
import _thread
import threading
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier as SkMLP

from activesci.exceptions import NotFittedError
from activesci.learning import MLPClassifier


def _blobs(n, seed, d=2, shift=1.0):
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(-shift, 1.0, (n, d)), rng.normal(shift, 1.5, (n, d))]
    y = np.r_[np.zeros(n), np.ones(n)]
    return X, y


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_log_loss_comparable_to_sklearn(activation):
    X, y = _blobs(3000, 0)
    Xt, yt = _blobs(3000, 1)
    kw = dict(hidden_layer_sizes=(16, 16), activation=activation, alpha=1e-4, batch_size=128,
              learning_rate_init=1e-3, max_iter=15, tol=0.0, random_state=0)
    ours = MLPClassifier(**kw).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkMLP(**kw).fit(X, y)
    ll_ours = log_loss(yt, ours.predict_proba(Xt))
    ll_ref = log_loss(yt, ref.predict_proba(Xt))
    # the Bayes-optimal loss of this problem is ~0.33; both must get close and agree
    assert ll_ours < ll_ref + 0.01
    assert abs(ll_ours - ll_ref) < 0.02
    assert len(ours.loss_curve_) == 15 == ours.n_iter_
    # the training curve is on the same scale as scikit-learn's
    assert abs(ours.loss_curve_[-1] - ref.loss_curve_[-1]) < 0.02


def test_multiclass_matches_sklearn_quality():
    rng = np.random.default_rng(3)
    centers = np.array([[0, 0], [2, 0], [0, 2]])
    y = rng.integers(0, 3, 3000)
    X = centers[y] + rng.normal(0, 0.8, (3000, 2))
    labels = np.array(["a", "b", "c"])[y]
    ours = MLPClassifier((16,), max_iter=30, random_state=1).fit(X, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkMLP((16,), max_iter=30, batch_size=256, tol=0, random_state=1).fit(X, labels)
    P = ours.predict_proba(X)
    assert P.shape == (3000, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    assert list(ours.classes_) == ["a", "b", "c"]
    assert set(ours.predict(X[:50])) <= {"a", "b", "c"}
    assert log_loss(labels, P) < log_loss(labels, ref.predict_proba(X)) + 0.02
    np.testing.assert_allclose(np.exp(ours.predict_log_proba(X[:20])), P[:20], rtol=1e-10)


def test_predict_proba_shape_sums_and_decision_function():
    X, y = _blobs(500, 2)
    clf = MLPClassifier((8,), max_iter=10, random_state=0).fit(X, y)
    P = clf.predict_proba(X)
    assert P.shape == (1000, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    d = clf.decision_function(X)
    np.testing.assert_allclose(np.log(P[:, 1] / P[:, 0]), d, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(clf.predict(X), (d > 0).astype(float))
    lp = clf.predict_log_proba(X)
    np.testing.assert_allclose(lp, np.log(P), rtol=1e-10, atol=1e-12)
    assert [c.shape for c in clf.coefs_] == [(2, 8), (8, 1)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (1,)]


def test_forward_matches_numpy_with_coefs():
    X, y = _blobs(300, 4, d=3)
    clf = MLPClassifier((5, 4), max_iter=5, random_state=2).fit(X, y)
    a = (X - clf.mean_) / clf.scale_
    for i, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        a = a @ W + b
        if i < len(clf.coefs_) - 1:
            a = np.tanh(a)
    np.testing.assert_allclose(clf.decision_function(X), a[:, 0], rtol=1e-10, atol=1e-12)


def test_get_params_clone_and_reproducibility():
    clf = MLPClassifier(hidden_layer_sizes=(4,), alpha=0.5, max_iter=7, random_state=3)
    params = clf.get_params()
    assert params["alpha"] == 0.5 and params["hidden_layer_sizes"] == (4,)
    c2 = clone(clf)
    assert c2.get_params() == params and c2 is not clf
    X, y = _blobs(400, 5)
    a = clf.fit(X, y).predict_proba(X)
    b = c2.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c3 = clone(clf).set_params(random_state=4).fit(X, y)
    assert not np.array_equal(c3.predict_proba(X), a)
    # a Generator works too, and the same seed gives the same result
    g1 = MLPClassifier((4,), max_iter=3, random_state=np.random.default_rng(9)).fit(X, y)
    g2 = MLPClassifier((4,), max_iter=3, random_state=np.random.default_rng(9)).fit(X, y)
    np.testing.assert_array_equal(g1.coefs_[0], g2.coefs_[0])


def test_sample_weight_shifts_the_prior():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 1))  # features carry no information
    y = np.r_[np.zeros(2000), np.ones(2000)]
    w = np.where(y == 1, 3.0, 1.0)
    clf = MLPClassifier((4,), max_iter=30, learning_rate_init=0.01, random_state=0).fit(
        X, y, sample_weight=w)
    p1 = clf.predict_proba(X)[:, 1].mean()
    assert abs(p1 - 0.75) < 0.03


def test_early_stopping_keeps_validation_curve():
    X, y = _blobs(2000, 6)
    clf = MLPClassifier((8,), max_iter=200, early_stopping=True, n_iter_no_change=3,
                        tol=1e-3, random_state=0).fit(X, y)
    assert clf.validation_scores_ is not None
    assert len(clf.validation_scores_) == clf.n_iter_ < 200
    clf2 = MLPClassifier((8,), max_iter=200, n_iter_no_change=3, tol=1e-3,
                         random_state=0).fit(X, y)
    assert clf2.validation_scores_ is None


def test_ctrl_c_keeps_weights():
    X, y = _blobs(100_000, 7)
    clf = MLPClassifier((64, 64), max_iter=10_000, batch_size=32, tol=0.0,
                        n_iter_no_change=10_000, random_state=0)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.warns(RuntimeWarning, match="interrupted"):
            clf.fit(X, y)
    finally:
        timer.cancel()
    assert clf.interrupted_
    assert clf.n_iter_ < 10_000
    assert clf.score(X[:1000], y[:1000]) > 0.6  # the weights reached are usable


def test_fit_releases_the_gil():
    X, y = _blobs(30_000, 8)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.005)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        MLPClassifier((32, 32), max_iter=5, random_state=0).fit(X, y)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 3


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(hidden_layer_sizes=(0,)), ValueError, "hidden_layer_sizes"),
    (dict(hidden_layer_sizes="a"), ValueError, "hidden_layer_sizes"),
    (dict(activation="sigmoid"), ValueError, "activation"),
    (dict(alpha=-1.0), ValueError, "alpha"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(learning_rate_init=0.0), ValueError, "learning_rate_init"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(validation_fraction=1.0), ValueError, "validation_fraction"),
    (dict(beta_2=1.0), ValueError, "beta_2"),
    (dict(max_iter=1.5), TypeError, "max_iter"),
])
def test_bad_hyperparameters(kwargs, exc, match):
    X, y = _blobs(20, 0)
    with pytest.raises(exc, match=match):
        MLPClassifier(**kwargs).fit(X, y)


def test_bad_data():
    X, y = _blobs(20, 0)
    clf = MLPClassifier((4,), max_iter=2, random_state=0)
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        clf.fit(Xn, y)
    with pytest.raises(ValueError, match="single class"):
        clf.fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="inconsistent"):
        clf.fit(X, y[:-1])
    with pytest.raises(ValueError, match="2-D"):
        clf.fit(X[:, 0], y)
    with pytest.raises(ValueError, match="0 sample"):
        clf.fit(X[:0], y[:0])
    with pytest.raises(TypeError, match="X must hold numbers"):
        clf.fit(np.array([["a", "b"]] * 40), y)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="feature"):
        clf.predict(X[:, :1])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict_proba(Xn)
    # non-contiguous and integer inputs are converted once
    Xf = np.asfortranarray(X)
    np.testing.assert_array_equal(clf.predict_proba(Xf), clf.predict_proba(X))
    assert clf.predict_proba(X[::2]).shape == (20, 2)


def test_float32_passes_match_float64_training():
    X, y = _blobs(3000, 9)
    a = MLPClassifier((16, 16), max_iter=8, tol=0.0, random_state=0, dtype="float64").fit(X, y)
    b = MLPClassifier((16, 16), max_iter=8, tol=0.0, random_state=0, dtype="float32").fit(X, y)
    # the same trajectory to float precision: the same losses and nearly the same weights
    np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-4)
    np.testing.assert_allclose(b.coefs_[0], a.coefs_[0], atol=1e-3)
    assert b.decision_function(X).dtype == np.float64
    c = MLPClassifier((16, 16), max_iter=8, tol=0.0, random_state=0, dtype=np.float32).fit(X, y)
    np.testing.assert_array_equal(c.coefs_[0], b.coefs_[0])
    with pytest.raises(ValueError, match="dtype"):
        MLPClassifier(dtype="float16").fit(X, y)
