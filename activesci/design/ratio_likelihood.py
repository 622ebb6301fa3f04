"""log p(D | θ, φ) up to a constant from an amortized likelihood-ratio classifier.

One classifier learns r(x | θ, φ) = p(x | θ, φ) / p(x | φ) for every θ and every design φ at once:
it separates *joint* triples (x, θ, φ), with x simulated at (θ, φ), from *marginal* triples whose θ
was shuffled among the simulations of the same φ. With the cross-entropy loss its logit
converges to log r (Hermans, Begy & Louppe, "Likelihood-free MCMC with amortized approximate
ratio estimators", ICML 2020, arXiv:1903.04057; Cranmer, Pavez & Louppe, arXiv:1506.02169).
Then log p(D | θ, φ) = Σ_i log r(x_i | θ, φ) + c(D, φ), and the constant c does not change a
posterior over θ. Training happens once per campaign; every utility estimate afterwards only
evaluates the network.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .._validation import RandomState, check_random_state, check_scalar
from .abc_likelihood import _bad_dataset, _n_bad, theta_subgrid
from .posterior import GridPosterior

__all__ = ["RatioLikelihood"]


def _features(x: np.ndarray, feature: Optional[Callable]) -> np.ndarray:
    """Per-event features as a 2-D array (n_events, n_features)."""
    x = np.asarray(x, dtype=float)
    if feature is not None:
        x = np.asarray(feature(x), dtype=float)
    return x.reshape(x.shape[0], -1)


class RatioLikelihood:
    """Likelihood of data sets on a θ grid from a classifier trained on (x, θ, φ) triples.

    Parameters
    ----------
    simulator : Simulator
        ``simulate(theta, phi, n, random_state)`` with a batch of θ.
    prior : GridPosterior
        θ of the training simulations are drawn from it (the campaign's prior).
    phi_space : array-like of shape (n_design, 2)
        Bounds of the design; training designs cover it evenly.
    classifier : scikit-learn classifier, optional
        Default: :class:`activesci.learning.MLPClassifier` (C core) with two hidden layers of
        32 ReLU units, 40 epochs. Any classifier with ``fit`` and ``predict_proba`` works.
    n_train : int, default=100_000
        Joint triples simulated for training (as many marginal ones are made by shuffling).
    n_designs : int, default=64
        Distinct designs φ among the training simulations.
    n_theta_eval : int, default=41
        For one parameter, the network is evaluated on this many θ of the grid and the
        log-likelihood (smooth in θ) interpolated in between; 0 evaluates every grid point.
    feature : callable, optional
        Maps simulated events to per-event features.
    random_state : int, Generator or None

    Attributes
    ----------
    classifier_ : the trained classifier
    validation_loss_ : float
        Log-loss on 10 % of the triples held out from training. log 2 = 0.693 means nothing
        was learned (a ``RuntimeWarning`` says so); the lower, the more informative each event.

    Notes
    -----
    When each event carries little information about θ (e⁺e⁻ → μ⁺μ⁻ below the Z, where the
    angular distribution changes by about a percent across the prior), the classifier needs
    many triples: on the Weinberg problem 400 000 give posteriors within about 2σ of the exact
    ones, 100 000 do not (and warn).

    Examples
    --------
    >>> from activesci.simulators import GaussianToy
    >>> prior = GridPosterior.uniform([(-3.0, 3.0)], 61)
    >>> lik = RatioLikelihood(GaussianToy(), prior, [(0.5, 2.0)], n_train=20_000,
    ...                       random_state=0).fit()
    >>> ll = lik.loglike([np.full(20, 1.0)], prior.points, 1.0)
    >>> mle = prior.points[np.argmax(ll[0]), 0]      # data all at 1: the MLE is near 1
    >>> bool(abs(mle - 1.0) < 0.3)
    True
    """

    name = "ratio"

    def __init__(self, simulator, prior: GridPosterior, phi_space: Any, classifier: Any = None,
                 n_train: int = 100_000, n_designs: int = 64, n_theta_eval: int = 41,
                 feature: Optional[Callable] = None, random_state: RandomState = None):
        check_scalar(n_train, "n_train", kind=numbers.Integral, low=100)
        check_scalar(n_designs, "n_designs", kind=numbers.Integral, low=1)
        check_scalar(n_theta_eval, "n_theta_eval", kind=numbers.Integral, low=0)
        space = np.asarray(phi_space, dtype=float).reshape(-1, 2)
        if not np.all(np.isfinite(space)) or np.any(space[:, 0] >= space[:, 1]):
            raise ValueError(f"phi_space must hold finite (low, high) bounds with low < high, "
                             f"got {space.tolist()}")
        self.simulator = simulator
        self.prior = prior
        self.phi_space = space
        self.classifier = classifier
        self.n_train = int(n_train)
        self.n_designs = int(n_designs)
        self.n_theta_eval = int(n_theta_eval)
        self.feature = feature
        self.random_state = random_state

    # ------------------------------------------------------------------ training
    def _default_classifier(self):
        from ..learning import MLPClassifier

        return MLPClassifier(hidden_layer_sizes=(32, 32), activation="relu", max_iter=40,
                             batch_size=512, learning_rate_init=2e-3,
                             random_state=int(self._rng.integers(2**31)))

    def _design(self, u: np.ndarray) -> np.ndarray:
        lo, hi = self.phi_space[:, 0], self.phi_space[:, 1]
        return lo + u * (hi - lo)

    def _inputs(self, x: np.ndarray, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
        z = np.hstack([x, theta, phi])
        return (z - self.mean_) / self.scale_

    def fit(self) -> "RatioLikelihood":
        """Simulate the training triples and train the classifier; returns ``self``."""
        self._rng = check_random_state(self.random_state)
        rng = self._rng
        per = max(2, self.n_train // self.n_designs)
        d = self.phi_space.shape[0]
        # stratified designs: one per cell of an even partition of [0, 1], jittered
        u = (np.arange(self.n_designs)[:, None] + rng.random((self.n_designs, d))) / self.n_designs
        for j in range(1, d):
            u[:, j] = rng.permutation(u[:, j])
        joint, marginal = [], []
        for k in range(self.n_designs):
            phi = self._design(u[k])
            phi_arg = phi[0] if d == 1 else phi
            theta = self.prior.sample(per, rng)
            theta_arg = theta[:, 0] if theta.shape[1] == 1 else theta
            ev = np.asarray(self.simulator.simulate(theta_arg, phi_arg, 1,
                                                    random_state=int(rng.integers(2**63))))
            x = _features(ev.reshape(per, *ev.shape[2:]), self.feature)
            phis = np.broadcast_to(phi, (per, d))
            joint.append(np.hstack([x, theta, phis]))
            marginal.append(np.hstack([x, theta[rng.permutation(per)], phis]))
        Z = np.vstack(joint + marginal)
        y = np.concatenate([np.ones(len(Z) // 2), np.zeros(len(Z) // 2)])
        if not np.all(np.isfinite(Z)):
            raise ValueError("the simulator returned non-finite events for the ratio training set")
        self.n_x_ = Z.shape[1] - self.prior.ndim - d
        self.mean_ = Z.mean(axis=0)
        self.scale_ = np.where(Z.std(axis=0) > 0, Z.std(axis=0), 1.0)
        Z = (Z - self.mean_) / self.scale_
        order = rng.permutation(len(Z))
        n_val = max(1, len(Z) // 10)  # held out to check that the ratio was learned at all
        val, train = order[:n_val], order[n_val:]
        clf = self.classifier if self.classifier is not None else self._default_classifier()
        self.classifier_ = clf.fit(Z[train], y[train])
        self.classes_ = list(getattr(self.classifier_, "classes_", [0, 1]))
        p1 = np.clip(self.classifier_.predict_proba(Z[val])[:, self.classes_.index(1)],
                     1e-12, 1 - 1e-12)
        self.validation_loss_ = float(-np.mean(y[val] * np.log(p1)
                                               + (1 - y[val]) * np.log1p(-p1)))
        # a classifier that learned nothing sits at log 2 (the two classes are balanced); its
        # log-ratios are noise and the posteriors built on them would be garbage
        noise = 2.0 / np.sqrt(n_val)
        if self.validation_loss_ > np.log(2.0) - noise:
            warnings.warn(
                f"the ratio classifier did not learn to separate joint from marginal samples "
                f"(held-out log-loss {self.validation_loss_:.4f} vs log 2 = 0.6931): each event "
                f"carries little information about theta; raise n_train (now {self.n_train}) "
                "or use a more flexible classifier", RuntimeWarning, stacklevel=2)
        return self

    def log_ratio(self, x: np.ndarray, theta: np.ndarray, phi: Any) -> np.ndarray:
        """log r(x | θ, φ) for events ``x`` (n,) or (n, f) and one θ point per event (n, p)."""
        if not hasattr(self, "classifier_"):
            raise RuntimeError("this RatioLikelihood is not trained yet: call fit() first")
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        phi_row = np.broadcast_to(np.asarray(phi, dtype=float).reshape(1, -1),
                                  (len(x), self.phi_space.shape[0]))
        p = self.classifier_.predict_proba(self._inputs(x, theta, phi_row))
        p1 = np.clip(p[:, self.classes_.index(1)], 1e-12, 1 - 1e-12)
        return np.log(p1) - np.log1p(-p1)

    # ------------------------------------------------------------------ likelihood
    def loglike(self, datasets: Sequence[np.ndarray], points: np.ndarray, phi: Any,
                random_state: RandomState = None) -> np.ndarray:
        """Σ_i log r(x_ki | θ_g, φ) for each data set k and grid point g (n_datasets, n_points)."""
        if not hasattr(self, "classifier_"):
            self.fit()
        points = np.asarray(points, dtype=float).reshape(len(points), -1)
        G = points.shape[0]
        evals = theta_subgrid(points, self.n_theta_eval)
        out = np.empty((len(datasets), G))
        for k, data in enumerate(datasets):
            if _bad_dataset(data):
                raise ValueError(f"datasets[{k}] must be a non-empty array of finite events, got "
                                 f"shape {np.shape(data)} with {_n_bad(data)} NaN/inf value(s); "
                                 "drop the bad events before computing the likelihood")
            x = _features(np.asarray(data, dtype=float), self.feature)
            n = x.shape[0]
            # every (event, θ) pair in one call to the network
            xx = np.repeat(x[None], len(evals), axis=0).reshape(-1, x.shape[1])
            tt = np.repeat(points[evals], n, axis=0)
            ll = self.log_ratio(xx, tt, phi).reshape(len(evals), n).sum(axis=1)
            if len(evals) < G:
                out[k] = np.interp(points[:, 0], points[evals, 0], ll)
            else:
                out[k] = ll
        return out
